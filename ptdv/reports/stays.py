"""Each candidacy's stays in the stages (``StageStay``), kept with its events.

A stay is what :func:`ptdv.reports.funnel.replay` makes of the candidacy's effective events (a
stage, entered on the day of the step that led there, at that step's cell, left on the day of the
next step that changed the stage). The funnel report counts them with SQL aggregates instead of
replaying every candidacy's events at each request.

- :func:`keep`, connected to ``pipeline.signals.history_written``, rewrites a candidacy's stays
  in the write's transaction, from the history the write already holds (no read), when they
  changed, in one statement: an ``INSERT … ON CONFLICT DO UPDATE`` of the candidacy's stays (a
  step that changes the stage closes the last stay and opens the next; a correction reopens the
  stay before and leaves an empty place, without ``entered``, where the stay it removed was).
  A step that changes no stage (a transfer, a failed vote, a repeatable step) writes nothing.
- :func:`rebuild` rewrites the stays of every candidacy (or of some) from the events: what
  ``ptdv manage rebuild_stays`` runs and what the bulk writers (the demo builder, the
  benchmarks' history) call after writing candidacies without the services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from ptdv.pipeline.models import Event
from ptdv.rules.stages import Step

from .funnel import Stay, replay
from .models import StageStay

#: Candidacies rebuilt per query (bounded memory, under SQLite's limit of variables).
CHUNK = 2000
_UPDATED = ["stage", "cell", "entered", "left", "outcome", "days"]


def stays_of(candidacy_id: int, events: Iterable) -> list[Stay]:
    """The stays of one candidacy from its events (``Event`` rows or values with ``id``,
    ``step``, ``date``, ``passed``, ``voids_id``, ``cell_id``), in recording order; the stay's
    ``unit`` is the cell of the step that entered it."""
    events = list(events)
    voided = {e.voids_id for e in events if e.voids_id is not None}
    rows = (
        (candidacy_id, e.cell_id, e.step, e.date, e.passed)
        for e in events
        if e.step != Step.CORRECTION and e.id not in voided
    )
    return replay(rows)


def rows_of(candidacy_id: int, found: Sequence[Stay]) -> list[StageStay]:
    return [
        StageStay(
            candidacy_id=candidacy_id,
            ordinal=i,
            stage=stay.stage.value,
            cell_id=stay.unit,
            entered=stay.entered,
            left=stay.left,
            outcome=stay.outcome or "",
            days=(stay.left - stay.entered).days if stay.left is not None else None,
        )
        for i, stay in enumerate(found)
    ]


def write_changes(candidacy_id: int, before: Sequence[Stay], after: Sequence[Stay]) -> int:
    """Make the stored stays ``after`` when they were ``before``: nothing when they are the
    same, else one ``INSERT … ON CONFLICT DO UPDATE`` of every stay of ``after`` (the few stays
    of one candidacy, so that stays missing for any reason are written again too) and of an
    empty place for each stay removed (a correction). Returns the statements sent."""
    if list(before) == list(after):
        return 0
    rows = rows_of(candidacy_id, after)
    rows += [
        StageStay(candidacy_id=candidacy_id, ordinal=i, stage="", cell_id=before[i].unit)
        for i in range(len(after), len(before))
    ]
    StageStay.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["candidacy", "ordinal"], update_fields=_UPDATED
    )
    return 1


def keep(sender, *, candidacy, history, event, **_kwargs) -> None:
    """``history_written``: the candidacy's stays after ``event`` (none: a recomputed cache,
    which changes no event)."""
    if event is None:
        return
    before = [e for e in history.events if e is not event]
    pk = candidacy.pk
    write_changes(pk, stays_of(pk, before), stays_of(pk, history.events))


def rebuild(candidacy_ids: Iterable[int] | None = None) -> int:
    """Rewrite the stays of ``candidacy_ids`` (``None``: every candidacy) from their events, in
    one transaction; returns the stays written."""
    events = Event.objects.all()
    if candidacy_ids is None:
        ids = sorted(events.values_list("candidacy_id", flat=True).distinct().order_by())
    else:
        ids = sorted(set(candidacy_ids))
    written = 0
    with transaction.atomic():
        if candidacy_ids is None:
            StageStay.objects.all().delete()
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first : first + CHUNK]
            if candidacy_ids is not None:
                StageStay.objects.filter(candidacy_id__in=chunk).delete()
            rows = (
                Event.objects.filter(candidacy_id__in=chunk)
                .order_by("candidacy_id", "seq")
                .values_list(
                    "id",
                    "candidacy_id",
                    "step",
                    "date",
                    "passed",
                    "voids_id",
                    "cell_id",
                    named=True,
                )
            )
            by_candidacy: dict[int, list] = {}
            for e in rows.iterator(chunk_size=CHUNK):
                by_candidacy.setdefault(e.candidacy_id, []).append(e)
            new = [row for cid, found in by_candidacy.items() for row in values_of(cid, found)]
            _insert(new)
            written += len(new)
    return written


_COLUMNS = ("candidacy_id", "ordinal", "stage", "cell_id", "entered", "left", "outcome", "days")


def values_of(candidacy_id: int, events: Iterable) -> list[tuple]:
    """The rows of one candidacy's stays, as :data:`_COLUMNS` (no model instances: a rebuild
    writes millions of them)."""
    return [
        (
            candidacy_id,
            i,
            stay.stage.value,
            stay.unit,
            stay.entered,
            stay.left,
            stay.outcome or "",
            (stay.left - stay.entered).days if stay.left is not None else None,
        )
        for i, stay in enumerate(stays_of(candidacy_id, events))
    ]


def _insert(rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(StageStay._meta.db_table)
    columns = ", ".join(quote(c) for c in _COLUMNS)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        # Rows by the hundred in each statement (under SQLite's 999 variables).
        for first in range(0, len(rows), 100):
            batch = rows[first : first + 100]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))}",
                [value for values in batch for value in values],
            )
