"""Steps the services refuse, votes without two thirds, transfers, exits and re-entry."""

from __future__ import annotations

from datetime import date

from ptdv.people.models import MemberStatus
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import evaluate_candidacy
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import StepRefused
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage, Step
from tests.base import (
    AWARENESS_ON,
    CELL_ON,
    CEREMONY_ON,
    COMMENTS_ON,
    PAPERS_ON,
    PROBATION_END,
    RECOGNITION_CELL_ON,
    SOURCE_ON,
    SYMPATHISER_ON,
    VOTE_FAIL,
    VOTE_PASS,
    WorldTestCase,
    introducer_paper,
)


class OrderTests(WorldTestCase):
    def test_step_out_of_order_is_refused_and_nothing_is_written(self):
        candidacy = self.candidacy()
        with self.assertRaises(StepRefused) as caught:
            services.record_step(candidacy, Step.AWARENESS_CLASS, AWARENESS_ON)
        self.assertEqual(
            caught.exception.messages,
            ["Không thể ghi bước “Học lớp bồi dưỡng nhận thức về Đảng” khi hồ sơ đang ở giai đoạn "
             "“Nguồn”."],
        )  # fmt: skip
        candidacy.refresh_from_db()
        self.assertEqual((candidacy.stage, candidacy.version), (Stage.SOURCE, 1))
        self.assertEqual(candidacy.events.count(), 1)

    def test_cell_vote_before_papers_and_ceremony_before_decision_are_refused(self):
        candidacy = self.advance(self.candidacy(), Stage.AWARENESS_TRAINED)
        for step in (
            Step.CELL_RESOLUTION,
            Step.CEREMONY,
            Step.PARTY_CARD,
            Step.RECOGNITION_DECISION,
        ):
            with self.subTest(step=step), self.assertRaises(StepRefused):
                services.record_step(candidacy, step, CELL_ON, votes=VOTE_PASS)
        self.assertEqual(Candidacy.objects.get(pk=candidacy.pk).stage, Stage.AWARENESS_TRAINED)

    def test_source_is_only_recorded_by_opening(self):
        candidacy = self.candidacy()
        with self.assertRaises(StepRefused):
            services.record_step(candidacy, Step.SOURCE, SYMPATHISER_ON)
        with self.assertRaises(ValueError):
            services.record_step(candidacy, Step.CORRECTION, SYMPATHISER_ON)

    def test_a_date_before_the_current_stage_is_refused(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        with self.assertRaises(StepRefused) as caught:
            services.record_step(candidacy, Step.AWARENESS_CLASS, date(2024, 9, 30))
        self.assertIn(
            "trước ngày vào giai đoạn hiện tại (01/10/2024)", caught.exception.messages[0]
        )

    def test_vote_figures_are_required_and_consistent(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        for votes in (
            None,
            {"official_members": 9, "present": 8, "in_favour": 7},
            {"official_members": 9, "present": 10, "in_favour": 7, "against": 0},
            {"official_members": 9, "present": 8, "in_favour": 7, "against": 2},
            {"official_members": 9, "present": 8, "in_favour": -1, "against": 0},
        ):
            with self.subTest(votes=votes), self.assertRaises(StepRefused):
                services.record_step(candidacy, Step.CELL_RESOLUTION, CELL_ON, votes=votes)
        self.assertFalse(candidacy.events.filter(step=Step.CELL_RESOLUTION).exists())


class VoteTests(WorldTestCase):
    def test_two_thirds_of_the_official_members_not_of_those_present(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        # 5 of the 6 present, but 5 of 9 official members: not two thirds.
        event = services.record_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON,
            votes={"official_members": 9, "present": 6, "in_favour": 5, "against": 1},
        )  # fmt: skip
        self.assertIs(event.passed, False)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)
        # 6 of 9 is exactly two thirds.
        event = services.record_step(
            candidacy, Step.CELL_RESOLUTION, date(2025, 2, 17),
            votes={"official_members": 9, "present": 7, "in_favour": 6, "against": 1},
        )  # fmt: skip
        self.assertIs(event.passed, True)
        candidacy.refresh_from_db()
        self.assertEqual(
            (candidacy.stage, candidacy.stage_since), (Stage.CELL_RESOLVED, date(2025, 2, 17))
        )

    def test_failed_admission_votes_do_not_move_the_stage_and_three_are_reported(self):
        candidacy = self.advance(self.candidacy(), Stage.DOSSIER)
        since = candidacy.stage_since
        for k, on in enumerate((CELL_ON, date(2025, 3, 10), date(2025, 4, 7)), start=1):
            services.record_step(candidacy, Step.CELL_RESOLUTION, on, votes=VOTE_FAIL)
            candidacy.refresh_from_db()
            self.assertEqual((candidacy.stage, candidacy.stage_since), (Stage.DOSSIER, since))
            codes = evaluate_candidacy(candidacy, on).codes()
            self.assertEqual("votes.admission_failed_repeatedly" in codes, k >= 3, codes)
        self.assertEqual(
            candidacy.events.filter(step=Step.CELL_RESOLUTION, passed=False).count(), 3
        )
        self.assertEqual(Candidacy.objects.stage_counts(), {Stage.DOSSIER: 1})

    def test_three_failed_recognition_votes_send_the_matter_up(self):
        candidacy = self.advance(self.candidacy(), Stage.NEW_MEMBER_TRAINED)
        days = (RECOGNITION_CELL_ON, date(2026, 4, 27), date(2026, 5, 4))
        for on in days:
            services.record_step(candidacy, Step.RECOGNITION_CELL_RESOLUTION, on, votes=VOTE_FAIL)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.NEW_MEMBER_TRAINED)
        evaluation = evaluate_candidacy(candidacy, date(2026, 5, 5))
        going_up = [
            f for f in evaluation.blockers if f.code == "votes.recognition_failed_repeatedly"
        ]
        self.assertEqual(len(going_up), 1)
        self.assertIn("phải báo cáo cấp ủy cấp trên trực tiếp", going_up[0].message)
        # The cell does not vote a fourth time: the matter is for the committees.
        with self.assertRaises(StepRefused) as caught:
            services.record_step(
                candidacy, Step.RECOGNITION_CELL_RESOLUTION, date(2026, 5, 11), votes=VOTE_PASS
            )
        self.assertIn(going_up[0].message, caught.exception.messages)
        # … and the person is still probationary; an exit (not recognised) remains possible.
        services.record_step(
            candidacy, Step.NOT_RECOGNISED, date(2026, 6, 1), reason="Cấp ủy quyết định"
        )
        candidacy.refresh_from_db()
        candidacy.person.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.NOT_RECOGNISED)
        self.assertEqual(candidacy.person.member_status, MemberStatus.LEFT)
        self.assertEqual(candidacy.person.party_left_on, date(2026, 6, 1))
        self.assertIsNone(candidacy.person.party_official_on)


