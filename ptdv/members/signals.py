"""A person's spells follow every save of their record, in the same transaction.

The pipeline's services (``_sync_person``), the member events' services, the person page's
corrections and the admin all save a ``Person`` one at a time: after each save the person's
spells are rewritten (:func:`ptdv.members.spells.rebuild`). Writes in bulk (``bulk_create``,
``bulk_update``, ``update``) send no signal: their authors call ``spells.rebuild`` for the
people they wrote (the demo builder, the import).
"""

from __future__ import annotations

from django.db.models.signals import post_save

from ptdv.people.models import Person
from ptdv.pipeline.signals import person_following

from . import spells


def person_saved(sender, instance: Person, created: bool = False, raw: bool = False, **kwargs):
    if raw:  # fixtures and restores load rows as they are, spells included
        return
    if instance.party_admitted_on is not None:
        spells.rebuild([instance.pk])
    elif not created:
        # Never admitted, or the admission was voided: nothing to count, unless member events
        # (a membership kept before the installation, since ended) say otherwise.
        if instance.member_events.exists():
            spells.rebuild([instance.pk])
        else:
            spells.clear(instance.pk)


def candidacy_following(sender, candidacy, state, person, **kwargs) -> None:
    """The pipeline is about to write a candidacy's state to its person: refused when it would
    overwrite later member events (``services.candidacy_synced``)."""
    from .services import candidacy_synced

    candidacy_synced(candidacy, state, person)


def connect() -> None:
    post_save.connect(person_saved, sender=Person, dispatch_uid="ptdv.members.person_saved")
    person_following.connect(candidacy_following, dispatch_uid="ptdv.members.candidacy_following")
