"""Tổ chức đảng và địa bàn có tổ chức đảng: organisations, members, small and new cells on a
date, and the places served by a cell of their own, a merged cell or none (at the date and at the
start of the period)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ptdv.org.models import (
    CELL_KINDS,
    GRASSROOTS_KINDS,
    Organisation,
    OrgKind,
    Place,
    PlaceCell,
    PlaceKind,
)

from ..numbers import share
from ..tables import PERCENT, Cell, Chart, Column, Report, Row, Series, Table
from .common import Drill, total, unit_table
from .coverage import COVERED_KINDS, coverage, coverage_on
from .queries import members_at, organisations, spells_at, unit_annotation, unit_of

#: Cells with fewer members than this are reported (a cell needs three official members to hold
#: its congress; five is the statistics' threshold of a weak cell).
SMALL_CELL = 5

#: Organisation figures of the structure report: code -> (label, the kinds it counts).
ORG_FIGURES: dict[str, tuple[str, frozenset[str]]] = {
    "grassroots": (gettext_noop("Tổ chức cơ sở đảng"), GRASSROOTS_KINDS),
    "grassroots_committees": (
        gettext_noop("Đảng bộ cơ sở"),
        frozenset({OrgKind.GRASSROOTS_COMMITTEE}),
    ),
    "grassroots_cells": (gettext_noop("Chi bộ cơ sở"), frozenset({OrgKind.GRASSROOTS_CELL})),
    "partial_committees": (
        gettext_noop("Đảng bộ bộ phận"),
        frozenset({OrgKind.PARTIAL_COMMITTEE}),
    ),
    "cells": (gettext_noop("Chi bộ trực thuộc đảng bộ cơ sở"), frozenset({OrgKind.CELL})),
}


def eve(start: date | None) -> date | None:
    """The state at the start of a period is the state at the end of the day before it: a cell
    founded on the first day is new in the period, not there at its start."""
    return None if start is None else start - timedelta(days=1)


def alive(queryset: QuerySet, on: date) -> QuerySet:
    """Organisations founded on or before ``on`` (or undated) and not dissolved by then."""
    return queryset.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=on)).exclude(
        dissolved_on__lte=on
    )


def organisations_on(organisation: Organisation, on: date) -> QuerySet:
    """The subtree's organisations alive on ``on``."""
    return alive(organisations(organisation), on)


def members_by_cell(organisation: Organisation, on: date) -> dict[int, int]:
    """Members on ``on`` per cell id (the cell they were counted in that day)."""
    return dict(
        spells_at(organisation, on)
        .values("cell_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cell_id", "n")
    )


def small_cells(
    organisation: Organisation, on: date, sizes: Mapping[int, int] | None = None
) -> list[tuple[int, str]]:
    """(id, path) of the cells alive on ``on`` with fewer than SMALL_CELL members then."""
    if sizes is None:
        sizes = members_by_cell(organisation, on)
    cells = organisations_on(organisation, on).cells().values_list("pk", "path")
    return [(pk, path) for pk, path in cells if sizes.get(pk, 0) < SMALL_CELL]


def new_cells(organisation, start, end) -> QuerySet:
    """The subtree's cells founded from ``start`` to ``end``."""
    return organisations(organisation).filter(
        kind__in=sorted(CELL_KINDS), founded_on__gte=start, founded_on__lte=end
    )


def new_village_cells(organisation, start, end) -> QuerySet:
    """The new cells (:func:`new_cells`) of villages — thôn, bản, ấp, tổ dân phố
    (``PlaceKind.VILLAGE``): those the places' history (``org.PlaceCell``) names as serving a
    village from a day on or before ``end``. Seed 003's "thành lập mới 54 chi bộ thôn, bản"
    counts these, not the cells founded for a school, a health station or an agency."""
    serving = PlaceCell.objects.filter(
        place__kind=PlaceKind.VILLAGE, since__lte=end, cell__isnull=False
    ).values("cell_id")
    return new_cells(organisation, start, end).filter(pk__in=serving)


