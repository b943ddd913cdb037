"""The mentor's view: people they help and reports due."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def mentor_home(request, **kwargs):
    raise Http404


urlpatterns = [path("giup-do/", mentor_home, name="mentor")]
