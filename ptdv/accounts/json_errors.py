"""Refusals of API requests in the API's JSON, for the code that answers before the API's views.

The middlewares (sessions, second factor, request guards, the data protection officer) and the
error handlers run before Django REST framework, or instead of it; under the API's prefix they
answer as the API does (docs/api.md, "Errors"), never with an HTML page or a redirect to the
login page:

- 400 and 413 (the request's input): ``{"loi": [{"ma": "khong_hop_le", "thong_bao": …,
  "can_cu": null, "truong": …}]}``, the shape of ``ptdv.api.errors``;
- 401, 403, 404 and 500: ``{"detail": …}``, the shape of Django REST framework's own refusals;
  a 401 carries ``WWW-Authenticate`` as the API's token authentication writes it.

:func:`is_api_request` is the one definition of an API request: its path is under
``PTDV_API_PREFIX`` (``ptdv/urls.py`` mounts the API there), except the API's documentation page
(``api-docs``), a page for people that sends them to the login page like every page.

This module sits low (``ptdv.accounts``) so that ``ptdv.accounts``, ``ptdv.privacy`` and
``ptdv.web`` may use it: none of them may import ``ptdv.api``. Nothing here reads the session,
the user or the database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse

#: ``ma`` of a refused input (``ptdv.api.errors`` uses it too).
INVALID = "khong_hop_le"
#: The API's authentication scheme, which ``ptdv.api.authentication.BearerTokenAuthentication``
#: also answers with a 401 (``authenticate_header``).
WWW_AUTHENTICATE = 'Bearer realm="api"'
#: The URL name of the API's documentation page, which is answered as a page.
DOCS_PAGE = "api-docs"


def is_api_request(request) -> bool:
    """Whether ``request`` is for the API (its path under ``PTDV_API_PREFIX``)."""
    path = request.path_info
    if not path.startswith(settings.PTDV_API_PREFIX):
        return False
    try:
        return path != reverse(DOCS_PAGE)
    except NoReverseMatch:  # a URLconf without the API's pages
        return True


def carries_bearer(request) -> bool:
    """Whether the request names the API's token scheme (``Authorization: Bearer …``, the
    scheme's name in any case, as the API reads it): the API judges it by its token alone,
    whatever session cookie comes with it."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(parts) and parts[0].lower() == "bearer"


def _json(data: dict[str, Any], status: int) -> JsonResponse:
    # As Django REST framework renders: UTF-8 as is, not \u escapes.
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def detail(status: int, message: Any) -> JsonResponse:
    """``{"detail": message}`` with ``status`` (403, 404, 500…)."""
    return _json({"detail": str(message)}, status)


def not_signed_in(message: Any) -> JsonResponse:
    """401: the request's credentials are not (or no longer) accepted."""
    response = detail(401, message)
    response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def invalid(status: int, message: Any, *, field: str | None = None) -> JsonResponse:
    """``{"loi": [...]}`` with one line ``khong_hop_le`` and ``status`` (400, 413)."""
    line = {"ma": INVALID, "thong_bao": str(message), "can_cu": None, "truong": field}
    return _json({"loi": [line]}, status)
