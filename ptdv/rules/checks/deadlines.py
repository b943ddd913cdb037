"""The deadlines of a candidacy, from the dates of its steps."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TypedDict

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.facts import EXPIRING_PAPER_KINDS, PAPER_LABELS, CandidacyFacts
from ptdv.rules.findings import Deadline
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Step

from ._text import _EXIT_STEPS
from .introducers import _KIND_LABELS, current_introducers
from .papers import latest_papers
from .probation import FROM_DECISION_DATE, ceremony_start


def _first(facts: CandidacyFacts, *steps: Step) -> date | None:
    dates = [facts.step_dates[s] for s in steps if s in facts.step_dates]
    return min(dates) if dates else None


#: A short name for each deadline code (lists show one line per candidacy).
DEADLINE_LABELS: dict[str, str] = {
    "certificate_expiry": gettext_noop("Giấy chứng nhận nhận thức về Đảng hết hạn"),
    "papers_expiry": gettext_noop("Giấy tờ hồ sơ hết hạn"),
    "decision_due": gettext_noop("Quyết định kết nạp"),
    "ceremony_due": gettext_noop("Lễ kết nạp"),
    "probation_end": gettext_noop("Hết thời gian dự bị"),
    "recognition_cell_due": gettext_noop("Chi bộ xét công nhận chính thức"),
    "recognition_decision_due": gettext_noop("Quyết định công nhận chính thức"),
}


class _Label(TypedDict):
    label: str
    message: str
    message_args: tuple[tuple[str, str], ...]


def _label(message: str, lower: tuple[str, ...] = (), **args: str) -> _Label:
    """A deadline's label, in Vietnamese and as a message to translate with its values
    (:class:`~ptdv.rules.findings.Deadline`); the values named in ``lower`` are written in lower
    case in the Vietnamese text (a paper's name inside the sentence)."""
    shown = {k: v.lower() if k in lower else v for k, v in args.items()}
    return {"label": message % shown, "message": message, "message_args": tuple(args.items())}


def deadlines(facts: CandidacyFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """The deadlines of a candidacy, computed from the dates of its steps.

    Each uses the rule set in force on the date of the step that starts it; ``done_on`` is the
    date of the step that fulfils it (or of the exit that ended the candidacy).

    - ``certificate_expiry``: certificate + 60 months; done by the cell's admission resolution.
    - ``papers_expiry``: earliest expiring letter / union resolution / comments + 12 months; done
      by the cell's admission resolution.
    - ``decision_due``: cell resolution + 60 working days (+30 if extended); done by the decision.
    - ``ceremony_due``: the day the cell received the decision (else the decision's date, and
      the label says so) + 30 working days; done by the ceremony.
    - ``probation_end``: ceremony + 12 months; done by the cell's recognition resolution.
    - ``recognition_cell_due``: probation end + 30 working days; done by that resolution.
    - ``recognition_decision_due``: recognition resolution + 30 working days; done by the decision.
    """
    out = [
        *_dossier_deadlines(facts),
        *_admission_deadlines(facts, calendar),
        *_recognition_deadlines(facts, calendar),
    ]
    exit_on = _first(facts, *_EXIT_STEPS)
    if exit_on is not None:
        out = [dataclasses.replace(d, done_on=exit_on) if d.done_on is None else d for d in out]
    return out


def _dossier_deadlines(facts: CandidacyFacts) -> list[Deadline]:
    """``certificate_expiry`` and ``papers_expiry``: met by the cell's admission resolution."""
    out: list[Deadline] = []
    cell = facts.step_dates.get(Step.CELL_RESOLUTION)

    cert = facts.awareness_certificate_date
    if cert is not None:
        rs = rule_set_for(cert)
        out.append(
            Deadline(
                code="certificate_expiry",
                **_label(
                    gettext_noop(
                        "Chi bộ xét kết nạp trước khi giấy chứng nhận nhận thức về Đảng hết hạn"
                    )
                ),
                due=add_months(cert, rs.awareness_certificate_valid_months),
                citation=rs.cite("awareness_certificate_valid_months"),
                done_on=cell,
            )
        )

    # What expires, as the label's words: a member's letter, a union's resolution, a paper.
    dated: list[tuple[date, _Label]] = []
    for intro in current_introducers(facts.introducers)[0]:  # a letter made again replaces
        if intro.letter_date is not None:
            what = (
                _label(
                    gettext_noop(
                        "Chi bộ xét kết nạp trước khi giấy giới thiệu của %(name)s hết hạn"
                    ),
                    name=intro.name,
                )
                if intro.kind == "member"
                else _label(
                    gettext_noop(
                        "Chi bộ xét kết nạp trước khi nghị quyết giới thiệu của %(union)s hết hạn"
                    ),
                    union=_KIND_LABELS.get(intro.kind, intro.kind),
                )
            )
            dated.append((intro.letter_date, what))
    for paper in latest_papers(facts.papers):
        if paper.kind in EXPIRING_PAPER_KINDS and paper.received_on is not None:
            if paper.kind != "comments" and facts.introducers:
                continue
            what = _label(
                gettext_noop("Chi bộ xét kết nạp trước khi %(paper)s hết hạn"),
                ("paper",),
                paper=PAPER_LABELS[paper.kind],
            )
            dated.append((paper.received_on, what))
    if dated:
        expiries = []
        for d, what in dated:
            rs = rule_set_for(d)
            expiries.append((add_months(d, rs.dossier_papers_valid_months), what, rs))
        due, what, rs = min(expiries, key=lambda t: t[0])
        out.append(
            Deadline(
                code="papers_expiry",
                **what,
                due=due,
                citation=rs.cite("dossier_papers_valid_months"),
                done_on=cell,
            )
        )
    return out


def _admission_deadlines(facts: CandidacyFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """``decision_due`` and ``ceremony_due``."""
    sd = facts.step_dates
    out: list[Deadline] = []
    cell = sd.get(Step.CELL_RESOLUTION)
    if cell is not None:
        rs = rule_set_for(cell)
        n = rs.decision_working_days + (
            rs.decision_extension_working_days if facts.decision_extended else 0
        )
        out.append(
            Deadline(
                code="decision_due",
                **_label(
                    gettext_noop("Cấp ủy có thẩm quyền ra quyết định kết nạp (đã gia hạn)")
                    if facts.decision_extended
                    else gettext_noop("Cấp ủy có thẩm quyền ra quyết định kết nạp")
                ),
                due=calendar.add_working_days(cell, n),
                citation=rs.cite("decision_working_days"),
                done_on=sd.get(Step.ADMISSION_DECISION),
            )
        )

    start = ceremony_start(facts)
    if start is not None:
        day, received = start
        rs = rule_set_for(day)
        out.append(
            Deadline(
                code="ceremony_due",
                **(
                    _label(gettext_noop("Chi bộ tổ chức lễ kết nạp"))
                    if received
                    else _label(
                        gettext_noop("Chi bộ tổ chức lễ kết nạp (%(note)s)"),
                        note=FROM_DECISION_DATE,
                    )
                ),
                due=calendar.add_working_days(day, rs.ceremony_working_days),
                citation=rs.cite("ceremony_working_days"),
                done_on=sd.get(Step.CEREMONY),
            )
        )
    return out


def _recognition_deadlines(facts: CandidacyFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """``probation_end``, ``recognition_cell_due`` and ``recognition_decision_due``."""
    sd = facts.step_dates
    out: list[Deadline] = []
    ceremony = sd.get(Step.CEREMONY)
    if ceremony is not None:
        rs = rule_set_for(ceremony)
        end = add_months(ceremony, rs.probation_months)
        recognised = _first(facts, Step.RECOGNITION_CELL_RESOLUTION, Step.NOT_RECOGNISED)
        out.append(
            Deadline(
                code="probation_end",
                **_label(
                    gettext_noop("Hết %(months)s tháng dự bị"), months=str(rs.probation_months)
                ),
                due=end,
                citation=rs.cite("probation_months"),
                done_on=recognised,
                milestone=True,
            )
        )
        rs_end = rule_set_for(end)
        out.append(
            Deadline(
                code="recognition_cell_due",
                **_label(gettext_noop("Chi bộ xét công nhận đảng viên chính thức")),
                due=calendar.add_working_days(end, rs_end.recognition_cell_working_days),
                citation=rs_end.cite("recognition_cell_working_days"),
                done_on=recognised,
            )
        )

    rec_cell = sd.get(Step.RECOGNITION_CELL_RESOLUTION)
    if rec_cell is not None:
        rs = rule_set_for(rec_cell)
        out.append(
            Deadline(
                code="recognition_decision_due",
                **_label(
                    gettext_noop("Cấp ủy có thẩm quyền quyết định công nhận đảng viên chính thức")
                ),
                due=calendar.add_working_days(rec_cell, rs.recognition_decision_working_days),
                citation=rs.cite("recognition_decision_working_days"),
                done_on=_first(facts, Step.RECOGNITION_DECISION, Step.NOT_RECOGNISED),
            )
        )
    return out
