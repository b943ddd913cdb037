"""Multi-factor login: a time-based code (TOTP) from an authenticator app, and recovery codes.

The devices are django-otp's (``otp_totp.TOTPDevice``: the app's secret; ``otp_static``: the
recovery codes, each deleted when used). ptdv adds what a party organisation's installation
needs around them:

Who
    The roles of ``PTDV_MFA_REQUIRED_ROLES`` (administrators, committees, grassroots officers and
    the data protection officer by default) must use a second factor; everyone must when
    ``PTDV_MFA_REQUIRED_FOR_ALL`` is on; anyone else may enrol, and once enrolled is asked too.

The login in two steps
    The password step (``views.LoginView``) does not log a user who needs a second step in: it
    keeps a *pending login* in the (new) session — who, with which backend, when, where to go
    next — and sends them to the code page, or to enrolment when they have no device yet. Only a
    right code (or, at enrolment, the first code of the new app) calls Django's ``login()``. Until
    then the user is anonymous to every page: a user who must enrol can do nothing else. A pending
    login lasts ``PTDV_MFA_STEP_MINUTES``.

Sessions that are verified
    A session records the id of the TOTP device it was verified with (:data:`VERIFIED`). The
    authentication backend (``backends.py``) reads the user's device id in the same query as the
    user, so checking it costs no query; ``SessionTimeoutMiddleware``'s neighbour
    ``MfaMiddleware`` ends any session that is not verified for a user who needs it: after an
    administrator's reset (the device is gone), after a role or setting change, or when something
    other than the second step called ``login()`` (the admin's login page: the password was just
    checked there, so that session goes on to the second step; :data:`FRESH`).

Wrong codes
    Each wrong code at the second step is a failed login for django-axes (the same counts and
    lock-out as a wrong password: five per username and address, twenty per address), and
    django-otp's own throttle makes the device wait 1, 2, 4, 8… seconds after consecutive
    failures, whatever the address. A code is accepted once (django-otp keeps the last time step
    used), and a recovery code is deleted when used.
"""

from __future__ import annotations

import re
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime

import segno
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .audit import org_path_of

# --- session keys ----------------------------------------------------------------------------

#: The pending login between the password and the second step (a dict, see :func:`begin`).
PENDING = "_ptdv_mfa_pending"
#: The id of the TOTP device this session was verified with.
VERIFIED = "_ptdv_mfa_device"
#: ``login()`` was called in this session by something other than the second step.
FRESH = "_ptdv_mfa_fresh"
#: The secret offered to this session for enrolment: ``{"user": pk, "key": hex}``.
NEW_KEY = "_ptdv_mfa_new_key"
#: The request attribute :func:`complete` sets for the ``user_logged_in`` receiver.
_REQUEST_DEVICE = "_ptdv_mfa_device_id"

#: The attribute the authentication backend annotates on the user: their TOTP device's id.
USER_DEVICE_ATTR = "mfa_device_id"

#: What the devices are called (users see these names on their account page).
TOTP_NAME = gettext_lazy("Ứng dụng xác thực")
RECOVERY_NAME = gettext_lazy("Mã khôi phục")

#: A six-digit code from the app; anything else typed is read as a recovery code.
TOTP_CODE = re.compile(r"^\d{6}$")
#: The longest code accepted in a form (a recovery code with its separators, generously).
CODE_MAX_LENGTH = 32
#: The number of recovery codes is capped whatever the setting says.
MAX_RECOVERY_CODES = 30

#: The demo dataset's secret (``ptdv demo``): public on purpose, in the README. The code page
#: shows its current code in the development profile only (``demo_code``).
DEMO_KEY = b"ptdv-demo-totp-2026!".hex()

#: The audit log's entry for the user: the name of what changed.
AUDIT_FIELD = gettext_lazy("xác thực hai lớp")


# --- who must -----------------------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    """The roles that must use a second factor (``PTDV_MFA_REQUIRED_ROLES``)."""
    value = settings.PTDV_MFA_REQUIRED_ROLES
    names = value.split(",") if isinstance(value, str) else value
    return frozenset(name.strip() for name in names if name and name.strip())


def is_required(user) -> bool:
    """Whether ``user`` must use a second factor (may not go without, may not disable it)."""
    return bool(settings.PTDV_MFA_REQUIRED_FOR_ALL) or str(user.role) in required_roles()


