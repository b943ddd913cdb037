from django.contrib import admin

from ptdv.org.scope import ScopedAdminMixin

from .models import CalendarDay, Candidacy, Event, MentorAssignment, MentorReport


class ReadOnlyAdminMixin(ScopedAdminMixin):
    """Pipeline rows are written through the pipeline's services (rules, events), never here."""

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_change_permission


class EventInline(admin.TabularInline):
    model = Event
    fk_name = "candidacy"
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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Candidacy)
class CandidacyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("person", "attempt", "cell", "stage", "stage_since", "next_due")
    list_filter = ("stage",)
    search_fields = ("person__search_name", "person__cccd")
    list_select_related = ("person", "cell")
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("candidacy", "seq", "step", "date", "actor", "recorded_at")
    list_filter = ("step",)
    list_select_related = ("candidacy__person", "actor")


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("candidacy", "mentor", "start", "end")
    list_select_related = ("candidacy__person", "mentor")


@admin.register(MentorReport)
class MentorReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("assignment", "period", "period_start", "assessment", "filed_on")
    list_select_related = ("assignment__candidacy__person", "assignment__mentor")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Decreed days off and make-up working days: administrators only."""

    list_display = ("date", "is_day_off", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _refresh_from(obj.date)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _refresh_from(obj.date)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and request.user.role == "admin"

    has_view_permission = has_change_permission = has_add_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )


def _refresh_from(day):
    """Deadlines falling on or after a changed calendar day move: recompute those candidacies."""
    from .services import refresh_candidacy

    for candidacy in Candidacy.objects.open().filter(next_due__gte=day).iterator(chunk_size=500):
        refresh_candidacy(candidacy)