def counts(organisation, on, start) -> dict[str, dict[str, int]]:
    """Per unit: the organisation figures, members, small and new cells, and the places by
    coverage (codes ``kind:coverage``, with ``:start`` for the start of the period)."""
    by_unit: dict[str, dict[str, int]] = defaultdict(dict)

    def add(unit: str, key: str, n: int = 1) -> None:
        by_unit[unit][key] = by_unit[unit].get(key, 0) + n

    for row in (
        organisations_on(organisation, on)
        .annotate(unit=unit_annotation(organisation, ""))
        .values("unit", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        for code, (_label, kinds) in ORG_FIGURES.items():
            if row["kind"] in kinds:
                add(row["unit"], code, row["n"])
    # Members: every member of the subtree, whether or not their cell is alive on that day;
    # small cells: the cells alive that day with fewer than SMALL_CELL members.
    sizes = members_by_cell(organisation, on)
    paths = dict(organisations(organisation).values_list("pk", "path"))
    for cell_id, n in sizes.items():
        add(unit_of(organisation, paths[cell_id]), "members", n)
    for _pk, path in small_cells(organisation, on, sizes):
        add(unit_of(organisation, path), "small_cells")
    if start is not None:
        for path in new_cells(organisation, start, on).values_list("path", flat=True):
            add(unit_of(organisation, path), "new_cells")
        for path in new_village_cells(organisation, start, on).values_list("path", flat=True):
            add(unit_of(organisation, path), "new_village_cells")
    days = {"": on} | ({":start": eve(start)} if start is not None else {})
    served = coverage(organisation, list(days.values()))
    for suffix, day in days.items():
        for kind, unit, value in served[day].values():
            add(unit, f"{kind}:{value}{suffix}")
            add(unit, f"{kind}:total{suffix}")
    return by_unit


def build(organisation, *, on, start=None, places=1, **_ignored) -> Report:
    by_unit = counts(organisation, on, start)
    whole = total(by_unit.values())
    report = Report(
        kind="structure",
        title=_("Tổ chức đảng và địa bàn có tổ chức đảng"),
        organisation=organisation,
        start=start,
        on=on,
    )
    report.tables.append(_organisations_table(whole, start))
    report.tables.append(_coverage_table(whole, on, start, places))
    units = unit_table(
        organisation,
        by_unit,
        [
            ("grassroots", _("Tổ chức cơ sở đảng")),
            ("cells", _("Chi bộ trực thuộc")),
            ("members", _("Đảng viên")),
            ("small_cells", _("Chi bộ dưới 5 đảng viên")),
            ("village:total", _("Thôn, bản")),
            ("village:own", _("Thôn, bản có chi bộ riêng")),
            ("village:merged", _("Thôn, bản sinh hoạt ghép")),
            ("village:none", _("Thôn, bản chưa có chi bộ")),
        ],
    )
    if units:
        report.tables.append(units)
    kinds = dict(PlaceKind.choices)
    report.charts.append(
        Chart(
            "bar",
            _("Địa bàn có tổ chức đảng"),
            [str(kinds[k]) for k in COVERED_KINDS],
            [
                Series(_("Có chi bộ riêng"), [whole.get(f"{k}:own", 0) for k in COVERED_KINDS]),
                Series(
                    _("Sinh hoạt chi bộ ghép"),
                    [whole.get(f"{k}:merged", 0) for k in COVERED_KINDS],
                ),
                Series(_("Chưa có chi bộ"), [whole.get(f"{k}:none", 0) for k in COVERED_KINDS]),
            ],
        )
    )
    return report


def _organisations_table(whole: dict[str, int], start: date | None) -> Table:
    rows = [
        Row(_(label), [Cell(whole.get(code, 0), code)], level=0 if code == "grassroots" else 1)
        for code, (label, _s) in ORG_FIGURES.items()
    ]
    rows.append(Row(_("Đảng viên"), [Cell(whole.get("members", 0), "members")]))
    rows.append(
        Row(
            _("Chi bộ có dưới %(n)s đảng viên") % {"n": SMALL_CELL},
            [Cell(whole.get("small_cells", 0), "small_cells")],
        )
    )
    if start is not None:
        rows.append(
            Row(_("Chi bộ thành lập mới trong kỳ"), [Cell(whole.get("new_cells", 0), "new_cells")])
        )
        rows.append(
            Row(
                _("Trong đó: chi bộ thôn, bản, tổ dân phố"),
                [Cell(whole.get("new_village_cells", 0), "new_village_cells")],
                level=2,
            )
        )
    return Table(_("Tổ chức đảng"), [Column(_("Số lượng"))], rows, label_header=_("Nội dung"))


def _coverage_table(whole: dict[str, int], on: date, start: date | None, places: int) -> Table:
    rows = []
    kinds = dict(PlaceKind.choices)
    for kind in COVERED_KINDS:
        for suffix, day in ((":start", eve(start)), ("", on)):
            if day is None:
                continue
            all_places = whole.get(f"{kind}:total{suffix}", 0)
            own = whole.get(f"{kind}:own{suffix}", 0)
            merged = whole.get(f"{kind}:merged{suffix}", 0)
            rows.append(
                Row(
                    f"{kinds[kind]} — {day:%d/%m/%Y}",
                    [
                        Cell(all_places, f"{kind}:total{suffix}"),
                        Cell(own, f"{kind}:own{suffix}"),
                        Cell(merged, f"{kind}:merged{suffix}"),
                        Cell(whole.get(f"{kind}:none{suffix}", 0), f"{kind}:none{suffix}"),
                        Cell(share(own, all_places, places)),
                        Cell(share(own + merged, all_places, places)),
                    ],
                )
            )
    return Table(
        _("Địa bàn có tổ chức đảng"),
        [
            Column(_("Tổng số")),
            Column(_("Có chi bộ riêng")),
            Column(_("Sinh hoạt chi bộ ghép")),
            Column(_("Chưa có chi bộ")),
            Column(_("Tỷ lệ có chi bộ riêng (%)"), PERCENT, places),
            Column(_("Tỷ lệ có chi bộ, kể cả ghép (%)"), PERCENT, places),
        ],
        rows,
        label_header=_("Địa bàn"),
    )


def drill(organisation, code, *, on, start=None, **_ignored) -> Drill:
    if code in ORG_FIGURES:
        label, kinds = ORG_FIGURES[code]
        found = organisations_on(organisation, on).filter(kind__in=sorted(kinds))
        return Drill(_(label), "organisations", found)
    if code == "members":
        return Drill(_("Đảng viên"), "people", members_at(organisation, on))
    if code == "small_cells":
        return Drill(
            _("Chi bộ có dưới %(n)s đảng viên") % {"n": SMALL_CELL},
            "organisations",
            Organisation.objects.filter(pk__in=[pk for pk, _p in small_cells(organisation, on)]),
        )
    if code == "new_cells" and start is not None:
        return Drill(
            _("Chi bộ thành lập mới trong kỳ"), "organisations", new_cells(organisation, start, on)
        )
    if code == "new_village_cells" and start is not None:
        return Drill(
            _("Chi bộ thôn, bản, tổ dân phố thành lập mới trong kỳ"),
            "organisations",
            new_village_cells(organisation, start, on),
        )
    parts = code.split(":")
    if (
        len(parts) in (2, 3)
        and parts[0] in COVERED_KINDS
        and parts[1] in ("own", "merged", "none", "total")
    ):
        day = on if len(parts) == 2 else eve(start)
        if day is None or (len(parts) == 3 and parts[2] != "start"):
            raise KeyError(code)
        ids = [
            pk
            for pk, (kind, _u, served) in coverage_on(organisation, day).items()
            if kind == parts[0] and (parts[1] == "total" or served == parts[1])
        ]
        return Drill(
            f"{dict(PlaceKind.choices)[parts[0]]} — {day:%d/%m/%Y}",
            "places",
            Place.objects.filter(pk__in=ids),
        )
    raise KeyError(code)
