"""Thực hiện chỉ tiêu kết nạp đảng viên: admissions against the targets registered for a year or
a term, per unit; composition and structure targets; each year of a term; a projection to the
end of the target's years.

Targets roll up (:func:`ptdv.reports.targets.rolled_target`): a unit without its own target
counts its units' targets.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from ptdv.org.models import Coverage
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage

from .. import composition
from ..models import COMPOSITION_TARGETS, STRUCTURE_TARGETS, Target
from ..numbers import achievement, project, share, shown
from ..periods import Period
from ..tables import PERCENT, Cell, Chart, Column, Report, Row, Series, Table
from ..targets import rolled_target
from . import new_members, structure
from .common import Drill, period_text, total
from .coverage import coverage_on
from .queries import STEPLEN, ceremonies, people, subtree, units

#: Stages of candidacies "in hand": resolved by their cell, waiting for a decision or ceremony.
IN_HAND_STAGES = (Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED, Stage.GRASSROOTS_RESOLVED,
                  Stage.ADMISSION_DECIDED)  # fmt: skip


def _in_hand(organisation) -> QuerySet:
    return subtree(
        Candidacy.objects.filter(stage__in=[s.value for s in IN_HAND_STAGES]), organisation
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
    whole = rolled_target(path, {p: v or 0 for p, v in values.items()}, STEPLEN)
    given = rolled_target(path, {p: int(v is not None) for p, v in values.items()}, STEPLEN)
    return whole if given else None


def _percent_text(value) -> str:
    return shown(value, None)


def achievement_sentence(admitted: int, target: int | None) -> str:
    """ "Kết nạp 683 đảng viên, vượt 13,83% chỉ tiêu (600)." """
    result = achievement(admitted, target)
    if result is None:
        return _("Kết nạp %(n)s đảng viên; chưa đăng ký chỉ tiêu.") % {"n": shown(admitted)}
    values = {
        "n": shown(admitted),
        "target": shown(target),
        "p": _percent_text(abs(result.difference)),
        "pct": _percent_text(result.percent),
    }
    if result.above:
        return _("Kết nạp %(n)s đảng viên, vượt %(p)s%% chỉ tiêu (%(target)s).") % values
    if result.met:
        return _("Kết nạp %(n)s đảng viên, đạt 100%% chỉ tiêu (%(target)s).") % values
    return _(
        "Kết nạp %(n)s đảng viên, đạt %(pct)s%% chỉ tiêu (%(target)s), còn thiếu %(missing)s."
    ) % (values | {"missing": shown(result.missing)})


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case (the rest kept: "Đoàn", "Youth Union")."""
    return text[:1].upper() + text[1:]


def _pct(achieved: int, target: int | None):
    result = achievement(achieved, target)
    return result.percent if result else None


def build(organisation, *, start, end, today, places=1, **_ignored) -> Report:
    first_year, last_year = start.year, end.year
    own = _own_targets(organisation, first_year, last_year)
    by_unit = new_members.counts(organisation, start, end)
    counts = total(by_unit.values())
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
    achievements = _achievement_table(organisation, own, by_unit, counts)
    report.tables.append(achievements)
    report.tables.append(_composition_table(organisation, own, counts))
    status = new_members.status_note(counts)
    if status:
        report.notes.append(status)
    if last_year > first_year:
        report.tables.append(_by_year_table(organisation, start, end))
    structure_table = _structure_table(organisation, own, min(end, today), places)
    if structure_table is not None:
        report.tables.append(structure_table)
    years = Period.years(first_year, last_year)
    if (start, end) != (years.start, years.end):
        report.notes.append(
            _(
                "Kỳ báo cáo (%(period)s) không trùng với các năm của chỉ tiêu: số đã kết nạp "
                "trong kỳ được so với chỉ tiêu của cả %(years)s."
            )
            % {"period": period_text(start, end), "years": period_label.lower()}
        )
    # The projection runs to the end of the target's years, from a period that starts with them.
    if start == years.start and start <= today <= years.end and end >= today:
        report.tables.append(
            _projection_table(organisation, counts, target, start, years.end, today)
        )
    unit_rows = [r for r in achievements.rows if not r.total]
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


