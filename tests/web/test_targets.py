"""Chỉ tiêu: the list of targets, the forms that register them, their admin."""

from __future__ import annotations

from unittest import mock

from django.urls import NoReverseMatch

from ptdv.accounts.models import Role
from ptdv.reports.forms import TargetForm
from ptdv.reports.models import Target
from ptdv.web.views import targets as views
from tests.base import CreatePageAccessTests, WorldTestCase, WritePageAccessTests, make_user


def target(organisation, first: int, last: int | None = None, admissions: int = 3, **fields):
    return Target.objects.create(
        organisation=organisation,
        first_year=first,
        last_year=last or first,
        admissions=admissions,
        **fields,
    )


def form_data(organisation, **changes) -> dict:
    data = {
        "organisation": organisation.pk,
        "kind": "year",
        "first_year": "2026",
        "last_year": "",
        "admissions": "4",
        "women": "2",
        "youth": "",
        "ethnic_minority": "",
        "local_residents": "",
        "enterprise_workers": "",
        "village_coverage": "",
        "school_coverage": "",
        "health_station_coverage": "",
        "basis": "Nghị quyết Đại hội chi bộ",
    }
    data.update(changes)
    return data


class TargetListTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        o = cls.o
        cls.a_term = target(o.A, 2021, 2025, admissions=40, basis="Nghị quyết Đại hội lần thứ XX")
        cls.a1 = target(o.A1, 2025, women=1, youth=2, village_coverage=85)
        cls.b1 = target(o.B1, 2025)
        cls.x1 = target(o.X1, 2025)

    def listed(self, user, query: str = "") -> list[Target]:
        self.client.force_login(user)
        response = self.client.get(f"/chi-tieu/?{query}")
        self.assertEqual(response.status_code, 200)
        return [row["target"] for row in response.context["rows"]]

    def test_it_lists_only_the_targets_in_scope_by_path_then_years(self):
        self.assertEqual(self.listed(self.u.committee), [self.a_term, self.a1, self.b1])
        self.assertEqual(self.listed(self.u.grassroots), [self.a_term, self.a1])
        self.assertEqual(self.listed(self.u.cell), [self.a1])
        self.assertEqual(self.listed(self.u.outsider), [self.x1])
        self.assertEqual(self.listed(self.u.admin), [self.a_term, self.a1, self.b1, self.x1])

    def test_it_drills_down_to_an_organisation_and_filters_by_year(self):
        o = self.o
        self.assertEqual(self.listed(self.u.committee, f"to_chuc={o.A.pk}"), [self.a_term, self.a1])
        self.assertEqual(self.listed(self.u.committee, f"to_chuc={o.B1.pk}"), [self.b1])  # a leaf
        # A term covers each of its years.
        self.assertEqual(self.listed(self.u.committee, "nam=2023"), [self.a_term])
        self.assertEqual(
            self.listed(self.u.committee, f"nam=2025&to_chuc={o.A.pk}"), [self.a_term, self.a1]
        )
        self.assertEqual(self.listed(self.u.committee, "nam=2030"), [])

    def test_an_organisation_outside_the_subtree_is_an_error_not_a_wider_list(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/chi-tieu/?to_chuc={self.o.X.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["rows"], [])
        self.assertTrue(response.context["errors"])
        self.assertNotContains(response, self.o.X1.name)

    def test_the_page_shows_the_explanation_columns_and_links(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/chi-tieu/")
        self.assertContains(response, "đăng ký chỉ tiêu phát triển đảng viên của mình")
        self.assertContains(response, "tổng chỉ tiêu của các đơn vị trực thuộc")
        self.assertContains(response, "Nhiệm kỳ 2021–2025")
        self.assertContains(response, "Nghị quyết Đại hội lần thứ XX")
        self.assertContains(response, "Thôn, bản, tổ dân phố có chi bộ: 85%")
        self.assertContains(response, f'href="/chi-tieu/{self.a1.pk}/sua/"')
        self.assertContains(response, f'href="/chi-tieu/them/?to_chuc={self.o.A.pk}"')
        # The drill-down offers the user's organisation and its children, nothing above.
        choices = [
            str(v) for v, _label in response.context["form"].fields["to_chuc"].widget.choices
        ]
        self.assertEqual(choices, [str(o.pk) for o in (self.o.A, self.o.A1, self.o.A2, self.o.AP)])

    def test_a_reader_gets_no_write_links(self):
        self.client.force_login(self.u.viewer)
        response = self.client.get("/chi-tieu/")
        self.assertNotContains(response, "/chi-tieu/them/")
        self.assertNotContains(response, "/sua/")

    def test_htmx_gets_the_results_only(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/chi-tieu/?nam=2025", HTTP_HX_REQUEST="true")
        self.assertTemplateUsed(response, "web/targets/_list.html")
        self.assertTemplateNotUsed(response, "web/targets/list.html")

    def test_each_row_links_to_the_achievement_report_of_its_period(self):
        with mock.patch.object(views, "reverse", return_value="/bao-cao/chi-tieu/"):
            url = views.report_url(self.a_term)
        self.assertEqual(
            url, f"/bao-cao/chi-tieu/?to_chuc={self.o.A.pk}&tu_ngay=2021-01-01&den_ngay=2025-12-31"
        )
        with mock.patch.object(views, "reverse", side_effect=NoReverseMatch):
            self.assertIsNone(views.report_url(self.a1))  # before the report page exists

    def test_queries_do_not_grow_with_the_rows(self):
        self.client.force_login(self.u.committee)

        def more_targets():
            for year in range(2010, 2020):
                target(self.o.A2, year)

        self.assert_queries_do_not_grow(more_targets, lambda: self.client.get("/chi-tieu/"))


class TargetNewAccessTests(CreatePageAccessTests, WorldTestCase):
    """The new target's form: readers 403, writers get the form."""

    def access_url(self):
        return "/chi-tieu/them/"

    def access_post_data(self, user):
        return form_data(self.o.A1)

    def assert_nothing_written(self):
        self.assertFalse(Target.objects.exists())


class TargetFormTests(WritePageAccessTests, WorldTestCase):
    # The inherited access tests on the edit and delete pages of a target of Chi bộ thôn Đông.

    def access_urls(self):
        self.access_target = target(self.o.A1, 2025)
        pk = self.access_target.pk
        return [f"/chi-tieu/{pk}/sua/", f"/chi-tieu/{pk}/xoa/"]

    def missing_urls(self):
        return ["/chi-tieu/99999999/sua/", "/chi-tieu/99999999/xoa/"]

    def access_post_data(self, user):
        # The outsider fills in the form for their own cell.
        return form_data(self.o.X1 if user == self.u.outsider else self.o.A1)

    def assert_nothing_written(self):
        kept = Target.objects.get()
        self.assertEqual(kept, self.access_target)
        self.assertEqual((kept.organisation, kept.admissions), (self.o.A1, 3))

    def post(self, user, url: str, data: dict):
        self.client.force_login(user)
        return self.client.post(url, data)

    def test_a_cell_secretary_registers_a_target_for_their_cell(self):
        response = self.post(self.u.cell, "/chi-tieu/them/", form_data(self.o.A1))
        self.assertRedirects(
            response, f"/chi-tieu/?to_chuc={self.o.A1.pk}", fetch_redirect_response=False
        )
        saved = Target.objects.get()
        self.assertEqual(
            (saved.organisation, saved.first_year, saved.last_year), (self.o.A1, 2026, 2026)
        )
        self.assertEqual((saved.admissions, saved.women, saved.youth), (4, 2, None))
        page = self.client.get(response["Location"])
        self.assertContains(page, "Đã đăng ký chỉ tiêu năm 2026 cho Chi bộ thôn Đông.")

    def test_the_form_defaults_to_the_users_organisation_or_the_one_asked_for(self):
        self.client.force_login(self.u.grassroots)
        form = self.client.get("/chi-tieu/them/").context["form"]
        self.assertEqual(form["organisation"].value(), self.o.A.pk)
        self.assertEqual(form["kind"].value(), "year")
        form = self.client.get(f"/chi-tieu/them/?to_chuc={self.o.A2.pk}").context["form"]
        self.assertEqual(str(form["organisation"].value()), str(self.o.A2.pk))
        offered = {o.pk for o in form.fields["organisation"].queryset}
        self.assertEqual(
            offered, {self.o.A.pk, self.o.A1.pk, self.o.A2.pk, self.o.AP.pk, self.o.AP1.pk}
        )

    def test_no_target_for_an_organisation_outside_the_subtree(self):
        for organisation in (self.o.B1, self.o.A, self.o.X1):  # a cousin, the parent, an outsider
            with self.subTest(organisation=organisation.name):
                response = self.post(self.u.cell, "/chi-tieu/them/", form_data(organisation))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    response.context["form"].errors["organisation"],
                    ["Chỉ được đăng ký chỉ tiêu cho tổ chức của mình hoặc tổ chức trực thuộc."],
                )
        self.assertFalse(Target.objects.exists())

    def test_a_committee_registers_for_a_unit_of_its_subtree(self):
        response = self.post(
            self.u.committee,
            "/chi-tieu/them/",
            form_data(self.o.AP1, kind="term", first_year="2025", last_year="2030"),
        )
        self.assertEqual(response.status_code, 302)
        saved = Target.objects.get()
        self.assertEqual(
            (saved.organisation, saved.first_year, saved.last_year), (self.o.AP1, 2025, 2030)
        )
        self.assertTrue(saved.is_term)

    def test_a_duplicate_is_a_form_error_naming_the_existing_target(self):
        existing = target(self.o.A1, 2026)
        response = self.post(self.u.cell, "/chi-tieu/them/", form_data(self.o.A1))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.duplicate, existing)
        [error] = form.errors["organisation"]
        self.assertIn("Chi bộ thôn Đông đã có chỉ tiêu năm 2026 (đăng ký ngày", error)
        self.assertEqual(form.non_field_errors(), [])  # Django's generic message is not added
        self.assertContains(response, f'href="/chi-tieu/{existing.pk}/sua/"')
        self.assertEqual(Target.objects.count(), 1)

    def test_editing_into_an_existing_period_is_a_duplicate_too(self):
        target(self.o.A1, 2026)
        other = target(self.o.A1, 2027)
        response = self.post(self.u.cell, f"/chi-tieu/{other.pk}/sua/", form_data(self.o.A1))
        self.assertIn("đã có chỉ tiêu năm 2026", response.context["form"].errors["organisation"][0])
        other.refresh_from_db()
        self.assertEqual(other.first_year, 2027)

    def test_a_duplicate_registered_at_the_same_moment_is_the_same_error(self):
        existing = target(self.o.A1, 2026)
        # Both checks passed before the other request's row was committed: the INSERT fails.
        with (
            mock.patch.object(TargetForm, "_check_duplicate"),
            mock.patch.object(Target, "validate_constraints"),
        ):
            response = self.post(self.u.cell, "/chi-tieu/them/", form_data(self.o.A1))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].duplicate, existing)
        self.assertIn("đã có chỉ tiêu năm 2026", response.context["form"].errors["organisation"][0])
        self.assertEqual(Target.objects.count(), 1)

    def test_a_composition_target_larger_than_the_admissions_is_a_field_error(self):
        response = self.post(
            self.u.cell, "/chi-tieu/them/", form_data(self.o.A1, admissions="3", youth="5")
        )
        self.assertEqual(
            response.context["form"].errors["youth"],
            ["Không được lớn hơn số đảng viên kết nạp (3)."],
        )
        self.assertFalse(Target.objects.exists())

    def test_the_years_of_a_term(self):
        cases = {
            "last year before the first": (
                {"first_year": "2025", "last_year": "2020"},
                "last_year",
                "Năm cuối phải bằng hoặc sau năm đầu.",
            ),
            "no last year": ({"first_year": "2025"}, "last_year", "Nhập năm cuối của nhiệm kỳ."),
            "the same year": (
                {"first_year": "2025", "last_year": "2025"},
                "kind",
                "Một nhiệm kỳ gồm từ hai năm trở lên: chỉ tiêu của một năm thì chọn “Năm”.",
            ),
            "too long": (
                {"first_year": "2020", "last_year": "2030"},
                "last_year",
                "Một nhiệm kỳ dài nhất 5 năm (6 năm dương lịch).",
            ),
        }
        for case, (years, field, message) in cases.items():
            with self.subTest(case):
                response = self.post(
                    self.u.cell, "/chi-tieu/them/", form_data(self.o.A1, kind="term", **years)
                )
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["form"].errors[field], [message])
        self.assertFalse(Target.objects.exists())

    def test_a_one_year_target_ignores_the_last_year_typed(self):
        response = self.post(
            self.u.cell,
            "/chi-tieu/them/",
            form_data(self.o.A1, first_year="2026", last_year="2020"),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Target.objects.get().last_year, 2026)

    def test_editing_a_target(self):
        existing = target(self.o.A1, 2026)
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/chi-tieu/{existing.pk}/sua/")
        self.assertEqual(page.context["form"]["kind"].value(), "year")
        self.assertContains(page, f'href="/chi-tieu/{existing.pk}/xoa/"')
        response = self.client.post(
            f"/chi-tieu/{existing.pk}/sua/",
            form_data(self.o.A1, kind="term", first_year="2026", last_year="2030", admissions="12"),
        )
        self.assertEqual(response.status_code, 302)
        existing.refresh_from_db()
        self.assertEqual((existing.last_year, existing.admissions), (2030, 12))
        page = self.client.get(f"/chi-tieu/{existing.pk}/sua/")
        self.assertEqual(page.context["form"]["kind"].value(), "term")

    def test_an_invalid_edit_keeps_the_page_whole(self):
        existing = target(self.o.A1, 2021, 2025)
        response = self.post(
            self.u.cell,
            f"/chi-tieu/{existing.pk}/sua/",
            form_data(self.o.A1, kind="term", first_year="", last_year=""),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sửa chỉ tiêu nhiệm kỳ 2021–2025 của Chi bộ thôn Đông")
        self.assertIn("first_year", response.context["form"].errors)

    def test_deleting_asks_first_then_deletes_on_post(self):
        existing = target(self.o.A1, 2026)
        self.client.force_login(self.u.cell)
        confirm = self.client.get(f"/chi-tieu/{existing.pk}/xoa/")
        self.assertContains(confirm, "Không thể hoàn tác")
        self.assertTrue(Target.objects.exists())
        response = self.client.post(f"/chi-tieu/{existing.pk}/xoa/")
        self.assertRedirects(response, f"/chi-tieu/?to_chuc={self.o.A1.pk}")
        self.assertFalse(Target.objects.exists())


class TargetAdminTests(WorldTestCase):
    """The admin is for administrators (tests/access/test_admin.py): of a cell, a district…"""

    def test_the_changelist_is_scoped(self):
        a1, x1 = target(self.o.A1, 2025), target(self.o.X1, 2025)
        b1 = target(self.o.B1, 2025)
        for user, expected in (
            (make_user("quantri_chibo", self.o.A1, Role.ADMIN), [a1]),
            (make_user("quantri_huyen", self.o.D, Role.ADMIN), [a1, b1]),
            (make_user("quantri_ngoai", self.o.E, Role.ADMIN), [x1]),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get("/quan-tri/reports/target/")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(list(response.context["cl"].result_list), expected)

    def test_administrators_add_inside_their_subtree_only_others_do_not_enter(self):
        self.client.force_login(make_user("quantri_chibo", self.o.A1, Role.ADMIN))
        data = {"organisation": self.o.A1.pk, "first_year": "2026", "last_year": "", "admissions": "2",
                "basis": ""}  # fmt: skip
        response = self.client.post("/quan-tri/reports/target/add/", data)
        self.assertEqual(
            response.status_code,
            302,
            response.context and response.context["adminform"].form.errors,
        )
        self.assertEqual(Target.objects.get().last_year, 2026)  # empty last year: one year
        response = self.client.post(
            "/quan-tri/reports/target/add/", data | {"organisation": self.o.B1.pk}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("organisation", response.context["adminform"].form.errors)
        response = self.client.post("/quan-tri/reports/target/add/", data)
        self.assertIn(
            "đã có chỉ tiêu năm 2026",
            response.context["adminform"].form.errors["organisation"][0],
        )
        existing = Target.objects.get()
        change = f"/quan-tri/reports/target/{existing.pk}/change/"
        for user in (self.u.viewer, self.u.cell):
            self.client.force_login(user)
            for response in (self.client.get(change), self.client.post(change, data)):
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/quan-tri/login/"))
