"""Kết quả công tác phát triển đảng viên: the steps of a period and the members' changes.

A step counts in the period containing its date, at the cell the candidacy belonged to on that
day (``Event.cell``); only effective events count: a voided step does not, its correction does —
so correcting a date moves a person from one period to another. Members' changes are read from
their spells at the cell they concern (:data:`~.codes.MEMBER_FLOWS`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from ptdv.members.models import MemberSpell
from ptdv.rules.months import add_months

from ..tables import Cell, Chart, Column, Report, Row, Series, Table
from .codes import ACTIVITY, ACTIVITY_UNIT_COLUMNS, MEMBER_FLOWS, label_of
from .common import Drill, total, unit_table, units_chart
from .queries import count_by_unit, effective_events, people, subtree

#: Probation lasts 12 months (Điều lệ Đảng, Điều 5): members admitted 12 months before a period
#: fall due for recognition in it.
PROBATION_MONTHS = 12


def flow_condition(code: str, start: date, end: date) -> Q:
    _label, side, reasons, _level = MEMBER_FLOWS[code]
    return Q(
        **{
            f"{side}__gte": start,
            f"{side}__lte": end,
            f"{side}_reason__in": reasons,
        }
    )


def member_flow_counts(organisation, start, end) -> dict[str, dict[str, int]]:
    """The members' changes of the period per unit: one grouped query for the spells starting
    in the period, one for those ending in it (each a range on its own index)."""
    by_unit: dict[str, dict[str, int]] = {}
    for side in ("start", "end"):
        codes = [code for code, (_l, s, _r, _v) in MEMBER_FLOWS.items() if s == side]
        spells = subtree(
            MemberSpell.objects.filter(**{f"{side}__gte": start, f"{side}__lte": end}),
            organisation,
        )
        aggregates = {code: Count("id", filter=flow_condition(code, start, end)) for code in codes}
        for unit, row in count_by_unit(spells, organisation, "cell", aggregates).items():
            by_unit.setdefault(unit, {}).update(row)
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


def events(organisation, code, start, end) -> QuerySet:
    """The effective events the activity figure ``code`` counts."""
    if code == "due_recognition":
        start, end = ceremonies_due_between(start, end)
        code = "admitted"
    _label, steps, extra = ACTIVITY[code]
    return effective_events(organisation, start, end, extra, step__in=steps)


def counts(organisation, start, end) -> dict[str, dict[str, int]]:
    """Per unit: every activity figure, the members due for recognition and the members'
    changes."""
    aggregates = {
        code: Count("id", filter=Q(extra, step__in=steps))
        for code, (_l, steps, extra) in ACTIVITY.items()
    }
    steps = sorted({s for _l, ss, _e in ACTIVITY.values() for s in ss})
    by_unit = count_by_unit(
        effective_events(organisation, start, end, step__in=steps), organisation, "cell", aggregates
    )
    due = count_by_unit(
        events(organisation, "due_recognition", start, end),
        organisation,
        "cell",
        {"n": Count("id")},
    )
    for unit, row in due.items():
        by_unit.setdefault(unit, {})["due_recognition"] = row["n"]
    for unit, flows in member_flow_counts(organisation, start, end).items():
        by_unit.setdefault(unit, {}).update(flows)
    return by_unit


def build(organisation, *, start, end, **_ignored) -> Report:
    by_unit = counts(organisation, start, end)
    whole = total(by_unit.values())
    report = Report(
        kind="activity",
        title=_("Kết quả công tác phát triển đảng viên"),
        organisation=organisation,
        start=start,
        end=end,
    )
    rows = [
        Row(_(label), [Cell(whole.get(code, 0), code)])
        for code, (label, _s, _e) in ACTIVITY.items()
    ]
    rows.append(
        Row(
            _("Đảng viên dự bị đến hạn xét công nhận chính thức"),
            [Cell(whole.get("due_recognition", 0), "due_recognition")],
        )
    )
    report.tables.append(
        Table(_("Hoạt động trong kỳ"), [Column(_("Số người"))], rows, label_header=_("Nội dung"))
    )
    report.tables.append(_flows_table(whole))
    unit_labels = {
        "due_recognition": _("Đến hạn xét chính thức"),
        "members_left": _("Ra khỏi Đảng, từ trần"),
    }
    columns = [
        (c, _(ACTIVITY[c][0]) if c in ACTIVITY else unit_labels[c]) for c in ACTIVITY_UNIT_COLUMNS
    ]
    units = unit_table(organisation, by_unit, columns)
    if units:
        report.tables.append(units)
        report.charts.append(
            units_chart(
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


def _flows_table(whole: dict[str, int]) -> Table:
    return Table(
        _("Biến động đảng viên trong kỳ"),
        [Column(_("Số lượt"))],
        [
            Row(_(label), [Cell(whole.get(code, 0), code)], level=level)
            for code, (label, _side, _reasons, level) in MEMBER_FLOWS.items()
        ],
        label_header=_("Nội dung"),
        note=_(
            "Tính ở chi bộ đảng viên chuyển đến hoặc rời đi: chuyển sinh hoạt giữa hai chi "
            "bộ trong cùng đơn vị được tính một lượt đi và một lượt đến."
        ),
    )


def drill(organisation, code, *, start, end, **_ignored) -> Drill:
    if code in MEMBER_FLOWS:
        spells = subtree(MemberSpell.objects.filter(flow_condition(code, start, end)), organisation)
        return Drill(label_of(code), "people", people(spells, "person_id"))
    if code not in ACTIVITY and code != "due_recognition":
        raise KeyError(code)
    found = events(organisation, code, start, end)
    return Drill(label_of(code), "people", people(found, "candidacy__person_id"))