def totp_device(user, *, for_update: bool = False) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if for_update:
        devices = devices.select_for_update()
    return devices.first()


def device_id(user) -> int | None:
    """The id of ``user``'s TOTP device: annotated by the authentication backend on the user of
    a request (no query), read from the database otherwise."""
    if hasattr(user, USER_DEVICE_ATTR):
        return getattr(user, USER_DEVICE_ATTR)
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def second_step_needed(user) -> bool:
    """Whether a login of ``user`` goes through the second step (verification or enrolment)."""
    return is_required(user) or device_id(user) is not None


def login_is_complete(request, user) -> bool:
    """Whether a ``login()`` of ``user`` now ends the login: it is the second step, or the user
    needs none. A login by another page (the admin's, after the password alone) is not: the
    session becomes a pending login at its next request (``MfaMiddleware``), and the failed
    attempts of the username are not cleared (``throttling.LoginThrottleHandler``)."""
    return getattr(request, _REQUEST_DEVICE, None) is not None or not second_step_needed(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- sessions -----------------------------------------------------------------------------------


def step_seconds() -> int:
    return max(1, int(settings.PTDV_MFA_STEP_MINUTES)) * 60


def begin(request, user, next_url: str) -> None:
    """After the password step: a pending login for ``user`` (who is not logged in yet)."""
    request.session.cycle_key()  # a new session key once the password is known to be right
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
        "next": next_url,
    }


@dataclass(frozen=True)
class PendingLogin:
    user: object
    next_url: str


def pending_login(request) -> tuple[PendingLogin | None, bool]:
    """The session's pending login, and whether one has just expired (then it is removed)."""
    state = request.session.get(PENDING)
    if not isinstance(state, dict):
        return None, False
    expired = time.time() - state.get("at", 0) > step_seconds()
    user = None
    if not expired:
        user = get_user_model()._default_manager.filter(pk=state.get("user")).first()
    if (
        user is None
        or not user.is_active
        or not constant_time_compare(state.get("hash", ""), user.get_session_auth_hash())
    ):
        request.session.pop(PENDING, None)
        request.session.pop(NEW_KEY, None)
        return None, expired
    user.backend = state["backend"]
    return PendingLogin(user=user, next_url=state.get("next") or settings.LOGIN_REDIRECT_URL), False


def complete(request, user, device: TOTPDevice) -> None:
    """The second step passed: log ``user`` in, the session verified with ``device``."""
    request.session.pop(PENDING, None)
    request.session.pop(NEW_KEY, None)
    setattr(request, _REQUEST_DEVICE, device.pk)
    auth_login(request, user, backend=user.backend)


def mark_verified(session, device: TOTPDevice) -> None:
    """Record in ``session`` that its user passed the second step with ``device``."""
    session[VERIFIED] = device.pk
    session.pop(FRESH, None)


def session_verified(request, user) -> bool:
    device = device_id(user)
    return device is not None and request.session.get(VERIFIED) == device


