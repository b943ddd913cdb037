"""The figures of every report, computed by the database from the pipeline's events.

Every report is built by one function of this module for one organisation (its whole subtree)
and one period (or one date), and returns a :class:`~ptdv.reports.tables.Report`. Callers check
that the user may see the organisation (``get_visible_or_404``); ``drill`` lists what a figure
counts, and the view intersects it with the user's scope as well.

Rules of counting (docs/reports.md):

- A step counts in the period containing its date, at the cell the candidacy belonged to on that
  day (``Event.cell``); only effective events count: a voided step does not, its correction
  does — so correcting a date moves a person from one period to another.
- Admitted (kết nạp) = the admission ceremony (Điều lệ Đảng, Điều 4: the applicant becomes a
  probationary member at the ceremony; ``Person.party_admitted_on``).
- Members on a date are counted from their spells (``members.MemberSpell``: a person counted in
  one cell from one day to another), where and while they were: a member who left, died or
  transferred out counts until that day, one who transferred in from that day, one who moved
  between cells at the old cell before the day and at the new one from it.
- Composition (women, youth, …) reads the person's record; ages are counted on the day of the
  step (new members) or on the date of the snapshot (all members).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import (
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Substr,
)
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ptdv.members.models import MemberSpell
from ptdv.org.models import (
    CELL_KINDS,
    GRASSROOTS_KINDS,
    Coverage,
    Organisation,
    OrgKind,
    Place,
    PlaceCell,
    PlaceKind,
)
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.rules.months import add_months
from ptdv.rules.stages import (
    EXIT_STAGES,
    PROGRESS_STAGES,
    STAGE_LABELS,
    Stage,
    Step,
)

from . import composition
from .funnel import MOVED, Stay, replay
from .models import COMPOSITION_TARGETS, STRUCTURE_TARGETS, Target
from .numbers import achievement, percentile, project, rounded, share
from .periods import Period
from .tables import DAYS, PERCENT, Cell, Chart, Column, Report, Row, Series, Table
from .targets import rolled_target

REPORTS = ("new_members", "members", "activity", "structure", "funnel", "mentors", "targets")


@dataclass
class Drill:
    """What a figure counts: a title and a queryset of people, organisations or places."""

    title: str
    #: "people", "organisations" or "places".
    kind: str
    queryset: Any


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------

STEPLEN = Organisation.steplen
#: Probation lasts 12 months (Điều lệ Đảng, Điều 5): members admitted 12 months before a period
#: fall due for recognition in it.
PROBATION_MONTHS = 12
#: Cells with fewer members than this are reported (a cell needs three official members to hold
#: its congress; five is the statistics' threshold of a weak cell).
SMALL_CELL = 5


def _units(organisation: Organisation) -> list[Organisation]:
    """The organisation's children, in tree order."""
    return list(
        Organisation.objects.filter(
            path__startswith=organisation.path, depth=organisation.depth + 1
        ).order_by("path")
    )


def _unit_of(organisation: Organisation, path: str) -> str:
    """The path of the child of ``organisation`` whose subtree holds ``path`` (its own path for
    rows of the organisation itself)."""
    return path[: len(organisation.path) + STEPLEN]


def _unit_annotation(organisation: Organisation, lookup: str) -> Substr:
    """The path of the child unit a row belongs to (``lookup`` reaches the row's organisation;
    "" for organisations themselves)."""
    field = f"{lookup}__path" if lookup else "path"
    return Substr(field, 1, len(organisation.path) + STEPLEN)


def _yyyymmdd(field: str):
    return ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)


def _add(total: dict[str, int], part: Mapping[str, int]) -> dict[str, int]:
    for key, value in part.items():
        total[key] = total.get(key, 0) + (value or 0)
    return total


