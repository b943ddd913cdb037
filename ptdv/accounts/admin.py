from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import ScopedAdminMixin

from .models import Role, User


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    """Administrators manage the accounts of their subtree."""

    list_display = ("username", "get_full_name", "organisation", "role", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)
    fieldsets = (
        *BaseUserAdmin.fieldsets[:1],
        (_("Thông tin"), {"fields": ("first_name", "last_name", "email")}),
        (_("Phạm vi và vai trò"), {"fields": ("organisation", "role", "is_active", "is_staff")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "organisation", "role")}),
    )

    def has_module_permission(self, request):
        return super().has_module_permission(request) and request.user.role == Role.ADMIN

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission
