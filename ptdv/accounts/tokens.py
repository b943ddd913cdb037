"""Personal API tokens ("Khóa truy cập API"): made by a user for themself, used by other software.

A token is the text ``ptdv_<prefix>_<secret>``:

- ``prefix``: 8 hexadecimal characters, random, not secret. It names the token on the account
  page (``ptdv_1a2b3c4d…``) and finds its row (a unique index) without reading the secret.
- ``secret``: 32 bytes from :mod:`secrets` (256 bits), URL-safe Base64.

What is stored
    Only the SHA-256 digest of the whole text, never the text: it is shown once, in the answer
    to the form that made it. A plain, fast, unsalted digest is enough here, unlike passwords
    (Argon2id, ``hashers.py``): a password is chosen by a person and can be guessed from a list,
    so its hash must be slow and salted; a token's 256 random bits cannot be guessed whatever the
    speed of the hash, and a slow hash would cost every API request its time. The check finds the
    row by the prefix and compares the digests with :func:`hmac.compare_digest` (constant time).

What a token may do
    Everything its user may do through the API, in the user's scope (``user.organisation``): the
    token authenticates *as* the user, the same ``User`` object the pages see. A read-only token
    never writes (``ApiToken.can_write``, which the API's views ask as ``request.auth.can_write``);
    a read-write token is offered only to users who may write, and writes only while its user
    still may.

Limits
    An expiry is required: at most :data:`MAX_DAYS` days, :data:`DEFAULT_DAYS` by default. A user
    holds at most :data:`MAX_ACTIVE` tokens that are neither expired nor revoked. A token of a
    deactivated user, an expired or revoked token is refused (401) with a message saying why.
    ``last_used_at`` is written at most once a minute per token (:data:`LAST_USED_STEP`), by a
    conditional UPDATE: no write per request.

Creation and revocation are in the audit log (``models.py`` registers the model with
django-auditlog, the digest and the last use left out).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, TokenScope, User

#: The text every token starts with (so that a token pasted somewhere is recognisable).
TEXT_START = "ptdv_"
#: ``ptdv_`` + 8 hexadecimal characters + ``_`` + 43 URL-safe Base64 characters.
TOKEN_TEXT = re.compile(r"^ptdv_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{43}$")
SECRET_BYTES = 32
PREFIX_BYTES = 4
#: The longest text read from a request's header (anything longer is not a token).
MAX_TEXT_LENGTH = 100

#: The validity a token may be given, in days (the form offers these).
DURATIONS = (7, 30, 90, 180, 365)
DEFAULT_DAYS = 90
MAX_DAYS = 365
#: Tokens a user may hold that are neither expired nor revoked.
MAX_ACTIVE = 20
#: The last use is rewritten only when older than this.
LAST_USED_STEP = timedelta(minutes=1)
#: The account page lists at most this many tokens (the newest).
LIST_LIMIT = 100


class TokenRefused(Exception):
    """A token cannot be made, or a request's token is not accepted: ``message`` says why (in
    Vietnamese, for the form or the API's 401)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


# The API's answers to a token it does not accept (401).
INVALID = _("Khóa truy cập API không hợp lệ.")
EXPIRED = _(
    "Khóa truy cập API đã hết hạn lúc %(when)s. Tạo khóa mới trong trang “Khóa truy cập API” "
    "của tài khoản."
)
REVOKED = _("Khóa truy cập API đã bị thu hồi.")
INACTIVE = _("Tài khoản của khóa truy cập API này đã bị khóa.")


@dataclass(frozen=True)
class NewToken:
    """A token just made: its row, and its text, to be shown once and never again."""

    token: ApiToken
    text: str


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def offered_scopes(user) -> list[tuple[str, Any]]:
    """The scopes a user may give their tokens: read-write only to those who may write."""
    scopes = [TokenScope.READ, TokenScope.READ_WRITE] if user.can_write else [TokenScope.READ]
    return [(scope.value, scope.label) for scope in scopes]


