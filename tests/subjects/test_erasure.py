"""A deletion request carried out: the record anonymised at once (as the retention policy does
when its period ends) and the request answered, in one transaction; refused, with why, for the
records the policy keeps; for the grassroots officer of the subtree only."""

from __future__ import annotations

from datetime import date

import time_machine
from auditlog.models import LogEntry
from django.utils import translation

from ptdv.accounts.models import Role
from ptdv.people.models import Person
from ptdv.pipeline import services as pipeline
from ptdv.reports.figures import REPORTS, SNAPSHOTS, build
from ptdv.retention.anonymise import ERASED, PSEUDONYM
from ptdv.retention.requests import ERASED_ANSWER, erase_for_request
from ptdv.rules.stages import Stage, Step
from ptdv.subjects.models import RequestStep, SubjectRequest
from ptdv.subjects.services import Refused, record_request
from tests.base import WorldTestCase, advance, introducers_for, make_user, new_candidacy
from tests.privacy.test_retention import snapshot  # everything a report shows, as plain values

WITHDRAWN_ON = date(2024, 10, 1)
RECEIVED_ON = date(2026, 11, 2)
TODAY = date(2026, 11, 6)


def deletion_request(person, kind="deletion"):
    return record_request(
        person, kind=kind, received_on=RECEIVED_ON, channel="letter",
        text="Đề nghị xóa toàn bộ dữ liệu của tôi.", today=TODAY,
    )  # fmt: skip


