"""The members template's lifecycle columns: a member who came from outside the installation, and
a member who left (transferred out, left the Party, was struck off or expelled, died).

The columns themselves (Vietnamese headers, variants, help and parsers) are the import's
(``imports.columns.member_lifecycle_columns``), read into the keys of :data:`KEYS`. What is
done with them, for the import (``ptdv/imports/``), which calls it:

- :func:`check_lifecycle`: pure — a row's values (already read by the columns' parsers) and what
  ptdv holds of the person → the problems (column key, Vietnamese message with the rule's
  citation), the member events to write and the person's membership fields after them;
- :func:`write_events`: writes the planned events of many people at once (``bulk_create``) and
  their spells, inside the import's transaction.

The rules are those of the person page (:func:`ptdv.rules.membership.check_event`): a row is
checked as if its events were recorded one after the other on a member with the row's
admission dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ptdv.people.models import MemberStatus
from ptdv.rules.findings import Finding
from ptdv.rules.membership import (
    KIND_LABELS,
    LEAVING_KINDS,
    MemberEventKind,
    MemberEventRequest,
    MemberFacts,
    Standing,
    check_event,
)

K = MemberEventKind

#: The lifecycle columns' keys, in the template's order.
KEYS = ("arrived_on", "arrived_from", "arrived_number", "left_on", "left_how", "left_number",
        "left_issued_by", "left_reason", "left_to")  # fmt: skip


@dataclass(frozen=True)
class PlannedEvent:
    """A member event to write for a row (the writer numbers them after the person's own)."""

    kind: MemberEventKind
    date: date
    cell_id: int
    number: str = ""
    issued_by: str = ""
    reason: str = ""
    outside: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    #: The person's membership fields before the event (``MemberEvent.before``).
    before: dict[str, Any] = field(default_factory=dict)


@dataclass
class LifecycleCheck:
    """What :func:`check_lifecycle` found for one row."""

    #: (column key, Vietnamese message) — the row fails when there is any.
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: The events to write, in order (empty when the row has none, or ptdv holds them already).
    events: list[PlannedEvent] = field(default_factory=list)
    #: The person's membership fields after the events (over the row's own): ``member_status``
    #: and ``party_left_on``.
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


#: The column a finding of the rules is about, for each of the row's two events.
_ARRIVAL_COLUMNS = {
    "member.date.": "arrived_on",
    "member.number.": "arrived_number",
    "member.outside.": "arrived_from",
    "member.admitted.": "party_admitted_on",
    "member.official.": "party_official_on",
    "member.to_cell.": "cell",
}
_LEAVING_COLUMNS = {
    "member.date.": "left_on",
    "member.number.": "left_number",
    "member.reason.": "left_reason",
    "member.outside.": "left_to",
    "member.expelled.": "left_how",
    "member.resigned.": "left_how",
    "member.admitted.": "party_admitted_on",
    "member.standing.": "left_how",
}


def _column(finding: Finding, table: Mapping[str, str], default: str) -> str:
    return next((c for prefix, c in table.items() if finding.code.startswith(prefix)), default)


def _message(finding: Finding) -> str:
    return f"{finding.message} ({finding.citation})"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class Known:
    """What ptdv holds of a person the row names (see :func:`lookup`)."""

    standing: Standing
    #: The effective member events as ``(kind, date)``, in order.
    existing: tuple[tuple[str, date], ...] = ()
    #: The attempt of an open candidacy (its steps record transfers and exits).
    open_candidacy: int | None = None
    #: The person's membership fields now (``MemberEvent.before`` of a first event).
    snapshot: Mapping[str, Any] = field(default_factory=dict)


def lookup(people: Iterable[Any]) -> dict[int, Known]:
    """:class:`Known` for each of ``people`` (saved ``Person`` objects), in two queries."""
    from collections import defaultdict

    from ptdv.pipeline.models import Candidacy

    from .models import MemberEvent
    from .services import _facts, snapshot

    people = [p for p in people if p.pk is not None]
    ids = [p.pk for p in people]
    events = defaultdict(list)
    rows = list(MemberEvent._base_manager.filter(person_id__in=ids).order_by("person_id", "seq"))
    voided = {e.voids_id for e in rows if e.voids_id is not None}
    for e in rows:
        if e.kind != K.CORRECTION and e.pk not in voided:
            events[e.person_id].append(e)
    candidacies = defaultdict(list)
    for c in Candidacy.objects.filter(person_id__in=ids).values(
        "person_id", "attempt", "opened_on", "closed_on", "stage"
    ):
        candidacies[c.pop("person_id")].append(c)
    out = {}
    for person in people:
        facts = _facts(person, events[person.pk], candidacies[person.pk])
        out[person.pk] = Known(
            standing=facts.standing,
            existing=tuple((e.kind, e.date) for e in events[person.pk]),
            open_candidacy=facts.open_candidacy,
            snapshot=snapshot(person),
        )
    return out


def check_lifecycle(
    values: Mapping[str, Any],
    *,
    cell_id: int | None,
    today: date,
    known: Known | None = None,
) -> LifecycleCheck:
    """Check a row's lifecycle columns.

    - ``values``: the row as read (``member_status``, ``party_admitted_on``,
      ``party_official_on``, ``party_card_number`` and the lifecycle keys of :data:`KEYS`).
    - ``cell_id``: the row's cell (``None`` when it could not be found: its own problem).
    - ``known``: what ptdv holds of the person (:func:`lookup`; ``None`` for a new person). A row
      that repeats the person's recorded events writes nothing; a row that says something else
      fails (recorded events are corrected on the person page); a person whose candidacy is
      open gets no event from the file, nor a leaving event if they are not a member of a cell
      of the installation, nor an arrival if they are one.
    """
    out = LifecycleCheck()
    out.problems.extend(_pairing_problems(values))
    if out.problems:
        return out
    arrived, left, how = values.get("arrived_on"), values.get("left_on"), values.get("left_how")
    planned_kinds: list[tuple[str, date]] = []
    if arrived is not None:
        planned_kinds.append((K.TRANSFER_IN.value, arrived))
    if left is not None:
        planned_kinds.append((MemberEventKind(how).value, left))
    refused = _against_record(planned_kinds, arrived=arrived, left=left, known=known)
    if refused is not None:
        out.problems.extend(refused)
        return out

    status = values.get("member_status") or MemberStatus.PROBATIONARY
    admitted, official = values.get("party_admitted_on"), values.get("party_official_on")
    card = values.get("party_card_number") or ""
    member_fields = {
        "member_status": status,
        "party_admitted_on": _iso(admitted),
        "party_official_on": _iso(official),
        "party_left_on": None,
        "party_card_number": card,
        "cell_id": cell_id,
    }
    facts = MemberFacts(
        standing=Standing.MEMBER, admitted_on=admitted, official_on=official, cell_id=cell_id
    )
    if arrived is not None:
        facts = _plan_arrival(out, values, cell_id=cell_id, today=today, known=known)
    if left is not None:
        _plan_leaving(out, values, facts, member_fields, cell_id=cell_id, today=today)
    if out.problems:
        out.events, out.fields = [], {}
    return out


def _pairing_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The lifecycle columns that need another one: a date with its form, details with a date."""
    problems: list[tuple[str, str]] = []
    arrived, left, how = values.get("arrived_on"), values.get("left_on"), values.get("left_how")
    if arrived is None:
        for key in ("arrived_from", "arrived_number"):
            if values.get(key):
                problems.append((key, "Ghi “Ngày chuyển đến” cùng với cột này."))
    if left is not None and not how:
        problems.append(
            ("left_how", "Ghi hình thức: chuyển đi, xin ra, xóa tên, khai trừ hoặc từ trần.")
        )
    if how and left is None:
        problems.append(("left_on", f"Ghi ngày của biến động “{_label(how)}”."))
    if left is None:
        for key in ("left_number", "left_issued_by", "left_reason", "left_to"):
            if values.get(key):
                problems.append((key, "Ghi “Ngày ra khỏi Đảng” và “Hình thức” cùng với cột này."))
    return problems


def _against_record(
    planned_kinds: list[tuple[str, date]],
    *,
    arrived: date | None,
    left: date | None,
    known: Known | None,
) -> list[tuple[str, str]] | None:
    """What the file says against what ptdv holds: the problems that end the row's check (an
    empty list when the row has nothing to write), or ``None`` when its events may be planned."""
    existing = [(MemberEventKind(k).value, d) for k, d in (known.existing if known else ())]
    problems: list[tuple[str, str]] = []
    if existing:
        if planned_kinds and planned_kinds != existing[-len(planned_kinds) :]:
            problems.append(
                (
                    "left_on" if left is not None else "arrived_on",
                    "Người này đã có biến động khác ghi trong ptdv: xem và đính chính trên trang "
                    "của người này.",
                )
            )
        return problems  # what the file says is recorded already
    if not planned_kinds:
        return problems
    if known is not None and known.open_candidacy is not None:
        problems.append(
            (
                "left_on" if left is not None else "arrived_on",
                f"Người này đang có hồ sơ phát triển đảng viên lần {known.open_candidacy} chưa "
                "kết thúc: chuyển sinh hoạt, ra khỏi Đảng, từ trần ghi bằng các bước của hồ sơ.",
            )
        )
        return problems
    if known is not None and arrived is not None and known.standing is not Standing.NOT_MEMBER:
        problems.append(
            (
                "arrived_on",
                "Người này đã là đảng viên trong ptdv: không ghi ngày chuyển đến từ tệp.",
            )
        )
        return problems
    if known is not None and arrived is None and known.standing is not Standing.MEMBER:
        problems.append(
            ("left_how", "Người này không phải là đảng viên của một chi bộ trong ptdv.")
        )
        return problems
    return None


def _plan_arrival(
    out: LifecycleCheck,
    values: Mapping[str, Any],
    *,
    cell_id: int | None,
    today: date,
    known: Known | None,
) -> MemberFacts:
    """Plan the transfer in of a member from outside (its problems into ``out``); the member's
    facts after it."""
    arrived = values["arrived_on"]
    admitted, official = values.get("party_admitted_on"), values.get("party_official_on")
    card = values.get("party_card_number") or ""
    request = MemberEventRequest(
        kind=K.TRANSFER_IN,
        date=arrived,
        number=values.get("arrived_number") or "",
        outside=values.get("arrived_from") or "",
        to_cell_id=cell_id,
        admitted_on=admitted,
        official_on=official,
    )
    facts_in = MemberFacts(standing=Standing.NOT_MEMBER, cell_id=cell_id)
    for finding in check_event(facts_in, request, today=today):
        out.problems.append((_column(finding, _ARRIVAL_COLUMNS, "arrived_on"), _message(finding)))
    if cell_id is not None:
        out.events.append(
            PlannedEvent(
                kind=K.TRANSFER_IN,
                date=arrived,
                cell_id=cell_id,
                number=request.number,
                outside=request.outside,
                data={
                    k: _iso(v)
                    for k, v in (
                        ("admitted_on", admitted),
                        ("official_on", official),
                        ("card_number", card),
                    )
                    if v
                },
                before=dict(known.snapshot)
                if known is not None
                else {
                    "member_status": MemberStatus.NONE.value,
                    "party_admitted_on": None,
                    "party_official_on": None,
                    "party_left_on": None,
                    "party_card_number": "",
                    "cell_id": cell_id,
                },
            )
        )
    return MemberFacts(
        standing=Standing.MEMBER,
        admitted_on=admitted,
        official_on=official,
        cell_id=cell_id,
        last_date=arrived,
    )


def _plan_leaving(
    out: LifecycleCheck,
    values: Mapping[str, Any],
    facts: MemberFacts,
    member_fields: dict[str, Any],
    *,
    cell_id: int | None,
    today: date,
) -> None:
    """Plan the event by which the member left (its problems into ``out``) and the person's
    membership fields after it."""
    left, how = values.get("left_on"), values.get("left_how")
    kind = MemberEventKind(how)
    request = MemberEventRequest(
        kind=kind,
        date=left,
        number=values.get("left_number") or "",
        reason=values.get("left_reason") or "",
        outside=values.get("left_to") or "",
    )
    for finding in check_event(facts, request, today=today):
        out.problems.append((_column(finding, _LEAVING_COLUMNS, "left_on"), _message(finding)))
    if cell_id is not None:
        out.events.append(
            PlannedEvent(
                kind=kind,
                date=left,
                cell_id=cell_id,
                number=request.number,
                issued_by=values.get("left_issued_by") or "",
                reason=request.reason,
                outside=request.outside if kind is K.TRANSFER_OUT else "",
                before=dict(member_fields),
            )
        )
    if kind is K.TRANSFER_OUT:
        out.fields = {
            "member_status": MemberStatus.TRANSFERRED_OUT.value,
            "party_left_on": None,
        }
    elif kind in LEAVING_KINDS:
        out.fields = {"member_status": MemberStatus.LEFT.value, "party_left_on": left}


def _label(how: str) -> str:
    try:
        return KIND_LABELS[MemberEventKind(how)]
    except ValueError:
        return how


def write_events(
    planned: Iterable[tuple[Any, list[PlannedEvent]]], *, actor=None, run_id: int | None = None
) -> int:
    """Write the planned events of many people (``(person, events)``, people already saved with
    their fields after the events) and rewrite their spells; returns the events written.

    Runs inside the caller's transaction: three queries and the spells' whatever the number of
    people (the events are numbered after each person's last one, read in one query).
    """
    from django.db.models import Max

    from . import spells
    from .models import MemberEvent

    pairs = [(person, events) for person, events in planned if events]
    if not pairs:
        return 0
    ids = [person.pk for person, _events in pairs]
    last = dict(
        MemberEvent._base_manager.filter(person_id__in=ids)
        .values_list("person_id")
        .annotate(n=Max("seq"))
        .order_by()
    )
    rows = []
    for person, events in pairs:
        seq = last.get(person.pk, 0)
        for event in events:
            seq += 1
            data = dict(event.data)
            if run_id is not None:
                data["import_run"] = run_id
            rows.append(
                MemberEvent(
                    person_id=person.pk,
                    seq=seq,
                    kind=event.kind.value,
                    date=event.date,
                    number=event.number,
                    issued_by=event.issued_by,
                    reason=event.reason,
                    cell_id=event.cell_id,
                    outside=event.outside,
                    data=data,
                    before=event.before,
                    actor=actor,
                )
            )
    MemberEvent.objects.bulk_create(rows, batch_size=2000)
    spells.rebuild(ids)
    return len(rows)
