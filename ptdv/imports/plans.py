"""What the planner says of a row (:class:`RowPlan`, its :class:`Problem`\\ s and warnings), and
the few tables the planning modules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ptdv.members.imports import Known as MemberKnown
from ptdv.people.identity import CccdElsewhere, HistoryNumberElsewhere
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Step

from .columns import PERSON_COLUMNS, STEP_COLUMNS
from .kinds import KINDS

#: Person fields an import may set (the others are computed or belong to the pipeline).
PERSON_FIELDS = tuple(c.key for c in PERSON_COLUMNS)
MEMBER_FIELDS = ("member_status", "party_admitted_on", "party_official_on", "party_card_number")
#: The values of a new person's fields that the file leaves out.
DEFAULTS = {
    "ethnicity": "01",
    "religion": "none",
    "professional_level": "none",
    "theory_level": "none",
    "youth_union_member": False,
    "trade_union_member": False,
    "local_resident": False,
    "occupation": "",
    "address": "",
}

HEADERS = {c.key: c.header for k in KINDS.values() for c in k.columns}
STEP_HEADER = {spec.step: spec.date.header for spec in STEP_COLUMNS}


def date_key(step: Step) -> str:
    """The column of a step's date."""
    return next(spec.date.key for spec in STEP_COLUMNS if spec.step is step)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    FAIL = "fail"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RowWarning:
    """A row to create that may be somebody already in ptdv (shown, not refused)."""

    row: int
    message: str
    person: Person


@dataclass
class PlannedStep:
    step: Step
    on: date
    number: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    votes: dict[str, int] | None = None
    passed: bool | None = None


@dataclass
class RowPlan:
    row: int
    name: str
    action: Action = Action.CREATE
    problems: list[Problem] = field(default_factory=list)
    #: The person in ptdv (update, unchanged), or ``None`` (create).
    person: Person | None = None
    #: Person fields to set: all of them for a new person, those that differ for an update.
    changes: dict[str, Any] = field(default_factory=dict)
    #: Candidacies: the steps to record (all of a new candidacy, the missing ones of a known one).
    steps: list[PlannedStep] = field(default_factory=list)
    candidacy: Candidacy | None = None
    attempt: int = 1
    warnings: list[RowWarning] = field(default_factory=list)
    #: Members: the member events to write (an arrival, a leaving; ``members.imports``).
    member_events: list = field(default_factory=list)
    #: The row's name, birth date and CCCD as ``lookups.look_up`` asks about them.
    lookup: dict[str, Any] = field(default_factory=dict)

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row, HEADERS.get(column, column), message))


#: A person's candidacies, each with ``{step: date}`` of its effective events.
History = list[tuple[Candidacy, dict[Step, date]]]


#: A personal-history number held by a record the import may not name: somebody outside the
#: organisation imported into, or a record merged into another. Says nothing of whom; refused
#: through ``Identities.refuse`` (audited and counted) as a CCCD held elsewhere is.
NumberElsewhere = HistoryNumberElsewhere


@dataclass
class Known:
    """What ptdv holds about the people of one chunk (``lookups.look_up``)."""

    by_cccd: dict[str, Person | CccdElsewhere]
    by_name: dict[tuple[str, date], list[Person]]
    #: person id -> their candidacies
    candidacies: dict[int, History]
    #: person id -> their member events and standing (members' files only)
    members: dict[int, MemberKnown] = field(default_factory=dict)
    #: Who holds each personal-history number of the chunk (members' files).
    by_history_number: dict[str, Person | NumberElsewhere] = field(default_factory=dict)


def differs(person: Person, key: str, value: Any) -> bool:
    """Whether the file's ``value`` changes the person's field ``key``."""
    if key in ("cell", "residence"):
        return getattr(person, f"{key}_id") != (value.pk if value is not None else None)
    current = getattr(person, key)
    if key == "full_name":
        return current != value
    return (current or None) != (value or None) if isinstance(value, str) else current != value
