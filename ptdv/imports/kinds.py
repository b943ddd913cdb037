"""The kinds of import file: for each, its columns and what it is for (the upload form, the
templates, the reader and the planner read them here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .columns import CANDIDACY_COLUMNS, MEMBER_COLUMNS, PERSON_COLUMNS, Column
from .models import Kind


@dataclass(frozen=True)
class ImportKind:
    code: str
    label: Any
    columns: tuple[Column, ...]
    description: Any


KINDS: dict[str, ImportKind] = {
    k.code: k
    for k in (
        ImportKind(
            Kind.PEOPLE.value,
            Kind.PEOPLE.label,
            PERSON_COLUMNS,
            _("Thông tin cá nhân: tạo người mới hoặc cập nhật người đã có."),
        ),
        ImportKind(
            Kind.MEMBERS.value,
            Kind.MEMBERS.label,
            MEMBER_COLUMNS,
            _(
                "Đảng viên đã vào Đảng trước khi dùng ptdv: thông tin cá nhân, ngày vào Đảng, "
                "ngày chính thức, số thẻ, số lý lịch đảng viên."
            ),
        ),
        ImportKind(
            Kind.CANDIDACIES.value,
            Kind.CANDIDACIES.label,
            CANDIDACY_COLUMNS,
            _(
                "Người đang trong quy trình (hoặc đã kết nạp): thông tin cá nhân và ngày của "
                "từng bước đã qua; giai đoạn hiện tại là bước cuối cùng có ngày."
            ),
        ),
    )
}
