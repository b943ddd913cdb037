"""The Excel export of the filtered list, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import time_machine
from openpyxl import load_workbook

from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage
from ptdv.web.export import CANDIDACY_COLUMNS
from ptdv.xlsx import XLSX_MIME
from tests.base import WorldTestCase, populate
from tests.web.test_board import TODAY, bulk_candidacies

HEADER_ROW = 6  # title, organisation, date, filters, an empty row, then the header


def midnight(d) -> datetime:
    return datetime(d.year, d.month, d.day)


@time_machine.travel(TODAY, tick=False)
class ExportTests(WorldTestCase):
    def download(self, query: str = ""):
        response = self.client.get(f"/danh-sach/excel/?{query}")
        self.assertEqual(response.status_code, 200)
        content = b"".join(response.streaming_content)
        workbook = load_workbook(io.BytesIO(content))  # not read-only: freeze panes are read
        return response, workbook.worksheets[0]

    def data(self, sheet) -> list[tuple]:
        return [row for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]

    def test_file_title_header_and_rows(self):
        made = populate(self.world)
        late = self.advance(self.candidacy("Trần Văn Muộn"), Stage.CELL_RESOLVED)
        self.client.force_login(self.u.committee)
        response, sheet = self.download()
        self.assertEqual(response["Content-Type"], XLSX_MIME)
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="danh-sach-ho-so-2025-09-01.xlsx"',
        )
        self.assertEqual(sheet["A1"].value, "DANH SÁCH HỒ SƠ PHÁT TRIỂN ĐẢNG VIÊN")
        self.assertEqual(sheet["A2"].value, "Tổ chức đảng: Đảng bộ huyện Núi Xanh")
        self.assertEqual(sheet["A3"].value, "Ngày xuất: 01/09/2025")
        self.assertIn("Chỉ hồ sơ đang mở", sheet["A4"].value)
        header = [c.value for c in sheet[HEADER_ROW]]
        self.assertEqual(header, [str(c.header) for c in CANDIDACY_COLUMNS])
        self.assertEqual(header[:3], ["STT", "Họ và tên", "Ngày sinh"])
        self.assertEqual(sheet.freeze_panes, f"C{HEADER_ROW + 1}")
        self.assertGreaterEqual(sheet.column_dimensions["B"].width, 20)
        rows = self.data(sheet)
        self.assertEqual(len(rows), 6)  # five sympathisers of the district and the late one
        self.assertEqual([r[0] for r in rows], [1, 2, 3, 4, 5, 6])
        by_name = {r[1]: r for r in rows}
        self.assertNotIn("Quần Chúng Thôn Nam", by_name)  # the other district
        row = by_name["Trần Văn Muộn"]
        person = late.person
        self.assertEqual(row[2], midnight(person.birth_date))
        self.assertEqual(row[3:9], ("Nam", "Kinh", "Không", "Không", "Không", "Chi bộ thôn Đông"))
        self.assertEqual(row[9], "Chi bộ đã đề nghị kết nạp")
        self.assertEqual(row[10], midnight(late.stage_since))
        self.assertEqual(row[11], (TODAY - late.stage_since).days)
        self.assertEqual(row[12], "Quyết định kết nạp")
        self.assertEqual(row[13], midnight(late.next_due))
        self.assertEqual(row[14], "Quá hạn")
        # Real dates, shown dd/mm/yyyy.
        cell = sheet.cell(row=HEADER_ROW + 1 + rows.index(row), column=3)
        self.assertTrue(cell.is_date)
        self.assertEqual(cell.number_format, "DD/MM/YYYY")
        self.assertEqual(by_name[made.B1.person.full_name][8], "Chi bộ thôn Bắc")

    def test_text_that_looks_like_a_formula_stays_text(self):
        self.candidacy('=HYPERLINK("http://x","a") Lò')
        self.client.force_login(self.u.committee)
        _response, sheet = self.download()
        names = next(sheet.iter_cols(min_col=2, max_col=2, min_row=HEADER_ROW + 1))
        cell = next(c for c in names if "HYPERLINK" in str(c.value))
        self.assertEqual(cell.data_type, "s")
        self.assertTrue(cell.value.startswith("'="))

    def test_filters_and_order_apply(self):
        bulk_candidacies(
            [self.o.A1, self.o.A2, self.o.B1],
            3,
            names=["Đỗ Thị Cúc", "Lò Thị An", "Nguyễn Thị Bình"],
            sex="F",
        )
        bulk_candidacies([self.o.A1], 2, start=10)  # men
        self.client.force_login(self.u.grassroots)
        _response, sheet = self.download(f"sex=F&organisation={self.o.A.pk}")
        self.assertEqual([r[1] for r in self.data(sheet)], ["Lò Thị An", "Đỗ Thị Cúc"])  # B1 out
        self.assertEqual(sheet["A2"].value, "Tổ chức đảng: Đảng bộ xã Hòa An")
        self.assertIn("Giới tính: Nữ", sheet["A4"].value)
        self.assertIn("Tổ chức đảng: Đảng bộ xã Hòa An", sheet["A4"].value)
        _response, sheet = self.download("sort=days")
        self.assertEqual(len(self.data(sheet)), 4)  # B1 is outside the commune
        self.assertIn("Sắp xếp theo: Ở giai đoạn lâu nhất", sheet["A4"].value)

    def test_closed_candidacies_have_no_days_or_warning(self):
        done = bulk_candidacies([self.o.A1], 1)[0]
        Candidacy.objects.filter(pk=done.pk).update(
            stage=Stage.WITHDRAWN, closed_on=TODAY, next_due=TODAY - timedelta(days=3)
        )
        self.client.force_login(self.u.cell)
        _response, sheet = self.download("include_closed=on")
        (row,) = self.data(sheet)
        self.assertEqual(row[9], "Tự rút")
        self.assertIsNone(row[11])
        self.assertIn(row[14], (None, ""))

    def test_invalid_filters_give_no_file(self):
        populate(self.world)
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/danh-sach/excel/?organisation={self.o.X.pk}&sex=M")
        self.assertRedirects(
            response, f"/danh-sach/?organisation={self.o.X.pk}&sex=M", fetch_redirect_response=False
        )
        response = self.client.get(response["Location"])
        self.assertContains(response, "Bộ lọc không hợp lệ")

    def test_outsider_gets_only_their_branch(self):
        populate(self.world)
        self.client.force_login(self.u.outsider)
        _response, sheet = self.download("include_closed=on")
        self.assertEqual([r[1] for r in self.data(sheet)], ["Quần Chúng Thôn Nam"])
        self.assertEqual(sheet["A2"].value, "Tổ chức đảng: Đảng bộ huyện Sông Dài")

    def test_query_count_does_not_grow_with_rows(self):
        bulk_candidacies([self.o.A1, self.o.B1, self.o.G], 5)
        self.client.force_login(self.u.committee)
        url = f"/danh-sach/excel/?organisation={self.o.D.pk}&sort=due"
        more = [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G]
        small = self.assert_queries_do_not_grow(
            lambda: bulk_candidacies(more, 35, start=5), url
        ).queries
        self.assertLessEqual(small, 6)
        _response, sheet = self.download(url.split("?", 1)[1])
        self.assertEqual(len(self.data(sheet)), 40)