def _sum(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        _add(total, part)
    return total


def _unit_table(
    organisation: Organisation,
    by_unit: Mapping[str, Mapping[str, int]],
    columns: list[tuple[str, str]],
    *,
    title: str | None = None,
) -> Table | None:
    """One row per child unit (and one for the organisation's own rows, if any) with the
    ``columns`` (code, label) counted in ``by_unit`` (unit path → code → count)."""
    units = _units(organisation)
    if not units:
        return None
    rows = []
    own = by_unit.get(organisation.path)
    if own and any(own.values()):
        rows.append(_count_row(_("Trực thuộc trực tiếp"), own, columns, organisation.pk))
    for unit in units:
        rows.append(_count_row(unit.name, by_unit.get(unit.path, {}), columns, unit.pk))
    rows.append(_count_row(_("Tổng cộng"), _sum(by_unit.values()), columns, None, total=True))
    return Table(
        title=title or _("Theo đơn vị"),
        columns=[Column(label) for _code, label in columns],
        rows=rows,
        label_header=_("Đơn vị"),
    )


def _count_row(label, counts, columns, organisation_id, *, total=False) -> Row:
    return Row(
        label=label,
        cells=[Cell(counts.get(code, 0), code) for code, _label in columns],
        organisation_id=organisation_id,
        total=total,
    )


def _period_text(start: date, end: date) -> str:
    return _("từ %(start)s đến %(end)s") % {
        "start": f"{start:%d/%m/%Y}",
        "end": f"{end:%d/%m/%Y}",
    }


def _people(queryset: QuerySet, person_lookup: str) -> QuerySet:
    """The people a queryset of events, candidacies or assignments reaches."""
    return Person.objects.filter(pk__in=queryset.values(person_lookup))


# ---------------------------------------------------------------------------------------------
# Composition: new members and all members
# ---------------------------------------------------------------------------------------------

COMPOSITION_UNIT_COLUMNS = ("women", "youth_union", "young", "ethnic_minority", "religious",
                            "local_resident", "enterprise", "university")  # fmt: skip


def _ceremonies(organisation: Organisation, start: date, end: date) -> QuerySet:
    """Effective admission ceremonies between ``start`` and ``end`` in the subtree."""
    return Event.objects.effective().filter(
        step=Step.CEREMONY, date__gte=start, date__lte=end, cell__path__startswith=organisation.path
    )


def _new_member_counts(organisation, start, end) -> dict[str, dict[str, int]]:
    events = _ceremonies(organisation, start, end).annotate(
        age_key=_yyyymmdd("date") - _yyyymmdd("candidacy__person__birth_date")
    )
    prefix = "candidacy__person__"
    aggregates = {"admitted": Count("id")}
    for category in composition.CATEGORIES:
        aggregates[category.code] = Count(
            "id", filter=composition.condition(category.code, prefix, age_key="age_key")
        )
    rows = (
        events.annotate(unit=_unit_annotation(organisation, "cell"))
        .values("unit")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("unit"): r for r in rows}


def _spells_at(organisation: Organisation, on: date) -> QuerySet:
    """The spells running on ``on`` in the subtree's cells: one per member counted that day."""
    return MemberSpell.objects.on(on).filter(cell__path__startswith=organisation.path)


def _members_at(organisation: Organisation, on: date) -> QuerySet:
    """Party members on ``on`` (admitted on or before, not left, counted in a cell of the
    subtree that day)."""
    return Person.objects.filter(pk__in=_spells_at(organisation, on).values("person_id"))


def _member_counts(organisation, on) -> dict[str, dict[str, int]]:
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
    rows = (
        _spells_at(organisation, on)
        .annotate(unit=_unit_annotation(organisation, "cell"))
        .values("unit")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("unit"): r for r in rows}


def _composition_table(title, total_code, total_label, counts, places) -> Table:
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


def _composition_chart(title, counts, whole_code, places) -> Chart:
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


def _unit_columns(codes) -> list[tuple[str, str]]:
    return [(code, str(composition.BY_CODE[code].label)) for code in codes]


def new_members(organisation, *, start, end, places=1, **_ignored) -> Report:
    by_unit = _new_member_counts(organisation, start, end)
    counts = _sum(by_unit.values())
    report = Report(
        kind="new_members",
        title=_("Kết nạp đảng viên mới"),
        organisation=organisation,
        start=start,
        end=end,
    )
    report.tables.append(
        _composition_table(
            _("Số lượng và cơ cấu đảng viên mới kết nạp"),
            "admitted",
            _("Tổng số đảng viên mới kết nạp"),
            counts,
            places,
        )
    )
    units = _unit_table(
        organisation,
        by_unit,
        [("admitted", _("Kết nạp")), *_unit_columns(COMPOSITION_UNIT_COLUMNS)],
    )
    if units:
        report.tables.append(units)
        report.charts.append(
            _units_chart(_("Đảng viên mới kết nạp theo đơn vị"), units, "admitted")
        )
    report.charts.insert(
        0, _composition_chart(_("Cơ cấu đảng viên mới (%)"), counts, "admitted", places)
    )
    return report


def members(organisation, *, on, places=1, **_ignored) -> Report:
    by_unit = _member_counts(organisation, on)
    counts = _sum(by_unit.values())
    report = Report(kind="members", title=_("Đảng viên"), organisation=organisation, on=on)
    table = _composition_table(
        _("Số lượng và cơ cấu đảng viên"), "members", _("Tổng số đảng viên"), counts, places
    )
    probationary = counts.get("probationary", 0)
    table.rows.insert(
        1,
        Row(
            _("Đảng viên dự bị"),
            [
                Cell(probationary, "probationary"),
                Cell(share(probationary, counts.get("members", 0), places)),
            ],
            level=1,
        ),
    )
    report.tables.append(table)
    units = _unit_table(
        organisation,
        by_unit,
        [
            ("members", _("Đảng viên")),
            ("probationary", _("Dự bị")),
            *_unit_columns(COMPOSITION_UNIT_COLUMNS),
        ],
    )
    if units:
        report.tables.append(units)
        report.charts.append(_units_chart(_("Đảng viên theo đơn vị"), units, "members"))
    report.charts.insert(
        0, _composition_chart(_("Cơ cấu đảng viên (%)"), counts, "members", places)
    )
    return report


def _units_chart(title: str, units: Table, code: str, *, codes: tuple[str, ...] = ()) -> Chart:
    """A bar per unit of the "by unit" table for the figure ``code`` (and ``codes``)."""
    rows = [r for r in units.rows if not r.total]
    series = []
    for wanted in (code, *codes):
        index = next(i for i, c in enumerate(rows[0].cells) if c.drill == wanted) if rows else 0
        label = units.columns[index].label if rows else wanted
        series.append(Series(label, [r.cells[index].value for r in rows]))
    return Chart(kind="bar", title=title, labels=[r.label for r in rows], series=series)


def _new_members_drill(organisation, code, *, start, end, on=None, **_ignored) -> Drill:
    events = _ceremonies(organisation, start, end)
    if code != "admitted":
        if code not in composition.BY_CODE:
            raise KeyError(code)
        events = events.annotate(
            age_key=_yyyymmdd("date") - _yyyymmdd("candidacy__person__birth_date")
        ).filter(composition.condition(code, "candidacy__person__", age_key="age_key"))
    return Drill(_label_of(code), "people", _people(events, "candidacy__person_id"))


def _members_drill(organisation, code, *, on, **_ignored) -> Drill:
    people = _members_at(organisation, on)
    if code == "probationary":
        people = people.filter(Q(party_official_on__isnull=True) | Q(party_official_on__gt=on))
    elif code != "members":
        if code not in composition.BY_CODE:
            raise KeyError(code)
        people = people.filter(composition.condition(code, on=on))
    return Drill(_label_of(code), "people", people)


# ---------------------------------------------------------------------------------------------
# Activity
# ---------------------------------------------------------------------------------------------

#: code -> (label, steps, extra condition on the events)
ACTIVITY: dict[str, tuple[str, tuple[Step, ...], Q]] = {
    "sources": (gettext_noop("Xác định nguồn"), (Step.SOURCE,), Q()),
    "sympathisers": (gettext_noop("Đưa vào danh sách cảm tình Đảng"), (Step.SYMPATHISER,), Q()),
    "awareness_class": (
        gettext_noop("Học lớp bồi dưỡng nhận thức về Đảng"),
        (Step.AWARENESS_CLASS,),
        Q(),
    ),
    "cell_resolutions": (
        gettext_noop("Chi bộ đề nghị kết nạp"),
        (Step.CELL_RESOLUTION,),
        Q(passed=True),
    ),
    "admission_decisions": (gettext_noop("Có quyết định kết nạp"), (Step.ADMISSION_DECISION,), Q()),
    "admitted": (gettext_noop("Kết nạp (lễ kết nạp)"), (Step.CEREMONY,), Q()),
    "recognised": (
        gettext_noop("Công nhận đảng viên chính thức"),
        (Step.RECOGNITION_DECISION,),
        Q(),
    ),
    "not_recognised": (
        gettext_noop("Không công nhận chính thức, xóa tên"),
        (Step.NOT_RECOGNISED,),
        Q(),
    ),
    "removed": (
        gettext_noop("Đưa ra khỏi danh sách, tự rút"),
        (Step.REMOVED_FROM_LIST, Step.WITHDRAWN),
        Q(),
    ),
    "cards": (gettext_noop("Phát thẻ đảng viên"), (Step.PARTY_CARD,), Q()),
}
ACTIVITY_UNIT_COLUMNS = ("sources", "awareness_class", "admitted", "recognised", "removed",
                         "due_recognition", "members_left")  # fmt: skip

#: Members' changes in a period, read from their spells at the cell they concern (the cell they
#: arrive in, the cell they leave): code -> (label, "start" or "end" of a spell, its reasons, the
#: row's level). A move between two cells of the subtree is a departure from one and an arrival
#: in the other, so every unit's figures add up to the subtree's.
MEMBER_FLOWS: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "members_transferred_in": (
        gettext_noop("Chuyển sinh hoạt đảng đến từ tổ chức đảng ngoài hệ thống"),
        "start",
        ("transfer_in",),
        0,
    ),
    "members_moved_in": (
        gettext_noop("Chuyển sinh hoạt đến từ chi bộ khác trong hệ thống"),
        "start",
        ("transfer",),
        0,
    ),
    "members_moved_out": (
        gettext_noop("Chuyển sinh hoạt sang chi bộ khác trong hệ thống"),
        "end",
        ("transfer",),
        0,
    ),
    "members_transferred_out": (
        gettext_noop("Chuyển sinh hoạt đảng đi tổ chức đảng ngoài hệ thống"),
        "end",
        ("transfer_out",),
        0,
    ),
    "members_left": (
        gettext_noop("Ra khỏi Đảng, từ trần"),
        "end",
        ("resigned", "struck_off", "expelled", "deceased", "left"),
        0,
    ),
    "members_resigned": (gettext_noop("Xin ra khỏi Đảng"), "end", ("resigned",), 1),
    "members_struck_off": (
        gettext_noop("Xóa tên trong danh sách đảng viên"),
        "end",
        ("struck_off",),
        1,
    ),
    "members_expelled": (gettext_noop("Khai trừ ra khỏi Đảng"), "end", ("expelled",), 1),
    "members_deceased": (gettext_noop("Từ trần"), "end", ("deceased",), 1),
    "members_left_unknown": (
        gettext_noop("Ra khỏi Đảng, chưa rõ hình thức (hồ sơ trước khi dùng hệ thống)"),
        "end",
        ("left",),
        1,
    ),
}


