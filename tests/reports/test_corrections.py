"""Corrections move figures between periods: the reports count effective events only, at their
(corrected) date and at the cell of the event. Built through the services on the small world."""

from __future__ import annotations

from datetime import date

from ptdv.pipeline import services
from ptdv.reports.figures import drill
from ptdv.rules.stages import Stage, Step
from tests.base import AWARENESS_ON, CEREMONY_ON, WorldTestCase
from tests.reports.factories import report, units

TODAY = date(2026, 1, 5)
Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31), "today": TODAY}
APRIL = {"start": date(2025, 4, 1), "end": date(2025, 4, 30), "today": TODAY}
NOVEMBER = {"start": date(2024, 11, 1), "end": date(2024, 11, 30), "today": TODAY}
DECEMBER = {"start": date(2024, 12, 1), "end": date(2024, 12, 31), "today": TODAY}
#: Within 30 working days of the decision (20/03/2025), in the first quarter.
CORRECTED_CEREMONY = date(2025, 3, 28)


class CeremonyCorrectionTests(WorldTestCase):
    def admitted(self, period, organisation=None) -> dict[str, int]:
        organisation = organisation or self.o.D
        return {
            "new_members": report("new_members", organisation, **period).figure("admitted"),
            "activity": report("activity", organisation, **period).figure("admitted"),
            "funnel": report("funnel", organisation, **period).figure("probationary:entered"),
            "targets": next(
                r.cells[1].value
                for r in report("targets", organisation, **period).tables[0].rows
                if r.total
            ),
        }

    def assertAdmitted(self, q1: int, april: int):
        self.assertEqual(self.admitted(Q1), dict.fromkeys(("new_members", "activity", "funnel",
                                                           "targets"), q1))  # fmt: skip
        self.assertEqual(self.admitted(APRIL), dict.fromkeys(("new_members", "activity", "funnel",
                                                              "targets"), april))  # fmt: skip

    def test_correcting_the_date_of_a_ceremony_moves_the_new_member(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        self.assertEqual(CEREMONY_ON, date(2025, 4, 10))
        self.assertAdmitted(q1=0, april=1)
        ceremony = candidacy.events.get(step=Step.CEREMONY)
        services.correct_event(ceremony, "Ghi nhầm ngày lễ kết nạp", actor=self.u.cell)
        self.assertAdmitted(q1=0, april=0)
        services.record_step(candidacy, Step.CEREMONY, CORRECTED_CEREMONY, actor=self.u.cell)
        self.assertAdmitted(q1=1, april=0)
        # The unit row moves too, and the drill lists the person in the first quarter.
        rep = report("new_members", self.o.D, **Q1)
        self.assertEqual(units(rep)[self.o.A.pk]["admitted"], 1)
        people = drill("new_members", self.o.D, "admitted", **Q1).queryset
        self.assertEqual(list(people), [candidacy.person])
        self.assertFalse(drill("new_members", self.o.D, "admitted", **APRIL).queryset.exists())

    def test_a_voided_ceremony_is_no_admission_and_no_membership(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        members_before = report("members", self.o.A1, on=date(2025, 4, 30), today=TODAY)
        ceremony = candidacy.events.get(step=Step.CEREMONY)
        services.correct_event(ceremony, "Chưa tổ chức lễ kết nạp", actor=self.u.cell)
        self.assertAdmitted(q1=0, april=0)
        members_after = report("members", self.o.A1, on=date(2025, 4, 30), today=TODAY)
        self.assertEqual(members_after.figure("members"), members_before.figure("members") - 1)
        self.assertEqual(
            members_after.figure("probationary"), members_before.figure("probationary") - 1
        )

    def test_the_corrected_ceremony_makes_a_member_from_its_new_date(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        services.correct_event(candidacy.events.get(step=Step.CEREMONY), "Ghi nhầm ngày")
        services.record_step(candidacy, Step.CEREMONY, CORRECTED_CEREMONY)
        on_the_eve = report("members", self.o.A1, on=date(2025, 3, 27), today=TODAY)
        on_the_day = report("members", self.o.A1, on=CORRECTED_CEREMONY, today=TODAY)
        self.assertEqual(on_the_day.figure("members"), on_the_eve.figure("members") + 1)
        people = drill("members", self.o.A1, "probationary", on=CORRECTED_CEREMONY, today=TODAY)
        self.assertIn(candidacy.person, people.queryset)


class AwarenessCorrectionTests(WorldTestCase):
    def test_correcting_the_date_of_the_class_moves_it_to_another_month(self):
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        self.assertEqual(AWARENESS_ON, date(2024, 11, 15))

        def counts():
            return [
                report("activity", self.o.A, **p).figure("awareness_class")
                for p in (NOVEMBER, DECEMBER)
            ]

        self.assertEqual(counts(), [1, 0])
        services.correct_event(candidacy.events.get(step=Step.AWARENESS_CLASS), "Ghi nhầm ngày")
        self.assertEqual(counts(), [0, 0])
        corrected = date(2024, 12, 2)
        services.record_step(
            candidacy,
            Step.AWARENESS_CLASS,
            corrected,
            data={"certificate_date": corrected.isoformat(), "certificate_number": "0458/CN"},
        )
        self.assertEqual(counts(), [0, 1])


class TransferTests(WorldTestCase):
    """A step counts at the cell the candidacy belonged to on its day (``Event.cell``)."""

    def setUp(self):
        self.candidacy_ = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        services.record_step(
            self.candidacy_, Step.TRANSFER, date(2024, 11, 20), data={"to_cell": self.o.B1.pk}
        )

    def test_the_activity_counts_the_class_where_it_was_attended(self):
        self.assertEqual(report("activity", self.o.A, **NOVEMBER).figure("awareness_class"), 1)
        self.assertEqual(report("activity", self.o.B, **NOVEMBER).figure("awareness_class"), 0)
        rows = units(report("activity", self.o.D, **NOVEMBER))
        self.assertEqual((rows[self.o.A.pk]["awareness_class"],
                          rows[self.o.B.pk]["awareness_class"]), (1, 0))  # fmt: skip

    def test_the_funnel_counts_the_stage_entered_where_it_was_entered(self):
        code = "awareness_trained:entered"
        self.assertEqual(report("funnel", self.o.A, **NOVEMBER).figure(code), 1)
        self.assertEqual(report("funnel", self.o.B, **NOVEMBER).figure(code), 0)
