"""The organisation tree with counts and coverage."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def org_tree(request, **kwargs):
    raise Http404


urlpatterns = [path("to-chuc/", org_tree, name="org_tree")]
