"""How often the API may be called: per user for reads and for writes, per address for anybody
not signed in.

=========================  =====================  ========================================
throttle                   default                counted per
=========================  =====================  ========================================
:class:`ReadThrottle`      120/min                user (GET, HEAD, OPTIONS)
:class:`WriteThrottle`     30/min                 user (POST, PUT, PATCH, DELETE)
:class:`AnonymousThrottle` 20/min                 client address, requests not signed in
=========================  =====================  ========================================

A user's session and every token of theirs share one count: making more tokens does not give
more requests. The rates are ``PTDV_API_RATE_READ``, ``PTDV_API_RATE_WRITE`` and
``PTDV_API_RATE_ANON`` (``<n>/<sec|min|hour|day>``), read when each request is counted, so that
``override_settings`` of ``REST_FRAMEWORK`` changes them in tests.

Counts are kept in the cache named by ``PTDV_API_THROTTLE_CACHE`` (settings.py: a local memory
cache by default, which counts per process; production with several processes or servers needs a
shared one, docs). The client address is ``REMOTE_ADDR``: ``ptdv serve`` already replaced it by
the trusted proxy's ``X-Forwarded-For`` and drops that header from anyone else, so a client cannot
choose its own address by sending the header.

A refusal is a 429 with ``Retry-After`` and a Vietnamese message.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class Throttled(exceptions.Throttled):
    default_detail = _("Quá nhiều yêu cầu tới API.")

    def __init__(self, wait: float | None = None) -> None:
        detail = str(self.default_detail)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            detail = " ".join(
                (
                    detail,
                    ngettext("Thử lại sau %(n)d giây.", "Thử lại sau %(n)d giây.", seconds)
                    % {"n": seconds},
                )
            )
            wait = seconds
        super().__init__(wait=wait, detail=detail)


class ApiThrottle(SimpleRateThrottle):
    """A rate of ``DEFAULT_THROTTLE_RATES[scope]``, counted in the throttle cache; refusing
    raises :class:`Throttled` (Vietnamese, with the wait)."""

    scope = ""

    def __init__(self) -> None:
        # The rate is read per request (see the module's docstring), not once per class.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    @property  # type: ignore[override]
    def cache(self):
        return caches[getattr(settings, "PTDV_API_THROTTLE_CACHE", "default")]

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def applies(self, request) -> bool:
        raise NotImplementedError

    def identity(self, request) -> str | None:
        user = request.user
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return None

    def get_cache_key(self, request, view) -> str | None:
        if not self.applies(request):
            return None
        ident = self.identity(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if super().allow_request(request, view):
            return True
        raise Throttled(wait=self.wait())


class ReadThrottle(ApiThrottle):
    scope = "api_read"

    def applies(self, request) -> bool:
        return request.method in SAFE_METHODS


class WriteThrottle(ApiThrottle):
    scope = "api_write"

    def applies(self, request) -> bool:
        return request.method not in SAFE_METHODS


class AnonymousThrottle(ApiThrottle):
    scope = "api_anon"

    def applies(self, request) -> bool:
        user = request.user
        return user is None or not user.is_authenticated

    def identity(self, request) -> str | None:
        return f"address-{request.META.get('REMOTE_ADDR') or 'unknown'}"
