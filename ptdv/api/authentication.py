"""Who calls the API: a personal token (``Authorization: Bearer ptdv_…``) or the site's session.

:class:`BearerTokenAuthentication` reads the token of ``ptdv.accounts.tokens`` (found by its
prefix, its digest compared in constant time) and returns ``(user, token)``: ``request.user`` is
the same ``User`` the pages see, scoped by its organisation, and ``request.auth`` the token, whose
``can_write`` the views ask before a write. A header that names another scheme is left to the next
class; a Bearer header that is not an accepted token is a 401 with a Vietnamese message (never the
session instead).

:class:`SessionAuthentication` is Django REST framework's (which enforces CSRF on writes), for a
session that has passed the second factor when its user needs one: ``MfaMiddleware`` already ends
any other before the view, and this class refuses one that would still come through.

Neither the session middlewares nor ``MfaMiddleware`` see a token request as signed in (it has no
session): they let it through to the API, which answers an unauthenticated request with a 401 in
JSON, never with a redirect to the login page.
"""

from __future__ import annotations

from auditlog.context import auditlog_value
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ptdv.accounts import mfa, tokens
from ptdv.accounts.json_errors import WWW_AUTHENTICATE

KEYWORD = "Bearer"


def audit_as(user) -> None:
    """The audit log's actor of this request: django-auditlog's middleware took it from the
    session, before the view, and found nobody for a token request."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None:
        context["actor"] = user


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``: a personal token (``ptdv.accounts.tokens``)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _(
                    "Tiêu đề Authorization phải có dạng “Bearer ptdv_…”: chữ Bearer, một dấu cách, rồi khóa truy cập API."
                )
            )
        try:
            text = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(tokens.INVALID) from None
        try:
            token = tokens.authenticate(text)
        except tokens.TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message) from None
        audit_as(token.user)
        return (token.user, token)

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a request without credentials, saying what to send.
        return WWW_AUTHENTICATE  # the same header as the middlewares' 401 (accounts.json_errors)


class SessionAuthentication(authentication.SessionAuthentication):
    """The site's session (CSRF enforced on writes), once past the second factor if needed."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if mfa.second_step_needed(user) and not mfa.session_verified(request._request, user):
            return None
        return found


class SessionScheme(OpenApiAuthenticationExtension):
    """The session in the OpenAPI schema: the site's cookie (drf-spectacular's own extension
    names DRF's class only, not its subclasses)."""

    target_class = "ptdv.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema: HTTP Bearer."""

    target_class = "ptdv.api.authentication.BearerTokenAuthentication"
    name = "khoaTruyCapApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "Khóa truy cập API cá nhân (ptdv_…), tạo trong trang “Khóa truy cập API” của "
                    "tài khoản; quyền chỉ xem hoặc xem và ghi, trong phạm vi của người tạo."
                )
            ),
        }
