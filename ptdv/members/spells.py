"""Members' spells rewritten from their records: one person, some, or everybody.

A spell says that a person was counted as a member of one cell from one day (included) to
another (excluded). :func:`rebuild` reads, for each person, what decides it —

- the person's membership fields (admission date, the day they left, their cell), which is all
  there is for a member admitted before the installation and never changed since;
- the effective steps of each candidacy that reached the admission ceremony (the ceremony's
  cell, transfers after it, not being recognised, death);
- the effective member events (transfers, leaving, death),

and hands them to the pure :func:`ptdv.rules.membership.spells`. The services call it for the
person they change, in the same transaction; code that writes people in bulk (the demo, the
import) calls it once for the people it wrote; ``ptdv manage rebuild_member_spells`` rewrites
every spell (the result is the same whenever it runs: the spells are derived data).

Memory and queries are bounded: people are read by chunks of :data:`CHUNK`, each chunk in a fixed
number of queries whatever its history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from django.apps import apps as django_apps
from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform

from ptdv.rules.membership import MemberEventFact, MemberEventKind, spells, timeline
from ptdv.rules.stages import EventFact, Step, TransitionError, derive

#: People per chunk (and the size of the ``IN`` lists: well under SQLite's variable limit).
CHUNK = 1000
#: The ``end`` stored for a spell that still runs (see ``models.OPEN_END``).
OPEN_END = date(9999, 12, 31)


def rebuild(person_ids: Iterable[int] | None = None, *, registry=None) -> int:
    """Rewrite the spells of ``person_ids`` (everybody's when ``None``); returns how many
    spells were written. ``registry`` is the app registry (a migration passes its own)."""
    models = _Models(registry or django_apps)
    written = 0
    with transaction.atomic():
        if person_ids is None:
            models.MemberSpell._base_manager.all().delete()
            for chunk in _every_member(models):
                written += _write(models, chunk)
        else:
            ids = sorted({int(pk) for pk in person_ids})
            for first in range(0, len(ids), CHUNK):
                chunk = ids[first : first + CHUNK]
                models.MemberSpell._base_manager.filter(person_id__in=chunk).delete()
                written += _write(models, chunk)
    return written


def clear(person_id: int) -> None:
    """Remove the spells of a person who has no membership to count (the quick path of the
    services for people who never were members)."""
    django_apps.get_model("members", "MemberSpell")._base_manager.filter(
        person_id=person_id
    ).delete()


class _Models:
    def __init__(self, registry):
        self.Person = registry.get_model("people", "Person")
        self.MemberEvent = registry.get_model("members", "MemberEvent")
        self.MemberSpell = registry.get_model("members", "MemberSpell")
        self.Event = registry.get_model("pipeline", "Event")
        self.Candidacy = registry.get_model("pipeline", "Candidacy")


def _every_member(models: _Models) -> Iterator[list[int]]:
    """The ids of everybody who may have a spell, by chunks (keyset pagination on the id)."""
    people = models.Person.objects.filter(
        Q(party_admitted_on__isnull=False)
        | Q(pk__in=models.MemberEvent._base_manager.values("person_id"))
    ).order_by("pk")
    last = 0
    while True:
        chunk = list(people.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _write(models: _Models, chunk: list[int]) -> int:
    people = list(
        models.Person.objects.filter(pk__in=chunk).values_list(
            "pk", "party_admitted_on", "party_left_on", "cell_id"
        )
    )
    member_events = _member_events(models, chunk)
    candidacies = _candidacies(models, chunk)
    rows = []
    for pk, admitted_on, left_on, cell_id in people:
        found = spells(
            timeline(
                admitted_on=admitted_on,
                left_on=left_on,
                cell_id=cell_id,
                candidacies=candidacies.get(pk, ()),
                member_events=member_events.get(pk, ()),
            )
        )
        rows += [
            (pk, s.cell_id, s.start, s.end or OPEN_END, s.start_reason, s.end_reason) for s in found
        ]
    _insert(models.MemberSpell, rows)
    return len(rows)


def _insert(model, rows: list[tuple]) -> None:
    """Insert spells as plain rows: a province's 100,000 spells without as many model instances
    (``bulk_create`` spends most of its time building and reading them)."""
    if not rows:
        return
    meta = model._meta
    names = ("person", "cell", "start", "end", "start_reason", "end_reason")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * len(names))
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        for first in range(0, len(rows), 5000):
            batch = rows[first : first + 5000]
            if connection.vendor == "postgresql":
                # One statement per batch: the columns as arrays.
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST(%s::bigint[], "
                    "%s::bigint[], %s::date[], %s::date[], %s::varchar[], %s::varchar[])",
                    [list(column) for column in zip(*batch, strict=True)],
                )
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)


def _member_events(models: _Models, chunk: list[int]) -> dict[int, list[MemberEventFact]]:
    """The effective member events of each person, in order."""
    rows = list(
        models.MemberEvent._base_manager.filter(person_id__in=chunk)
        .order_by("person_id", "seq")
        .values_list(
            "pk", "person_id", "seq", "kind", "date", "cell_id", "to_cell_id", "voids_id", "before"
        )
    )
    voided = {voids for *_rest, voids, _before in rows if voids is not None}
    out: dict[int, list[MemberEventFact]] = defaultdict(list)
    for pk, person_id, seq, kind, day, cell_id, to_cell_id, _voids, before in rows:
        if kind == MemberEventKind.CORRECTION or pk in voided:
            continue
        out[person_id].append(
            MemberEventFact(
                seq=seq,
                kind=MemberEventKind(kind),
                date=day,
                cell_id=cell_id,
                to_cell_id=to_cell_id,
                admitted_before=_day((before or {}).get("party_admitted_on")),
            )
        )
    return out


def _candidacies(
    models: _Models, chunk: list[int]
) -> dict[int, list[list[tuple[str, date, int | None, int | None]]]]:
    """For each person, the effective steps of each candidacy that has a ceremony (recorded,
    voided or not: the replay says whether it stands), as ``(step, date, cell, to_cell)``."""
    Event = models.Event
    # The chunk's candidacies by the person index, then their ceremonies by the candidacy index
    # (one query over the events' step index would read every ceremony of the installation).
    candidacies = list(
        models.Candidacy._base_manager.filter(person_id__in=chunk).values_list("pk", flat=True)
    )
    with_ceremony = sorted(
        set(
            Event._base_manager.filter(step=Step.CEREMONY, candidacy_id__in=candidacies)
            .values_list("candidacy_id", flat=True)
            .order_by()
        )
    )
    if not with_ceremony:
        return {}
    # Of an event's data the replay reads a transfer's receiving cell only.
    rows = list(
        Event._base_manager.filter(candidacy_id__in=with_ceremony)
        .annotate(to_cell=KeyTextTransform("to_cell", "data"))
        .order_by("candidacy__person_id", "candidacy__attempt", "seq")
        .values_list(
            "candidacy__person_id",
            "candidacy_id",
            "pk",
            "step",
            "date",
            "to_cell",
            "voids_id",
            "passed",
            "cell_id",
        )
    )
    by_candidacy: dict[int, list[tuple]] = defaultdict(list)
    person_of: dict[int, int] = {}
    for row in rows:
        person_of[row[1]] = row[0]
        by_candidacy[row[1]].append(row)
    out: dict[int, list[list[tuple[str, date, int | None, int | None]]]] = defaultdict(list)
    # In the rows' order: by person, attempt, step (dicts keep the order of insertion).
    for candidacy_id, events in by_candidacy.items():
        cells = {pk: cell for _p, _c, pk, _s, _d, _to, _v, _ok, cell in events}
        facts = [
            EventFact(
                id=pk,
                step=Step(step),
                date=day,
                data={"to_cell": _to_cell(to_cell)} if to_cell is not None else {},
                voids=voids,
                passed=passed,
            )
            for _p, _c, pk, step, day, to_cell, voids, passed, _cell in events
        ]
        try:
            state = derive(facts)
        except TransitionError:
            continue  # not a valid history: the person's own fields stand for it
        out[person_of[candidacy_id]].append(
            [(e.step.value, e.date, cells[e.id], e.data.get("to_cell")) for e in state.events]
        )
    return out


def _to_cell(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
