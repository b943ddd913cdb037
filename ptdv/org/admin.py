from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Organisation, Place
from .scope import ScopedAdminMixin, ScopedTreeAdminMixin


@admin.register(Organisation)
class OrganisationAdmin(ScopedTreeAdminMixin, TreeAdmin):
    form = movenodeform_factory(Organisation)
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")

    #: Who admits and who is the direct superior is set by the administrator above, not by the
    #: committees it concerns (their choices are also limited to their own subtree).
    DELEGATION_FIELDS = ("competent_committee", "direct_superior", "disadvantaged_area")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.role != "admin" and not request.user.is_superuser:
            fields += self.DELEGATION_FIELDS
        return fields


@admin.register(Place)
class PlaceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "organisation", "cell")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("organisation", "cell")
    autocomplete_fields = ()
    raw_id_fields = ("organisation", "cell")