def _flow_condition(code: str, start: date, end: date) -> Q:
    _label, side, reasons, _level = MEMBER_FLOWS[code]
    return Q(
        **{
            f"{side}__gte": start,
            f"{side}__lte": end,
            f"{side}_reason__in": reasons,
        }
    )


def _member_flow_counts(organisation, start, end) -> dict[str, dict[str, int]]:
    """The members' changes of the period per unit: one grouped query for the spells starting
    in the period, one for those ending in it (each a range on its own index)."""
    by_unit: dict[str, dict[str, int]] = {}
    for side in ("start", "end"):
        codes = [code for code, (_l, s, _r, _v) in MEMBER_FLOWS.items() if s == side]
        rows = (
            MemberSpell.objects.filter(
                cell__path__startswith=organisation.path,
                **{f"{side}__gte": start, f"{side}__lte": end},
            )
            .annotate(unit=_unit_annotation(organisation, "cell"))
            .values("unit")
            .annotate(
                **{code: Count("id", filter=_flow_condition(code, start, end)) for code in codes}
            )
            .order_by()
        )
        for row in rows:
            by_unit.setdefault(row.pop("unit"), {}).update(row)
    return by_unit


def ceremonies_due_between(start: date, end: date) -> tuple[date, date]:
    """The ceremonies whose probation ends between ``start`` and ``end``: those ``c`` with
    ``start <= add_months(c, 12) <= end``, an interval since ``add_months`` never decreases
    (29/02/2020 ends on 28/02/2021 — due in February, counted once)."""
    day = timedelta(days=1)
    first = add_months(start, -PROBATION_MONTHS)
    while add_months(first - day, PROBATION_MONTHS) >= start:
        first -= day
    while add_months(first, PROBATION_MONTHS) < start:
        first += day
    last = add_months(end, -PROBATION_MONTHS)
    while add_months(last + day, PROBATION_MONTHS) <= end:
        last += day
    while add_months(last, PROBATION_MONTHS) > end:
        last -= day
    return first, last


def _activity_events(organisation, code, start, end) -> QuerySet:
    if code == "due_recognition":
        start, end = ceremonies_due_between(start, end)
        code = "admitted"
    _label, steps, extra = ACTIVITY[code]
    return Event.objects.effective().filter(
        extra,
        step__in=steps,
        date__gte=start,
        date__lte=end,
        cell__path__startswith=organisation.path,
    )


def _activity_counts(organisation, start, end) -> dict[str, dict[str, int]]:
    aggregates = {
        code: Count("id", filter=Q(extra, step__in=steps))
        for code, (_l, steps, extra) in ACTIVITY.items()
    }
    steps = sorted({s for _l, ss, _e in ACTIVITY.values() for s in ss})
    rows = (
        Event.objects.effective()
        .filter(
            step__in=steps, date__gte=start, date__lte=end, cell__path__startswith=organisation.path
        )
        .annotate(unit=_unit_annotation(organisation, "cell"))
        .values("unit")
        .annotate(**aggregates)
        .order_by()
    )
    by_unit = {r.pop("unit"): r for r in rows}
    due = (
        _activity_events(organisation, "due_recognition", start, end)
        .annotate(unit=_unit_annotation(organisation, "cell"))
        .values("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in due:
        by_unit.setdefault(row["unit"], {})["due_recognition"] = row["n"]
    for unit, flows in _member_flow_counts(organisation, start, end).items():
        by_unit.setdefault(unit, {}).update(flows)
    return by_unit


def activity(organisation, *, start, end, **_ignored) -> Report:
    by_unit = _activity_counts(organisation, start, end)
    counts = _sum(by_unit.values())
    report = Report(
        kind="activity",
        title=_("Kết quả công tác phát triển đảng viên"),
        organisation=organisation,
        start=start,
        end=end,
    )
    rows = [
        Row(_(label), [Cell(counts.get(code, 0), code)])
        for code, (label, _s, _e) in ACTIVITY.items()
    ]
    rows.append(
        Row(
            _("Đảng viên dự bị đến hạn xét công nhận chính thức"),
            [Cell(counts.get("due_recognition", 0), "due_recognition")],
        )
    )
    report.tables.append(
        Table(_("Hoạt động trong kỳ"), [Column(_("Số người"))], rows, label_header=_("Nội dung"))
    )
    report.tables.append(
        Table(
            _("Biến động đảng viên trong kỳ"),
            [Column(_("Số lượt"))],
            [
                Row(_(label), [Cell(counts.get(code, 0), code)], level=level)
                for code, (label, _side, _reasons, level) in MEMBER_FLOWS.items()
            ],
            label_header=_("Nội dung"),
            note=_(
                "Tính ở chi bộ đảng viên chuyển đến hoặc rời đi: chuyển sinh hoạt giữa hai chi "
                "bộ trong cùng đơn vị được tính một lượt đi và một lượt đến."
            ),
        )
    )
    unit_labels = {
        "due_recognition": _("Đến hạn xét chính thức"),
        "members_left": _("Ra khỏi Đảng, từ trần"),
    }
    columns = [
        (c, _(ACTIVITY[c][0]) if c in ACTIVITY else unit_labels[c]) for c in ACTIVITY_UNIT_COLUMNS
    ]
    units = _unit_table(organisation, by_unit, columns)
    if units:
        report.tables.append(units)
        report.charts.append(
            _units_chart(
                _("Kết nạp và công nhận chính thức theo đơn vị"),
                units,
                "admitted",
                codes=("recognised",),
            )
        )
    report.charts.insert(
        0,
        Chart(
            "bar",
            _("Hoạt động trong kỳ"),
            [r.label for r in rows],
            [Series(_("Số người"), [r.cells[0].value for r in rows])],
        ),
    )
    return report


def _activity_drill(organisation, code, *, start, end, **_ignored) -> Drill:
    if code in MEMBER_FLOWS:
        spells = MemberSpell.objects.filter(
            _flow_condition(code, start, end), cell__path__startswith=organisation.path
        )
        return Drill(_label_of(code), "people", _people(spells, "person_id"))
    if code not in ACTIVITY and code != "due_recognition":
        raise KeyError(code)
    events = _activity_events(organisation, code, start, end)
    return Drill(_label_of(code), "people", _people(events, "candidacy__person_id"))


# ---------------------------------------------------------------------------------------------
# Structure and coverage
# ---------------------------------------------------------------------------------------------

COVERED_KINDS = (PlaceKind.VILLAGE, PlaceKind.SCHOOL, PlaceKind.HEALTH_STATION)


def _eve(start: date | None) -> date | None:
    """The state at the start of a period is the state at the end of the day before it: a cell
    founded on the first day is new in the period, not there at its start."""
    return None if start is None else start - timedelta(days=1)


def _alive(queryset: QuerySet, on: date) -> QuerySet:
    """Organisations founded on or before ``on`` (or undated) and not dissolved by then."""
    return queryset.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=on)).exclude(
        dissolved_on__lte=on
    )


def _organisations(organisation: Organisation, on: date) -> QuerySet:
    return _alive(Organisation.objects.filter(path__startswith=organisation.path), on)


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


def _coverage_on(organisation: Organisation, on: date) -> dict[int, tuple[str, str, str]]:
    return _coverage(organisation, [on])[on]


