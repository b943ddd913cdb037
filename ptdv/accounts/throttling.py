"""Login throttling (django-axes): per username and address, and per address alone.

``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]`` makes axes count the
failures of both combinations. Axes compares each count with the one ``AXES_FAILURE_LIMIT``; here
each combination has its own limit:

- a username from an address: ``AXES_FAILURE_LIMIT`` (5) — someone guessing one password;
- an address, whatever the usernames: ``PTDV_LOGIN_ADDRESS_FAILURE_LIMIT`` (20) — someone trying
  many usernames, or many people behind one office's address typing wrongly now and then.

:class:`LoginThrottleHandler` is axes' database handler with two changes: the count it reports is
each combination's count scaled to ``AXES_FAILURE_LIMIT`` (so "locked" means "one of the
combinations reached its own limit"), and a successful login resets only that user's failures,
not the whole address's (axes' default would let anyone with an account wipe the address's count
by logging in).
"""

from __future__ import annotations

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

#: ``AccessAttempt.username`` is a varchar(255): a longer name must never reach it.
USERNAME_COLUMN_LENGTH = 255


def _combination(parameter) -> frozenset[str]:
    return frozenset([parameter] if isinstance(parameter, str) else parameter)


def limit_of(parameter, default: int) -> int:
    """The failure limit of one lockout combination."""
    if _combination(parameter) == {"ip_address"}:
        return max(1, int(settings.PTDV_LOGIN_ADDRESS_FAILURE_LIMIT))
    return default


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        failures = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            # count ≥ own limit ⇔ count × limit // own limit ≥ limit (integers).
            failures = max(failures, count * limit // limit_of(parameter, limit))
        return failures

    def user_logged_in(self, sender, request, user, **kwargs):
        # Only a complete login clears the username's failures: the admin's login page logs in
        # after the password alone, and the second step still counts its wrong codes against
        # the same limit (mfa.login_is_complete).
        from . import mfa

        request._ptdv_login_complete = mfa.login_is_complete(request, user)
        super().user_logged_in(sender, request, user, **kwargs)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        if getattr(request, "_ptdv_login_complete", True) is False:
            return 0
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.filter_user_attempts(request, credentials)
        count = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            if "username" in _combination(parameter):
                deleted, _ = attempts.delete()
                count += deleted
        return count


def client_username(request, credentials: dict | None = None) -> str | None:
    """The username axes records: what was typed, cut to the column's length.

    Django's login forms do not check the username's length before authenticating (the login
    form of ``ptdv.accounts.forms`` does; the admin's does not), and PostgreSQL refuses a longer
    value for ``AccessAttempt.username``: without the cut, a 100,000-character username on the
    admin's login page was a 500.
    """
    field = axes_settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if not isinstance(username, str):
        return username
    return username[:USERNAME_COLUMN_LENGTH]


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The lock-out page (429), saying how long the lock lasts."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=axes_settings.AXES_HTTP_RESPONSE_CODE,
    )
