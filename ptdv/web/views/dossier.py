"""The dossier forms of a candidacy: the list page, each form as .docx, the .zip and the PDF.

Every view fetches the candidacy within the user's scope (outsiders get 404). The list is for
every reader; the filled forms — official papers with the whole CCCD, the ethnicity, the religion
and the verification's conclusion — for the roles that may see them all (``people.sensitive``).
Each form has its own route (``…/bieu-mau/6-KND.docx``), so the URL of a form names nothing but
the candidacy; the introducers' letters (3-KNĐ) are told apart by ``?so=2``.

The PDF takes LibreOffice seconds: the list page asks for it in the background
(``…/bieu-mau/ho-so-pdf/``, POST; ``ptdv.dossier.jobs``) and that page shows the progress (htmx
polls ``…/tien-do/`` every second; without JavaScript the page refreshes itself), then the
browser downloads it once from ``…/tai-ve/``. A job is the asking user's: every look-up names
the user, after the candidacy was fetched within their scope. ``…/ho-so.pdf`` still converts in
the request, for a direct link.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ptdv.dossier import jobs
from ptdv.dossier.forms import FORMS, base_name, build_dossier
from ptdv.dossier.render import (
    DOCX_MIME,
    ConversionFailed,
    ConversionUnavailable,
    DossierTemplateError,
    render_document,
    render_pdf,
    render_zip,
    soffice,
)
from ptdv.org.scope import get_visible_or_404
from ptdv.people.sensitive import may_print_dossier  # who downloads the filled forms
from ptdv.pipeline.models import Candidacy
from ptdv.privacy.access import AccessKind, record

logger = logging.getLogger(__name__)


def _candidacy(request, pk: int) -> Candidacy:
    return get_visible_or_404(
        Candidacy.objects.select_related("person", "person__residence", "cell"),
        request.user,
        pk=pk,
    )


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _problem(request, candidacy: Candidacy, message: str, status: int) -> HttpResponse:
    context = {"c": candidacy, "person": candidacy.person, "message": message}
    return render(request, "web/dossier/problem.html", context, status=status)


def _not_printable(request, candidacy: Candidacy):
    """The filled forms carry the whole CCCD, the ethnicity, the religion and the verification's
    conclusion: only the roles that may see them all download them (people/sensitive.py)."""
    message = _(
        "Biểu mẫu hồ sơ ghi đầy đủ số CCCD, dân tộc, tôn giáo và kết luận thẩm tra lý lịch, nên "
        "chỉ chi bộ, cán bộ tổ chức đảng ủy cơ sở và cấp ủy tải về và in."
    )
    return _problem(request, candidacy, message, 403)


def _template_problem(request, candidacy: Candidacy, error: DossierTemplateError):
    message = _(
        "Mẫu biểu %(file)s không dùng được, hãy báo quản trị viên thay hoặc bỏ tệp này."
    ) % {"file": error.path.name}
    return _problem(request, candidacy, message, 500)


@login_required
def dossier_forms(request, pk: int):
    candidacy = _candidacy(request, pk)
    dossier = build_dossier(candidacy)
    context = {
        "c": candidacy,
        "person": candidacy.person,
        "dossier": dossier,
        "checklist": dossier.checklist,
        "papers": dossier.papers_not_in_order,
        "applicable": dossier.applicable,
        "others": [d for d in dossier.documents if not d.applicable],
        "pdf_available": soffice() is not None,
    }
    record(request, AccessKind.CANDIDACY, candidacy=candidacy)  # the read log
    return render(request, "web/dossier/list.html", context)


@login_required
def dossier_form(request, pk: int, code: str):
    candidacy = _candidacy(request, pk)
    if not may_print_dossier(request.user):  # official papers: whole CCCD (people/sensitive.py)
        return _not_printable(request, candidacy)
    try:
        index = int(request.GET.get("so", "1"))
    except ValueError as exc:
        raise Http404 from exc
    document = build_dossier(candidacy).find(code, index)
    if document is None:
        raise Http404
    try:
        content = render_document(document)
    except DossierTemplateError as error:
        return _template_problem(request, candidacy, error)
    filters = {"form": code, "so": index}
    record(request, AccessKind.DOSSIER_FORM, candidacy=candidacy, filters=filters)  # read log
    return _download(content, document.file_name, DOCX_MIME)


@login_required
def dossier_zip(request, pk: int):
    candidacy = _candidacy(request, pk)
    if not may_print_dossier(request.user):  # official papers: whole CCCD (people/sensitive.py)
        return _not_printable(request, candidacy)
    dossier = build_dossier(candidacy)
    try:
        content = render_zip(dossier.applicable)
    except DossierTemplateError as error:
        return _template_problem(request, candidacy, error)
    record(request, AccessKind.DOSSIER_ZIP, candidacy=candidacy)  # the read log
    return _download(content, f"{dossier.base_name}.zip", "application/zip")


@login_required
def dossier_pdf(request, pk: int):
    candidacy = _candidacy(request, pk)
    if not may_print_dossier(request.user):  # official papers: whole CCCD (people/sensitive.py)
        return _not_printable(request, candidacy)
    dossier = build_dossier(candidacy)
    try:
        content = render_pdf(dossier.applicable)
    except ConversionUnavailable:
        message = _("Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .zip.")
        return _problem(request, candidacy, message, 503)
    except ConversionFailed as error:
        logger.warning("PDF of candidacy %s failed: %s", candidacy.pk, error)
        message = _(
            "LibreOffice chưa xuất được PDF (lỗi hoặc quá thời gian chờ); hãy thử lại sau hoặc "
            "tải tệp .zip."
        )
        return _problem(request, candidacy, message, 503)
    except DossierTemplateError as error:
        return _template_problem(request, candidacy, error)
    record(request, AccessKind.DOSSIER_PDF, candidacy=candidacy)  # the read log
    return _download(content, f"{dossier.base_name}.pdf", "application/pdf")


# --- the PDF in the background (ptdv/dossier/jobs.py) ----------------------------------------


def _printable_candidacy(request, pk: int):
    """The candidacy (404 outside the scope) and, for a role that may not print, the 403 page."""
    candidacy = _candidacy(request, pk)
    if not may_print_dossier(request.user):  # official papers: whole CCCD (people/sensitive.py)
        return candidacy, _not_printable(request, candidacy)
    return candidacy, None


@login_required
def dossier_pdf_job(request, pk: int):
    """GET: the user's PDF of this dossier (being made, ready, failed, or none yet); POST: ask
    for a new one (or keep the one under way) and come back here."""
    candidacy, refused = _printable_candidacy(request, pk)
    if refused is not None:
        return refused
    if soffice() is None:
        message = _("Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .zip.")
        return _problem(request, candidacy, message, 503)
    if request.method == "POST":
        job = jobs.request(candidacy.pk, request.user.pk)
        if job is None:
            messages.error(
                request,
                _("Bạn đang tạo %(n)s tệp PDF; hãy chờ các tệp đó xong rồi tạo thêm.")
                % {"n": jobs.OPEN_PER_USER},
            )
        return redirect("dossier_pdf_job", pk=candidacy.pk)
    jobs.sweep()
    job = jobs.latest(candidacy.pk, request.user.pk)
    if job is not None:  # no worker and no JavaScript: the refreshed page makes it
        job = jobs.run_here_if_no_worker(job)
    context = {"c": candidacy, "person": candidacy.person, "job": job}
    return render(request, "web/dossier/pdf.html", context)


@login_required
def dossier_pdf_progress(request, pk: int):
    """The progress fragment. A job no worker took within the grace delay is made here (no
    worker running); once it is ready, htmx sends the browser to the download."""
    candidacy, refused = _printable_candidacy(request, pk)
    if refused is not None:
        return refused
    job = jobs.latest(candidacy.pk, request.user.pk)
    if job is not None:
        job = jobs.run_here_if_no_worker(job)
    response = render(request, "web/dossier/_pdf_progress.html", {"c": candidacy, "job": job})
    if job is not None and not job.busy and request.htmx:
        if job.ready:
            response["HX-Redirect"] = reverse("dossier_pdf_download", kwargs={"pk": candidacy.pk})
        else:
            response["HX-Refresh"] = "true"
    return response


@login_required
def dossier_pdf_download(request, pk: int):
    """The PDF the user asked for, once: taken, it is deleted (404 afterwards, and for anyone
    else)."""
    candidacy, refused = _printable_candidacy(request, pk)
    if refused is not None:
        return refused
    job = jobs.latest(candidacy.pk, request.user.pk)
    content = jobs.take_file(job) if job is not None else None
    if content is None:
        raise Http404
    record(request, AccessKind.DOSSIER_PDF, candidacy=candidacy)  # the read log
    return _download(content, f"{base_name(candidacy)}.pdf", "application/pdf")


urlpatterns = [
    path("ho-so/<int:pk>/bieu-mau/", dossier_forms, name="dossier"),
    path("ho-so/<int:pk>/bieu-mau/ho-so.zip", dossier_zip, name="dossier_zip"),
    path("ho-so/<int:pk>/bieu-mau/ho-so.pdf", dossier_pdf, name="dossier_pdf"),
    path("ho-so/<int:pk>/bieu-mau/ho-so-pdf/", dossier_pdf_job, name="dossier_pdf_job"),
    path(
        "ho-so/<int:pk>/bieu-mau/ho-so-pdf/tien-do/",
        dossier_pdf_progress,
        name="dossier_pdf_progress",
    ),
    path(
        "ho-so/<int:pk>/bieu-mau/ho-so-pdf/tai-ve/",
        dossier_pdf_download,
        name="dossier_pdf_download",
    ),
    # One route per form: ``reverse("dossier_form", kwargs={"pk": …, "code": "6-KND"})``.
    *(
        path(
            f"ho-so/<int:pk>/bieu-mau/{spec.slug}.docx",
            dossier_form,
            {"code": spec.slug},
            name="dossier_form",
        )
        for spec in FORMS
    ),
]
