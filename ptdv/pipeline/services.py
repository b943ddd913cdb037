"""Writing to the pipeline: every change of a candidacy goes through these functions.

- Each write is one transaction: the event, the candidacy's cached state and the person's
  membership change together or not at all.
- One read of the history per transaction: :class:`~ptdv.pipeline.history.History` loads the
  candidacy (locked, with its cell and person) and its events once; the check, the new event's
  state and the cache all replay that one history in memory.
- Race safety: the candidacy row is locked (``select_for_update``) and its ``version`` is
  checked and bumped with a conditional ``UPDATE`` (which also writes the cache); ``(candidacy,
  seq)`` is unique. Two people recording the same step at once therefore produce one event; the
  other gets :class:`ConcurrentChange` (SQLite ignores ``select_for_update``, the version check
  still holds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ptdv.org.models import CELL_KINDS, Organisation, OrgKind
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.checks import evaluate
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
    Stage,
    Step,
    TransitionError,
    later_steps_in_the_way,
    next_stage,
    route_error,
)
from ptdv.rules.votes import VOTE_FIELDS, vote_errors, vote_passed, votes_required

from . import tallies
from .history import History, apply_cache
from .models import Candidacy, Event, MentorAssignment, MentorReport, ReportPeriod
from .signals import history_written, person_following

if TYPE_CHECKING:
    from ptdv.accounts.models import User


class ImportedStep(Protocol):
    """A step read from an import file (``imports`` plans them), as :func:`record_imported_steps`
    reads it."""

    @property
    def step(self) -> str: ...
    @property
    def on(self) -> date: ...
    @property
    def number(self) -> str: ...
    @property
    def votes(self) -> Mapping[str, int | None] | None: ...
    @property
    def passed(self) -> bool | None: ...
    @property
    def data(self) -> dict[str, Any]: ...


class StepRefused(Exception):
    """The step was not recorded. ``messages`` are Vietnamese, ready to show."""

    def __init__(self, messages: list[str], findings: list[Finding] | None = None):
        super().__init__(" ".join(messages))
        self.messages = messages
        self.findings = findings or []


class ConcurrentChange(StepRefused):
    def __init__(self) -> None:
        super().__init__(
            [
                "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang và kiểm tra trước khi ghi."
            ]
        )


def open_candidacy(
    person: Person,
    on: date,
    *,
    actor: User | None = None,
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
        candidacy = Candidacy(
            person=locked or person,
            attempt=(previous.attempt + 1) if previous else 1,
            cell=cell,
            opened_on=on,
            version=1,
        )
        source = Event(
            seq=1,
            step=Step.SOURCE,
            date=on,
            cell=cell,
            actor=actor,
            data={"note": note} if note else {},
        )
        history = History(candidacy, [source])
        history.__dict__["assignments"] = []  # a new candidacy has no mentor yet
        state = history.state
        fields = history.cache_for(state)
        apply_cache(candidacy, fields)
        candidacy.save()
        source.candidacy = candidacy
        source.save()
        _tally(history, None, fields)
        _sync_person(history, state)
        history_written.send(Candidacy, candidacy=candidacy, history=history, event=source)
    return candidacy


def record_step(
    candidacy: Candidacy | int,
    step: Step,
    on: date,
    *,
    actor: User | None = None,
    expected_version: int | None = None,
    number: str = "",
    votes: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    enforce_rules: bool = True,
    mentor: Person | None = None,
) -> Event:
    """Record one step. Refuses (``StepRefused``) a step out of order or one the rules block.

    ``mentor``: a mentor assigned from the step's date, in the same transaction (the awareness
    class and the ceremony's forms name one).
    """
    step = _checked_step(step, reason)
    data = dict(data or {})
    with transaction.atomic():
        history = History.load(candidacy, lock=True)
        if expected_version is not None and history.candidacy.version != expected_version:
            raise ConcurrentChange
        passed = _check(history, step, on, votes, data, enforce_rules)
        if step is Step.CEREMONY:
            # The new member's standing on the admission day, as the reports count it (youth
            # union member, local resident): their record as it is when the ceremony is written.
            person = history.candidacy.person
            data.setdefault("youth_union_member", person.youth_union_member)
            data.setdefault("local_resident", person.local_resident)
        event = _append(
            history,
            step=step,
            on=on,
            cell=history.candidacy.cell,
            actor=actor,
            number=number,
            votes=votes,
            passed=passed,
            data=data,
            reason=reason,
        )
        if mentor is not None:
            chain = [o.pk for o in history.ancestors(history.candidacy.cell_id)]
            _assign_mentor(history.candidacy, mentor, on, chain=chain)
    return event


@dataclass
class Preview:
    """What recording a step would give, nothing written (the forms' "Kiểm tra theo quy định")."""

    #: Why the step would be refused (the state machine, the route, the figures).
    refusals: list[str] = field(default_factory=list)
    #: The rules' blockers, with their citations.
    blockers: list[Finding] = field(default_factory=list)
    #: The rules' warnings about the step expected next.
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refusals or self.blockers)


