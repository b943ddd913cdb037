"""Request guards and response headers that every page shares.

:class:`RequestGuardMiddleware` (early: before anything reads the session or the database)
    refuses with a 400 page in Vietnamese, naming the parameter, a request whose path, query
    parameters, form fields (names and values; for an upload the files' field names, never their
    content) or cookies hold a C0 control character other than tab, line feed
    and carriage return (browsers send a textarea's line breaks as CR LF), or whose query
    parameter (name or value) is longer than ``PTDV_MAX_QUERY_PARAM_LENGTH`` characters.
    PostgreSQL refuses NUL in text, so such a value reaching a query was a 500 on any page that
    filters by a parameter (``/tim-kiem/?q=%00``), and a quoted cookie can carry one too
    (``sessionid="…\\000"``). Under the API the same refusals (400, and 413 for a body too
    large) are the API's JSON, ``{"loi": [{"ma": "khong_hop_le", …}]}``
    (``ptdv.accounts.json_errors``).

:class:`PrivateResponseMiddleware` (after WhiteNoise, so static files keep their caching)
    - ``Cache-Control: no-store`` (with ``private, no-cache, must-revalidate, max-age=0``,
      ``Expires``) and ``Pragma: no-cache`` on every response Django renders: pages, htmx
      fragments, exports and downloads all carry personal data to signed-in users, and the few
      anonymous pages (login, errors) gain nothing from a cache;
    - ``Permissions-Policy`` from ``PTDV_PERMISSIONS_POLICY`` (every powerful browser feature
      denied: the site uses none);
    - :class:`~ptdv.accounts.hashers.PasswordHashingBusy` raised by a view (a password checked
      or set while every hashing permit stayed taken) becomes a 503 page with ``Retry-After``,
      never a 500 (under the API, a 503 in JSON). The login page shows it inside its form
      instead.

The Content-Security-Policy is django-csp's (``CONTENT_SECURITY_POLICY`` in settings);
``Referrer-Policy``, ``X-Content-Type-Options`` and ``Cross-Origin-Opener-Policy`` come from
Django's ``SecurityMiddleware``, ``X-Frame-Options`` from its clickjacking middleware.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import number_format
from django.utils.http import http_date
from django.utils.translation import gettext as _

from ptdv.accounts import json_errors
from ptdv.accounts.hashers import PasswordHashingBusy
from ptdv.accounts.json_errors import is_api_request
from ptdv.accounts.views import BUSY_RETRY_AFTER

#: C0 control characters but tab (\x09), line feed (\x0a) and carriage return (\x0d).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: How much of a parameter's name the 400 page quotes.
SHOWN_NAME_LENGTH = 40
#: Methods whose form body is checked.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def shown_name(name: str) -> str:
    """A parameter's name as the 400 page quotes it: control characters written as ``\\x00``."""
    visible = CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    if len(visible) > SHOWN_NAME_LENGTH:
        visible = visible[:SHOWN_NAME_LENGTH] + "…"
    return visible


def input_problem(request) -> str | None:
    """What is wrong with the request's input, in Vietnamese, or ``None``."""
    if CONTROL_CHARACTERS.search(request.path):
        return _("Địa chỉ trang chứa ký tự không hợp lệ (ký tự điều khiển).")
    limit = int(settings.PTDV_MAX_QUERY_PARAM_LENGTH)
    for name, values in request.GET.lists():
        for text in (name, *values):
            if CONTROL_CHARACTERS.search(text):
                return _(
                    "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự điều khiển) ở tham số "
                    "“%(name)s” của địa chỉ trang."
                ) % {"name": shown_name(name)}
            if len(text) > limit:
                return _("Tham số “%(name)s” của địa chỉ trang dài quá %(limit)s ký tự.") % {
                    "name": shown_name(name),
                    "limit": number_format(limit, force_grouping=True),
                }
    for name, value in request.COOKIES.items():
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            return _(
                "Cookie “%(name)s” của trình duyệt chứa ký tự không hợp lệ. Hãy xóa cookie của "
                "trang này rồi tải lại."
            ) % {"name": shown_name(name)}
    if request.method in BODY_METHODS:
        # Form fields only: an upload's content is the file's business, not text to scan.
        for name, values in request.POST.lists():
            if any(CONTROL_CHARACTERS.search(text) for text in (name, *values)):
                return _(
                    "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự điều khiển) ở trường "
                    "“%(name)s”. Hãy quay lại, xóa ký tự đó (thường do dán từ văn bản khác) "
                    "rồi gửi lại."
                ) % {"name": shown_name(name)}
        # Uploaded files: their field names (Django's parser already strips non-printable
        # characters from the files' names).
        for name in request.FILES:
            if CONTROL_CHARACTERS.search(name):
                return _(
                    "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự điều khiển) ở trường "
                    "“%(name)s”."
                ) % {"name": shown_name(name)}
    return None


