"""Steps, stages and the state machine of one candidacy (pure Python).

A candidacy is a list of append-only events. Each event records one *step* (:class:`Step`); the
*stage* (:class:`Stage`) of the candidacy follows from its effective events, read in order:

- an event voided by a later ``correction`` event is not effective;
- a failed vote (fewer than two thirds) is recorded but does not move the stage;
- a ``transfer`` moves the candidacy to another cell without changing its stage.

Sources: Điều lệ Đảng 2011, Điều 4 (thủ tục kết nạp), Điều 5 (dự bị, chuyển chính thức);
QĐ 294-QĐ/TW 2025 and HD 06-HD/TW 2025 for the order of the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ptdv.rules.i18n import gettext_noop


class Step(StrEnum):
    """What one event records. Values are stored in the database: never rename them."""

    SOURCE = "source"
    SYMPATHISER = "sympathiser"
    AWARENESS_CLASS = "awareness_class"
    DOSSIER_PAPER = "dossier_paper"
    CELL_RESOLUTION = "cell_resolution"
    PARTIAL_APPRAISAL = "partial_appraisal"
    GRASSROOTS_RESOLUTION = "grassroots_resolution"
    ADMISSION_DECISION = "admission_decision"
    CEREMONY = "ceremony"
    NEW_MEMBER_CLASS = "new_member_class"
    RECOGNITION_CELL_RESOLUTION = "recognition_cell_resolution"
    RECOGNITION_DECISION = "recognition_decision"
    PARTY_CARD = "party_card"
    # Exits: the candidacy ends.
    WITHDRAWN = "withdrawn"
    REMOVED_FROM_LIST = "removed_from_list"
    NOT_RECOGNISED = "not_recognised"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    # Neither progress nor exit.
    TRANSFER = "transfer"
    CORRECTION = "correction"


STEP_LABELS: dict[Step, str] = {
    Step.SOURCE: gettext_noop("Xác định nguồn"),
    Step.SYMPATHISER: gettext_noop("Đưa vào danh sách cảm tình Đảng, phân công đảng viên giúp đỡ"),
    Step.AWARENESS_CLASS: gettext_noop("Học lớp bồi dưỡng nhận thức về Đảng"),
    Step.DOSSIER_PAPER: gettext_noop("Nhận giấy tờ hồ sơ"),
    Step.CELL_RESOLUTION: gettext_noop("Chi bộ xét, biểu quyết đề nghị kết nạp"),
    Step.PARTIAL_APPRAISAL: gettext_noop("Đảng ủy bộ phận thẩm định"),
    Step.GRASSROOTS_RESOLUTION: gettext_noop("Đảng ủy cơ sở ra nghị quyết đề nghị kết nạp"),
    Step.ADMISSION_DECISION: gettext_noop("Cấp ủy có thẩm quyền ra quyết định kết nạp"),
    Step.CEREMONY: gettext_noop("Tổ chức lễ kết nạp"),
    Step.NEW_MEMBER_CLASS: gettext_noop("Học lớp bồi dưỡng lý luận chính trị cho đảng viên mới"),
    Step.RECOGNITION_CELL_RESOLUTION: gettext_noop(
        "Chi bộ xét, biểu quyết đề nghị công nhận chính thức"
    ),
    Step.RECOGNITION_DECISION: gettext_noop("Quyết định công nhận đảng viên chính thức"),
    Step.PARTY_CARD: gettext_noop("Phát thẻ đảng viên"),
    Step.WITHDRAWN: gettext_noop("Tự rút khỏi danh sách"),
    Step.REMOVED_FROM_LIST: gettext_noop("Đưa ra khỏi danh sách"),
    Step.NOT_RECOGNISED: gettext_noop("Không công nhận chính thức / xóa tên"),
    Step.MOVED_AWAY: gettext_noop("Chuyển đi nơi khác"),
    Step.DECEASED: gettext_noop("Từ trần"),
    Step.TRANSFER: gettext_noop("Chuyển sinh hoạt sang chi bộ khác"),
    Step.CORRECTION: gettext_noop("Đính chính một bước đã ghi"),
}


class Stage(StrEnum):
    """Where a candidacy stands. Values are stored (as a cache of the events): never rename them."""

    SOURCE = "source"
    SYMPATHISER = "sympathiser"
    AWARENESS_TRAINED = "awareness_trained"
    DOSSIER = "dossier"
    CELL_RESOLVED = "cell_resolved"
    PARTIAL_APPRAISED = "partial_appraised"
    GRASSROOTS_RESOLVED = "grassroots_resolved"
    ADMISSION_DECIDED = "admission_decided"
    PROBATIONARY = "probationary"
    NEW_MEMBER_TRAINED = "new_member_trained"
    RECOGNITION_CELL_RESOLVED = "recognition_cell_resolved"
    OFFICIAL = "official"
    CARD_ISSUED = "card_issued"
    WITHDRAWN = "withdrawn"
    REMOVED_FROM_LIST = "removed_from_list"
    NOT_RECOGNISED = "not_recognised"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"


STAGE_LABELS: dict[Stage, str] = {
    Stage.SOURCE: gettext_noop("Nguồn"),
    Stage.SYMPATHISER: gettext_noop("Quần chúng ưu tú (cảm tình Đảng)"),
    Stage.AWARENESS_TRAINED: gettext_noop("Đã học lớp nhận thức về Đảng"),
    Stage.DOSSIER: gettext_noop("Đang hoàn thiện hồ sơ"),
    Stage.CELL_RESOLVED: gettext_noop("Chi bộ đã đề nghị kết nạp"),
    Stage.PARTIAL_APPRAISED: gettext_noop("Đảng ủy bộ phận đã thẩm định"),
    Stage.GRASSROOTS_RESOLVED: gettext_noop("Đảng ủy cơ sở đã đề nghị kết nạp"),
    Stage.ADMISSION_DECIDED: gettext_noop("Đã có quyết định kết nạp"),
    Stage.PROBATIONARY: gettext_noop("Đảng viên dự bị"),
    Stage.NEW_MEMBER_TRAINED: gettext_noop("Dự bị, đã học lớp đảng viên mới"),
    Stage.RECOGNITION_CELL_RESOLVED: gettext_noop("Chi bộ đã đề nghị công nhận chính thức"),
    Stage.OFFICIAL: gettext_noop("Đảng viên chính thức"),
    Stage.CARD_ISSUED: gettext_noop("Đã nhận thẻ đảng viên"),
    Stage.WITHDRAWN: gettext_noop("Tự rút"),
    Stage.REMOVED_FROM_LIST: gettext_noop("Đưa ra khỏi danh sách"),
    Stage.NOT_RECOGNISED: gettext_noop("Không công nhận / xóa tên"),
    Stage.MOVED_AWAY: gettext_noop("Chuyển đi"),
    Stage.DECEASED: gettext_noop("Từ trần"),
}

#: The stages a candidacy goes through, in order (exits excluded).
PROGRESS_STAGES: tuple[Stage, ...] = (
    Stage.SOURCE,
    Stage.SYMPATHISER,
    Stage.AWARENESS_TRAINED,
    Stage.DOSSIER,
    Stage.CELL_RESOLVED,
    Stage.PARTIAL_APPRAISED,
    Stage.GRASSROOTS_RESOLVED,
    Stage.ADMISSION_DECIDED,
    Stage.PROBATIONARY,
    Stage.NEW_MEMBER_TRAINED,
    Stage.RECOGNITION_CELL_RESOLVED,
    Stage.OFFICIAL,
    Stage.CARD_ISSUED,
)
EXIT_STAGES: tuple[Stage, ...] = (
    Stage.WITHDRAWN,
    Stage.REMOVED_FROM_LIST,
    Stage.NOT_RECOGNISED,
    Stage.MOVED_AWAY,
    Stage.DECEASED,
)
#: Stages in which the candidacy is closed: no further progress step is accepted.
CLOSED_STAGES: frozenset[Stage] = frozenset(EXIT_STAGES) | {Stage.CARD_ISSUED}
#: Stages in which the person is a party member (probationary or official).
MEMBER_STAGES: frozenset[Stage] = frozenset(
    {
        Stage.PROBATIONARY,
        Stage.NEW_MEMBER_TRAINED,
        Stage.RECOGNITION_CELL_RESOLVED,
        Stage.OFFICIAL,
        Stage.CARD_ISSUED,
    }
)

#: progress step -> (stages it may be recorded in, stage it leads to)
PROGRESS: dict[Step, tuple[frozenset[Stage], Stage]] = {
    Step.SYMPATHISER: (frozenset({Stage.SOURCE}), Stage.SYMPATHISER),
    Step.AWARENESS_CLASS: (frozenset({Stage.SYMPATHISER}), Stage.AWARENESS_TRAINED),
    Step.DOSSIER_PAPER: (frozenset({Stage.AWARENESS_TRAINED, Stage.DOSSIER}), Stage.DOSSIER),
    Step.CELL_RESOLUTION: (frozenset({Stage.DOSSIER}), Stage.CELL_RESOLVED),
    Step.PARTIAL_APPRAISAL: (frozenset({Stage.CELL_RESOLVED}), Stage.PARTIAL_APPRAISED),
    Step.GRASSROOTS_RESOLUTION: (
        frozenset({Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED}),
        Stage.GRASSROOTS_RESOLVED,
    ),
    # A chi bộ cơ sở is its own grassroots organisation: its resolution goes straight up.
    Step.ADMISSION_DECISION: (
        frozenset({Stage.GRASSROOTS_RESOLVED, Stage.CELL_RESOLVED}),
        Stage.ADMISSION_DECIDED,
    ),
    Step.CEREMONY: (frozenset({Stage.ADMISSION_DECIDED}), Stage.PROBATIONARY),
    Step.NEW_MEMBER_CLASS: (frozenset({Stage.PROBATIONARY}), Stage.NEW_MEMBER_TRAINED),
    Step.RECOGNITION_CELL_RESOLUTION: (
        frozenset({Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED}),
        Stage.RECOGNITION_CELL_RESOLVED,
    ),
    Step.RECOGNITION_DECISION: (frozenset({Stage.RECOGNITION_CELL_RESOLVED}), Stage.OFFICIAL),
    Step.PARTY_CARD: (frozenset({Stage.OFFICIAL}), Stage.CARD_ISSUED),
}

_OPEN_STAGES = frozenset(PROGRESS_STAGES) - {Stage.CARD_ISSUED}
_MEMBER_OPEN = frozenset(MEMBER_STAGES) - {Stage.OFFICIAL, Stage.CARD_ISSUED}

#: exit step -> (stages it may be recorded in, stage it leads to)
EXITS: dict[Step, tuple[frozenset[Stage], Stage]] = {
    Step.WITHDRAWN: (_OPEN_STAGES - MEMBER_STAGES, Stage.WITHDRAWN),
    Step.REMOVED_FROM_LIST: (_OPEN_STAGES - MEMBER_STAGES, Stage.REMOVED_FROM_LIST),
    Step.NOT_RECOGNISED: (_MEMBER_OPEN, Stage.NOT_RECOGNISED),
    Step.MOVED_AWAY: (_OPEN_STAGES, Stage.MOVED_AWAY),
    Step.DECEASED: (_OPEN_STAGES, Stage.DECEASED),
}

#: Steps whose event carries a vote; a vote without two thirds does not move the stage.
VOTE_STEPS: frozenset[Step] = frozenset({Step.CELL_RESOLUTION, Step.RECOGNITION_CELL_RESOLUTION})


@dataclass(frozen=True)
class EventFact:
    """One recorded event, as the state machine sees it."""

    id: int
    step: Step
    date: date
    data: dict[str, Any] = field(default_factory=dict)
    #: For a correction: the id of the event it voids.
    voids: int | None = None
    #: For a vote: whether it reached two thirds (``None`` for other steps).
    passed: bool | None = None


@dataclass
class CandidacyState:
    """What follows from a candidacy's events."""

    stage: Stage
    #: Date on which the current stage was entered.
    stage_since: date
    #: Effective events (corrections and voided events removed), in order.
    events: list[EventFact]
    #: The date of each effective progress step (the latest one for repeatable steps).
    step_dates: dict[Step, date]
    #: Votes without two thirds since the last stage change, per vote step.
    failed_votes: dict[Step, int]
    #: Cell id after the last effective transfer (``None``: the cell the candidacy opened in).
    cell_id: int | None

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES


