"""Accounts in the admin, and the records of who did what: the audit log and the sign-ins.

Administrators manage the accounts of their subtree; the audit entries and sign-in records
they see are those of their subtree too (third-party admins of django-auditlog and django-axes,
re-registered on ptdv's admin site with the scope). Django's groups and per-model permissions
are not used: the role decides.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import (
    AdminAccessMixin,
    ScopedAdminMixin,
    admin_site,
    is_installation_wide,
    scope_path,
)

from .models import WIDE_WITH_ORGANISATION, User

#: What sets a user's scope and powers: only an installation-wide administrator grants these.
INSTALLATION_FIELDS = ("installation_wide", "is_superuser")
#: What an administrator may not change on their own account (their scope is set from above).
OWN_SCOPE_FIELDS = ("organisation", "role", "is_active", *INSTALLATION_FIELDS)


@admin.register(User, site=admin_site)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    """Administrators manage the accounts of their subtree.

    An account is placed in the administrator's subtree only (the organisation's choices are
    scoped, and required unless the administrator is installation-wide). Installation-wide
    accounts and superusers are made by installation-wide administrators only, and nobody
    widens their own scope here.
    """

    list_display = (
        "username", "get_full_name", "organisation", "role", "installation_wide", "is_active",
    )  # fmt: skip
    list_filter = ("role", "is_active", "installation_wide")
    list_select_related = ("organisation",)
    search_fields = ("username", "first_name", "last_name", "email")
    raw_id_fields = ("organisation",)
    fieldsets = (
        *BaseUserAdmin.fieldsets[:1],
        (_("Thông tin"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Phạm vi và vai trò"),
            {"fields": ("organisation", "role", "is_active", *INSTALLATION_FIELDS)},
        ),
        (_("Thời điểm"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username", "usable_password", "password1", "password2", "organisation",
                    "role", "installation_wide",
                )
            },
        ),
    )  # fmt: skip

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and not is_installation_wide(request.user):
            # Scoped administrators add accounts of their subtree only.
            fieldsets = [
                (name, {**options, "fields": _without(options["fields"], INSTALLATION_FIELDS)})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not is_installation_wide(request.user):
            fields += INSTALLATION_FIELDS
        if obj is not None and obj.pk == request.user.pk:
            fields += OWN_SCOPE_FIELDS
        return list(dict.fromkeys(fields))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        wide = is_installation_wide(request.user)

        class ScopedUserForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                organisation = self.fields.get("organisation")
                if organisation is not None and not wide:
                    organisation.required = True  # inside the subtree: never "no organisation"

            def clean(self):
                cleaned = super().clean()
                if "organisation" not in self.fields:
                    return cleaned  # one's own account: the scope is not edited here
                organisation = cleaned.get("organisation")
                flagged = cleaned.get("installation_wide", self.instance.installation_wide)
                if organisation is None and not flagged and "organisation" not in self.errors:
                    self.add_error(
                        "organisation",
                        _("Chọn tổ chức đảng của tài khoản, hoặc đánh dấu «toàn hệ thống»."),
                    )
                elif organisation is not None and flagged:
                    self.add_error("installation_wide", WIDE_WITH_ORGANISATION)
                return cleaned

        return ScopedUserForm


def _without(fields, removed):
    return tuple(name for name in fields if name not in removed)


# --- the records of who did what -----------------------------------------------------------------


@admin.register(LogEntry, site=admin_site)
class ScopedLogEntryAdmin(AdminAccessMixin, LogEntryAdmin):
    """django-auditlog's entries of the subtree: each carries the path of the organisation of
    the changed object (``accounts/audit.py``), as on the site's audit page."""

    read_only = True
    show_full_result_count = False  # the log grows with every change: one count per page

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        prefix = scope_path(request.user)
        if prefix is None:
            return entries.none()
        if prefix:
            entries = entries.filter(additional_data__org_path__startswith=prefix)
        return entries


class LoginRecordScopeMixin(AdminAccessMixin):
    """django-axes' sign-in records carry only the username typed: an administrator of a
    subtree sees those of the accounts of the subtree; names that are no account's, the
    installation-wide administrators only."""

    read_only = True
    show_full_result_count = False

    def get_queryset(self, request):
        records = super().get_queryset(request)
        prefix = scope_path(request.user)
        if prefix is None:
            return records.none()
        if prefix:
            usernames = User.objects.visible_to(request.user).values("username")
            records = records.filter(username__in=usernames)
        return records


@admin.register(AccessAttempt, site=admin_site)
class ScopedAccessAttemptAdmin(LoginRecordScopeMixin, AccessAttemptAdmin):
    pass


@admin.register(AccessLog, site=admin_site)
class ScopedAccessLogAdmin(LoginRecordScopeMixin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog, site=admin_site)
class ScopedAccessFailureLogAdmin(LoginRecordScopeMixin, AccessFailureLogAdmin):
    pass
