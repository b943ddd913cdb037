"""The report pages, their Excel workbooks, the lists behind the figures and the charts."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.test import SimpleTestCase
from django.utils import translation
from openpyxl import load_workbook

from ptdv.reports import charts
from ptdv.reports.excel import write_report
from ptdv.reports.tables import INT, PERCENT, TEXT, Cell, Chart, Column, Report, Row, Series, Table
from ptdv.rules.stages import Stage
from ptdv.web.views.report_display import show_value
from ptdv.web.views.report_form import PAGES, current_term
from ptdv.xlsx import XLSX_MIME
from tests.base import CEREMONY_ON, WorldTestCase, advance, introducers_for, new_candidacy

TODAY = date(2025, 9, 1)  # the default period, 01/01/2025 – today, holds CEREMONY_ON
SIGNED_IN = ("cell", "grassroots", "committee", "viewer", "admin", "outsider")


def xlsx(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


def sheet_values(sheet) -> list:
    return [c.value for row in sheet.iter_rows() for c in row if c.value is not None]


def drill_links(html: str, code: str) -> list[dict[str, list[str]]]:
    """The query of every link of the page to the list behind the figure ``code``."""
    hrefs = re.findall(r'href="([^"]*chi-tiet/\?[^"]*)"', html)
    queries = [parse_qs(urlsplit(h.replace("&amp;", "&")).query) for h in hrefs]
    return [q for q in queries if q.get("so_lieu") == [code]]


@time_machine.travel(TODAY, tick=False)
class ReportPagesTests(WorldTestCase):
    def test_index_lists_the_seven_reports(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/bao-cao/")
        self.assertEqual(response.status_code, 200)
        for page in PAGES:
            self.assertContains(response, f'href="/bao-cao/{page.slug}/"')
        self.assertEqual(len(PAGES), 7)

    def test_every_report_opens_with_its_defaults_for_every_role(self):
        for role in SIGNED_IN:
            user = getattr(self.u, role)
            self.client.force_login(user)
            for page in PAGES:
                with self.subTest(role=role, report=page.kind):
                    response = self.client.get(f"/bao-cao/{page.slug}/")
                    self.assertEqual(response.status_code, 200)
                    report = response.context["report"]
                    self.assertIsNotNone(report, response.context["errors"])
                    self.assertEqual(report.organisation, user.organisation)
                    self.assertContains(response, "Tải Excel")

    def test_default_period_runs_from_new_year_to_today(self):
        self.client.force_login(self.u.committee)
        report = self.client.get("/bao-cao/dang-vien-moi/").context["report"]
        self.assertEqual((report.start, report.end), (date(2025, 1, 1), TODAY))
        report = self.client.get("/bao-cao/dang-vien/").context["report"]
        self.assertEqual(report.on, TODAY)
        report = self.client.get("/bao-cao/to-chuc/").context["report"]
        self.assertEqual((report.start, report.on), (date(2025, 1, 1), TODAY))

    def test_an_organisation_outside_the_scope_is_an_error_not_data(self):
        self.client.force_login(self.u.outsider)
        for page in PAGES:
            with self.subTest(report=page.kind):
                response = self.client.get(f"/bao-cao/{page.slug}/?to_chuc={self.o.A.pk}")
                self.assertEqual(response.status_code, 200)
                self.assertIsNone(response.context["report"])
                self.assertTrue(response.context["form"].errors["to_chuc"])
                self.assertNotContains(response, self.o.A.name)
                self.assertNotContains(response, "<svg")
        # Nor a workbook, nor a list.
        response = self.client.get(f"/bao-cao/dang-vien-moi/excel/?to_chuc={self.o.A.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["report"])
        response = self.client.get(
            f"/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted&to_chuc={self.o.A.pk}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("drill", response.context)

    def test_the_organisation_choices_drill_down_from_the_users_own(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/bao-cao/dang-vien-moi/?to_chuc={self.o.A.pk}")
        choices = dict(response.context["form"].fields["to_chuc"].widget.choices)
        self.assertEqual(set(choices), {self.o.D.pk, self.o.A.pk, self.o.A1.pk, self.o.A2.pk,
                                        self.o.AP.pk})  # fmt: skip
        self.assertEqual(response.context["report"].organisation, self.o.A)

    def test_invalid_dates_are_explained(self):
        self.client.force_login(self.u.committee)
        cases = {
            "tu_ngay=31/02/2025": "tu_ngay",
            "tu_ngay=2025-06-01&den_ngay=2025-05-01": "den_ngay",
            "tu_ngay=01/01/1900": "tu_ngay",
            "chu_so=7": "chu_so",
        }
        for query, field in cases.items():
            with self.subTest(query=query):
                response = self.client.get(f"/bao-cao/hoat-dong/?{query}")
                self.assertEqual(response.status_code, 200)
                self.assertIsNone(response.context["report"])
                self.assertIn(field, response.context["form"].errors)
                self.assertContains(response, "alert-danger")
        response = self.client.get("/bao-cao/dang-vien/?ngay=2025-09-02")  # tomorrow
        self.assertIn("ngay", response.context["form"].errors)

    def test_dates_typed_day_first_are_read(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/dang-vien-moi/?tu_ngay=05/03/2025&den_ngay=30/06/2025")
        report = response.context["report"]
        self.assertEqual((report.start, report.end), (date(2025, 3, 5), date(2025, 6, 30)))

    def test_presets_offer_the_term_where_relevant(self):
        self.client.force_login(self.u.committee)
        labels = [label for label, _q in self.client.get("/bao-cao/chi-tieu/").context["presets"]]
        self.assertIn("Nhiệm kỳ 2025–2030", labels)
        self.assertEqual(current_term(date(2029, 12, 31)), (2025, 2030))
        self.assertEqual(current_term(date(2030, 1, 1)), (2030, 2035))


@time_machine.travel(TODAY, tick=False)
class DrillTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        world = cls.world

        def candidacy(name, cell, until):
            made = new_candidacy(world, name, cell)
            return advance(made, until, introducers_for(world, cell))

        cls.admitted = candidacy("Trần Văn Kết", cls.o.A1, Stage.PROBATIONARY)
        cls.outside = candidacy("Võ Văn Xa", cls.o.X1, Stage.PROBATIONARY)
        cls.waiting = candidacy("Lê Thị Chờ", cls.o.A1, Stage.SYMPATHISER)

    def test_a_count_links_to_the_people_it_counts(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/dang-vien-moi/")
        self.assertEqual(response.context["report"].figure("admitted"), 1)
        links = drill_links(response.content.decode(), "admitted")
        self.assertTrue(links)
        self.assertEqual(links[0]["to_chuc"], [str(self.o.D.pk)])
        self.assertEqual(links[0]["tu_ngay"], ["2025-01-01"])
        self.assertEqual(links[0]["den_ngay"], [TODAY.isoformat()])
        # A unit row's count names that unit.
        self.assertIn([str(self.o.A.pk)], [q["to_chuc"] for q in links])
        response = self.client.get(
            "/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted&tu_ngay=2025-01-01"
        )
        self.assertEqual(response.status_code, 200)
        names = [p.full_name for p in response.context["page_obj"].object_list]
        self.assertEqual(names, ["Trần Văn Kết"])
        self.assertContains(response, f'href="/nguoi/{self.admitted.person_id}/"')
        self.assertNotContains(response, "Võ Văn Xa")
        self.assertNotContains(response, "Lê Thị Chờ")

    def test_unit_rows_open_the_same_report_for_the_unit(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/dang-vien-moi/")
        html = response.content.decode()
        self.assertRegex(html, rf'href="/bao-cao/dang-vien-moi/\?to_chuc={self.o.A.pk}&amp;')
        response = self.client.get(f"/bao-cao/dang-vien-moi/?to_chuc={self.o.A.pk}")
        self.assertEqual(response.context["report"].organisation, self.o.A)
        self.assertIn(f"to_chuc={self.o.D.pk}", response.context["up_url"])

    def test_the_whole_province_lists_both_districts_only_for_the_province(self):
        self.client.force_login(self.u.admin)
        response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted")
        names = {p.full_name for p in response.context["page_obj"].object_list}
        self.assertEqual(names, {"Trần Văn Kết", "Võ Văn Xa"})
        self.client.force_login(self.u.outsider)
        response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted")
        names = {p.full_name for p in response.context["page_obj"].object_list}
        self.assertEqual(names, {"Võ Văn Xa"})

    def test_the_list_is_cut_to_the_users_scope(self):
        """Even if a figure reached further, the list shows only what the user may see."""
        from ptdv.people.models import Person

        self.client.force_login(self.u.cell)
        everyone = mock.Mock(title="Mọi người", kind="people", queryset=Person.objects.all())
        with mock.patch("ptdv.reports.figures.drill", return_value=everyone):
            response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted")
        cells = {p.cell_id for p in response.context["page_obj"].object_list}
        self.assertEqual(cells, {self.o.A1.pk})
        self.assertNotContains(response, "Võ Văn Xa")

    def test_unknown_figure_is_not_found_and_a_missing_one_is_explained(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=khong-co")
        self.assertEqual(response.status_code, 404)
        response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/excel/?so_lieu=khong-co")
        self.assertEqual(response.status_code, 404)
        response = self.client.get("/bao-cao/dang-vien-moi/chi-tiet/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Chưa chọn số liệu")

    def test_every_kind_of_list_exports(self):
        self.client.force_login(self.u.grassroots)
        for report, code in (("to-chuc", "cells"), ("to-chuc", "village:own"),
                             ("hoat-dong", "sources")):  # fmt: skip
            with self.subTest(code=code):
                response = self.client.get(f"/bao-cao/{report}/chi-tiet/excel/?so_lieu={code}")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], XLSX_MIME)
                self.assertGreater(len(sheet_values(xlsx(response))), 5)

    def test_structure_lists_organisations_and_places(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/bao-cao/to-chuc/")
        report = response.context["report"]
        self.assertEqual(report.figure("cells"), 3)  # A1, A2, AP1
        response = self.client.get("/bao-cao/to-chuc/chi-tiet/?so_lieu=cells")
        names = [o.name for o in response.context["page_obj"].object_list]
        self.assertEqual(sorted(names), sorted([self.o.A1.name, self.o.A2.name, self.o.AP1.name]))
        self.assertContains(response, f'href="/to-chuc/{self.o.A1.pk}/"')
        response = self.client.get("/bao-cao/to-chuc/chi-tiet/?so_lieu=village:own")
        places = response.context["page_obj"].object_list
        self.assertEqual({p.name for p in places}, {"Thôn Đông", "Thôn Tây"})
        self.assertContains(response, self.o.A1.name)  # the place's cell

    def test_list_export_streams_the_same_people(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(
            "/bao-cao/dang-vien-moi/chi-tiet/excel/?so_lieu=admitted&tu_ngay=2025-01-01"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], XLSX_MIME)
        sheet = xlsx(response)
        values = sheet_values(sheet)
        self.assertIn("Trần Văn Kết", values)
        self.assertNotIn("Võ Văn Xa", values)
        header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "STT")
        self.assertEqual(header[:3], ("STT", "Họ và tên", "Ngày sinh"))
        row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "Trần Văn Kết")
        self.assertIsInstance(row[0], int)
        self.assertEqual(row[6].date(), CEREMONY_ON)


@time_machine.travel(TODAY, tick=False)
class ReportWorkbookTests(WorldTestCase):
    def test_the_workbook_holds_numbers_and_the_signatures(self):
        self.advance(self.candidacy("Trần Văn Kết"), Stage.PROBATIONARY)
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/dang-vien-moi/excel/?chu_so=2")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], XLSX_MIME)
        self.assertIn("bao-cao-dang-vien-moi-2025-09-01.xlsx", response["Content-Disposition"])
        sheet = xlsx(response)
        values = sheet_values(sheet)
        for text in ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH THỬ NGHIỆM", "ĐẢNG BỘ HUYỆN NÚI XANH",
                     "KẾT NẠP ĐẢNG VIÊN MỚI", "NGƯỜI LẬP BIỂU", "BÍ THƯ", "T/M BAN THƯỜNG VỤ",
                     "Từ ngày 01/01/2025 đến ngày 01/09/2025"):  # fmt: skip
            self.assertIn(text, values)
        self.assertIn("……………, ngày 01 tháng 09 năm 2025", values)
        numbers = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, (int, float))]
        self.assertTrue(numbers)
        self.assertFalse([c for c in numbers if isinstance(c.value, bool)])
        total = next(r for r in sheet.iter_rows() if r[0].value == "Tổng số đảng viên mới kết nạp")
        self.assertEqual(total[1].value, 1)
        shares = [c for c in numbers if c.number_format == "#,##0.00"]
        self.assertTrue(shares)  # percentages are numbers shown with two places
        self.assertEqual(str(sheet.page_setup.paperSize), sheet.PAPERSIZE_A4)  # "9": A4
        self.assertEqual(sheet.page_setup.fitToWidth, 1)
        self.assertTrue(sheet.print_title_rows)

    def test_a_text_that_looks_like_a_formula_is_written_as_text(self):
        self.o.A2.name = '=HYPERLINK("http://x","a")'
        self.o.A2.save()
        self.client.force_login(self.u.grassroots)
        sheet = xlsx(self.client.get("/bao-cao/dang-vien-moi/excel/"))
        cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
        self.assertTrue(cells)
        for cell in cells:
            self.assertEqual(cell.data_type, "s")
            self.assertFalse(str(cell.value).startswith("="))


def mentor_rows(count: int) -> list[dict]:
    """``count`` mentors' assignments as ``MentorAssignmentQuerySet.months_reported`` gives them:
    mentor ``i`` (id 1000 + i) helps one person, with 12 months due and ``i`` filed."""
    return [
        {"mentor_id": 1000 + i, "mentor__full_name": f"Người giúp {i:03d}",
         "mentor__sort_key": f"nguoi giup {i:03d}", "candidacy__person_id": 5000 + i,
         "due": 12, "filed": min(i, 12)}
        for i in range(count)
    ]  # fmt: skip


@time_machine.travel(TODAY, tick=False)
class MentorListPagesTests(WorldTestCase):
    """The mentors' report lists one row per mentor: the page shows them a page at a time, its
    total counts them all and the workbook has every row."""

    URL = "/bao-cao/giup-do/"
    COUNT = 120  # three pages of 50

    def get(self, url):
        self.client.force_login(self.u.committee)
        with mock.patch("ptdv.reports.figures.mentors._rows", return_value=mentor_rows(self.COUNT)):
            return self.client.get(url)

    @staticmethod
    def mentors_shown(response) -> list[str]:
        rows = response.context["tables"][0]["rows"]
        return [row.label for row in rows if not row.total]

    @staticmethod
    def total_shown(response) -> list[str]:
        (total,) = [row for row in response.context["tables"][0]["rows"] if row.total]
        return [cell.text for cell in total.cells]

    def test_a_page_shows_at_most_a_page_of_mentors_and_the_next_page_the_next_ones(self):
        every = [r.label for r in self.get(self.URL).context["report"].tables[0].rows]
        every = [label for label in every if label != "Tổng cộng"]
        self.assertEqual(len(every), self.COUNT)
        first = self.get(self.URL)
        self.assertEqual(self.mentors_shown(first), every[:50])
        html = first.content.decode()
        self.assertEqual(sorted(set(re.findall(r"Người giúp \d{3}", html))), every[:50])
        self.assertContains(first, "?page=2")
        second = self.get(self.URL + "?page=2")
        self.assertEqual(self.mentors_shown(second), every[50:100])
        last = self.get(self.URL + "?page=3")
        self.assertEqual(self.mentors_shown(last), every[100:])
        self.assertEqual(self.mentors_shown(self.get(self.URL + "?page=khong")), every[:50])

    def test_the_page_links_keep_the_reports_parameters(self):
        query = f"to_chuc={self.o.D.pk}&tu_ngay=2025-02-01&den_ngay=2025-08-31&chu_so=2"
        response = self.get(f"{self.URL}?{query}&page=2")
        links = re.findall(r'href="(\?[^"]*page=3[^"]*)"', response.content.decode())
        self.assertTrue(links)
        params = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
        self.assertEqual(params["to_chuc"], [str(self.o.D.pk)])
        self.assertEqual(params["tu_ngay"], ["2025-02-01"])
        self.assertEqual(params["den_ngay"], ["2025-08-31"])
        # The counts still link to their lists, and the Excel button to the whole report.
        self.assertTrue(drill_links(response.content.decode(), "mentor:1050"))
        self.assertNotContains(response, "excel/?page")

    def test_the_total_counts_every_mentor_on_every_page(self):
        responses = [self.get(f"{self.URL}?page={n}") for n in (1, 2, 3)]
        shown = {tuple(self.total_shown(response)) for response in responses}
        due, filed = 12 * self.COUNT, sum(min(i, 12) for i in range(self.COUNT))
        # Thousands grouped as the offices write them (seed 000: "1.842 đồng chí").
        self.assertEqual(shown, {(str(self.COUNT), "1.440", "1.362", str(due - filed))})
        self.assertEqual((due, filed), (1440, 1362))
        for response in responses:
            self.assertEqual(response.context["report"].figure("assignments"), self.COUNT)
            self.assertEqual(response.context["report"].figure("missing"), due - filed)

    def test_the_workbook_has_every_mentor(self):
        response = self.get(self.URL + "excel/?page=2")
        self.assertEqual(response.status_code, 200)
        values = sheet_values(xlsx(response))
        names = [v for v in values if isinstance(v, str) and v.startswith("Người giúp ")]
        self.assertEqual(len(names), self.COUNT)
        self.assertIn("Tổng cộng", values)


class HandMadeReportTests(SimpleTestCase):
    """The page's and the workbook's treatment of values, on a report made by hand."""

    def report(self) -> Report:
        organisation = mock.Mock(pk=7, depth=1, path="0001", kind="province")
        organisation.name = "Đảng bộ tỉnh"
        table = Table(
            "Bảng",
            [Column("Số lượng"), Column("Tỷ lệ (%)", PERCENT, 2), Column("Ghi chú", TEXT)],
            [
                Row("Tổng", [Cell(683, "admitted"), Cell(Decimal("113.83")), Cell("=1+2")]),
                Row("Không có", [Cell(None), Cell(None), Cell(None)], level=1),
            ],
            label_header="Nội dung",
        )
        return Report("targets", "Thực hiện chỉ tiêu", organisation, date(2025, 1, 1),
                      date(2025, 12, 31), tables=[table], notes=["Ghi chú"])  # fmt: skip

    def test_values_are_shown_in_the_languages_format(self):
        with translation.override("vi"):
            self.assertEqual(show_value(Column("x", PERCENT, 1), Decimal("87.3")), "87,3")
            self.assertEqual(show_value(Column("x", PERCENT, 2), Decimal("13.8")), "13,80")
            # Seed 003: "3.790 đảng viên"; seed 000: "1.842 đồng chí".
            self.assertEqual(show_value(Column("x", INT), 3790), "3.790")
            self.assertEqual(show_value(Column("x", INT), 1842), "1.842")
            self.assertEqual(show_value(Column("x", PERCENT, 1), Decimal("1234.5")), "1.234,5")
            self.assertEqual(show_value(Column("x", INT), None), "—")
        with translation.override("en"):
            self.assertEqual(show_value(Column("x", PERCENT, 1), Decimal("87.3")), "87.3")
            self.assertEqual(show_value(Column("x", INT), 1842), "1,842")

    def test_the_workbook_keeps_numbers_and_neutralises_formulas(self):
        buffer = io.BytesIO()
        with (
            translation.override("vi"),
            mock.patch("ptdv.reports.excel._parent", return_value=None),
        ):
            write_report(buffer, self.report(), today=date(2025, 9, 1), author="Nguyễn Văn Lập")
        sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
        row = next(r for r in sheet.iter_rows() if r[0].value == "Tổng")
        self.assertEqual(row[1].value, 683)
        self.assertIsInstance(row[2].value, float)
        self.assertEqual(row[1].number_format, "#,##0")
        self.assertEqual(row[2].number_format, "#,##0.00")
        self.assertEqual(row[3].value, "'=1+2")
        empty = next(r for r in sheet.iter_rows() if r[0].value == "Không có")
        self.assertEqual([c.value for c in empty[1:4]], ["—", "—", "—"])
        self.assertIn("Nguyễn Văn Lập", sheet_values(sheet))


class ChartTests(SimpleTestCase):
    def chart(self, kind: str, labels: int = 3) -> Chart:
        names = [f"Đơn vị <{i}> & co" for i in range(labels)]
        return Chart(kind, "Kết nạp theo đơn vị", names,
                     [Series("Kết nạp", [i * 1.5 for i in range(labels)])], percent=True)  # fmt: skip

    def test_every_kind_is_inline_svg_without_script(self):
        for kind in ("bar", "hbar", "pie", "funnel"):
            with self.subTest(kind=kind), translation.override("vi"):
                svg = str(charts.render(self.chart(kind)))
                self.assertTrue(svg.startswith("<svg"))
                self.assertNotIn("<script", svg)
                self.assertNotIn("<?xml", svg)
                self.assertNotIn("<!--", svg)
                # Namespace names only (never fetched): nothing else names an address.
                without_namespaces = re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", svg)
                self.assertNotRegex(without_namespaces, r"https?://")
                self.assertIn('role="img"', svg)
                self.assertIn('aria-label="Kết nạp theo đơn vị"', svg)
                self.assertIn("&lt;1&gt; &amp; co", svg)  # labels are escaped
                if kind != "pie":
                    self.assertIn("1,5%", svg)  # Vietnamese decimals

    def test_many_labels_are_drawn_as_horizontal_bars(self):
        self.assertEqual(charts.drawn_kind(self.chart("bar", 20)), "hbar")
        self.assertEqual(charts.drawn_kind(self.chart("bar", 3)), "bar")
        self.assertEqual(charts.drawn_kind(self.chart("funnel", 3)), "hbar")

    def test_missing_values_are_drawn_as_nothing(self):
        for kind in ("bar", "pie"):
            with self.subTest(kind=kind):
                svg = charts.render(Chart(kind, "T", ["a", "b"], [Series("s", [None, 2])]))
                self.assertIn("<svg", svg)
