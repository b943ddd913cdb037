"""What ptdv holds on a person, for an access request: ``/nguoi/<id>/du-lieu.xlsx`` and ``.pdf``.

The sections come from :func:`ptdv.subjects.holdings.gather` (every query scoped to the user's
subtree; nobody else's personal data). The workbook has one sheet per section (openpyxl's
write-only workbook, spooled to a temporary file: memory does not grow with the rows); the PDF is
a landscape A4 Word document of the same sections (python-docx) converted by LibreOffice as the
dossier's PDF is (``ptdv.dossier.render.convert``, with its timeout) — without LibreOffice the
answer is 503 with a message naming the .xlsx instead.

Only the roles that read individuals' records and answer for them download it
(``can_export_person_data``: the grassroots officer, and the committee above where a unit has
none; not the data protection officer, who opens no individual's record); others get 403,
outsiders 404. Each download is one
entry of the read log (``ptdv.privacy.access``, kind ``person_data_export``).
"""

from __future__ import annotations

import logging
import tempfile
from io import BytesIO

import docx
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ptdv.dossier.render import ConversionFailed, ConversionUnavailable, convert, soffice
from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.people.text import fold
from ptdv.subjects.holdings import Holdings, gather
from ptdv.subjects.roles import can_export_person_data
from ptdv.xlsx import DATE_FORMAT, XLSX_MIME, as_text

logger = logging.getLogger(__name__)

FONT = "Times New Roman"


def _record_read(request, person: Person, extension: str) -> None:
    """One entry of the read log (when the read log is installed)."""
    try:
        from ptdv.privacy.access import AccessKind, record
    except ImportError:  # pragma: no cover - the read log is part of ptdv
        return
    kind = getattr(AccessKind, "PERSON_DATA_EXPORT", None)
    if kind is not None:
        record(request, kind, person=person, count=1, filters={"dinh_dang": extension})


def _person(request, pk: int) -> Person:
    person = get_visible_or_404(
        Person.objects.select_related("cell", "residence"), request.user, pk=pk
    )
    if not can_export_person_data(request.user):
        raise PermissionDenied
    return person


def base_name(person: Person) -> str:
    """ASCII base of the download names: ``du-lieu-nguyen-van-an``."""
    return "du-lieu-" + (slugify(fold(person.full_name)) or "ca-nhan")


def _title(holdings: Holdings) -> str:
    return _("Dữ liệu cá nhân ptdv đang lưu về %(name)s") % {"name": holdings.person.full_name}


def _info(holdings: Holdings) -> list[str]:
    made = timezone.localtime(holdings.generated_at)
    return [
        _("Lập lúc %(time)s.") % {"time": f"{made:%H:%M %d/%m/%Y}"},
        *holdings.notes,
    ]


# --- .xlsx ----------------------------------------------------------------------------------


def write_xlsx(holdings: Holdings, fileobj) -> None:
    """One sheet per section: a title row, the notes, the header, the rows."""
    workbook = Workbook(write_only=True)
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    used: set[str] = set()
    for number, section in enumerate(holdings.sections, 1):
        title = f"{number}. {section.title}"[:31]
        for bad in "[]:*?/\\":
            title = title.replace(bad, " ")
        while title in used:
            title = title[:28] + f" {number}"
        used.add(title)
        sheet = workbook.create_sheet(title=title)
        for index, column in enumerate(section.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width

        def cell(value, sheet=sheet, **style):
            c = WriteOnlyCell(sheet, value=as_text(value))
            for key, setting in style.items():
                setattr(c, key, setting)
            return c

        sheet.append([cell(f"{section.title} — {holdings.person.full_name}", font=bold)])
        for line in _info(holdings):
            sheet.append([cell(line)])
        if section.truncated:
            sheet.append(
                [cell(_("Có %(total)s dòng; ghi %(shown)s dòng đầu.")
                      % {"total": section.total, "shown": len(section.rows)})]
            )  # fmt: skip
        sheet.append([])
        sheet.append(
            [cell(str(c.header), font=bold, fill=header_fill, alignment=wrap)
             for c in section.columns]
        )  # fmt: skip
        if not section.rows:
            sheet.append([cell(_("Không có dữ liệu."))])
        dates = [i for i, c in enumerate(section.columns) if c.kind == "date"]
        for row in section.rows:
            values = [cell(v) if isinstance(v, str) else v for v in row]
            for i in dates:
                if values[i] is not None:
                    values[i] = cell(values[i], number_format=DATE_FORMAT)
            sheet.append(values)
    workbook.save(fileobj)


@login_required
def person_data_xlsx(request, pk: int):
    person = _person(request, pk)
    holdings = gather(person, request.user)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_xlsx(holdings, spool)
    spool.seek(0)
    _record_read(request, person, "xlsx")
    return FileResponse(
        spool, as_attachment=True, filename=f"{base_name(person)}.xlsx", content_type=XLSX_MIME
    )


# --- .docx → .pdf -----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return f"{value:%d/%m/%Y}"
    return str(as_text(value) if isinstance(value, str) else value)


def write_docx(holdings: Holdings) -> bytes:
    """The sections as one Word document (A4 landscape, one table per section)."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for margin in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, margin, Mm(15))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    document.core_properties.title = _title(holdings)
    document.core_properties.author = "ptdv"
    document.add_heading(_title(holdings), level=1)
    for line in _info(holdings):
        document.add_paragraph(line)
    for number, part in enumerate(holdings.sections, 1):
        document.add_heading(f"{number}. {part.title}", level=2)
        if part.truncated:
            document.add_paragraph(
                _("Có %(total)s dòng; ghi %(shown)s dòng đầu.")
                % {"total": part.total, "shown": len(part.rows)}
            )
        if not part.rows:
            document.add_paragraph(_("Không có dữ liệu."))
            continue
        table = document.add_table(rows=1, cols=len(part.columns))
        table.style = document.styles["Table Grid"]
        for cell, column in zip(table.rows[0].cells, part.columns, strict=True):
            cell.text = str(column.header)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in part.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = _text(value)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _problem(request, person: Person, message: str, status: int) -> HttpResponse:
    context = {"person": person, "message": message}
    return render(request, "web/subject_requests/problem.html", context, status=status)


@login_required
def person_data_pdf(request, pk: int):
    person = _person(request, pk)
    if soffice() is None:
        message = _("Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .xlsx.")
        return _problem(request, person, message, 503)
    holdings = gather(person, request.user)
    try:
        content = convert(write_docx(holdings), "pdf")
    except ConversionUnavailable:
        message = _("Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .xlsx.")
        return _problem(request, person, message, 503)
    except ConversionFailed as error:
        logger.warning("PDF of the data of person %s failed: %s", person.pk, error)
        message = _(
            "LibreOffice chưa xuất được PDF (lỗi hoặc quá thời gian chờ); hãy thử lại sau hoặc "
            "tải tệp .xlsx."
        )
        return _problem(request, person, message, 503)
    _record_read(request, person, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{base_name(person)}.pdf")
    return response


urlpatterns = [
    path("nguoi/<int:pk>/du-lieu.xlsx", person_data_xlsx, name="person_data_xlsx"),
    path("nguoi/<int:pk>/du-lieu.pdf", person_data_pdf, name="person_data_pdf"),
]
