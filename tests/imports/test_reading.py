"""Reading import files: the CSV delimiter from the header row, and the caps checked by
:func:`ptdv.imports.reading.inspect` before a row is read (the .xlsx's zip directory, shared
strings, dimension, rows, columns, cell lengths) and again while reading.

The worst-case workbooks are written part by part with ``zipfile`` (:func:`raw_xlsx`), as a
hostile or broken file would be: a declared size that lies, a shared strings table larger than
it says, a part that inflates far beyond its compressed size.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase, override_settings

from ptdv.imports.kinds import KINDS
from ptdv.imports.reading import FileError, Reader, inspect

from .helpers import PERSON_HEADERS, csv_bytes, xlsx_bytes

COLUMNS = KINDS["nguoi"].columns
RETIRED = "Nghỉ hưu"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cells_row(number: int, values, first_column: int = 1) -> str:
    """A ``<row>`` of inline strings (as some exporters write them)."""
    cells = "".join(
        f'<c r="{column_letters(first_column + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def raw_xlsx(
    rows,
    *,
    dimension: str | None = None,
    strings=None,
    declared_strings: int | None = None,
    sheet_name: str = "Dữ liệu",
    extra: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """A workbook written part by part: ``rows`` (XML strings) streamed into the sheet,
    ``strings`` (``<si>`` XML) into a shared strings table declaring ``declared_strings``."""
    buffer = io.BytesIO()
    overrides = [("/xl/workbook.xml", BOOK_TYPE), ("/xl/worksheets/sheet1.xml", SHEET_TYPE)]
    relationships = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if strings is not None:
        overrides.append(("/xl/sharedStrings.xml", STRINGS_TYPE))
        relationships.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
            + "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<workbook {MAIN} {RELS}><sheets><sheet name="{sheet_name}" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}">'
            + "".join(
                f'<Relationship Id="{i}" Type="{OFFICE}/{t}" Target="{target}"/>'
                for i, t, target in relationships
            )
            + "</Relationships>",
        )
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            size = f'<dimension ref="{dimension}"/>' if dimension else ""
            part.write(f"<worksheet {MAIN}>{size}<sheetData>".encode())
            for row in rows:
                part.write(row.encode())
            part.write(b"</sheetData></worksheet>")
        if strings is not None:
            with package.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                declared = (
                    f' count="{declared_strings}" uniqueCount="{declared_strings}"'
                    if declared_strings is not None
                    else ""
                )
                part.write(f"<sst {MAIN}{declared}>".encode())
                for si in strings:
                    part.write(si.encode())
                part.write(b"</sst>")
        for name, data in extra:
            package.writestr(name, data)
    return buffer.getvalue()


def people_rows(count: int, start: int = 2):
    """The header and ``count`` people, as ``<row>`` XML."""
    header = cells_row(1, PERSON_HEADERS)
    values = ["01/01/1990", "Nam", "", "12/12", RETIRED, "Chi bộ thôn Đông"]
    return [header, *(cells_row(start + i, [f"Người {i}", *values]) for i in range(count))]


class FileTestCase(SimpleTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="ptdv-reading-tests-"))

    def write(self, content: bytes, name: str) -> Path:
        path = self.folder / name
        path.write_bytes(content)
        return path

    def reader(self, content: bytes, name: str = "ds.xlsx") -> Reader:
        return Reader(self.write(content, name), name, COLUMNS, optional={"cell"})

    def rows(self, content: bytes, name: str = "ds.xlsx") -> list[tuple[int, dict]]:
        return list(self.reader(content, name))

    def refused(self, content: bytes, name: str = "ds.xlsx", deep: bool = True) -> str:
        with self.assertRaises(FileError) as caught:
            inspect(io.BytesIO(content), name, COLUMNS, deep=deep)
        return str(caught.exception)


class CsvDelimiterTests(FileTestCase):
    def person(self, name, occupation):
        return [name, "01/01/1990", "Nam", "", "12/12", RETIRED, "Chi bộ thôn Đông", occupation]

    def test_a_comma_file_with_semicolons_in_quoted_fields(self):
        # csv.Sniffer, reading the quoted text ("Ghi chú: ""A""; ""B"""), took ";" for the
        # delimiter and the file was refused as a whole (no header found).
        headers = [*PERSON_HEADERS, "Nghề nghiệp, chức vụ"]
        rows = [self.person(f"Người Thứ {c}", 'Ghi chú: "A"; "B"') for c in "ABC"]
        content = csv_bytes(headers, rows)
        self.assertIn(b'"Ghi ch\xc3\xba: ""A""; ""B"""', content)
        read = self.rows(content, "ds.csv")
        self.assertEqual([r[1]["full_name"] for r in read], ["Người Thứ A", "Người Thứ B", "Người Thứ C"])  # fmt: skip
        self.assertEqual(read[0][1]["occupation"], 'Ghi chú: "A"; "B"')
        self.assertEqual(read[0][1]["sector"], RETIRED)

    def test_a_semicolon_file_with_commas_in_quoted_fields(self):
        headers = [*PERSON_HEADERS, "Nghề nghiệp, chức vụ"]
        rows = [self.person("Phan Văn Cường", "Giáo viên, thủ quỹ, trưởng thôn")]
        read = self.rows(csv_bytes(headers, rows, delimiter=";"), "ds.csv")
        self.assertEqual(read[0][1]["occupation"], "Giáo viên, thủ quỹ, trưởng thôn")
        self.assertEqual(read[0][1]["cell"], "Chi bộ thôn Đông")

    def test_tab_and_a_title_line_above_the_header(self):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t")
        writer.writerow(["DANH SÁCH QUẦN CHÚNG; NĂM 2026, ĐỢT 1"])
        writer.writerow([])
        writer.writerow(PERSON_HEADERS)
        writer.writerow(self.person("Lê Thị Hoa", "")[:7])
        content = out.getvalue().encode("utf-8")
        self.assertEqual(inspect(io.BytesIO(content), "ds.csv", COLUMNS).delimiter, "\t")
        self.assertEqual(self.rows(content, "ds.csv")[0], (4, {
            "full_name": "Lê Thị Hoa", "birth_date": "01/01/1990", "sex": "Nam", "cccd": None,
            "general_education": "12/12", "sector": RETIRED, "cell": "Chi bộ thôn Đông"}))  # fmt: skip

    def test_without_known_headers_the_delimiter_splitting_the_first_row_most(self):
        content = b"a;b;c,d\n1;2;3,4\n"
        self.assertEqual(inspect(io.BytesIO(content), "x.csv", COLUMNS).delimiter, ";")


