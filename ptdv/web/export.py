"""Excel exports of the pages: the candidacy list (board, list) with the columns each role may see.
The sheet itself is written by :mod:`ptdv.xlsx`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.people.choices import ETHNICITIES, Sex
from ptdv.people.sensitive import Sensitive, may_see
from ptdv.pipeline.labels import deadline_labels, stage_labels
from ptdv.rules.due import due_state
from ptdv.xlsx import Column

# --- the candidacy list --------------------------------------------------------------------------

CANDIDACY_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("STT"), 6, "int"),
    Column(gettext_lazy("Họ và tên"), 28),
    Column(gettext_lazy("Ngày sinh"), 12, "date"),
    Column(gettext_lazy("Giới tính"), 9),
    Column(gettext_lazy("Dân tộc"), 12),
    Column(gettext_lazy("Đoàn viên TNCS Hồ Chí Minh"), 12),
    Column(gettext_lazy("Đoàn viên công đoàn"), 12),
    Column(gettext_lazy("Người tại chỗ"), 10),
    Column(gettext_lazy("Chi bộ"), 30),
    Column(gettext_lazy("Giai đoạn"), 30),
    Column(gettext_lazy("Vào giai đoạn từ ngày"), 12, "date"),
    Column(gettext_lazy("Số ngày ở giai đoạn"), 10, "int"),
    Column(gettext_lazy("Việc đến hạn"), 40),
    Column(gettext_lazy("Hạn gần nhất"), 12, "date"),
    Column(gettext_lazy("Tình trạng hạn"), 14),
)
#: Name and the row number stay in view when scrolling sideways.
CANDIDACY_FROZEN_COLUMNS = 2
#: The columns of a sensitive item (``people.sensitive``): written only for the roles that may
#: see it.
CANDIDACY_SENSITIVE_COLUMNS = {4: Sensitive.ETHNICITY}


def _hidden_columns(user) -> frozenset[int]:
    return frozenset(
        i for i, item in CANDIDACY_SENSITIVE_COLUMNS.items() if not may_see(user, item)
    )


def candidacy_columns(user) -> tuple[Column, ...]:
    """The list export's columns for ``user`` (without those of items the role may not see)."""
    hidden = _hidden_columns(user)
    return tuple(c for i, c in enumerate(CANDIDACY_COLUMNS) if i not in hidden)


_CANDIDACY_FIELDS = (
    "person__full_name",
    "person__birth_date",
    "person__sex",
    "person__ethnicity",
    "person__youth_union_member",
    "person__trade_union_member",
    "person__local_resident",
    "cell__name",
    "stage",
    "stage_since",
    "next_due_code",
    "next_due",
    "closed_on",
)


def candidacy_rows(queryset, today: date, *, user) -> Iterator[list]:
    """One list per candidacy of ``queryset`` (already filtered, scoped and ordered), with the
    columns of :func:`candidacy_columns` for ``user``."""
    hidden = _hidden_columns(user)
    for row in _candidacy_rows(queryset, today):
        yield [value for i, value in enumerate(row) if i not in hidden] if hidden else row


def _candidacy_rows(queryset, today: date) -> Iterator[list]:
    sexes = {value: str(label) for value, label in Sex.choices}
    ethnicities = {value: str(label) for value, label in ETHNICITIES}
    # The rules' labels, translated once per language (pipeline.labels), not per row.
    stages, deadlines = stage_labels(), deadline_labels()
    yes, no = str(_("Có")), str(_("Không"))
    states = {"overdue": str(_("Quá hạn")), "soon": str(_("Sắp đến hạn")), "": ""}
    values = queryset.values_list(*_CANDIDACY_FIELDS).iterator(chunk_size=2000)
    for number, (
        name,
        birth,
        sex,
        ethnicity,
        youth,
        trade,
        local,
        cell,
        stage,
        since,
        due_code,
        due,
        closed_on,
    ) in enumerate(values, 1):
        yield [
            number,
            name,
            birth,
            sexes.get(sex, sex),
            ethnicities.get(ethnicity, ethnicity),
            yes if youth else no,
            yes if trade else no,
            yes if local else no,
            cell,
            stages.get(stage, stage),
            since,
            (today - since).days if closed_on is None else None,
            deadlines.get(due_code, ""),
            due,
            states[due_state(due, today)] if closed_on is None else "",
        ]
