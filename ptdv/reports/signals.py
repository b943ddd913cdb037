"""What the reports keep in the transaction of the writes below them.

- Every write of a candidacy's history (``pipeline.signals.history_written``): the candidacy's
  stays (:func:`ptdv.reports.stays.keep`). The stored reports its event touches are found when
  they are read (``ptdv.reports.stored.events_since``), so the write sends nothing for them.
- Saves the apps below make one row at a time (``post_save``, ``post_delete``): mentoring
  (assignments and reports), member events, people's corrections and merges, the organisation
  tree, places and their cells, targets. Writes in bulk send nothing: their authors call
  :func:`ptdv.reports.stored.invalidate` (docs/reports.md, "Stored reports").
- Candidacies written in bulk by an app that may not import this one (an import's commit):
  :func:`written_in_bulk` rebuilds their stays and drops the stored reports from the earliest
  day written, connected to ``pipeline.signals.histories_written_in_bulk`` (``candidacy_ids``,
  ``since``) where the pipeline sends it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from treebeard.mp_tree import path_updated

from ptdv.members.models import MemberEvent
from ptdv.org.models import Organisation, Place, PlaceCell
from ptdv.people.models import PersonChange, PersonMerge
from ptdv.pipeline import signals as pipeline_signals
from ptdv.pipeline.models import MentorAssignment, MentorReport
from ptdv.pipeline.signals import history_written

from . import stays, stored
from .models import Target

MENTORS = ("mentors",)


def history_saved(sender, *, candidacy, history, event, **kwargs) -> None:
    stays.keep(sender, candidacy=candidacy, history=history, event=event)


def _raw(kwargs) -> bool:
    return bool(kwargs.get("raw"))  # fixtures and restores load rows as they are


def mentoring_saved(sender, instance, **kwargs) -> None:
    if _raw(kwargs):
        return
    if isinstance(instance, MentorReport):
        stored.invalidate_from(instance.period_start, kinds=MENTORS)
    else:
        stored.invalidate_from(instance.start, kinds=MENTORS)


def member_event_saved(sender, instance: MemberEvent, **kwargs) -> None:
    if _raw(kwargs):
        return
    day = instance.date
    if instance.voids_id is not None:
        voided = MemberEvent.objects.filter(pk=instance.voids_id).values_list("date", flat=True)
        day = min(day, voided.first() or day)
    stored.invalidate_from(day)


def everything_changed(sender, instance=None, **kwargs) -> None:
    """A person's record (composition, names), the tree or the places: any period may change."""
    if _raw(kwargs):
        return
    stored.invalidate()


def targets_changed(sender, instance=None, **kwargs) -> None:
    if _raw(kwargs):
        return
    stored.invalidate(kinds=("targets",))


def written_in_bulk(sender, *, candidacy_ids=(), since=None, **kwargs) -> None:
    """Candidacies (and people, members) written in bulk, without the services."""
    if candidacy_ids:
        stays.rebuild(candidacy_ids)
    stored.invalidate(since)


def connect() -> None:
    history_written.connect(history_saved, dispatch_uid="ptdv.reports.history_saved")
    pipeline_signals.histories_written_in_bulk.connect(
        written_in_bulk, dispatch_uid="ptdv.reports.written_in_bulk"
    )
    for model in (MentorAssignment, MentorReport):
        for signal in (post_save, post_delete):
            signal.connect(mentoring_saved, sender=model, dispatch_uid=f"ptdv.reports.{model}")
    post_save.connect(member_event_saved, sender=MemberEvent, dispatch_uid="ptdv.reports.me")
    for model in (PersonChange, PersonMerge, Organisation, Place, PlaceCell):
        post_save.connect(everything_changed, sender=model, dispatch_uid=f"ptdv.reports.{model}")
    # A unit moved in the tree (treebeard rewrites the paths without saving the units).
    path_updated.connect(everything_changed, sender=Organisation, dispatch_uid="ptdv.reports.tree")
    for signal in (post_save, post_delete):
        signal.connect(targets_changed, sender=Target, dispatch_uid="ptdv.reports.target")
