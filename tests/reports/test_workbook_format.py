"""Numbers as the offices write them, and the workbook's texts as typed.

- Thousands: seed 000 "nâng tổng số đảng viên lên 1.842 đồng chí", seed 003 "3.790 đảng viên":
  "." groups thousands and "," marks decimals in Vietnamese ("87,3%"); English writes 1,842 and
  87.3. The workbook keeps numbers, shown by the formats ``#,##0`` and ``#,##0.0``, which Excel
  displays with the user's separators.
- Formulas: a cell typed "=…", "+…", "@…" or "-" followed by an operand is a formula to a
  spreadsheet (OWASP, "CSV Injection"), so such a text is written quoted; a note "- Kết nạp 683
  đảng viên, vượt 13,83% chỉ tiêu (600)." (seed 000) is a list item, written as it is.
- Sheet names: at most 31 characters (Excel's limit), cut between words, unique in a workbook.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from unittest import mock

from django.test import SimpleTestCase
from django.utils import translation
from openpyxl import load_workbook

from ptdv.reports.excel import number_format, sheet_title, write_report
from ptdv.reports.figures.targets import achievement_sentence
from ptdv.reports.numbers import shown
from ptdv.reports.tables import PERCENT, Cell, Column, Report, Row, Table
from ptdv.xlsx import Column as SheetColumn
from ptdv.xlsx import as_text, is_formula_start, sheet_name, write_workbook

SEED_000_NOTE = "Kết nạp 683 đảng viên, vượt 13,83% chỉ tiêu (600)."


class ThousandsTests(SimpleTestCase):
    def test_vietnamese_groups_with_a_dot_and_marks_decimals_with_a_comma(self):
        with translation.override("vi"):
            self.assertEqual(shown(1842), "1.842")  # seed 000
            self.assertEqual(shown(3790), "3.790")  # seed 003
            self.assertEqual(shown(683), "683")
            self.assertEqual(shown(Decimal("87.3"), 1), "87,3")  # seed 003
            self.assertEqual(shown(Decimal("13.83"), None), "13,83")  # seed 000
            self.assertEqual(shown(1234567), "1.234.567")

    def test_english_groups_with_a_comma(self):
        with translation.override("en"):
            self.assertEqual(shown(1842), "1,842")
            self.assertEqual(shown(Decimal("87.3"), 1), "87.3")

    def test_the_sentences_group_their_counts(self):
        with translation.override("vi"):
            self.assertEqual(achievement_sentence(683, 600), SEED_000_NOTE)
            self.assertEqual(
                achievement_sentence(1842, 1600),
                "Kết nạp 1.842 đảng viên, vượt 15,13% chỉ tiêu (1.600).",
            )

    def test_excel_number_formats(self):
        self.assertEqual(number_format(Column("Số lượng"), 1842), "#,##0")
        self.assertEqual(number_format(Column("Tỷ lệ (%)", PERCENT, 1), 87.3), "#,##0.0")
        self.assertEqual(number_format(Column("Tỷ lệ (%)", PERCENT, 2), 13.83), "#,##0.00")


class FormulaGuardTests(SimpleTestCase):
    def test_real_formula_starts_are_quoted(self):
        for text in ("=1+2", '=HYPERLINK("http://x","a")', "+1", "@SUM(A1)", "-1+1", "-A1",
                     "-SUM(A1:A2)", "-(1)", "--1", "\t=1", "\r=1"):  # fmt: skip
            with self.subTest(text=text):
                self.assertTrue(is_formula_start(text))
                self.assertEqual(as_text(text)[0], "'")

    def test_a_dash_and_a_space_is_a_list_item(self):
        for text in (f"- {SEED_000_NOTE}", "- 683 đảng viên", "-", "Đảng viên", "13,83%"):
            with self.subTest(text=text):
                self.assertFalse(is_formula_start(text))
                self.assertEqual(as_text(text), text)


class SheetNameTests(SimpleTestCase):
    def test_a_long_title_is_cut_between_words(self):
        self.assertEqual(
            sheet_name("Tổ chức đảng và địa bàn có tổ chức đảng"), "Tổ chức đảng và địa bàn có tổ"
        )
        name = sheet_title("Thực hiện chỉ tiêu kết nạp đảng viên — Nhiệm kỳ 2010–2015")
        self.assertEqual(name, "Thực hiện chỉ tiêu kết nạp đảng")
        self.assertLessEqual(len(name), 31)

    def test_a_short_title_is_kept_and_refused_characters_replaced(self):
        self.assertEqual(sheet_name("Kết nạp đảng viên mới"), "Kết nạp đảng viên mới")
        self.assertEqual(sheet_name("Năm 2024/2025: kết quả"), "Năm 2024 2025 kết quả")

    def test_names_are_unique_in_a_workbook(self):
        first = sheet_name("Tổ chức đảng và địa bàn có tổ chức đảng")
        second = sheet_name("Tổ chức đảng và địa bàn có tổ chức cơ sở", [first])
        self.assertNotEqual(first.casefold(), second.casefold())
        self.assertLessEqual(len(second), 31)
        self.assertTrue(second.endswith(" (2)"))


class WorkbookTests(SimpleTestCase):
    def report(self) -> Report:
        table = Table(
            "Tổ chức đảng",
            [Column("Số lượng"), Column("Tỷ lệ (%)", PERCENT, 1)],
            [Row("Đảng viên", [Cell(1842, "members"), Cell(Decimal("87.3"))])],
            label_header="Nội dung",
        )
        organisation = mock.Mock(kind="grassroots_committee", depth=1)
        organisation.name = "Đảng bộ Khối Các cơ quan tỉnh"
        return Report("structure", "Tổ chức đảng và địa bàn có tổ chức đảng", organisation,
                      on=date(2015, 12, 31), tables=[table], notes=[SEED_000_NOTE])  # fmt: skip

    def test_numbers_stay_numbers_grouped_and_notes_are_not_quoted(self):
        buffer = io.BytesIO()
        with translation.override("vi"):
            write_report(buffer, self.report(), today=date(2016, 1, 5))
        workbook = load_workbook(io.BytesIO(buffer.getvalue()))
        sheet = workbook.worksheets[0]
        self.assertEqual(sheet.title, "Tổ chức đảng và địa bàn có tổ")
        row = next(r for r in sheet.iter_rows() if r[0].value == "Đảng viên")
        self.assertEqual((row[1].value, row[1].number_format), (1842, "#,##0"))
        self.assertEqual((row[2].value, row[2].number_format), (87.3, "#,##0.0"))
        texts = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
        self.assertIn(f"- {SEED_000_NOTE}", texts)
        self.assertFalse([t for t in texts if t.startswith("'")])

    def test_a_list_export_groups_its_counts(self):
        buffer = io.BytesIO()
        write_workbook(
            buffer,
            sheet_title="Danh sách đảng viên mới kết nạp trong kỳ báo cáo",
            title="Danh sách",
            info=[],
            columns=[SheetColumn("STT", 6, "int"), SheetColumn("Họ và tên", 30)],
            rows=[(1842, "- Nguyễn Văn A"), (1843, "=1+1")],
        )
        sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
        self.assertEqual(sheet.title, "Danh sách đảng viên mới kết nạp")
        data = [r for r in sheet.iter_rows(min_row=4) if r[0].value is not None]
        self.assertEqual([(c.value, c.number_format) for c in (data[0][0], data[1][0])],
                         [(1842, "#,##0"), (1843, "#,##0")])  # fmt: skip
        self.assertEqual([data[0][1].value, data[1][1].value], ["- Nguyễn Văn A", "'=1+1"])
