"""Giúp đỡ: a mentor's own assignments and one-form reports; writers' view of their subtree."""

from __future__ import annotations

from datetime import date

import time_machine

from ptdv.accounts.models import Role
from ptdv.pipeline import services
from ptdv.pipeline.models import MentorAssignment, MentorReport
from tests.base import WorldTestCase, make_user, populate

TODAY = date(2025, 9, 12)


def report_data(assignment: MentorAssignment, **changes) -> dict:
    data = {"period": "month", "period_start": "2025-09-01", "assessment": "good",
            "text": "Tích cực tham gia sinh hoạt chi đoàn, giúp đỡ bà con."}  # fmt: skip
    data.update(changes)
    return {f"a{assignment.pk}-{k}": v for k, v in data.items()}


@time_machine.travel(TODAY, tick=False)
class MentorPageTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)  # one assignment per cell; reports for 10/2024 only
        cls.mine = MentorAssignment.objects.get(candidacy=cls.made.A1)  # p.mentor helps A1
        cls.other = MentorAssignment.objects.get(candidacy=cls.made.A2)
        cls.mentor_user = make_user("giupdo", cls.o.A1, Role.VIEWER, person=cls.p.mentor)

    def url(self, assignment: MentorAssignment) -> str:
        return f"/giup-do/{assignment.pk}/bao-cao/"

    def test_a_mentor_sees_the_people_they_help_and_the_report_due(self):
        self.client.force_login(self.mentor_user)
        response = self.client.get("/giup-do/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([a.pk for a in response.context["own"]], [self.mine.pk])
        self.assertContains(response, "Những người tôi giúp đỡ")
        self.assertContains(response, self.made.A1.person.full_name)
        self.assertContains(response, f'href="/ho-so/{self.made.A1.pk}/"')
        self.assertContains(response, "Quần chúng ưu tú (cảm tình Đảng)")  # stage
        self.assertContains(response, "Chi bộ thôn Đông")
        self.assertContains(response, "01/10/2024")  # since
        self.assertContains(response, "Tháng 10/2024")  # last report
        self.assertContains(response, "Chưa báo cáo tháng này")
        # One short form, posted inline with htmx, month by default on this month.
        self.assertContains(response, f'hx-post="{self.url(self.mine)}"')
        self.assertContains(
            response, f'<label class="form-label small fw-semibold" for="id_a{self.mine.pk}-text">'
        )
        self.assertContains(response, 'value="01/09/2025"')
        self.assertContains(response, '<option value="month" selected>')
        # A read-only mentor does not get the subtree's list.
        self.assertNotIn("page", response.context)
        self.assertNotContains(response, self.made.A2.person.full_name)

    def test_no_report_for_a_period_not_yet_begun(self):
        self.client.force_login(self.mentor_user)
        for start in ("2025-10-01", "9999-12-31"):
            with self.subTest(start=start):
                response = self.client.post(
                    self.url(self.mine), report_data(self.mine, period_start=start)
                )
                self.assertContains(response, "Không báo cáo trước cho một kỳ chưa đến.")
        self.assertFalse(
            MentorReport.objects.filter(assignment=self.mine, period_start__gt=TODAY).exists()
        )
        # A later day of the current month is the current month: accepted.
        response = self.client.post(
            self.url(self.mine), report_data(self.mine, period_start="2025-09-30")
        )
        self.assertEqual(response.status_code, 302)

    def test_filing_a_report_then_the_same_period_again(self):
        self.client.force_login(self.mentor_user)
        response = self.client.post(self.url(self.mine), report_data(self.mine))
        self.assertRedirects(response, "/giup-do/", fetch_redirect_response=False)
        report = MentorReport.objects.get(assignment=self.mine, period_start=date(2025, 9, 1))
        self.assertEqual(
            (report.author, report.filed_on, report.assessment), (self.mentor_user, TODAY, "good")
        )
        page = self.client.get("/giup-do/")
        self.assertContains(page, "Đã lưu báo cáo tháng 09/2025 về")
        self.assertContains(page, "Đã báo cáo tháng này")
        self.assertContains(page, "Tháng 09/2025")
        # The same month again (any day of it): refused, what was typed is kept.
        response = self.client.post(
            self.url(self.mine),
            report_data(self.mine, period_start="2025-09-20", text="Lần hai, viết lại."),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Đã có báo cáo cho kỳ này.")
        self.assertContains(response, "Lần hai, viết lại.</textarea>")
        self.assertContains(response, 'value="2025-09-20"')
        self.assertEqual(MentorReport.objects.filter(assignment=self.mine).count(), 2)

    def test_htmx_filing_swaps_the_form_and_the_status(self):
        self.client.force_login(self.mentor_user)
        response = self.client.post(
            self.url(self.mine), report_data(self.mine), HTTP_HX_REQUEST="true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/mentor/_report_form.html")
        self.assertNotContains(response, "<html")
        self.assertContains(response, "Đã lưu báo cáo tháng 09/2025")
        self.assertContains(response, f'<span id="status-{self.mine.pk}" hx-swap-oob="true">')
        self.assertContains(response, "Đã báo cáo tháng này")
        response = self.client.post(
            self.url(self.mine),
            report_data(self.mine, text="Gõ lại lần nữa"),
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Đã có báo cáo cho kỳ này.")
        self.assertContains(response, "Gõ lại lần nữa</textarea>")
        self.assertNotContains(response, "hx-swap-oob")

    def test_bad_input_names_the_field_and_keeps_the_rest(self):
        self.client.force_login(self.mentor_user)
        response = self.client.post(
            self.url(self.mine), report_data(self.mine, text="  ", period_start="32/13/2025")
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nội dung nhận xét không được để trống.")
        self.assertContains(response, "Ngày trong kỳ báo cáo không hợp lệ")
        self.assertContains(response, "is-invalid")
        # A period before the assignment is refused by the service.
        response = self.client.post(
            self.url(self.mine), report_data(self.mine, period_start="2024-01-15")
        )
        self.assertContains(response, "Kỳ báo cáo nằm ngoài thời gian phân công giúp đỡ.")
        self.assertContains(response, "Tích cực tham gia sinh hoạt chi đoàn")
        self.assertFalse(MentorReport.objects.filter(assignment=self.mine, filed_on=TODAY).exists())

    def test_a_read_only_mentor_files_only_their_own(self):
        self.client.force_login(self.mentor_user)
        self.assertEqual(self.client.get(self.url(self.mine)).status_code, 200)
        # A2 is outside the mentor's cell: it looks missing.
        self.assertEqual(self.client.get(self.url(self.other)).status_code, 404)
        # A viewer of the district may see A2's assignment but not write for somebody else's.
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.client.get(self.url(self.other)).status_code, 403)
        self.assertEqual(
            self.client.post(self.url(self.other), report_data(self.other)).status_code, 403
        )
        self.assertFalse(
            MentorReport.objects.filter(assignment=self.other, filed_on=TODAY).exists()
        )
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(self.url(self.mine)).status_code, 404)
        self.assertEqual(self.client.get("/giup-do/987654321/bao-cao/").status_code, 404)

    def test_no_person_and_no_write_role_gets_an_explanation(self):
        self.client.force_login(self.u.viewer)
        response = self.client.get("/giup-do/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tài khoản chưa gắn với hồ sơ đảng viên")
        self.assertNotContains(response, self.made.A1.person.full_name)

    def test_writers_see_their_subtree_by_mentor_with_missing_reports_flagged(self):
        services.file_mentor_report(
            self.other, "quarter", date(2025, 7, 1), "Tốt.", "good", filed_on=TODAY
        )
        self.client.force_login(self.u.grassroots)  # Hòa An: A1, A2, AP1
        response = self.client.get("/giup-do/")
        self.assertEqual(response.status_code, 200)
        listed = {a.pk: a for a in response.context["page"].object_list}
        self.assertEqual(
            set(listed),
            set(
                MentorAssignment.objects.filter(
                    candidacy__in=[self.made.A1, self.made.A2, self.made.AP1]
                ).values_list("pk", flat=True)
            ),
        )
        self.assertTrue(listed[self.other.pk].reported)
        self.assertFalse(listed[self.mine.pk].reported)
        self.assertEqual(response.context["missing_count"], 2)
        self.assertContains(response, "Người giúp đỡ: Lê Văn Giúp")
        self.assertContains(response, "2 người chưa có báo cáo tháng 09/2025.")
        self.assertNotContains(response, self.made.B1.person.full_name)
        self.assertContains(response, f'href="{self.url(self.other)}"')
        # Only the missing ones, as a page and as the htmx partial.
        response = self.client.get("/giup-do/?missing=1")
        self.assertEqual(
            {a.pk for a in response.context["page"].object_list} & {self.other.pk}, set()
        )
        response = self.client.get(
            "/giup-do/?missing=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="scope-results"
        )
        self.assertTemplateUsed(response, "web/mentor/_scope.html")
        self.assertNotContains(response, "<html")
        # A writer files for any assignment of the subtree; a quarter covers the month.
        response = self.client.post(self.url(self.mine), report_data(self.mine, period="quarter"))
        self.assertRedirects(response, "/giup-do/")
        self.assertEqual(self.client.get("/giup-do/").context["missing_count"], 1)

    def test_a_cell_secretary_who_mentors_sees_both_lists(self):
        self.mentor_user.person = None
        self.mentor_user.save()
        cell_user = self.u.cell
        cell_user.person = self.p.mentor
        cell_user.save()
        self.client.force_login(cell_user)
        response = self.client.get("/giup-do/")
        self.assertEqual([a.pk for a in response.context["own"]], [self.mine.pk])
        self.assertEqual([a.pk for a in response.context["page"].object_list], [self.mine.pk])

    def test_the_report_page_works_without_javascript(self):
        services.file_mentor_report(
            self.mine, "month", date(2025, 8, 1), "Tháng tám tốt.", "fair", filed_on=TODAY
        )
        self.client.force_login(self.mentor_user)
        response = self.client.get(self.url(self.mine))
        self.assertTemplateUsed(response, "web/mentor/report.html")
        self.assertContains(response, "Tháng tám tốt.")
        self.assertContains(response, f'action="{self.url(self.mine)}"')
        self.assertContains(response, 'method="post"')

    def test_query_count_does_not_grow_with_the_assignments(self):
        self.client.force_login(self.u.committee)
        self.client.get("/giup-do/")  # warm up

        def more_assignments():
            for i in range(3):
                more = self.candidacy(f"Người Thêm {i}")
                services.record_step(more, "sympathiser", date(2024, 10, 1))
                services.assign_mentor(
                    more, (self.p.mentor2, self.p.introducer1, self.p.mentor)[i], date(2024, 10, 1)
                )

        response = self.assert_queries_do_not_grow(more_assignments, "/giup-do/").after
        self.assertEqual(len(response.context["page"].object_list), 8)
