"""Reports of periods that have ended are computed once and stored; a write touching the period
makes the next request compute them again, with the right figures."""

from __future__ import annotations

from datetime import date
from unittest import mock

from ptdv.members.records import correct_person
from ptdv.org.models import Organisation
from ptdv.pipeline import services
from ptdv.pipeline.models import Event
from ptdv.reports import figures, stored
from ptdv.reports.models import StoredReport
from ptdv.rules.stages import Stage, Step
from tests.base import CEREMONY_ON, WorldTestCase, advance, introducers_for, new_candidacy

TODAY = date(2026, 12, 6)
YEAR_2025 = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


def computed(kind, organisation, **dates):
    return figures.build(kind, organisation, today=TODAY, **dates)


def served(kind, organisation, **dates):
    return stored.build(kind, organisation, today=TODAY, **dates)


def not_computed():
    """``figures.build`` refusing to run: what is returned comes from the store."""
    return mock.patch.object(figures, "build", side_effect=AssertionError("computed again"))


class StoredReportTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for name, until, attribute in (
            ("Nguyễn Văn An", Stage.PROBATIONARY, "member"),
            ("Trần Thị Bình", Stage.ADMISSION_DECIDED, "other"),
        ):
            candidacy = new_candidacy(cls.world, name, cls.world.org.A1)
            advance(candidacy, until, introducers_for(cls.world, candidacy.cell))
            setattr(cls, attribute, candidacy)

    def test_a_closed_period_is_stored_once_and_served(self):
        first = served("new_members", self.o.P, **YEAR_2025)
        self.assertEqual(first.figure("admitted"), 1)
        self.assertEqual(StoredReport.objects.count(), 1)
        with not_computed():
            again = served("new_members", self.o.P, **YEAR_2025)
        self.assertEqual(stored.dump(again), stored.dump(first))
        self.assertEqual(again.start, YEAR_2025["start"])
        # Another unit, other decimals, a snapshot: stored on their own.
        served("new_members", self.o.A, **YEAR_2025)
        served("new_members", self.o.P, places=2, **YEAR_2025)
        served("members", self.o.P, on=date(2025, 12, 31))
        self.assertEqual(StoredReport.objects.count(), 4)

    def test_every_report_is_served_as_computed(self):
        for kind in figures.REPORTS:
            with self.subTest(kind=kind):
                dates = (
                    {"on": date(2025, 12, 31), "start": date(2025, 1, 1)}
                    if kind in figures.SNAPSHOTS
                    else YEAR_2025
                )
                if kind == "members":
                    dates = {"on": date(2025, 12, 31)}
                expected = stored.dump(computed(kind, self.o.P, **dates))
                self.assertEqual(stored.dump(served(kind, self.o.P, **dates)), expected)
                with not_computed():
                    self.assertEqual(stored.dump(served(kind, self.o.P, **dates)), expected)

    def test_an_open_period_is_always_computed(self):
        running = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}
        served("activity", self.o.P, **running)
        self.assertFalse(StoredReport.objects.exists())

    def test_a_correction_inside_the_period_computes_it_again(self):
        self.assertEqual(served("new_members", self.o.P, **YEAR_2025).figure("admitted"), 1)
        self.assertEqual(served("funnel", self.o.P, **YEAR_2025).figure("probationary:entered"), 1)
        ceremony = Event.objects.get(candidacy=self.member, step=Step.CEREMONY)
        services.correct_event(ceremony, "Ghi nhầm ngày kết nạp")
        for kind in ("new_members", "funnel"):
            with self.subTest(kind=kind):
                again = served(kind, self.o.P, **YEAR_2025)
                self.assertEqual(
                    stored.dump(again), stored.dump(computed(kind, self.o.P, **YEAR_2025))
                )
        self.assertEqual(served("new_members", self.o.P, **YEAR_2025).figure("admitted"), 0)
        self.assertEqual(served("funnel", self.o.P, **YEAR_2025).figure("probationary:entered"), 0)
        with not_computed():  # stored again
            self.assertEqual(served("new_members", self.o.P, **YEAR_2025).figure("admitted"), 0)

    def test_an_event_recorded_late_inside_the_period_computes_it_again(self):
        self.assertEqual(served("new_members", self.o.P, **YEAR_2025).figure("admitted"), 1)
        services.record_step(self.other, Step.CEREMONY, CEREMONY_ON)
        self.assertEqual(served("new_members", self.o.P, **YEAR_2025).figure("admitted"), 2)

    def test_an_event_after_the_period_leaves_it_stored(self):
        early = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
        served("activity", self.o.P, **early)
        services.record_step(self.other, Step.CEREMONY, CEREMONY_ON)
        with not_computed():
            served("activity", self.o.P, **early)

    def test_a_transfer_computes_the_mentors_report_again(self):
        served("mentors", self.o.P, **YEAR_2025)
        served("activity", self.o.P, **YEAR_2025)
        services.record_step(
            self.other, Step.TRANSFER, date(2026, 12, 1), data={"to_cell": self.o.A2.pk}
        )
        with not_computed():
            served("activity", self.o.P, **YEAR_2025)
        with mock.patch.object(figures, "build", wraps=figures.build) as build:
            served("mentors", self.o.P, **YEAR_2025)
        build.assert_called_once()

    def test_a_correction_of_a_person_drops_the_stored_reports(self):
        served("new_members", self.o.P, **YEAR_2025)
        self.assertEqual(StoredReport.objects.count(), 1)
        person = self.member.person
        correct_person(person, {"sex": "F" if person.sex == "M" else "M"}, "Sai giới tính")
        self.assertFalse(StoredReport.objects.exists())

    def test_a_unit_moved_in_the_tree_drops_the_stored_reports(self):
        served("new_members", self.o.P, **YEAR_2025)
        self.assertEqual(StoredReport.objects.count(), 1)
        Organisation.objects.move(self.o.A1, self.o.B, pos="last-child")  # the admin's move
        self.assertFalse(StoredReport.objects.exists())

    def test_invalidate_drops_the_periods_from_a_day(self):
        served("activity", self.o.P, start=date(2024, 1, 1), end=date(2024, 12, 31))
        served("activity", self.o.P, **YEAR_2025)
        self.assertEqual(stored.invalidate(date(2025, 6, 1)), 1)
        self.assertEqual(
            list(StoredReport.objects.values_list("end", flat=True)), [date(2024, 12, 31)]
        )
        self.assertEqual(stored.invalidate(), 1)

    def test_the_store_keeps_a_bounded_number_of_reports(self):
        with mock.patch.object(stored, "MAX_STORED", 2):
            for year in (2022, 2023, 2024):
                served("activity", self.o.P, start=date(year, 1, 1), end=date(year, 12, 31))
        self.assertEqual(
            sorted(StoredReport.objects.values_list("end", flat=True)),
            [date(2023, 12, 31), date(2024, 12, 31)],
        )
