"""Writing member events: every transfer, exit or death of a member goes through these functions.

- Each write is one transaction: the event, the person's membership fields and their spells
  change together or not at all (the spells through the person's save, ``signals.py``).
- Race safety: the person's row is locked (``select_for_update``; the pipeline's services lock
  the same row, so a candidacy's step and a member event on one person wait for each other),
  the event's number is the next of the person's (``(person, seq)`` is unique), and a writer
  may name the last number they saw (``expected_seq``): two people recording at once produce
  one event; the other is told the record changed (SQLite ignores the lock; the unique number
  still holds).
- Checked by the pure rules (:func:`ptdv.rules.membership.check_event`); a refusal carries the
  rules' Vietnamese messages and citations.
- Scope: with an ``actor``, the person and every cell the event touches must be in the actor's
  subtree, and the actor must be a writer.
- The person's cached fields follow the events: a transfer inside moves the cell; a transfer
  out makes the status "transferred out"; leaving the Party, expulsion and death make it "left"
  with ``party_left_on``; a transfer in makes the person a member of the receiving cell with the
  dates of their party papers. Each event keeps the fields as they were before it (``before``),
  which a correction of that event (the last effective one only) restores.

People whose membership is being decided by an open candidacy are refused here: the candidacy's
own steps (transfer, not recognised, moved away, deceased) record it. Once the candidacy is over
(the party card, or an exit after the ceremony) its member goes on here; the pipeline's
``_sync_person`` asks :func:`candidacy_synced` (through ``pipeline.signals.person_following``,
connected in ``signals.py``) so that a candidacy cannot be reopened under
member events recorded after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from ptdv.org.models import CELL_KINDS, Organisation
from ptdv.people.models import MEMBER_STATUSES, MemberStatus, Person
from ptdv.pipeline.models import Candidacy
from ptdv.rules.findings import Finding
from ptdv.rules.membership import (
    KIND_LABELS,
    LEAVING_KINDS,
    MemberEventKind,
    MemberEventRequest,
    MemberFacts,
    Standing,
    check_correction,
    check_event,
)
from ptdv.rules.stages import Stage

from .models import MemberEvent

K = MemberEventKind

#: The person's fields an event may change (kept in ``MemberEvent.before``).
SNAPSHOT_FIELDS = ("member_status", "party_admitted_on", "party_official_on", "party_left_on",
                   "party_card_number", "cell_id")  # fmt: skip
_DATE_FIELDS = ("party_admitted_on", "party_official_on", "party_left_on")


class Refused(Exception):
    """Nothing was recorded. ``messages`` are Vietnamese, ready to show; ``findings`` carry the
    rules' citations."""

    def __init__(self, messages: list[str], findings: list[Finding] | None = None):
        super().__init__(" ".join(messages))
        self.messages = list(messages)
        self.findings = list(findings or [])


class ConcurrentChange(Refused):
    def __init__(self):
        super().__init__(
            [
                "Hồ sơ đảng viên vừa được người khác cập nhật. Vui lòng tải lại trang và kiểm tra "
                "trước khi ghi."
            ]
        )


# --- reading ----------------------------------------------------------------------------------


@dataclass
class MemberRecord:
    """A person's member events and what the rules read of them."""

    #: Every event (corrections and voided ones included), in order.
    events: list[MemberEvent]
    #: The ids of the events voided by a correction.
    voided: set[int]
    facts: MemberFacts
    #: The number of the last event (0: none); a writer names it as ``expected_seq``.
    last_seq: int

    @property
    def effective(self) -> list[MemberEvent]:
        return [e for e in self.events if e.kind != K.CORRECTION and e.pk not in self.voided]

    @property
    def last_effective(self) -> MemberEvent | None:
        effective = self.effective
        return effective[-1] if effective else None


def member_record(person: Person, *, events=None) -> MemberRecord:
    """Read ``person``'s member events and candidacies (two queries). ``events``: the queryset
    of the person's events to read (a page passes them through the user's scope)."""
    if events is None:
        events = MemberEvent.objects.filter(person=person)
    events = list(events.select_related("cell", "to_cell", "actor").order_by("seq"))
    voided = {e.voids_id for e in events if e.voids_id is not None}
    candidacies = list(
        Candidacy.objects.filter(person=person).values("attempt", "opened_on", "closed_on", "stage")
    )
    effective = [e for e in events if e.kind != K.CORRECTION and e.pk not in voided]
    return MemberRecord(
        events=events,
        voided=voided,
        facts=_facts(person, effective, candidacies),
        last_seq=events[-1].seq if events else 0,
    )


