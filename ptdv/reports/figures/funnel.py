"""Tiến trình phát triển đảng viên: who entered, passed and left each stage in a period, who was
waiting at its end, and how long the stays lasted.

A stay in a stage counts at the unit of the step that entered it (:func:`.queries.stays`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS, Stage

from ..funnel import MOVED, Stay
from ..numbers import percentile, rounded
from ..tables import DAYS, Cell, Chart, Column, Report, Row, Series, Table
from .codes import label_of
from .common import Drill
from .queries import people, stays, units

FUNNEL_STAGES = PROGRESS_STAGES


def _whole_days(value: float | None) -> int | None:
    """Days rounded half up (12.5 → 13), as the other figures are."""
    return None if value is None else int(rounded(Decimal(str(value)), 0))


@dataclass
class Tally:
    """The stays of a period, counted by stage (``exits`` by outcome, ``waits`` by unit)."""

    entered: dict = field(default_factory=lambda: defaultdict(int))
    moved: dict = field(default_factory=lambda: defaultdict(int))
    left: dict = field(default_factory=lambda: defaultdict(int))
    waiting: dict = field(default_factory=lambda: defaultdict(int))
    exits: dict = field(default_factory=lambda: defaultdict(int))
    lengths: dict[Stage, list[int]] = field(default_factory=lambda: defaultdict(list))
    waits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def tally(found: list[Stay], start: date, end: date) -> Tally:
    t = Tally()
    for stay in found:
        if start <= stay.entered <= end:
            t.entered[stay.stage] += 1
        if stay.left is not None and start <= stay.left <= end:
            t.lengths[stay.stage].append((stay.left - stay.entered).days)
            if stay.outcome == MOVED:
                t.moved[stay.stage] += 1
            else:
                t.left[stay.stage] += 1
                t.exits[stay.outcome] += 1
        if stay.waiting_on(end):
            t.waiting[stay.stage] += 1
            t.waits[stay.unit].append((end - stay.entered).days)
    return t


def build(organisation, *, start, end, today=None, **_ignored) -> Report:
    t = tally(stays(organisation, end), start, end)
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
        median = percentile(t.lengths[stage], 0.5)
        p90 = percentile(t.lengths[stage], 0.9)
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
    waiting_rows = []
    for unit_path, days in t.waits.items():
        unit = by_path.get(unit_path)
        waiting_rows.append((percentile(days, 0.5), len(days), unit_path, unit))
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
                [Cell(count, "waiting"), Cell(_whole_days(median)), Cell(max(t.waits[path]))],
                organisation_id=(unit or organisation).pk,
            )
            for median, count, path, unit in waiting_rows[:10]
        ],
        label_header=_("Đơn vị"),
        note=_("Hồ sơ còn mở ở cuối kỳ, số ngày kể từ khi vào giai đoạn hiện tại."),
    )


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


def drill(organisation, code, *, start, end, **_ignored) -> Drill:
    stage, _sep, what = code.partition(":")
    valid_stage = stage in {s.value for s in FUNNEL_STAGES} and what in (
        "entered",
        "moved_on",
        "left",
        "waiting",
    )
    valid_exit = stage == "exit" and what in {s.value for s in EXIT_STAGES}
    if code == "waiting":
        ids = [s.candidacy_id for s in stays(organisation, end) if s.waiting_on(end)]
        return Drill(
            _("Đang chờ ở cuối kỳ"),
            "people",
            people(Candidacy.objects.filter(pk__in=ids), "person_id"),
        )
    if not (valid_stage or valid_exit):
        raise KeyError(code)
    ids = [s.candidacy_id for s in stays(organisation, end) if _stay_matches(s, code, start, end)]
    return Drill(
        label_of(code), "people", people(Candidacy.objects.filter(pk__in=ids), "person_id")
    )
