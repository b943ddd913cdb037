"""The candidacy page: findings with citations, dossier checklist, deadlines, actions, queries."""

from __future__ import annotations

from datetime import date

import time_machine

from ptdv.pipeline import services
from ptdv.rules.facts import PAPER_LABELS
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import STAGE_LABELS, STEP_LABELS, Stage, Step
from tests.base import (
    AWARENESS_ON,
    CELL_ON,
    COMMENTS_ON,
    PAPERS_ON,
    SYMPATHISER_ON,
    WorldTestCase,
    introducer_paper,
)

#: Before the cell's planned vote: papers still fresh.
BEFORE_VOTE = date(2025, 2, 3)


class CandidacyPageTests(WorldTestCase):
    def url(self, candidacy) -> str:
        return f"/ho-so/{candidacy.pk}/"

    def trained(self, name="Nguyễn Văn An"):
        """A candidacy that has attended the awareness class, with a mentor."""
        candidacy = self.advance(self.candidacy(name), Stage.AWARENESS_TRAINED)
        services.assign_mentor(candidacy, self.p.mentor, SYMPATHISER_ON)
        return candidacy

    @time_machine.travel(BEFORE_VOTE, tick=False)
    def test_findings_are_shown_with_their_citation(self):
        candidacy = self.trained()
        services.record_step(
            candidacy,
            Step.DOSSIER_PAPER,
            PAPERS_ON,
            data=introducer_paper(self.p.introducer1, months_together=8),
        )
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertEqual(response.status_code, 200)
        cite = rule_set_for(BEFORE_VOTE).cite("introducer_min_months")
        self.assertContains(
            response,
            "Người giới thiệu Nguyễn Văn Giới chưa đủ 12 tháng cùng công tác với người vào Đảng "
            f"(mới 8 tháng). — {cite}",
            html=False,
        )
        self.assertContains(response, "Vướng mắc, chưa thể ghi bước tiếp theo")
        self.assertContains(
            response, f"Bước tiếp theo: <strong>{STEP_LABELS[Step.CELL_RESOLUTION]}"
        )
        self.assertContains(response, STAGE_LABELS[Stage.DOSSIER])

    @time_machine.travel(date(2026, 3, 2), tick=False)
    def test_dossier_checklist_present_missing_expired(self):
        candidacy = self.trained()
        for on, data in [
            (PAPERS_ON, {"kind": "application"}),
            (COMMENTS_ON, {"kind": "comments"}),
        ]:
            services.record_step(candidacy, Step.DOSSIER_PAPER, on, data=data)
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        checklist = response.context["checklist"]
        statuses = {i.label: i.status.value for i in checklist.items}
        self.assertEqual(statuses[PAPER_LABELS["application"]], "present")
        self.assertEqual(statuses[PAPER_LABELS["personal_history"]], "missing")
        self.assertEqual(statuses[PAPER_LABELS["comments"]], "expired")
        self.assertEqual(statuses["Người giới thiệu"], "missing")
        self.assertContains(response, "Hồ sơ đề nghị kết nạp")
        self.assertContains(response, "Còn thiếu")
        self.assertContains(response, "Hết hạn")
        self.assertContains(response, "Đã có")
        self.assertContains(response, "06/01/2026")  # the comments' expiry date
        # A missing paper has a shortcut to the paper form, with its kind.
        self.assertContains(response, "?buoc=dossier_paper&amp;loai=personal_history")

    @time_machine.travel(date(2025, 9, 1), tick=False)
    def test_deadlines_overdue_in_words(self):
        candidacy = self.advance(self.candidacy(), Stage.GRASSROOTS_RESOLVED)
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "Cấp ủy có thẩm quyền ra quyết định kết nạp")
        self.assertContains(response, "Quá hạn")
        self.assertContains(response, "Đã xong")  # the certificate's deadline met by the vote
        row = next(r for r in response.context["deadlines"] if r["d"].code == "decision_due")
        self.assertTrue(row["overdue"])
        self.assertContains(response, f"Quá hạn {row['late']} ngày")

    @time_machine.travel(date(2025, 9, 1), tick=False)
    def test_timeline_and_correction_action_on_the_last_effective_step_only(self):
        candidacy = self.advance(self.candidacy(), Stage.CELL_RESOLVED)
        cell_event = candidacy.events.get(step=Step.CELL_RESOLUTION)
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, f"?su-kien={cell_event.pk}")
        links = response.content.decode().count("?su-kien=")
        self.assertEqual(links, 2)  # the href and the hx-get of one link
        self.assertContains(
            response, "Đảng viên chính thức 9, có mặt 8, tán thành 7, không tán thành 1 — đạt."
        )
        services.correct_event(cell_event, "Ghi nhầm ngày họp")
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "(đã đính chính)")
        self.assertContains(response, "Lý do: Ghi nhầm ngày họp")
        self.assertContains(response, f"bước #{cell_event.seq}")
        # Now the last dossier papers may be corrected (papers after the last progress step).
        self.assertGreater(response.content.decode().count("?su-kien="), 2)

    @time_machine.travel(BEFORE_VOTE, tick=False)
    def test_next_step_panel_for_writers_only(self):
        candidacy = self.trained()
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "Ghi bước tiếp theo")
        step_url = f"/ho-so/{candidacy.pk}/ghi-buoc/?buoc=dossier_paper"
        self.assertContains(response, f'href="{step_url}"')
        self.assertContains(response, f'hx-get="{step_url}"')
        self.assertContains(response, "?buoc=withdrawn")  # exits, with reason
        self.assertContains(response, "?buoc=transfer")
        self.assertNotContains(response, "?buoc=cell_resolution")  # not allowed yet
        self.assertContains(response, "Thêm nguồn")
        self.client.force_login(self.u.viewer)
        response = self.client.get(self.url(candidacy))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Ghi bước tiếp theo")
        self.assertNotContains(response, "ghi-buoc")
        self.assertNotContains(response, "su-kien")
        self.assertNotContains(response, "Phân công người giúp đỡ")

    @time_machine.travel(date(2025, 2, 18), tick=False)
    def test_route_is_respected_in_the_panel(self):
        # A1 has no partial committee: the grassroots resolution comes next, no appraisal.
        candidacy = self.advance(self.candidacy(), Stage.CELL_RESOLVED)
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "?buoc=grassroots_resolution")
        self.assertNotContains(response, "?buoc=partial_appraisal")
        self.assertNotContains(response, "?buoc=admission_decision")

    @time_machine.travel(date(2025, 9, 1), tick=False)
    def test_mentors_and_reports(self):
        candidacy = self.trained()
        assignment = candidacy.mentors.get()
        services.file_mentor_report(
            assignment, "month", SYMPATHISER_ON, "Tích cực, có uy tín.", "good",
            filed_on=date(2024, 11, 2),
        )  # fmt: skip
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "Lê Văn Giúp")
        self.assertContains(response, "Tích cực, có uy tín.")
        self.assertContains(response, "Thay người giúp đỡ")
        self.assertContains(response, f"?phan-cong={assignment.pk}")

    def test_a_transfer_from_another_branch_names_no_outsider(self):
        """Introducers, mentor and cell of the former branch go unnamed for the new cell."""
        candidacy = self.transferred_in()
        self.client.force_login(self.u.admin)  # the whole tree: the names are there to hide
        response = self.client.get(self.url(candidacy))
        self.assertContains(response, "Võ Văn Ngoài")
        self.assertContains(response, "Võ Thị Xa")
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(candidacy))
        self.assertEqual(response.status_code, 200)
        for name in ("Võ Văn Ngoài", "Võ Thị Xa", "Chi bộ thôn Nam"):
            self.assertNotContains(response, name)
        self.assertContains(response, "(người ngoài phạm vi của bạn)")
        self.assertContains(response, "(tổ chức ngoài phạm vi của bạn)")

    def test_outsider_gets_404(self):
        candidacy = self.candidacy()
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(self.url(candidacy)).status_code, 404)

    @time_machine.travel(BEFORE_VOTE, tick=False)
    def test_query_count_does_not_grow_with_the_events(self):
        few = self.trained("Nguyễn Văn Ít")
        for data in (introducer_paper(self.p.introducer1), {"kind": "application"}):
            services.record_step(few, Step.DOSSIER_PAPER, PAPERS_ON, data=data)
        many = self.trained("Nguyễn Văn Nhiều")
        for data in [
            {"kind": "application"},
            {"kind": "personal_history"},
            introducer_paper(self.p.introducer1),
            introducer_paper(self.p.introducer2),
            {"kind": "comments"},
            *[
                {"kind": "verification", "subject": s, "result": "ok"}
                for s in ("applicant", "father", "mother", "spouse", "child", "guardian", "father_in_law")
            ],
        ]:  # fmt: skip
            services.record_step(many, Step.DOSSIER_PAPER, PAPERS_ON, data=data)
        self.assertEqual(few.events.count(), 5)
        self.assertEqual(many.events.count(), 15)
        self.client.force_login(self.u.cell)
        self.client.get(self.url(few))  # warm up (session, content types)
        q_few = self.queries_of(self.url(few))[1]  # each GET answers 200
        q_many = self.queries_of(self.url(many))[1]
        self.assertEqual(len(q_few), len(q_many), q_many)
        self.assertLess(len(q_many), 20)
        self.assertEqual(AWARENESS_ON.year, 2024)
        self.assertLess(BEFORE_VOTE, CELL_ON)
