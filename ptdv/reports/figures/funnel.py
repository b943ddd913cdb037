"""Tiến trình phát triển đảng viên: who entered, passed and left each stage in a period, who was
waiting at its end, and how long the stays lasted.

The stays are read from ``StageStay`` (:mod:`ptdv.reports.stays`: each candidacy's stays, kept
with its events), in a fixed number of queries whatever the subtree: the counts by stage and
outcome (one grouped query), the ranks of the lengths the median and the 90th percentile need
(one query ranking the lengths per stage), and the waits by unit (one query ranking them per
unit). A stay counts at the unit of the step that entered it (its ``cell``); only the stays
entered by the period's end count, and a stay left after the end is still running at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import CLOSED_STAGES, EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS

from ..funnel import MOVED
from ..models import StageStay
from ..numbers import percentile_of_ranks, percentile_ranks, rounded
from ..tables import DAYS, Cell, Chart, Column, Report, Row, Series, Table
from .codes import label_of
from .common import Drill
from .queries import people, subtree, unit_annotation, units

FUNNEL_STAGES = PROGRESS_STAGES
_CLOSED = [s.value for s in CLOSED_STAGES]


def _whole_days(value: float | None) -> int | None:
    """Days rounded half up (12.5 → 13), as the other figures are."""
    return None if value is None else int(rounded(Decimal(str(value)), 0))


@dataclass
class Tally:
    """The stays of a period, counted by stage (``exits`` by outcome, ``waits`` by unit: the
    number waiting, the median and the longest wait in days)."""

    entered: dict = field(default_factory=lambda: defaultdict(int))
    moved: dict = field(default_factory=lambda: defaultdict(int))
    left: dict = field(default_factory=lambda: defaultdict(int))
    waiting: dict = field(default_factory=lambda: defaultdict(int))
    exits: dict = field(default_factory=lambda: defaultdict(int))
    median: dict = field(default_factory=dict)
    p90: dict = field(default_factory=dict)
    waits: dict[str, tuple[int, float | None, int]] = field(default_factory=dict)


def stays(organisation, end: date):
    """The stays of the subtree (at the cell of the step that entered them) entered by ``end``."""
    return subtree(StageStay.objects.filter(entered__lte=end), organisation)


def _left_in(start: date, end: date) -> Q:
    return Q(left__gte=start, left__lte=end)


def _waiting(end: date) -> Q:
    """In an open stage at the end of ``end`` (the stays are entered by then)."""
    return ~Q(stage__in=_CLOSED) & (Q(left__isnull=True) | Q(left__gt=end))


def tally(organisation, start: date, end: date) -> Tally:
    t = Tally()
    found = stays(organisation, end)
    left_in = _left_in(start, end)
    rows = (
        found.values("stage", "outcome")
        .annotate(
            entered_in=Count("pk", filter=Q(entered__gte=start)),
            left_in=Count("pk", filter=left_in),
            waiting=Count("pk", filter=_waiting(end)),
        )
        .order_by()
    )
    lengths: dict[str, int] = defaultdict(int)
    for r in rows:
        stage, outcome = r["stage"], r["outcome"]
        t.entered[stage] += r["entered_in"]
        t.waiting[stage] += r["waiting"]
        lengths[stage] += r["left_in"]
        if outcome == MOVED:
            t.moved[stage] += r["left_in"]
        elif outcome:
            t.left[stage] += r["left_in"]
            t.exits[outcome] += r["left_in"]
    _lengths(found.filter(left_in), lengths, t)
    _waits(organisation, found.filter(_waiting(end)), end, t)
    return t


def _lengths(left: object, counts: dict[str, int], t: Tally) -> None:
    """The median and 90th percentile of the lengths of the stays left in the period, per
    stage: the lengths at the ranks they need, read from one query ranking them."""
    wanted: dict[str, set[int]] = {}
    for stage, n in counts.items():
        if n:
            wanted[stage] = percentile_ranks(n, 0.5) | percentile_ranks(n, 0.9)
    if not wanted:
        return
    condition = Q()
    for stage, ranks in wanted.items():
        condition |= Q(stage=stage, rank__in=sorted(r + 1 for r in ranks))
    ranked = (
        left.annotate(
            rank=Window(RowNumber(), partition_by=[F("stage")], order_by=[F("days").asc()])
        )
        .filter(condition)
        .values_list("stage", "rank", "days")
    )
    by_stage: dict[str, dict[int, int]] = defaultdict(dict)
    for stage, rank, days in ranked:
        by_stage[stage][rank - 1] = days
    for stage, n in counts.items():
        if n:
            t.median[stage] = percentile_of_ranks(by_stage[stage], n, 0.5)
            t.p90[stage] = percentile_of_ranks(by_stage[stage], n, 0.9)


def _waits(organisation, waiting: object, end: date, t: Tally) -> None:
    """Per unit: the open stays at the end, their median wait and the longest (the waits in
    ascending order are the entry days in descending order)."""
    unit = unit_annotation(organisation, "cell")
    ranked = (
        waiting.annotate(
            unit=unit,
            rank=Window(RowNumber(), partition_by=[unit], order_by=[F("entered").desc(), F("pk")]),
            n=Window(Count("pk"), partition_by=[unit]),
            first=Window(Min("entered"), partition_by=[unit]),
        )
        .filter(Q(rank=(F("n") - 1) / 2 + 1) | Q(rank=(F("n") - 1) / 2 + 2))
        .values_list("unit", "rank", "n", "entered", "first")
    )
    days: dict[str, dict[int, int]] = defaultdict(dict)
    sizes: dict[str, tuple[int, int]] = {}
    for path, rank, n, entered, first in ranked:
        days[path][rank - 1] = (end - entered).days
        sizes[path] = (n, (end - first).days)
    for path, (n, longest) in sizes.items():
        t.waits[path] = (n, percentile_of_ranks(days[path], n, 0.5), longest)


def build(organisation, *, start, end, today=None, **_ignored) -> Report:
    t = tally(organisation, start, end)
    report = Report(
        kind="funnel",
        title=_("Tiến trình phát triển đảng viên"),
        organisation=organisation,
        start=start,
        end=end,
    )
    report.tables.append(_stages_table(t))
    report.tables.append(
        Table(
            _("Rời danh sách theo lý do"),
            [Column(_("Số người"))],
            [
                Row(_(STAGE_LABELS[s]), [Cell(t.exits[s.value], f"exit:{s.value}")])
                for s in EXIT_STAGES
            ],
            label_header=_("Lý do"),
        )
    )
    report.tables.append(_waiting_table(organisation, t))
    report.charts.append(
        Chart(
            "funnel",
            _("Số người vào từng giai đoạn trong kỳ"),
            [_(STAGE_LABELS[s]) for s in FUNNEL_STAGES],
            [Series(_("Vào giai đoạn"), [t.entered[s] for s in FUNNEL_STAGES])],
        )
    )
    return report


def _stages_table(t: Tally) -> Table:
    rows = []
    for stage in FUNNEL_STAGES:
        median, p90 = t.median.get(stage.value), t.p90.get(stage.value)
        rows.append(
            Row(
                _(STAGE_LABELS[stage]),
                [
                    Cell(t.entered[stage], f"{stage.value}:entered"),
                    Cell(t.moved[stage], f"{stage.value}:moved_on"),
                    Cell(t.left[stage], f"{stage.value}:left"),
                    Cell(t.waiting[stage], f"{stage.value}:waiting"),
                    Cell(_whole_days(median)),
                    Cell(_whole_days(p90)),
                ],
            )
        )
    return Table(
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


def _waiting_table(organisation, t: Tally) -> Table:
    """The ten units with the longest waits at the end of the period."""
    by_path = {u.path: u for u in units(organisation)}
    waiting_rows = [
        (median, count, path, by_path.get(path)) for path, (count, median, _l) in t.waits.items()
    ]
    waiting_rows.sort(key=lambda r: (-(r[0] or 0), -r[1], r[2]))
    return Table(
        _("Đơn vị có người chờ lâu nhất"),
        [
            Column(_("Số người đang chờ")),
            Column(_("Trung vị số ngày chờ"), DAYS),
            Column(_("Lâu nhất (ngày)"), DAYS),
        ],
        [
            Row(
                unit.name if unit else organisation.name,
                [Cell(count, "waiting"), Cell(_whole_days(median)), Cell(t.waits[path][2])],
                organisation_id=(unit or organisation).pk,
            )
            for median, count, path, unit in waiting_rows[:10]
        ],
        label_header=_("Đơn vị"),
        note=_("Hồ sơ còn mở ở cuối kỳ, số ngày kể từ khi vào giai đoạn hiện tại."),
    )


def matching(organisation, code: str, start: date, end: date):
    """The stays a figure of the report counts; ``KeyError`` for an unknown code."""
    found = stays(organisation, end)
    if code == "waiting":
        return found.filter(_waiting(end))
    stage, _sep, what = code.partition(":")
    if stage == "exit" and what in {s.value for s in EXIT_STAGES}:
        return found.filter(_left_in(start, end), outcome=what)
    if stage not in {s.value for s in FUNNEL_STAGES}:
        raise KeyError(code)
    found = found.filter(stage=stage)
    if what == "entered":
        return found.filter(entered__gte=start)
    if what == "moved_on":
        return found.filter(_left_in(start, end), outcome=MOVED)
    if what == "left":
        return found.filter(_left_in(start, end)).exclude(outcome__in=("", MOVED))
    if what == "waiting":
        return found.filter(_waiting(end))
    raise KeyError(code)


def drill(organisation, code, *, start, end, **_ignored) -> Drill:
    counted = matching(organisation, code, start, end)
    title = _("Đang chờ ở cuối kỳ") if code == "waiting" else label_of(code)
    candidacies = Candidacy.objects.filter(pk__in=counted.values("candidacy_id"))
    return Drill(title, "people", people(candidacies, "person_id"))