@override_settings(PTDV_IMPORT_MAX_ROWS=50)
class RowCapTests(FileTestCase):
    MESSAGE = "Tệp có quá 50 dòng dữ liệu (giới hạn 50 dòng mỗi tệp): hãy chia thành nhiều tệp."

    def test_xlsx_just_under_and_just_over(self):
        content = xlsx_bytes(PERSON_HEADERS, [["Người", "01/01/1990"]] * 50)
        self.assertEqual(len(self.rows(content)), 50)
        content = xlsx_bytes(PERSON_HEADERS, [["Người", "01/01/1990"]] * 51)
        with self.assertRaisesMessage(FileError, self.MESSAGE):
            self.rows(content)

    def test_csv_just_under_and_just_over(self):
        content = csv_bytes(PERSON_HEADERS, [["Người", "01/01/1990"]] * 50)
        self.assertEqual(len(self.rows(content, "ds.csv")), 50)
        self.assertEqual(inspect(io.BytesIO(content), "ds.csv", COLUMNS).rows, 51)
        content = csv_bytes(PERSON_HEADERS, [["Người", "01/01/1990"]] * 61)
        self.assertEqual(self.refused(content, "ds.csv"), self.MESSAGE)

    def test_the_sheets_rows_are_counted_before_openpyxl_opens_it(self):
        content = raw_xlsx(people_rows(61))  # no dimension: only counting tells
        self.assertEqual(inspect(io.BytesIO(content), "ds.xlsx", COLUMNS, deep=False).rows, 0)
        with (
            mock.patch("openpyxl.load_workbook") as load,
            self.assertRaisesMessage(FileError, self.MESSAGE),
        ):
            self.rows(content)
        load.assert_not_called()
        # Rows without any value (formatting only) are not counted.
        blank = [f'<row r="{n}"><c r="A{n}" s="1"/></row>' for n in range(100, 400)]
        content = raw_xlsx([*people_rows(50), *blank])
        self.assertEqual(inspect(io.BytesIO(content), "ds.xlsx", COLUMNS).rows, 51)
        self.assertEqual(len(self.rows(content)), 50)

    def test_a_declared_dimension_is_refused_at_once(self):
        self.assertEqual(inspect(io.BytesIO(raw_xlsx(people_rows(3), dimension="A1:C60")),
                                 "ds.xlsx", COLUMNS, deep=False).kind, "xlsx")  # fmt: skip
        content = raw_xlsx(people_rows(3), dimension="A1:C1048576")
        self.assertEqual(
            self.refused(content, deep=False),
            "Trang tính khai báo 1.048.576 dòng, quá giới hạn 50 dòng dữ liệu mỗi tệp: hãy xóa "
            "các dòng trống thừa ở cuối trang tính hoặc chia thành nhiều tệp.",
        )

    def test_a_dimension_smaller_than_the_data_cuts_no_row_off(self):
        content = raw_xlsx(people_rows(5), dimension="A1:C2")
        self.assertEqual([r[1]["full_name"] for r in self.rows(content)],
                         [f"Người {i}" for i in range(5)])  # fmt: skip


