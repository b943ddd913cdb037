"""The person page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def person_detail(request, **kwargs):
    raise Http404


urlpatterns = [path("nguoi/<int:pk>/", person_detail, name="person")]
