"""The forms of the candidacy page: steps, preview, correction, transfer, mentors, sources."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Stage, Step
from tests.base import (
    AWARENESS_ON,
    CARD_ON,
    CELL_ON,
    CEREMONY_ON,
    COMMENTS_ON,
    DECISION_ON,
    GRASSROOTS_ON,
    NEW_MEMBER_CLASS_ON,
    PAPERS_ON,
    RECOGNITION_CELL_ON,
    RECOGNITION_DECISION_ON,
    SOURCE_ON,
    SYMPATHISER_ON,
    CreatePageAccessTests,
    WorldTestCase,
    WritePageAccessTests,
    cccd_for,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
LATER = CARD_ON + timedelta(days=30)


def iso(d: date) -> str:
    return d.isoformat()


@time_machine.travel(LATER, tick=False)
class StepFormTests(WorldTestCase):
    def step_url(self, candidacy, step: Step) -> str:
        return f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc={step.value}"

    def post_step(self, candidacy, step: Step, on: date, headers=None, **fields):
        candidacy.refresh_from_db()
        data = {"date": iso(on), "version": candidacy.version, **fields}
        return self.client.post(self.step_url(candidacy, step), data, **(headers or {}))

    def setUp(self):
        self.client.force_login(self.u.cell)

    # --- the whole journey through the forms --------------------------------------------------

    def test_from_source_to_party_card_through_the_forms(self):
        response = self.client.post(
            "/nguon/moi/",
            {
                "full_name": "nguyễn thị  hành trình",
                "birth_date": "20/05/1998",
                "sex": "F",
                "cccd": cccd_for(date(1998, 5, 20), "F"),
                "ethnicity": "01",
                "religion": "none",
                "general_education": "upper_secondary",
                "professional_level": "university",
                "occupation": "Giáo viên",
                "sector": "public_service",
                "youth_union_member": "",
                "cell": self.o.A1.pk,
                "residence": self.world.places.dong.pk,
                "opened_on": iso(SOURCE_ON),
            },
        )
        self.assertEqual(
            response.status_code, 302, response.context and response.context["form"].errors
        )
        person = Person.objects.get(full_name="Nguyễn Thị Hành Trình")
        candidacy = Candidacy.objects.get(person=person)
        self.assertRedirects(response, f"/ho-so/{candidacy.pk}/")
        p = self.p
        steps = [
            (Step.SYMPATHISER, SYMPATHISER_ON, {"number": "12-NQ/CB", "mentor": p.mentor.pk}),
            (Step.AWARENESS_CLASS, AWARENESS_ON, {"certificate_number": "0457/CN"}),
            (Step.DOSSIER_PAPER, PAPERS_ON, {"kind": "application"}),
            (Step.DOSSIER_PAPER, PAPERS_ON, {"kind": "personal_history"}),
            (Step.DOSSIER_PAPER, PAPERS_ON,
             {"kind": "verification", "subject": "applicant", "result": "ok"}),
            (Step.DOSSIER_PAPER, PAPERS_ON,
             {"kind": "introducer_letter", "introducer": p.introducer1.pk, "months_together": 36,
              "same_grassroots": "on"}),
            (Step.DOSSIER_PAPER, PAPERS_ON,
             {"kind": "introducer_letter", "introducer": p.introducer2.pk, "months_together": 24,
              "same_grassroots": "on"}),
            (Step.DOSSIER_PAPER, COMMENTS_ON, {"kind": "comments"}),
            (Step.CELL_RESOLUTION, CELL_ON,
             {"number": "05-NQ/CB", "official_members": 9, "present": 8, "in_favour": 7,
              "against": 1}),
            (Step.GRASSROOTS_RESOLUTION, GRASSROOTS_ON, {"number": "31-NQ/ĐU"}),
            (Step.ADMISSION_DECISION, DECISION_ON, {"number": "210-QĐ/HU"}),
            (Step.CEREMONY, CEREMONY_ON, {}),
            (Step.NEW_MEMBER_CLASS, NEW_MEMBER_CLASS_ON, {}),
            (Step.RECOGNITION_CELL_RESOLUTION, RECOGNITION_CELL_ON,
             {"number": "09-NQ/CB", "official_members": 9, "present": 9, "in_favour": 9,
              "against": 0}),
            (Step.RECOGNITION_DECISION, RECOGNITION_DECISION_ON, {"number": "388-QĐ/HU"}),
            (Step.PARTY_CARD, CARD_ON, {"card_number": "72001234"}),
        ]  # fmt: skip
        for step, on, fields in steps:
            with self.subTest(step=step):
                response = self.post_step(candidacy, step, on, **fields)
                self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])
        candidacy.refresh_from_db()
        person.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CARD_ISSUED)
        self.assertEqual(person.member_status, MemberStatus.OFFICIAL)
        self.assertEqual(person.party_official_on, add_months(CEREMONY_ON, 12))
        self.assertEqual(person.party_card_number, "72001234")
        self.assertEqual(candidacy.mentors.get().mentor, p.mentor)
        letter = candidacy.events.filter(data__kind="introducer_letter").first()
        self.assertEqual(
            letter.data,
            {
                "kind": "introducer_letter",
                "introducer_kind": "member",
                "introducer_id": p.introducer1.pk,
                "months_together": 36,
                "same_grassroots": True,
            },
        )
        awareness = candidacy.events.get(step=Step.AWARENESS_CLASS)
        self.assertEqual(
            awareness.data,
            {"certificate_date": iso(AWARENESS_ON), "certificate_number": "0457/CN"},
        )
        self.assertEqual(candidacy.events.get(step=Step.CELL_RESOLUTION).in_favour, 7)
        response = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertContains(response, "Đã ghi bước “Phát thẻ đảng viên” ngày 03/08/2026.")

    # --- refusals -----------------------------------------------------------------------------

    def dossier(self, **papers):
        """A candidacy at the dossier stage with only an application and a short introducer."""
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        services.record_step(candidacy, Step.DOSSIER_PAPER, PAPERS_ON, data={"kind": "application"})
        return candidacy

    def test_refused_step_shows_reasons_with_citations_and_keeps_values(self):
        candidacy = self.dossier()
        before = Event.objects.count()
        response = self.post_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, number="77-NQ/CB",
            official_members=9, present=8, in_favour=7, against=1,
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Event.objects.count(), before)
        cite = rule_set_for(CELL_ON).cite("dossier_papers_valid_months")
        self.assertContains(response, "Chưa ghi được:")
        self.assertContains(response, f"Hồ sơ còn thiếu: Lý lịch của người xin vào Đảng. — {cite}")
        self.assertContains(response, 'value="77-NQ/CB"')
        self.assertContains(response, 'name="in_favour" value="7"')
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)

    def test_out_of_order_step_is_refused_with_the_state_machines_reason(self):
        candidacy = self.candidacy()
        response = self.post_step(candidacy, Step.CEREMONY, SYMPATHISER_ON)
        self.assertContains(
            response,
            "Không thể ghi bước “Tổ chức lễ kết nạp” khi hồ sơ đang ở giai đoạn “Nguồn”.",
        )
        self.assertEqual(candidacy.events.count(), 1)

    def test_vote_figures_are_checked_on_the_fields(self):
        candidacy = self.dossier()
        response = self.post_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, number="1",
            official_members=9, present=10, in_favour=7, against=1,
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertIn("present", response.context["form"].errors)
        self.assertContains(response, "is-invalid")

    def test_vote_figures_and_dates_are_bounded(self):
        candidacy = self.dossier()
        response = self.post_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, number="1",
            official_members=40000, present=8, in_favour=7, against=1,
        )  # fmt: skip
        self.assertIn("official_members", response.context["form"].errors)
        response = self.post_step(candidacy, Step.CELL_RESOLUTION, date(1900, 1, 1), number="1",
                                  official_members=9, present=8, in_favour=7, against=1)  # fmt: skip
        self.assertIn("date", response.context["form"].errors)
        self.assertContains(response, "Ngày không được trước 01/01/1950.")

    def test_failed_vote_is_recorded_without_moving_the_stage(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        response = self.post_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, number="05-NQ/CB",
            official_members=9, present=8, in_favour=5, against=3,
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)
        self.assertFalse(candidacy.events.get(step=Step.CELL_RESOLUTION).passed)
        response = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertContains(response, "không đủ hai phần ba")

    def test_future_date_and_missing_fields_name_the_field(self):
        candidacy = self.candidacy()
        response = self.post_step(candidacy, Step.SYMPATHISER, LATER + timedelta(days=1))
        self.assertContains(response, "Ngày không được sau hôm nay.")
        candidacy = self.advance(candidacy, Stage.AWARENESS_TRAINED)
        response = self.post_step(
            candidacy, Step.DOSSIER_PAPER, PAPERS_ON, kind="introducer_letter"
        )
        form = response.context["form"]
        self.assertIn("introducer", form.errors)
        self.assertIn("months_together", form.errors)
        self.assertEqual(candidacy.events.count(), 3)

    def test_concurrent_change_is_reported(self):
        candidacy = self.candidacy()
        stale = candidacy.version
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON)
        response = self.client.post(
            self.step_url(candidacy, Step.AWARENESS_CLASS),
            {"date": iso(AWARENESS_ON), "version": stale},
        )
        self.assertContains(response, "Hồ sơ vừa được người khác cập nhật")
        self.assertEqual(candidacy.events.count(), 2)

    def test_exit_needs_a_reason(self):
        candidacy = self.candidacy()
        response = self.post_step(candidacy, Step.WITHDRAWN, SYMPATHISER_ON, reason="")
        self.assertIn("reason", response.context["form"].errors)
        response = self.post_step(
            candidacy,
            Step.WITHDRAWN,
            SYMPATHISER_ON,
            reason="Xin rút vì hoàn cảnh gia đình",
            **{"xac-nhan": "1"},
        )
        self.assertEqual(response.status_code, 302)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.WITHDRAWN)
        self.assertEqual(candidacy.events.last().reason, "Xin rút vì hoàn cảnh gia đình")

    # --- closing a candidacy: the confirmation ------------------------------------------------

    def test_an_exit_without_the_confirmation_is_not_written_and_asks_for_it(self):
        for step in (Step.WITHDRAWN, Step.REMOVED_FROM_LIST, Step.MOVED_AWAY, Step.DECEASED):
            with self.subTest(step=step):
                candidacy = self.candidacy(f"Người Rời {step.value}")
                before = candidacy.events.count()
                response = self.post_step(candidacy, step, SYMPATHISER_ON, reason="Theo đơn")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(candidacy.events.count(), before)
                candidacy.refresh_from_db()
                self.assertEqual(candidacy.stage, Stage.SOURCE)
                self.assertTrue(response.context["confirming"])
                self.assertContains(response, "Xác nhận kết thúc hồ sơ")
                self.assertContains(response, 'name="xac-nhan" value="1"')
                self.assertContains(response, f"ngày {SYMPATHISER_ON:%d/%m/%Y} sẽ kết thúc hồ sơ")
                self.assertContains(response, "Theo đơn</textarea>")  # what was typed, kept
                # The server's own confirmation: no dialog is needed any more.
                self.assertNotContains(response, "data-ptdv-confirm-exit")
                self.assertNotContains(response, 'id="exit-confirm-modal"')
                confirmed = self.post_step(
                    candidacy, step, SYMPATHISER_ON, reason="Theo đơn", **{"xac-nhan": "1"}
                )
                self.assertEqual(confirmed.status_code, 302)
                candidacy.refresh_from_db()
                self.assertEqual(candidacy.events.count(), before + 1)
                self.assertEqual(candidacy.events.last().step, step)
                self.assertIsNotNone(candidacy.closed_on)

    def test_a_members_exit_asks_too(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        on = CEREMONY_ON + timedelta(days=30)
        response = self.post_step(candidacy, Step.NOT_RECOGNISED, on, reason="Không đủ tư cách")
        self.assertTrue(response.context["confirming"])
        self.assertEqual(candidacy.events.filter(step=Step.NOT_RECOGNISED).count(), 0)

    def test_the_exit_form_carries_the_dialog_for_javascript(self):
        candidacy = self.candidacy()
        for headers in ({}, HTMX):
            with self.subTest(htmx=bool(headers)):
                response = self.client.get(self.step_url(candidacy, Step.WITHDRAWN), **headers)
                self.assertContains(response, 'data-ptdv-confirm-exit="exit-confirm-modal"')
                self.assertContains(response, 'id="exit-confirm-modal"')
                self.assertContains(response, "data-ptdv-exit-confirmed")
                self.assertContains(response, "sẽ kết thúc hồ sơ của Nguyễn Văn An")
                # No inline script: the dialog is opened by site.js.
                self.assertNotContains(response, "<script>")
                self.assertNotContains(response, "onclick")
        # An ordinary step has neither.
        response = self.client.get(self.step_url(candidacy, Step.SYMPATHISER))
        self.assertNotContains(response, "data-ptdv-confirm-exit")
        self.assertNotContains(response, "exit-confirm-modal")

    def test_an_exit_the_rules_refuse_shows_the_refusal_not_the_confirmation(self):
        candidacy = self.candidacy()
        before = candidacy.events.count()
        # Before the candidacy was opened: refused whatever is confirmed.
        response = self.post_step(
            candidacy, Step.WITHDRAWN, SOURCE_ON - timedelta(days=10), reason="Theo đơn"
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["confirming"])
        self.assertContains(response, "Kiểm tra: bước này sẽ bị từ chối vì:")
        self.assertNotContains(response, 'name="xac-nhan" value="1" class="btn btn-danger">')
        self.assertEqual(candidacy.events.count(), before)

    def test_an_exit_confirmed_through_htmx_redirects(self):
        candidacy = self.candidacy()
        asked = self.post_step(
            candidacy, Step.DECEASED, SYMPATHISER_ON, headers=HTMX, reason="Từ trần"
        )
        self.assertNotContains(asked, "<html")
        self.assertContains(asked, "Xác nhận kết thúc hồ sơ")
        self.assertEqual(candidacy.events.filter(step=Step.DECEASED).count(), 0)
        done = self.post_step(
            candidacy, Step.DECEASED, SYMPATHISER_ON, headers=HTMX, reason="Từ trần",
            **{"xac-nhan": "1"},
        )  # fmt: skip
        self.assertEqual(done["HX-Redirect"], f"/ho-so/{candidacy.pk}/")
        self.assertEqual(candidacy.events.filter(step=Step.DECEASED).count(), 1)

    def test_the_check_of_an_exit_writes_nothing_and_asks_nothing(self):
        candidacy = self.candidacy()
        response = self.post_step(
            candidacy, Step.WITHDRAWN, SYMPATHISER_ON, reason="Theo đơn", check="1"
        )
        self.assertContains(response, "Kiểm tra: bước này có thể ghi theo quy định.")
        self.assertNotIn("confirming", response.context)
        self.assertEqual(candidacy.events.filter(step=Step.WITHDRAWN).count(), 0)

    # --- preview ------------------------------------------------------------------------------

    def test_preview_shows_the_rules_without_saving(self):
        candidacy = self.dossier()
        before = Event.objects.count()
        response = self.post_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, number="05-NQ/CB", check="1",
            official_members=9, present=8, in_favour=7, against=1,
        )  # fmt: skip
        self.assertEqual(Event.objects.count(), before)
        self.assertContains(response, "Kiểm tra: bước này sẽ bị từ chối vì:")
        self.assertContains(response, "Hồ sơ còn thiếu: Lý lịch của người xin vào Đảng.")
        self.assertContains(response, 'value="05-NQ/CB"')
        ready = self.advance(self.candidacy("Trần Văn Đủ"), Stage.DOSSIER)
        response = self.post_step(
            ready, Step.CELL_RESOLUTION, CELL_ON, number="05-NQ/CB", check="1",
            official_members=9, present=8, in_favour=5, against=3, headers=HTMX,
        )  # fmt: skip
        self.assertContains(response, "Kiểm tra: bước này có thể ghi theo quy định.")
        self.assertContains(response, "cần ít nhất 6 phiếu tán thành")
        self.assertNotContains(response, "<html")
        self.assertEqual(ready.events.filter(step=Step.CELL_RESOLUTION).count(), 0)

    def test_preview_of_a_date_before_the_stage(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        response = self.post_step(candidacy, Step.AWARENESS_CLASS, SOURCE_ON, check="1")
        self.assertContains(response, "trước ngày vào giai đoạn hiện tại")

    # --- htmx ---------------------------------------------------------------------------------

    def test_htmx_partials_and_client_redirect(self):
        candidacy = self.candidacy()
        response = self.client.get(self.step_url(candidacy, Step.SYMPATHISER), **HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, 'hx-post="/ho-so/')
        self.assertContains(response, f'name="version" value="{candidacy.version}"')
        full = self.client.get(self.step_url(candidacy, Step.SYMPATHISER))
        self.assertContains(full, "<html")
        self.assertContains(full, "<h1")
        refused = self.post_step(candidacy, Step.CEREMONY, SYMPATHISER_ON, headers=HTMX)
        self.assertEqual(refused.status_code, 200)
        self.assertNotContains(refused, "<html")
        self.assertContains(refused, "Không thể ghi bước")
        done = self.post_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, headers=HTMX)
        self.assertEqual(done["HX-Redirect"], f"/ho-so/{candidacy.pk}/")

    def test_step_chooser_and_unknown_step(self):
        candidacy = self.candidacy()
        response = self.client.get(f"/ho-so/{candidacy.pk}/ghi-buoc/")
        self.assertContains(response, "?buoc=sympathiser")
        response = self.client.get(f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc=khong-co")
        self.assertEqual(response.status_code, 404)

    def test_sympathiser_with_a_mentor_who_cannot_mentor_writes_nothing(self):
        candidacy = self.candidacy()
        # A probationary member is not offered as a mentor.
        response = self.post_step(
            candidacy, Step.SYMPATHISER, SYMPATHISER_ON, mentor=self.p.probationary.pk
        )
        self.assertIn("mentor", response.context["form"].errors)
        self.assertEqual(candidacy.events.count(), 1)
        self.assertFalse(MentorAssignment.objects.exists())

    # --- correction ---------------------------------------------------------------------------

    def correction_url(self, candidacy, event) -> str:
        return f"/ho-so/{candidacy.pk}/dinh-chinh/?su-kien={event.pk}"

    def test_correction_needs_a_reason_then_voids_the_step(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        event = candidacy.events.get(step=Step.SYMPATHISER)
        response = self.client.post(
            self.correction_url(candidacy, event), {"reason": " ", "version": candidacy.version}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)
        self.assertContains(response, "Cần ghi lý do đính chính.")
        self.assertEqual(candidacy.events.count(), 2)
        response = self.client.post(
            self.correction_url(candidacy, event),
            {"reason": "Ghi nhầm người", "version": candidacy.version},
        )
        self.assertRedirects(response, f"/ho-so/{candidacy.pk}/")
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.SOURCE)
        correction = candidacy.events.get(step=Step.CORRECTION)
        self.assertEqual((correction.voids_id, correction.reason), (event.pk, "Ghi nhầm người"))

    def test_correction_of_an_earlier_step_is_refused_with_the_reason(self):
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        event = candidacy.events.get(step=Step.SYMPATHISER)
        response = self.client.post(
            self.correction_url(candidacy, event),
            {"reason": "Nhầm", "version": candidacy.version},
        )
        self.assertContains(response, "hãy đính chính các bước sau trước")
        self.assertContains(response, "Các bước sau: Học lớp bồi dưỡng nhận thức về Đảng.")
        self.assertFalse(candidacy.events.filter(step=Step.CORRECTION).exists())

    def test_correction_chooser_and_foreign_event(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        other = self.candidacy("Người Khác")
        response = self.client.get(f"/ho-so/{candidacy.pk}/dinh-chinh/")
        self.assertContains(response, "Đưa vào danh sách cảm tình Đảng")
        foreign = other.events.get()
        self.assertEqual(self.client.get(self.correction_url(candidacy, foreign)).status_code, 404)

    # --- transfer -----------------------------------------------------------------------------

    def test_transfer_to_a_visible_cell(self):
        candidacy = self.candidacy()
        # The cell secretary sees no other cell.
        response = self.client.get(self.step_url(candidacy, Step.TRANSFER))
        self.assertEqual(list(response.context["form"].fields["to_cell"].queryset), [])
        self.client.force_login(self.u.grassroots)
        response = self.post_step(candidacy, Step.TRANSFER, SYMPATHISER_ON, to_cell=self.o.X1.pk)
        self.assertIn("to_cell", response.context["form"].errors)  # outside the subtree
        response = self.post_step(
            candidacy, Step.TRANSFER, SYMPATHISER_ON, to_cell=self.o.A2.pk, reason="Chuyển nhà"
        )
        self.assertEqual(
            response.status_code, 302, response.context and response.context["form"].errors
        )
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.cell, self.o.A2)
        self.assertEqual(candidacy.events.last().data["to_cell"], self.o.A2.pk)

    # --- mentors ------------------------------------------------------------------------------

    def test_mentor_assign_and_end(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        url = f"/ho-so/{candidacy.pk}/giup-do/"
        response = self.client.get(url)
        choices = list(response.context["form"].fields["mentor"].queryset)
        self.assertIn(self.p.mentor, choices)
        self.assertNotIn(self.p.member_X1, choices)  # outside the subtree
        # A probationary member is found by the picker but may not be chosen: the field says why.
        response = self.client.post(
            url, {"mentor": self.p.probationary.pk, "start": iso(SYMPATHISER_ON)}
        )
        self.assertEqual(response.status_code, 200)
        [error] = response.context["form"].errors["mentor"]
        self.assertIn("Đảng viên được phân công giúp đỡ: không chọn được", error)
        self.assertIn("đảng viên dự bị", error)
        response = self.client.post(
            url, {"mentor": self.p.member_X1.pk, "start": iso(SYMPATHISER_ON)}
        )
        [error] = response.context["form"].errors["mentor"]
        self.assertIn("Đảng viên được phân công giúp đỡ: không có đảng viên này", error)
        self.assertNotIn(self.p.member_X1.full_name, response.content.decode())
        response = self.client.post(url, {"mentor": self.p.mentor.pk, "start": iso(SYMPATHISER_ON)})
        self.assertRedirects(response, f"/ho-so/{candidacy.pk}/")
        assignment = candidacy.mentors.get()
        response = self.client.post(url, {"mentor": self.p.mentor.pk, "start": iso(AWARENESS_ON)})
        self.assertContains(response, "không chọn được Lê Văn Giúp — đang giúp đỡ người này")
        end_url = f"/ho-so/{candidacy.pk}/giup-do/ket-thuc/?phan-cong={assignment.pk}"
        response = self.client.post(end_url, {"end": iso(SOURCE_ON), "reason": "Chuyển công tác"})
        self.assertContains(response, "Ngày kết thúc phải sau ngày bắt đầu phân công.")
        response = self.client.post(
            end_url, {"end": iso(AWARENESS_ON), "reason": "Chuyển công tác"}
        )
        self.assertEqual(response.status_code, 302)
        assignment.refresh_from_db()
        self.assertEqual((assignment.end, assignment.end_reason), (AWARENESS_ON, "Chuyển công tác"))

    # --- sources ------------------------------------------------------------------------------

    def source_data(self, **changes):
        data = {
            "full_name": "Lò Văn Nguồn",
            "birth_date": iso(date(2000, 1, 2)),
            "sex": "M",
            "cccd": cccd_for(date(2000, 1, 2), "M"),
            "ethnicity": "03",
            "religion": "none",
            "general_education": "upper_secondary",
            "professional_level": "none",
            "sector": "farmer",
            "cell": self.o.A1.pk,
            "opened_on": iso(SOURCE_ON),
            "local_resident": "on",
        }
        data.update(changes)
        return data

    def test_new_source_invalid_cccd_names_the_field_and_writes_nothing(self):
        people, candidacies = Person.objects.count(), Candidacy.objects.count()
        response = self.client.post("/nguon/moi/", self.source_data(cccd="001199000001"))
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("cccd", errors)
        self.assertIn("Chữ số thứ 4–6 của số CCCD không khớp với năm sinh.", errors["cccd"])
        self.assertContains(response, 'value="Lò Văn Nguồn"')
        response = self.client.post("/nguon/moi/", self.source_data(cccd="12345"))
        self.assertIn("Số CCCD phải gồm đúng 12 chữ số.", response.context["form"].errors["cccd"])
        response = self.client.post("/nguon/moi/", self.source_data(cell=self.o.X1.pk))
        self.assertIn("cell", response.context["form"].errors)
        self.assertEqual((Person.objects.count(), Candidacy.objects.count()), (people, candidacies))

    def test_new_source_opens_the_candidacy(self):
        response = self.client.post("/nguon/moi/", self.source_data(), **HTMX)
        person = Person.objects.get(full_name="Lò Văn Nguồn")
        candidacy = person.candidacies.get()
        self.assertEqual(response["HX-Redirect"], f"/ho-so/{candidacy.pk}/")
        self.assertEqual((candidacy.stage, candidacy.opened_on), (Stage.SOURCE, SOURCE_ON))
        self.assertTrue(person.local_resident)
        self.assertEqual(candidacy.events.get().actor, self.u.cell)

    def test_open_a_new_attempt(self):
        candidacy = self.candidacy()
        person = candidacy.person
        url = f"/nguoi/{person.pk}/mo-ho-so/"
        response = self.client.post(url, {"opened_on": iso(AWARENESS_ON), "cell": self.o.A1.pk})
        self.assertContains(response, "đang có hồ sơ chưa kết thúc (lần 1)")
        services.record_step(candidacy, Step.WITHDRAWN, SYMPATHISER_ON, reason="Xin rút")
        response = self.client.post(url, {"opened_on": iso(AWARENESS_ON), "cell": self.o.A1.pk})
        second = person.candidacies.get(attempt=2)
        self.assertRedirects(response, f"/ho-so/{second.pk}/")

    def test_no_new_attempt_for_a_member(self):
        member = self.p.introducer1  # an official member of the cell
        before = (member.party_admitted_on, member.party_official_on, member.member_status)
        response = self.client.post(
            f"/nguoi/{member.pk}/mo-ho-so/", {"opened_on": iso(AWARENESS_ON), "cell": self.o.A1.pk}
        )
        self.assertContains(response, "đang là đảng viên")
        member.refresh_from_db()
        self.assertFalse(member.candidacies.exists())
        self.assertEqual(
            (member.party_admitted_on, member.party_official_on, member.member_status), before
        )


@time_machine.travel(LATER, tick=False)
class StepScopeTests(WritePageAccessTests, WorldTestCase):
    """The inherited access tests on every form of the candidacy page."""

    def write_urls(self, candidacy) -> list[str]:
        event = candidacy.events.get()
        return [
            f"/ho-so/{candidacy.pk}/ghi-buoc/",
            f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc=sympathiser",
            f"/ho-so/{candidacy.pk}/dinh-chinh/",
            f"/ho-so/{candidacy.pk}/dinh-chinh/?su-kien={event.pk}",
            f"/ho-so/{candidacy.pk}/giup-do/",
            f"/ho-so/{candidacy.pk}/giup-do/ket-thuc/",
            f"/nguoi/{candidacy.person_id}/mo-ho-so/",
        ]

    def access_urls(self):
        self.access_candidacy = self.candidacy()
        return self.write_urls(self.access_candidacy)

    def missing_urls(self):
        return [
            "/ho-so/99999999/ghi-buoc/",
            "/ho-so/99999999/ghi-buoc/?buoc=sympathiser",
            "/ho-so/99999999/dinh-chinh/",
            "/ho-so/99999999/giup-do/",
            "/ho-so/99999999/giup-do/ket-thuc/",
            "/nguoi/99999999/mo-ho-so/",
        ]

    def access_post_data(self, user):
        return {"date": iso(SYMPATHISER_ON), "version": 1}

    def assert_nothing_written(self):
        self.assertEqual(self.access_candidacy.events.count(), 1)
        self.assertFalse(MentorAssignment.objects.exists())

    def test_the_outsiders_own_source_form_offers_only_their_cells(self):
        self.client.force_login(self.u.outsider)
        response = self.client.get("/nguon/moi/")
        self.assertEqual(list(response.context["form"].fields["cell"].queryset), [self.o.X1])


@time_machine.travel(LATER, tick=False)
class SourceNewAccessTests(CreatePageAccessTests, WorldTestCase):
    """The new source's form: readers 403, writers get the form."""

    def access_url(self):
        return "/nguon/moi/"

    def access_post_data(self, user):
        return {"date": iso(SYMPATHISER_ON), "version": 1}

    def assert_nothing_written(self):
        self.assertFalse(Candidacy.objects.exists())
