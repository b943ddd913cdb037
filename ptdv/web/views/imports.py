"""Nhập dữ liệu: import people, members and candidacies from .xlsx / .csv.

- ``/nhap-du-lieu/``: the runs of the user's subtree (newest first) and, for writers, the upload
  form (kind, organisation imported into — one of the user's —, file) with the templates to
  download (``/nhap-du-lieu/mau/<kind>.xlsx|csv?to_chuc=``, for the chosen organisation).
- Upload: the file is kept with a new run, whose preview is queued for the background worker;
  the run's page shows a progress bar (htmx polls ``…/tien-do/`` while the run is busy, and the
  page reloads when it is done), so the user may leave and come back.
- ``/nhap-du-lieu/<id>/``: counts (create, update, unchanged, fail), ignored columns, each
  failing row's problems (row, column, name, reason; paginated, and as .xlsx), and, when no row
  fails, "Xác nhận nhập" (POST) which queues the commit. Nothing is written before that.
- Runs are scoped like everything else (``visible_to``); read-only users see runs, writers
  upload, confirm and cancel.
- The caps of ``ptdv.imports.limits`` are checked at upload as far as they are cheap: the size,
  the .xlsx's zip directory, the shared strings and the sheet's declared dimension, a .csv's
  rows, columns and cells. The worker checks everything again.
- Viewing a run whose worker died (no heartbeat) marks it failed (``liveness.fail_dead``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ptdv.imports import limits, liveness, template
from ptdv.imports.kinds import KINDS
from ptdv.imports.models import ImportProblem, ImportRun, Status
from ptdv.imports.reading import FileError, inspect
from ptdv.imports.tasks import commit_import, preview_import
from ptdv.masking import mask_text
from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.xlsx import XLSX_MIME, Column, xlsx_response

from ..filters import OrganisationChoiceField, visible_organisations
from ..pickers import ANY_ORGANISATION, describe_organisation, picker, search_organisations
from ..step_forms import BootstrapMixin
from ..toolkit import require_writer

PAGE_SIZE = 50
#: Rows that may be duplicates listed on the run's page (all are counted).
WARNINGS_SHOWN = 200
ORGANISATION_PARAM = "to_chuc"


class UploadForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Loại dữ liệu"), choices=[(k.code, k.label) for k in KINDS.values()]
    )
    organisation = OrganisationChoiceField(
        label=gettext_lazy("Nhập vào đơn vị"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy(
            "Chi bộ trong tệp được tìm trong đơn vị này (theo mã hoặc tên); người đã có phải "
            "thuộc đơn vị này."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp Excel (.xlsx) hoặc CSV"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = visible_organisations(request)
        if request is not None:
            user = request.user
            # A text box searching the subtree's units: a province's thousands never fill a page.
            picker(
                field,
                url=reverse("picker_organisations"),
                params={"loai": ANY_ORGANISATION},
                placeholder=_("Gõ tên đơn vị để tìm…"),
                label=lambda unit: describe_organisation(user, unit),
                search=lambda text, data: search_organisations(user, ANY_ORGANISATION, text),
            )
            field.error_messages |= {
                "required": _("%(field)s: gõ tên rồi chọn một đơn vị trong danh sách.")
                % {"field": field.label},
                "invalid_choice": _(
                    "%(field)s: không có đơn vị này trong phạm vi của bạn. Gõ tên rồi chọn "
                    "trong danh sách."
                )
                % {"field": field.label},
            }
            if user.organisation_id:
                field.initial = user.organisation_id
        self.style()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        caps = limits.current()
        if Path(upload.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."))
        if upload.size > caps.upload_bytes:
            raise forms.ValidationError(limits.too_large_upload(caps.upload_bytes))
        kind = KINDS.get(self.cleaned_data.get("kind") or "")
        columns = kind.columns if kind else [c for k in KINDS.values() for c in k.columns]
        try:
            # What is cheap to learn now (no pass over the sheet); the worker checks it all.
            inspect(upload.file, upload.name, columns, caps, deep=False)
        except FileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            upload.seek(0)
        return upload


def _runs(request):
    return ImportRun.objects.visible_to(request.user).select_related("organisation", "created_by")


@login_required
def index(request):
    can_write = request.user.can_write
    form = None
    if request.method == "POST":
        require_writer(request.user)
        form = UploadForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            run = _create_run(request, form)
            messages.success(request, _("Đã tải tệp lên: đang kiểm tra."))
            return redirect("import_run", pk=run.pk)
    elif can_write:
        form = UploadForm(request=request)
    page = Paginator(_runs(request), PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = request.GET.get(ORGANISATION_PARAM) or request.user.organisation_id or ""
    return render(
        request,
        "web/imports/index.html",
        {
            "form": form,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "kinds": KINDS.values(),
            "can_write": can_write,
            "organisation_param": ORGANISATION_PARAM,
            "chosen": chosen,
        },
    )


def _create_run(request, form) -> ImportRun:
    upload = form.cleaned_data["file"]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    run = ImportRun(
        kind=form.cleaned_data["kind"],
        organisation=form.cleaned_data["organisation"],
        created_by=request.user,
        file_name=Path(upload.name).name[:255],
        sha256=digest.hexdigest(),
    )
    with transaction.atomic():
        run.file.save(Path(upload.name).name, upload, save=False)
        run.save()
        result = preview_import.enqueue(run.pk)
        ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    return run


def _visible_run(request, pk: int) -> ImportRun:
    """The run (404 outside the user's subtree); marked failed first if its worker died."""
    run = get_visible_or_404(_runs(request), request.user, pk=pk)
    if liveness.is_dead(run):
        liveness.fail_dead(run)
    run.read_progress()
    return run


@login_required
def run_detail(request, pk: int):
    run = _visible_run(request, pk)
    problems = Paginator(ImportProblem.objects.filter(run=run), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    warnings = _warnings(request, run)
    if problems.object_list or warnings:  # rows naming people: the read log
        record(
            request,
            AccessKind.IMPORT_RUN,
            filters={"lan_nhap": run.pk, "trang": problems.number},
            count=len(problems.object_list) + len(warnings),
            organisation=run.organisation_id,
        )
    return render(
        request,
        "web/imports/run.html",
        {
            "run": run,
            "kind": KINDS[run.kind],
            "problems": problems,
            "page_range": problems.paginator.get_elided_page_range(problems.number),
            "warnings": warnings,
            "can_write": request.user.can_write,
        },
    )


def _warnings(request, run: ImportRun) -> list:
    """The run's likely duplicates; the person each may be is named only while the user may
    still see them (they were inside the organisation imported into when the run was checked)."""
    warnings = list(
        run.warnings.select_related("person__cell").order_by("row", "pk")[:WARNINGS_SHOWN]
    )
    ids = {w.person_id for w in warnings if w.person_id}
    visible = set(
        Person.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    for w in warnings:
        if w.person_id not in visible:
            w.person = None
            w.message = _("Có thể trùng với một người đã có trong ptdv.")
    return warnings


@login_required
def run_progress(request, pk: int):
    """The progress fragment; once the run is no longer busy, htmx reloads the whole page."""
    run = _visible_run(request, pk)
    response = render(request, "web/imports/_progress.html", {"run": run})
    if not run.busy and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _writable_run(request, pk: int) -> ImportRun:
    """The run, for a writer: 404 outside the subtree (as for a missing run), then 403."""
    run = _visible_run(request, pk)
    require_writer(request.user, run)
    return run


@login_required
@require_POST
def run_commit(request, pk: int):
    run = _writable_run(request, pk)
    with transaction.atomic():
        claimed = run.confirm()
        if claimed and run.creates + run.updates:
            result = commit_import.enqueue(run.pk)
            ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
            messages.success(request, _("Đang ghi dữ liệu vào ptdv."))
        else:
            if claimed:
                ImportRun.objects.filter(pk=run.pk).update(status=Status.PREVIEWED)
            messages.error(
                request,
                _("Lần nhập này không thể xác nhận (đã ghi, có lỗi hoặc không có gì để ghi)."),
            )
    return redirect("import_run", pk=run.pk)


@login_required
@require_POST
def run_cancel(request, pk: int):
    run = _writable_run(request, pk)  # a run whose worker died is now failed: cancellable
    cancelled = run.cancel()
    if cancelled:
        run.forget_file()
        messages.success(request, _("Đã hủy lần nhập; tệp đã được xóa."))
    else:
        messages.error(request, _("Không hủy được: lần nhập đang được xử lý hoặc đã ghi."))
    return redirect("import_run", pk=run.pk)


PROBLEM_COLUMNS = (
    Column(gettext_lazy("Dòng"), 8, "int"),
    Column(gettext_lazy("Cột"), 28),
    Column(gettext_lazy("Họ và tên"), 28),
    Column(gettext_lazy("Lý do"), 90),
)


@login_required
def run_problems_xlsx(request, pk: int):
    run = get_visible_or_404(_runs(request), request.user, pk=pk)
    rows = ImportProblem.objects.filter(run=run).values_list("row", "column", "name", "message")
    # A message may quote a CCCD (the file's or a holder's): masked (ptdv/masking.py).
    rows = (
        (row, column, name, mask_text(message)) for row, column, name, message in rows.iterator()
    )
    rows = Counted(rows)  # counted for the read log
    response = xlsx_response(
        f"loi-nhap-{run.pk}.xlsx",
        sheet_title=_("Lỗi"),
        title=_("Các dòng không nhập được"),
        info=[
            _("Tệp: %(name)s") % {"name": run.file_name},
            _("Nhập vào: %(org)s") % {"org": run.organisation},
        ],
        columns=PROBLEM_COLUMNS,
        rows=rows,
    )
    filters = {"import_run": run.pk}
    record(
        request,
        AccessKind.IMPORT_PROBLEMS,
        filters=filters,
        count=rows.count,
        organisation=run.organisation_id,
    )
    return response


@login_required
def download_template(request, kind: str, extension: str):
    if kind not in KINDS or extension not in ("xlsx", "csv"):
        raise Http404
    organisation = request.user.organisation
    chosen = request.GET.get(ORGANISATION_PARAM, "").strip()
    if chosen:
        if not (chosen.isascii() and chosen.isdigit()):
            raise Http404  # not an id: as for an organisation the user does not see
        organisation = get_visible_or_404(Organisation.objects.all(), request.user, pk=chosen)
    if organisation is None:
        organisation = Organisation.objects.visible_to(request.user).first()
    if organisation is None:
        raise Http404
    if extension == "xlsx":
        body, content_type = template.xlsx(kind, organisation), XLSX_MIME
    else:
        body, content_type = template.csv_bytes(kind, organisation), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.{extension}"'
    return response


urlpatterns = [
    path("nhap-du-lieu/", index, name="import_index"),
    path("nhap-du-lieu/mau/<slug:kind>.<str:extension>", download_template, name="import_template"),
    path("nhap-du-lieu/<int:pk>/", run_detail, name="import_run"),
    path("nhap-du-lieu/<int:pk>/tien-do/", run_progress, name="import_progress"),
    path("nhap-du-lieu/<int:pk>/xac-nhan/", run_commit, name="import_commit"),
    path("nhap-du-lieu/<int:pk>/huy/", run_cancel, name="import_cancel"),
    path("nhap-du-lieu/<int:pk>/loi.xlsx", run_problems_xlsx, name="import_problems_xlsx"),
]
