"""Sessions that end: after ``PTDV_SESSION_IDLE_MINUTES`` without a request, and in any case
``PTDV_SESSION_MAX_HOURS`` after the login.

The session keeps two times (seconds since the epoch): when the user logged in, and when they
were last seen. The last-seen time is written at most once a minute (:data:`ACTIVITY_STEP`), so
a user clicking around does not rewrite the session row on every request; the idle time is
therefore measured to the minute. When either limit is passed, the next request logs the user
out and sends them to the login page with a message saying why, and with ``next`` pointing back
to the page they were on. An htmx request gets ``HX-Redirect`` instead (htmx then loads the login
page as a whole page; a redirect would put the login page inside the fragment), and so does an
htmx request that ``login_required`` turned away because there was no session at all.

:class:`MfaMiddleware`, after it, lets a signed-in session go further only once it has passed
the second factor when its user needs one (``mfa.py``).

Under the API (``json_errors.is_api_request``) neither sends anyone to a page:

- a request with ``Authorization: Bearer …`` is judged by its token alone (a valid token is
  served, a bad or missing one is the API's own 401). Whatever session cookie a client sends
  along — stale, expired, without its second factor, or valid and of another user — is neither
  checked, nor ended, nor used: ``request.user`` is anonymous until the API authenticates the
  token, so nothing before the view (the second factor's check, the officer's rule, the audit
  log's actor) takes the session's user for the token's;
- for any other request, a session that must end (expired, or without its second factor) ends
  and the answer is a 401 in JSON (``{"detail": …}`` saying why, ``WWW-Authenticate: Bearer``),
  as the API answers a request without credentials; no message is kept for the next page.

A small middleware rather than a library: django-session-security needs its own inline script
(against the Content-Security-Policy) and only knows idleness; django-auto-logout knows both
limits but is unmaintained since 2022, writes the session on every request and knows nothing of
htmx.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from . import json_errors, mfa
from .json_errors import carries_bearer, is_api_request

#: Session keys: when the user logged in, when they were last seen (seconds since the epoch).
STARTED = "_ptdv_started"
SEEN = "_ptdv_seen"
#: The last-seen time is rewritten only when it is older than this (seconds).
ACTIVITY_STEP = 60


def idle_seconds() -> int:
    return int(settings.PTDV_SESSION_IDLE_MINUTES) * 60


def lifetime_seconds() -> int:
    return int(settings.PTDV_SESSION_MAX_HOURS) * 3600


def start_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the session's clock starts at the login."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now


def expiry_message(session, now: float) -> str | None:
    """Why the session has ended, or ``None`` while it is valid."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - started > lifetime_seconds():
        hours = int(settings.PTDV_SESSION_MAX_HOURS)
        return _(
            "Phiên làm việc đã hết hạn: đã quá %(hours)d giờ kể từ khi đăng nhập. "
            "Vui lòng đăng nhập lại."
        ) % {"hours": hours}
    if now - seen > idle_seconds():
        minutes = int(settings.PTDV_SESSION_IDLE_MINUTES)
        return _(
            "Phiên làm việc đã hết hạn vì quá %(minutes)d phút không thao tác. "
            "Vui lòng đăng nhập lại."
        ) % {"minutes": minutes}
    return None


class SessionTimeoutMiddleware:
    """After ``AuthenticationMiddleware``, ``MessageMiddleware`` and ``HtmxMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request) and carries_bearer(request):
            # Judged by its token alone (ptdv.api.authentication), whatever session cookie
            # comes with it: that session is neither checked, nor ended, nor used.
            request.user = AnonymousUser()
            return self.get_response(request)
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            message = expiry_message(session, now)
            if message is not None and is_api_request(request):
                logout(request)  # no message kept for a page: the answer says why
                return json_errors.not_signed_in(message)
            if message is not None:
                back_to = page_url(request)
                logout(request)
                messages.warning(request, message)
                return to_login(request, back_to)
            if STARTED not in session or SEEN not in session:
                # A session from before these limits: its clock starts now.
                session[STARTED] = session.get(STARTED, int(now))
                session[SEEN] = int(now)
            elif now - session[SEEN] >= ACTIVITY_STEP:
                session[SEEN] = int(now)
        response = self.get_response(request)
        if is_htmx(request) and is_login_redirect(response):
            return to_login(request, page_url(request))
        return response


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308) or "Location" not in response:
        return False
    return urlsplit(response["Location"]).path == urlsplit(resolve_url(settings.LOGIN_URL)).path


def page_url(request) -> str | None:
    """The page to come back to after logging in again: the page itself for a plain GET, the
    page holding the fragment for htmx (``HX-Current-URL``), the page the form was on for a
    POST (``Referer``); only on this site."""
    if is_htmx(request):
        candidate = request.headers.get("HX-Current-URL", "")
    elif request.method == "GET":
        return request.get_full_path()
    else:
        candidate = request.headers.get("Referer", "")
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(candidate)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def to_login(request, back_to: str | None):
    login_url = resolve_url(settings.LOGIN_URL)
    if back_to and urlsplit(back_to).path != urlsplit(login_url).path:
        url = redirect_to_login(back_to, login_url)["Location"]
    else:
        url = login_url
    if is_htmx(request):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def mfa_missing_message() -> str:
    return _(
        "Tài khoản của bạn cần xác thực hai lớp (mã từ ứng dụng xác thực) và phiên làm "
        "việc này chưa được xác thực. Vui lòng đăng nhập lại."
    )


class MfaMiddleware:
    """A signed-in session of a user who needs a second factor must have passed it.

    After ``SessionTimeoutMiddleware``. For every signed-in request: a session verified with the
    user's current device goes on (no query: the device's id comes with the user, see
    ``backends.py``). Otherwise, for a user who must use a second factor or has one:

    - a session that ``login()`` has just opened without the second step (the admin's login
      page, where the password was checked) becomes a pending login, sent to the second step;
    - any other session ends (a device reset by an administrator or replaced elsewhere, a role or
      setting that now requires it): the user logs in again, with a message saying why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            refused = self.check(request, request.user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def check(self, request, user):
        fresh = request.session.pop(mfa.FRESH, False)
        if mfa.session_verified(request, user) or not mfa.second_step_needed(user):
            return None
        if is_api_request(request):  # no second step through the API: a 401 saying why
            logout(request)
            return json_errors.not_signed_in(mfa_missing_message())
        back_to = page_url(request)
        backend = request.session.get(BACKEND_SESSION_KEY)
        logout(request)
        if fresh and backend:
            user.backend = backend
            mfa.begin(request, user, back_to or resolve_url(settings.LOGIN_REDIRECT_URL))
            has_device = mfa.device_id(user) is not None
            url = resolve_url("mfa_verify" if has_device else "mfa_enrol_login")
            if is_htmx(request):
                return HttpResponseClientRedirect(url)
            return HttpResponseRedirect(url)
        messages.warning(request, mfa_missing_message())
        return to_login(request, back_to)