class TransitionError(ValueError):
    """A step that cannot be recorded in the current stage; the message is in Vietnamese."""


def next_stage(stage: Stage, step: Step, *, passed: bool | None = None) -> Stage:
    """The stage after recording ``step`` in ``stage``; raises :class:`TransitionError`."""
    if step in (Step.TRANSFER, Step.CORRECTION):
        if stage in CLOSED_STAGES:
            raise TransitionError(f"Hồ sơ đã kết thúc ({STAGE_LABELS[stage]}), không thể ghi thêm.")
        return stage
    if step is Step.SOURCE:
        raise TransitionError("Bước “Xác định nguồn” chỉ ghi khi mở hồ sơ.")
    table = PROGRESS if step in PROGRESS else EXITS
    allowed, target = table[step]
    if stage not in allowed:
        raise TransitionError(
            f"Không thể ghi bước “{STEP_LABELS[step]}” khi hồ sơ đang ở giai đoạn "
            f"“{STAGE_LABELS[stage]}”."
        )
    if step in VOTE_STEPS and passed is False:
        return stage
    return target


def allowed_steps(stage: Stage) -> list[Step]:
    """The steps that may be recorded next, in pipeline order."""
    if stage in CLOSED_STAGES:
        return []
    steps = [s for s, (allowed, _) in PROGRESS.items() if stage in allowed]
    steps += [s for s, (allowed, _) in EXITS.items() if stage in allowed]
    return [*steps, Step.TRANSFER]