def tokens_of(user):
    """The user's own tokens, the newest first (the account page's list)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def active(now=None) -> Q:
    now = now or timezone.now()
    return Q(revoked_at__isnull=True, expires_at__gt=now)


def is_active(token: ApiToken, now=None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and token.expires_at > now


def create_token(user, *, name: str, scope: str, days: int) -> NewToken:
    """A new token of ``user`` (who makes it for themself), valid ``days`` days."""
    name = (name or "").strip()
    if not name:
        raise TokenRefused(_("Đặt tên cho khóa để nhận ra nó sau này."))
    if not user.is_active:
        raise TokenRefused(INACTIVE)
    if scope not in dict(offered_scopes(user)):
        raise TokenRefused(_("Tài khoản của bạn chỉ được xem: chỉ tạo được khóa “Chỉ xem”."))
    if not 1 <= int(days) <= MAX_DAYS:
        raise TokenRefused(_("Thời hạn của khóa tối đa là %(n)d ngày.") % {"n": MAX_DAYS})
    with transaction.atomic():
        # One creation at a time per user, so that two at once cannot pass the limit together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(active(), user=user).count() >= MAX_ACTIVE:
            raise TokenRefused(
                _(
                    "Bạn đã có %(n)d khóa còn hiệu lực, là số tối đa: thu hồi khóa không dùng "
                    "nữa rồi tạo khóa mới."
                )
                % {"n": MAX_ACTIVE}
            )
        expires_at = timezone.now() + timedelta(days=int(days))
        for _attempt in range(5):
            prefix = secrets.token_hex(PREFIX_BYTES)
            text = f"{TEXT_START}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
            try:
                with transaction.atomic():  # a prefix already taken: draw another
                    token = ApiToken.objects.create(
                        user=user,
                        name=name[:100],
                        prefix=prefix,
                        digest=digest_of(text),
                        scope=scope,
                        expires_at=expires_at,
                    )
            except IntegrityError:
                continue
            return NewToken(token=token, text=text)
    raise TokenRefused(_("Chưa tạo được khóa, vui lòng thử lại."))  # pragma: no cover


def revoke_token(token: ApiToken) -> bool:
    """Revoke ``token`` (saved through the model, so that the audit log records it). Returns
    whether it was still unrevoked."""
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if current.revoked_at is not None:
            return False
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    token.revoked_at = current.revoked_at
    return True


def revoke_all(user) -> int:
    """Revoke every unrevoked token of ``user``, each saved through the model so that the audit
    log records it (an administrator's reset of the second factor: the account may be in other
    hands). Returns how many were revoked."""
    return sum(revoke_token(token) for token in ApiToken.objects.filter(user=user, revoked_at=None))


def authenticate(text: str) -> ApiToken:
    """The token whose text this is, with its user, if it is accepted now; :exc:`TokenRefused`
    otherwise (the message of the API's 401)."""
    match = TOKEN_TEXT.match(text or "") if len(text or "") <= MAX_TEXT_LENGTH else None
    if match is None:
        raise TokenRefused(INVALID)
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(prefix=match["prefix"])
        .first()
    )
    # Constant-time comparison of the digests (a missing row compared too, against nothing).
    expected = token.digest if token is not None else "0" * 64
    if not hmac.compare_digest(expected, digest_of(text)) or token is None:
        raise TokenRefused(INVALID)
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(REVOKED)
    if token.expires_at <= now:
        when = formats.date_format(timezone.localtime(token.expires_at), "SHORT_DATETIME_FORMAT")
        raise TokenRefused(EXPIRED % {"when": when})
    if not token.user.is_active:
        raise TokenRefused(INACTIVE)
    touch(token, now)
    return token


def touch(token: ApiToken, now=None) -> None:
    """Record the token's use, at most once per :data:`LAST_USED_STEP` (a conditional UPDATE:
    of several requests at once, one writes)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_STEP:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_STEP), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now
