"""Kết nạp đảng viên mới: the admissions of a period and their composition.

Admitted (kết nạp) = the admission ceremony (Điều lệ Đảng, Điều 4: the applicant becomes a
probationary member at the ceremony; ``Person.party_admitted_on``), counted at the cell of the
ceremony. Ages are the rules' ages on the day of the ceremony; Youth Union membership and "local"
are those the ceremony recorded, else today's record (``composition``, the report's note says how
many).
"""

from __future__ import annotations

from django.db.models import Case, Count, Value, When
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from ptdv.org.models import Organisation

from .. import composition
from ..numbers import shown
from ..tables import Report
from .codes import label_of
from .common import (
    COMPOSITION_UNIT_COLUMNS,
    Drill,
    composition_chart,
    composition_table,
    total,
    unit_columns,
    unit_table,
    units_chart,
)
from .queries import ceremonies, count_by_unit, people, yyyymmdd


def age_key():
    """The person's age on the day of the step, as a yyyymmdd difference, a birth on 29
    February read as 28 February (``composition.young_at_row``)."""
    birth = yyyymmdd("candidacy__person__birth_date")
    leap_day = Case(When(Exact(birth % 10000, 229), then=Value(1)), default=Value(0))
    return yyyymmdd("date") - (birth - leap_day)


#: The count of ceremonies that did not record the statuses on the admission day.
UNRECORDED = "status_unrecorded"


def counts(organisation: Organisation, start, end) -> dict[str, dict[str, int]]:
    """Per unit: the admissions and each composition category among them."""
    events = ceremonies(organisation, start, end).annotate(age_key=age_key())
    prefix = "candidacy__person__"
    aggregates = {
        "admitted": Count("id"),
        UNRECORDED: Count("id", filter=composition.unrecorded_at_admission()),
    }
    for category in composition.CATEGORIES:
        aggregates[category.code] = Count(
            "id",
            filter=composition.condition(category.code, prefix, age_key="age_key", at_event=True),
        )
    return count_by_unit(events, organisation, "cell", aggregates)


def status_note(whole: dict[str, int]) -> str | None:
    """Which record the Youth Union membership and "local" were read from."""
    unrecorded = whole.get(UNRECORDED, 0)
    if not unrecorded:
        return None
    return _(
        "Đoàn viên thanh niên, người tại chỗ: theo hồ sơ tại lễ kết nạp; %(n)s/%(total)s người "
        "có lễ kết nạp chưa ghi nhận nên tính theo hồ sơ hiện nay."
    ) % {"n": shown(unrecorded), "total": shown(whole.get("admitted", 0))}


def build(organisation, *, start, end, places=1, **_ignored) -> Report:
    by_unit = counts(organisation, start, end)
    whole = total(by_unit.values())
    report = Report(
        kind="new_members",
        title=_("Kết nạp đảng viên mới"),
        organisation=organisation,
        start=start,
        end=end,
    )
    report.tables.append(
        composition_table(
            _("Số lượng và cơ cấu đảng viên mới kết nạp"),
            "admitted",
            _("Tổng số đảng viên mới kết nạp"),
            whole,
            places,
        )
    )
    units = unit_table(
        organisation,
        by_unit,
        [("admitted", _("Kết nạp")), *unit_columns(COMPOSITION_UNIT_COLUMNS)],
    )
    if units:
        report.tables.append(units)
        report.charts.append(units_chart(_("Đảng viên mới kết nạp theo đơn vị"), units, "admitted"))
    report.charts.insert(
        0, composition_chart(_("Cơ cấu đảng viên mới (%)"), whole, "admitted", places)
    )
    note = status_note(whole)
    if note:
        report.notes.append(note)
    return report


def drill(organisation, code, *, start, end, on=None, **_ignored) -> Drill:
    events = ceremonies(organisation, start, end)
    if code != "admitted":
        if code not in composition.BY_CODE:
            raise KeyError(code)
        events = events.annotate(age_key=age_key()).filter(
            composition.condition(code, "candidacy__person__", age_key="age_key", at_event=True)
        )
    return Drill(label_of(code), "people", people(events, "candidacy__person_id"))
