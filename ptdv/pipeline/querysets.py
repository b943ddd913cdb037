"""The mentoring's querysets: which assignments run, and which months their reports cover.

A mentor reports monthly, quarterly or yearly; a report covers every month of its period (the
month, the quarter or the year, stored by its first day: ``ReportPeriod.start_of``). A month is
due while the assignment runs and the person is being helped. The mentor page (flags this
month's missing reports) and the mentors' report (counts the months due and covered over a
period) ask the same questions here.

The to-do page does not run :meth:`MentorAssignmentQuerySet.missing_reports` to count: it reads
the summaries kept with the events (``tallies``: current assignments by start, and the months
their reports cover), which follow these definitions — ``tests/pipeline/test_tallies.py`` checks
that both give the same count.

The models are imported inside the methods: ``models.py`` attaches these querysets.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any, Self

from django.db.models import Exists, OuterRef, Q, Subquery

from ptdv.org.scope import ScopedQuerySet
from ptdv.rules.stages import CLOSED_STAGES, Stage

if TYPE_CHECKING:  # the models attach these querysets: imported inside the methods at run time
    from . import models  # noqa: F401 (named in the querysets' type arguments)

#: Stages in which a mentor no longer helps: the candidacy is closed or recognised official.
NOT_MENTORED = sorted(s.value for s in (*CLOSED_STAGES, Stage.OFFICIAL))


def covering_periods(day: date) -> dict[str, date]:
    """The first day of the month, quarter and year containing ``day`` (as reports store them):
    the reports of these periods cover ``day``."""
    return dict(_covering(day))


@functools.lru_cache(maxsize=4096)
def _covering(day: date) -> tuple[tuple[str, date], ...]:
    """:func:`covering_periods` as pairs, kept: the mentors' report asks it for every month of
    every assignment (tens of thousands of calls for a few dozen months)."""
    from .models import ReportPeriod

    return tuple((period, period.start_of(day)) for period in ReportPeriod)


def covering_q(day: date, prefix: str = "") -> Q:
    """Reports whose period (month, quarter or year) contains ``day``."""
    q = Q()
    for period, start in covering_periods(day).items():
        q |= Q(**{f"{prefix}period": period, f"{prefix}period_start": start})
    return q


def is_covered(month: date, filed: set[tuple[str, date]]) -> bool:
    """Whether one of the reports ``filed`` ((period, first day) pairs) covers ``month``."""
    return any(pair in filed for pair in _covering(month))


def _month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s (inclusive)."""
    lo, hi = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(lo, hi + 1)]


class MentorReportQuerySet(ScopedQuerySet["models.MentorReport"]):
    def covering(self, day: date) -> Self:
        """Reports whose period (month, quarter or year) contains ``day``."""
        return self.filter(covering_q(day))


class MentorAssignmentQuerySet(ScopedQuerySet["models.MentorAssignment"]):
    def current(self, today: date) -> Self:
        """Assignments still running on ``today`` whose candidacy is still being helped."""
        return self.filter(end__isnull=True, start__lte=today).exclude(
            candidacy__stage__in=NOT_MENTORED
        )

    def missing_reports(self, today: date) -> Self:
        """Current assignments with no report covering this month (monthly, quarterly or
        yearly)."""
        from .models import MentorReport

        return self.current(today).exclude(
            Exists(MentorReport.objects.covering(today).filter(assignment=OuterRef("pk")))
        )

    def with_report_status(self, today: date) -> Self:
        """Annotate ``reported`` (this month is covered) and the last report's period and
        start."""
        from .models import MentorReport

        reports = MentorReport.objects.filter(assignment=OuterRef("pk"))
        latest = reports.order_by("-period_start", "-pk")
        return self.annotate(
            reported=Exists(reports.covering(today)),
            last_period=Subquery(latest.values("period")[:1]),
            last_period_start=Subquery(latest.values("period_start")[:1]),
        )

    def running_between(self, start: date, end: date) -> Self:
        """Assignments running at some point from ``start`` to ``end``."""
        return self.filter(start__lte=end).exclude(end__lt=start)

    def months_reported(self, start: date, end: date, today: date) -> list[dict[str, Any]]:
        """Per assignment running in the period: mentor, months due and months covered by a
        monthly, quarterly or yearly report. A month is due while the assignment runs and the
        person is being helped: up to today, the assignment's end, the candidacy's end (an exit,
        the party card) and the day the person became an official member, whichever comes first
        (as the mentor page asks)."""
        from .models import MentorReport

        last = min(end, today)
        running = self.running_between(start, end)
        assignments: list[dict[str, Any]] = [
            dict(row)
            for row in running.values(
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
        ]
        reports: defaultdict[int, set[tuple[str, date]]] = defaultdict(set)
        for assignment_id, period, period_start in MentorReport.objects.filter(
            assignment__in=running,
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
            a["filed"] = sum(1 for m in months if is_covered(m, filed))
        return assignments
