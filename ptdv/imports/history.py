"""The history of a candidacy given by an import row, checked as a whole (pure: no query).

:func:`check_history` gathers three checks: the order and route of the steps
(:func:`_sequence_problems`, whose one step forward is :func:`advance`), the conditions on the
person on the day of the cell's resolution with the vote's figures (:func:`_resolution_problems`,
the vote by :func:`vote_problems`), and the recognition vote after the probation
(:func:`_recognition_problems`).
"""

from __future__ import annotations

from datetime import date

from ptdv.rules.checks import (
    check_age,
    check_awareness_certificate,
    check_education,
    check_recognition,
)
from ptdv.rules.facts import CandidacyFacts, PersonFacts
from ptdv.rules.findings import Severity
from ptdv.rules.rulesets import RuleSet, rule_set_for
from ptdv.rules.stages import Stage, Step, TransitionError, next_stage, next_step, route_error
from ptdv.rules.votes import vote_errors, vote_passed, votes_required

from .columns import STEP_COLUMNS
from .plans import STEP_HEADER, date_key


def check_history(
    dates: dict[Step, date],
    *,
    birth_date: date,
    education: str,
    in_exception_area: bool,
    cell_is_grassroots: bool,
    has_partial_committee: bool,
    vote: dict[str, int] | None,
    today: date,
) -> list[tuple[str, str]]:
    """``(column key, message)`` for every rule the steps' dates break (pure).

    - The steps follow the state machine (``next_stage``) and the route through the tree
      (``route_error``: the partial committee's appraisal where there is one, no grassroots
      resolution for a chi bộ cơ sở), each on or after the previous one, none after ``today``
      (Điều lệ Đảng, Điều 4; HD 06-HD/TW 2025, mục 3).
    - On the day of the cell's resolution: age, education and the awareness certificate
      (``check_age``, ``check_education``, ``check_awareness_certificate``), and two thirds of
      the cell's official members in favour when the vote's figures are given.
    - The recognition vote comes after the 12 months of probation (QĐ 294-QĐ/TW, mục 4.2 a).
    """
    return [
        *_sequence_problems(
            dates,
            birth_date=birth_date,
            today=today,
            cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        ),
        *_resolution_problems(dates, birth_date, education, in_exception_area, vote),
        *_recognition_problems(dates, birth_date, education),
    ]


def _sequence_problems(
    dates: dict[Step, date],
    *,
    birth_date: date,
    today: date,
    cell_is_grassroots: bool,
    has_partial_committee: bool,
) -> list[tuple[str, str]]:
    """The steps in the order of the columns: each date after the birth date, not after today,
    not before the previous step's; each step allowed after the stage reached (stops at the
    first that is not)."""
    out: list[tuple[str, str]] = []
    ordered = [spec.step for spec in STEP_COLUMNS if spec.step in dates]
    stage, previous = Stage.SOURCE, None
    for step in ordered:
        on, key = dates[step], date_key(step)
        if on < birth_date:
            out.append((key, f"Ngày {on:%d/%m/%Y} trước ngày sinh."))
        if on > today:
            out.append((key, f"Ngày {on:%d/%m/%Y} sau ngày hôm nay."))
        if previous is not None and on < dates[previous]:
            out.append(
                (
                    key,
                    f"Ngày {on:%d/%m/%Y} trước “{STEP_HEADER[previous]}” "
                    f"({dates[previous]:%d/%m/%Y}).",
                )
            )
        if step is Step.SOURCE:
            previous = step
            continue
        stage, problem = advance(
            stage, step, cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        )  # fmt: skip
        if problem:
            out.append((key, problem))
            break
        previous = step
    return out


def advance(
    stage: Stage, step: Step, *, cell_is_grassroots: bool, has_partial_committee: bool
) -> tuple[Stage, str]:
    """The next step and the route: the stage ``step`` leads to from ``stage``, or the stage
    unchanged and why the step cannot come now (the route through the tree skips or adds a
    level; or a step is missing before it)."""
    problem = route_error(
        stage, step, cell_is_grassroots=cell_is_grassroots,
        has_partial_committee=has_partial_committee,
    )  # fmt: skip
    if problem:
        return stage, problem
    try:
        return next_stage(stage, step, passed=True), ""
    except TransitionError:
        expected = expected_step(stage, cell_is_grassroots, has_partial_committee)
        return stage, f"Có ngày này nhưng thiếu “{STEP_HEADER.get(expected, expected)}”."


def expected_step(stage: Stage, cell_is_grassroots: bool, has_partial_committee: bool) -> Step:
    """The step missing before a later one: the step expected next on this route
    (:func:`ptdv.rules.stages.next_step`)."""
    return (
        next_step(
            stage,
            cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        )
        or Step.SOURCE
    )


def _resolution_problems(
    dates: dict[Step, date],
    birth_date: date,
    education: str,
    in_exception_area: bool,
    vote: dict[str, int] | None,
) -> list[tuple[str, str]]:
    """On the day of the cell's resolution: the rules' errors on age, education and the
    awareness certificate, and the vote's figures."""
    cell_day = dates.get(Step.CELL_RESOLUTION)
    if cell_day is None:
        return []
    out: list[tuple[str, str]] = []
    facts = CandidacyFacts(
        person=PersonFacts(birth_date, education, in_exception_area=in_exception_area),
        stage=Stage.DOSSIER,
        step_dates=dict(dates),
        awareness_certificate_date=dates.get(Step.AWARENESS_CLASS),
    )
    rule_set = rule_set_for(cell_day)
    for finding in (
        *check_age(facts, rule_set, cell_day),
        *check_education(facts, rule_set, cell_day),
        *check_awareness_certificate(facts, rule_set, cell_day),
    ):
        if finding.severity is Severity.ERROR:
            column = "general_education" if finding.code.startswith("education") else (
                "awareness_class_on" if "certificate" in finding.code else "cell_resolution_on"
            )  # fmt: skip
            out.append((column, f"{finding.message} ({finding.citation})"))
    if vote is not None:
        out.extend(("vote_in_favour", m) for m in vote_problems(vote, rule_set))
    return out


def _recognition_problems(
    dates: dict[Step, date], birth_date: date, education: str
) -> list[tuple[str, str]]:
    """The recognition vote not before the end of the probation."""
    if Step.RECOGNITION_CELL_RESOLUTION not in dates or Step.CEREMONY not in dates:
        return []
    facts = CandidacyFacts(
        person=PersonFacts(birth_date, education),
        stage=Stage.RECOGNITION_CELL_RESOLVED,
        step_dates=dict(dates),
    )
    day = dates[Step.RECOGNITION_CELL_RESOLUTION]
    return [
        ("recognition_cell_on", finding.message)
        for finding in check_recognition(facts, rule_set_for(day), day)
        if finding.code == "recognition.too_early"
    ]


def vote_problems(vote: dict[str, int], rule_set: RuleSet) -> list[str]:
    """The validity of the cell's vote on admission (``rules.votes``): its figures consistent,
    and enough official members in favour."""
    errors = vote_errors(vote)
    if errors:
        return [message for _field, message in errors]
    official, in_favour = vote["official_members"], vote["in_favour"]
    if not vote_passed(official, in_favour, rule_set):
        need = votes_required(official, rule_set)
        return [
            f"Chỉ {in_favour}/{official} đảng viên chính thức tán thành, cần ít nhất {need} (hai "
            f"phần ba): nghị quyết không được thông qua ({rule_set.cite('vote_fraction')})."
        ]
    return []
