"""A change of the working calendar moves the deadlines of the open requests.

The decreed days off and make-up working days (``pipeline.CalendarDay``) are changed in the
admin by installation-wide administrators; every save or delete of one recomputes the cached
deadlines of the requests still to be answered (few: a request is open for at most a few weeks).
After changing ``PTDV_EXTRA_DAYS_OFF`` / ``PTDV_EXTRA_WORKING_DAYS`` or
``PTDV_SUBJECT_REQUEST_DAYS``, run ``ptdv manage refresh_request_deadlines``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _calendar_changed(sender, **kwargs) -> None:
    from .services import refresh_request_deadlines

    # After the admin's transaction: the calendar read then is the new one.
    transaction.on_commit(refresh_request_deadlines)


def connect() -> None:
    from ptdv.pipeline.models import CalendarDay

    uid = "ptdv.subjects.calendar_changed"
    post_save.connect(_calendar_changed, sender=CalendarDay, dispatch_uid=uid + ".save")
    post_delete.connect(_calendar_changed, sender=CalendarDay, dispatch_uid=uid + ".delete")
