"""The template offered for download: the columns of one kind, for one organisation.

.xlsx: a "Dữ liệu" sheet to fill (headers, required ones marked *, CCCD column as text, dates
dd/mm/yyyy, drop-down lists on coded columns), a "Ví dụ" sheet with one filled row, a "Hướng
dẫn" sheet (each column: required or not, how to write it, the allowed values) and a "Danh mục"
sheet holding the lists (the organisation's cells among them). .csv: the header and the example
row, UTF-8 with BOM (what Excel opens correctly).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ptdv.org.models import CELL_KINDS, Organisation
from ptdv.xlsx import as_text

from .columns import Column
from .kinds import KINDS
from .reading import DATA_SHEET

ROWS_WITH_LISTS = 5000
LISTS_SHEET = "Danh mục"
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _cells(root: Organisation) -> list[Organisation]:
    return list(Organisation.objects.in_subtree(root.path).filter(kind__in=CELL_KINDS))


def header(column: Column) -> str:
    return f"{column.header} *" if column.required else column.header


def _example(column: Column, cells: list[Organisation]):
    if column.key == "cell":  # a name from the database: never a formula in the file
        return as_text((cells[0].code or cells[0].name) if cells else "")
    # A label of a choice is a lazy translation: openpyxl writes only plain values.
    return str(column.example) if isinstance(column.example, Promise) else column.example


def xlsx(kind: str, root: Organisation) -> bytes:
    spec = KINDS[kind]
    cells = _cells(root)
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    example = workbook.create_sheet("Ví dụ")
    guide = workbook.create_sheet("Hướng dẫn")
    lists = workbook.create_sheet(LISTS_SHEET)
    bold = Font(bold=True)
    list_column = 0
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        for sheet in (data, example):
            cell = sheet.cell(row=1, column=index, value=header(column))
            cell.font = bold
            cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        value = _example(column, cells)
        target = example.cell(row=2, column=index, value=value)
        if isinstance(value, date):
            target.number_format = "DD/MM/YYYY"
        # Formats on the whole column, not on cells: an empty template has no rows to read.
        if column.key == "cccd":
            target.number_format = "@"
            data.column_dimensions[letter].number_format = "@"
        elif column.parse.__name__ == "parse_date":
            data.column_dimensions[letter].number_format = "DD/MM/YYYY"
        allowed = column.allowed or (
            [c.code or c.name for c in cells] if column.key == "cell" else []
        )
        if allowed:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.header).font = bold
            for row, label in enumerate(allowed, start=2):
                lists.cell(row=row, column=list_column, value=as_text(str(label)))
            reference = (
                f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$2:${list_letter}${len(allowed) + 1}"
            )
            validation = DataValidation(type="list", formula1=reference, allow_blank=True)
            validation.error = "Chọn một giá trị trong danh sách (xem trang Danh mục)."
            validation.errorTitle = column.header
            validation.showErrorMessage = column.key != "cell"
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{ROWS_WITH_LISTS + 1}")
    data.freeze_panes = "C2"
    _guide(guide, spec, cells, root)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _guide(sheet, spec, cells, root: Organisation) -> None:
    sheet["A1"] = f"Mẫu nhập: {spec.label} — {root}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = str(spec.description)
    sheet["A3"] = (
        "Điền từ dòng 2 của trang “Dữ liệu”; cột có dấu * là bắt buộc. Thứ tự cột có thể đổi, cột "
        "thừa được bỏ qua. Ngày ghi dd/mm/yyyy. Nhập lại cùng tệp không tạo thêm gì."
    )
    row = 5
    for title, col in zip(
        ("Cột", "Bắt buộc", "Cách ghi", "Ví dụ", "Giá trị được chấp nhận"), "ABCDE", strict=True
    ):
        sheet[f"{col}{row}"] = title
        sheet[f"{col}{row}"].font = Font(bold=True)
    for column in spec.columns:
        row += 1
        example = _example(column, cells)
        allowed = column.allowed or (
            ["Mã hoặc tên chi bộ: xem trang Danh mục"] if column.key == "cell" else []
        )
        sheet.append(
            [
                column.header,
                "Có" if column.required else "",
                column.help,
                example.strftime("%d/%m/%Y") if isinstance(example, date) else example,
                "; ".join(allowed),
            ]
        )
    for col, width in zip("ABCDE", (38, 10, 60, 24, 80), strict=True):
        sheet.column_dimensions[col].width = width


def csv_bytes(kind: str, root: Organisation) -> bytes:
    spec = KINDS[kind]
    cells = _cells(root)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(c) for c in spec.columns])
    row = []
    for column in spec.columns:
        value = _example(column, cells)
        row.append(value.strftime("%d/%m/%Y") if isinstance(value, date) else value)
    writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
