"""The pages of the second factor.

At login (the user is not logged in yet, a pending login is in the session, ``mfa.py``):

- ``/tai-khoan/xac-thuc/``: the code from the app, or a recovery code;
- ``/tai-khoan/xac-thuc/dang-ky/``: enrolment, for a user who must and has no app yet.

In the account area (logged in):

- ``/tai-khoan/xac-thuc-hai-lop/``: the state of one's second factor and what to do with it;
- ``…/dang-ky/``: enrol an app, or replace it (with a code of the current one);
- ``…/ma-khoi-phuc/``: a new set of recovery codes (the old ones stop working);
- ``…/tat/``: turn it off, when one's role does not require it.

Recovery codes are shown once, in the answer to the form that made them, never stored in the
session or shown again.
"""

from __future__ import annotations

from axes.conf import settings as axes_settings
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import mfa
from .forms import CodeForm, CurrentCodeForm, EnrolForm
from .throttling import lockout_response

#: Form fields that hold codes: never in error reports.
CODE_FIELDS = ("code", "current_code")


# --- throttling: the same counts and lock-out as the password step -----------------------------


def _credentials(user) -> dict:
    return {axes_settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def _locked_out(request, user) -> bool:
    if not axes_settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, _credentials(user))


def _count_failure(request, user) -> None:
    """A wrong code is a failed login for django-axes (``AxesMiddleware`` answers with the
    lock-out page when it reaches a limit)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def _check(request, user, form, field: str) -> mfa.Outcome | None:
    """Check the code of ``form[field]``; on failure the field gets its error and the failure
    is counted. ``None``: the form was not valid."""
    if not form.is_valid():
        return None
    outcome = mfa.check_code(user, form.cleaned_data[field])
    if outcome.device is not None:
        return outcome
    if outcome.wait_until is not None:
        seconds = outcome.wait_seconds
        form.add_error(
            field,
            ngettext(
                "Đã nhập sai nhiều lần liên tiếp: chờ %(n)d giây rồi nhập lại.",
                "Đã nhập sai nhiều lần liên tiếp: chờ %(n)d giây rồi nhập lại.",
                seconds,
            )
            % {"n": seconds},
        )
    else:
        form.add_error(field, _("Mã không đúng hoặc đã được dùng. Kiểm tra lại rồi nhập lại."))
        _count_failure(request, user)
    return outcome


def _passed(outcome: mfa.Outcome | None) -> bool:
    return outcome is not None and outcome.device is not None


def _recovery_used_message(request, user) -> None:
    left = mfa.recovery_codes_left(user)
    messages.warning(
        request,
        ngettext(
            "Bạn vừa dùng một mã khôi phục; còn %(n)d mã. Mỗi mã chỉ dùng được một lần.",
            "Bạn vừa dùng một mã khôi phục; còn %(n)d mã. Mỗi mã chỉ dùng được một lần.",
            left,
        )
        % {"n": left},
    )


# --- at login -----------------------------------------------------------------------------------


def _pending_or_redirect(request):
    """The pending login, or the answer for a request that has none."""
    if request.user.is_authenticated:
        return None, redirect(settings.LOGIN_REDIRECT_URL)
    pending, expired = mfa.pending_login(request)
    if pending is None:
        if expired:
            minutes = int(settings.PTDV_MFA_STEP_MINUTES)
            messages.warning(
                request,
                ngettext(
                    "Đã quá %(n)d phút kể từ khi nhập mật khẩu. Vui lòng đăng nhập lại.",
                    "Đã quá %(n)d phút kể từ khi nhập mật khẩu. Vui lòng đăng nhập lại.",
                    minutes,
                )
                % {"n": minutes},
            )
        return None, redirect(settings.LOGIN_URL)
    return pending, None


@sensitive_post_parameters(*CODE_FIELDS)
@never_cache
def verify(request):
    """The second step of the login: a code from the app or a recovery code."""
    pending, answer = _pending_or_redirect(request)
    if answer is not None:
        return answer
    user = pending.user
    device = mfa.totp_device(user)
    if device is None:
        return redirect("mfa_enrol_login")
    if _locked_out(request, user):
        request.session.pop(mfa.PENDING, None)
        return lockout_response(request, None, _credentials(user))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        outcome = _check(request, user, form, "code")
        if _passed(outcome):
            mfa.complete(request, user, outcome.device)
            if outcome.recovery:
                _recovery_used_message(request, user)
            return redirect(pending.next_url)
    context = {"form": form, "demo_code": _demo_code(device)}
    return render(request, "registration/mfa_verify.html", context)


def _demo_code(device) -> str | None:
    """The current code of the demo dataset's public secret, in the development profile only:
    so that ``ptdv demo`` lets anyone in with the README's table. Never in another profile."""
    if settings.PROFILE != "development" or device.key != mfa.DEMO_KEY:
        return None
    return mfa.current_code(device.key)


