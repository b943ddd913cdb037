"""Writing to the pipeline: every change of a candidacy goes through these functions.

- Each write is one transaction: the event, the candidacy's cached state and the person's
  membership change together or not at all.
- Race safety: the candidacy row is locked (``select_for_update``) and its ``version`` is
  checked and bumped with a conditional ``UPDATE``; ``(candidacy, seq)`` is unique. Two people
  recording the same step at once therefore produce one event; the other gets
  :class:`ConcurrentChange` (SQLite ignores ``select_for_update``, the version check still holds).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from ptdv.org.models import CELL_KINDS, Organisation
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.checks import evaluate, votes_required
from ptdv.rules.findings import Finding
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import (
    EXITS,
    MEMBER_STAGES,
    PROGRESS,
    STEP_LABELS,
    VOTE_STEPS,
    CandidacyState,
    EventFact,
    Stage,
    Step,
    TransitionError,
    derive,
    next_stage,
    route_error,
)

from .evaluation import build_facts, evaluate_candidacy, event_facts, working_calendar
from .models import Candidacy, Event, MentorAssignment, MentorReport, ReportPeriod


class StepRefused(Exception):
    """The step was not recorded. ``messages`` are Vietnamese, ready to show."""

    def __init__(self, messages: list[str], findings: list[Finding] | None = None):
        super().__init__(" ".join(messages))
        self.messages = messages
        self.findings = findings or []


class ConcurrentChange(StepRefused):
    def __init__(self):
        super().__init__(
            [
                "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang và kiểm tra trước khi ghi."
            ]
        )


VOTE_FIELDS = ("official_members", "present", "in_favour", "against")


def open_candidacy(
    person: Person,
    on: date,
    *,
    actor=None,
    cell: Organisation | None = None,
    note: str = "",
) -> Candidacy:
    """Open a new attempt for ``person`` with its first event, ``source``."""
    if person.is_member:
        # A member's record would be rewritten by the new attempt's replay.
        raise StepRefused([f"{person} đang là đảng viên: không mở hồ sơ phát triển đảng viên."])
    cell = cell or person.cell
    if cell.kind not in CELL_KINDS:
        raise StepRefused([f"“{cell}” không phải là chi bộ."])
    with transaction.atomic():
        locked = Person.all_records.select_for_update().filter(pk=person.pk).first()
        if locked is not None and locked.anonymised_at is not None:
            # Anonymised meanwhile (retention, a deletion request): nothing left to work on.
            raise StepRefused(["Hồ sơ của người này đã được ẩn danh: không mở hồ sơ mới được."])
        previous = Candidacy.objects.filter(person=person).order_by("-attempt").first()
        if previous is not None and previous.closed_on is None:
            raise StepRefused([f"{person} đang có hồ sơ chưa kết thúc (lần {previous.attempt})."])
        candidacy = Candidacy.objects.create(
            person=person,
            attempt=(previous.attempt + 1) if previous else 1,
            cell=cell,
            stage=Stage.SOURCE,
            stage_since=on,
            opened_on=on,
            version=1,
        )
        Event.objects.create(
            candidacy=candidacy,
            seq=1,
            step=Step.SOURCE,
            date=on,
            cell=cell,
            actor=actor,
            data={"note": note} if note else {},
        )
        _refresh(candidacy)
    return candidacy


def record_step(
    candidacy: Candidacy | int,
    step: Step,
    on: date,
    *,
    actor=None,
    expected_version: int | None = None,
    number: str = "",
    votes: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    enforce_rules: bool = True,
) -> Event:
    """Record one step. Refuses (``StepRefused``) a step out of order or one the rules block."""
    step = _checked_step(step, reason)
    pk = candidacy.pk if isinstance(candidacy, Candidacy) else candidacy
    data = dict(data or {})
    with transaction.atomic():
        locked = Candidacy.objects.select_for_update(of=("self",)).select_related("cell").get(pk=pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentChange
        passed = _check(locked, step, on, votes, data, enforce_rules)
        cell = locked.cell
        event = _append(
            locked,
            step=step,
            on=on,
            cell=cell,
            actor=actor,
            number=number,
            votes=votes,
            passed=passed,
            data=data,
            reason=reason,
        )
    return event


def check_step(
    candidacy: Candidacy | int,
    step: Step,
    on: date,
    *,
    votes: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    enforce_rules: bool = True,
) -> bool | None:
    """Every check of :func:`record_step`, nothing written (the forms' "Kiểm tra").

    Returns whether a vote passed (``None`` for other steps); raises ``StepRefused`` with the
    same messages and findings as :func:`record_step` would.
    """
    step = _checked_step(step, reason)
    pk = candidacy.pk if isinstance(candidacy, Candidacy) else candidacy
    locked = Candidacy.objects.select_related("cell").get(pk=pk)
    return _check(locked, step, on, votes, dict(data or {}), enforce_rules)


def _checked_step(step: Step | str, reason: str) -> Step:
    step = Step(step)
    if step is Step.CORRECTION:
        raise ValueError("use correct_event()")
    if step in EXITS and not reason.strip():
        # An exit is a decision about a person: its reason stays in the record.
        raise StepRefused([f"Cần ghi lý do cho bước “{STEP_LABELS[step]}”."])
    return step


def _check(
    locked: Candidacy,
    step: Step,
    on: date,
    votes: dict[str, int] | None,
    data: dict[str, Any],
    enforce_rules: bool,
) -> bool | None:
    """The state machine, dates, route and rules' blockers for ``step``; fills ``data``."""
    state = candidacy_state(locked)
    passed = None
    if step in VOTE_STEPS:
        passed = _vote_passed(votes, on)
    try:
        new_stage = next_stage(state.stage, step, passed=passed)
    except TransitionError as exc:
        raise StepRefused([str(exc)]) from exc
    if on < state.stage_since and step is not Step.TRANSFER:
        raise StepRefused(
            [
                f"Ngày của bước ({on:%d/%m/%Y}) trước ngày vào giai đoạn hiện tại "
                f"({state.stage_since:%d/%m/%Y})."
            ]
        )
    cell = locked.cell
    if step is Step.TRANSFER:
        target = _transfer_target(data, locked)
        data["to_cell"] = target.pk
        data.setdefault("from_cell", cell.pk)
    if enforce_rules and step in PROGRESS:
        # No level of the tree is skipped between the cell's resolution and the decision.
        problem = route_error(
            state.stage,
            step,
            cell_is_grassroots=cell.is_grassroots,
            has_partial_committee=cell.has_partial_committee(),
        )
        if problem:
            raise StepRefused([problem])
    if enforce_rules and step in PROGRESS and new_stage != state.stage:
        blockers = _blockers_for(locked, step, on, data)
        if blockers:
            raise StepRefused([f.message for f in blockers], blockers)
    return passed


def record_imported_steps(candidacy: Candidacy, steps, *, actor=None) -> None:
    """Append steps read from an import file to a candidacy already in ptdv.

    ``steps`` have ``step``, ``on``, ``number``, ``votes``, ``passed`` and ``data``, in order;
    the import has checked them as a whole against the recorded history (order, route, rules on
    the cell's resolution day), which the rules here cannot do for a dossier kept on paper.
    """
    with transaction.atomic():
        locked = (
            Candidacy.objects.select_for_update(of=("self",))
            .select_related("cell")
            .get(pk=candidacy.pk)
        )
        for s in steps:
            _append(
                locked,
                step=Step(s.step),
                on=s.on,
                cell=locked.cell,
                actor=actor,
                number=s.number,
                votes=s.votes,
                passed=s.passed,
                data=s.data,
            )


def correct_event(
    event: Event, reason: str, *, actor=None, on: date | None = None, expected_version=None
) -> Event:
    """Void ``event`` with a correction event carrying ``reason``; the stage is replayed."""
    if not reason.strip():
        raise StepRefused(["Cần ghi lý do đính chính."])
    with transaction.atomic():
        locked = (
            Candidacy.objects.select_for_update(of=("self",))
            .select_related("cell")
            .get(pk=event.candidacy_id)
        )
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentChange
        if event.step == Step.SOURCE:
            raise StepRefused(
                ["Không đính chính bước “Xác định nguồn”; hãy ghi bước rút khỏi danh sách."]
            )
        if event.step == Step.CORRECTION or Event.objects.filter(voids=event).exists():
            raise StepRefused(["Bước này đã được đính chính hoặc là một bước đính chính."])
        facts = _event_facts(locked)
        refused = (
            "Không thể đính chính bước này khi các bước sau nó vẫn còn hiệu lực: "
            "hãy đính chính các bước sau trước."
        )
        # Only the last effective step is voided: a later step that moved the case on (not a
        # transfer, another paper or a failed vote) must be voided first, even when the events
        # left would still form a valid sequence (e.g. a decision without the grassroots
        # resolution before it).
        effective = derive(facts).events
        position = next((i for i, e in enumerate(effective) if e.id == event.pk), len(effective))
        later = [
            STEP_LABELS[e.step]
            for e in effective[position + 1 :]
            if e.step not in (Step.TRANSFER, Step.DOSSIER_PAPER) and e.passed is not False
        ]
        if later:
            raise StepRefused([refused, "Các bước sau: " + "; ".join(later) + "."])
        try:
            state = derive([*facts, _correction_fact(event)])
        except TransitionError as exc:
            raise StepRefused([refused, str(exc)]) from exc
        if locked.closed_on is not None and not state.is_closed:
            reopened = Candidacy.objects.filter(person_id=locked.person_id, closed_on__isnull=True)
            other = reopened.exclude(pk=locked.pk).first()
            if other is not None:
                raise StepRefused(
                    [
                        f"Không thể mở lại hồ sơ lần {locked.attempt}: người này đang có hồ sơ "
                        f"lần {other.attempt} chưa kết thúc."
                    ]
                )
        return _append(
            locked,
            step=Step.CORRECTION,
            on=on or event.date,
            cell=locked.cell,
            actor=actor,
            voids=event,
            reason=reason,
        )


def assign_mentor(
    candidacy: Candidacy, mentor: Person, start: date, *, reason: str = ""
) -> MentorAssignment:
    """Assign ``mentor``; a current assignment (replacement) ends on ``start``.

    - The mentor must be an official member on ``start`` (Điều lệ Đảng, Điều 4).
    - Two replacements at once: the candidacy row is locked, the second waits and then sees the
      first.
    """
    if not mentor.is_official_member_on(start):
        raise StepRefused(
            [f"{mentor} không phải là đảng viên chính thức vào ngày {start:%d/%m/%Y}."]
        )
    if mentor.pk == candidacy.person_id:
        raise StepRefused(["Người vào Đảng không thể tự giúp đỡ mình."])
    with transaction.atomic():
        locked = Candidacy.objects.select_for_update(of=("self",)).get(pk=candidacy.pk)
        if locked.is_closed:
            raise StepRefused(["Hồ sơ đã kết thúc, không phân công người giúp đỡ."])
        current = MentorAssignment.objects.filter(candidacy=candidacy, end__isnull=True).first()
        if current is not None:
            if current.mentor_id == mentor.pk:
                raise StepRefused([f"{mentor} đang được phân công giúp đỡ người này."])
            if start < current.start:
                raise StepRefused(["Ngày phân công mới phải sau ngày phân công hiện tại."])
            current.end = start
            current.end_reason = reason or "Thay người giúp đỡ"
            current.save()
        return MentorAssignment.objects.create(candidacy=candidacy, mentor=mentor, start=start)


def end_mentor(assignment: MentorAssignment, end: date, reason: str) -> MentorAssignment:
    if end < assignment.start:
        raise StepRefused(["Ngày kết thúc phải sau ngày bắt đầu phân công."])
    assignment.end, assignment.end_reason = end, reason
    assignment.save()
    return assignment


def file_mentor_report(
    assignment: MentorAssignment,
    period: str,
    period_start: date,
    text: str,
    assessment: str,
    *,
    filed_on: date,
    author=None,
) -> MentorReport:
    """File a report for the month, quarter or year containing ``period_start``.

    The period is stored by its first day, so one period has one report whatever day the
    caller names; the period must overlap the assignment.
    """
    if not text.strip():
        raise StepRefused(["Nội dung nhận xét không được để trống."])
    if period not in ReportPeriod.values:
        raise StepRefused(["Kỳ báo cáo phải là tháng, quý hoặc năm."])
    kind = ReportPeriod(period)
    period_start = kind.start_of(period_start)
    if period_start > filed_on:
        raise StepRefused(["Không báo cáo trước cho một kỳ chưa đến."])
    period_end = add_months(period_start, kind.months) - timedelta(days=1)
    if period_end < assignment.start or (assignment.end and period_start > assignment.end):
        raise StepRefused(["Kỳ báo cáo nằm ngoài thời gian phân công giúp đỡ."])
    try:
        with transaction.atomic():
            return MentorReport.objects.create(
                assignment=assignment,
                period=period,
                period_start=period_start,
                text=text,
                assessment=assessment,
                filed_on=filed_on,
                author=author,
            )
    except IntegrityError as exc:
        raise StepRefused(["Đã có báo cáo cho kỳ này."]) from exc


def refresh_candidacy(candidacy: Candidacy) -> None:
    """Recompute the cached state and deadlines (after a change of the working calendar)."""
    with transaction.atomic():
        _refresh(Candidacy.objects.select_for_update().get(pk=candidacy.pk))


# --- internals ---------------------------------------------------------------------------


def _event_facts(candidacy: Candidacy):
    return [event_facts(e) for e in Event.objects.filter(candidacy=candidacy).order_by("seq")]


def _correction_fact(event: Event) -> EventFact:
    return EventFact(id=-1, step=Step.CORRECTION, date=event.date, voids=event.pk)


def candidacy_state(candidacy: Candidacy) -> CandidacyState:
    """The state replayed from the candidacy's effective events."""
    return derive(_event_facts(candidacy))


def _vote_passed(votes: dict[str, int] | None, on: date) -> bool:
    missing = [f for f in VOTE_FIELDS if votes is None or votes.get(f) is None]
    if missing:
        raise StepRefused(
            ["Cần ghi đủ số đảng viên chính thức, có mặt, tán thành và không tán thành."]
        )
    official, present, in_favour, against = (int(votes[f]) for f in VOTE_FIELDS)
    if min(official, present, in_favour, against) < 0:
        raise StepRefused(["Số phiếu không được âm."])
    if present > official:
        raise StepRefused(["Số có mặt không được lớn hơn số đảng viên chính thức của chi bộ."])
    if in_favour + against > present:
        raise StepRefused(["Tổng số tán thành và không tán thành vượt quá số có mặt."])
    # At least two thirds of the cell's official members (Điều lệ Đảng, Điều 4 khoản 3).
    return official > 0 and in_favour >= votes_required(official, rule_set_for(on))


def _transfer_target(data: dict[str, Any], candidacy: Candidacy) -> Organisation:
    target = data.get("to_cell")
    try:
        cell = Organisation.objects.get(pk=getattr(target, "pk", target), kind__in=CELL_KINDS)
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise StepRefused(["Chọn chi bộ chuyển đến."]) from exc
    if cell.pk == candidacy.cell_id:
        raise StepRefused(["Chi bộ chuyển đến trùng với chi bộ hiện tại."])
    return cell


def _blockers_for(
    candidacy: Candidacy, step: Step, on: date, data: dict[str, Any]
) -> list[Finding]:
    facts = build_facts(candidacy)
    if step is Step.CEREMONY and data.get("superior_consent"):
        # The superior committee's consent to a late ceremony travels with the ceremony itself.
        facts = replace(facts, ceremony_consent=True)
    if step is Step.RECOGNITION_CELL_RESOLUTION:
        # The state machine also takes the recognition vote from "probationary" (no new-member
        # class recorded): the rules of that vote (end of probation, class, failed votes) apply
        # all the same.
        facts = replace(facts, stage=Stage.NEW_MEMBER_TRAINED)
    evaluation = evaluate(facts, working_calendar(), on)
    if evaluation.next_step is not None and evaluation.next_step != step:
        # The rules speak of the step they expect; another allowed step is checked by the
        # state machine and the route alone.
        return []
    return evaluation.blockers


def _append(
    candidacy: Candidacy,
    *,
    step: Step,
    on: date,
    cell,
    actor,
    number="",
    votes=None,
    passed=None,
    data=None,
    reason="",
    voids: Event | None = None,
) -> Event:
    seq = candidacy.version + 1
    updated = Candidacy.objects.filter(pk=candidacy.pk, version=candidacy.version).update(
        version=F("version") + 1
    )
    if updated != 1:
        raise ConcurrentChange
    try:
        with transaction.atomic():
            event = Event.objects.create(
                candidacy=candidacy,
                seq=seq,
                step=step,
                date=on,
                cell=cell,
                actor=actor,
                number=number,
                passed=passed,
                data=data or {},
                reason=reason,
                voids=voids,
                **{f: (votes or {}).get(f) for f in VOTE_FIELDS},
            )
    except IntegrityError as exc:
        raise ConcurrentChange from exc
    candidacy.version = seq
    _refresh(candidacy)
    return event


def _refresh(candidacy: Candidacy) -> None:
    """Rewrite the candidacy's cache and the person's membership from the events."""
    state = candidacy_state(candidacy)
    cell_id = state.cell_id or _opening_cell(candidacy)
    candidacy.stage = state.stage
    candidacy.stage_since = state.stage_since
    candidacy.cell_id = cell_id
    candidacy.closed_on = state.stage_since if state.is_closed else None
    evaluation = evaluate_candidacy(candidacy, state.stage_since, state=state)
    nearest = evaluation.next_deadline
    candidacy.next_due = nearest.due if nearest else None
    candidacy.next_due_code = nearest.code if nearest else ""
    expiry = evaluation.next_expiry
    candidacy.expiry_due = expiry.due if expiry else None
    candidacy.expiry_code = expiry.code if expiry else ""
    Candidacy.objects.filter(pk=candidacy.pk).update(
        stage=candidacy.stage,
        stage_since=candidacy.stage_since,
        cell_id=cell_id,
        closed_on=candidacy.closed_on,
        next_due=candidacy.next_due,
        next_due_code=candidacy.next_due_code,
        expiry_due=candidacy.expiry_due,
        expiry_code=candidacy.expiry_code,
    )
    _sync_person(candidacy, state)


def _opening_cell(candidacy: Candidacy) -> int:
    first = (
        Event.objects.filter(candidacy=candidacy)
        .order_by("seq")
        .values_list("cell_id", flat=True)
        .first()
    )
    return first or candidacy.cell_id


#: Exits that may follow the ceremony: the person was (and, moving away, still is) a member.
_EXITS_OF_MEMBERS = frozenset({Stage.NOT_RECOGNISED, Stage.MOVED_AWAY, Stage.DECEASED})


def membership_fields(state: CandidacyState) -> dict[str, Any] | None:
    """The person's membership as it follows from a candidacy that reached the ceremony.

    - Probation is 12 months from the ceremony; recognition takes effect at its end even when
      the meeting or the decision comes late (Điều lệ Đảng, Điều 5; QĐ 294-QĐ/TW 2025).
    - A member who moves away (``moved_away`` after the ceremony) stays a member; a deceased
      member's membership ends on the day of death.
    - ``None`` when the candidacy has not (or no longer, after a correction) reached the ceremony.
    """
    ceremony = state.step_dates.get(Step.CEREMONY)
    if ceremony is None or not (state.stage in MEMBER_STAGES or state.stage in _EXITS_OF_MEMBERS):
        return None
    official = state.stage in (Stage.OFFICIAL, Stage.CARD_ISSUED) or (
        state.stage in _EXITS_OF_MEMBERS and Step.RECOGNITION_DECISION in state.step_dates
    )
    fields: dict[str, Any] = {
        "party_admitted_on": ceremony,
        "party_official_on": add_months(ceremony, rule_set_for(ceremony).probation_months)
        if official
        else None,
        "member_status": MemberStatus.OFFICIAL if official else MemberStatus.PROBATIONARY,
        "party_left_on": None,
    }
    if state.stage is Stage.NOT_RECOGNISED:
        fields |= {"member_status": MemberStatus.LEFT, "party_left_on": state.stage_since}
    elif state.stage is Stage.DECEASED:
        fields["party_left_on"] = state.stage_since
    if state.stage is Stage.CARD_ISSUED:
        fields["party_card_number"] = next(
            (
                e.data.get("card_number", "")
                for e in reversed(state.events)
                if e.step is Step.PARTY_CARD
            ),
            "",
        )
    return fields


def _sync_person(candidacy: Candidacy, state: CandidacyState) -> None:
    person = Person.objects.select_for_update().get(pk=candidacy.person_id)
    # Member events (ptdv.members, built on the pipeline) may refuse an open candidacy that
    # would overwrite them; the person's save below rewrites their spells.
    from ptdv.members.services import candidacy_synced

    candidacy_synced(candidacy, state, person)
    changes: dict[str, Any] = {"cell_id": candidacy.cell_id}
    fields = membership_fields(state)
    if fields is not None:
        changes |= fields
    elif person.party_admitted_on is not None and candidacy.opened_on <= person.party_admitted_on:
        # A correction took the candidacy back before the ceremony: the person is no member.
        changes |= {
            "party_admitted_on": None,
            "party_official_on": None,
            "party_left_on": None,
            "member_status": MemberStatus.NONE,
            "party_card_number": "",
        }
    for field, value in changes.items():
        setattr(person, field, value)
    person.save()


def step_label(step: Step) -> str:
    return STEP_LABELS[step]
