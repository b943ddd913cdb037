"""The reports: an index, one page per report with its Excel workbook, and the list behind
every figure (the "drill" page) with its Excel export.

- The form (:mod:`.report_form`) reads the unit and the dates; the page shows the report as
  :mod:`.report_display` formats it; the list behind a figure and its export columns are in
  :mod:`.report_drill`.
- The figures come from :func:`ptdv.reports.figures.build`; the drill page lists
  :func:`ptdv.reports.figures.drill` intersected with the user's scope.
- Routes are generated from :data:`~.report_form.PAGES`: ``/bao-cao/<slug>/``
  (``report_<kind>``), ``…/excel/`` (``report_<kind>_excel``), ``…/chi-tiet/``
  (``report_<kind>_drill``) and ``…/chi-tiet/excel/`` (``report_<kind>_drill_excel``).
- An Excel address with nothing to export (invalid parameters, no figure chosen) shows the page
  with what is wrong instead of a file.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from ptdv.people.sensitive import blocked_drills  # lists by role
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.reports.excel import period_text, sheet_title, write_report
from ptdv.reports.tables import Report
from ptdv.xlsx import XLSX_MIME, xlsx_response

from .report_display import report_context
from .report_drill import DRILL_EXPORTS, drill_context, person_export, scoped_drill
from .report_form import BY_KIND, PAGES, ReportPage, bound_form, build_report


def _no_organisation(request):
    return render(request, "web/reports/no_organisation.html")


@login_required
def report_index(request):
    return render(request, "web/reports/index.html", {"pages": PAGES})


@login_required
def report_page(request, kind: str):
    page = BY_KIND[kind]
    form = bound_form(request, page)
    if form is None:
        return _no_organisation(request)
    report = build_report(form, page)
    return render(request, "web/reports/report.html", report_context(request, page, form, report))


@login_required
def report_excel(request, kind: str):
    page = BY_KIND[kind]
    form = bound_form(request, page)
    if form is None:
        return _no_organisation(request)
    report = build_report(form, page)
    if report is None:
        return render(request, "web/reports/report.html", report_context(request, page, form, None))
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_report(
        spool,
        report,
        today=form.today,
        author=request.user.get_full_name() or request.user.get_username(),
    )
    spool.seek(0)
    filename = f"bao-cao-{page.slug}-{form.today:%Y-%m-%d}.xlsx"
    record(request, AccessKind.REPORT_EXPORT, filters=request.GET, organisation=form.organisation)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME)


@login_required
def drill_page(request, kind: str):
    page = BY_KIND[kind]
    form = bound_form(request, page)
    if form is None:
        return _no_organisation(request)
    form.is_valid()
    code = request.GET.get("so_lieu", "").strip()
    context = drill_context(request, page, form, code)
    status = 403 if context.get("refused") else 200  # people/sensitive.py
    return render(request, "web/reports/drill.html", context, status=status)


@login_required
def drill_excel(request, kind: str):
    page = BY_KIND[kind]
    form = bound_form(request, page)
    if form is None:
        return _no_organisation(request)
    code = request.GET.get("so_lieu", "").strip()
    if not form.is_valid() or not code or code in blocked_drills(request.user):
        context = drill_context(request, page, form, code)
        status = 403 if context.get("refused") else 200  # people/sensitive.py
        return render(request, "web/reports/drill.html", context, status=status)
    found = scoped_drill(request, form, page, code)
    columns, rows = DRILL_EXPORTS[found.kind]
    if found.kind == "people":  # the columns of sensitive items by role (people/sensitive.py)
        columns, rows = person_export(request.user)
    period = period_text(Report(page.kind, "", form.organisation, **form.dates()))
    exported = Counted(rows(found.queryset))  # counted for the read log
    response = xlsx_response(
        f"danh-sach-{page.slug}-{code.replace(':', '-')}-{form.today:%Y-%m-%d}.xlsx",
        sheet_title=sheet_title(found.title),
        title=f"{page.title}: {found.title}".upper(),
        info=[
            _("Tổ chức đảng: %(name)s") % {"name": form.organisation.name},
            period,
            _("Ngày xuất: %(date)s") % {"date": f"{form.today:%d/%m/%Y}"},
        ],
        columns=columns,
        rows=exported,
        frozen_columns=2,
    )
    count = exported.count if found.kind == "people" else None  # the read log: people exported
    record(
        request,
        AccessKind.DRILL_EXPORT,
        filters=request.GET,
        count=count,
        organisation=form.organisation,
    )
    return response


# --- routes --------------------------------------------------------------------------------------


def _routes(page: ReportPage) -> list:
    prefix, kind = f"bao-cao/{page.slug}/", {"kind": page.kind}
    return [
        path(prefix, report_page, kind, name=page.url_name),
        path(f"{prefix}excel/", report_excel, kind, name=page.excel_name),
        path(f"{prefix}chi-tiet/", drill_page, kind, name=page.drill_name),
        path(f"{prefix}chi-tiet/excel/", drill_excel, kind, name=page.drill_excel_name),
    ]


urlpatterns = [
    path("bao-cao/", report_index, name="report_index"),
    *(route for page in PAGES for route in _routes(page)),
]
