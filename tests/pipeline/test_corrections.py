"""Corrections (voiding a step), append-only events and the version check."""

from __future__ import annotations

from datetime import date

from ptdv.people.models import MemberStatus
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import event_facts
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import ConcurrentChange, StepRefused
from ptdv.rules.stages import Stage, Step, derive
from tests.base import (
    AWARENESS_ON,
    CEREMONY_ON,
    DECISION_ON,
    SYMPATHISER_ON,
    WorldTestCase,
)


def derived(candidacy: Candidacy):
    return derive(event_facts(e) for e in Event.objects.filter(candidacy=candidacy).order_by("seq"))


class CorrectionTests(WorldTestCase):
    def test_voiding_the_last_step_brings_the_stage_back_and_the_counts_stay_right(self):
        a = self.advance(self.candidacy("Người A"), Stage.AWARENESS_TRAINED)
        b = self.advance(self.candidacy("Người B"), Stage.AWARENESS_TRAINED)
        self.assertEqual(Candidacy.objects.stage_counts(), {Stage.AWARENESS_TRAINED: 2})
        wrong = a.events.get(step=Step.AWARENESS_CLASS)
        correction = services.correct_event(wrong, "Ghi nhầm người", actor=self.u.cell)
        self.assertEqual(
            (correction.step, correction.voids, correction.actor),
            (Step.CORRECTION, wrong, self.u.cell),
        )
        a.refresh_from_db()
        self.assertEqual((a.stage, a.stage_since), (Stage.SYMPATHISER, SYMPATHISER_ON))
        self.assertIsNone(a.next_due)  # the certificate's expiry went with the step
        self.assertEqual(
            Candidacy.objects.stage_counts(), {Stage.SYMPATHISER: 1, Stage.AWARENESS_TRAINED: 1}
        )
        self.assertEqual(Candidacy.objects.visible_to(self.u.cell).stage_counts(),
                         {Stage.SYMPATHISER: 1, Stage.AWARENESS_TRAINED: 1})  # fmt: skip
        # The voided event is kept, and the step can be recorded again.
        self.assertTrue(Event.objects.filter(pk=wrong.pk).exists())
        self.assertEqual(Event.objects.filter(candidacy=a).effective().count(), 2)
        services.record_step(a, Step.AWARENESS_CLASS, date(2024, 11, 20))
        a.refresh_from_db()
        self.assertEqual((a.stage, a.stage_since), (Stage.AWARENESS_TRAINED, date(2024, 11, 20)))
        self.assertEqual(Candidacy.objects.stage_counts(), {Stage.AWARENESS_TRAINED: 2})
        b.refresh_from_db()
        self.assertEqual(b.version, 3)  # b untouched: source, sympathiser, class

    def test_voiding_a_step_with_later_effective_steps_is_refused(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        sympathiser = candidacy.events.get(step=Step.SYMPATHISER)
        version = candidacy.version
        with self.assertRaises(StepRefused) as caught:
            services.correct_event(sympathiser, "Nhầm")
        self.assertTrue(
            caught.exception.messages[0].startswith(
                "Không thể đính chính bước này khi các bước sau"
            )
        )
        candidacy.refresh_from_db()
        self.assertEqual((candidacy.stage, candidacy.version), (Stage.DOSSIER, version))
        self.assertFalse(candidacy.events.filter(step=Step.CORRECTION).exists())

    def test_one_paper_among_several_can_be_voided(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        application = candidacy.events.get(step=Step.DOSSIER_PAPER, data__kind="application")
        services.correct_event(application, "Đơn chưa ký")
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)
        kinds = [e.data["kind"] for e in derived(candidacy).events if e.step is Step.DOSSIER_PAPER]
        self.assertNotIn("application", kinds)
        self.assertEqual(len(kinds), 5)

    def test_undo_from_the_end_step_by_step(self):
        candidacy = self.advance(self.candidacy(), Stage.ADMISSION_DECIDED)
        decision = candidacy.events.get(step=Step.ADMISSION_DECISION)
        grassroots = candidacy.events.get(step=Step.GRASSROOTS_RESOLUTION)
        with self.assertRaises(StepRefused):
            services.correct_event(grassroots, "Sai số nghị quyết")
        services.correct_event(decision, "Sai ngày quyết định")
        services.correct_event(grassroots, "Sai số nghị quyết")
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CELL_RESOLVED)
        self.assertEqual((derived(candidacy).stage, derived(candidacy).stage_since),
                         (candidacy.stage_enum, candidacy.stage_since))  # fmt: skip

    def test_voiding_the_ceremony_takes_the_membership_back(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        person = candidacy.person
        self.assertEqual(
            (person.member_status, person.party_admitted_on),
            (MemberStatus.PROBATIONARY, CEREMONY_ON),
        )
        services.correct_event(candidacy.events.get(step=Step.CEREMONY), "Lễ kết nạp chưa tổ chức")
        person.refresh_from_db()
        candidacy.refresh_from_db()
        self.assertEqual(
            (candidacy.stage, candidacy.stage_since), (Stage.ADMISSION_DECIDED, DECISION_ON)
        )
        self.assertEqual(
            (person.member_status, person.party_admitted_on), (MemberStatus.NONE, None)
        )

    def test_a_correction_can_be_voided_to_restore_the_step(self):
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        event = candidacy.events.get(step=Step.AWARENESS_CLASS)
        correction = services.correct_event(event, "Nhầm")
        # A correction is not itself corrected by correct_event…
        with self.assertRaises(StepRefused):
            services.correct_event(correction, "Nhầm lần hai")
        # … and a step is voided once.
        with self.assertRaises(StepRefused):
            services.correct_event(event, "Lần nữa")

    def test_what_cannot_be_corrected(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        with self.assertRaises(StepRefused):
            services.correct_event(candidacy.events.get(step=Step.SOURCE), "Không phải nguồn")
        with self.assertRaises(StepRefused):
            services.correct_event(candidacy.events.get(step=Step.SYMPATHISER), "   ")

    def test_voiding_a_transfer_brings_the_candidacy_back(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        transfer = services.record_step(
            candidacy, Step.TRANSFER, AWARENESS_ON, data={"to_cell": self.o.B1.pk}
        )
        services.correct_event(transfer, "Chuyển nhầm chi bộ")
        candidacy.refresh_from_db()
        candidacy.person.refresh_from_db()
        self.assertEqual((candidacy.cell, candidacy.person.cell), (self.o.A1, self.o.A1))

    def test_voiding_an_exit_reopens_the_candidacy(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        exit_event = services.record_step(candidacy, Step.WITHDRAWN, AWARENESS_ON, reason="Xin rút")
        services.correct_event(exit_event, "Người này không xin rút")
        candidacy.refresh_from_db()
        self.assertEqual((candidacy.stage, candidacy.closed_on), (Stage.SYMPATHISER, None))
        self.assertTrue(Candidacy.objects.open().filter(pk=candidacy.pk).exists())

    def test_an_exit_is_not_voided_once_the_person_has_a_new_attempt(self):
        first = self.advance(self.candidacy(), Stage.SYMPATHISER)
        exit_event = services.record_step(first, Step.WITHDRAWN, AWARENESS_ON, reason="Xin rút")
        second = services.open_candidacy(first.person, date(2025, 5, 5))
        with self.assertRaises(StepRefused) as caught:
            services.correct_event(exit_event, "Nhầm")
        self.assertIn("lần 2", caught.exception.messages[0])
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.stage, second.stage), (Stage.WITHDRAWN, Stage.SOURCE))


class AppendOnlyTests(WorldTestCase):
    def test_events_cannot_be_edited_or_deleted(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        event = candidacy.events.get(step=Step.SYMPATHISER)
        event.date = date(2024, 10, 2)
        with self.assertRaises(RuntimeError):
            event.save()
        with self.assertRaises(RuntimeError):
            event.delete()
        self.assertEqual(Event.objects.get(pk=event.pk).date, SYMPATHISER_ON)

    def test_events_cannot_be_edited_or_deleted_in_bulk(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        with self.assertRaises(RuntimeError):
            Event.objects.filter(candidacy=candidacy).update(date=date(2024, 10, 2))
        with self.assertRaises(RuntimeError):
            candidacy.events.all().delete()
        self.assertEqual(candidacy.events.get(step=Step.SYMPATHISER).date, SYMPATHISER_ON)

    def test_admin_has_no_write_access_to_events(self):
        from django.test import RequestFactory

        from ptdv.org.scope import admin_site

        request = RequestFactory().get("/")
        request.user = self.u.admin
        event_admin = admin_site._registry[Event]
        self.assertFalse(event_admin.has_change_permission(request))
        self.assertFalse(event_admin.has_add_permission(request))
        self.assertFalse(event_admin.has_delete_permission(request))


class VersionTests(WorldTestCase):
    def test_expected_version_mismatch_raises_concurrent_change(self):
        candidacy = self.candidacy()
        seen = candidacy.version
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, expected_version=seen)
        with self.assertRaises(ConcurrentChange) as caught:
            services.record_step(
                candidacy, Step.WITHDRAWN, AWARENESS_ON, expected_version=seen, reason="Xin rút"
            )
        self.assertIn("vừa được người khác cập nhật", caught.exception.messages[0])
        self.assertIsInstance(caught.exception, StepRefused)  # views can treat both alike
        candidacy.refresh_from_db()
        self.assertEqual((candidacy.stage, candidacy.version), (Stage.SYMPATHISER, seen + 1))
        event = candidacy.events.get(step=Step.SYMPATHISER)
        with self.assertRaises(ConcurrentChange):
            services.correct_event(event, "Nhầm", expected_version=seen)
        services.correct_event(event, "Nhầm", expected_version=seen + 1)

    def test_a_stale_candidacy_object_does_not_hide_a_change(self):
        """The version is read from the locked row, not from the caller's copy."""
        candidacy = self.candidacy()
        stale = Candidacy.objects.get(pk=candidacy.pk)
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON)
        with self.assertRaises(StepRefused):  # same step again: out of order, not a duplicate
            services.record_step(stale, Step.SYMPATHISER, SYMPATHISER_ON)
        self.assertEqual(
            Event.objects.filter(candidacy=candidacy, step=Step.SYMPATHISER).count(), 1
        )
