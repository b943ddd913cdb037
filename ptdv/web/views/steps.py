"""Forms that record the next step, corrections and transfers."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def record_step(request, **kwargs):
    raise Http404


urlpatterns = [path("ho-so/<int:pk>/ghi-buoc/", record_step, name="candidacy_step")]
