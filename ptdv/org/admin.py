from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Organisation, Place
from .scope import ScopedAdminMixin


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, TreeAdmin):
    form = movenodeform_factory(Organisation)
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Place)
class PlaceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "organisation", "cell")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("organisation", "cell")
    autocomplete_fields = ()
    raw_id_fields = ("organisation", "cell")
