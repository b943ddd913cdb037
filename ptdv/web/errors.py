"""The error pages: 400, 403, 404 and 500, and the refused form (CSRF), in Vietnamese.

- 403, 404 and the refused form (``403.html``, ``404.html``, ``csrf_failure.html``) are pages
  of the site, in its layout, with the menu.
- 400 and 500 use ``web/errors/error.html``, a page that reads neither the user, the session
  nor the database: a 400 answers a request that may not be trusted, and a 500 may come from a
  database that is down. ``500.html`` renders without a request (as Django's ``server_error``).
- None shows the exception's text: it may be English or say more than the user should know.
- Under the API (``ptdv.accounts.json_errors.is_api_request``) each is the API's JSON instead,
  with the same status: ``{"detail": …}`` for 403, 404, 500 and the refused form (CSRF),
  ``{"loi": [{"ma": "khong_hop_le", …}]}`` for 400. The 500's JSON is built from the request's
  path alone (no session, user or database).

With ``DEBUG`` on (the demo server, a developer's machine), Django shows its own yellow pages
for a missing page, a view's bad request and an uncaught exception, whatever the handlers.
Unless ``PTDV_DEBUG_PAGES`` is on, :class:`ErrorPagesMiddleware` shows the site's pages instead;
the exception is logged as before (``django.request``, ``django.security``), so a developer
still finds the traceback in the server's output. ``PTDV_DEBUG_PAGES`` has no effect when ``DEBUG`` is off.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from ptdv.accounts import json_errors
from ptdv.accounts.json_errors import is_api_request

#: Set on a request whose exception went uncaught (Django answers 500 for it).
_UNCAUGHT = "_ptdv_uncaught_exception"


def bad_request_message() -> str:
    return _("Yêu cầu không hợp lệ.")


def permission_denied_message() -> str:
    return _("Bạn không có quyền thực hiện thao tác này.")


def not_found_message() -> str:
    return _("Không tìm thấy.")


def server_error_message() -> str:
    return _("Máy chủ gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau.")


def csrf_failure_message() -> str:
    return _(
        "Yêu cầu bị từ chối vì thiếu hoặc sai mã chống giả mạo (CSRF): gửi kèm tiêu đề "
        "X-CSRFToken với phiên đăng nhập, hoặc dùng khóa truy cập API."
    )


@requires_csrf_token
def bad_request(request, exception=None, template_name="400.html"):
    if is_api_request(request):
        return json_errors.invalid(400, bad_request_message())
    return HttpResponseBadRequest(loader.render_to_string(template_name, request=request))


@requires_csrf_token
def permission_denied(request, exception=None, template_name="403.html"):
    if is_api_request(request):
        return json_errors.detail(403, permission_denied_message())
    return HttpResponseForbidden(loader.render_to_string(template_name, request=request))


@requires_csrf_token
def page_not_found(request, exception=None, template_name="404.html"):
    if is_api_request(request):
        return json_errors.detail(404, not_found_message())
    return HttpResponseNotFound(loader.render_to_string(template_name, request=request))


def server_error(request=None, template_name="500.html"):
    """Without the request: the page must render whatever failed (database, session, user).
    Under the API, JSON built from the path alone."""
    if request is not None and is_api_request(request):
        return json_errors.detail(500, server_error_message())
    return HttpResponseServerError(loader.render_to_string(template_name))


def csrf_failure(request, reason="", template_name="csrf_failure.html"):
    """``CSRF_FAILURE_VIEW``: the form was refused (expired page, cookies off), said plainly."""
    if is_api_request(request):
        return json_errors.detail(403, csrf_failure_message())
    return HttpResponseForbidden(loader.render_to_string(template_name, request=request))


def debug_pages() -> bool:
    """Whether Django's own debug pages are shown (``DEBUG`` and ``PTDV_DEBUG_PAGES`` on)."""
    return settings.DEBUG and getattr(settings, "PTDV_DEBUG_PAGES", False)


def _mark_uncaught(sender, request=None, **kwargs) -> None:
    if request is not None:
        setattr(request, _UNCAUGHT, True)


got_request_exception.connect(_mark_uncaught, dispatch_uid="ptdv.web.errors")


class ErrorPagesMiddleware:
    """With ``DEBUG`` on and ``PTDV_DEBUG_PAGES`` off, the site's 404 and 500 pages in place of
    Django's debug pages. Does nothing when ``DEBUG`` is off (the handlers answer then)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or debug_pages():
            return response
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # No page at this address: Django answered the Resolver404 with its debug page.
            return page_not_found(request)
        if response.status_code == 500 and getattr(request, _UNCAUGHT, False):
            return server_error(request)
        return response

    def process_exception(self, request, exception):
        """A view's ``Http404`` (an object missing or outside the user's subtree), and its
        ``SuspiciousOperation`` or ``BadRequest`` (400), logged as Django logs them."""
        if not settings.DEBUG or debug_pages():
            return None
        if isinstance(exception, Http404):
            response = page_not_found(request, exception)
            log_response("Not Found: %s", request.path, response=response, request=request)
            return response
        if isinstance(exception, SuspiciousOperation):
            response = bad_request(request, exception)
            logging.getLogger(f"django.security.{exception.__class__.__name__}").error(
                str(exception), exc_info=exception, extra={"status_code": 400, "request": request}
            )
            return response
        if isinstance(exception, BadRequest):
            response = bad_request(request, exception)
            log_response(
                "%s: %s",
                str(exception),
                request.path,
                response=response,
                request=request,
                exception=exception,
            )
            return response
        return None
