"""Chỉ tiêu: the targets organisations register for a year or a term, and their forms.

- The list shows the targets of the chosen organisation's subtree (``to_chuc``, a drill-down
  among the user's organisations; by default the user's own), optionally those covering one
  year (``nam``), ordered by organisation path and then years. Each row links to the
  achievement report (``report_targets``) of that organisation and period.
- Writers (``User.can_write``) register, change and delete targets of their own organisation
  or of any unit of their subtree; read-only users get 403, a target outside the subtree 404.
- Each write is one transaction; a duplicate (same organisation and period) is a form error,
  also when two people register it at the same moment (the unique constraint's
  ``IntegrityError`` is turned into the same error).

Queries do not grow with the rows shown: the list runs the organisation choices, a count and
one page of targets.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.models import Organisation
from ptdv.reports.forms import MIN_YEAR, TargetForm, duplicate_message
from ptdv.reports.models import Target

from ..filters import OrganisationChoiceField, drill_down, visible_organisations
from ..pickers import ANY_ORGANISATION, describe_organisation, picker, search_organisations
from ..step_forms import BootstrapMixin
from ..toolkit import FormPageView, get_writable, render_page_or_partial

PAGE_SIZE = 50
ORGANISATION_PARAM = "to_chuc"
YEAR_PARAM = "nam"

#: Composition targets as the list shows them: field -> short label.
COMPOSITION_LABELS = {
    "women": gettext_lazy("Nữ"),
    "youth": gettext_lazy("Đoàn viên thanh niên"),
    "ethnic_minority": gettext_lazy("Dân tộc thiểu số"),
    "local_residents": gettext_lazy("Người tại chỗ"),
    "enterprise_workers": gettext_lazy("Công nhân, người lao động trong doanh nghiệp"),
}
#: Structure targets: field -> short label (a share of places with a party organisation).
STRUCTURE_LABELS = {
    "village_coverage": gettext_lazy("Thôn, bản, tổ dân phố có chi bộ"),
    "school_coverage": gettext_lazy("Trường học có tổ chức đảng"),
    "health_station_coverage": gettext_lazy("Trạm y tế có tổ chức đảng"),
}


# --- the list -------------------------------------------------------------------------------


class TargetFilterForm(forms.Form):
    """``to_chuc`` (an organisation of the user's subtree) and ``nam`` (a year)."""

    to_chuc = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        help_text=gettext_lazy("Tổ chức được chọn và các tổ chức trực thuộc."),
    )
    nam = forms.IntegerField(
        label=gettext_lazy("Năm"),
        required=False,
        min_value=MIN_YEAR,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
        help_text=gettext_lazy("Chỉ tiêu của năm đó, kể cả chỉ tiêu nhiệm kỳ gồm năm đó."),
    )

    def __init__(self, data, *, request):
        super().__init__(data)
        self.request = request
        user = request.user
        field = self.fields["to_chuc"]
        field.queryset = visible_organisations(request)
        field.base_depth = user.organisation.depth if user.organisation_id else 1
        if not user.organisation_id:  # an administrator without an organisation: the whole tree
            field.empty_label = gettext_lazy("Toàn bộ phạm vi")
        shown: list[tuple[Any, str]] = []

        def choices() -> list[tuple[Any, str]]:
            # Computed when rendered, after validation; rendering iterates more than once.
            if not shown:
                shown.extend(self._organisation_choices())
            return shown

        field.widget.choices = choices
        if self.is_bound:
            for name in self.errors:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def chosen(self) -> Organisation | None:
        """The organisation whose subtree is listed (``None``: the whole tree)."""
        chosen = getattr(self, "cleaned_data", {}).get("to_chuc")
        return chosen or self.request.user.organisation

    def _organisation_choices(self) -> list[tuple[Any, str]]:
        """The way from the user's organisation down to the chosen one, and its children: a
        drill-down, so a province's thousands of units never fill the select."""
        field = self.fields["to_chuc"]
        rows = drill_down(field.queryset, self.request.user.organisation, self.chosen())
        first = [("", field.empty_label)] if field.empty_label else []
        return first + [(o.pk, field.label_from_instance(o)) for o in rows]

    def error_messages(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        ]