class BlockerTests(WorldTestCase):
    """Conditions that block the cell's admission vote, with the message the user sees."""

    def dossier(self, papers: list[tuple[date, dict]], **person_fields) -> Candidacy:
        candidacy = self.advance(self.candidacy(**person_fields), Stage.AWARENESS_TRAINED)
        for on, data in papers:
            services.record_step(candidacy, Step.DOSSIER_PAPER, on, data=data)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)
        return candidacy

    def papers(self, *introducers, skip=()) -> list[tuple[date, dict]]:
        rows = [
            (PAPERS_ON, {"kind": "application"}),
            (PAPERS_ON, {"kind": "personal_history"}),
            (date(2024, 12, 20), {"kind": "verification", "subject": "applicant", "result": "ok"}),
            *((date(2024, 12, 23), introducer_paper(i, **kw)) for i, kw in introducers),
            (COMMENTS_ON, {"kind": "comments"}),
        ]
        return [r for r in rows if r[1]["kind"] not in skip]

    def good_introducers(self):
        return [(self.p.introducer1, {}), (self.p.introducer2, {})]

    def assert_refused(self, candidacy: Candidacy, on: date, message: str) -> None:
        with self.assertRaises(StepRefused) as caught:
            services.record_step(candidacy, Step.CELL_RESOLUTION, on, votes=VOTE_PASS)
        self.assertIn(message, caught.exception.messages)
        self.assertTrue(all(f.is_error for f in caught.exception.findings))
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)
        self.assertFalse(candidacy.events.filter(step=Step.CELL_RESOLUTION).exists())

    def test_too_young_on_the_day_the_cell_considers(self):
        # 17 years and 11 months on CELL_ON (10/02/2025).
        birth = add_months(CELL_ON, -(18 * 12 - 1))
        candidacy = self.dossier(self.papers(*self.good_introducers()), birth_date=birth)
        self.assert_refused(
            candidacy,
            CELL_ON,
            "Người vào Đảng chưa đủ 18 tuổi vào ngày 10/02/2025 (mới 17 năm 11 tháng); "
            "đủ tuổi từ ngày 10/03/2025.",
        )
        # On the day of the 18th birthday the same dossier passes.
        services.record_step(candidacy, Step.CELL_RESOLUTION, date(2025, 3, 10), votes=VOTE_PASS)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CELL_RESOLVED)

    def test_introducer_who_knew_the_applicant_for_only_8_months(self):
        # Phạm Văn Mới became an official member 8 months before the vote and has worked with the
        # applicant for those 8 months only.
        introducers = [(self.p.introducer1, {}), (self.p.new_official, {"months_together": 8})]
        candidacy = self.dossier(self.papers(*introducers))
        self.assert_refused(
            candidacy,
            CELL_ON,
            "Người giới thiệu Phạm Văn Mới chưa đủ 12 tháng cùng công tác với người vào Đảng "
            "(mới 8 tháng).",
        )

    def test_probationary_introducer(self):
        introducers = [(self.p.introducer1, {}), (self.p.probationary, {})]
        candidacy = self.dossier(self.papers(*introducers))
        self.assert_refused(
            candidacy,
            CELL_ON,
            "Người giới thiệu Hoàng Thị Dự chưa là đảng viên chính thức khi giới thiệu.",
        )

    def test_missing_papers(self):
        candidacy = self.dossier(
            self.papers(*self.good_introducers(), skip=("verification", "comments"))
        )
        self.assert_refused(candidacy, CELL_ON, "Hồ sơ còn thiếu: Kết quả thẩm tra lý lịch.")
        self.assert_refused(
            candidacy,
            CELL_ON,
            "Hồ sơ còn thiếu: Tổng hợp ý kiến nhận xét của đoàn thể và chi ủy nơi cư trú.",
        )

    def test_only_one_introducer(self):
        candidacy = self.dossier(self.papers((self.p.introducer1, {})))
        with self.assertRaises(StepRefused) as caught:
            services.record_step(candidacy, Step.CELL_RESOLUTION, CELL_ON, votes=VOTE_PASS)
        self.assertTrue(
            any(m.startswith("Chưa đủ người giới thiệu") for m in caught.exception.messages)
        )

    def test_a_failed_vote_is_recorded_even_when_the_dossier_has_blockers(self):
        """A vote that does not move the stage is a fact of the meeting, not a step forward."""
        candidacy = self.dossier(self.papers(*self.good_introducers(), skip=("comments",)))
        event = services.record_step(candidacy, Step.CELL_RESOLUTION, CELL_ON, votes=VOTE_FAIL)
        self.assertIs(event.passed, False)

    def test_rules_can_be_waived_explicitly(self):
        candidacy = self.dossier(self.papers(*self.good_introducers(), skip=("comments",)))
        services.record_step(
            candidacy, Step.CELL_RESOLUTION, CELL_ON, votes=VOTE_PASS, enforce_rules=False
        )
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CELL_RESOLVED)


