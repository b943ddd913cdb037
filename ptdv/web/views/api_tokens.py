"""Khóa truy cập API: one's own personal API tokens (ptdv/accounts/tokens.py).

- ``/tai-khoan/khoa-api/``: the list of one's tokens and the form that makes one; the answer to
  the form shows the new token's text, once (never stored, never shown again);
- ``/tai-khoan/khoa-api/<id>/thu-hoi/``: revoke one (GET: the confirmation, POST: the
  revocation). Another user's token is a 404, as a missing one.

Only for a session past the second factor when the user needs one: ``MfaMiddleware`` ends any
other before it gets here, and :func:`second_factor_passed` checks again on these pages (a token
carries its user's rights without a second factor of its own).
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache

from ptdv.accounts import mfa, tokens
from ptdv.accounts.models import ApiToken, TokenScope


def second_factor_passed(view):
    """403 unless the session passed the second factor, for a user who needs one."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        user = request.user
        if mfa.second_step_needed(user) and not mfa.session_verified(request, user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _duration_label(days: int) -> str:
    if days == 365:
        return str(gettext_lazy("1 năm"))
    return str(ngettext_lazy("%(n)d ngày", "%(n)d ngày", days) % {"n": days})


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Tên khóa"),
        max_length=100,
        help_text=gettext_lazy(
            "Để nhận ra khóa sau này: phần mềm hoặc máy dùng nó, ví dụ “Đồng bộ báo cáo huyện”."
        ),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Quyền"), widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Thời hạn"),
        coerce=int,
        initial=tokens.DEFAULT_DAYS,
        help_text=gettext_lazy("Hết hạn, khóa không dùng được nữa; tối đa 1 năm."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = tokens.offered_scopes(user)
        self.fields["scope"].initial = TokenScope.READ
        self.fields["days"].choices = [(d, _duration_label(d)) for d in tokens.DURATIONS]
        self.fields["name"].widget.attrs["class"] = "form-control"
        self.fields["days"].widget.attrs["class"] = "form-select"
        for name in ("name", "days"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_help"


def _rows(user) -> list[dict]:
    now = timezone.now()
    rows = []
    for token in tokens.tokens_of(user)[: tokens.LIST_LIMIT]:
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        rows.append({"token": token, "state": state})
    return rows


@login_required
@second_factor_passed
@never_cache
def api_tokens(request):
    """GET: one's tokens and the form; POST: a new token, its text shown once."""
    user = request.user
    form = TokenForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            made = tokens.create_token(
                user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except tokens.TokenRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            context = {"made": made.token, "text": made.text}
            return render(request, "web/account/api_tokens_created.html", context)
    context = {
        "form": form,
        "rows": _rows(user),
        "limit": tokens.LIST_LIMIT,
        "max_active": tokens.MAX_ACTIVE,
    }
    return render(request, "web/account/api_tokens.html", context)


@login_required
@second_factor_passed
@never_cache
def api_token_revoke(request, pk: int):
    """GET: the confirmation; POST: the revocation. Only one's own tokens (404 otherwise)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "POST":
        if tokens.revoke_token(token):
            messages.success(
                request,
                _("Đã thu hồi khóa “%(name)s”: từ nay khóa không dùng được nữa.")
                % {"name": token.name},
            )
        else:
            messages.info(
                request, _("Khóa “%(name)s” đã bị thu hồi trước đó.") % {"name": token.name}
            )
        return redirect("api_tokens")
    return render(request, "web/account/api_tokens_revoke.html", {"token": token})


urlpatterns = [
    path("tai-khoan/khoa-api/", api_tokens, name="api_tokens"),
    path("tai-khoan/khoa-api/<int:pk>/thu-hoi/", api_token_revoke, name="api_token_revoke"),
]