def derive(events: Iterable[EventFact]) -> CandidacyState:
    """Replay ``events`` (in recording order) and return the candidacy's state.

    - The first effective event must be ``source``.
    - A ``correction`` voids the event whose id it names; the stage is replayed without it.
      A correction voided by a later correction voids nothing (the undo is undone).
    - Raises :class:`TransitionError` if the effective events are not a valid sequence.
    """
    events = list(events)
    # A correction that is itself voided by a later (effective) correction voids nothing:
    # walk backwards so "undoing an undo" restores the original event.
    voided: set[int] = set()
    for e in reversed(events):
        if e.step is Step.CORRECTION and e.voids is not None and e.id not in voided:
            voided.add(e.voids)
    effective = [e for e in events if e.id not in voided and e.step is not Step.CORRECTION]
    if not effective or effective[0].step is not Step.SOURCE:
        raise TransitionError("Hồ sơ phải bắt đầu bằng bước “Xác định nguồn”.")
    first = effective[0]
    stage, since = Stage.SOURCE, first.date
    step_dates: dict[Step, date] = {Step.SOURCE: first.date}
    failed: dict[Step, int] = {}
    cell_id: int | None = None
    for event in effective[1:]:
        new = next_stage(stage, event.step, passed=event.passed)
        if event.step is Step.TRANSFER:
            cell_id = event.data.get("to_cell")
        elif event.step in VOTE_STEPS and event.passed is False:
            failed[event.step] = failed.get(event.step, 0) + 1
        else:
            step_dates[event.step] = event.date
        if new is not stage:
            stage, since = new, event.date
    return CandidacyState(
        stage=stage,
        stage_since=since,
        events=effective,
        step_dates=step_dates,
        failed_votes=failed,
        cell_id=cell_id,
    )


