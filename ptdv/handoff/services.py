"""The one writer of :class:`~ptdv.handoff.models.HandoffExport`."""

from __future__ import annotations

from django.db import transaction

from .models import HandoffExport
from .sections import Handoff


@transaction.atomic
def record(
    handoff: Handoff, *, user, file_format: str, sha256: str, only_new: bool
) -> HandoffExport:
    """Record one hand-off: the people of each section, the file's digest."""
    people = {
        section: sorted({row.person_id for row in handoff.rows.get(section, [])})
        for section in handoff.sections
    }
    return HandoffExport.objects.create(
        organisation=handoff.organisation,
        start=handoff.start,
        end=handoff.end,
        sections=list(handoff.sections),
        people=people,
        rows=handoff.count,
        incomplete=handoff.incomplete,
        only_new=only_new,
        file_format=file_format,
        sha256=sha256,
        created_by=user,
    )
