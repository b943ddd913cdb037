from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import ScopedAdminMixin, admin_site

from .forms import TargetForm
from .models import Target


class TargetAdminForm(TargetForm):
    """No kind in the admin: an empty last year is a one-year target."""

    kind = None

    class Meta(TargetForm.Meta):
        fields = [name for name in TargetForm.Meta.fields if name != "kind"]


@admin.register(Target, site=admin_site)
class TargetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Targets of the administrator's subtree, added and changed here or on the site's pages
    (which also delete them)."""

    form = TargetAdminForm
    list_display = ("organisation", "years_label", "admissions", "basis", "registered_on")
    list_filter = ("first_year", "last_year")
    search_fields = ("organisation__name", "basis")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)
    ordering = ("organisation__path", "first_year", "last_year")
    fields = TargetAdminForm.Meta.fields

    @admin.display(description=_("năm / nhiệm kỳ"), ordering="first_year")
    def years_label(self, obj):
        return obj.years_label
