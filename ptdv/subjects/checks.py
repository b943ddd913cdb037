"""System check: the deadlines an installation set in its settings are usable.

``PTDV_SUBJECT_REQUEST_DAYS`` and ``PTDV_BREACH_NOTIFY_HOURS`` replace numbers of the table of
``ptdv/rules/data_protection.py``; a typo (an unknown name, a number that is not one) stops
``ptdv check`` (and the development server) with a message, instead of the first request
recorded.
"""

from __future__ import annotations

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@register()
def deadline_settings(app_configs, **kwargs):
    from .services import protection_rules

    try:
        protection_rules(timezone.localdate())
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="subjects.E001")]
    return []
