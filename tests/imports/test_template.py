"""The downloadable template: empty data sheet, column formats, lists, and the guide."""

import io

from django.test import TestCase
from openpyxl import load_workbook

from ptdv.imports import template
from ptdv.imports.kinds import KINDS
from tests.base import build_tree


class TemplateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.o = build_tree()

    def test_the_data_sheet_is_empty_but_formatted(self):
        for kind in KINDS:
            workbook = load_workbook(io.BytesIO(template.xlsx(kind, self.o.A)))
            data = workbook["Dữ liệu"]
            headers = [c.value for c in data[1]]
            self.assertEqual(headers, [template.header(c) for c in KINDS[kind].columns])
            self.assertEqual(data.max_row, 1, kind)  # nothing but the header to read
            letter = {c.key: i for i, c in enumerate(KINDS[kind].columns)}
            cccd = data.cell(row=1, column=letter["cccd"] + 1).column_letter
            self.assertEqual(data.column_dimensions[cccd].number_format, "@")
            lists = workbook["Danh mục"]
            cells = [
                c.value for c in next(col for col in lists.iter_cols() if col[0].value == "Chi bộ")
            ]
            self.assertEqual(
                [c for c in cells[1:] if c],
                ["Chi bộ thôn Đông", "Chi bộ thôn Tây", "Chi bộ Trường tiểu học"],
            )
            self.assertTrue(data.data_validations.dataValidation)
            guide = [r[0] for r in workbook["Hướng dẫn"].iter_rows(min_row=6, values_only=True)]
            self.assertEqual(guide, [c.header for c in KINDS[kind].columns])

    def test_a_cell_named_like_a_formula_stays_text(self):
        from ptdv.org.models import Organisation, OrgKind

        Organisation.objects.add_child(
            self.o.A, {"name": '=HYPERLINK("http://x.example","Bấm")', "kind": OrgKind.CELL}
        )
        workbook = load_workbook(io.BytesIO(template.xlsx("nguoi", self.o.A)))
        values = [c.value for col in workbook["Danh mục"].iter_cols() for c in col if c.value]
        self.assertIn('\'=HYPERLINK("http://x.example","Bấm")', values)
        self.assertFalse(any(str(v).startswith("=") for v in values))
        text = template.csv_bytes("nguoi", self.o.A).decode("utf-8-sig")
        self.assertNotIn(",=", text)
