"""The citizen identity number (số định danh cá nhân / CCCD), the party member's personal-history
number (số lý lịch đảng viên) and the full name.

- CCCD: 12 digits: province code (3), century-and-sex code (1), year of birth (2), random (6)
  (Thông tư 59/2021/TT-BCA, Điều 7; Nghị định 137/2015/NĐ-CP, Điều 13); century-and-sex code:
  0/1 for a man/woman born in the 20th century, 2/3 in the 21st, 4/5 in the 22nd, … (even:
  male, odd: female).
- Số lý lịch đảng viên: 6 digits followed by 1 to 3 letters (kept in capitals), e.g.
  ``123456HN``, as the guide to the phiếu đảng viên (mẫu 2-HSĐV, HD 09-HD/BTCTW 2017, kept by
  HD 12-HD/BTCTW 2022) describes the number in its header:
  kiemtailieu.com/van-ban-luat/tai-lieu/huong-dan-khai-phieu-dang-vien.html (docs/handoff.md,
  the mapping). The national party-member database asks for it with the card number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .text import normalise_name

#: Province codes of the identity number (birth registration place, 63 provinces before 2025;
#: numbers issued later keep these codes).
PROVINCE_CODES = frozenset(
    (
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 "
        "033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 "
        "064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 "
        "094 095 096"
    ).split()
)


def validate_cccd(value: str) -> None:
    if len(value) != 12 or not value.isdigit():
        raise ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."), code="cccd_format")
    if value[:3] not in PROVINCE_CODES:
        raise ValidationError(
            _("Ba chữ số đầu của số CCCD (%(code)s) không phải mã tỉnh hợp lệ."),
            code="cccd_province",
            params={"code": value[:3]},
        )


def check_cccd_matches(value: str, birth_date: date | None, sex: str | None) -> list[str]:
    """Messages where the number disagrees with the person's sex or year of birth."""
    if len(value) != 12 or not value.isdigit():
        return []
    problems: list[str] = []
    code = int(value[3])
    century = 1900 + 100 * (code // 2)
    if sex in ("M", "F") and ("M" if code % 2 == 0 else "F") != sex:
        problems.append(gettext("Chữ số thứ 4 của số CCCD không khớp với giới tính."))
    if birth_date is not None and century + int(value[4:6]) != birth_date.year:
        problems.append(gettext("Chữ số thứ 4–6 của số CCCD không khớp với năm sinh."))
    return problems


# --- the personal-history number (số lý lịch đảng viên) ---------------------------------------

#: 6 digits, then 1 to 3 capital letters (guide to mẫu 2-HSĐV; see the module's docstring).
PERSONAL_HISTORY_NUMBER = re.compile(r"^[0-9]{6}[A-Z]{1,3}$")  # ASCII digits only
#: The longest number kept (``Person.personal_history_number``).
PERSONAL_HISTORY_NUMBER_LENGTH = 9


def normalise_personal_history_number(value: str | None) -> str:
    """The number as stored: spaces removed, letters in capitals; ``""`` for none."""
    return "".join(str(value or "").split()).upper()


def validate_personal_history_number(value: str) -> None:
    """Raises a ``ValidationError`` (Vietnamese, naming the field) unless ``value`` is 6 digits
    followed by 1 to 3 capital letters. An empty value is not checked (the field may be blank)."""
    if value and not PERSONAL_HISTORY_NUMBER.match(value):
        raise ValidationError(
            _(
                "Số lý lịch đảng viên «%(value)s» không đúng dạng: 6 chữ số rồi 1 đến 3 chữ cái "
                "(ví dụ 123456HN)."
            ),
            code="personal_history_number",
            params={"value": value},
        )


# --- names ------------------------------------------------------------------------------------

#: Letters (any script's, with their combining marks once in NFC) in words separated by a space,
#: an apostrophe, a hyphen or a dot: "Nguyễn Thị Ánh", "H'Hen Niê", "Lò Văn A". No digits, no
#: punctuation, no control or formatting characters (a right-to-left override would make a name
#: display differently from how it sorts and is searched).
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")
#: The longest name kept (``Person.full_name``).
MAX_NAME_LENGTH = 120


def clean_full_name(value: str) -> str:
    """A person's full name in NFC, single-spaced, each word capitalised; raises a
    ``ValidationError`` (Vietnamese) for anything that is not a full name.

    The one rule for names: the forms (new source, corrections) and the import use it.
    """
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in value):
        raise ValidationError(
            _("Họ và tên có ký tự điều khiển hoặc ký tự ẩn: hãy gõ lại."), code="name_control"
        )
    name = normalise_name(value)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("Họ và tên dài quá %(limit)s ký tự."),
            code="name_length",
            params={"limit": MAX_NAME_LENGTH},
        )
    if not _NAME.match(name):
        raise ValidationError(
            _("Họ và tên “%(name)s” có chữ số hoặc ký tự không phải chữ."),
            code="name_characters",
            params={"name": name},
        )
    if len(name.split()) < 2 or max(len(w.strip("'-.")) for w in name.split()) < 2:
        raise ValidationError(
            _("Cần ghi đủ họ và tên (“%(name)s”)."), code="name_incomplete", params={"name": name}
        )
    return name
