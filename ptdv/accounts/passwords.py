"""Password rules, with their messages in Vietnamese.

Django's four validators, subclassed only for their words: Django's own Vietnamese catalogue
leaves the minimum length's message in English and names the field oddly ("quá giống với Tên
đăng nhập"). The similarity check also compares the password without diacritics, since people
type their name that way ("nguyenvanan1990" for Nguyễn Văn An), and the common passwords include
a few that Django's (English) list misses: the product's name and Vietnamese words such as
"matkhau", with any digits or punctuation around them.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Letters (without digits, punctuation or diacritics) that make a guessable password whatever
#: digits or signs surround them: "Matkhau@2026", "ptdv2026!", "dangvien123".
GUESSABLE_WORDS = frozenset(
    {
        "ptdv",
        "ptdvptdv",
        "matkhau",
        "matkhaumoi",
        "dangvien",
        "dangcongsan",
        "dcsvn",
        "chibo",
        "dangbo",
        "dangbocoso",
        "quantri",
        "quantrivien",
        "admin",
        "administrator",
        "vietnam",
        "hanoi",
        "saigon",
        "hochiminh",
        "xinchao",
        "anhyeuem",
        "emyeuanh",
        "iloveyou",
        "password",
        "qwerty",
        "abc",
        "abcdef",
    }
)


def fold(value: str) -> str:
    """Lower case, without diacritics (đ → d)."""
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in value if unicodedata.category(c) != "Mn").lower()


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """At least ``PTDV_PASSWORD_MIN_LENGTH`` characters (12 by default), read when checking."""

    def __init__(self, min_length: int | None = None):
        self._min_length = min_length

    @property
    def min_length(self) -> int:
        return self._min_length or int(settings.PTDV_PASSWORD_MIN_LENGTH)

    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
            "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Not too close to the username, the name or the e-mail address, with or without
    diacritics (Django's comparison, on the typed and on the folded forms)."""

    def validate(self, password: str, user=None) -> None:
        if not user:
            return
        for typed in dict.fromkeys((password.lower(), fold(password))):
            for name in self.user_attributes:
                value = getattr(user, name, None)
                if not value or not isinstance(value, str):
                    continue
                for form in dict.fromkeys((value.lower(), fold(value))):
                    if self._similar(typed, form):
                        raise ValidationError(
                            self.get_error_message(),
                            code="password_too_similar",
                            params={"verbose_name": _verbose_name(user, name)},
                        )

    def _similar(self, password: str, value: str) -> bool:
        for part in [*re.split(r"\W+", value), value]:
            if not part or password_validation.exceeds_maximum_length_ratio(
                password, self.max_similarity, part
            ):
                continue
            if SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity:
                return True
        return False

    def get_error_message(self) -> str:
        return _("Mật khẩu quá giống với %(verbose_name)s của tài khoản.")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được quá giống tên đăng nhập, họ tên hoặc thư điện tử.")


def _verbose_name(user, name: str) -> str:
    try:
        return str(user._meta.get_field(name).verbose_name).lower()
    except FieldDoesNotExist:
        return name


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Not one of Django's 20,000 common passwords, nor a guessable word with digits around it."""

    def validate(self, password: str, user=None) -> None:
        super().validate(password, user)
        letters = re.sub(r"[\W\d_]+", "", fold(password))
        if letters in GUESSABLE_WORDS or len(set(letters)) == 1:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        return _("Mật khẩu này quá phổ biến, dễ bị đoán ra.")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được là mật khẩu phổ biến hay dễ đoán.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    """Not digits only."""

    def get_error_message(self) -> str:
        return _("Mật khẩu không được chỉ gồm chữ số.")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được chỉ gồm chữ số.")