def _facts(person: Person, effective: list[MemberEvent], candidacies: list[dict]) -> MemberFacts:
    last = effective[-1] if effective else None
    status = person.member_status
    stages = {c["stage"] for c in candidacies}
    ended_by = ""
    if status == MemberStatus.NONE:
        standing = Standing.NOT_MEMBER
    elif status == MemberStatus.TRANSFERRED_OUT:
        standing = Standing.TRANSFERRED_OUT
    elif status in MEMBER_STATUSES and person.party_left_on is None:
        standing = Standing.MEMBER
    else:
        # Left: by a member event, by the candidacy's steps (not recognised; a probationary
        # member who died keeps the status with the day of death), or before the installation.
        if last is not None and last.kind in LEAVING_KINDS:
            ended_by = last.kind
        elif Stage.DECEASED in stages and status in MEMBER_STATUSES:
            ended_by = K.DECEASED.value
        elif Stage.NOT_RECOGNISED in stages:
            ended_by = "not_recognised"
        else:
            ended_by = "left"
        standing = {
            K.EXPELLED.value: Standing.EXPELLED,
            K.DECEASED.value: Standing.DECEASED,
        }.get(ended_by, Standing.LEFT)
    dates = [c["closed_on"] for c in candidacies if c["closed_on"] is not None]
    if last is not None:
        dates.append(last.date)
    if person.party_left_on is not None:
        dates.append(person.party_left_on)
    return MemberFacts(
        standing=standing,
        admitted_on=person.party_admitted_on,
        official_on=person.party_official_on,
        cell_id=person.cell_id,
        last_date=max(dates) if dates else None,
        ended_by=ended_by,
        open_candidacy=next((c["attempt"] for c in candidacies if c["closed_on"] is None), None),
    )


# --- writing ----------------------------------------------------------------------------------


def record_event(
    person: Person | int,
    kind: MemberEventKind | str,
    on: date,
    *,
    actor=None,
    expected_seq: int | None = None,
    number: str = "",
    issued_by: str = "",
    reason: str = "",
    to_cell: Organisation | None = None,
    outside: str = "",
    admitted_on: date | None = None,
    official_on: date | None = None,
    card_number: str = "",
    today: date | None = None,
) -> MemberEvent:
    """Record one member event; ``Refused`` (nothing written) when the rules say no.

    ``to_cell``: the receiving cell of a transfer inside the installation or of a transfer in.
    ``outside``: the organisation outside the installation of a transfer in or out.
    ``admitted_on``, ``official_on``, ``card_number``: a transfer in's party papers (the dates on
    record are kept where none is given).
    """
    kind = MemberEventKind(kind)
    if kind is K.CORRECTION:
        raise ValueError("use correct_event()")
    today = today or timezone.localdate()
    number, issued_by, reason = number.strip(), issued_by.strip(), reason.strip()
    outside, card_number = outside.strip(), card_number.strip()
    pk = person.pk if isinstance(person, Person) else person
    with transaction.atomic():
        locked = _lock(pk)
        _check_to_cell(to_cell, on)
        if actor is not None:
            _check_actor(actor, locked, [to_cell] if to_cell is not None else [], _OUTSIDE_TARGET)
        record = member_record(locked)
        if expected_seq is not None and record.last_seq != expected_seq:
            raise ConcurrentChange
        request = MemberEventRequest(
            kind=kind,
            date=on,
            number=number,
            reason=reason,
            to_cell_id=to_cell.pk if to_cell is not None else None,
            outside=outside,
            admitted_on=admitted_on,
            official_on=official_on,
        )
        findings = check_event(record.facts, request, today=today)
        if findings:
            raise Refused([f.message for f in findings], findings)
        data: dict[str, Any] = {}
        if kind is K.TRANSFER_IN:
            data = _transfer_in_data(admitted_on, official_on, card_number)
        event = _append(
            locked,
            record.last_seq,
            kind=kind,
            on=on,
            cell=to_cell if kind is K.TRANSFER_IN else locked.cell,
            to_cell=to_cell if kind is K.TRANSFER else None,
            outside=outside if kind in (K.TRANSFER_IN, K.TRANSFER_OUT) else "",
            number=number,
            issued_by=issued_by,
            reason=reason,
            data=data,
            actor=actor,
        )
        apply_event(locked, event)
        locked.save()
    return event