def _achievement_table(organisation, own, by_unit, counts) -> Table:
    """The admissions against the target: the organisation first (``Report.figure`` finds its
    figures), then its units."""

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

    rows = [
        achievement_row(organisation.name, organisation.path, counts, organisation.pk, total=True)
    ]
    rows += [
        achievement_row(u.name, u.path, by_unit.get(u.path, {}), u.pk) for u in units(organisation)
    ]
    columns = [
        Column(_("Chỉ tiêu")),
        Column(_("Đã kết nạp")),
        Column(_("Đạt (%)"), PERCENT, 2),
        Column(_("Vượt (+) / thiếu (−) (%)"), PERCENT, 2),
        Column(_("Còn thiếu")),
    ]
    return Table(_("Chỉ tiêu kết nạp và kết quả"), columns, rows, label_header=_("Đơn vị"))


def _composition_table(organisation, own, counts) -> Table:
    """Composition targets of the organisation itself."""
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
    return Table(
        _("Cơ cấu đảng viên mới so với chỉ tiêu"),
        [Column(_("Chỉ tiêu")), Column(_("Đã kết nạp")), Column(_("Đạt (%)"), PERCENT, 2)],
        detail,
        label_header=_("Nội dung"),
    )


def _structure_table(organisation, own, coverage_day: date, places: int) -> Table | None:
    """Structure targets of the organisation itself (``None`` when it registered none)."""
    own_target = own.get(organisation.path)
    rows = []
    coverage = None
    for field, kind in STRUCTURE_TARGETS.items():
        goal = getattr(own_target, field) if own_target else None
        if goal is None:
            continue
        if coverage is None:
            coverage = coverage_on(organisation, coverage_day)
        of_kind = [c for k, _u, c in coverage.values() if k == kind]
        covered = sum(1 for c in of_kind if c == Coverage.OWN_CELL)
        rows.append(
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
    if not rows:
        return None
    return Table(
        _("Địa bàn có chi bộ riêng so với chỉ tiêu (ngày %(day)s)")
        % {"day": f"{coverage_day:%d/%m/%Y}"},
        [
            Column(_("Chỉ tiêu (%)"), PERCENT, 2),
            Column(_("Đạt (%)"), PERCENT, places),
            Column(_("Có chi bộ riêng")),
            Column(_("Tổng số")),
        ],
        rows,
        label_header=_("Nội dung"),
    )


def _projection_table(organisation, counts, target, start, last, today) -> Table:
    """What the admissions would be at ``last`` at the pace so far, and with the candidacies in
    hand."""
    in_hand = _in_hand(organisation).count()
    projection = project(counts.get("admitted", 0), in_hand, start, last, today)
    return Table(
        _("Dự kiến kết quả cuối kỳ (tính đến %(day)s)") % {"day": f"{today:%d/%m/%Y}"},
        [Column(_("Số người")), Column(_("So với chỉ tiêu (%)"), PERCENT, 2)],
        [
            Row(
                _("Đã kết nạp"),
                [Cell(projection.admitted, "admitted"), Cell(_pct(projection.admitted, target))],
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
                [Cell(projection.with_pipeline), Cell(_pct(projection.with_pipeline, target))],
            ),
        ],
        label_header=_("Nội dung"),
        note=_("Nhịp độ: số đã kết nạp chia cho số ngày đã qua (%(elapsed)s/%(total)s ngày).")
        % {"elapsed": shown(projection.days_elapsed), "total": shown(projection.days_total)},
    )


def _by_year_table(organisation, start, end) -> Table:
    """A term's years: each year's target (the yearly targets, rolled up) and admissions."""
    admitted = dict(
        ceremonies(organisation, start, end)
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


def drill(organisation, code, *, start, end, today, **kwargs) -> Drill:
    if code == "in_hand":
        return Drill(
            _("Hồ sơ chi bộ đã đề nghị kết nạp, đang chờ"),
            "people",
            people(_in_hand(organisation), "person_id"),
        )
    if code in composition.BY_CODE or code == "admitted":
        return new_members.drill(organisation, code, start=start, end=end)
    if code.startswith("year:") and code[5:].isascii() and code[5:].isdigit():
        year = int(code[5:])
        if not start.year <= year <= end.year:
            raise KeyError(code)
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        if first > last:
            raise KeyError(code)
        return new_members.drill(organisation, "admitted", start=first, end=last)
    return structure.drill(organisation, code, on=min(end, today), start=None)