def stage_index(stage: Stage) -> int:
    """Position of a progress stage in the pipeline (exits sort after every progress stage)."""
    return PROGRESS_STAGES.index(stage) if stage in PROGRESS_STAGES else len(PROGRESS_STAGES)


def reached(stages: Sequence[Stage], target: Stage) -> list[Stage]:
    """The stages of ``stages`` at or beyond ``target`` in the pipeline."""
    limit = stage_index(target)
    return [s for s in stages if s in PROGRESS_STAGES and stage_index(s) >= limit]


GRASSROOTS_CELL_GOES_UP = (
    "Chi bộ cơ sở là tổ chức cơ sở đảng: nghị quyết chi bộ trình thẳng cấp ủy có thẩm quyền."
)


def route_error(
    stage: Stage, step: Step, *, cell_is_grassroots: bool, has_partial_committee: bool
) -> str | None:
    """Why ``step`` skips a level of the organisation tree, or ``None`` when the route is right.

    - A cell's resolution goes to the partial committee for appraisal where one exists, then to
      the grassroots committee; only a chi bộ cơ sở (itself the grassroots organisation) sends
      its resolution straight to the competent committee (Điều lệ Đảng, Điều 4;
      HD 06-HD/TW 2025, mục 3).
    """
    if step is Step.PARTIAL_APPRAISAL and not has_partial_committee:
        return (
            "Chi bộ không thuộc đảng ủy bộ phận nào: không có bước thẩm định của đảng ủy bộ phận."
        )
    if step is Step.PARTIAL_APPRAISAL and cell_is_grassroots:
        return GRASSROOTS_CELL_GOES_UP
    if stage is Stage.CELL_RESOLVED:
        if step is Step.GRASSROOTS_RESOLUTION and has_partial_committee:
            return "Cần có thẩm định của đảng ủy bộ phận trước nghị quyết của đảng ủy cơ sở."
        if step is Step.GRASSROOTS_RESOLUTION and cell_is_grassroots:
            return GRASSROOTS_CELL_GOES_UP
        if step is Step.ADMISSION_DECISION and not cell_is_grassroots:
            return "Cần có nghị quyết của đảng ủy cơ sở trước khi cấp ủy có thẩm quyền quyết định kết nạp."
    return None


