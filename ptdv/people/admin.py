from django.contrib import admin

from ptdv.org.scope import ScopedAdminMixin

from .models import Person


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("full_name", "birth_date", "sex", "cccd", "cell", "member_status")
    list_filter = ("member_status", "sex", "local_resident", "youth_union_member")
    search_fields = ("search_name", "cccd")
    list_select_related = ("cell",)
    raw_id_fields = ("cell", "residence")

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            return queryset.search(search_term), False
        return queryset, False