class RouteTests(WorldTestCase):
    """No level of the tree is skipped between the cell's resolution and the decision."""

    def test_no_level_is_skipped(self):
        cases = [
            (
                "A1",
                Step.ADMISSION_DECISION,
                "Cần có nghị quyết của đảng ủy cơ sở trước khi cấp ủy có thẩm quyền",
            ),
            ("A1", Step.PARTIAL_APPRAISAL, "Chi bộ không thuộc đảng ủy bộ phận nào"),
            ("AP1", Step.GRASSROOTS_RESOLUTION, "Cần có thẩm định của đảng ủy bộ phận"),
            ("AP1", Step.ADMISSION_DECISION, "Cần có nghị quyết của đảng ủy cơ sở"),
            ("G", Step.GRASSROOTS_RESOLUTION, "Chi bộ cơ sở là tổ chức cơ sở đảng"),
        ]
        for key, step, message in cases:
            with self.subTest(cell=key, step=step):
                cell = getattr(self.o, key)
                candidacy = self.advance(
                    self.candidacy(f"Người {key} {step}", cell=cell), Stage.CELL_RESOLVED
                )
                with self.assertRaises(StepRefused) as caught:
                    services.record_step(candidacy, step, date(2025, 3, 3))
                self.assertTrue(
                    caught.exception.messages[0].startswith(message), caught.exception.messages
                )
                self.assertEqual(Candidacy.objects.get(pk=candidacy.pk).stage, Stage.CELL_RESOLVED)