@override_settings(PTDV_IMPORT_MAX_COLUMNS=20, PTDV_IMPORT_MAX_CELL_CHARS=30)
class ColumnAndCellCapTests(FileTestCase):
    def test_columns_just_under_and_just_over(self):
        wide = [*PERSON_HEADERS, *(f"Cột thêm {i}" for i in range(13))]  # 20 columns
        self.assertEqual(len(self.rows(xlsx_bytes(wide, [["Người", "01/01/1990"]]))), 1)
        self.assertEqual(len(self.rows(csv_bytes(wide, [["Người", "01/01/1990"]]), "a.csv")), 1)
        wider = [*wide, "Cột thứ 21"]
        with self.assertRaisesMessage(FileError, "Trang tính có 21 cột, quá giới hạn 20 cột"):
            self.rows(xlsx_bytes(wider, [["Người", "01/01/1990"]]))  # its dimension says so
        self.assertEqual(
            self.refused(csv_bytes(wider, [["Người"]]), "a.csv"),
            "Dòng 1 có 21 cột, quá giới hạn 20 cột: hãy xóa các cột thừa.",
        )
        # Empty cells at the end of a row do not count.
        self.assertEqual(len(self.rows(csv_bytes(PERSON_HEADERS, [["Người", *[""] * 30]]), "a.csv")), 1)  # fmt: skip

    def test_a_declared_or_found_width_is_refused_before_reading(self):
        content = raw_xlsx(people_rows(1), dimension="A1:U2")
        self.assertEqual(
            self.refused(content, deep=False),
            "Trang tính có 21 cột, quá giới hạn 20 cột: hãy xóa các cột thừa.",
        )
        rows = [*people_rows(3), cells_row(5, ["x"], first_column=16384)]
        with (
            mock.patch("openpyxl.load_workbook") as load,
            self.assertRaisesMessage(FileError, "Dòng 5 có 16.384 cột, quá giới hạn 20 cột"),
        ):
            self.rows(raw_xlsx(rows))
        load.assert_not_called()

    def test_cell_length_just_under_and_just_over(self):
        for name, make in (("a.xlsx", xlsx_bytes), ("a.csv", csv_bytes)):
            with self.subTest(name):
                fits = make(PERSON_HEADERS, [["Người", "01/01/1990", "x" * 30]])
                self.assertEqual(self.rows(fits, name)[0][1]["sex"], "x" * 30)
                over = make(PERSON_HEADERS, [["Người", "01/01/1990", "x" * 31]])
                with self.assertRaisesMessage(
                    FileError,
                    "Ô ở dòng 2, cột C dài quá 30 ký tự (giới hạn mỗi ô): hãy rút gọn.",
                ):
                    self.rows(over, name)

    def test_a_csv_line_or_field_without_end_is_refused_before_it_fills_memory(self):
        endless = ",".join(PERSON_HEADERS).encode() + b"\nNguoi," + b"x" * 2_000_000
        self.assertIn("Dòng 2 quá dài", self.refused(endless, "a.csv"))
        unclosed = ",".join(PERSON_HEADERS).encode() + b'\nNguoi,"' + b"x\n" * 200_000
        self.assertIn("quá dài", self.refused(unclosed, "a.csv"))


