"""Tài khoản của tôi: who the user is, where they stand in the tree, and their account links."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def account(request):
    user = request.user
    organisation = user.organisation
    # The user's own organisation and the ones above it, nearest first (names only: the user
    # sees nothing of the branches above, but knows where their organisation stands).
    chain = list(reversed(organisation.ancestors_or_self())) if organisation else []
    context = {"chain": chain, "person": user.person}
    return render(request, "web/account/account.html", context)


urlpatterns = [path("tai-khoan/cua-toi/", account, name="account")]