#: Room for a form's other fields beside the largest upload.
FORM_FIELDS_BYTES = 1024 * 1024


def body_too_big(request) -> str | None:
    """A message when the request declares a body larger than the largest upload allowed (an
    import file, ``PTDV_IMPORT_MAX_UPLOAD_BYTES``) plus its form's fields."""
    declared = request.META.get("CONTENT_LENGTH")
    if not declared:  # most requests: a GET without a body
        return None
    from ptdv.imports.limits import current

    try:
        length = int(declared)
    except ValueError:
        return _("Độ dài dữ liệu gửi lên không hợp lệ.")
    limit = current().upload_bytes
    if length <= limit + FORM_FIELDS_BYTES:
        return None
    return _(
        "Dữ liệu gửi lên lớn quá %(limit)s MB (tệp nhập dữ liệu lớn nhất được nhận): hãy chia "
        "tệp thành nhiều tệp nhỏ hơn."
    ) % {"limit": limit // (1024 * 1024)}


class RequestGuardMiddleware:
    """After ``LocaleMiddleware`` (the page is in the user's language), before any middleware
    that reads the session or the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        too_big = body_too_big(request)
        if too_big is not None and is_api_request(request):
            return json_errors.invalid(413, too_big)
        if too_big is not None:
            # Refused on the declared length, before Django reads (and spools to disk) the body.
            return render(
                request,
                "web/errors/error.html",
                {"title": _("Dữ liệu gửi lên quá lớn"), "message": too_big},
                status=413,
            )
        problem = input_problem(request)
        if problem is not None and is_api_request(request):
            return json_errors.invalid(400, problem)
        if problem is not None:
            # The page reads neither the user nor the session: a bad cookie must not reach them.
            return render(
                request,
                "web/errors/error.html",
                {
                    "title": _("Dữ liệu gửi lên không hợp lệ"),
                    "message": problem,
                },
                status=400,
            )
        return self.get_response(request)


def permissions_policy() -> str:
    return ", ".join(
        f"{feature}=({' '.join(allowed)})"
        for feature, allowed in settings.PTDV_PERMISSIONS_POLICY.items()
    )


@lru_cache(maxsize=1)
def private_headers() -> tuple[str, str]:
    """``Cache-Control`` as ``add_never_cache_headers`` writes it on a response that has none,
    and ``Permissions-Policy``: built once (again when a setting changes)."""
    blank = HttpResponse()
    add_never_cache_headers(blank)
    return blank["Cache-Control"], permissions_policy()


def _forget_private_headers(**kwargs) -> None:
    private_headers.cache_clear()


setting_changed.connect(_forget_private_headers, dispatch_uid="ptdv.web.private_headers")


def busy_message() -> str:
    return _("Máy chủ đang bận xử lý nhiều lượt đăng nhập cùng lúc. Vui lòng thử lại sau ít giây.")


class PrivateResponseMiddleware:
    """After WhiteNoise: what WhiteNoise serves (static files) never gets here."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        cache_control, policy = private_headers()
        if not request.path.startswith(self.static_prefix):
            if "Cache-Control" in response or "Expires" in response:
                add_never_cache_headers(response)  # merged with what the view set
            else:  # the same headers, without parsing and merging an empty Cache-Control
                response["Expires"] = http_date(time.time())
                response["Cache-Control"] = cache_control
            response["Pragma"] = "no-cache"
        response.setdefault("Permissions-Policy", policy)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, PasswordHashingBusy):
            return None
        if is_api_request(request):
            response = json_errors.detail(503, busy_message())
            response["Retry-After"] = str(BUSY_RETRY_AFTER)
            return response
        response = render(
            request,
            "web/errors/error.html",
            {
                "title": _("Máy chủ đang bận"),
                "message": busy_message(),
            },
            status=503,
        )
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
