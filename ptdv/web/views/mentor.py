"""Giúp đỡ: for a mentor, the people they help and the reports due; one short form per report.

- A mentor is the user's own :class:`~ptdv.people.models.Person` (``request.user.person``); they
  may file reports for their own current assignments even with a read-only role.
- Writers additionally see every current assignment of their subtree, grouped by mentor, with
  the assignments that have no report covering this month flagged.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.pipeline import services
from ptdv.pipeline.models import Assessment, MentorAssignment, MentorReport, ReportPeriod
from ptdv.privacy.access import AccessKind, record
from ptdv.web.step_forms import DATE_FORMATS, EARLIEST_DATE, DateInput
from ptdv.web.toolkit import get_writable, render_page_or_partial, wants_partial

PER_PAGE = 50


def period_label(period: str | None, start: date | None) -> str:
    """ "Tháng 08/2025", "Quý 3/2025", "Năm 2025" ("" without a report)."""
    if not period or start is None:
        return ""
    if period == ReportPeriod.MONTH:
        return gettext("Tháng %(month)s") % {"month": f"{start:%m/%Y}"}
    if period == ReportPeriod.QUARTER:
        return gettext("Quý %(quarter)s/%(year)s") % {
            "quarter": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    return gettext("Năm %(year)s") % {"year": start.year}


class MentorReportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Kỳ báo cáo"),
        choices=ReportPeriod.choices,
        initial=ReportPeriod.MONTH,
        error_messages={
            "required": _("Chọn kỳ báo cáo."),
            "invalid_choice": _("Kỳ báo cáo phải là tháng, quý hoặc năm."),
        },
    )
    period_start = forms.DateField(
        label=_("Thuộc kỳ"),
        help_text=_("Một ngày bất kỳ trong kỳ báo cáo, ví dụ ngày đầu tháng."),
        input_formats=DATE_FORMATS,
        widget=DateInput,
        error_messages={
            "required": _("Nhập một ngày trong kỳ báo cáo."),
            "invalid": _("Ngày trong kỳ báo cáo không hợp lệ (dd/mm/yyyy)."),
        },
    )
    assessment = forms.ChoiceField(
        label=_("Đánh giá"),
        choices=[("", _("— Chọn đánh giá —")), *Assessment.choices],
        error_messages={
            "required": _("Chọn đánh giá."),
            "invalid_choice": _("Đánh giá không hợp lệ."),
        },
    )
    text = forms.CharField(
        label=_("Nội dung nhận xét"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Nội dung nhận xét không được để trống.")},
    )

    def clean_period_start(self):
        value = self.cleaned_data["period_start"]
        if value < EARLIEST_DATE:
            raise forms.ValidationError(_("Ngày trong kỳ báo cáo không hợp lệ (dd/mm/yyyy)."))
        return value  # a period not begun yet is refused by services.file_mentor_report

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and today is not None:
            self.initial.setdefault("period_start", today.replace(day=1))
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self.prefix or ''}-{name}-help"
            if name in self.errors:
                # The message is announced with the field (Bootstrap's invalid-feedback).
                described = field.widget.attrs.get("aria-describedby", "")
                field.widget.attrs["aria-describedby"] = (
                    f"{described} {self.prefix or ''}-{name}-error".strip()
                )


def _may_file(user, assignment: MentorAssignment) -> bool:
    return user.can_write or (user.person_id is not None and assignment.mentor_id == user.person_id)


def _assignments(user, today: date) -> QuerySet:
    return (
        MentorAssignment.objects.visible_to(user)
        .current(today)
        .with_report_status(today)
        .select_related("mentor", "candidacy__person", "candidacy__cell")
    )


@login_required
def mentor_home(request):
    """The user's own assignments (with a report form each) and, for writers, the subtree's."""
    user = request.user
    today = timezone.localdate()
    own = []
    if user.person_id is not None:
        own = list(
            _assignments(user, today)
            .filter(mentor_id=user.person_id)
            .order_by("candidacy__person__full_name", "pk")
        )
        for a in own:
            a.last_label = period_label(a.last_period, a.last_period_start)
            a.form = MentorReportForm(prefix=f"a{a.pk}", today=today)
    context = {"today": today, "own": own, "has_person": user.person_id is not None}
    if user.can_write:
        context |= _scope_context(request, today)
    # The writers' list is swapped in place when it is filtered or paged.
    scope_only = (
        user.can_write and wants_partial(request) and request.htmx.target == "scope-results"
    )
    return render_page_or_partial(
        request, "web/mentor/home.html", "web/mentor/_scope.html", context, use_partial=scope_only
    )


def _scope_context(request, today: date) -> dict:
    only_missing = request.GET.get("missing") == "1"
    everything = _assignments(request.user, today)
    listed = everything.filter(reported=False) if only_missing else everything
    listed = listed.order_by("mentor__full_name", "mentor_id", "candidacy__person__full_name", "pk")
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    for a in page.object_list:
        a.last_label = period_label(a.last_period, a.last_period_start)
    return {
        "page": page,
        "only_missing": only_missing,
        "missing_count": MentorAssignment.objects.visible_to(request.user)
        .missing_reports(today)
        .count(),
        "month_label": period_label(ReportPeriod.MONTH, today.replace(day=1)),
    }


@login_required
def mentor_report(request, pk: int):
    """One report for one assignment: a page without JavaScript, a swapped form with htmx."""
    user = request.user
    today = timezone.localdate()
    assignment = get_writable(
        MentorAssignment.objects.with_report_status(today).select_related(
            "mentor", "candidacy__person", "candidacy__cell"
        ),
        user,
        may_write=_may_file,
        pk=pk,
    )
    if request.method == "GET":  # the form shows the candidate and the reports: the read log
        record(request, AccessKind.CANDIDACY_FORM, candidacy=assignment.candidacy)
    prefix = f"a{assignment.pk}"
    saved = None
    if request.method == "POST":
        form = MentorReportForm(request.POST, prefix=prefix, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.file_mentor_report(
                    assignment,
                    data["period"],
                    data["period_start"],
                    data["text"],
                    data["assessment"],
                    filed_on=today,
                    author=user,
                )
            except services.StepRefused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
        if saved is not None:
            label = period_label(saved.period, saved.period_start)
            notice = gettext("Đã lưu báo cáo %(period)s về %(name)s.") % {
                "period": label.lower(),
                "name": assignment.candidacy.person.full_name,
            }
            if not request.htmx:
                messages.success(request, notice)
                return redirect("mentor")
            assignment = MentorAssignment.objects.filter(pk=assignment.pk)
            assignment = assignment.with_report_status(today).select_related(
                "mentor", "candidacy__person", "candidacy__cell"
            )[0]
            form = MentorReportForm(prefix=prefix, today=today)
            partial = "web/mentor/_report_form.html"
            context = {"a": _labelled(assignment), "form": form, "notice": notice, "oob": True}
            return render_page_or_partial(request, partial, partial, context, use_partial=True)
    else:
        form = MentorReportForm(prefix=prefix, today=today)
    context = {
        "a": _labelled(assignment),
        "form": form,
        # Read by the page only (the partial shows the form): a lazy queryset.
        "reports": MentorReport.objects.filter(assignment=assignment).order_by(
            "-period_start", "-pk"
        )[:12],
    }
    return render_page_or_partial(
        request, "web/mentor/report.html", "web/mentor/_report_form.html", context
    )


def _labelled(assignment: MentorAssignment) -> MentorAssignment:
    assignment.last_label = period_label(assignment.last_period, assignment.last_period_start)
    return assignment


urlpatterns = [
    path("giup-do/", mentor_home, name="mentor"),
    path("giup-do/<int:pk>/bao-cao/", mentor_report, name="mentor_report"),
]