class RecognitionTimingTests(WorldTestCase):
    def test_recognition_vote_before_the_end_of_probation_is_refused(self):
        candidacy = self.advance(self.candidacy(), Stage.NEW_MEMBER_TRAINED)
        with self.assertRaises(StepRefused) as caught:
            services.record_step(
                candidacy, Step.RECOGNITION_CELL_RESOLUTION, date(2026, 3, 2), votes=VOTE_PASS
            )
        self.assertTrue(any("Chưa hết 12 tháng dự bị" in m for m in caught.exception.messages))

    def test_skipping_the_new_member_class_does_not_skip_the_probation(self):
        """From "probationary" the state machine allows the recognition vote; the rules still apply."""
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        with self.assertRaises(StepRefused) as caught:
            services.record_step(
                candidacy, Step.RECOGNITION_CELL_RESOLUTION, date(2025, 5, 12), votes=VOTE_PASS
            )
        self.assertTrue(any("Chưa hết 12 tháng dự bị" in m for m in caught.exception.messages))
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.PROBATIONARY)

    def test_late_ceremony_needs_the_superior_committees_consent(self):
        candidacy = self.advance(self.candidacy(), Stage.ADMISSION_DECIDED)
        late = date(2025, 6, 20)  # more than 30 working days after the decision (20/03/2025)
        with self.assertRaises(StepRefused) as caught:
            services.record_step(candidacy, Step.CEREMONY, late)
        self.assertTrue(
            any("cấp ủy cấp trên trực tiếp đồng ý" in m for m in caught.exception.messages)
        )
        services.record_step(candidacy, Step.CEREMONY, late, data={"superior_consent": True})
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.PROBATIONARY)
        self.assertEqual(candidacy.person.party_admitted_on, late)