def on_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a login by the second step marks the session verified; any
    other login (the admin's login page, a password-only login) is marked :data:`FRESH`."""
    if request is None or not hasattr(request, "session"):
        return
    device = getattr(request, _REQUEST_DEVICE, None)
    if device is not None:
        request.session[VERIFIED] = device
        request.session.pop(FRESH, None)
    else:
        request.session.pop(VERIFIED, None)
        request.session[FRESH] = True


# --- codes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a code was: right (``device``: the TOTP device the session is verified with), wrong,
    or not checked because the device must wait (``wait_until``)."""

    device: TOTPDevice | None = None
    wait_until: datetime | None = None
    recovery: bool = False

    @property
    def wait_seconds(self) -> int:
        if self.wait_until is None:
            return 0
        return max(1, round((self.wait_until - timezone.now()).total_seconds()))


def normalise(code: str) -> str:
    """A code as typed, without spaces and dashes, in lower case (recovery codes)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def check_code(user, code: str) -> Outcome:
    """Check a code of ``user``: six digits against the app, anything else against the recovery
    codes. The device is locked while it is checked, so one code cannot pass twice at once."""
    code = normalise(code)
    with transaction.atomic():
        totp = totp_device(user, for_update=True)
        if totp is None:
            return Outcome()
        if TOTP_CODE.match(code):
            device, recovery = totp, False
        else:
            device = (
                StaticDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
            )
            recovery = True
            if device is None:
                return Outcome()
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Outcome(wait_until=(info or {}).get("locked_until"))
        if device.verify_token(code):
            return Outcome(device=totp, recovery=recovery)
    return Outcome()


def offered_key(request, user) -> str:
    """The secret this session offers ``user`` to enrol (a new one per session and user: a
    secret shown to someone else, before, is never reused)."""
    state = request.session.get(NEW_KEY)
    if not (isinstance(state, dict) and state.get("user") == user.pk and state.get("key")):
        state = {"user": user.pk, "key": random_hex(20)}
        request.session[NEW_KEY] = state
    return state["key"]


def forget_offered_key(request) -> None:
    request.session.pop(NEW_KEY, None)


def new_totp(user, key: str) -> TOTPDevice:
    """An unsaved device (for its ``config_url``)."""
    return TOTPDevice(user=user, name=str(TOTP_NAME), key=key, confirmed=False)


def secret_text(key: str) -> str:
    """The secret as the apps ask for it when typed (Base32), in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI, drawn by ptdv (no outside service)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, light="#fff")


def current_code(key: str) -> str:
    totp = TOTP(unhexlify(key))
    return f"{totp.token():06d}"


def check_new_code(key: str, code: str) -> TOTP | None:
    """Whether ``code`` is the current code of the app holding ``key`` (changes nothing): the
    check, to be handed to :func:`enrol`, or ``None``."""
    code = normalise(code)
    if not TOTP_CODE.match(code):
        return None
    check = TOTP(unhexlify(key))
    check.time = time.time()
    return check if check.verify(int(code), tolerance=1) else None


def enrol(user, key: str, check: TOTP, *, actor) -> tuple[TOTPDevice, list[str]]:
    """Enrol the app holding ``key`` (its code checked by :func:`check_new_code`): the user's
    devices are replaced by it and by new recovery codes (returned, to be shown once)."""
    with transaction.atomic():
        # One enrolment at a time per user (two tabs, a double click).
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        had = TOTPDevice.objects.filter(user=user).exists()
        _delete_devices(user)
        device = TOTPDevice.objects.create(
            user=user,
            name=str(TOTP_NAME),
            key=key,
            confirmed=True,
            drift=check.drift,
            last_t=check.t(),
        )
        codes = _new_recovery_codes(user)
        change = (
            gettext_lazy("đã đổi ứng dụng xác thực")
            if had
            else gettext_lazy("đã đăng ký ứng dụng xác thực")
        )
        audit(user, change, actor=actor)
    return device, codes


def regenerate_recovery_codes(user, *, actor) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit(user, gettext_lazy("đã tạo bộ mã khôi phục mới"), actor=actor)
    return codes


def disable(user, *, actor) -> None:
    """The user turns their second factor off (only when it is not required of them)."""
    with transaction.atomic():
        _delete_devices(user)
        audit(user, gettext_lazy("đã tắt"), actor=actor)


def reset(user, *, actor) -> bool:
    """An administrator removes ``user``'s devices: they enrol again at their next login (their
    sessions end at their next request if the second factor is required of them), and their API
    tokens are revoked (a reset answers a lost device or an account in other hands; the user makes
    new tokens after enrolling again). Returns whether there was anything to remove; audited
    either way."""
    from .tokens import revoke_all

    with transaction.atomic():
        removed = _delete_devices(user)
        revoke_all(user)
        audit(user, gettext_lazy("quản trị viên đã đặt lại"), actor=actor)
    return removed


def _delete_devices(user) -> bool:
    totp, _counts = TOTPDevice.objects.filter(user=user).delete()
    static, _counts = StaticDevice.objects.filter(user=user).delete()  # and their tokens
    return bool(totp or static)


def recovery_code_count() -> int:
    return max(1, min(MAX_RECOVERY_CODES, int(settings.PTDV_MFA_RECOVERY_CODES)))


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(RECOVERY_NAME), confirmed=True)
    codes: list[str] = []
    while len(codes) < recovery_code_count():
        token = StaticToken.random_token()  # 8 Base32 characters: 40 random bits
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def audit(user, change, *, actor) -> None:
    """An entry of the audit log on the user's account, in the user's organisation's subtree."""
    with translation.override(settings.LANGUAGE_CODE):  # records in the site's language
        field, change = str(AUDIT_FIELD), str(change)
    LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={field: ["", change]},
        actor=actor if getattr(actor, "pk", None) else None,
        additional_data={"org_path": org_path_of(user)},
    )
