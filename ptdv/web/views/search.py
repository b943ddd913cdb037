"""Search across people in the user's scope."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def search(request, **kwargs):
    raise Http404


urlpatterns = [path("tim-kiem/", search, name="search")]
