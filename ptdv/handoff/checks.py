"""What a row of the hand-off lacks or has wrong, before it is typed into the national database.

Each function returns Vietnamese messages (empty: nothing to say). The rules and their sources
are listed in docs/handoff.md ("Completeness rules"):

- the CCCD is the national record's key: missing or malformed is a problem;
- the cell needs its code in the national database (``Organisation.party_code``);
- số lý lịch: 6 digits then 1 to 3 letters (guide to mẫu 2-HSĐV), the people app's own rule
  (``people.validators.validate_personal_history_number``);
- số thẻ đảng viên: 8 digits, required of an official member (cards go to official members
  only, Điều lệ Đảng Điều 5; guide to mẫu 2-HSĐV);
- the admission date, the introducers of a member admitted in the period.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ptdv.people.validators import validate_cccd, validate_personal_history_number

#: Số thẻ đảng viên: 8 digits (cards issued since Chỉ thị 29-CT/TW, 2003).
CARD_NUMBER = re.compile(r"^[0-9]{8}$")  # ASCII digits only: \d takes full-width ones


def cccd_problems(cccd: str | None) -> list[str]:
    if not cccd:
        return [_("Chưa có số CCCD (khóa của hồ sơ trên CSDL đảng viên).")]
    try:
        validate_cccd(cccd)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


def party_code_problems(cell_name: str, party_code: str | None) -> list[str]:
    if not party_code:
        return [
            _("Chi bộ «%(cell)s» chưa có mã tổ chức đảng trên CSDL đảng viên.")
            % {"cell": cell_name}
        ]
    return []


def personal_history_problems(number: str) -> list[str]:
    """The number's format when there is one (a record may have none yet: it is then typed in
    the national form), by the people app's rule; the forms refuse a malformed number, so this
    catches one written around them (a script, a restored backup)."""
    try:
        validate_personal_history_number(number)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


def card_problems(card_number: str, *, official: bool) -> list[str]:
    card_number = (card_number or "").strip()
    if not card_number:
        return [_("Đảng viên chính thức chưa có số thẻ đảng viên.")] if official else []
    if not CARD_NUMBER.match(card_number):
        return [
            _("Số thẻ đảng viên «%(number)s» không đúng dạng: phải gồm 8 chữ số.")
            % {"number": card_number}
        ]
    return []


def membership_problems(
    *, admitted_on, official_on, introducers: list[str], section: str
) -> list[str]:
    problems = []
    if admitted_on is None:
        problems.append(_("Chưa có ngày vào Đảng."))
    if official_on is not None and admitted_on is not None and official_on < admitted_on:
        problems.append(_("Ngày chính thức trước ngày vào Đảng."))
    if section == "admitted" and not introducers:
        problems.append(_("Chưa ghi người giới thiệu (giấy giới thiệu trong hồ sơ kết nạp)."))
    return problems
