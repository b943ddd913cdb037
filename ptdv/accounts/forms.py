"""The login form: Django's, with the username's length checked before anything else."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .hashers import PasswordHashingBusy


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
