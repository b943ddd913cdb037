"""A :class:`~ptdv.reports.tables.Report` written to an Excel workbook, ready to print and sign.

Layout of the sheet, as the party's reports are laid out (HD 36-HD/VPTW on the format of the
party's documents):

- letterhead: on the left the superior organisation and the organisation (with the "*" under
  it); on the right "ĐẢNG CỘNG SẢN VIỆT NAM" and "…, ngày … tháng … năm …";
- the title in bold capitals, centred, then the unit and the period;
- each table: its title, a styled header row, one row per line of the report (totals in bold,
  sub-items indented), its note;
- the report's notes, then the signatures: "NGƯỜI LẬP BIỂU" on the left, "T/M …" and
  "BÍ THƯ" on the right.

Values are real numbers (counts as integers, shares as numbers shown with their
``Column.places``), never text, with thousands grouped (``#,##0``, ``#,##0.0``: Excel shows them
with the user's separators); every text goes through :func:`ptdv.xlsx.as_text`, so no
cell can be a formula. Page: A4, portrait or landscape by the width of the tables, one page
wide, the header row of the longest table repeated on each page, page numbers in the footer.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from ptdv.org.models import OrgKind
from ptdv.xlsx import INTEGER_FORMAT, as_text, sheet_name

from .tables import DAYS, INT, TEXT, Column, Report, Row, Table

FONT_NAME = "Times New Roman"
LABEL_WIDTH = 44
VALUE_WIDTH = 13
#: The right half of the letterhead holds "ĐẢNG CỘNG SẢN VIỆT NAM" on one line.
LETTERHEAD_WIDTH = 34
#: Wider than this (in characters) prints in landscape.
PORTRAIT_WIDTH = 100
EMPTY = "—"
#: Points per line of 12-point text.
LINE_HEIGHT = 16

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")
_TOTAL_FILL = PatternFill("solid", fgColor="F5F5F5")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

#: Who signs for the organisation ("T/M …"), by its kind.
_SIGNING_BODY = {
    OrgKind.CELL: gettext_lazy("T/M CHI BỘ"),
    OrgKind.GRASSROOTS_CELL: gettext_lazy("T/M CHI BỘ"),
    OrgKind.PARTIAL_COMMITTEE: gettext_lazy("T/M ĐẢNG ỦY"),
    OrgKind.GRASSROOTS_COMMITTEE: gettext_lazy("T/M ĐẢNG ỦY"),
}
_DEFAULT_SIGNING_BODY = gettext_lazy("T/M BAN THƯỜNG VỤ")


def write_report(
    fileobj,
    report: Report,
    *,
    today: date,
    author: str = "",
    place: str = "",
) -> None:
    """Write ``report`` to ``fileobj`` (a binary file) as a one-sheet workbook.

    ``author`` is printed under "NGƯỜI LẬP BIỂU"; ``place`` before the date of the letterhead
    (dots to fill by hand when empty).
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(report.title)
    writer = _SheetWriter(sheet, width=1 + max((len(t.columns) for t in report.tables), default=1))
    writer.letterhead(report.organisation, today, place)
    writer.heading(report)
    for table in report.tables:
        writer.table(table)
    writer.notes(report.notes)
    writer.signatures(report.organisation, author)
    writer.page_setup()
    workbook.save(fileobj)


def sheet_title(title: str) -> str:
    """The report's title as a sheet name: at most 31 characters, cut at a word boundary, none
    of those Excel refuses (``ptdv.xlsx.sheet_name``)."""
    return sheet_name(str(title), default=_("Báo cáo"))


def number_format(column: Column, value) -> str:
    """Excel's number format of a value of ``column``: thousands grouped, the decimals of the
    column — ``#,##0`` for a count, ``#,##0.0`` for a share with one decimal. The format's ","
    and "." are Excel's placeholders, which Excel shows with the user's separators: 1.842 and
    87,3 in Vietnamese, 1,842 and 87.3 in English, as the pages print them."""
    if column.kind == INT or (column.kind == DAYS and isinstance(value, int)):
        return INTEGER_FORMAT
    places = max(column.places, 0)
    return INTEGER_FORMAT + ("." + "0" * places if places else "")


