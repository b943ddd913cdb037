"""System check: the read log is kept a positive whole number of days.

Checked when ptdv starts (``ptdv check``, the server), not only when ``prune_access_log`` runs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def access_log_settings(app_configs, **kwargs):
    days = settings.PTDV_ACCESS_LOG_RETENTION_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        return [
            Error(
                f"PTDV_ACCESS_LOG_RETENTION_DAYS phải là số ngày nguyên dương (đang là {days!r}).",
                id="privacy.E001",
            )
        ]
    return []
