"""The hand-off to the national party-member database (CSDL đảng viên): docs/handoff.md.

- ``/ban-giao/`` (GET): the organisation, the period, the sections; the completeness check of
  every row (what is missing or wrong, per person, with links to fix it) and the earlier
  hand-offs of the subtree. Every role that reads records may look.
- ``/ban-giao/tai-ve/`` (POST): the file (.xlsx or .csv), recorded as a ``HandoffExport`` and
  in the read log. Only the roles of :func:`ptdv.handoff.roles.may_hand_off`.

An organisation outside the user's subtree (or none with that id) is a 404, before anything
else; the data protection officer gets the page of records closed to the officer.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ptdv.handoff import files, services
from ptdv.handoff.models import FileFormat, HandoffExport, Section
from ptdv.handoff.roles import may_hand_off
from ptdv.handoff.sections import MAX_ROWS, SECTIONS, TooManyRows, build, last_export
from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404, is_administrator
from ptdv.privacy.access import AccessKind, record

from ..filters import OrganisationChoiceField
from ..pickers import ANY_ORGANISATION, describe_organisation, picker, search_organisations
from ..step_forms import EARLIEST_DATE, BootstrapMixin, date_field
from .report_form import default_organisation

#: How many rows with problems the page lists (the file flags them all).
SHOWN_PROBLEMS = 200
#: How many earlier hand-offs the page lists.
SHOWN_EXPORTS = 10
ORGANISATION_PARAM = "to_chuc"


class HandoffForm(BootstrapMixin, forms.Form):
    to_chuc = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Tổ chức được chọn và các tổ chức trực thuộc."),
    )
    tu_ngay = date_field(gettext_lazy("Từ ngày"))
    den_ngay = date_field(gettext_lazy("Đến ngày"))
    noi_dung = forms.MultipleChoiceField(
        label=gettext_lazy("Nội dung"),
        choices=Section.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Chọn ít nhất một nội dung để bàn giao.")},
    )
    chi_moi = forms.BooleanField(
        label=gettext_lazy("Chỉ những người chưa bàn giao lần nào"),
        required=False,
        help_text=gettext_lazy(
            "Bỏ qua những người đã có trong một lần bàn giao trước (cùng nội dung) của tổ chức "
            "này, của tổ chức cấp trên hoặc trực thuộc."
        ),
    )
    dinh_dang = forms.ChoiceField(
        label=gettext_lazy("Định dạng tệp"),
        choices=FileFormat.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        field = self.fields["to_chuc"]
        field.queryset = Organisation.objects.visible_to(user)
        picker(
            field,
            url=reverse("picker_organisations"),
            params={"loai": ANY_ORGANISATION},
            placeholder=_("Gõ tên tổ chức đảng để tìm…"),
            label=lambda unit: describe_organisation(user, unit),
            search=lambda text, data: search_organisations(user, ANY_ORGANISATION, text),
        )
        self.style()
        for name in ("noi_dung", "dinh_dang"):  # check boxes and radio buttons, not text boxes
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def _day(self, name: str) -> date:
        value = self.cleaned_data[name]
        if value < EARLIEST_DATE or value > timezone.localdate():
            raise forms.ValidationError(
                _("Ngày phải từ %(first)s đến hôm nay.") % {"first": f"{EARLIEST_DATE:%d/%m/%Y}"}
            )
        return value

    def clean_tu_ngay(self):
        return self._day("tu_ngay")

    def clean_den_ngay(self):
        return self._day("den_ngay")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu_ngay"), cleaned.get("den_ngay")
        if start and end and end < start:
            self.add_error(
                "den_ngay",
                _("Đến ngày phải từ ngày %(start)s trở đi.") % {"start": f"{start:%d/%m/%Y}"},
            )
        return cleaned

    def error_lines(self) -> list[str]:
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            lines += [f"{label}: {e}" if label else str(e) for e in errors]
        return lines

    def handoff(self):
        """The hand-off the valid form asks for (``handoff.sections.build``; may raise
        ``TooManyRows``)."""
        cd = self.cleaned_data
        return build(
            self.user,
            cd["to_chuc"],
            cd["tu_ngay"],
            cd["den_ngay"],
            cd["noi_dung"],
            only_new=cd["chi_moi"],
        )

    def params(self) -> dict[str, str | list[str]]:
        cd = self.cleaned_data
        return {
            "to_chuc": str(cd["to_chuc"].pk),
            "tu_ngay": cd["tu_ngay"].isoformat(),
            "den_ngay": cd["den_ngay"].isoformat(),
            "noi_dung": list(cd["noi_dung"]),
            **({"chi_moi": "on"} if cd.get("chi_moi") else {}),
        }


def _defaults(user) -> dict[str, str | list[str]]:
    today = timezone.localdate()
    organisation = default_organisation(user)
    return {
        "to_chuc": str(organisation.pk) if organisation is not None else "",
        "tu_ngay": f"{date(today.year, 1, 1):%d/%m/%Y}",  # as the date boxes show them
        "den_ngay": f"{today:%d/%m/%Y}",
        "noi_dung": list(SECTIONS),
        "dinh_dang": FileFormat.XLSX,
    }


def _organisation_or_404(request, params) -> None:
    """An organisation id outside the user's subtree, or of nothing, is a 404 (no form error
    that would tell it exists)."""
    raw = params.get(ORGANISATION_PARAM, "")
    if raw in ("", None):
        return
    try:
        pk = int(raw)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    get_visible_or_404(Organisation, request.user, pk=pk)


def _bound(request, params) -> HandoffForm:
    """The form of the request, or (a first visit) of the defaults: the user's organisation,
    this year to today, every section."""
    if any(k in params for k in ("to_chuc", "tu_ngay", "den_ngay", "noi_dung")):
        return HandoffForm(params, user=request.user)
    query = QueryDict(mutable=True)
    for key, value in _defaults(request.user).items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return HandoffForm(query, user=request.user)


@login_required
@require_GET
def handoff_page(request):
    # The data protection officer is answered by privacy.officer.OfficerMiddleware (a record view).
    _organisation_or_404(request, request.GET)
    form = _bound(request, request.GET)
    context: dict = {
        "form": form,
        "may_download": may_hand_off(request.user),
        "is_administrator": is_administrator(request.user),
        "max_rows": MAX_ROWS,
        "shown_problems": SHOWN_PROBLEMS,
        "exports": HandoffExport.objects.visible_to(request.user).select_related(
            "organisation", "created_by"
        )[:SHOWN_EXPORTS],
        "section_labels": dict(Section.choices),
    }
    if form.is_valid():
        cd = form.cleaned_data
        try:
            handoff = form.handoff()
        except TooManyRows as exc:
            context["too_many"] = exc.message
        else:
            problems = [row for row in handoff.all_rows() if row.problems]
            context |= {
                "handoff": handoff,
                "counts": [
                    (Section(s).label, len(handoff.rows.get(s, []))) for s in handoff.sections
                ],
                "problems": problems[:SHOWN_PROBLEMS],
                "more_problems": max(len(problems) - SHOWN_PROBLEMS, 0),
                "last": last_export(request.user, cd["to_chuc"]),
                "query": urlencode(form.params(), doseq=True),
            }
    return render(request, "web/handoff/index.html", context)


@login_required
@require_POST
def handoff_download(request):
    _organisation_or_404(request, request.POST)
    if not may_hand_off(request.user):
        raise PermissionDenied
    form = HandoffForm(request.POST, user=request.user)
    page = reverse("handoff")
    if not form.is_valid():
        for line in form.error_lines():
            messages.error(request, line)
        return redirect(page)
    cd = form.cleaned_data
    file_format = cd.get("dinh_dang") or FileFormat.XLSX
    try:
        handoff = form.handoff()
    except TooManyRows as exc:
        messages.error(request, exc.message)
        return redirect(f"{page}?{urlencode(form.params(), doseq=True)}")
    if handoff.count == 0:  # no file and no record of nobody
        messages.info(request, _("Không có ai để bàn giao trong kỳ này."))
        return redirect(f"{page}?{urlencode(form.params(), doseq=True)}")
    now = timezone.localtime()
    author = request.user.get_full_name() or request.user.get_username()
    info = files.info_lines(handoff, author=author, exported_at=f"{now:%d/%m/%Y %H:%M}")
    spool, digest = files.write(handoff, file_format, info)
    services.record(
        handoff,
        user=request.user,
        file_format=file_format,
        sha256=digest,
        only_new=cd["chi_moi"],
    )
    # Taking the people's data out is a processing operation: the read log, a kind of its own.
    record(
        request,
        AccessKind.HANDOFF_EXPORT,
        filters={"dinh_dang": file_format, **form.params()},
        count=handoff.count,
        organisation=handoff.organisation,
    )
    name = f"ban-giao-csdl-dang-vien-{handoff.start:%Y%m%d}-{handoff.end:%Y%m%d}.{file_format}"
    return FileResponse(
        spool, as_attachment=True, filename=name, content_type=files.MIME[FileFormat(file_format)]
    )


urlpatterns = [
    path("ban-giao/", handoff_page, name="handoff"),
    path("ban-giao/tai-ve/", handoff_download, name="handoff_download"),
]