class XlsxPackageTests(FileTestCase):
    def opened_parts(self, content: bytes, **settings) -> tuple[str, list[str]]:
        """The message refusing ``content`` and the parts zipfile was asked to inflate."""
        opened = []
        real = zipfile.ZipFile.open

        def spy(archive, name, *args, **kwargs):
            opened.append(getattr(name, "filename", name))
            return real(archive, name, *args, **kwargs)

        with override_settings(**settings), mock.patch.object(zipfile.ZipFile, "open", spy):
            message = self.refused(content, deep=False)
        return message, opened

    def test_shared_strings_declared_past_the_cap_are_refused_without_reading_them(self):
        # 5,000,000 one-letter strings: 208 kB compressed, 85 MB inflated; openpyxl would hold
        # them all in a list (530 MB).
        strings = ["<si><t>a</t></si>" * 100_000] * 50
        content = raw_xlsx(people_rows(2), strings=strings, declared_strings=5_000_000)
        self.assertLess(len(content), 300_000)
        with mock.patch("openpyxl.load_workbook") as load:
            reader = self.reader(content)
            with self.assertRaisesMessage(
                FileError,
                "Tệp Excel khai báo 5.000.000 chuỗi văn bản dùng chung, quá giới hạn 500.000",
            ):
                list(reader)
        load.assert_not_called()

    @override_settings(PTDV_IMPORT_MAX_SHARED_STRINGS=1000)
    def test_shared_strings_that_lie_about_their_count_are_counted(self):
        def table(n):
            return raw_xlsx(people_rows(2), strings=(f"<si><t>{i}</t></si>" for i in range(n)),
                            declared_strings=3)  # fmt: skip

        self.assertEqual(inspect(io.BytesIO(table(1000)), "a.xlsx", COLUMNS).shared_strings, 1000)
        self.assertEqual(
            self.refused(table(1001), deep=False),
            "Tệp Excel có quá 1.000 chuỗi văn bản dùng chung (giới hạn mỗi tệp): hãy chia thành "
            "nhiều tệp (hoặc lưu dạng CSV).",
        )

    def test_a_part_that_inflates_past_the_cap_is_refused_from_the_zip_directory(self):
        bomb = b"<styleSheet>" + b" " * (9 * 1024 * 1024) + b"</styleSheet>"
        content = raw_xlsx(people_rows(2), extra=(("xl/styles.xml", bomb),))
        self.assertLess(len(content), 50_000)
        message, opened = self.opened_parts(content)
        self.assertEqual(
            message,
            "Tệp Excel có phần “xl/styles.xml” khi giải nén lớn quá 8 MB (giới hạn mỗi phần): hãy "
            "sao chép dữ liệu sang một tệp mới (hoặc lưu dạng CSV).",
        )
        self.assertNotIn("xl/styles.xml", opened)  # not inflated: the directory told
        # Just under: read.
        fits = b"<styleSheet>" + b" " * (8 * 1024 * 1024 - 30) + b"</styleSheet>"
        content = raw_xlsx(people_rows(2), extra=(("xl/styles.xml", fits),))
        self.assertEqual(inspect(io.BytesIO(content), "a.xlsx", COLUMNS).kind, "xlsx")

    def test_the_whole_inflated_size_and_the_number_of_parts(self):
        rows = people_rows(2000)
        message, opened = self.opened_parts(raw_xlsx(rows), PTDV_IMPORT_MAX_XLSX_BYTES=100_000)
        self.assertEqual(
            message,
            "Tệp Excel khi giải nén lớn quá 1 MB (giới hạn mỗi tệp): hãy chia thành nhiều tệp.",
        )
        self.assertEqual(opened, [])
        five = raw_xlsx(people_rows(2))  # 5 parts
        with override_settings(PTDV_IMPORT_MAX_XLSX_PARTS=5):
            self.assertEqual(inspect(io.BytesIO(five), "a.xlsx", COLUMNS).kind, "xlsx")
        six = raw_xlsx(people_rows(2), extra=(("docProps/app.xml", b"<Properties/>"),))
        message, _ = self.opened_parts(six, PTDV_IMPORT_MAX_XLSX_PARTS=5)
        self.assertTrue(message.startswith("Tệp Excel gồm 6 phần, quá giới hạn 5 phần"), message)

    @override_settings(PTDV_IMPORT_MAX_ROWS=50)
    def test_the_data_sheet_is_the_one_checked(self):
        from openpyxl import Workbook

        workbook = Workbook()
        guide = workbook.active
        guide.title = "Hướng dẫn"
        for n in range(100):
            guide.append([f"Hướng dẫn {n}", "x"])
        data = workbook.create_sheet("Dữ liệu")
        data.append(PERSON_HEADERS)
        data.append(["Người", "01/01/1990"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.assertEqual(inspect(buffer, "a.xlsx", COLUMNS).rows, 2)
        self.assertEqual(self.rows(buffer.getvalue())[0][0], 2)
        del workbook["Dữ liệu"]  # without it, the first sheet is read: refused
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.assertIn("quá giới hạn 50 dòng dữ liệu", self.refused(buffer.getvalue()))

    def test_a_damaged_file(self):
        for content in (b"PK\x03\x04 not really a workbook", b"", raw_xlsx(people_rows(2))[:-30]):
            with self.subTest(content=content[:10]):
                self.assertTrue(
                    self.refused(content).startswith(
                        "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx"
                    )
                )
