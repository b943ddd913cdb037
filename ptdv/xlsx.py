"""Excel workbooks (.xlsx) written with openpyxl's write-only workbook: the one place that writes
a sheet, at the bottom of the layers (it imports nothing of ptdv), used by the pages' exports
(``ptdv.web.export``), the reports' workbook (``ptdv.reports.excel``) and the import templates.

Rows come from ``values_list(...).iterator()``: no model instances, no query per row, and the
write-only sheet keeps nothing in memory but the row being written (openpyxl spools the sheet to a
temporary file; the finished workbook is a temporary file the response streams). A whole province
(20,000 candidacies) takes a few seconds.

Layout of a sheet: a title row, information rows (organisation, date, filters), an empty row, the
header row (frozen with the first columns), then the data. Dates are real Excel dates shown
dd/mm/yyyy; counts are numbers shown with their thousands grouped (``#,##0``).
"""

from __future__ import annotations

import re
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
#: A count, thousands grouped: Excel shows 1.842 or 1,842 by the user's separators.
INTEGER_FORMAT = "#,##0"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    #: "text", "date" (an Excel date shown dd/mm/yyyy) or "int" (a number shown ``#,##0``).
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
    sheet = workbook.create_sheet(title=sheet_name(sheet_title))
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
    formats = {
        i: DATE_FORMAT if c.kind == "date" else INTEGER_FORMAT
        for i, c in enumerate(columns)
        if c.kind in ("date", "int")
    }
    count = 0
    for row in rows:
        values = [styled(v) if isinstance(v, str) else v for v in row]
        for i, number_format in formats.items():
            if row[i] is not None and not isinstance(row[i], str):
                values[i] = styled(values[i], number_format=number_format)
        sheet.append(values)
        count += 1
    workbook.save(fileobj)
    return count


#: Excel reads a cell typed with one of these first as a formula (or, for "\t" and "\r", a
#: spreadsheet importing the file trims them and reads what follows).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
#: "-" starts a formula when an operand follows it at once ("-1+1", "-A1", "-SUM(…)", "-(…)",
#: "--1"); "- Kết nạp 683 đảng viên" (a dash, a space, text) is a list item, "-" alone a dash.
_FORMULA_AFTER_MINUS = re.compile(r"-[\t\r]*\S")


def is_formula_start(value: str) -> bool:
    """Whether a spreadsheet would run ``value`` typed into a cell (or imported from a CSV) as
    a formula: it starts with "=", "+", "@", a tab or a carriage return, or with "-" followed by
    an operand — a digit, a reference or a name, a parenthesis, an operator (OWASP, "CSV
    Injection"). A "-" followed by a space is the dash of a list item ("- Kết nạp 683 đảng
    viên"), and "-" alone a dash: text."""
    if value.startswith(FORMULA_STARTS):
        return True
    return _FORMULA_AFTER_MINUS.match(value) is not None


def as_text(value):
    """Text stays text: a text Excel would run as a formula ("=HYPERLINK(…)", "+1", "-1+1",
    "@SUM(…)"; see :func:`is_formula_start`) is written with a leading apostrophe (shown as
    typed, never run), so a cell of the export can never be a formula (CSV/formula injection).
    A note such as "- Kết nạp 683 đảng viên" is written as it is. Control characters, which a
    workbook cannot hold, are dropped. Numbers and dates are left as they are."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: not storable in XML
        if is_formula_start(value):
            return "'" + value
    return value


#: Excel's longest sheet name.
SHEET_NAME_LENGTH = 31
#: Characters Excel refuses in a sheet's name.
_SHEET_REFUSED = "[]:*?/\\"


def sheet_name(title: str, taken: Iterable[str] = (), *, default: str = "Sheet") -> str:
    """``title`` as a sheet name: the characters Excel refuses replaced by spaces, at most 31
    characters cut at a word boundary ("Tổ chức đảng và địa bàn có tổ chức đảng" →
    "Tổ chức đảng và địa bàn có tổ"), not starting or ending with an apostrophe, and unique
    among ``taken`` (compared as Excel does, ignoring case) by a " (2)", " (3)"… suffix."""
    cleaned = " ".join("".join(" " if c in _SHEET_REFUSED else c for c in str(title)).split())
    cleaned = cleaned.strip("'").strip() or default
    used = {name.casefold() for name in taken}
    name = shortened(cleaned, SHEET_NAME_LENGTH)
    number = 1
    while name.casefold() in used:
        number += 1
        suffix = f" ({number})"
        name = shortened(cleaned, SHEET_NAME_LENGTH - len(suffix)) + suffix
    return name


def shortened(text: str, length: int) -> str:
    """``text`` if it fits in ``length`` characters, else its longest beginning that ends at a
    word boundary (a word longer than ``length`` alone is cut), without trailing punctuation."""
    if len(text) <= length:
        return text
    cut = text[: length + 1]
    space = cut.rfind(" ")
    head = cut[:space] if space > 0 else text[:length]
    return head.rstrip(" ,;.-–—'") or text[:length]


def xlsx_response(filename: str, **sheet) -> FileResponse:
    """An attachment response streaming the workbook written by :func:`write_workbook`."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_workbook(spool, **sheet)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME)