@time_machine.travel(TODAY, tick=False)
class ErasureTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        candidacy = new_candidacy(cls.world, "Phạm Thị Xóa", address="Thôn Nà Khoang")
        pipeline.record_step(candidacy, Step.WITHDRAWN, WITHDRAWN_ON, reason="Xin rút vì đi học")
        cls.person = candidacy.person
        cls.request = deletion_request(cls.person)
        # Kept whatever is asked: an open candidacy, a member.
        cls.open = new_candidacy(cls.world, "Lê Văn Đang").person
        member = new_candidacy(cls.world, "Hoàng Văn Viên")
        advance(member, Stage.PROBATIONARY, introducers_for(cls.world, cls.o.A1))
        cls.member = member.person
        cls.u.privacy = make_user("baove", cls.o.D, Role.PRIVACY)

    def url(self, request=None) -> str:
        return f"/yeu-cau/{(request or self.request).pk}/xoa-du-lieu/"

    def test_the_officer_erases_the_record_and_the_request_is_answered(self):
        self.client.force_login(self.u.grassroots)
        detail = self.client.get(f"/yeu-cau/{self.request.pk}/")
        self.assertContains(detail, f'href="{self.url()}"')
        page = self.client.get(self.url())
        self.assertContains(page, "Bị xóa vĩnh viễn")
        self.assertContains(page, 'name="confirm"')
        # Without the confirmation: nothing happens.
        refused = self.client.post(self.url(), {"version": 0})
        self.assertContains(refused, "Hãy đánh dấu xác nhận trước khi xóa.")
        self.assertIsNone(Person.objects.get(pk=self.person.pk).anonymised_at)
        response = self.client.post(self.url(), {"version": 0, "confirm": "on"})
        self.assertRedirects(
            response, f"/yeu-cau/{self.request.pk}/", fetch_redirect_response=False
        )
        person = Person.all_records.get(pk=self.person.pk)
        self.assertEqual(person.full_name, PSEUDONYM.format(pk=person.pk))
        self.assertIsNotNone(person.anonymised_at)
        self.assertEqual((person.cccd, person.address), (None, ""))
        self.assertEqual(person.birth_date, date(person.birth_date.year, 1, 1))
        # The candidacy keeps its steps (the reports' figures), not the reason.
        withdrawal = person.candidacies.get().events.get(step=Step.WITHDRAWN)
        self.assertEqual((withdrawal.date, withdrawal.reason), (WITHDRAWN_ON, ""))
        self.request.refresh_from_db()
        self.assertEqual((self.request.status, self.request.version), ("answered", 1))
        # The request stays as the evidence, without what the person wrote.
        self.assertEqual((self.request.kind, self.request.received_on), ("deletion", RECEIVED_ON))
        self.assertEqual(self.request.text, ERASED)
        self.assertFalse(
            LogEntry.objects.filter(
                object_pk=str(self.request.pk), changes__icontains="Đề nghị xóa toàn bộ"
            ).exists()
        )
        step = RequestStep.objects.get(request=self.request)
        self.assertEqual((step.step, step.date, step.text, step.actor),
                         ("answered", TODAY, ERASED_ANSWER, self.u.grassroots))  # fmt: skip
        entry = LogEntry.objects.filter(
            object_pk=str(person.pk), additional_data__event="retention_anonymised"
        ).get()
        self.assertEqual(entry.actor, self.u.grassroots)
        self.assertEqual(entry.additional_data["outcome"], "requested")
        self.assertEqual(entry.additional_data["subject_request"], self.request.pk)
        self.assertNotIn("Phạm Thị Xóa", str(entry.changes))
        self.assertFalse(
            LogEntry.objects.filter(
                object_pk=str(person.pk), changes__icontains="Nà Khoang"
            ).exists()
        )
        # Done: the page sends back to the request.
        again = self.client.get(self.url())
        self.assertRedirects(again, f"/yeu-cau/{self.request.pk}/", fetch_redirect_response=False)

    def test_no_candidacy_opens_on_an_erased_record(self):
        from ptdv.pipeline.services import StepRefused, open_candidacy

        erase_for_request(self.request, version=0, actor=self.u.grassroots)
        person = Person.all_records.get(pk=self.person.pk)
        with self.assertRaises(StepRefused):
            open_candidacy(person, TODAY)

    def test_a_record_the_policy_keeps_is_not_erased_and_the_page_says_why(self):
        self.client.force_login(self.u.grassroots)
        for person, why in (
            (self.open, "đang có hồ sơ phát triển đảng viên chưa kết thúc"),
            (self.member, "là hoặc đã là đảng viên"),
        ):
            with self.subTest(person=person.full_name):
                request = deletion_request(person)
                page = self.client.get(self.url(request))
                self.assertContains(page, why)
                self.assertNotContains(page, 'name="confirm"')
                self.client.post(self.url(request), {"version": 0, "confirm": "on"})
                with self.assertRaises(Refused) as refused:
                    erase_for_request(request, version=0, actor=self.u.grassroots)
                self.assertIn(why, refused.exception.message)
                person.refresh_from_db()
                request.refresh_from_db()
                self.assertIsNone(person.anonymised_at)
                self.assertEqual(request.status, "received")

    def test_only_a_deletion_request_still_open_and_its_version(self):
        access = deletion_request(self.person, kind="access")
        self.client.force_login(self.u.grassroots)
        self.assertEqual(self.client.get(self.url(access)).status_code, 404)
        with self.assertRaises(Refused):
            erase_for_request(access, version=0, actor=self.u.grassroots)
        with self.assertRaises(Refused):  # somebody recorded a step meanwhile
            erase_for_request(self.request, version=3, actor=self.u.grassroots)
        self.assertIsNone(Person.objects.get(pk=self.person.pk).anonymised_at)

    def test_who_may_erase(self):
        for role in ("cell", "viewer", "privacy"):
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                self.assertEqual(self.client.get(self.url()).status_code, 403)
                self.assertEqual(
                    self.client.post(self.url(), {"version": 0, "confirm": "on"}).status_code, 403
                )
        # The committee above may, where a unit has no grassroots officer.
        self.client.force_login(self.u.committee)
        self.assertContains(self.client.get(self.url()), 'name="confirm"')
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertIsNone(Person.objects.get(pk=self.person.pk).anonymised_at)
        self.assertEqual(SubjectRequest.objects.get(pk=self.request.pk).status, "received")

    def test_reports_keep_their_figures(self):
        def reports() -> dict:
            out = {}
            with translation.override("vi"):
                for kind in REPORTS:
                    period = {"start": date(2024, 1, 1)}
                    period["on" if kind in SNAPSHOTS else "end"] = TODAY
                    out[kind] = snapshot(build(kind, self.o.D, today=TODAY, **period))
            return out

        before = reports()
        erase_for_request(self.request, version=0, actor=self.u.grassroots)
        self.assertEqual(reports(), before)
