"""Đảng viên: the members on a date, official and probationary, and their composition.

Members on a date are counted from their spells (``members.MemberSpell``: a person counted in
one cell from one day to another), where and while they were: a member who left, died or
transferred out counts until that day, one who transferred in from that day, one who moved
between cells at the old cell before the day and at the new one from it. Ages are counted on the
date of the snapshot.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .. import composition
from ..numbers import share
from ..tables import Cell, Report, Row
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
from .queries import count_by_unit, members_at, spells_at


def counts(organisation, on) -> dict[str, dict[str, int]]:
    """Per unit: the members on ``on``, the probationary ones and each composition category."""
    prefix = "person__"
    official = f"{prefix}party_official_on"
    aggregates = {
        "members": Count("id"),
        "probationary": Count(
            "id", filter=Q(**{f"{official}__isnull": True}) | Q(**{f"{official}__gt": on})
        ),
    }
    for category in composition.CATEGORIES:
        aggregates[category.code] = Count(
            "id", filter=composition.condition(category.code, prefix, on=on)
        )
    return count_by_unit(spells_at(organisation, on), organisation, "cell", aggregates)


def build(organisation, *, on, places=1, **_ignored) -> Report:
    by_unit = counts(organisation, on)
    whole = total(by_unit.values())
    report = Report(kind="members", title=_("Đảng viên"), organisation=organisation, on=on)
    table = composition_table(
        _("Số lượng và cơ cấu đảng viên"), "members", _("Tổng số đảng viên"), whole, places
    )
    probationary = whole.get("probationary", 0)
    table.rows.insert(
        1,
        Row(
            _("Đảng viên dự bị"),
            [
                Cell(probationary, "probationary"),
                Cell(share(probationary, whole.get("members", 0), places)),
            ],
            level=1,
        ),
    )
    report.tables.append(table)
    units = unit_table(
        organisation,
        by_unit,
        [
            ("members", _("Đảng viên")),
            ("probationary", _("Dự bị")),
            *unit_columns(COMPOSITION_UNIT_COLUMNS),
        ],
    )
    if units:
        report.tables.append(units)
        report.charts.append(units_chart(_("Đảng viên theo đơn vị"), units, "members"))
    report.charts.insert(0, composition_chart(_("Cơ cấu đảng viên (%)"), whole, "members", places))
    return report


def drill(organisation, code, *, on, **_ignored) -> Drill:
    found = members_at(organisation, on)
    if code == "probationary":
        found = found.filter(Q(party_official_on__isnull=True) | Q(party_official_on__gt=on))
    elif code != "members":
        if code not in composition.BY_CODE:
            raise KeyError(code)
        found = found.filter(composition.condition(code, on=on))
    return Drill(label_of(code), "people", found)