def report_url(target: Target) -> str | None:
    """The achievement report of the target's organisation and period (``None`` until the
    report page exists)."""
    try:
        url = reverse("report_targets")
    except NoReverseMatch:
        return None
    period = target.period
    query = {
        "to_chuc": target.organisation_id,
        "tu_ngay": period.start.isoformat(),
        "den_ngay": period.end.isoformat(),
    }
    return f"{url}?{urlencode(query)}"


def _composition(target: Target) -> list[tuple[str, Any]]:
    return [
        (str(label), getattr(target, name))
        for name, label in COMPOSITION_LABELS.items()
        if getattr(target, name) is not None
    ]


def _structure(target: Target) -> list[tuple[str, Any]]:
    return [
        (str(label), getattr(target, name))
        for name, label in STRUCTURE_LABELS.items()
        if getattr(target, name) is not None
    ]


@login_required
def target_list(request):
    form = TargetFilterForm(request.GET, request=request)
    valid = form.is_valid()
    chosen = form.chosen() if valid else None
    targets = Target.objects.none()
    if valid:
        targets = Target.objects.visible_to(request.user)
        if chosen is not None:
            targets = (
                targets.filter(organisation=chosen)
                if chosen.numchild == 0  # a leaf: the indexed foreign key
                else targets.in_subtree(chosen.path)
            )
        year = form.cleaned_data.get("nam")
        if year is not None:
            targets = targets.filter(first_year__lte=year, last_year__gte=year)
        targets = targets.select_related("organisation").order_by(
            "organisation__path", "first_year", "last_year", "pk"
        )
    page = Paginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    base_depth = chosen.depth if chosen is not None else 1
    rows = [
        {
            "target": t,
            "indent": "\u00a0\u00a0\u00a0" * max(t.organisation.depth - base_depth, 0),
            "composition": _composition(t),
            "structure": _structure(t),
            "report_url": report_url(t),
        }
        for t in page.object_list
    ]
    new_url = reverse("target_new")
    if chosen is not None:
        new_url += f"?{urlencode({ORGANISATION_PARAM: chosen.pk})}"
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "chosen": chosen,
        "year": form.cleaned_data.get("nam") if valid else None,
        "errors": form.error_messages(),
        "can_write": request.user.can_write,
        "new_url": new_url,
    }
    return render_page_or_partial(
        request, "web/targets/list.html", "web/targets/_list.html", context
    )


# --- the forms ------------------------------------------------------------------------------


class TargetPageForm(BootstrapMixin, TargetForm):
    """:class:`~ptdv.reports.forms.TargetForm` with the site's Bootstrap classes."""

    def __init__(self, *args, **kwargs):
        user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        if user is not None and "organisation" in self.fields:
            # A box that searches the subtree as one types, not a select of every unit; the
            # id posted is still validated against the subtree (TargetForm).
            picker(
                self.fields["organisation"],
                url=reverse("picker_organisations"),
                params={"loai": ANY_ORGANISATION},
                placeholder=_("Gõ tên tổ chức đảng để tìm…"),
                label=lambda unit: describe_organisation(user, unit),
                search=lambda text, data: search_organisations(user, ANY_ORGANISATION, text),
            )
        self.style()

    def style(self) -> None:
        super().style()
        invalid = self._errors is not None and "kind" in self._errors
        self.fields["kind"].widget.attrs["class"] = "form-check-input" + (
            " is-invalid" if invalid else ""
        )


def _list_url(target: Target) -> str:
    return f"{reverse('target_list')}?{urlencode({ORGANISATION_PARAM: target.organisation_id})}"


