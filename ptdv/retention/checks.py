"""System check: the retention periods are whole numbers of years, at least 1.

Checked when ptdv starts (``ptdv check``, the server), not only when ``ptdv retention`` runs:
a period of 0 would anonymise records the day their outcome is recorded.
"""

from __future__ import annotations

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def retention_settings(app_configs, **kwargs):
    from .policy import years

    try:
        years()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="retention.E001")]
    return []