def _coverage(
    organisation: Organisation, days: list[date]
) -> dict[date, dict[int, tuple[str, str, str]]]:
    """For each day: place id → (kind, unit path, coverage), from the places' history.

    A place is served on a day by the cell of its latest history row dated on or before it
    (none before its first row, nor when that cell is not alive that day: founded later or
    dissolved); the cell is its own when it serves no other place that day —
    places of every kind and of any subtree count (a merged cell may serve several communes).
    """
    places = {
        pk: (kind, _unit_of(organisation, path))
        for pk, kind, path in Place.objects.filter(
            organisation__path__startswith=organisation.path, kind__in=COVERED_KINDS
        ).values_list("pk", "kind", "organisation__path")
    }
    history: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
    for place_id, since, cell_id in (
        PlaceCell.objects.filter(place__organisation__path__startswith=organisation.path)
        .order_by("place_id", "since", "pk")
        .values_list("place_id", "since", "cell_id")
    ):
        history[place_id].append((since, cell_id))
    cells = {cell for rows in history.values() for _since, cell in rows if cell is not None}
    lifetimes = {
        pk: (founded, dissolved)
        for pk, founded, dissolved in Organisation.objects.filter(
            path__startswith=organisation.path
        ).values_list("pk", "founded_on", "dissolved_on")
    }
    inside = set(lifetimes)
    outside_cells = sorted(cells - inside)

    def alive(cell_id: int, day: date) -> bool:
        founded, dissolved = lifetimes.get(cell_id, (None, None))
        return (founded is None or founded <= day) and (dissolved is None or dissolved > day)

    # Places elsewhere served at some time by one of these cells (rare: a merged cell across
    # units): their rows count in the cells' sharing.
    elsewhere = (
        PlaceCell.objects.filter(
            Q(cell__path__startswith=organisation.path) | Q(cell_id__in=outside_cells)
        )
        .exclude(place__organisation__path__startswith=organisation.path)
        .values("place_id")
    )
    for place_id, since, cell_id in (
        PlaceCell.objects.filter(place_id__in=elsewhere)
        .order_by("place_id", "since", "pk")
        .values_list("place_id", "since", "cell_id")
    ):
        history[place_id].append((since, cell_id))
    # The lifetimes of the cells outside the subtree that any of these rows names.
    named = {cell for rows in history.values() for _since, cell in rows if cell is not None}
    lifetimes |= {
        pk: (founded, dissolved)
        for pk, founded, dissolved in Organisation.objects.filter(
            pk__in=sorted(named - inside)
        ).values_list("pk", "founded_on", "dissolved_on")
    }
    result = {}
    for day in days:
        serving = {}
        for place_id, rows in history.items():
            cell_id = None
            for since, cell in rows:
                if since > day:
                    break
                cell_id = cell
            # A cell not yet founded or already dissolved serves nobody that day.
            serving[place_id] = cell_id if cell_id is not None and alive(cell_id, day) else None
        shared: dict[int, int] = defaultdict(int)
        for cell_id in serving.values():
            if cell_id is not None:
                shared[cell_id] += 1
        coverage = {}
        for place_id, (kind, unit) in places.items():
            cell_id = serving.get(place_id)
            if cell_id is None:
                value = Coverage.NONE
            else:
                value = Coverage.OWN_CELL if shared[cell_id] <= 1 else Coverage.MERGED_CELL
            coverage[place_id] = (kind, unit, value.value)
        result[day] = coverage
    return result


def _members_by_cell(organisation: Organisation, on: date) -> dict[int, int]:
    """Members on ``on`` per cell id (the cell they were counted in that day)."""
    return dict(
        _spells_at(organisation, on)
        .values("cell_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cell_id", "n")
    )


def _organisations_all(organisation: Organisation) -> QuerySet:
    return Organisation.objects.filter(path__startswith=organisation.path)


def _small_cells(
    organisation: Organisation, on: date, sizes: Mapping[int, int] | None = None
) -> list[tuple[int, str]]:
    """(id, path) of the cells alive on ``on`` with fewer than SMALL_CELL members then."""
    if sizes is None:
        sizes = _members_by_cell(organisation, on)
    cells = _organisations(organisation, on).cells().values_list("pk", "path")
    return [(pk, path) for pk, path in cells if sizes.get(pk, 0) < SMALL_CELL]