def _check_to_cell(to_cell: Organisation | None, on: date) -> None:
    """A receiving cell must be a cell, not dissolved on ``on``: ``Refused`` otherwise."""
    if to_cell is not None and to_cell.kind not in CELL_KINDS:
        raise Refused([f"“{to_cell}” không phải là chi bộ."])
    if to_cell is not None and to_cell.dissolved_on is not None and to_cell.dissolved_on <= on:
        raise Refused(
            [f"“{to_cell}” đã giải thể ngày {to_cell.dissolved_on:%d/%m/%Y}: chọn chi bộ khác."]
        )


def _transfer_in_data(
    admitted_on: date | None, official_on: date | None, card_number: str
) -> dict[str, Any]:
    """A transfer in's party papers as stored in the event's ``data`` (the ones given)."""
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in (
            ("admitted_on", admitted_on),
            ("official_on", official_on),
            ("card_number", card_number),
        )
        if value
    }


def correct_event(
    event: MemberEvent,
    reason: str,
    *,
    actor=None,
    expected_seq: int | None = None,
) -> MemberEvent:
    """Void ``event`` (the person's last effective one) with a correction carrying ``reason``;
    the person's fields go back to what they were before it."""
    reason = reason.strip()
    with transaction.atomic():
        locked = (
            Person.objects.select_for_update(of=("self",))
            .select_related("cell")
            .get(pk=event.person_id)
        )
        record = member_record(locked)
        if expected_seq is not None and record.last_seq != expected_seq:
            raise ConcurrentChange
        target = next((e for e in record.events if e.pk == event.pk), None)
        if target is None:
            raise Refused(["Không tìm thấy biến động cần đính chính."])
        if actor is not None:
            cells = [target.cell, target.to_cell, _cell_before(target)]
            _check_actor(actor, locked, [c for c in cells if c is not None], _OUTSIDE_CORRECTION)
        last = record.last_effective
        later = (
            Candidacy.objects.filter(person=locked, opened_on__gte=target.date)
            .order_by("-attempt")
            .values_list("attempt", flat=True)
            .first()
        )
        findings = check_correction(
            is_last=last is not None and last.pk == target.pk,
            already_voided=target.kind == K.CORRECTION or target.pk in record.voided,
            later_candidacy=later,
            reason=reason,
        )
        if findings:
            raise Refused([f.message for f in findings], findings)
        correction = _append(
            locked,
            record.last_seq,
            kind=K.CORRECTION,
            on=target.date,
            cell=locked.cell,
            reason=reason,
            voids=target,
            actor=actor,
        )
        restore(locked, target.before)
        locked.save()
    return correction


def candidacy_synced(candidacy: Candidacy, state, person: Person) -> None:
    """Called by the pipeline's ``_sync_person`` before it rewrites the person from a candidacy:
    an open candidacy may not follow member events it would overwrite.

    - A candidacy reopened (by a correction) or still open while member events were recorded on
      or after the day it opened: refused, the events must be voided first.
    - A candidacy opened for a member who transferred out of the installation: refused, their
      return is a transfer in.
    """
    from ptdv.pipeline.services import StepRefused

    if state.is_closed:
        return
    if person.member_status == MemberStatus.TRANSFERRED_OUT:
        raise StepRefused(
            [
                f"{person} là đảng viên đã chuyển sinh hoạt đảng đi: không mở hồ sơ phát triển "
                f"đảng viên. Khi đảng viên trở lại, ghi “{KIND_LABELS[K.TRANSFER_IN]}” trên "
                f"trang của người này."
            ]
        )
    later = (
        MemberEvent.objects.filter(person_id=person.pk, date__gte=candidacy.opened_on)
        .effective()
        .order_by("seq")
        .first()
    )
    if later is not None:
        raise StepRefused(
            [
                f"{person} đã có biến động đảng viên “{KIND_LABELS[later.kind_enum]}” ngày "
                f"{later.date:%d/%m/%Y}, sau khi hồ sơ lần {candidacy.attempt} mở: hãy đính "
                f"chính biến động đó trên trang của người này trước."
            ]
        )