def excel_value(value):
    """A number stays a number (``Decimal`` as ``float``), a text is neutralised."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    return as_text(str(value))


class _SheetWriter:
    """Appends the blocks of the report one below the other."""

    def __init__(self, sheet: Worksheet, width: int):
        self.sheet = sheet
        self.width = max(width, 2)
        self.row = 1
        self.longest_header: tuple[int, int] | None = None  # (row, number of data rows)
        self.split = max(1, self.width // 2)
        sheet.column_dimensions["A"].width = LABEL_WIDTH
        for index in range(2, self.width + 1):
            sheet.column_dimensions[get_column_letter(index)].width = VALUE_WIDTH
        right = range(self.split + 1, self.width + 1)
        if right and VALUE_WIDTH * len(right) < LETTERHEAD_WIDTH:
            for index in right:
                sheet.column_dimensions[get_column_letter(index)].width = LETTERHEAD_WIDTH / len(
                    right
                )

    # --- writing cells ---------------------------------------------------------------------------

    def put(
        self, column: int, value, *, bold=False, italic=False, size=12, underline=None, **style
    ):
        cell = self.sheet.cell(row=self.row, column=column, value=excel_value(value))
        cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic, underline=underline)
        for key, setting in style.items():
            setattr(cell, key, setting)
        return cell

    def merged(self, first: int, last: int, value, **style):
        """A text across columns ``first``..``last`` of the current row, centred."""
        style.setdefault("alignment", _CENTRE)
        cell = self.put(first, value, **style)
        if last > first:
            self.sheet.merge_cells(
                start_row=self.row, start_column=first, end_row=self.row, end_column=last
            )
        return cell

    def across(self, value, **style):
        return self.merged(1, self.width, value, **style)

    def next(self, rows: int = 1) -> None:
        self.row += rows

    # --- blocks ----------------------------------------------------------------------------------

    def letterhead(self, organisation, today: date, place: str) -> None:
        """Left: the superior and the organisation, "*" under them; right: the party, the date."""
        parent = _parent(organisation)
        left = [(parent.name.upper(), "")] if parent is not None else []
        left += [(organisation.name.upper() if organisation else "", "bold"), ("*", "")]
        dated = _("%(place)s, ngày %(day)02d tháng %(month)02d năm %(year)d") % {
            "place": place or "……………",
            "day": today.day,
            "month": today.month,
            "year": today.year,
        }
        right = [(_("ĐẢNG CỘNG SẢN VIỆT NAM"), "bold")]
        right += [("", "")] * (len(left) - 2) + [(dated, "italic")]
        for (left_text, left_style), (right_text, right_style) in zip(left, right, strict=True):
            self.merged(1, self.split, left_text, bold=left_style == "bold")
            self.merged(
                self.split + 1,
                self.width,
                right_text,
                bold=right_style == "bold",
                italic=right_style == "italic",
                underline="single" if right_style == "bold" else None,
            )
            self.next()
        self.next()

    def heading(self, report: Report) -> None:
        self.sheet.row_dimensions[self.row].height = 36
        self.across(report.title.upper(), bold=True, size=14)
        self.next()
        if report.organisation is not None:
            self.across(_("Đơn vị: %(name)s") % {"name": report.organisation.name}, italic=True)
            self.next()
        self.across(period_text(report), italic=True)
        self.next(2)

    def table(self, table: Table) -> None:
        if table.title:
            self.put(1, table.title, bold=True, alignment=Alignment(vertical="center"))
            self.next()
        header_row = self.row
        self.put(1, table.label_header or "", bold=True, border=_BORDER, fill=_HEADER_FILL,
                 alignment=_CENTRE)  # fmt: skip
        for index, column in enumerate(table.columns, 2):
            self.put(index, column.label, bold=True, border=_BORDER, fill=_HEADER_FILL,
                     alignment=_CENTRE)  # fmt: skip
        self.sheet.row_dimensions[self.row].height = header_height(table)
        self.next()
        for row in table.rows:
            self.table_row(table, row)
        if self.longest_header is None or len(table.rows) > self.longest_header[1]:
            self.longest_header = (header_row, len(table.rows))
        if table.note:
            self.put(1, table.note, italic=True, size=11)
            self.next()
        self.next()

    def table_row(self, table: Table, row: Row) -> None:
        fill = {"fill": _TOTAL_FILL} if row.total else {}
        label = Alignment(vertical="center", wrap_text=True, indent=2 * row.level)
        self.put(1, row.label, bold=row.total, border=_BORDER, alignment=label, **fill)
        for index, (column, cell) in enumerate(zip(table.columns, row.cells, strict=False), 2):
            written = self.put(index, cell.value, bold=row.total, border=_BORDER, **fill)
            if column.kind == TEXT or isinstance(written.value, str):
                written.alignment = Alignment(
                    horizontal="center" if written.value == EMPTY else "left", vertical="center"
                )
            else:
                written.number_format = number_format(column, written.value)
                written.alignment = Alignment(horizontal="right", vertical="center")
        self.next()

    def notes(self, notes: list[str]) -> None:
        if not notes:
            return
        self.put(1, _("Ghi chú:"), bold=True, italic=True, size=11)
        self.next()
        for note in notes:
            self.across(f"- {note}", italic=True, size=11,
                        alignment=Alignment(wrap_text=True, vertical="top"))  # fmt: skip
            self.next()
        self.next()

    def signatures(self, organisation, author: str) -> None:
        self.next()
        body = _SIGNING_BODY.get(organisation.kind, _DEFAULT_SIGNING_BODY) if organisation else ""
        lines = [
            (_("NGƯỜI LẬP BIỂU"), "bold", body, "bold"),
            (_("(Ký, ghi rõ họ tên)"), "italic", _("BÍ THƯ"), "bold"),
            ("", "", _("(Ký tên, đóng dấu)"), "italic"),
        ]
        for left, left_style, right, right_style in lines:
            self.merged(1, self.split, left, bold=left_style == "bold",
                        italic=left_style == "italic")  # fmt: skip
            self.merged(self.split + 1, self.width, right, bold=right_style == "bold",
                        italic=right_style == "italic")  # fmt: skip
            self.next()
        self.next(3)
        if author:
            self.merged(1, self.split, author, bold=True)
            self.next()

    def page_setup(self) -> None:
        sheet = self.sheet
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        total_width = LABEL_WIDTH + VALUE_WIDTH * (self.width - 1)
        setup.orientation = "landscape" if total_width > PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many pages as needed
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        # Inches: 20 mm top and bottom, 30 mm left, 15 mm right, the smallest margins of the
        # party's documents on A4 (HD 36-HD/VPTW, 2018).
        sheet.page_margins = PageMargins(left=1.18, right=0.59, top=0.79, bottom=0.79,
                                         header=0.3, footer=0.3)  # fmt: skip
        if self.longest_header is not None:
            # The longest table is the one running over several pages (usually "by unit").
            header = self.longest_header[0]
            sheet.print_title_rows = f"{header}:{header}"
        sheet.oddFooter.center.text = "&P/&N"
        sheet.oddFooter.center.font = FONT_NAME
        sheet.print_area = f"A1:{get_column_letter(self.width)}{self.row}"


def header_height(table: Table) -> float:
    """Points for the header row, so that every wrapped label shows whole."""
    widths = [LABEL_WIDTH] + [VALUE_WIDTH] * len(table.columns)
    labels = [table.label_header or ""] + [str(c.label) for c in table.columns]
    lines = max(
        math.ceil(len(label) / max(width - 2, 1))
        for label, width in zip(labels, widths, strict=True)
    )
    return LINE_HEIGHT * max(lines, 2)


def period_text(report: Report) -> str:
    """ "Từ ngày … đến ngày …" for a period, "Tại ngày …" for a snapshot (dates dd/mm/yyyy)."""
    if report.on is not None and report.start is not None:
        return _("Tại ngày %(on)s (so với ngày %(start)s)") % {
            "on": f"{report.on:%d/%m/%Y}",
            "start": f"{report.start:%d/%m/%Y}",
        }
    if report.on is not None:
        return _("Tại ngày %(on)s") % {"on": f"{report.on:%d/%m/%Y}"}
    if report.start is not None and report.end is not None:
        return _("Từ ngày %(start)s đến ngày %(end)s") % {
            "start": f"{report.start:%d/%m/%Y}",
            "end": f"{report.end:%d/%m/%Y}",
        }
    return ""


def _parent(organisation):
    """The organisation directly above ``organisation`` in the tree (``None`` for a root)."""
    if organisation is None or organisation.depth <= 1:
        return None
    model = type(organisation)
    return model.objects.filter(path=organisation.path[: -model.steplen]).first()
