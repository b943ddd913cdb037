"""The filters of the pipeline board, the candidacy list and its Excel export (one FilterSet).

:class:`CandidacyFilter` always works on ``Candidacy.objects.visible_to(request.user)``: the
organisation filter only narrows that set (its choices are the user's subtree; any other id is an
invalid choice and the view shows nothing but the error, never a wider set).

Open candidacies only by default (``closed_on`` empty): tick "include closed" or pick a closed
stage (card issued, an exit) to see the others.

Age bands, in full years on today's date (the convention of :mod:`ptdv.rules.months`: a person
born on 29/02 has their birthday on 28/02 in a common year):

============  =================================
band          full years of age
============  =================================
``lt30``      under 30 (0–29)
``30-35``     30 to 35 included
``36-40``     36 to 40 included
``41-50``     41 to 50 included
``gt50``      over 50 (51 and more)
============  =================================

Each band is a ``birth_date`` range computed from today (:func:`birth_dates_for_ages`), so it is
one indexed comparison, not an age computed per row.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.people.choices import ETHNICITIES, Sex
from ptdv.people.models import LegalBasis
from ptdv.people.sensitive import Sensitive, may_see  # the ethnicity filter by role
from ptdv.rules.months import add_months
from ptdv.rules.stages import CLOSED_STAGES, EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS

#: code -> (label, youngest age, oldest age) in full years; ``None``: open-ended.
AGE_BANDS: dict[str, tuple[str, int | None, int | None]] = {
    "lt30": (_("Dưới 30 tuổi"), None, 29),
    "30-35": (_("Từ 30 đến 35 tuổi"), 30, 35),
    "36-40": (_("Từ 36 đến 40 tuổi"), 36, 40),
    "41-50": (_("Từ 41 đến 50 tuổi"), 41, 50),
    "gt50": (_("Trên 50 tuổi"), 51, None),
}

#: code -> the columns of the order, ascending, each ``(lookup, nullable)``; a nullable column
#: sorts its empty values last. Every order ends on the id, so it is a total order: pages never
#: overlap, and a row's values of these columns are a cursor (the list's keyset pagination).
SORT_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (("person__sort_key", False), ("id", False)),
    "days": (("stage_since", False), ("person__sort_key", False), ("id", False)),
    "due": (("next_due", True), ("person__sort_key", False), ("id", False)),
    "cell": (("cell__name", False), ("cell_id", False), ("person__sort_key", False), ("id", False)),
}


def sort_order(code: str, *, reverse: bool = False) -> tuple:
    """The ORDER BY of a sort (``reverse``: the opposite order, empty values first)."""
    order = []
    for lookup, nullable in SORT_KEYS[code]:
        column = F(lookup)
        if reverse:
            order.append(column.desc(nulls_first=True) if nullable else column.desc())
        else:
            order.append(column.asc(nulls_last=True) if nullable else column.asc())
    return tuple(order)


def beyond(code: str, position: tuple, *, forward: bool = True) -> Q:
    """The rows after (``forward``) or before the row whose sort columns are ``position``, in
    the order of the sort ``code``: ``(a > x) OR (a = x AND b > y) OR …``, empty values last."""
    result = Q(pk__in=[])
    equal = Q()
    for (lookup, nullable), value in zip(SORT_KEYS[code], position, strict=True):
        step: Q | None
        if forward:
            step = None if value is None else Q(**{f"{lookup}__gt": value})
            if step is not None and nullable:
                step = step | Q(**{f"{lookup}__isnull": True})
        else:
            step = (
                Q(**{f"{lookup}__isnull": False})
                if value is None
                else Q(**{f"{lookup}__lt": value})
            )
        if step is not None:
            result |= equal & step
        equal &= Q(**{f"{lookup}__isnull": True}) if value is None else Q(**{lookup: value})
    return result


#: code -> (label, ORDER BY).
SORTS: dict[str, tuple[str, tuple]] = {
    "name": (_("Họ và tên (thứ tự tiếng Việt)"), sort_order("name")),
    "days": (_("Ở giai đoạn lâu nhất"), sort_order("days")),
    "due": (_("Hạn gần nhất"), sort_order("due")),
    "cell": (_("Chi bộ"), sort_order("cell")),
}
DEFAULT_SORT = "name"


_CLOSED_VALUES = frozenset(s.value for s in CLOSED_STAGES)
#: The rules' labels are msgids (gettext_noop): translated when shown.
STAGE_CHOICES = [(s.value, _(STAGE_LABELS[s])) for s in (*PROGRESS_STAGES, *EXIT_STAGES)]
YES_NO = [("yes", _("Có")), ("no", _("Không"))]


def latest_birth_date_for_age(today: date, years: int) -> date:
    """The latest birth date of a person who has a full ``years`` of age on ``today``.

    ``add_months`` clamps to the month's end, so on the last day of a month everyone born on a
    later day of the same month ``years`` ago (29/02 in a common year) is also of age.
    """
    threshold = add_months(today, -12 * years)
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        last = calendar.monthrange(threshold.year, threshold.month)[1]
        threshold = threshold.replace(day=last)
    return threshold


def birth_dates_for_ages(today: date, youngest: int | None, oldest: int | None) -> Q:
    """``birth_date`` condition for an age (full years on ``today``) in ``[youngest, oldest]``."""
    condition = Q()
    if youngest is not None:
        condition &= Q(person__birth_date__lte=latest_birth_date_for_age(today, youngest))
    if oldest is not None:
        condition &= Q(person__birth_date__gt=latest_birth_date_for_age(today, oldest + 1))
    return condition


def drill_down(visible, root: Organisation | None, chosen: Organisation | None) -> list:
    """The organisations an organisation select shows: the way from the user's organisation
    (``root``) down to the ``chosen`` one, and the chosen one's children — so a province's
    thousands of units never fill a page. Validation still accepts any organisation of
    ``visible`` (the field's queryset). Without a chosen one (an administrator without an
    organisation): the tree's roots."""
    if chosen is None:
        return list(visible.filter(depth=1).order_by("path"))
    steplen = Organisation.steplen
    start = root.depth if root is not None else 1
    chain = [chosen.path[: steplen * d] for d in range(start, chosen.depth + 1)]
    return list(
        visible.filter(
            Q(path__in=chain) | Q(path__startswith=chosen.path, depth=chosen.depth + 1)
        ).order_by("path")
    )


