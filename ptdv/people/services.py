"""What a correction or a merge of a person's record is, without the apps built on people.

The writes themselves reach the candidacies and the member events, so they are
:mod:`ptdv.members.records` (``correct_person``, ``merge_people``, ``unmerge_people``); here:

- :data:`CORRECTABLE`: the fields a writer corrects on the person page (the correction form
  offers these); :data:`MEMBERSHIP`: the membership fields a merge takes from the record that
  has them;
- :class:`PersonRefused`: nothing was written, with the Vietnamese messages to show;
- :func:`refuse_anonymised`: an anonymised record is neither corrected nor merged any more;
- :func:`shown`: a value as the person's history shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext

from .models import LEGAL_BASIS_FIELDS, Person

#: Fields a writer corrects on the person page (the rest follow the pipeline or are computed).
CORRECTABLE = (
    "full_name",
    "birth_date",
    "sex",
    "cccd",
    "ethnicity",
    "religion",
    "general_education",
    "professional_level",
    "theory_level",
    "occupation",
    "sector",
    "youth_union_member",
    "trade_union_member",
    "local_resident",
    "residence",
    "address",
    "personal_history_number",  # số lý lịch đảng viên: the correction form offers it to members
    *LEGAL_BASIS_FIELDS,  # the legal basis of the processing and the notice
)
#: Membership fields: the merge takes them from the record that has them.
MEMBERSHIP = (
    "member_status",
    "party_admitted_on",
    "party_official_on",
    "party_left_on",
    "party_card_number",
    "personal_history_number",
)


class PersonRefused(Exception):
    """Nothing was written; ``messages`` are Vietnamese, ready to show."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def refuse_anonymised(*people: Person) -> None:
    """A record anonymised by the retention policy (``ptdv.retention``) is final: its personal
    data are gone, so it is neither corrected nor merged (nor un-merged) any more."""
    if any(p.anonymised_at is not None for p in people):
        raise PersonRefused(
            [
                gettext(
                    "Hồ sơ đã được ẩn danh theo chính sách lưu trữ: dữ liệu cá nhân đã bị xóa, "
                    "không đính chính hay hợp nhất được nữa."
                )
            ]
        )


def shown(person: Person, name: str, value: Any) -> str:
    """A value as the person page shows it (labels of coded fields, dd/mm/yyyy dates)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return gettext("Có") if value else gettext("Không")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if hasattr(value, "pk"):
        return str(value)
    field_ = Person._meta.get_field(name)
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    return str(value)
