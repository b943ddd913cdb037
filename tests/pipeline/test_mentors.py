"""Mentors (đảng viên được phân công giúp đỡ) and their monthly, quarterly and yearly reports."""

from __future__ import annotations

from datetime import date

from ptdv.pipeline import services
from ptdv.pipeline.evaluation import evaluate_candidacy
from ptdv.pipeline.models import MentorAssignment, MentorReport
from ptdv.pipeline.services import StepRefused
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage
from tests.base import CELL_ON, SYMPATHISER_ON, WorldTestCase

START = date(2024, 11, 5)


class AssignmentTests(WorldTestCase):
    def setUp(self):
        self.c = self.advance(self.candidacy(), Stage.SYMPATHISER)

    def test_assign(self):
        self.assertIn("mentor.none", evaluate_candidacy(self.c, START).codes())
        a = services.assign_mentor(self.c, self.p.mentor, START)
        self.assertEqual((a.mentor, a.start, a.end), (self.p.mentor, START, None))
        self.assertNotIn("mentor.none", evaluate_candidacy(self.c, START).codes())

    def test_replace_ends_the_current_assignment(self):
        old = services.assign_mentor(self.c, self.p.mentor, START)
        new = services.assign_mentor(
            self.c, self.p.mentor2, date(2025, 3, 1), reason="Chuyển công tác"
        )
        old.refresh_from_db()
        self.assertIsNotNone(old.end)
        self.assertLessEqual(old.end, new.start)
        self.assertEqual(old.end_reason, "Chuyển công tác")
        self.assertEqual(
            list(MentorAssignment.objects.filter(candidacy=self.c, end__isnull=True)), [new]
        )
        # Without a reason the replacement says so.
        services.assign_mentor(self.c, self.p.mentor, date(2025, 6, 1))
        new.refresh_from_db()
        self.assertEqual(new.end_reason, "Thay người giúp đỡ")

    def test_the_mentor_must_be_an_official_member_on_the_date(self):
        with self.assertRaises(StepRefused) as caught:
            services.assign_mentor(self.c, self.p.probationary, START)
        self.assertEqual(
            caught.exception.messages,
            ["Hoàng Thị Dự không phải là đảng viên chính thức vào ngày 05/11/2024."],
        )
        official_on = add_months(CELL_ON, -8)  # Phạm Văn Mới's official date
        with self.assertRaises(StepRefused):
            services.assign_mentor(self.c, self.p.new_official, date(2024, 6, 9))
        self.assertEqual(official_on, date(2024, 6, 10))
        services.assign_mentor(self.c, self.p.new_official, official_on)
        # A member who has left the party cannot mentor.
        self.p.mentor2.party_left_on = date(2024, 12, 1)
        self.p.mentor2.save()
        with self.assertRaises(StepRefused):
            services.assign_mentor(self.c, self.p.mentor2, date(2024, 12, 2))
        self.assertFalse(
            MentorAssignment.objects.filter(
                mentor__in=[self.p.probationary, self.p.mentor2]
            ).exists()
        )

    def test_other_refusals(self):
        a = self.c.person
        with self.assertRaises(StepRefused):
            services.assign_mentor(self.c, a, START)  # not a member, and oneself
        services.assign_mentor(self.c, self.p.mentor, START)
        with self.assertRaises(StepRefused):
            services.assign_mentor(self.c, self.p.mentor, date(2025, 1, 1))  # already assigned
        with self.assertRaises(StepRefused):
            services.assign_mentor(self.c, self.p.mentor2, SYMPATHISER_ON)  # before the current one
        self.assertEqual(MentorAssignment.objects.filter(candidacy=self.c).count(), 1)

    def test_end_mentor(self):
        a = services.assign_mentor(self.c, self.p.mentor, START)
        with self.assertRaises(StepRefused):
            services.end_mentor(a, date(2024, 11, 1), "Nhầm")
        services.end_mentor(a, date(2025, 2, 1), "Kết thúc")
        a.refresh_from_db()
        self.assertEqual((a.end, a.end_reason), (date(2025, 2, 1), "Kết thúc"))