# --- internals ----------------------------------------------------------------------------------


def _lock(pk: int) -> Person:
    """The person's row, locked until the end of the transaction. No join: PostgreSQL rechecks a
    locked row's join after the other writer commits, and a row whose cell changed would no
    longer match the joined cell."""
    return Person.objects.select_for_update().get(pk=pk)


def snapshot(person: Person) -> dict[str, Any]:
    """The person's fields an event may change, as JSON."""
    out = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(person, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def restore(person: Person, before: dict[str, Any]) -> None:
    for name in SNAPSHOT_FIELDS:
        if name not in before:
            continue
        value = before[name]
        if name in _DATE_FIELDS and value:
            value = date.fromisoformat(value)
        setattr(person, name, value)
    if "cell_id" in before:
        person.cell = Organisation.objects.get(pk=before["cell_id"])


def apply_event(person: Person, event: MemberEvent) -> None:
    """The person's cached membership after ``event`` (no save)."""
    kind = event.kind_enum
    if kind is K.TRANSFER_IN:
        data = event.data or {}
        for field, key in (
            ("party_admitted_on", "admitted_on"),
            ("party_official_on", "official_on"),
        ):
            if data.get(key):
                setattr(person, field, date.fromisoformat(data[key]))
        if data.get("card_number"):
            person.party_card_number = data["card_number"]
        person.party_left_on = None
        person.cell = event.cell
        person.member_status = (
            MemberStatus.OFFICIAL
            if person.party_official_on is not None
            else MemberStatus.PROBATIONARY
        )
    elif kind is K.TRANSFER:
        person.cell = event.to_cell
    elif kind is K.TRANSFER_OUT:
        person.member_status = MemberStatus.TRANSFERRED_OUT
    elif kind in LEAVING_KINDS:
        person.member_status = MemberStatus.LEFT
        person.party_left_on = event.date


def _cell_before(event: MemberEvent) -> Organisation | None:
    cell_id = (event.before or {}).get("cell_id")
    if cell_id is None or cell_id == event.cell_id:
        return None
    return Organisation.objects.filter(pk=cell_id).first()


_OUTSIDE_TARGET = (
    "Chi bộ chuyển đến nằm ngoài phạm vi của bạn: việc chuyển sinh hoạt đảng giữa hai đơn vị do "
    "cấp ủy cấp trên chung của hai đơn vị ghi (hoặc ghi “chuyển sinh hoạt đảng đi” khi nơi đến "
    "không dùng hệ thống này)."
)
_OUTSIDE_CORRECTION = (
    "Biến động này liên quan đến một chi bộ ngoài phạm vi của bạn: việc đính chính do cấp ủy cấp "
    "trên chung của các chi bộ đó ghi."
)


def _check_actor(actor, person: Person, cells: list[Organisation], message: str) -> None:
    """The actor writes, sees the person and every cell the event touches."""
    if not getattr(actor, "can_write", False):
        raise PermissionDenied
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise Refused(["Người này nằm ngoài phạm vi của bạn."])
    visible = set(
        Organisation.objects.visible_to(actor)
        .filter(pk__in=[c.pk for c in cells])
        .values_list("pk", flat=True)
    )
    outside = [c for c in cells if c.pk not in visible]
    if outside:
        raise Refused([message])


def _append(
    person: Person,
    last_seq: int,
    *,
    kind: MemberEventKind,
    on: date,
    cell: Organisation,
    to_cell: Organisation | None = None,
    outside: str = "",
    number: str = "",
    issued_by: str = "",
    reason: str = "",
    data: dict | None = None,
    voids: MemberEvent | None = None,
    actor=None,
) -> MemberEvent:
    try:
        with transaction.atomic():
            return MemberEvent.objects.create(
                person=person,
                seq=last_seq + 1,
                kind=kind,
                date=on,
                number=number,
                issued_by=issued_by,
                reason=reason,
                cell=cell,
                to_cell=to_cell,
                outside=outside,
                data=data or {},
                before=snapshot(person),
                voids=voids,
                actor=actor,
            )
    except IntegrityError as exc:
        raise ConcurrentChange from exc
