"""Candidacies built in memory and inserted in bulk (the demo, benchmarks, imports).

The services (``services.py``) write one step at a time, each in its own transaction. Code that
creates thousands of candidacies with their whole history builds the rows in memory instead and
inserts them with ``bulk_create``; :func:`fill_cache` gives those rows exactly the cached state
the services would have written, from the same functions (``derive``, ``assemble_facts``,
``evaluate``, ``history.cache_fields``, ``membership_fields``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.checks import evaluate
from ptdv.rules.stages import CandidacyState, derive

from .evaluation import assemble_facts, event_facts
from .history import apply_cache, cache_fields
from .models import Candidacy, Event, MentorAssignment
from .services import membership_fields


def fill_cache(
    candidacy: Candidacy,
    events: Sequence[Event],
    person: Person,
    *,
    ancestors: Callable[[int], list[Organisation]],
    calendar: WorkingCalendar,
    assignments: Sequence[MentorAssignment] = (),
    people: dict[int, Person] | None = None,
    voided: dict[int, int] | None = None,
    opening_cell_id: int | None = None,
) -> CandidacyState:
    """Set ``candidacy``'s cached columns and ``person``'s cell and membership from ``events``.

    Works before anything is inserted: events are told apart by ``id(event)`` (the state machine
    only compares ids); ``voided`` maps a correction's ``id()`` to its target's. ``ancestors``
    gives a cell's ancestors (root first, the cell last), as ``build_facts`` reads them; it is
    called for the cell the candidacy ends in.
    """
    voided = voided or {}
    state = derive(replace(event_facts(e), id=id(e), voids=voided.get(id(e))) for e in events)
    opening = opening_cell_id or candidacy.cell_id
    cell_id = state.cell_id or opening
    facts = assemble_facts(
        state,
        person=person,
        attempt=candidacy.attempt,
        ancestors=ancestors(cell_id),
        assignments=list(assignments),
        people=people or {},
    )
    evaluation = evaluate(facts, calendar, state.stage_since)
    apply_cache(candidacy, cache_fields(state, evaluation, opening_cell_id=opening))
    candidacy.version = len(events)
    person.cell_id = cell_id
    for field_name, value in (membership_fields(state) or {}).items():
        setattr(person, field_name, value)
    return state