@sensitive_post_parameters(*CODE_FIELDS)
@never_cache
def enrol_at_login(request):
    """Enrolment of a user who must use a second factor and has none yet, before they are let
    in (nothing else is open to them: they are not logged in)."""
    pending, answer = _pending_or_redirect(request)
    if answer is not None:
        return answer
    user = pending.user
    if mfa.device_id(user) is not None:
        return redirect("mfa_verify")
    return _enrol(request, user, at_login=True, next_url=pending.next_url)


# --- the account area ---------------------------------------------------------------------------


@login_required
@never_cache
def manage(request):
    user = request.user
    device = mfa.totp_device(user)
    context = {
        "device": device,
        "required": mfa.is_required(user),
        "codes_left": mfa.recovery_codes_left(user) if device is not None else 0,
        "code_count": mfa.recovery_code_count(),
    }
    return render(request, "web/account/mfa.html", context)


@sensitive_post_parameters(*CODE_FIELDS)
@login_required
@never_cache
def enrol(request):
    return _enrol(request, request.user, at_login=False, next_url=resolve_url("mfa_manage"))


def _enrol(request, user, *, at_login: bool, next_url: str):
    replacing = not at_login and mfa.device_id(user) is not None
    if replacing and _locked_out(request, user):
        return lockout_response(request, None, _credentials(user))
    key = mfa.offered_key(request, user)
    data = request.POST if request.method == "POST" else None
    form = EnrolForm(data, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        # The new app's code first: it changes nothing, so a mistake there does not use up the
        # current code (a code passes once).
        check = mfa.check_new_code(key, form.cleaned_data["code"])
        if check is None:
            form.add_error(
                "code",
                _(
                    "Mã trên ứng dụng mới không đúng. Kiểm tra giờ của điện thoại (tự động theo "
                    "mạng) và nhập mã đang hiển thị."
                ),
            )
        elif not replacing or _passed(_check(request, user, form, "current_code")):
            device, codes = mfa.enrol(user, key, check, actor=user)
            if at_login:
                mfa.complete(request, user, device)
            else:
                mfa.forget_offered_key(request)
                mfa.mark_verified(request.session, device)
            return _show_codes(request, codes, next_url, enrolled_now=True)
    device = mfa.new_totp(user, key)
    context = {
        "form": form,
        "at_login": at_login,
        "replacing": replacing,
        "qr": mfa.qr_data_uri(device.config_url),
        "secret": mfa.secret_text(key),
        "issuer": settings.OTP_TOTP_ISSUER,
        "username": user.get_username(),
        "required": mfa.is_required(user),
        "minutes": int(settings.PTDV_MFA_STEP_MINUTES),
    }
    return render(request, "registration/mfa_enrol.html", context)


def _show_codes(request, codes: list[str], next_url: str, *, enrolled_now: bool):
    context = {"codes": codes, "next_url": next_url, "enrolled_now": enrolled_now}
    return render(request, "registration/mfa_recovery_codes.html", context)


@sensitive_post_parameters(*CODE_FIELDS)
@login_required
@never_cache
def recovery_codes(request):
    """A new set of recovery codes, confirmed with a current code."""
    user = request.user
    if mfa.totp_device(user) is None:
        messages.info(request, _("Bạn chưa bật xác thực hai lớp: hãy đăng ký ứng dụng trước."))
        return redirect("mfa_manage")
    if _locked_out(request, user):
        return lockout_response(request, None, _credentials(user))
    form = CurrentCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _passed(_check(request, user, form, "current_code")):
        codes = mfa.regenerate_recovery_codes(user, actor=user)
        return _show_codes(request, codes, resolve_url("mfa_manage"), enrolled_now=False)
    context = {"form": form, "codes_left": mfa.recovery_codes_left(user)}
    return render(request, "web/account/mfa_recovery.html", context)


@sensitive_post_parameters(*CODE_FIELDS)
@login_required
@never_cache
def disable(request):
    """Turning the second factor off: only for a user whose role does not require it."""
    user = request.user
    if mfa.is_required(user):
        return render(request, "web/account/mfa_disable.html", {"required": True}, status=403)
    if mfa.totp_device(user) is None:
        messages.info(request, _("Xác thực hai lớp chưa bật cho tài khoản này."))
        return redirect("mfa_manage")
    if _locked_out(request, user):
        return lockout_response(request, None, _credentials(user))
    form = CurrentCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _passed(_check(request, user, form, "current_code")):
        mfa.disable(user, actor=user)
        messages.success(
            request,
            _(
                "Đã tắt xác thực hai lớp. Từ lần đăng nhập sau chỉ cần mật khẩu; bạn có thể bật "
                "lại bất cứ lúc nào."
            ),
        )
        return redirect("mfa_manage")
    return render(request, "web/account/mfa_disable.html", {"form": form, "required": False})
