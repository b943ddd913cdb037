"""The evaluation of a candidacy: the checks of its stage and next step, its deadlines, its
blockers."""

from __future__ import annotations

from datetime import date

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.facts import CandidacyFacts
from ptdv.rules.findings import Deadline, Evaluation, Finding, Severity
from ptdv.rules.rulesets import RuleSet, rule_set_for
from ptdv.rules.stages import CLOSED_STAGES, Stage, Step
from ptdv.rules.stages import next_step as stages_next_step

from ._text import INFO, W, _d
from .deadlines import deadlines
from .introducers import check_introducers
from .mentors import check_mentors
from .papers import check_papers, check_papers_fresh
from .person import check_age, check_awareness_certificate, check_education, check_readmission
from .probation import (
    ceremony_start,
    check_ceremony,
    check_recognition,
    probation_end,
    recognition_effective_date,
)
from .votes import check_failed_votes, check_vote


def next_step(facts: CandidacyFacts) -> Step | None:
    """The progress step expected next (``None`` when the candidacy is closed), on the
    candidacy's route: :func:`ptdv.rules.stages.next_step`."""
    return stages_next_step(
        facts.stage,
        cell_is_grassroots=facts.cell_is_grassroots,
        has_partial_committee=facts.has_partial_committee,
    )


