"""A candidacy's history, read once per write: the one object check → append → refresh share.

A write (``services``) loads the candidacy, locked, with its cell and person in one query and its
events in a second; the state machine replays those events in memory for the check, again with
the new event for the cache. What the rules need besides the events (mentor assignments, the
people named by letters, the cell's ancestors, the working calendar) is read the first time it is
asked for and kept for the rest of the transaction.

:func:`cache_fields` is the one function that turns a state and its evaluation into the
candidacy's cached columns: the services write them with the version bump, ``bulk.fill_cache``
(the demo, imports, benchmarks) sets them on rows not yet inserted, and the reports tests'
dataset builder, which needs no deadlines, takes its part :func:`state_fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.checks import evaluate
from ptdv.rules.facts import CandidacyFacts
from ptdv.rules.findings import Evaluation
from ptdv.rules.stages import CandidacyState, EventFact, Step, derive

from .evaluation import assemble_facts, event_facts, people_by_id, working_calendar
from .models import Candidacy, Event, MentorAssignment

#: The cached columns of a candidacy (``Candidacy``), written only through :func:`cache_fields`.
CACHE_FIELDS = (
    "stage",
    "stage_since",
    "cell_id",
    "closed_on",
    "next_due",
    "next_due_code",
    "expiry_due",
    "expiry_code",
)


def state_fields(state: CandidacyState, *, opening_cell_id: int) -> dict[str, Any]:
    """The cached columns that follow from the events alone.

    - ``cell_id``: the cell after the last effective transfer, else the cell it opened in.
    - ``closed_on``: the day a closed stage was entered (``None`` while open).
    """
    return {
        "stage": state.stage,
        "stage_since": state.stage_since,
        "cell_id": state.cell_id or opening_cell_id,
        "closed_on": state.stage_since if state.is_closed else None,
    }


def deadline_fields(evaluation: Evaluation) -> dict[str, Any]:
    """The cached deadlines: the nearest open deadline and the earliest expiry of the
    certificate or a dossier paper, with their codes (``rules.checks.DEADLINE_LABELS``)."""
    nearest, expiry = evaluation.next_deadline, evaluation.next_expiry
    return {
        "next_due": nearest.due if nearest else None,
        "next_due_code": nearest.code if nearest else "",
        "expiry_due": expiry.due if expiry else None,
        "expiry_code": expiry.code if expiry else "",
    }


def cache_fields(
    state: CandidacyState, evaluation: Evaluation, *, opening_cell_id: int
) -> dict[str, Any]:
    """Every cached column of a candidacy: :func:`state_fields` and :func:`deadline_fields` of
    ``state`` evaluated on the stage's first day."""
    return state_fields(state, opening_cell_id=opening_cell_id) | deadline_fields(evaluation)


def apply_cache(candidacy: Candidacy, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(candidacy, name, value)


#: The id the state machine gives an event not yet inserted (it only compares ids).
UNSAVED_ID = -1


@dataclass
class History:
    """A candidacy with its events and what the rules read about it, loaded once."""

    candidacy: Candidacy
    events: list[Event]
    _people: dict[int, Person] = field(default_factory=dict)
    _ancestors: dict[int, list[Organisation]] = field(default_factory=dict)

    @classmethod
    def load(cls, candidacy: Candidacy | int, *, lock: bool) -> History:
        """Read the candidacy (with its cell and person) and its events: two queries.

        ``lock``: ``SELECT … FOR UPDATE`` of the candidacy and its person (inside the caller's
        transaction), so two writers of one candidacy run one after the other.
        """
        pk = candidacy.pk if isinstance(candidacy, Candidacy) else candidacy
        rows = Candidacy.objects.select_related("cell", "person__cell")
        if lock:
            rows = rows.select_for_update(of=("self", "person"))
        loaded = rows.get(pk=pk)
        events = list(Event.objects.filter(candidacy_id=pk).order_by("seq"))
        for event in events:
            event.candidacy = loaded
        return cls(loaded, events)

    @classmethod
    def of(cls, candidacy: Candidacy, *, related: tuple[str, ...] = ()) -> History:
        """The history of a candidacy already read (a page's, not locked): its events only, one
        query, with ``related`` rows joined (e.g. ``("actor",)`` for a timeline)."""
        rows = Event.objects.filter(candidacy_id=candidacy.pk).select_related(*related)
        events = list(rows.order_by("seq"))
        for event in events:
            event.candidacy = candidacy
        return cls(candidacy, events)

    # --- the state machine --------------------------------------------------------------------

    @cached_property
    def facts(self) -> list[EventFact]:
        return [event_facts(e) for e in self.events]

    @cached_property
    def state(self) -> CandidacyState:
        """The state replayed from the effective events."""
        return derive(self.facts)

    def state_with(self, event: Event) -> CandidacyState:
        """The state once ``event`` (not yet inserted) is appended."""
        return derive([*self.facts, replace(event_facts(event), id=UNSAVED_ID)])

    def appended(self, event: Event, state: CandidacyState) -> None:
        """Take ``event``, now inserted, into the history with the state it led to."""
        self.events.append(event)
        fact = event_facts(event)
        self.facts.append(fact)
        state.events[:] = [fact if e.id == UNSAVED_ID else e for e in state.events]
        self.__dict__["state"] = state

    @property
    def opening_cell_id(self) -> int:
        return self.events[0].cell_id if self.events else self.candidacy.cell_id

    # --- what the rules read besides the events ---------------------------------------------

    @cached_property
    def assignments(self) -> list[MentorAssignment]:
        return list(MentorAssignment.objects.filter(candidacy=self.candidacy).order_by("start"))

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return working_calendar()

    def people(self, state: CandidacyState) -> dict[int, Person]:
        """The mentors and the introducers named in ``state``; only ids not yet read are read."""
        wanted = {a.mentor_id for a in self.assignments}
        wanted |= {
            e.data["introducer_id"]
            for e in state.events
            if e.step is Step.DOSSIER_PAPER and e.data.get("introducer_id")
        }
        missing = wanted - self._people.keys()
        if missing:
            self._people.update(people_by_id(missing))
        return self._people

    def ancestors(self, cell_id: int) -> list[Organisation]:
        """The cell's ancestors, root first and the cell last (as ``build_facts`` reads them)."""
        if cell_id not in self._ancestors:
            cell = self.candidacy.cell
            if cell.pk != cell_id:
                cell = Organisation.objects.get(pk=cell_id)
            self._ancestors[cell_id] = cell.ancestors_or_self()
        return self._ancestors[cell_id]

    def facts_for(self, state: CandidacyState, *, cell_id: int | None = None) -> CandidacyFacts:
        """Everything the rules need about the candidacy in ``state``."""
        return assemble_facts(
            state,
            person=self.candidacy.person,
            attempt=self.candidacy.attempt,
            ancestors=self.ancestors(cell_id or self.candidacy.cell_id),
            assignments=self.assignments,
            people=self.people(state),
        )

    def evaluate(
        self, state: CandidacyState, on: date, *, cell_id: int | None = None
    ) -> Evaluation:
        return evaluate(self.facts_for(state, cell_id=cell_id), self.calendar, on)

    def cache_for(self, state: CandidacyState) -> dict[str, Any]:
        """The cached columns for ``state`` (see :func:`cache_fields`)."""
        cell_id = state.cell_id or self.opening_cell_id
        evaluation = self.evaluate(state, state.stage_since, cell_id=cell_id)
        return cache_fields(state, evaluation, opening_cell_id=self.opening_cell_id)