class TargetFormView(FormPageView):
    """Registering or changing a target: one transaction; a duplicate registered meanwhile (the
    unique constraint's ``IntegrityError``) becomes the form's error."""

    form_class = TargetPageForm
    template_name = "web/targets/form.html"
    refused = (IntegrityError,)
    title = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return super().get_form_kwargs() | {"user": self.request.user}

    def on_refused(self, form, exc) -> None:
        cd = form.cleaned_data
        existing = (
            Target.objects.filter(
                organisation=cd["organisation"],
                first_year=cd["first_year"],
                last_year=cd["last_year"],
            )
            .exclude(pk=form.instance.pk)
            .select_related("organisation")
            .first()
        )
        if existing is None:
            raise exc
        form.duplicate = existing
        form.add_error("organisation", duplicate_message(existing))
        form.style()

    def get_success_url(self, form, target: Target) -> str:
        return _list_url(target)

    def get_extra_context(self, form) -> dict[str, Any]:
        return {
            "title": self.title,
            "delete_url": None,
            "duplicate_url": (
                reverse("target_edit", args=[form.duplicate.pk]) if form.duplicate else None
            ),
            "targets_url": reverse("target_list"),
        }


class TargetNew(TargetFormView):
    def get_initial(self) -> dict[str, Any]:
        initial = {}
        chosen = self.request.GET.get(ORGANISATION_PARAM, "")
        if chosen.isdigit():
            initial["organisation"] = chosen  # validated on POST against the subtree
        return initial

    def get_success_message(self, form, target: Target) -> str:
        return _("Đã đăng ký chỉ tiêu %(period)s cho %(organisation)s.") % {
            "period": target.years_label.lower(),
            "organisation": target.organisation.name,
        }

    def get_extra_context(self, form) -> dict[str, Any]:
        return super().get_extra_context(form) | {
            "title": _("Đăng ký chỉ tiêu kết nạp đảng viên"),
            "action": reverse("target_new"),
        }


class TargetEdit(TargetFormView):
    queryset = Target.objects.select_related("organisation")

    def get_object(self) -> Target:
        target = super().get_object()
        # Named as it was before the form changes the instance it validates.
        self.title = _("Sửa chỉ tiêu %(period)s của %(organisation)s") % {
            "period": target.years_label.lower(),
            "organisation": target.organisation.name,
        }
        return target

    def get_success_message(self, form, saved: Target) -> str:
        return _("Đã lưu chỉ tiêu %(period)s của %(organisation)s.") % {
            "period": saved.years_label.lower(),
            "organisation": saved.organisation.name,
        }

    def get_extra_context(self, form) -> dict[str, Any]:
        pk = self.object.pk
        return super().get_extra_context(form) | {
            "action": reverse("target_edit", args=[pk]),
            "delete_url": reverse("target_delete", args=[pk]),
        }


target_new = login_required(TargetNew.as_view())
target_edit = login_required(TargetEdit.as_view())


@login_required
def target_delete(request, pk: int):
    """GET: the confirmation; POST: the deletion."""
    target = get_writable(Target.objects.select_related("organisation"), request.user, pk=pk)
    if request.method == "POST":
        with transaction.atomic():
            # Deleted only if still there (two people deleting at once: one message each).
            Target.objects.filter(pk=target.pk).delete()
        messages.success(
            request,
            _("Đã xóa chỉ tiêu %(period)s của %(organisation)s.")
            % {"period": target.years_label.lower(), "organisation": target.organisation.name},
        )
        return redirect(_list_url(target))
    return render(request, "web/targets/delete.html", {"target": target})


urlpatterns = [
    path("chi-tieu/", target_list, name="target_list"),
    path("chi-tieu/them/", target_new, name="target_new"),
    path("chi-tieu/<int:pk>/sua/", target_edit, name="target_edit"),
    path("chi-tieu/<int:pk>/xoa/", target_delete, name="target_delete"),
]