class TransferTests(WorldTestCase):
    def test_transfer_moves_the_candidacy_and_the_person(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        event = services.record_step(
            candidacy, Step.TRANSFER, date(2024, 10, 20), data={"to_cell": self.o.A2.pk},
            reason="Chuyển nơi cư trú",
        )  # fmt: skip
        candidacy.refresh_from_db()
        candidacy.person.refresh_from_db()
        self.assertEqual(candidacy.cell, self.o.A2)
        self.assertEqual(candidacy.person.cell, self.o.A2)
        self.assertEqual(
            (candidacy.stage, candidacy.stage_since), (Stage.SYMPATHISER, SYMPATHISER_ON)
        )
        self.assertEqual(event.cell, self.o.A1)  # the cell at the time of the step
        self.assertEqual(event.data, {"to_cell": self.o.A2.pk, "from_cell": self.o.A1.pk})
        # The old cell's secretary no longer sees it; the committee above both still does.
        self.assertFalse(Candidacy.objects.visible_to(self.u.cell).filter(pk=candidacy.pk).exists())
        self.assertTrue(
            Candidacy.objects.visible_to(self.u.grassroots).filter(pk=candidacy.pk).exists()
        )
        # The next steps are recorded in the new cell.
        services.record_step(candidacy, Step.AWARENESS_CLASS, AWARENESS_ON)
        self.assertEqual(candidacy.events.get(step=Step.AWARENESS_CLASS).cell, self.o.A2)

    def test_transfer_to_another_branch(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        services.record_step(
            candidacy, Step.TRANSFER, date(2025, 6, 2), data={"to_cell": self.o.X1}
        )
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.cell, self.o.X1)
        self.assertTrue(
            Candidacy.objects.visible_to(self.u.outsider).filter(pk=candidacy.pk).exists()
        )
        self.assertFalse(
            Candidacy.objects.visible_to(self.u.committee).filter(pk=candidacy.pk).exists()
        )

    def test_transfer_needs_another_cell(self):
        candidacy = self.candidacy()
        for target in (None, self.o.A1.pk, self.o.A.pk, 999_999, "x"):
            with self.subTest(target=target), self.assertRaises(StepRefused):
                services.record_step(
                    candidacy, Step.TRANSFER, SYMPATHISER_ON, data={"to_cell": target}
                )
        # A chi bộ cơ sở is a cell.
        services.record_step(
            candidacy, Step.TRANSFER, SYMPATHISER_ON, data={"to_cell": self.o.G.pk}
        )
        self.assertEqual(Candidacy.objects.get(pk=candidacy.pk).cell, self.o.G)


class ExitAndReentryTests(WorldTestCase):
    def test_exits_close_the_candidacy(self):
        for exit_step, stage in (
            (Step.WITHDRAWN, Stage.WITHDRAWN),
            (Step.REMOVED_FROM_LIST, Stage.REMOVED_FROM_LIST),
            (Step.MOVED_AWAY, Stage.MOVED_AWAY),
            (Step.DECEASED, Stage.DECEASED),
        ):
            with self.subTest(exit=exit_step):
                candidacy = self.advance(self.candidacy(f"Người {exit_step}"), Stage.SYMPATHISER)
                services.record_step(candidacy, exit_step, date(2024, 11, 1), reason="Lý do")
                candidacy.refresh_from_db()
                self.assertEqual((candidacy.stage, candidacy.closed_on), (stage, date(2024, 11, 1)))
                self.assertTrue(candidacy.is_closed)
                self.assertIsNone(candidacy.next_due)
                self.assertFalse(Candidacy.objects.open().filter(pk=candidacy.pk).exists())
                with self.assertRaises(StepRefused):
                    services.record_step(candidacy, Step.AWARENESS_CLASS, AWARENESS_ON)
                with self.assertRaises(StepRefused):
                    services.record_step(
                        candidacy, Step.TRANSFER, AWARENESS_ON, data={"to_cell": self.o.A2.pk}
                    )

    def test_an_exit_needs_its_reason(self):
        candidacy = self.advance(self.candidacy(), Stage.SYMPATHISER)
        with self.assertRaisesMessage(StepRefused, "Cần ghi lý do"):
            services.record_step(candidacy, Step.REMOVED_FROM_LIST, date(2024, 11, 1), reason=" ")
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.SYMPATHISER)

    def test_a_member_cannot_withdraw_like_a_candidate(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        with self.assertRaises(StepRefused):
            services.record_step(candidacy, Step.WITHDRAWN, date(2025, 5, 1), reason="Xin rút")
        # Moving away ends the candidacy but the person stays a probationary member.
        services.record_step(candidacy, Step.MOVED_AWAY, date(2025, 5, 1), reason="Chuyển đi")
        candidacy.person.refresh_from_db()
        self.assertEqual(candidacy.person.member_status, MemberStatus.PROBATIONARY)

    def test_exits_after_the_ceremony_keep_the_membership(self):
        official = self.advance(self.candidacy("Người chuyển đi"), Stage.OFFICIAL)
        services.record_step(official, Step.MOVED_AWAY, date(2026, 7, 20), reason="Chuyển công tác")
        official.person.refresh_from_db()
        self.assertEqual(
            (
                official.person.member_status,
                official.person.party_official_on,
                official.person.party_left_on,
            ),
            (MemberStatus.OFFICIAL, PROBATION_END, None),
        )
        deceased = self.advance(self.candidacy("Người từ trần"), Stage.PROBATIONARY)
        services.record_step(deceased, Step.DECEASED, date(2025, 9, 9), reason="Từ trần")
        deceased.person.refresh_from_db()
        self.assertEqual(deceased.person.member_status, MemberStatus.PROBATIONARY)
        self.assertEqual(deceased.person.party_admitted_on, CEREMONY_ON)
        self.assertEqual(deceased.person.party_left_on, date(2025, 9, 9))

    def test_reentry_opens_attempt_two_only_after_the_first_is_closed(self):
        first = self.advance(self.candidacy(), Stage.SYMPATHISER)
        person = first.person
        with self.assertRaises(StepRefused) as caught:
            services.open_candidacy(person, date(2025, 1, 5))
        self.assertEqual(
            caught.exception.messages, ["Nguyễn Văn An đang có hồ sơ chưa kết thúc (lần 1)."]
        )
        services.record_step(first, Step.WITHDRAWN, date(2024, 12, 1), reason="Hoàn cảnh gia đình")
        second = services.open_candidacy(person, date(2025, 9, 1))
        self.assertEqual(
            (second.attempt, second.stage, second.opened_on), (2, Stage.SOURCE, date(2025, 9, 1))
        )
        self.assertEqual(list(second.events.values_list("seq", "step")), [(1, Step.SOURCE)])
        self.assertEqual(Candidacy.objects.filter(person=person).count(), 2)
        self.assertEqual(Candidacy.objects.stage_counts(), {Stage.WITHDRAWN: 1, Stage.SOURCE: 1})
        with self.assertRaises(StepRefused):
            services.open_candidacy(person, date(2025, 9, 2))

    def test_open_candidacy_needs_a_cell(self):
        person = self.p.member_B1
        with self.assertRaises(StepRefused):
            services.open_candidacy(person, SOURCE_ON, cell=self.o.B)
        self.assertFalse(Event.objects.filter(candidacy__person=person).exists())
