from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import AdminAccessMixin, ScopedAdminMixin, admin_site
from ptdv.people.admin import NumbersOutOfAddressesMixin
from ptdv.people.sensitive import Sensitive, may_see
from ptdv.privacy.access import ReadLoggedAdminMixin

from .models import CalendarDay, Candidacy, Event, MentorAssignment, MentorReport

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups

    # Generic for the type checker only: Django's admin classes cannot be subscripted.
    CandidacyModelAdmin = admin.ModelAdmin[Candidacy]
    EventModelAdmin = admin.ModelAdmin[Event]
    EventTabularInline = admin.TabularInline[Event, Candidacy]
    MentorAssignmentModelAdmin = admin.ModelAdmin[MentorAssignment]
    MentorReportModelAdmin = admin.ModelAdmin[MentorReport]
    CalendarDayModelAdmin = admin.ModelAdmin[CalendarDay]
else:
    CandidacyModelAdmin = EventModelAdmin = MentorAssignmentModelAdmin = admin.ModelAdmin
    MentorReportModelAdmin = CalendarDayModelAdmin = admin.ModelAdmin
    EventTabularInline = admin.TabularInline


class ReadOnlyAdminMixin(ScopedAdminMixin):
    """Pipeline rows are written through the pipeline's services (rules, events), never here."""

    read_only = True


class EventInline(AdminAccessMixin, EventTabularInline):
    model = Event
    fk_name = "candidacy"
    read_only = True
    extra = 0
    can_delete = False
    fields = (
        "seq",
        "step",
        "date",
        "number",
        "in_favour",
        "official_members",
        "passed",
        "voids",
        "reason",
        "actor",
    )
    readonly_fields = fields


@admin.register(Candidacy, site=admin_site)
class CandidacyAdmin(
    ReadLoggedAdminMixin, NumbersOutOfAddressesMixin, ReadOnlyAdminMixin, CandidacyModelAdmin
):
    list_display = ("person", "attempt", "cell", "stage", "stage_since", "next_due")
    list_filter = ("stage",)
    # No CCCD in the admin's search (a GET: the number would be in the address).
    search_fields = ("person__search_name",)
    list_select_related = ("person", "cell")
    inlines = [EventInline]

    def read_log_target(self, obj: Candidacy) -> dict[str, Candidacy]:
        return {"candidacy": obj}


@admin.register(Event, site=admin_site)
class EventAdmin(ReadLoggedAdminMixin, ReadOnlyAdminMixin, EventModelAdmin):
    list_display = ("candidacy", "seq", "step", "date", "actor", "recorded_at")
    list_filter = ("step",)
    list_select_related = ("candidacy__person", "actor")
    readonly_fields = ("shown_data",)

    def read_log_target(self, obj: Event) -> dict[str, Candidacy]:
        return {"candidacy": obj.candidacy}

    def get_fields(self, request: HttpRequest, obj: Event | None = None) -> _FieldGroups:
        # A verification's conclusion only for the roles that may see it (people/sensitive.py).
        fields = [name for name in super().get_fields(request, obj) if name != "shown_data"]
        if may_see(request.user, Sensitive.VERIFICATION):
            return fields
        return ["shown_data" if name == "data" else name for name in fields]

    @admin.display(description=_("nội dung"))
    def shown_data(self, obj: Event) -> str:
        data = dict(obj.data or {})
        if data.get("kind") == "verification":
            data.pop("result", None)
        return json.dumps(data, ensure_ascii=False)


@admin.register(MentorAssignment, site=admin_site)
class MentorAssignmentAdmin(ReadLoggedAdminMixin, ReadOnlyAdminMixin, MentorAssignmentModelAdmin):
    list_display = ("candidacy", "mentor", "start", "end")
    list_select_related = ("candidacy__person", "mentor")

    def read_log_target(self, obj: MentorAssignment) -> dict[str, Candidacy]:
        return {"candidacy": obj.candidacy}


@admin.register(MentorReport, site=admin_site)
class MentorReportAdmin(ReadLoggedAdminMixin, ReadOnlyAdminMixin, MentorReportModelAdmin):
    list_display = ("assignment", "period", "period_start", "assessment", "filed_on")
    list_select_related = ("assignment__candidacy__person", "assignment__mentor")

    def read_log_target(self, obj: MentorReport) -> dict[str, Candidacy]:
        return {"candidacy": obj.assignment.candidacy}


@admin.register(CalendarDay, site=admin_site)
class CalendarDayAdmin(AdminAccessMixin, CalendarDayModelAdmin):
    """Decreed days off and make-up working days apply to every tree of the installation:
    installation-wide administrators only."""

    installation_wide_only = True
    deletable = True
    list_display = ("date", "is_day_off", "name")

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        before = form.initial.get("date") if change else None  # a day moved: both dates count
        _refresh_from(min(day for day in (before, obj.date) if day is not None))

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        super().delete_model(request, obj)
        _refresh_from(obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        first = min(queryset.values_list("date", flat=True), default=None)
        super().delete_queryset(request, queryset)
        if first is not None:
            _refresh_from(first)


def _refresh_from(day: date) -> None:
    """Deadlines falling on or after a changed calendar day move: recompute those candidacies."""
    from .services import refresh_candidacy

    for candidacy in Candidacy.objects.open().filter(next_due__gte=day).iterator(chunk_size=500):
        refresh_candidacy(candidacy)
