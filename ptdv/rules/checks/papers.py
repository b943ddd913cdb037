"""The papers of the dossier: present, verified, not expired."""

from __future__ import annotations

from datetime import date

from ptdv.rules.facts import (
    EXPIRING_PAPER_KINDS,
    PAPER_LABELS,
    REQUIRED_PAPER_KINDS,
    CandidacyFacts,
)
from ptdv.rules.findings import Finding
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RuleSet

from ._text import E, W, _d


def check_papers(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers the dossier must hold before the cell votes (HD 01/HD 06, mục 3; HD 12-HD/BTCTW).

    - Application (1-KNĐ), personal history (2-KNĐ), verification of the personal history,
      summary of comments (5-KNĐ) — missing or undated papers are errors.
    - A verification still pending (``result is None``) is an error; one with an issue found is
      a warning for the cell and the committee to weigh.
    - Introducers' letters and union resolutions: see :func:`check_introducers`.
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    present = {p.kind for p in facts.papers if p.received_on is not None}
    for kind in REQUIRED_PAPER_KINDS:
        if kind not in present:
            out.append(
                Finding("papers.missing", E, f"Hồ sơ còn thiếu: {PAPER_LABELS[kind]}.", cite)
            )
    for paper in facts.papers:
        if paper.kind != "verification" or paper.received_on is None:
            continue
        subject = f" ({paper.subject})" if paper.subject else ""
        if paper.result is None:
            out.append(
                Finding(
                    "papers.verification_pending",
                    E,
                    f"Thẩm tra lý lịch{subject} chưa có kết luận.",
                    cite,
                )
            )
        elif paper.result == "issue":
            out.append(
                Finding(
                    "papers.verification_issue",
                    W,
                    f"Thẩm tra lý lịch{subject} phát hiện vấn đề cần chi bộ và cấp ủy xem xét.",
                    cite,
                )
            )
    return out


def check_papers_fresh(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers that expire if the cell has not considered the dossier in time.

    - Comments (and, when no introducers are recorded, letters and union resolutions given as
      papers) are valid ``dossier_papers_valid_months`` (12) months from their date: the cell
      must consider the dossier on or before ``add_months(date, 12)`` (unverified; HD 01/HD 06).
    - Letters of recorded introducers are checked by :func:`check_introducers`.
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    for paper in facts.papers:
        if paper.kind not in EXPIRING_PAPER_KINDS or paper.received_on is None:
            continue
        if paper.kind != "comments" and facts.introducers:
            continue
        expiry = add_months(paper.received_on, rule_set.dossier_papers_valid_months)
        if on > expiry:
            out.append(
                Finding(
                    "papers.expired",
                    E,
                    f"{PAPER_LABELS[paper.kind]} ngày {_d(paper.received_on)} đã quá "
                    f"{rule_set.dossier_papers_valid_months} tháng (hết hạn {_d(expiry)}) mà chi "
                    "bộ "
                    "chưa xét; phải làm lại.",
                    cite,
                )
            )
    return out
