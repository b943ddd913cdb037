"""The form that registers a target (chỉ tiêu) for a year or a term.

- Kind: "Năm" (one year: ``last_year = first_year``) or "Nhiệm kỳ" (a first and a last year, the
  last after the first). ``Target.clean()`` checks the rest (order of the years, a term of at
  most 5 years, composition targets not above the admissions).
- One target per organisation and period: a second one is refused on the organisation field,
  naming the target already registered (:attr:`TargetForm.duplicate`), before the database's
  unique constraint is reached.
- The organisation's choices are the user's subtree (``user``); the admin passes no user and
  scopes the choices with ``ScopedAdminMixin.formfield_for_foreignkey``. The admin shows no
  kind: an empty last year there means a one-year target.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation

from .models import STRUCTURE_TARGETS, Target

YEAR = "year"
TERM = "term"
KIND_CHOICES = [(YEAR, _("Năm")), (TERM, _("Nhiệm kỳ"))]

MIN_YEAR = 1930
MAX_YEAR = 2100


def duplicate_message(existing: Target) -> str:
    return gettext(
        "%(organisation)s đã có chỉ tiêu %(period)s (đăng ký ngày %(date)s). Mỗi tổ chức chỉ "
        "đăng ký một chỉ tiêu cho một năm hoặc một nhiệm kỳ: hãy sửa chỉ tiêu đã có."
    ) % {
        "organisation": existing.organisation.name,
        "period": existing.years_label.lower(),
        "date": f"{existing.registered_on:%d/%m/%Y}",
    }


class TargetForm(forms.ModelForm):
    """A target of one organisation (of ``user``'s subtree) for a year or a term."""

    kind = forms.ChoiceField(
        label=_("Chỉ tiêu cho"),
        choices=KIND_CHOICES,
        initial=YEAR,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Target
        fields = [
            "organisation",
            "kind",
            "first_year",
            "last_year",
            "admissions",
            "women",
            "youth",
            "ethnic_minority",
            "local_residents",
            "enterprise_workers",
            "village_coverage",
            "school_coverage",
            "health_station_coverage",
            "basis",
        ]
        labels = {
            "first_year": _("Năm (năm đầu nhiệm kỳ)"),
            "last_year": _("Năm cuối nhiệm kỳ"),
        }
        help_texts = {
            "last_year": _("Chỉ điền khi chỉ tiêu cho cả nhiệm kỳ, ví dụ 2020–2025."),
            "admissions": _("Số đảng viên mới dự kiến kết nạp trong năm hoặc cả nhiệm kỳ."),
        }

    field_order = Meta.fields

    def __init__(self, *args, user: Any = None, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk is not None:
            kwargs.setdefault("initial", {}).setdefault("kind", TERM if instance.is_term else YEAR)
        super().__init__(*args, **kwargs)
        #: The target already registered for the same organisation and period, if any.
        self.duplicate: Target | None = None
        # The admin may build the form with some fields only (none at all for a read-only user).
        for name in ("first_year", "last_year"):
            if name in self.fields:
                field = self.fields[name]
                field.min_value, field.max_value = MIN_YEAR, MAX_YEAR
                field.widget.attrs.update(min=MIN_YEAR, max=MAX_YEAR)
        if "last_year" in self.fields:
            self.fields["last_year"].required = False
        for name in STRUCTURE_TARGETS:
            if name in self.fields:
                self.fields[name].widget.attrs.update(min=0, max=100)
        if "organisation" in self.fields:
            self._limit_organisations(self.fields["organisation"], user)

    def _limit_organisations(self, field: forms.ModelChoiceField, user: Any) -> None:
        if user is not None:
            field.queryset = Organisation.objects.visible_to(user).only(
                "id", "name", "depth", "path", "numchild"
            )
            field.empty_label = None  # required: no "---------" line
            base_depth = user.organisation.depth if user.organisation_id else 1
            field.label_from_instance = lambda o: (
                "\u00a0\u00a0\u00a0" * max(o.depth - base_depth, 0) + o.name
            )
            if not self.is_bound and "organisation" not in self.initial and user.organisation_id:
                self.initial["organisation"] = user.organisation_id
        field.error_messages["invalid_choice"] = _(
            "Chỉ được đăng ký chỉ tiêu cho tổ chức của mình hoặc tổ chức trực thuộc."
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        first = cleaned.get("first_year")
        last = cleaned.get("last_year")
        if "kind" not in self.fields:  # the admin: an empty last year is a one-year target
            if first is not None and last is None and "last_year" not in self.errors:
                cleaned["last_year"] = first
        elif kind == YEAR and first is not None:
            cleaned["last_year"] = first
        elif kind == TERM and first is not None and "last_year" not in self.errors:
            if last is None:
                self.add_error("last_year", gettext("Nhập năm cuối của nhiệm kỳ."))
            elif last == first:
                # On the kind, so the years reach the model (which checks their order) unchanged.
                self.add_error(
                    "kind",
                    gettext(
                        "Một nhiệm kỳ gồm từ hai năm trở lên: chỉ tiêu của một năm thì chọn “Năm”."
                    ),
                )
        if cleaned.get("last_year") is None:
            # Not copied to the instance: an edited target keeps a whole period (its __str__).
            cleaned.pop("last_year", None)
        self._check_duplicate(cleaned)
        return cleaned

    def _check_duplicate(self, cleaned: dict[str, Any]) -> None:
        organisation = cleaned.get("organisation")
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if organisation is None or first is None or last is None:
            return
        existing = (
            Target.objects.filter(organisation=organisation, first_year=first, last_year=last)
            .exclude(pk=self.instance.pk)
            .select_related("organisation")
            .first()
        )
        if existing is not None:
            self.duplicate = existing
            # On the organisation: the form then leaves the unique constraint unchecked, so the
            # user reads this message only, not also Django's generic one.
            self.add_error("organisation", duplicate_message(existing))
