"""The login form (Django's, with the username's length checked before anything else) and the
forms of the second factor."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .hashers import PasswordHashingBusy
from .mfa import CODE_MAX_LENGTH, TOTP_CODE, normalise


class LoginForm(AuthenticationForm):
    """Django's ``AuthenticationForm`` with three changes.

    - The username's length is validated. Django's form only sets ``max_length`` after the field
      is built, which adds no validator: a 100,000-character username went on to
      ``authenticate()``, and django-axes' record of the failure (a varchar(255)) was a
      PostgreSQL error, so a 500. Here it is the field's error and nothing is authenticated.
    - "Server busy" (:class:`~ptdv.accounts.hashers.PasswordHashingBusy`: every hashing permit
      stayed taken) is the form's error, shown on the login page, not an exception.
    - The empty fields' messages name the field.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "busy": _(
            "Máy chủ đang bận xử lý nhiều lượt đăng nhập cùng lúc. Vui lòng thử lại sau ít giây."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(
            MaxLengthValidator(
                field.max_length,
                message=_("Tên đăng nhập dài quá %(limit_value)d ký tự."),
            )
        )
        field.error_messages["required"] = _("Nhập tên đăng nhập.")
        self.fields["password"].error_messages["required"] = _("Nhập mật khẩu.")

    def clean(self):
        try:
            return super().clean()
        except PasswordHashingBusy:
            raise ValidationError(self.error_messages["busy"], code="busy") from None

    @property
    def server_busy(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "busy")


# --- the second factor ---------------------------------------------------------------------------


def _code_field(label, required_message, too_long_message):
    return forms.CharField(
        label=label,
        max_length=CODE_MAX_LENGTH,
        error_messages={"required": required_message, "max_length": too_long_message},
    )


class CodeForm(forms.Form):
    """The second step of the login: a code from the app, or a recovery code."""

    code = _code_field(
        _("Mã xác thực"),
        _("Nhập mã xác thực (6 chữ số) hoặc một mã khôi phục."),
        _("Mã xác thực dài quá %(limit_value)d ký tự."),
    )


class EnrolForm(forms.Form):
    """Enrolling an app: its first code proves it holds the secret. Replacing an app already
    enrolled also asks for a code of the current one (or a recovery code)."""

    code = _code_field(
        _("Mã trên ứng dụng mới"),
        _("Nhập mã 6 chữ số mà ứng dụng vừa thêm đang hiển thị."),
        _("Mã trên ứng dụng mới dài quá %(limit_value)d ký tự."),
    )

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if replacing:
            self.fields["current_code"] = copy.deepcopy(CurrentCodeForm.base_fields["current_code"])

    def clean_code(self):
        code = normalise(self.cleaned_data["code"])
        if not TOTP_CODE.match(code):
            raise ValidationError(_("Mã trên ứng dụng mới gồm đúng 6 chữ số."), code="format")
        return code


class CurrentCodeForm(forms.Form):
    """Confirming a change of one's second factor with a code of the current one."""

    current_code = _code_field(
        _("Mã hiện tại"),
        _("Nhập mã 6 chữ số trên ứng dụng xác thực hiện tại, hoặc một mã khôi phục."),
        _("Mã hiện tại dài quá %(limit_value)d ký tự."),
    )