class OrganisationChoiceField(forms.ModelChoiceField):
    """Organisations of the user's subtree, indented by their depth under the user's own."""

    base_depth = 1

    def label_from_instance(self, obj: Organisation) -> str:
        return "\u00a0\u00a0\u00a0" * max(obj.depth - self.base_depth, 0) + obj.name


class OrganisationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganisationChoiceField


class YesNoFilter(django_filters.ChoiceFilter):
    """A boolean field of the person: "Có" / "Không" / any."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", YES_NO)
        kwargs.setdefault("empty_label", _("Tất cả"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("yes", "no"):
            return qs.filter(**{self.field_name: value == "yes"})
        return qs


def visible_organisations(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).only(
        "id", "name", "depth", "path", "numchild"
    )


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _checkbox():
    return forms.CheckboxInput(attrs={"class": "form-check-input"})


class CandidacyFilter(django_filters.FilterSet):
    """Filters and sort order shared by the board, the list and the Excel export.

    Build it with ``data=request.GET`` (always bound: the defaults, open candidacies sorted by
    name, apply to an empty query), ``queryset=Candidacy.objects.visible_to(request.user)`` and
    ``request=request``. Check :meth:`is_valid` before using :attr:`qs`.
    """

    organisation = OrganisationFilter(
        label=_("Tổ chức đảng"),
        queryset=visible_organisations,
        method="filter_organisation",
        empty_label=_("Toàn bộ phạm vi"),
        widget=_select(),
        help_text=_("Tổ chức được chọn và các tổ chức trực thuộc."),
    )
    stage = django_filters.MultipleChoiceFilter(
        label=_("Giai đoạn"),
        choices=STAGE_CHOICES,
        distinct=False,
        # Checkboxes: a multiple select's "hold Ctrl" means nothing on a phone.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Chọn một hoặc nhiều giai đoạn; không chọn: mọi giai đoạn."),
    )
    include_closed = django_filters.BooleanFilter(
        label=_("Gồm cả hồ sơ đã kết thúc"),
        method="filter_nothing",
        widget=_checkbox(),
        help_text=_("Đã nhận thẻ đảng viên, rút, đưa ra khỏi danh sách, chuyển đi…"),
    )
    sex = django_filters.ChoiceFilter(
        label=_("Giới tính"),
        field_name="person__sex",
        choices=Sex.choices,
        empty_label=_("Tất cả"),
        widget=_select(),
    )
    ethnicity = django_filters.ChoiceFilter(
        label=_("Dân tộc"),
        field_name="person__ethnicity",
        choices=ETHNICITIES,
        empty_label=_("Tất cả"),
        widget=_select(),
    )
    age = django_filters.ChoiceFilter(
        label=_("Độ tuổi"),
        choices=[(code, label) for code, (label, _y, _o) in AGE_BANDS.items()],
        method="filter_age",
        empty_label=_("Tất cả"),
        widget=_select(),
        help_text=_("Tuổi tròn tính đến hôm nay."),
    )
    youth_union = YesNoFilter(
        label=_("Đoàn viên TNCS Hồ Chí Minh"),
        field_name="person__youth_union_member",
        widget=_select(),
    )
    trade_union = YesNoFilter(
        label=_("Đoàn viên công đoàn"), field_name="person__trade_union_member", widget=_select()
    )
    local_resident = YesNoFilter(
        label=_("Người tại chỗ"), field_name="person__local_resident", widget=_select()
    )
    # What is missing of the processing's legal record (Luật 91/2025/QH15 Điều 9, Điều 19): the
    # people whose legal basis or sensitive-data notice still has to be recorded.
    legal_record = django_filters.ChoiceFilter(
        label=_("Cơ sở pháp lý, thông báo"),
        choices=[
            ("chua-ghi", _("Chưa ghi cơ sở pháp lý xử lý dữ liệu")),
            ("chua-thong-bao", _("Chưa thông báo dữ liệu nhạy cảm")),
        ],
        method="filter_legal_record",
        empty_label=_("Tất cả"),
        widget=_select(),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Chỉ hồ sơ quá hạn"), method="filter_overdue", widget=_checkbox()
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sắp xếp theo"),
        choices=[(code, label) for code, (label, _order) in SORTS.items()],
        method="filter_nothing",
        empty_label=None,
        widget=_select(),
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Ethnicity is sensitive: no filter by it for the roles that may not see it (a filter
        # would tell who is of which group). people/sensitive.py
        if not may_see(getattr(request, "user", None), Sensitive.ETHNICITY):
            self.filters.pop("ethnicity", None)
        organisation = getattr(getattr(request, "user", None), "organisation", None)
        self._base_depth = organisation.depth if organisation is not None else 1
        self._today = timezone.localdate()

    @property
    def form(self):
        form = super().form
        form.fields["organisation"].base_depth = self._base_depth
        if not getattr(form, "_bounded_choices", False):
            form._bounded_choices = True
            # A callable: computed when the select is rendered, after validation (no lookup).
            shown: list[tuple[Any, str]] = []

            def choices() -> list[tuple[Any, str]]:
                if not shown:  # rendering iterates the choices more than once
                    shown.extend(self._organisation_choices(form))
                return shown

            form.fields["organisation"].widget.choices = choices
        if form.is_bound:
            for name in form.errors:
                widget = form.fields[name].widget if name in form.fields else None
                if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return form

    def _organisation_choices(self, form) -> list[tuple[Any, str]]:
        """The choices shown: the way from the user's organisation down to the chosen one, and
        the chosen one's children — a drill-down, so a province's 5,000 units never fill the
        page. Validation still accepts any organisation of the subtree (the field's queryset).
        """
        field = form.fields["organisation"]
        chosen = getattr(form, "cleaned_data", {}).get("organisation")
        root = getattr(getattr(self.request, "user", None), "organisation", None)
        rows = drill_down(field.queryset, root, chosen or root)
        return [("", field.empty_label or "")] + [
            (o.pk, field.label_from_instance(o)) for o in rows
        ]

    # --- filtering ----------------------------------------------------------------------------

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if not data.get("include_closed") and not _CLOSED_VALUES & set(data.get("stage") or ()):
            queryset = queryset.filter(closed_on__isnull=True)
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*SORTS[self.sort_code][1])

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_queryset / the views

    def filter_organisation(self, queryset, name, value):
        if value is None:
            return queryset
        if value.numchild == 0:  # a leaf: the indexed foreign key
            return queryset.filter(cell_id=value.pk)
        return queryset.in_subtree(value.path)

    def filter_age(self, queryset, name, value):
        if value not in AGE_BANDS:
            return queryset
        _label, youngest, oldest = AGE_BANDS[value]
        return queryset.filter(birth_dates_for_ages(self._today, youngest, oldest))

    def filter_legal_record(self, queryset, name, value):
        if value == "chua-ghi":
            return queryset.filter(person__legal_basis=LegalBasis.UNRECORDED)
        if value == "chua-thong-bao":
            return queryset.filter(person__sensitive_notice_on__isnull=True)
        return queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.overdue(self._today)

    # --- what the views read ------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self._today

    @property
    def sort_code(self) -> str:
        cleaned = getattr(self.form, "cleaned_data", {})
        code = cleaned.get("sort")
        return code if code in SORTS else DEFAULT_SORT

    @property
    def chosen_organisation(self) -> Organisation | None:
        """The organisation chosen in the filter (``None``: the whole scope)."""
        return getattr(self.form, "cleaned_data", {}).get("organisation")

    #: What the stage tallies (``pipeline.tallies``) can follow: with no other filter set, the
    #: board's counts per stage are read from them, else counted from the rows.
    TALLIED = frozenset({"organisation", "stage", "include_closed", "sort"})

    def narrows(self) -> bool:
        """Whether a filter the tallies cannot follow is set (any filter added later counts)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(
            value not in (None, "", [], False)
            for name, value in cleaned.items()
            if name not in self.TALLIED
        )

    def selected_stages(self) -> list[str]:
        return list(getattr(self.form, "cleaned_data", {}).get("stage") or [])

    def shows_closed(self) -> bool:
        cleaned = getattr(self.form, "cleaned_data", {})
        return bool(cleaned.get("include_closed")) or bool(
            _CLOSED_VALUES & set(self.selected_stages())
        )

    def error_messages(self) -> list[str]:
        """Each invalid filter as "label: message", for the results block and the export."""
        form = self.form
        messages = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            messages += [f"{label}: {e}" if label else str(e) for e in errors]
        return messages

    def describe(self) -> list[str]:
        """The filters in force, in words ("Giới tính: Nữ"), for the list and the export."""
        form = self.form
        cleaned = getattr(form, "cleaned_data", {})
        lines = []
        for name, field in form.fields.items():
            value = cleaned.get(name)
            if name in ("sort", "include_closed") or value in (None, "", [], False):
                continue
            if name == "organisation":
                shown = value.name
            elif isinstance(value, bool):
                shown = str(_("Có"))
            else:
                labels = dict(field.choices)
                values = value if isinstance(value, list) else [value]
                shown = ", ".join(str(labels.get(v, v)) for v in values)
            lines.append(f"{field.label}: {shown}")
        if not self.shows_closed():
            lines.append(str(_("Chỉ hồ sơ đang mở")))
        lines.append(f"{form.fields['sort'].label}: {SORTS[self.sort_code][0]}")
        return lines