class ReportTests(WorldTestCase):
    def setUp(self):
        self.c = self.advance(self.candidacy(), Stage.SYMPATHISER)
        self.a = services.assign_mentor(self.c, self.p.mentor, START)

    def report(self, period, start, text="Tích cực tham gia phong trào của thôn.", **kw):
        kw.setdefault("filed_on", date(2025, 1, 5))
        return services.file_mentor_report(
            self.a, period, start, text, kw.pop("assessment", "good"), **kw
        )

    def test_monthly_quarterly_and_yearly_reports(self):
        self.report("month", date(2024, 11, 1), author=self.u.cell)
        self.report("month", date(2024, 12, 1), assessment="fair")
        self.report("quarter", date(2024, 10, 1))  # the quarter in which the assignment began
        self.report("year", date(2024, 1, 1), filed_on=date(2025, 1, 10))
        self.report("quarter", date(2025, 1, 1), filed_on=date(2025, 4, 2))
        rows = list(MentorReport.objects.filter(assignment=self.a).order_by("period", "period_start")
                    .values_list("period", "period_start"))  # fmt: skip
        self.assertEqual(rows, [
            ("month", date(2024, 11, 1)), ("month", date(2024, 12, 1)),
            ("quarter", date(2024, 10, 1)), ("quarter", date(2025, 1, 1)),
            ("year", date(2024, 1, 1)),
        ])  # fmt: skip
        self.assertEqual(
            MentorReport.objects.get(period="month", period_start=date(2024, 11, 1)).author,
            self.u.cell,
        )

    def test_duplicate_period_is_refused(self):
        self.report("month", date(2024, 12, 1))
        with self.assertRaises(StepRefused) as caught:
            self.report("month", date(2024, 12, 1), text="Lần hai")
        self.assertEqual(caught.exception.messages, ["Đã có báo cáo cho kỳ này."])
        # The same month named by another of its days is the same period.
        with self.assertRaises(StepRefused):
            self.report("month", date(2024, 12, 15), text="Lần ba")
        self.report("quarter", date(2024, 10, 1))
        with self.assertRaises(StepRefused):
            self.report("quarter", date(2024, 11, 1))
        self.assertEqual(MentorReport.objects.count(), 2)
        # A month and the quarter that contains it are different periods.
        self.report("month", date(2024, 11, 1))

    def test_periods_are_stored_by_their_first_day(self):
        r = self.report("quarter", date(2025, 2, 14))
        self.assertEqual(r.period_start, date(2025, 1, 1))
        r = self.report("year", date(2025, 6, 30))
        self.assertEqual(r.period_start, date(2025, 1, 1))

    def test_reports_outside_the_assignment_are_refused(self):
        with self.assertRaises(StepRefused):
            self.report("month", date(2024, 10, 1))  # the month before the assignment
        services.assign_mentor(self.c, self.p.mentor2, date(2025, 3, 10))
        self.a.refresh_from_db()
        later = date(2025, 4, 30)  # filed once the months have begun
        self.report("month", date(2025, 3, 1), filed_on=later)  # the old assignment's last month
        with self.assertRaises(StepRefused) as caught:
            self.report("month", date(2025, 4, 1), filed_on=later)
        self.assertEqual(
            caught.exception.messages, ["Kỳ báo cáo nằm ngoài thời gian phân công giúp đỡ."]
        )

    def test_no_report_for_a_period_not_yet_begun(self):
        with self.assertRaises(StepRefused) as caught:
            self.report("month", date(2025, 2, 1), filed_on=date(2025, 1, 31))
        self.assertEqual(caught.exception.messages, ["Không báo cáo trước cho một kỳ chưa đến."])
        self.report("year", date(2025, 12, 31), filed_on=date(2025, 1, 5))  # the year has begun

    def test_empty_text_and_unknown_period_are_refused(self):
        with self.assertRaises(StepRefused):
            self.report("month", date(2024, 12, 1), text="  ")
        with self.assertRaises(StepRefused):
            self.report("week", date(2024, 12, 2))
        self.assertFalse(MentorReport.objects.exists())
