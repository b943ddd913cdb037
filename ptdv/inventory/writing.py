"""The processing inventory (:class:`~ptdv.inventory.document.Inventory`) written as a Word
document or a workbook: both draw the one object :func:`~ptdv.inventory.document.build_inventory`
returns."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .document import Inventory


# --- .docx ---------------------------------------------------------------------------------------


def write_docx(inventory: Inventory) -> bytes:
    """The inventory as a Word document: A4 landscape, a table per section."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    page.top_margin = page.bottom_margin = Mm(15)
    page.left_margin = page.right_margin = Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    heading = doc.styles["Heading 1"]
    heading.font.name = "Times New Roman"
    heading.font.size = Pt(14)
    heading.font.color.rgb = RGBColor(0, 0, 0)
    fonts = heading.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # the theme's font would win over the name
    properties = doc.core_properties
    properties.title = inventory.title
    properties.author = "ptdv"
    properties.created = properties.modified = inventory.generated_at.replace(tzinfo=None)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(inventory.title.upper())
    run.bold, run.font.size = True, Pt(16)
    subtitle = doc.add_paragraph(inventory.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.runs[0].italic = True
    for label, value in inventory.info:
        line = doc.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)

    usable = page.page_width - page.left_margin - page.right_margin
    for number, section in enumerate(inventory.sections, 1):
        doc.add_heading(f"{number}. {section.title}", level=1)
        doc.add_paragraph(section.intro)
        table = doc.add_table(rows=1 + len(section.rows), cols=len(section.columns))
        table.style = "Table Grid"
        table.autofit = False
        total = sum(c.width for c in section.columns)
        widths = [int(usable * c.width / total) for c in section.columns]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the table's grid (what LibreOffice reads)
        header = table.rows[0]
        _repeat_header(header)
        for index, (row, values) in enumerate(
            zip(table.rows, [[c.header for c in section.columns], *section.rows], strict=True)
        ):
            for cell, value, width in zip(row.cells, values, widths, strict=True):
                cell.width = width
                paragraph = cell.paragraphs[0]
                text = paragraph.add_run(str(value))
                text.font.size = Pt(10)
                text.bold = True if index == 0 else None
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _repeat_header(row) -> None:
    """The header row repeats at the top of every page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


# --- .xlsx ---------------------------------------------------------------------------------------


def write_xlsx(inventory: Inventory, fileobj) -> None:
    """The inventory as a workbook: the general information, then a sheet per section."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    first = workbook.active
    first.title = _("Thông tin chung")[:31]
    first.append([inventory.title])
    first["A1"].font = Font(bold=True, size=14)
    first.append([inventory.subtitle])
    first.append([])
    for label, value in inventory.info:
        first.append([label, value])
    first.column_dimensions["A"].width = 40
    first.column_dimensions["B"].width = 100
    first.append([])
    first.append([_("Các phần")])
    for number, section in enumerate(inventory.sections, 1):
        first.append([f"{number}. {section.title}", section.intro])
    wrap = Alignment(wrap_text=True, vertical="top")
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for number, section in enumerate(inventory.sections, 1):
        sheet = workbook.create_sheet(title=f"{number}. {section.title}"[:31])
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([section.intro])
        sheet.append([])
        sheet.append([c.header for c in section.columns])
        for index, column in enumerate(section.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
            cell = sheet.cell(row=4, column=index)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
        for values in section.rows:
            sheet.append([str(v) for v in values])
        for row in sheet.iter_rows(min_row=5):
            for cell in row:
                cell.alignment = wrap
        sheet.freeze_panes = "B5"
    workbook.properties.title = inventory.title
    workbook.properties.creator = "ptdv"
    workbook.save(fileobj)
