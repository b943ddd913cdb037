"""The admission decision's receipt date and the written consent for an applicant over 60,
through the step forms, down to the candidacy's cached deadline."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from ptdv.pipeline.evaluation import working_calendar
from ptdv.pipeline.models import Event
from ptdv.rules.facts import PAPER_LABELS
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Stage, Step
from tests.base import CARD_ON, CELL_ON, DECISION_ON, PAPERS_ON, WorldTestCase

LATER = CARD_ON + timedelta(days=30)
RECEIVED_ON = DECISION_ON + timedelta(days=5)
#: Over 60 on every day of the happy path (65 on the cell's resolution, 10/02/2025).
OLD_BIRTH = date(1959, 6, 1)


@time_machine.travel(LATER, tick=False)
class RuleFormTests(WorldTestCase):
    def setUp(self):
        self.client.force_login(self.u.cell)

    def post_step(self, candidacy, step: Step, on: date, **fields):
        candidacy.refresh_from_db()
        data = {"date": on.isoformat(), "version": candidacy.version, **fields}
        return self.client.post(f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={step.value}", data)

    # --- the day the cell received the admission decision (QĐ 294-QĐ/TW mục 4.1) -------------

    def test_decision_with_its_receipt_date_counts_the_ceremony_from_it(self):
        candidacy = self.advance(self.candidacy(), Stage.GRASSROOTS_RESOLVED)
        response = self.post_step(
            candidacy,
            Step.ADMISSION_DECISION,
            DECISION_ON,
            number="210-QĐ/HU",
            received_on=RECEIVED_ON.strftime("%d/%m/%Y"),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        event = candidacy.events.get(step=Step.ADMISSION_DECISION)
        self.assertEqual(event.data, {"received_on": RECEIVED_ON.isoformat()})
        candidacy.refresh_from_db()
        days = rule_set_for(RECEIVED_ON).ceremony_working_days
        self.assertEqual(candidacy.next_due_code, "ceremony_due")
        self.assertEqual(candidacy.next_due, working_calendar().add_working_days(RECEIVED_ON, days))

    def test_decision_without_receipt_counts_from_the_decision_and_says_so(self):
        candidacy = self.advance(self.candidacy(), Stage.GRASSROOTS_RESOLVED)
        response = self.post_step(
            candidacy, Step.ADMISSION_DECISION, DECISION_ON, number="210-QĐ/HU"
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(candidacy.events.get(step=Step.ADMISSION_DECISION).data, {})
        candidacy.refresh_from_db()
        days = rule_set_for(DECISION_ON).ceremony_working_days
        self.assertEqual(candidacy.next_due, working_calendar().add_working_days(DECISION_ON, days))
        page = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertContains(page, "tính từ ngày ra quyết định vì chưa ghi ngày nhận")

    def test_receipt_before_the_decision_or_in_the_future_is_refused_on_the_field(self):
        candidacy = self.advance(self.candidacy(), Stage.GRASSROOTS_RESOLVED)
        before = Event.objects.count()
        response = self.post_step(
            candidacy,
            Step.ADMISSION_DECISION,
            DECISION_ON,
            number="210-QĐ/HU",
            received_on=(DECISION_ON - timedelta(days=1)).isoformat(),
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("received_on", response.context["form"].errors)
        self.assertContains(response, "không được trước ngày ra quyết định (20/03/2025)")
        response = self.post_step(
            candidacy,
            Step.ADMISSION_DECISION,
            DECISION_ON,
            number="210-QĐ/HU",
            received_on=(LATER + timedelta(days=1)).isoformat(),
        )
        self.assertIn("received_on", response.context["form"].errors)
        self.assertEqual(Event.objects.count(), before)

    # --- an applicant over 60 (QĐ mục 1.1.2; HD 01-HD/TW (2021) mục 1.1) ----------------------

    def test_over_60_blocked_until_the_consent_is_recorded(self):
        candidacy = self.advance(
            self.candidacy("Lê Văn Cao Niên", birth_date=OLD_BIRTH), Stage.DOSSIER
        )
        vote = {"number": "05-NQ/CB", "official_members": 9, "present": 8, "in_favour": 7,
                "against": 1}  # fmt: skip
        response = self.post_step(candidacy, Step.CELL_RESOLUTION, CELL_ON, **vote)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Hồ sơ chưa có văn bản này")
        self.assertContains(response, str(rule_set_for(CELL_ON).cite("over_max_age_needs_consent")))
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)

        # The consent needs its number and issuing committee.
        response = self.post_step(candidacy, Step.DOSSIER_PAPER, PAPERS_ON, kind="over_age_consent")
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("number", errors)
        self.assertIn("issuer", errors)

        response = self.post_step(
            candidacy,
            Step.DOSSIER_PAPER,
            PAPERS_ON,
            kind="over_age_consent",
            number="123-CV/TU",
            issuer="Ban Thường vụ Tỉnh ủy Nghệ An",
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        paper = candidacy.events.get(data__kind="over_age_consent")
        self.assertEqual(paper.number, "123-CV/TU")
        self.assertEqual(
            paper.data, {"kind": "over_age_consent", "issuer": "Ban Thường vụ Tỉnh ủy Nghệ An"}
        )
        page = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertContains(page, PAPER_LABELS["over_age_consent"])

        response = self.post_step(candidacy, Step.CELL_RESOLUTION, CELL_ON, **vote)
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CELL_RESOLVED)