def admission_checks(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Every condition checked before the cell votes on admission, applied on ``on``.

    - A dossier kept on paper (``dossier_on_paper``: the cell's resolution came in with an
      imported history) has no recorded papers or introducers to check; the conditions on the
      person still apply.
    """
    found = [
        *check_age(facts, rule_set, on),
        *check_education(facts, rule_set, on),
        *check_awareness_certificate(facts, rule_set, on),
        *check_readmission(facts, rule_set, on),
    ]
    if facts.dossier_on_paper:
        return found
    return [
        *found,
        *check_introducers(facts, rule_set, on),
        *check_papers(facts, rule_set, on),
        *check_papers_fresh(facts, rule_set, on),
    ]


_OVERDUE_WARNED = ("decision_due", "recognition_cell_due", "recognition_decision_due")
_STAGES_AFTER_CELL = (Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED, Stage.GRASSROOTS_RESOLVED)


def evaluate(facts: CandidacyFacts, calendar: WorkingCalendar, today: date) -> Evaluation:
    """Findings for the current stage and the next step, the deadlines, and the blockers.

    - SYMPATHISER: mentors.
    - AWARENESS_TRAINED: conditions on the person (age, education, certificate, readmission) on
      ``today``, not blocking (the next step is receiving papers).
    - DOSSIER: every admission condition on ``today`` (the planned consideration day); errors
      block the cell's vote.
    - CELL_RESOLVED … GRASSROOTS_RESOLVED: the cell's vote and the admission conditions on the
      day of the cell's resolution; errors block the next step (appraisal, resolution, decision).
    - ADMISSION_DECIDED: the ceremony deadline (blocks without the superior committee's consent).
    - PROBATIONARY / NEW_MEMBER_TRAINED: mentors, repeated failed recognition votes, and (when
      the next step is the recognition vote, or the probation has ended) the recognition
      conditions.
    - RECOGNITION_CELL_RESOLVED: the recognition vote and its timing; errors block the decision.
    - Open deadlines past due (decision, recognition) add a warning.
    """
    stage = facts.stage
    dls = deadlines(facts, calendar)
    ev = Evaluation(findings=[], deadlines=dls, blockers=[], next_step=next_step(facts))
    if stage in CLOSED_STAGES:
        return ev
    checked = [
        *_stage_checks(facts, calendar, today),
        (_effective_date(facts), False),
        (_overdue(dls, calendar, today), False),
    ]
    for found, blocking in checked:
        ev.findings.extend(found)
        if blocking:
            ev.blockers.extend(f for f in found if f.severity is Severity.ERROR)
    return ev


def _stage_checks(
    facts: CandidacyFacts, calendar: WorkingCalendar, today: date
) -> list[tuple[list[Finding], bool]]:
    """The checks of the current stage and the next step, each with whether its errors block."""
    stage = facts.stage
    out: list[tuple[list[Finding], bool]] = []
    rs_today = rule_set_for(today)
    if stage is Stage.SYMPATHISER:
        out.append((check_mentors(facts, rs_today, today), False))
    elif stage is Stage.AWARENESS_TRAINED:
        out.append((check_age(facts, rs_today, today), False))
        out.append((check_education(facts, rs_today, today), False))
        out.append((check_awareness_certificate(facts, rs_today, today), False))
        out.append((check_readmission(facts, rs_today, today), False))
        out.append((check_mentors(facts, rs_today, today), False))
    elif stage is Stage.DOSSIER:
        out.append((admission_checks(facts, rs_today, today), True))
        out.append((check_failed_votes(facts, rs_today, today), True))
        out.append((check_mentors(facts, rs_today, today), False))
    elif stage in _STAGES_AFTER_CELL:
        on = facts.step_dates.get(Step.CELL_RESOLUTION, today)
        rs = rule_set_for(on)
        out.append((check_vote(facts, rs, on, Step.CELL_RESOLUTION), True))
        out.append((admission_checks(facts, rs, on), True))
    elif stage is Stage.ADMISSION_DECIDED:
        start = ceremony_start(facts)
        day = start[0] if start is not None else today
        out.append((check_ceremony(facts, rule_set_for(day), today, calendar), True))
    elif stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED):
        out.append((check_mentors(facts, rs_today, today), False))
        out.append((check_failed_votes(facts, rs_today, today), True))
        end = probation_end(facts)
        if stage is Stage.NEW_MEMBER_TRAINED:
            out.append((check_recognition(facts, rs_today, today), True))
        elif end is not None and today >= end:
            out.append((check_recognition(facts, rs_today, today), False))
    elif stage is Stage.RECOGNITION_CELL_RESOLVED:
        on = facts.step_dates.get(Step.RECOGNITION_CELL_RESOLUTION, today)
        rs = rule_set_for(on)
        out.append((check_vote(facts, rs, on, Step.RECOGNITION_CELL_RESOLUTION), True))
        out.append(
            (
                [f for f in check_recognition(facts, rs, on) if f.code == "recognition.too_early"],
                True,
            )
        )
    return out


def _effective_date(facts: CandidacyFacts) -> list[Finding]:
    """The date official membership would take effect, once the cell has voted on recognition
    (the end of the probation, however late the meeting or the decision: QĐ mục 4.2.2)."""
    effective = recognition_effective_date(facts)
    if effective is None or facts.stage not in (Stage.RECOGNITION_CELL_RESOLVED, Stage.OFFICIAL):
        return []
    rs = rule_set_for(effective)
    return [
        Finding(
            "recognition.effective_date",
            INFO,
            f"Nếu được công nhận, đảng viên chính thức kể từ ngày {_d(effective)} "
            "(đúng thời điểm hết 12 tháng dự bị, dù chi bộ họp hoặc cấp ủy quyết định "
            "chậm).",
            rs.cite("recognition_effective_at_probation_end"),
        )
    ]


def _overdue(dls: list[Deadline], calendar: WorkingCalendar, today: date) -> list[Finding]:
    """A warning for each open deadline of a decision or a recognition past due."""
    out: list[Finding] = []
    for dl in dls:
        if dl.code in _OVERDUE_WARNED and dl.is_overdue(today):
            late = -dl.days_left(today, calendar)
            out.append(
                Finding(
                    f"{dl.code}.overdue",
                    W,
                    f"Quá hạn: {dl.label} (hạn {_d(dl.due)}, đã quá {late} ngày làm việc).",
                    dl.citation,
                )
            )
    return out
