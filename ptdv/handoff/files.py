"""The hand-off's files: a workbook of one sheet per section, or one CSV.

- Every value is text: the CCCD, số lý lịch and the card number keep their leading zeros, and
  dates are written dd/mm/yyyy as the national forms take them (the same characters in the
  workbook and in the CSV, whatever the reader's regional settings). The text columns of the
  workbook carry Excel's text format ``@``, so a value typed over stays text.
- Every text goes through :func:`ptdv.xlsx.as_text` (the formula guard) in both files.
- The CSV is UTF-8 with a byte order mark (Excel's "CSV UTF-8"), comma-separated, one header
  row; its first column names the section, the leaving section's columns are empty elsewhere.
- Both are written to a temporary file and their SHA-256 computed before anything is sent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ptdv.xlsx import XLSX_MIME, as_text, sheet_name

from .models import FileFormat, Section
from .sections import (
    COMMON_COLUMNS,
    LEFT_COLUMNS,
    PROBLEMS_COLUMN,
    SHEET_TITLES,
    Handoff,
    Row,
    columns,
)

CSV_MIME = "text/csv; charset=utf-8"
MIME = {FileFormat.XLSX: XLSX_MIME, FileFormat.CSV: CSV_MIME}
TEXT_FORMAT = "@"


def _cells(number: int, row: Row) -> list:
    problems = "; ".join(row.problems)
    return [number, *row.values, problems]


def info_lines(handoff: Handoff, *, author: str, exported_at: str) -> list[tuple[str, str]]:
    lines = [
        (_("Tổ chức đảng"), handoff.organisation.name),
        (_("Mã tổ chức đảng (CSDL đảng viên)"), handoff.organisation.party_code or ""),
        (_("Từ ngày"), f"{handoff.start:%d/%m/%Y}"),
        (_("Đến ngày"), f"{handoff.end:%d/%m/%Y}"),
        (_("Người xuất"), author),
        (_("Lúc"), exported_at),
        (_("Số dòng"), str(handoff.count)),
        (_("Số dòng còn thiếu hoặc sai"), str(handoff.incomplete)),
    ]
    if handoff.already_sent:
        lines.append((_("Đã bàn giao trước đây, không đưa lại"), str(handoff.already_sent)))
    return lines


def write_xlsx(fileobj: IO[bytes], handoff: Handoff, info: list[tuple[str, str]]) -> None:
    workbook = Workbook(write_only=True)
    taken: list[str] = []
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    flagged = PatternFill("solid", fgColor="FCE4D6")
    wrap = Alignment(wrap_text=True, vertical="center")

    about = workbook.create_sheet(title=sheet_name(_("Thông tin"), taken))
    taken.append(about.title)
    about.column_dimensions["A"].width = 36
    about.column_dimensions["B"].width = 50
    about.append([WriteOnlyCell(about, value=as_text(_("BÀN GIAO DỮ LIỆU SANG CSDL ĐẢNG VIÊN")))])
    for label, value in info:
        about.append([as_text(label), _text_cell(about, value)])

    for section in handoff.sections:
        sheet = workbook.create_sheet(title=sheet_name(_sheet_title(section), taken))
        taken.append(sheet.title)
        cols = columns(section)
        sheet.freeze_panes = "C2"
        for index, column in enumerate(cols, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in cols:
            cell = WriteOnlyCell(sheet, value=as_text(str(column.header)))
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            header.append(cell)
        sheet.append(header)
        # Two styles made once per sheet and shared by the cells (setting a style on each cell
        # looks it up in the workbook: 20,000 rows took 20 s instead of a few).
        plain = _text_cell(sheet, "")
        shaded = _text_cell(sheet, "")
        shaded.fill = flagged
        for number, row in enumerate(handoff.rows.get(section, []), 1):
            values = _cells(number, row)
            style = (shaded if row.problems else plain)._style
            out = [values[0]]
            for value in values[1:]:
                cell = WriteOnlyCell(sheet, value=as_text("" if value is None else str(value)))
                cell._style = style
                out.append(cell)
            sheet.append(out)
    workbook.save(fileobj)


def _text_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=as_text("" if value is None else str(value)))
    cell.number_format = TEXT_FORMAT
    return cell


def _sheet_title(section: str) -> str:
    return str(SHEET_TITLES[Section(section)])


def csv_header() -> list[str]:
    return [
        _("Nội dung"),
        *(str(c.header) for c in COMMON_COLUMNS),
        *(str(c.header) for c in LEFT_COLUMNS),
        str(PROBLEMS_COLUMN.header),
    ]


def write_csv(fileobj: IO[bytes], handoff: Handoff) -> None:
    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([as_text(h) for h in csv_header()])
    blank_left = [""] * len(LEFT_COLUMNS)
    for section in handoff.sections:
        label = _sheet_title(section)
        for number, row in enumerate(handoff.rows.get(section, []), 1):
            values = list(row.values)
            if section != Section.LEFT:
                values += blank_left
            cells = [label, str(number), *values, "; ".join(row.problems)]
            writer.writerow([as_text("" if v is None else str(v)) for v in cells])
    text.flush()
    text.detach()


def write(handoff: Handoff, file_format: str, info: list[tuple[str, str]]) -> tuple[IO[bytes], str]:
    """The file in a temporary file (at its start) and its SHA-256."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it when sent)
    if file_format == FileFormat.CSV:
        write_csv(spool, handoff)
    else:
        write_xlsx(spool, handoff, info)
    spool.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: spool.read(1 << 16), b""):
        digest.update(chunk)
    spool.seek(0)
    return spool, digest.hexdigest()
