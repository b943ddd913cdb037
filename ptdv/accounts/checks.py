"""System check: the roles that must use a second factor are roles ptdv knows.

A misspelt value of ``PTDV_MFA_REQUIRED_ROLES`` (``comittee``) would silently leave that role
without the required second factor: ``ptdv check`` (and the server's start) stops on it instead.
"""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def mfa_settings(app_configs, **kwargs):
    from .mfa import required_roles
    from .models import Role

    unknown = sorted(required_roles() - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"PTDV_MFA_REQUIRED_ROLES có vai trò không tồn tại: {', '.join(unknown)}.",
            hint=f"Các vai trò: {', '.join(Role.values)}.",
            id="accounts.E001",
        )
    ]
