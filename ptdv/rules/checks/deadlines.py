"""The deadlines of a candidacy, from the dates of its steps."""

from __future__ import annotations

import dataclasses
from datetime import date

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
                "certificate_expiry",
                "Chi bộ xét kết nạp trước khi giấy chứng nhận nhận thức về Đảng hết hạn",
                add_months(cert, rs.awareness_certificate_valid_months),
                rs.cite("awareness_certificate_valid_months"),
                cell,
            )
        )

    dated: list[tuple[date, str]] = []
    for intro in current_introducers(facts.introducers)[0]:  # a letter made again replaces
        if intro.letter_date is not None:
            what = (
                f"giấy giới thiệu của {intro.name}"
                if intro.kind == "member"
                else f"nghị quyết giới thiệu của {_KIND_LABELS.get(intro.kind, intro.kind)}"
            )
            dated.append((intro.letter_date, what))
    for paper in latest_papers(facts.papers):
        if paper.kind in EXPIRING_PAPER_KINDS and paper.received_on is not None:
            if paper.kind != "comments" and facts.introducers:
                continue
            dated.append((paper.received_on, PAPER_LABELS[paper.kind].lower()))
    if dated:
        expiries = []
        for d, what in dated:
            rs = rule_set_for(d)
            expiries.append((add_months(d, rs.dossier_papers_valid_months), what, rs))
        due, what, rs = min(expiries, key=lambda t: t[0])
        out.append(
            Deadline(
                "papers_expiry",
                f"Chi bộ xét kết nạp trước khi {what} hết hạn",
                due,
                rs.cite("dossier_papers_valid_months"),
                cell,
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
                "decision_due",
                "Cấp ủy có thẩm quyền ra quyết định kết nạp"
                + (" (đã gia hạn)" if facts.decision_extended else ""),
                calendar.add_working_days(cell, n),
                rs.cite("decision_working_days"),
                sd.get(Step.ADMISSION_DECISION),
            )
        )

    start = ceremony_start(facts)
    if start is not None:
        day, received = start
        rs = rule_set_for(day)
        out.append(
            Deadline(
                "ceremony_due",
                "Chi bộ tổ chức lễ kết nạp" + ("" if received else f" ({FROM_DECISION_DATE})"),
                calendar.add_working_days(day, rs.ceremony_working_days),
                rs.cite("ceremony_working_days"),
                sd.get(Step.CEREMONY),
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
                "probation_end",
                f"Hết {rs.probation_months} tháng dự bị",
                end,
                rs.cite("probation_months"),
                recognised,
                milestone=True,
            )
        )
        rs_end = rule_set_for(end)
        out.append(
            Deadline(
                "recognition_cell_due",
                "Chi bộ xét công nhận đảng viên chính thức",
                calendar.add_working_days(end, rs_end.recognition_cell_working_days),
                rs_end.cite("recognition_cell_working_days"),
                recognised,
            )
        )

    rec_cell = sd.get(Step.RECOGNITION_CELL_RESOLUTION)
    if rec_cell is not None:
        rs = rule_set_for(rec_cell)
        out.append(
            Deadline(
                "recognition_decision_due",
                "Cấp ủy có thẩm quyền quyết định công nhận đảng viên chính thức",
                calendar.add_working_days(rec_cell, rs.recognition_decision_working_days),
                rs.cite("recognition_decision_working_days"),
                _first(facts, Step.RECOGNITION_DECISION, Step.NOT_RECOGNISED),
            )
        )
    return out
