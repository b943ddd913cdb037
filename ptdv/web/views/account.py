"""The user's account page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def account(request, **kwargs):
    raise Http404


urlpatterns = [path("tai-khoan/cua-toi/", account, name="account")]
