"""Accounts in the admin, and the sign-ins.

Administrators manage the accounts of their subtree; the sign-in records they see are those of
their subtree too (django-axes' admins, re-registered on ptdv's admin site with the scope). The
audit log's entries are registered beside the people's admin (``people/admin.py``), which shows
their changes as the site's audit page does. Django's groups and per-model permissions are not
used: the role decides.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from ptdv.org.scope import (
    AdminAccessMixin,
    ScopedAdminMixin,
    admin_site,
    is_installation_wide,
    scope_path,
)

from . import mfa
from .models import WIDE_WITH_ORGANISATION, Role, User

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
        "mfa_enrolled",
    )  # fmt: skip
    actions = ["reset_mfa"]
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

    def has_change_permission(self, request, obj=None):
        if obj is not None and is_peer_keeper(request.user, obj):
            return False  # shown, not changed: no password set, no scope touched
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_peer_keeper(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(mfa_enrolled=Exists(devices))

    @admin.display(boolean=True, description=_("xác thực hai lớp"), ordering="mfa_enrolled")
    def mfa_enrolled(self, obj) -> bool:
        return bool(getattr(obj, "mfa_enrolled", False))

    @admin.action(description=_("Đặt lại xác thực hai lớp của các tài khoản đã chọn"))
    def reset_mfa(self, request, queryset):
        """Remove the selected accounts' second-factor devices (the accounts of the
        administrator's subtree only: ``queryset`` is scoped); each enrols again at their next
        login. A confirmation page first, as for deleting; audited."""
        users = list(queryset.exclude(pk=request.user.pk).select_related("organisation"))
        peers = [user for user in users if is_peer_keeper(request.user, user)]
        if peers:
            users = [user for user in users if user not in peers]
            self.message_user(
                request,
                _(
                    "Không đặt lại xác thực hai lớp của %(names)s: tài khoản quản trị hoặc bảo vệ "
                    "dữ liệu cùng cấp chỉ do quản trị viên cấp trên (hoặc toàn hệ thống) đặt lại."
                )
                % {"names": ", ".join(user.username for user in peers)},
                messages.WARNING,
            )
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(
                request,
                _(
                    "Không đặt lại xác thực hai lớp của chính mình ở đây: dùng trang Xác thực "
                    "hai lớp trong tài khoản của bạn."
                ),
                messages.WARNING,
            )
        if not users:
            return None
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Đặt lại xác thực hai lớp"),
                "opts": self.model._meta,
                "users": users,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "action": "reset_mfa",
            }
            return TemplateResponse(request, "admin/accounts/user/reset_mfa.html", context)
        for user in users:
            mfa.reset(user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Đã đặt lại xác thực hai lớp của %(n)d tài khoản: người dùng đăng ký lại ở lần "
                "đăng nhập sau.",
                "Đã đặt lại xác thực hai lớp của %(n)d tài khoản: người dùng đăng ký lại ở lần "
                "đăng nhập sau.",
                len(users),
            )
            % {"n": len(users)},
            messages.SUCCESS,
        )
        return None

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


#: Accounts that keep the others' access (administrators) or watch it (the data protection
#: officer): only an administrator above them, or an installation-wide one, changes them.
KEEPER_ROLES = frozenset({Role.ADMIN, Role.PRIVACY})


def is_peer_keeper(actor, target) -> bool:
    """Whether ``target`` is an administrator or data protection officer whom ``actor`` may not
    change (password, second factor, scope): not below ``actor``'s organisation, and ``actor`` is
    not installation-wide. Otherwise an administrator could reset a peer's second factor, set
    their password and enrol their own phone on the peer's account."""
    if target.pk == getattr(actor, "pk", None) or target.role not in KEEPER_ROLES:
        return False
    if is_installation_wide(actor):
        return False
    own = scope_path(actor)
    below = target.organisation.path if target.organisation_id else ""
    return own is None or not (below.startswith(own) and len(below) > len(own))


def _without(fields, removed):
    return tuple(name for name in fields if name not in removed)


# --- the sign-ins ---------------------------------------------------------------------------------


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
