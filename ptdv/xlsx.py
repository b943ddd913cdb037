"""Excel workbooks (.xlsx) written with openpyxl's write-only workbook: the one place that writes
a sheet, at the bottom of the layers (it imports nothing of ptdv), used by the pages' exports
(``ptdv.web.export``), the reports' workbook (``ptdv.reports.excel``) and the import templates.

Rows come from ``values_list(...).iterator()``: no model instances, no query per row, and the
write-only sheet keeps nothing in memory but the row being written (openpyxl spools the sheet to a
temporary file; the finished workbook is a temporary file the response streams). A whole province
(20,000 candidacies) takes a few seconds.

Layout of a sheet: a title row, information rows (organisation, date, filters), an empty row, the
header row (frozen with the first columns), then the data. Dates are real Excel dates shown
dd/mm/yyyy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    #: "text", "date" (an Excel date shown dd/mm/yyyy) or "int".
    kind: str = "text"


def write_workbook(
    fileobj,
    *,
    sheet_title: str,
    title: str,
    info: Sequence[str],
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    frozen_columns: int = 0,
) -> int:
    """Write one sheet to ``fileobj`` (a binary file); return the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    header_row = 1 + len(info) + 2  # title, info lines, an empty row
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{header_row + 1}"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=as_text(value))
        for key, setting in style.items():
            setattr(cell, key, setting)
        return cell

    sheet.append([styled(str(title), font=Font(bold=True, size=14))])
    for line in info:
        sheet.append([styled(str(line))])
    sheet.append([])
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="center")
    sheet.append(
        [styled(str(c.header), font=header_font, fill=header_fill, alignment=wrap) for c in columns]
    )
    dates = [i for i, c in enumerate(columns) if c.kind == "date"]
    count = 0
    for row in rows:
        values = [styled(v) if isinstance(v, str) else v for v in row]
        for i in dates:
            if values[i] is not None:
                values[i] = styled(values[i], number_format=DATE_FORMAT)
        sheet.append(values)
        count += 1
    workbook.save(fileobj)
    return count


#: A text starting with one of these is a formula to Excel (and to openpyxl, for "=").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """Text stays text: a name like "=HYPERLINK(…)" is written with a leading apostrophe (shown
    as typed, never run), so a cell of the export can never be a formula (CSV/formula
    injection). Control characters, which a workbook cannot hold, are dropped. Numbers and
    dates are left as they are."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: not storable in XML
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def xlsx_response(filename: str, **sheet) -> FileResponse:
    """An attachment response streaming the workbook written by :func:`write_workbook`."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_workbook(spool, **sheet)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME)