# --- what may come next ---------------------------------------------------------------------


def progress_choices(
    stage: Stage, *, cell_is_grassroots: bool, has_partial_committee: bool
) -> list[Step]:
    """The progress steps that may be recorded in ``stage``, in pipeline order, route respected
    (:func:`route_error`): what the step form offers and the import accepts."""
    return [
        step
        for step, (allowed, _) in PROGRESS.items()
        if stage in allowed
        and route_error(
            stage,
            step,
            cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        )
        is None
    ]


def next_step(
    stage: Stage, *, cell_is_grassroots: bool, has_partial_committee: bool
) -> Step | None:
    """The progress step expected next: the first of :func:`progress_choices` that moves the
    candidacy to another stage (``None`` when it is closed).

    - After the cell's resolution: the partial committee's appraisal where there is one, then the
      grassroots committee's resolution, unless the cell is itself the grassroots organisation
      (chi bộ cơ sở), whose resolution goes straight to the competent committee (Điều lệ Đảng,
      Điều 4; HD 06-HD/TW 2025, mục 3).
    - In the dossier stage another paper may come, but the cell's resolution is what is expected.
    """
    if stage in CLOSED_STAGES:
        return None
    for step in progress_choices(
        stage, cell_is_grassroots=cell_is_grassroots, has_partial_committee=has_partial_committee
    ):
        if PROGRESS[step][1] is not stage:
            return step
    return None


def exit_choices(stage: Stage) -> list[Step]:
    """The exits that may be recorded in ``stage``."""
    return [step for step, (allowed, _) in EXITS.items() if stage in allowed]


def may_transfer(stage: Stage) -> bool:
    """Whether the candidacy may move to another cell (any open candidacy may)."""
    return stage not in CLOSED_STAGES


# --- corrections ----------------------------------------------------------------------------

#: Steps that do not stand in the way of correcting an earlier step: they did not move the case on.
_NOT_MOVING = frozenset({Step.TRANSFER, Step.DOSSIER_PAPER})


def moved_on(event: EventFact) -> bool:
    """Whether ``event`` moved the case on (not a transfer, another paper or a failed vote)."""
    return event.step not in _NOT_MOVING and event.passed is not False


def correctable_ids(state: CandidacyState) -> set[int]:
    """The effective events a correction may void: the last effective step that moved the case
    on, and the transfers, papers and failed votes after it.

    - Only the last such step: otherwise the remaining events might not form a valid sequence,
      and even when they would (a decision without the grassroots resolution before it), the
      later step must be voided first.
    - The opening ``source`` step is never corrected (the candidacy is withdrawn instead).
    """
    out: set[int] = set()
    for event in reversed(state.events):
        if event.step is Step.SOURCE:
            break
        out.add(event.id)
        if moved_on(event):
            break
    return out


def later_steps_in_the_way(state: CandidacyState, event_id: int) -> list[EventFact]:
    """The effective steps after ``event_id`` that moved the case on: why it may not be voided."""
    position = next((i for i, e in enumerate(state.events) if e.id == event_id), len(state.events))
    return [e for e in state.events[position + 1 :] if moved_on(e)]