def _structure_counts(organisation, on, start) -> dict[str, dict[str, int]]:
    by_unit: dict[str, dict[str, int]] = defaultdict(dict)

    def add(unit: str, key: str, n: int = 1) -> None:
        by_unit[unit][key] = by_unit[unit].get(key, 0) + n

    for row in (
        _organisations(organisation, on)
        .annotate(unit=_unit_annotation(organisation, ""))
        .values("unit", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        for code, (_label, kinds) in ORG_FIGURES.items():
            if row["kind"] in kinds:
                add(row["unit"], code, row["n"])
    # Members: every member of the subtree, whether or not their cell is alive on that day;
    # small cells: the cells alive that day with fewer than SMALL_CELL members.
    sizes = _members_by_cell(organisation, on)
    paths = dict(_organisations_all(organisation).values_list("pk", "path"))
    for cell_id, n in sizes.items():
        add(_unit_of(organisation, paths[cell_id]), "members", n)
    for _pk, path in _small_cells(organisation, on, sizes):
        add(_unit_of(organisation, path), "small_cells")
    if start is not None:
        for path in _new_cells(organisation, start, on).values_list("path", flat=True):
            add(_unit_of(organisation, path), "new_cells")
    days = {"": on} | ({":start": _eve(start)} if start is not None else {})
    coverage = _coverage(organisation, list(days.values()))
    for suffix, day in days.items():
        for kind, unit, value in coverage[day].values():
            add(unit, f"{kind}:{value}{suffix}")
            add(unit, f"{kind}:total{suffix}")
    return by_unit


def _new_cells(organisation, start, end) -> QuerySet:
    return Organisation.objects.filter(
        path__startswith=organisation.path,
        kind__in=sorted(CELL_KINDS),
        founded_on__gte=start,
        founded_on__lte=end,
    )


def structure(organisation, *, on, start=None, places=1, **_ignored) -> Report:
    by_unit = _structure_counts(organisation, on, start)
    counts = _sum(by_unit.values())
    report = Report(
        kind="structure",
        title=_("Tổ chức đảng và địa bàn có tổ chức đảng"),
        organisation=organisation,
        start=start,
        on=on,
    )
    rows = [
        Row(_(label), [Cell(counts.get(code, 0), code)], level=0 if code == "grassroots" else 1)
        for code, (label, _s) in ORG_FIGURES.items()
    ]
    rows.append(Row(_("Đảng viên"), [Cell(counts.get("members", 0), "members")]))
    rows.append(
        Row(
            _("Chi bộ có dưới %(n)s đảng viên") % {"n": SMALL_CELL},
            [Cell(counts.get("small_cells", 0), "small_cells")],
        )
    )
    if start is not None:
        rows.append(
            Row(_("Chi bộ thành lập mới trong kỳ"), [Cell(counts.get("new_cells", 0), "new_cells")])
        )
    report.tables.append(
        Table(_("Tổ chức đảng"), [Column(_("Số lượng"))], rows, label_header=_("Nội dung"))
    )
    coverage_rows = []
    kinds = dict(PlaceKind.choices)
    for kind in COVERED_KINDS:
        for suffix, day in ((":start", _eve(start)), ("", on)):
            if day is None:
                continue
            total = counts.get(f"{kind}:total{suffix}", 0)
            own = counts.get(f"{kind}:own{suffix}", 0)
            merged = counts.get(f"{kind}:merged{suffix}", 0)
            coverage_rows.append(
                Row(
                    f"{kinds[kind]} — {day:%d/%m/%Y}",
                    [
                        Cell(total, f"{kind}:total{suffix}"),
                        Cell(own, f"{kind}:own{suffix}"),
                        Cell(merged, f"{kind}:merged{suffix}"),
                        Cell(counts.get(f"{kind}:none{suffix}", 0), f"{kind}:none{suffix}"),
                        Cell(share(own, total, places)),
                        Cell(share(own + merged, total, places)),
                    ],
                )
            )
    report.tables.append(
        Table(
            _("Địa bàn có tổ chức đảng"),
            [
                Column(_("Tổng số")),
                Column(_("Có chi bộ riêng")),
                Column(_("Sinh hoạt chi bộ ghép")),
                Column(_("Chưa có chi bộ")),
                Column(_("Tỷ lệ có chi bộ riêng (%)"), PERCENT, places),
                Column(_("Tỷ lệ có chi bộ, kể cả ghép (%)"), PERCENT, places),
            ],
            coverage_rows,
            label_header=_("Địa bàn"),
        )
    )
    units = _unit_table(
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
    report.charts.append(
        Chart(
            "bar",
            _("Địa bàn có tổ chức đảng"),
            [str(kinds[k]) for k in COVERED_KINDS],
            [
                Series(_("Có chi bộ riêng"), [counts.get(f"{k}:own", 0) for k in COVERED_KINDS]),
                Series(
                    _("Sinh hoạt chi bộ ghép"),
                    [counts.get(f"{k}:merged", 0) for k in COVERED_KINDS],
                ),
                Series(_("Chưa có chi bộ"), [counts.get(f"{k}:none", 0) for k in COVERED_KINDS]),
            ],
        )
    )
    return report


def _structure_drill(organisation, code, *, on, start=None, **_ignored) -> Drill:
    if code in ORG_FIGURES:
        label, kinds = ORG_FIGURES[code]
        organisations = _organisations(organisation, on).filter(kind__in=sorted(kinds))
        return Drill(_(label), "organisations", organisations)
    if code == "members":
        return Drill(_("Đảng viên"), "people", _members_at(organisation, on))
    if code == "small_cells":
        return Drill(
            _("Chi bộ có dưới %(n)s đảng viên") % {"n": SMALL_CELL},
            "organisations",
            Organisation.objects.filter(pk__in=[pk for pk, _p in _small_cells(organisation, on)]),
        )
    if code == "new_cells" and start is not None:
        return Drill(
            _("Chi bộ thành lập mới trong kỳ"), "organisations", _new_cells(organisation, start, on)
        )
    parts = code.split(":")
    if (
        len(parts) in (2, 3)
        and parts[0] in COVERED_KINDS
        and parts[1] in ("own", "merged", "none", "total")
    ):
        day = on if len(parts) == 2 else _eve(start)
        if day is None or (len(parts) == 3 and parts[2] != "start"):
            raise KeyError(code)
        ids = [
            pk
            for pk, (kind, _u, coverage) in _coverage_on(organisation, day).items()
            if kind == parts[0] and (parts[1] == "total" or coverage == parts[1])
        ]
        return Drill(
            f"{dict(PlaceKind.choices)[parts[0]]} — {day:%d/%m/%Y}",
            "places",
            Place.objects.filter(pk__in=ids),
        )
    raise KeyError(code)


# ---------------------------------------------------------------------------------------------
# Funnel
# ---------------------------------------------------------------------------------------------


#: Candidacies replayed per query (bounded memory, and under SQLite's limit of variables).
STAY_CHUNK = 5000


def _stays(organisation, end) -> list[Stay]:
    """Stays of the candidacies with a step in the subtree, each counted at the unit of the
    step that entered it (a stay entered elsewhere, before a transfer in, is not the subtree's).

    Events are read with their corrections and voided here (as ``Event.objects.effective()``
    does), by chunks of candidacies: one anti-join over the whole history misleads PostgreSQL's
    planner into a nested loop per event.
    """
    prefix = organisation.path
    candidacies = sorted(
        Event.objects.filter(cell_id__in=_organisations_all(organisation).values("pk"))
        .values_list("candidacy_id", flat=True)
        .order_by()
        .distinct()
    )
    unit_of_cell = {
        pk: _unit_of(organisation, path)
        for pk, path in Organisation.objects.filter(path__startswith=prefix).values_list(
            "pk", "path"
        )
    }
    stays: list[Stay] = []
    for first in range(0, len(candidacies), STAY_CHUNK):
        chunk = candidacies[first : first + STAY_CHUNK]
        rows = list(
            Event.objects.filter(candidacy_id__in=chunk)
            .filter(Q(date__lte=end) | Q(step=Step.CORRECTION))
            .order_by("candidacy_id", "seq")
            .values_list("candidacy_id", "id", "step", "date", "passed", "voids_id", "cell_id")
        )
        voided = {voids for *_e, voids, _c in rows if voids is not None}
        units = (
            (cid, unit_of_cell.get(cell), step, day, ok)
            for cid, pk, step, day, ok, _v, cell in rows
            if step != Step.CORRECTION and pk not in voided and day <= end
        )
        stays += [stay for stay in replay(units) if stay.unit is not None]
    return stays


def _stay_matches(stay: Stay, code: str, start: date, end: date) -> bool:
    stage, _sep, what = code.partition(":")
    if stage == "exit":
        return stay.outcome == what and stay.left is not None and start <= stay.left <= end
    if stay.stage.value != stage:
        return False
    if what == "entered":
        return start <= stay.entered <= end
    if what == "moved_on":
        return stay.outcome == MOVED and start <= stay.left <= end
    if what == "left":
        return stay.outcome not in (None, MOVED) and start <= stay.left <= end
    if what == "waiting":
        return stay.waiting_on(end)
    raise KeyError(code)


FUNNEL_STAGES = PROGRESS_STAGES


def _whole_days(value: float | None) -> int | None:
    """Days rounded half up (12.5 → 13), as the other figures are."""
    return None if value is None else int(rounded(Decimal(str(value)), 0))


def funnel(organisation, *, start, end, today=None, **_ignored) -> Report:
    stays = _stays(organisation, end)
    entered = defaultdict(int)
    moved = defaultdict(int)
    left = defaultdict(int)
    waiting = defaultdict(int)
    exits = defaultdict(int)
    lengths: dict[Stage, list[int]] = defaultdict(list)
    waits: dict[str, list[int]] = defaultdict(list)
    for stay in stays:
        if start <= stay.entered <= end:
            entered[stay.stage] += 1
        if stay.left is not None and start <= stay.left <= end:
            lengths[stay.stage].append((stay.left - stay.entered).days)
            if stay.outcome == MOVED:
                moved[stay.stage] += 1
            else:
                left[stay.stage] += 1
                exits[stay.outcome] += 1
        if stay.waiting_on(end):
            waiting[stay.stage] += 1
            waits[stay.unit].append((end - stay.entered).days)
    report = Report(
        kind="funnel",
        title=_("Tiến trình phát triển đảng viên"),
        organisation=organisation,
        start=start,
        end=end,
    )
    rows = []
    for stage in FUNNEL_STAGES:
        median = percentile(lengths[stage], 0.5)
        p90 = percentile(lengths[stage], 0.9)
        rows.append(
            Row(
                _(STAGE_LABELS[stage]),
                [
                    Cell(entered[stage], f"{stage.value}:entered"),
                    Cell(moved[stage], f"{stage.value}:moved_on"),
                    Cell(left[stage], f"{stage.value}:left"),
                    Cell(waiting[stage], f"{stage.value}:waiting"),
                    Cell(_whole_days(median)),
                    Cell(_whole_days(p90)),
                ],
            )
        )
    report.tables.append(
        Table(
            _("Vào, qua và rời từng giai đoạn"),
            [
                Column(_("Vào giai đoạn")),
                Column(_("Chuyển tiếp")),
                Column(_("Rời danh sách")),
                Column(_("Đang ở giai đoạn cuối kỳ")),
                Column(_("Trung vị số ngày"), DAYS),
                Column(_("9/10 người xong trong (ngày)"), DAYS),
            ],
            rows,
            label_header=_("Giai đoạn"),
            note=_("Số ngày tính trên các lượt rời giai đoạn trong kỳ."),
        )
    )
    report.tables.append(
        Table(
            _("Rời danh sách theo lý do"),
            [Column(_("Số người"))],
            [
                Row(_(STAGE_LABELS[s]), [Cell(exits[s.value], f"exit:{s.value}")])
                for s in EXIT_STAGES
            ],
            label_header=_("Lý do"),
        )
    )
    units = {u.path: u for u in _units(organisation)}
    waiting_rows = []
    for unit_path, days in waits.items():
        unit = units.get(unit_path)
        waiting_rows.append((percentile(days, 0.5), len(days), unit_path, unit))
    waiting_rows.sort(key=lambda r: (-(r[0] or 0), -r[1], r[2]))
    report.tables.append(
        Table(
            _("Đơn vị có người chờ lâu nhất"),
            [
                Column(_("Số người đang chờ")),
                Column(_("Trung vị số ngày chờ"), DAYS),
                Column(_("Lâu nhất (ngày)"), DAYS),
            ],
            [
                Row(
                    unit.name if unit else organisation.name,
                    [Cell(count, "waiting"), Cell(_whole_days(median)), Cell(max(waits[path]))],
                    organisation_id=(unit or organisation).pk,
                )
                for median, count, path, unit in waiting_rows[:10]
            ],
            label_header=_("Đơn vị"),
            note=_("Hồ sơ còn mở ở cuối kỳ, số ngày kể từ khi vào giai đoạn hiện tại."),
        )
    )
    report.charts.append(
        Chart(
            "funnel",
            _("Số người vào từng giai đoạn trong kỳ"),
            [_(STAGE_LABELS[s]) for s in FUNNEL_STAGES],
            [Series(_("Vào giai đoạn"), [entered[s] for s in FUNNEL_STAGES])],
        )
    )
    return report


def _funnel_drill(organisation, code, *, start, end, **_ignored) -> Drill:
    stage, _sep, what = code.partition(":")
    valid_stage = stage in {s.value for s in FUNNEL_STAGES} and what in (
        "entered",
        "moved_on",
        "left",
        "waiting",
    )
    valid_exit = stage == "exit" and what in {s.value for s in EXIT_STAGES}
    if code == "waiting":
        ids = [s.candidacy_id for s in _stays(organisation, end) if s.waiting_on(end)]
        return Drill(
            _("Đang chờ ở cuối kỳ"),
            "people",
            _people(Candidacy.objects.filter(pk__in=ids), "person_id"),
        )
    if not (valid_stage or valid_exit):
        raise KeyError(code)
    ids = [s.candidacy_id for s in _stays(organisation, end) if _stay_matches(s, code, start, end)]
    return Drill(
        _label_of(code), "people", _people(Candidacy.objects.filter(pk__in=ids), "person_id")
    )


# ---------------------------------------------------------------------------------------------
# Mentors
# ---------------------------------------------------------------------------------------------


def _month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s (inclusive)."""
    lo, hi = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(lo, hi + 1)]


def _assignments(organisation, start, end) -> QuerySet:
    """Assignments of the subtree running at some point of the period."""
    return MentorAssignment.objects.filter(
        candidacy__cell__path__startswith=organisation.path, start__lte=end
    ).exclude(end__lt=start)


def _mentor_rows(organisation, start, end, today) -> list[dict]:
    """Per assignment: mentor, months due and months covered by a monthly, quarterly or yearly
    report. A month is due while the assignment runs and the person is being helped: up to
    today, the assignment's end, the candidacy's end (an exit, the party card) and the day the
    person became an official member, whichever comes first (as the mentor page asks)."""
    last = min(end, today)
    assignments = list(
        _assignments(organisation, start, end).values(
            "pk",
            "mentor_id",
            "mentor__full_name",
            "mentor__sort_key",
            "start",
            "end",
            "candidacy__person_id",
            "candidacy__closed_on",
            "candidacy__person__party_official_on",
        )
    )
    reports = defaultdict(set)
    for assignment_id, period, period_start in MentorReport.objects.filter(
        assignment__in=_assignments(organisation, start, end),
        period_start__lte=last,
        period_start__gte=date(start.year, 1, 1),  # a yearly report covers from 1 January
    ).values_list("assignment_id", "period", "period_start"):
        reports[assignment_id].add((period, period_start))
    for a in assignments:
        first = max(start, a["start"])
        stops = (a["end"], a["candidacy__closed_on"], a["candidacy__person__party_official_on"])
        stop = min([last, *(d for d in stops if d is not None)])
        months = _month_starts(first, stop) if first <= stop else []
        filed = reports[a["pk"]]
        a["due"] = len(months)
        a["filed"] = sum(
            1
            for m in months
            if ("month", m) in filed
            or ("quarter", m.replace(month=(m.month - 1) // 3 * 3 + 1)) in filed
            or ("year", m.replace(month=1)) in filed
        )
    return assignments


def mentors(organisation, *, start, end, today, **_ignored) -> Report:
    rows_by_mentor: dict[int, dict] = {}
    for a in _mentor_rows(organisation, start, end, today):
        row = rows_by_mentor.setdefault(
            a["mentor_id"],
            {
                "name": a["mentor__full_name"],
                "key": a["mentor__sort_key"],
                "assignments": 0,
                "due": 0,
                "filed": 0,
            },
        )
        row["assignments"] += 1
        row["due"] += a["due"]
        row["filed"] += a["filed"]
    # Most reports missing first, then by name; the mentor's id settles two namesakes.
    ordered = sorted(
        rows_by_mentor.items(),
        key=lambda kv: (-(kv[1]["due"] - kv[1]["filed"]), kv[1]["key"], kv[0]),
    )
    total = _sum({k: v[k] for k in ("assignments", "due", "filed")} for _m, v in ordered)
    rows = [
        Row(
            v["name"],
            [
                Cell(v["assignments"], f"mentor:{mentor_id}"),
                Cell(v["due"]),
                Cell(v["filed"]),
                Cell(v["due"] - v["filed"]),
            ],
        )
        for mentor_id, v in ordered
    ]
    rows.append(
        Row(
            _("Tổng cộng"),
            [
                Cell(total.get("assignments", 0), "assignments"),
                Cell(total.get("due", 0)),
                Cell(total.get("filed", 0)),
                Cell(total.get("due", 0) - total.get("filed", 0), "missing"),
            ],
            total=True,
        )
    )
    report = Report(
        kind="mentors",
        title=_("Đảng viên giúp đỡ người vào Đảng"),
        organisation=organisation,
        start=start,
        end=end,
    )
    report.tables.append(
        Table(
            _("Phân công giúp đỡ và báo cáo"),
            [
                Column(_("Số người giúp đỡ")),
                Column(_("Số tháng phải báo cáo")),
                Column(_("Số tháng đã báo cáo")),
                Column(_("Số tháng còn thiếu")),
            ],
            rows,
            label_header=_("Đảng viên giúp đỡ"),
            note=_(
                "Mỗi tháng phân công còn hiệu lực (đến hôm nay) cần một báo cáo tháng, quý hoặc năm."
            ),
        )
    )
    return report


def _mentors_drill(organisation, code, *, start, end, today, **_ignored) -> Drill:
    rows = _mentor_rows(organisation, start, end, today)
    kind, _sep, value = code.partition(":")
    if kind == "mentor" and value.isascii() and value.isdigit():
        people = {a["candidacy__person_id"] for a in rows if a["mentor_id"] == int(value)}
        name = next((a["mentor__full_name"] for a in rows if a["mentor_id"] == int(value)), "")
        title = _("Người được %(name)s giúp đỡ") % {"name": name}
    elif code == "assignments":
        people, title = {a["candidacy__person_id"] for a in rows}, _("Người được giúp đỡ")
    elif code == "missing":
        people = {a["candidacy__person_id"] for a in rows if a["filed"] < a["due"]}
        title = _("Người được giúp đỡ còn thiếu báo cáo")
    else:
        raise KeyError(code)
    return Drill(title, "people", Person.objects.filter(pk__in=people))


# ---------------------------------------------------------------------------------------------
# Targets and their achievement
# ---------------------------------------------------------------------------------------------

#: Stages of candidacies "in hand": resolved by their cell, waiting for a decision or ceremony.
IN_HAND_STAGES = (Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED, Stage.GRASSROOTS_RESOLVED,
                  Stage.ADMISSION_DECIDED)  # fmt: skip


def _in_hand(organisation) -> QuerySet:
    return Candidacy.objects.filter(
        cell__path__startswith=organisation.path, stage__in=[s.value for s in IN_HAND_STAGES]
    )


def _own_targets(organisation, first_year, last_year) -> dict[str, Target]:
    return {
        t.organisation.path: t
        for t in Target.objects.in_subtree(organisation.path)
        .filter(first_year=first_year, last_year=last_year)
        .select_related("organisation")
    }


def _rolled(path: str, own: dict[str, Target], field: str) -> int | None:
    """The subtree's target for ``field``. The nearest registered target wins as a whole: where
    it leaves a composition target empty, its units' targets for it do not show through."""
    if field == "admissions":
        return rolled_target(path, {p: t.admissions for p, t in own.items()}, STEPLEN)
    values = {p: getattr(t, field) for p, t in own.items()}
    total = rolled_target(path, {p: v or 0 for p, v in values.items()}, STEPLEN)
    given = rolled_target(path, {p: int(v is not None) for p, v in values.items()}, STEPLEN)
    return total if given else None


def _percent_text(value) -> str:
    return formats.number_format(value, decimal_pos=max(0, -value.as_tuple().exponent))


def achievement_sentence(admitted: int, target: int | None) -> str:
    """ "Kết nạp 683 đảng viên, vượt 13,83% chỉ tiêu (600)." """
    result = achievement(admitted, target)
    if result is None:
        return _("Kết nạp %(n)s đảng viên; chưa đăng ký chỉ tiêu.") % {"n": admitted}
    values = {
        "n": admitted,
        "target": target,
        "p": _percent_text(abs(result.difference)),
        "pct": _percent_text(result.percent),
    }
    if result.above:
        return _("Kết nạp %(n)s đảng viên, vượt %(p)s%% chỉ tiêu (%(target)s).") % values
    if result.met:
        return _("Kết nạp %(n)s đảng viên, đạt 100%% chỉ tiêu (%(target)s).") % values
    return _(
        "Kết nạp %(n)s đảng viên, đạt %(pct)s%% chỉ tiêu (%(target)s), còn thiếu %(missing)s."
    ) % (values | {"missing": result.missing})


def targets(organisation, *, start, end, today, places=1, **_ignored) -> Report:
    first_year, last_year = start.year, end.year
    own = _own_targets(organisation, first_year, last_year)
    by_unit = _new_member_counts(organisation, start, end)
    counts = _sum(by_unit.values())
    period_label = (
        _("Năm %(year)s") % {"year": first_year}
        if first_year == last_year
        else _("Nhiệm kỳ %(first)s–%(last)s") % {"first": first_year, "last": last_year}
    )
    report = Report(
        kind="targets",
        title=_("Thực hiện chỉ tiêu kết nạp đảng viên — %(period)s") % {"period": period_label},
        organisation=organisation,
        start=start,
        end=end,
    )
    target = _rolled(organisation.path, own, "admissions")
    report.notes.append(achievement_sentence(counts.get("admitted", 0), target))
    if organisation.path not in own and target is not None:
        report.notes.append(
            _("Tổ chức chưa đăng ký chỉ tiêu riêng: chỉ tiêu là tổng chỉ tiêu của các đơn vị.")
        )

    def achievement_row(label, path, unit_counts, organisation_id, total=False) -> Row:
        goal = _rolled(path, own, "admissions")
        done = unit_counts.get("admitted", 0)
        result = achievement(done, goal)
        return Row(
            label,
            [
                Cell(goal),
                Cell(done, "admitted"),
                Cell(result.percent if result else None),
                Cell(result.difference if result else None),
                Cell(result.missing if result else None),
            ],
            organisation_id=organisation_id,
            total=total,
        )

    # The organisation first (``Report.figure`` finds its figures), then its units.
    rows = [
        achievement_row(organisation.name, organisation.path, counts, organisation.pk, total=True)
    ]
    rows += [
        achievement_row(u.name, u.path, by_unit.get(u.path, {}), u.pk) for u in _units(organisation)
    ]
    columns = [
        Column(_("Chỉ tiêu")),
        Column(_("Đã kết nạp")),
        Column(_("Đạt (%)"), PERCENT, 2),
        Column(_("Vượt (+) / thiếu (−) (%)"), PERCENT, 2),
        Column(_("Còn thiếu")),
    ]
    report.tables.append(
        Table(_("Chỉ tiêu kết nạp và kết quả"), columns, rows, label_header=_("Đơn vị"))
    )
    # Composition and structure targets of the organisation itself.
    detail = []
    for field, code in COMPOSITION_TARGETS.items():
        goal = _rolled(organisation.path, own, field)
        done = counts.get(code, 0)
        result = achievement(done, goal)
        detail.append(
            Row(
                _sentence(str(Target._meta.get_field(field).verbose_name)),
                [Cell(goal), Cell(done, code), Cell(result.percent if result else None)],
            )
        )
    report.tables.append(
        Table(
            _("Cơ cấu đảng viên mới so với chỉ tiêu"),
            [Column(_("Chỉ tiêu")), Column(_("Đã kết nạp")), Column(_("Đạt (%)"), PERCENT, 2)],
            detail,
            label_header=_("Nội dung"),
        )
    )
    if last_year > first_year:
        report.tables.append(_targets_by_year(organisation, start, end))
    own_target = own.get(organisation.path)
    structure_rows = []
    coverage_day = min(end, today)
    coverage = None
    for field, kind in STRUCTURE_TARGETS.items():
        goal = getattr(own_target, field) if own_target else None
        if goal is None:
            continue
        if coverage is None:
            coverage = _coverage_on(organisation, coverage_day)
        of_kind = [c for k, _u, c in coverage.values() if k == kind]
        covered = sum(1 for c in of_kind if c == Coverage.OWN_CELL)
        structure_rows.append(
            Row(
                _sentence(str(Target._meta.get_field(field).verbose_name)),
                [
                    Cell(goal),
                    Cell(share(covered, len(of_kind), places)),
                    Cell(covered, f"{kind}:own"),
                    Cell(len(of_kind), f"{kind}:total"),
                ],
            )
        )
    if structure_rows:
        report.tables.append(
            Table(
                _("Địa bàn có chi bộ riêng so với chỉ tiêu (ngày %(day)s)")
                % {"day": f"{coverage_day:%d/%m/%Y}"},
                [
                    Column(_("Chỉ tiêu (%)"), PERCENT, 2),
                    Column(_("Đạt (%)"), PERCENT, places),
                    Column(_("Có chi bộ riêng")),
                    Column(_("Tổng số")),
                ],
                structure_rows,
                label_header=_("Nội dung"),
            )
        )
    years = Period.years(first_year, last_year)
    if (start, end) != (years.start, years.end):
        report.notes.append(
            _(
                "Kỳ báo cáo (%(period)s) không trùng với các năm của chỉ tiêu: số đã kết nạp "
                "trong kỳ được so với chỉ tiêu của cả %(years)s."
            )
            % {"period": _period_text(start, end), "years": period_label.lower()}
        )
    # The projection runs to the end of the target's years, from a period that starts with them.
    if start == years.start and start <= today <= years.end and end >= today:
        in_hand = _in_hand(organisation).count()
        projection = project(counts.get("admitted", 0), in_hand, start, years.end, today)
        report.tables.append(
            Table(
                _("Dự kiến kết quả cuối kỳ (tính đến %(day)s)") % {"day": f"{today:%d/%m/%Y}"},
                [Column(_("Số người")), Column(_("So với chỉ tiêu (%)"), PERCENT, 2)],
                [
                    Row(
                        _("Đã kết nạp"),
                        [
                            Cell(projection.admitted, "admitted"),
                            Cell(_pct(projection.admitted, target)),
                        ],
                    ),
                    Row(
                        _("Hồ sơ chi bộ đã đề nghị kết nạp, đang chờ"),
                        [Cell(in_hand, "in_hand"), Cell(None)],
                    ),
                    Row(
                        _("Dự kiến nếu giữ nhịp độ hiện nay"),
                        [Cell(projection.by_pace), Cell(_pct(projection.by_pace, target))],
                    ),
                    Row(
                        _("Dự kiến nếu các hồ sơ đang chờ được kết nạp"),
                        [
                            Cell(projection.with_pipeline),
                            Cell(_pct(projection.with_pipeline, target)),
                        ],
                    ),
                ],
                label_header=_("Nội dung"),
                note=_(
                    "Nhịp độ: số đã kết nạp chia cho số ngày đã qua (%(elapsed)s/%(total)s ngày)."
                )
                % {"elapsed": projection.days_elapsed, "total": projection.days_total},
            )
        )
    unit_rows = [r for r in rows if not r.total]
    if unit_rows:
        report.charts.append(
            Chart(
                "bar",
                _("Chỉ tiêu và kết quả theo đơn vị"),
                [r.label for r in unit_rows],
                [
                    Series(_("Chỉ tiêu"), [r.cells[0].value for r in unit_rows]),
                    Series(_("Đã kết nạp"), [r.cells[1].value for r in unit_rows]),
                ],
            )
        )
    return report


def _targets_by_year(organisation, start, end) -> Table:
    """A term's years: each year's target (the yearly targets, rolled up) and admissions."""
    admitted = dict(
        _ceremonies(organisation, start, end)
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("year", "n")
    )
    yearly = defaultdict(dict)
    for target in (
        Target.objects.in_subtree(organisation.path)
        .filter(first_year__gte=start.year, last_year__lte=end.year)
        .filter(first_year=F("last_year"))
        .select_related("organisation")
    ):
        yearly[target.first_year][target.organisation.path] = target.admissions
    rows = []
    for year in range(start.year, end.year + 1):
        goal = rolled_target(organisation.path, yearly[year], STEPLEN)
        done = admitted.get(year, 0)
        rows.append(
            Row(
                _("Năm %(year)s") % {"year": year},
                [Cell(goal), Cell(done, f"year:{year}"), Cell(_pct(done, goal))],
            )
        )
    return Table(
        _("Theo từng năm (chỉ tiêu năm do các đơn vị đăng ký)"),
        [Column(_("Chỉ tiêu năm")), Column(_("Đã kết nạp")), Column(_("Đạt (%)"), PERCENT, 2)],
        rows,
        label_header=_("Năm"),
    )


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case (the rest kept: "Đoàn", "Youth Union")."""
    return text[:1].upper() + text[1:]


def _pct(achieved: int, target: int | None):
    result = achievement(achieved, target)
    return result.percent if result else None


def _targets_drill(organisation, code, *, start, end, today, **kwargs) -> Drill:
    if code == "in_hand":
        return Drill(
            _("Hồ sơ chi bộ đã đề nghị kết nạp, đang chờ"),
            "people",
            _people(_in_hand(organisation), "person_id"),
        )
    if code in composition.BY_CODE or code == "admitted":
        return _new_members_drill(organisation, code, start=start, end=end)
    if code.startswith("year:") and code[5:].isascii() and code[5:].isdigit():
        year = int(code[5:])
        if not start.year <= year <= end.year:
            raise KeyError(code)
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        if first > last:
            raise KeyError(code)
        return _new_members_drill(organisation, "admitted", start=first, end=last)
    return _structure_drill(organisation, code, on=min(end, today), start=None)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

_BUILDERS = {
    "new_members": new_members,
    "members": members,
    "activity": activity,
    "structure": structure,
    "funnel": funnel,
    "mentors": mentors,
    "targets": targets,
}
_DRILLS = {
    "new_members": _new_members_drill,
    "members": _members_drill,
    "activity": _activity_drill,
    "structure": _structure_drill,
    "funnel": _funnel_drill,
    "mentors": _mentors_drill,
    "targets": _targets_drill,
}
#: Reports of one day (``on``); the others cover a period (``start``–``end``).
SNAPSHOTS = frozenset({"members", "structure"})


def _check(kind, start, end, on):
    if kind not in _BUILDERS:
        raise KeyError(kind)
    if kind in SNAPSHOTS:
        if on is None:
            raise ValueError("Báo cáo này cần ngày lấy số liệu.")
        if start is not None and start > on:
            raise ValueError("Ngày đầu kỳ phải trước ngày lấy số liệu.")
    elif start is None or end is None or end < start:
        raise ValueError("Báo cáo này cần ngày đầu kỳ và ngày cuối kỳ (cuối kỳ sau đầu kỳ).")


def build(kind, organisation, *, start=None, end=None, on=None, today, places=1) -> Report:
    """The report ``kind`` for ``organisation``'s subtree (see the module's docstring)."""
    _check(kind, start, end, on)
    return _BUILDERS[kind](organisation, start=start, end=end, on=on, today=today, places=places)


def drill(kind, organisation, code, *, start=None, end=None, on=None, today) -> Drill:
    """What the figure ``code`` of the report ``kind`` counts; ``KeyError`` for an unknown code."""
    _check(kind, start, end, on)
    result = _DRILLS[kind](organisation, code, start=start, end=end, on=on, today=today)
    if result.kind == "people":
        result.queryset = result.queryset.order_by("sort_key", "pk")
    elif result.kind == "organisations":
        result.queryset = result.queryset.order_by("path")
    else:
        result.queryset = result.queryset.select_related("cell", "organisation").order_by(
            "organisation__path", "name"
        )
    return result


def _label_of(code: str) -> str:
    if code in composition.BY_CODE:
        return str(composition.BY_CODE[code].label)
    if code in ACTIVITY:
        return _(ACTIVITY[code][0])
    if code in MEMBER_FLOWS:
        return _(MEMBER_FLOWS[code][0])
    stage, _sep, what = code.partition(":")
    whats = {
        "entered": _("vào giai đoạn"),
        "moved_on": _("chuyển tiếp"),
        "left": _("rời danh sách"),
        "waiting": _("đang ở giai đoạn cuối kỳ"),
    }
    if stage == "exit":
        return _(STAGE_LABELS[Stage(what)])
    if what in whats:
        return f"{_(STAGE_LABELS[Stage(stage)])} — {whats[what]}"
    return {
        "admitted": _("Đảng viên mới kết nạp"),
        "members": _("Đảng viên"),
        "probationary": _("Đảng viên dự bị"),
        "due_recognition": _("Đảng viên dự bị đến hạn xét công nhận chính thức"),
    }.get(code, code)
