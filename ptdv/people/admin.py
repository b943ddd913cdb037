from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import ScopedAdminMixin, admin_site

from .models import Person


@admin.register(Person, site=admin_site)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """People of the administrator's subtree, read-only.

    Membership (status, dates, card) and the cell follow the pipeline's events; identity is
    corrected on the person's page, with a reason; people come in through "Thêm nguồn" and the
    import. Editing the row here would go around all of them.
    """

    read_only = True
    list_display = ("full_name", "birth_date", "sex", "cccd", "cell", "member_status")
    list_filter = ("member_status", "sex", "local_resident", "youth_union_member")
    search_fields = ("search_name", "cccd")
    list_select_related = ("cell",)
    readonly_fields = ("site_page",)

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "site_page"]
        return ["site_page", *fields]

    @admin.display(description=_("trang người"))
    def site_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("person", args=[obj.pk]), _("Sửa trên trang người")
        )

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            return queryset.search(search_term), False
        return queryset, False
