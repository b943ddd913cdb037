"""Pieces the reports' tables share: what a drill returns, sums of counts, the "by unit" table and
its chart, the composition table and its chart (new members, members, targets)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from ptdv.org.models import Organisation

from .. import composition
from ..numbers import share
from ..tables import PERCENT, Cell, Chart, Column, Row, Series, Table
from .queries import units


@dataclass
class Drill:
    """What a figure counts: a title and a queryset of people, organisations or places."""

    title: str
    #: "people", "organisations" or "places".
    kind: str
    queryset: Any


def add(total: dict[str, int], part: Mapping[str, int]) -> dict[str, int]:
    for key, value in part.items():
        total[key] = total.get(key, 0) + (value or 0)
    return total


def total(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The sum of the counts ``parts`` (code → count), code by code."""
    result: dict[str, int] = {}
    for part in parts:
        add(result, part)
    return result


def unit_table(
    organisation: Organisation,
    by_unit: Mapping[str, Mapping[str, int]],
    columns: list[tuple[str, str]],
    *,
    title: str | None = None,
) -> Table | None:
    """One row per child unit (and one for the organisation's own rows, if any) with the
    ``columns`` (code, label) counted in ``by_unit`` (unit path → code → count)."""
    children = units(organisation)
    if not children:
        return None
    rows = []
    own = by_unit.get(organisation.path)
    if own and any(own.values()):
        rows.append(count_row(_("Trực thuộc trực tiếp"), own, columns, organisation.pk))
    for unit in children:
        rows.append(count_row(unit.name, by_unit.get(unit.path, {}), columns, unit.pk))
    rows.append(count_row(_("Tổng cộng"), total(by_unit.values()), columns, None, total=True))
    return Table(
        title=title or _("Theo đơn vị"),
        columns=[Column(label) for _code, label in columns],
        rows=rows,
        label_header=_("Đơn vị"),
    )


def count_row(label, counts, columns, organisation_id, *, total=False) -> Row:
    return Row(
        label=label,
        cells=[Cell(counts.get(code, 0), code) for code, _label in columns],
        organisation_id=organisation_id,
        total=total,
    )


def units_chart(title: str, units: Table, code: str, *, codes: tuple[str, ...] = ()) -> Chart:
    """A bar per unit of the "by unit" table for the figure ``code`` (and ``codes``)."""
    rows = [r for r in units.rows if not r.total]
    series = []
    for wanted in (code, *codes):
        index = next(i for i, c in enumerate(rows[0].cells) if c.drill == wanted) if rows else 0
        label = units.columns[index].label if rows else wanted
        series.append(Series(label, [r.cells[index].value for r in rows]))
    return Chart(kind="bar", title=title, labels=[r.label for r in rows], series=series)


def period_text(start: date, end: date) -> str:
    return _("từ %(start)s đến %(end)s") % {
        "start": f"{start:%d/%m/%Y}",
        "end": f"{end:%d/%m/%Y}",
    }


# --- composition: new members and all members -------------------------------------------------

COMPOSITION_UNIT_COLUMNS = ("women", "youth_union", "young", "ethnic_minority", "religious",
                            "local_resident", "enterprise", "university")  # fmt: skip


def composition_table(title, total_code, total_label, counts, places) -> Table:
    whole = counts.get(total_code, 0)
    rows = [Row(total_label, [Cell(whole, total_code), Cell(None)], total=True)]
    for category in composition.CATEGORIES:
        value = counts.get(category.code, 0)
        rows.append(
            Row(
                str(category.label),
                [Cell(value, category.code), Cell(share(value, whole, places))],
                level=1,
            )
        )
    return Table(
        title=title,
        columns=[Column(_("Số lượng")), Column(_("Tỷ lệ (%)"), PERCENT, places)],
        rows=rows,
        label_header=_("Chỉ tiêu thống kê"),
    )


def composition_chart(title, counts, whole_code, places) -> Chart:
    whole = counts.get(whole_code, 0)
    categories = [c for c in composition.CATEGORIES]
    return Chart(
        kind="hbar",
        title=title,
        labels=[str(c.label) for c in categories],
        series=[
            Series(
                _("Tỷ lệ (%)"),
                [float(share(counts.get(c.code, 0), whole, places) or 0) for c in categories],
            )
        ],
        percent=True,
    )


def unit_columns(codes) -> list[tuple[str, str]]:
    return [(code, str(composition.BY_CODE[code].label)) for code in codes]
