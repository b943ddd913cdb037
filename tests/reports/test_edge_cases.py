"""Edge cases found in review: odd drill codes, mentoring that ended with the candidacy, cells
that no longer exist, the places' history in date order, composition targets rolled up."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from ptdv.org.models import Place
from ptdv.pipeline import services
from ptdv.reports import figures
from ptdv.reports.models import Target
from ptdv.rules.stages import Step
from tests.base import SYMPATHISER_ON, WorldTestCase

TODAY = date(2025, 9, 1)


class DrillCodeTests(WorldTestCase):
    def test_odd_codes_are_unknown_not_errors(self):
        period = {"start": date(2025, 1, 1), "end": date(2025, 12, 31), "today": TODAY}
        for kind, code in [
            ("targets", "year:0"),
            ("targets", "year:99999"),
            ("targets", "year:²"),
            ("targets", "year:2024"),  # outside the period
            ("mentors", "mentor:²"),
            ("funnel", "source:sideways"),
            ("new_members", "nobody"),
        ]:
            with self.subTest(kind=kind, code=code), self.assertRaises(KeyError):
                figures.drill(kind, self.o.P, code, **period)


class MentoringEndsWithTheCandidacyTests(WorldTestCase):
    def test_no_report_is_due_after_the_candidate_left(self):
        candidacy = self.candidacy("Lò Văn Rút", self.o.A2)
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, actor=self.u.admin)
        assignment = services.assign_mentor(candidacy, self.p.member_A2, SYMPATHISER_ON)
        services.file_mentor_report(
            assignment, "month", SYMPATHISER_ON, "Tích cực.", "good", filed_on=date(2024, 10, 30)
        )
        services.record_step(
            candidacy, Step.WITHDRAWN, date(2024, 12, 1), actor=self.u.admin,
            reason="Xin rút", enforce_rules=False,
        )  # fmt: skip
        report = figures.build(
            "mentors", self.o.A2, start=date(2024, 10, 1), end=date(2025, 6, 30), today=TODAY
        )
        row = next(r for r in report.tables[0].rows if r.label == self.p.member_A2.full_name)
        # October, November and December 2024 (the month it ended), not the months after.
        self.assertEqual([c.value for c in row.cells], [1, 3, 1, 2])


class CoverageTests(WorldTestCase):
    def test_a_dissolved_cell_covers_nothing(self):
        today = timezone.localdate()
        report = figures.build("structure", self.o.B, on=today, today=today)
        self.assertEqual(report.figure("village:own"), 1)
        self.o.B1.dissolved_on = today
        self.o.B1.save()
        report = figures.build("structure", self.o.B, on=today, today=today)
        self.assertEqual(report.figure("village:own"), 0)
        self.assertEqual(report.figure("village:none"), 1)

    def test_the_history_is_appended_in_date_order(self):
        place = Place.objects.get(name="Thôn Đông")
        place.cell = self.o.A2
        with self.assertRaises(ValueError):
            place.save(since=timezone.localdate() - timedelta(days=1))
        place.refresh_from_db()
        self.assertEqual(place.cell, self.o.A1)  # nothing written


class CompositionTargetTests(WorldTestCase):
    def test_the_nearest_target_wins_as_a_whole(self):
        Target.objects.create(organisation=self.o.A, first_year=2025, last_year=2025,
                              admissions=10)  # fmt: skip
        Target.objects.create(organisation=self.o.A1, first_year=2025, last_year=2025,
                              admissions=4, women=2)  # fmt: skip
        report = figures.build(
            "targets", self.o.A, start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY
        )
        women = report.tables[1].rows[0]
        self.assertEqual(women.cells[0].value, None)  # A set none: A1's 2 is A's detail
        report = figures.build(
            "targets", self.o.A1, start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY
        )
        self.assertEqual(report.tables[1].rows[0].cells[0].value, 2)