def preview_step(
    candidacy: Candidacy | int,
    step: Step,
    on: date,
    *,
    number: str = "",
    votes: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> Preview:
    """Every check of :func:`record_step` and the rules' warnings, nothing written."""
    out = Preview()
    history = History.load(candidacy, lock=False)
    try:
        step = _checked_step(step, reason)
        passed = _check(history, step, on, votes, dict(data or {}), True)
    except StepRefused as exc:
        if exc.findings:
            out.blockers = exc.findings
        else:
            out.refusals += exc.messages
        return out
    if step is Step.TRANSFER:
        return out
    if passed is False:
        need = votes_required(int((votes or {})["official_members"]), rule_set_for(on))
        out.notes.append(
            _(
                "Không đủ hai phần ba (cần ít nhất %(need)s phiếu tán thành): kết quả được ghi "
                "nhưng hồ sơ không chuyển giai đoạn."
            )
            % {"need": need}
        )
    evaluation = history.evaluate(history.state, on)
    if evaluation.next_step == step:
        out.findings = [f for f in evaluation.findings if not f.is_error]
    return out


def _checked_step(step: Step | str, reason: str) -> Step:
    step = Step(step)
    if step is Step.CORRECTION:
        raise ValueError("use correct_event()")
    if step in EXITS and not reason.strip():
        # An exit is a decision about a person: its reason stays in the record.
        raise StepRefused([f"Cần ghi lý do cho bước “{STEP_LABELS[step]}”."])
    return step


def _check(
    history: History,
    step: Step,
    on: date,
    votes: dict[str, int] | None,
    data: dict[str, Any],
    enforce_rules: bool,
) -> bool | None:
    """The state machine, dates, route and rules' blockers for ``step``; fills ``data``."""
    state = history.state
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
    cell = history.candidacy.cell
    if step is Step.TRANSFER:
        target = _transfer_target(data, history.candidacy)
        data["to_cell"] = target.pk
        data.setdefault("from_cell", cell.pk)
    if enforce_rules and step in PROGRESS:
        # No level of the tree is skipped between the cell's resolution and the decision.
        problem = route_error(
            state.stage,
            step,
            cell_is_grassroots=cell.is_grassroots,
            has_partial_committee=any(
                n.kind == OrgKind.PARTIAL_COMMITTEE for n in history.ancestors(cell.pk)
            ),
        )
        if problem:
            raise StepRefused([problem])
    if enforce_rules and step in PROGRESS and new_stage != state.stage:
        blockers = _blockers_for(history, step, on, data)
        if blockers:
            raise StepRefused([f.message for f in blockers], blockers)
    return passed


def record_imported_steps(
    candidacy: Candidacy, steps: Iterable[ImportedStep], *, actor: User | None = None
) -> None:
    """Append steps read from an import file to a candidacy already in ptdv.

    ``steps`` have ``step``, ``on``, ``number``, ``votes``, ``passed`` and ``data``, in order;
    the import has checked them as a whole against the recorded history (order, route, rules on
    the cell's resolution day), which the rules here cannot do for a dossier kept on paper.
    """
    with transaction.atomic():
        history = History.load(candidacy, lock=True)
        for s in steps:
            _append(
                history,
                step=Step(s.step),
                on=s.on,
                cell=history.candidacy.cell,
                actor=actor,
                number=s.number,
                votes=s.votes,
                passed=s.passed,
                data=s.data,
            )


def correct_event(
    event: Event,
    reason: str,
    *,
    actor: User | None = None,
    on: date | None = None,
    expected_version: int | None = None,
) -> Event:
    """Void ``event`` with a correction event carrying ``reason``; the stage is replayed."""
    if not reason.strip():
        raise StepRefused(["Cần ghi lý do đính chính."])
    with transaction.atomic():
        history = History.load(event.candidacy_id, lock=True)
        locked = history.candidacy
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentChange
        if event.step == Step.SOURCE:
            raise StepRefused(
                ["Không đính chính bước “Xác định nguồn”; hãy ghi bước rút khỏi danh sách."]
            )
        if event.step == Step.CORRECTION or any(e.voids_id == event.pk for e in history.events):
            raise StepRefused(["Bước này đã được đính chính hoặc là một bước đính chính."])
        refused = (
            "Không thể đính chính bước này khi các bước sau nó vẫn còn hiệu lực: "
            "hãy đính chính các bước sau trước."
        )
        # Only the last effective step that moved the case on is voided
        # (rules.stages.correctable_ids).
        later = [STEP_LABELS[e.step] for e in later_steps_in_the_way(history.state, event.pk)]
        if later:
            raise StepRefused([refused, "Các bước sau: " + "; ".join(later) + "."])
        correction = Event(step=Step.CORRECTION, date=on or event.date, voids=event)
        try:
            state = history.state_with(correction)
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
            history,
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
    with transaction.atomic():
        locked = _locked(candidacy.pk)
        return _assign_mentor(locked, mentor, start, reason=reason)


def _locked(candidacy_id: int) -> Candidacy:
    """The candidacy, locked, with its cell: the mentoring's writes follow its stage and cell."""
    rows = Candidacy.objects.select_related("cell").select_for_update(of=("self",))
    return rows.get(pk=candidacy_id)


def _assign_mentor(
    locked: Candidacy,
    mentor: Person,
    start: date,
    *,
    reason: str = "",
    chain: list[int] | None = None,
) -> MentorAssignment:
    """:func:`assign_mentor` on a candidacy its caller has locked (``chain``: its cell's
    ancestors-or-self ids, when the caller has them)."""
    if not mentor.is_official_member_on(start):
        raise StepRefused(
            [f"{mentor} không phải là đảng viên chính thức vào ngày {start:%d/%m/%Y}."]
        )
    if mentor.pk == locked.person_id:
        raise StepRefused(["Người vào Đảng không thể tự giúp đỡ mình."])
    if locked.is_closed:
        raise StepRefused(["Hồ sơ đã kết thúc, không phân công người giúp đỡ."])
    current = MentorAssignment.objects.filter(candidacy=locked, end__isnull=True).first()
    if current is not None:
        if current.mentor_id == mentor.pk:
            raise StepRefused([f"{mentor} đang được phân công giúp đỡ người này."])
        if start < current.start:
            raise StepRefused(["Ngày phân công mới phải sau ngày phân công hiện tại."])
        current.end = start
        current.end_reason = reason or "Thay người giúp đỡ"
        current.save()
    made = MentorAssignment.objects.create(candidacy=locked, mentor=mentor, start=start)
    if tallies.is_mentored(locked.stage):
        # The summaries: the replaced assignment no longer counts, the new one does.
        before = tallies.mentor_entries(current.start, _reports_of(current.pk)) if current else ()
        _tally_mentoring(locked, before, tallies.mentor_entries(start, ()), chain)
    return made


def end_mentor(assignment: MentorAssignment, end: date, reason: str) -> MentorAssignment:
    if end < assignment.start:
        raise StepRefused(["Ngày kết thúc phải sau ngày bắt đầu phân công."])
    with transaction.atomic():
        locked = _locked(assignment.candidacy_id)
        was_current = MentorAssignment.objects.filter(pk=assignment.pk, end__isnull=True).exists()
        assignment.end, assignment.end_reason = end, reason
        assignment.save()
        if was_current and tallies.is_mentored(locked.stage):
            before = tallies.mentor_entries(assignment.start, _reports_of(assignment.pk))
            _tally_mentoring(locked, before, (), None)
    return assignment


def file_mentor_report(
    assignment: MentorAssignment,
    period: str,
    period_start: date,
    text: str,
    assessment: str,
    *,
    filed_on: date,
    author: User | None = None,
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
            locked = _locked(assignment.candidacy_id)
            filed = _reports_of(assignment.pk)
            report = MentorReport.objects.create(
                assignment=assignment,
                period=period,
                period_start=period_start,
                text=text,
                assessment=assessment,
                filed_on=filed_on,
                author=author,
            )
            current = MentorAssignment.objects.filter(pk=assignment.pk, end__isnull=True)
            if tallies.is_mentored(locked.stage) and current.exists():
                # The summaries: the months this report covers that no other report did.
                _tally_mentoring(
                    locked,
                    tallies.mentor_entries(assignment.start, filed),
                    tallies.mentor_entries(assignment.start, [*filed, (period, period_start)]),
                    None,
                )
            return report
    except IntegrityError as exc:
        raise StepRefused(["Đã có báo cáo cho kỳ này."]) from exc


def refresh_candidacy(candidacy: Candidacy) -> None:
    """Recompute the cached state and deadlines (after a change of the working calendar)."""
    with transaction.atomic():
        history = History.load(candidacy, lock=True)
        state = history.state
        fields = history.cache_for(state)
        Candidacy.objects.filter(pk=history.candidacy.pk).update(**fields)
        _tally(history, history.candidacy, fields)
        apply_cache(history.candidacy, fields)
        _sync_person(history, state)
        history_written.send(Candidacy, candidacy=history.candidacy, history=history, event=None)


# --- internals ---------------------------------------------------------------------------


def candidacy_state(candidacy: Candidacy | int) -> CandidacyState:
    """The state replayed from the candidacy's effective events."""
    return History.load(candidacy, lock=False).state


def _vote_passed(votes: dict[str, int] | None, on: date) -> bool:
    """Whether the vote passed (``rules.votes``); impossible figures are refused."""
    errors = vote_errors(votes)
    if errors:
        raise StepRefused([message for _field, message in errors])
    assert votes is not None
    return vote_passed(int(votes["official_members"]), int(votes["in_favour"]), rule_set_for(on))


def _transfer_target(data: dict[str, Any], candidacy: Candidacy) -> Organisation:
    target = data.get("to_cell")
    try:
        cell: Organisation = Organisation.objects.get(
            pk=getattr(target, "pk", target), kind__in=CELL_KINDS
        )
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise StepRefused(["Chọn chi bộ chuyển đến."]) from exc
    if cell.pk == candidacy.cell_id:
        raise StepRefused(["Chi bộ chuyển đến trùng với chi bộ hiện tại."])
    return cell


def _blockers_for(history: History, step: Step, on: date, data: dict[str, Any]) -> list[Finding]:
    facts = history.facts_for(history.state)
    if step is Step.CEREMONY and data.get("superior_consent"):
        # The superior committee's consent to a late ceremony travels with the ceremony itself.
        facts = replace(facts, ceremony_consent=True)
    if step is Step.RECOGNITION_CELL_RESOLUTION:
        # The state machine also takes the recognition vote from "probationary" (no new-member
        # class recorded): the rules of that vote (end of probation, class, failed votes) apply
        # all the same.
        facts = replace(facts, stage=Stage.NEW_MEMBER_TRAINED)
    evaluation = evaluate(facts, history.calendar, on)
    if evaluation.next_step is not None and evaluation.next_step != step:
        # The rules speak of the step they expect; another allowed step is checked by the
        # state machine and the route alone.
        return []
    return evaluation.blockers


def _append(
    history: History,
    *,
    step: Step,
    on: date,
    cell: Organisation,
    actor: User | None,
    number: str = "",
    votes: Mapping[str, int | None] | None = None,
    passed: bool | None = None,
    data: dict[str, Any] | None = None,
    reason: str = "",
    voids: Event | None = None,
) -> Event:
    """Insert the next event and write the cache it leads to, with the version bump.

    The new state and its cache are computed in memory before anything is written; one
    conditional ``UPDATE`` bumps the version (refusing a writer who read an older one) and writes
    the cache, then the event is inserted and the person follows.
    """
    candidacy = history.candidacy
    seq = candidacy.version + 1
    event = Event(
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
    state = history.state_with(event)
    fields = history.cache_for(state)
    updated = Candidacy.objects.filter(pk=candidacy.pk, version=candidacy.version).update(
        version=seq, **fields
    )
    if updated != 1:
        raise ConcurrentChange
    try:
        # No savepoint of its own: a failed insert leaves this function by ConcurrentChange,
        # and the caller's atomic block rolls the version bump back with it.
        event.save()
    except IntegrityError as exc:
        raise ConcurrentChange from exc
    candidacy.version = seq
    _tally(history, candidacy, fields)
    apply_cache(candidacy, fields)
    history.appended(event, state)
    _sync_person(history, state)
    history_written.send(Candidacy, candidacy=candidacy, history=history, event=event)
    return event


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


def _tally(history: History, before: Candidacy | None, after: dict[str, Any]) -> None:
    """The summaries follow the candidacy's cached columns (``tallies.move``): ``before`` is the
    candidacy with its old cache (``None``: a new one), ``after`` the new cache; called before
    the new cache is set on the candidacy.

    The current mentor's entries move only when the candidacy starts or stops being helped or
    changes cell while helped: then, and only then, its reports are read (one query).
    """
    old_entries = tallies.candidacy_entries(before) if before is not None else ()
    new_entries = tallies.candidacy_entries(after)
    old_cell, new_cell = (before.cell_id if before is not None else None), after["cell_id"]
    current = next((a for a in history.assignments if a.end is None), None)
    if current is not None:
        was = before is not None and tallies.is_mentored(before.stage)
        now = tallies.is_mentored(after["stage"])
        if (was or now) and (was != now or old_cell != new_cell):
            mentoring = tallies.mentor_entries(current.start, _reports_of(current.pk))
            old_entries += mentoring if was else ()
            new_entries += mentoring if now else ()
    cells = {new_cell} | ({old_cell} if old_cell is not None else set())
    chains = {cell: [o.pk for o in history.ancestors(cell)] for cell in cells}
    tallies.move(
        tallies.Place(old_cell, old_entries) if old_cell is not None else None,
        tallies.Place(new_cell, new_entries),
        chains,
    )


def _tally_mentoring(
    locked: Candidacy,
    before: tuple[tallies.Entry, ...],
    after: tuple[tallies.Entry, ...],
    chain: list[int] | None,
) -> None:
    """The summaries follow a mentoring write: the candidacy's mentor entries were ``before``
    and are ``after`` (same cell)."""
    if before == after:
        return
    cell = locked.cell_id
    chains = {cell: chain if chain is not None else tallies.chain_of(locked.cell)}
    tallies.move(tallies.Place(cell, before), tallies.Place(cell, after), chains)


def _reports_of(assignment_id: int) -> list[tuple[str, date]]:
    """The (period, first day) of an assignment's reports."""
    rows = MentorReport.objects.filter(assignment_id=assignment_id)
    return list(rows.values_list("period", "period_start"))


def _sync_person(history: History, state: CandidacyState) -> None:
    """The person's cell and membership follow the candidacy; written only when they change."""
    candidacy = history.candidacy
    person = candidacy.person  # locked with the candidacy (History.load)
    # Member events (ptdv.members, built on the pipeline) may refuse an open candidacy that
    # would overwrite them; the person's save below rewrites their spells.
    person_following.send(Candidacy, candidacy=candidacy, state=state, person=person)
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
    if all(getattr(person, name) == value for name, value in changes.items()):
        return  # nothing of the person follows from this step
    for name, value in changes.items():
        setattr(person, name, value)
    person.save()


def step_label(step: Step) -> str:
    return STEP_LABELS[step]
