import re

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ptdv.masking import mask_cccd
from ptdv.org.scope import AdminAccessMixin, ScopedAdminMixin, admin_site, scope_path
from ptdv.privacy.access import ReadLoggedAdminMixin

from .models import Person
from .sensitive import audit_changes, hidden_fields


class NumbersOutOfAddressesMixin:
    """The admin's search is a GET: a CCCD typed in its box would go into the address (the
    server's and the proxy's logs, the browser's history, ``Referer``). A search term holding
    digits is not searched: the list comes back without it, saying to search by number in the
    site's search box, which posts (``web/views/search.py``)."""

    def changelist_view(self, request, extra_context=None):
        if any(char.isdigit() for char in request.GET.get(SEARCH_VAR, "")):
            messages.warning(
                request,
                _(
                    "Để giữ kín số CCCD, trang quản trị không tìm theo số (số sẽ nằm trong địa "
                    "chỉ trang). Hãy tìm theo số CCCD ở ô tìm kiếm của trang chính."
                ),
            )
            query = request.GET.copy()
            del query[SEARCH_VAR]
            address = f"{request.path}?{query.urlencode()}" if query else request.path
            return HttpResponseRedirect(address)
        return super().changelist_view(request, extra_context)


@admin.register(Person, site=admin_site)
class PersonAdmin(
    ReadLoggedAdminMixin, NumbersOutOfAddressesMixin, ScopedAdminMixin, admin.ModelAdmin
):
    """People of the administrator's subtree, read-only.

    Membership (status, dates, card) and the cell follow the pipeline's events; identity is
    corrected on the person's page, with a reason; people come in through "Thêm nguồn" and the
    import. Editing the row here would go around all of them.

    The CCCD is shown masked in the list and on the record (the whole number: the person page's
    logged reveal) and is not searched here (:class:`NumbersOutOfAddressesMixin`). Ethnicity and
    religion are shown only to the roles that may see them (``people.sensitive``).
    """

    read_only = True
    list_display = ("full_name", "birth_date", "sex", "masked_cccd", "cell", "member_status")
    list_filter = ("member_status", "sex", "local_resident", "youth_union_member")
    search_fields = ("search_name",)
    list_select_related = ("cell",)
    readonly_fields = ("site_page", "masked_cccd")

    def read_log_target(self, obj):
        return {"person": obj}

    def get_fields(self, request, obj=None):
        hidden = {"site_page", "masked_cccd", *hidden_fields(request.user)}
        fields = [
            "masked_cccd" if name == "cccd" else name
            for name in super().get_fields(request, obj)
            if name not in hidden
        ]
        return ["site_page", *fields]

    @admin.display(description=_("trang người"))
    def site_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("person", args=[obj.pk]), _("Sửa trên trang người")
        )

    @admin.display(description=_("số CCCD"))
    def masked_cccd(self, obj):
        return mask_cccd(obj.cccd) or "—"

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            return queryset.search(search_term), False
        return queryset, False


# --- the audit log -------------------------------------------------------------------------------
# Registered here, not with the accounts: its changes are shown by the people's rules of who sees
# what (people/sensitive.py), which sit above the accounts.


@admin.register(LogEntry, site=admin_site)
class ScopedLogEntryAdmin(NumbersOutOfAddressesMixin, AdminAccessMixin, LogEntryAdmin):
    """django-auditlog's entries of the subtree: each carries the path of the organisation of
    the changed object (``accounts/audit.py``), as on the site's audit page."""

    read_only = True
    show_full_result_count = False  # the log grows with every change: one count per page
    # No identity number in the search's address (dates and ids may be searched).
    refused_in_search = re.compile(r"\d{9,}")

    @admin.display(description=_("Thay đổi"))
    def msg(self, obj):
        """The changes as the site's audit page shows them: the CCCD masked, the values of
        sensitive fields by role (people/sensitive.py)."""
        rows = audit_changes(self.request.user, obj)
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows),
        )

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        prefix = scope_path(request.user)
        if prefix is None:
            return entries.none()
        if prefix:
            entries = entries.filter(additional_data__org_path__startswith=prefix)
        return entries
