"""The papers of the dossier: present, verified, not expired."""

from __future__ import annotations

from datetime import date

from ptdv.rules.facts import (
    EXPIRING_PAPER_KINDS,
    PAPER_LABELS,
    REQUIRED_PAPER_KINDS,
    CandidacyFacts,
    PaperFacts,
)
from ptdv.rules.findings import Finding
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RuleSet

from ._text import E, W, _d


def latest_papers(papers: tuple[PaperFacts, ...]) -> list[PaperFacts]:
    """The papers that count: of the papers of one kind that expire or conclude (comments,
    letters given as papers, a verification of one person), the latest by date; a paper made
    again ("phải làm lại", HD 01-HD/TW mục 3) or a verification concluded later replaces the
    earlier one. Other papers all count. Recorded order is kept."""
    latest: dict[tuple[str, str], PaperFacts] = {}
    for paper in papers:
        if paper.kind in EXPIRING_PAPER_KINDS or paper.kind == "verification":
            key = (paper.kind, paper.subject)
            kept = latest.get(key)
            if kept is None or (paper.received_on or date.min) >= (kept.received_on or date.min):
                latest[key] = paper
    return [
        p
        for p in papers
        if not (p.kind in EXPIRING_PAPER_KINDS or p.kind == "verification")
        or latest[(p.kind, p.subject)] is p
    ]


def check_papers(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers the dossier must hold before the cell votes (HD 01/HD 06, mục 3; HD 12-HD/BTCTW).

    - Application (1-KNĐ), personal history (2-KNĐ), verification of the personal history,
      summary of comments (5-KNĐ) — missing or undated papers are errors.
    - A verification still pending (``result is None``) is an error; one with an issue found is
      a warning for the cell and the committee to weigh.
    - Introducers' letters and union resolutions: see :func:`check_introducers`.
    - Of several verifications of one person, the latest counts (:func:`latest_papers`).
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    present = {p.kind for p in facts.papers if p.received_on is not None}
    for kind in REQUIRED_PAPER_KINDS:
        if kind not in present:
            out.append(
                Finding(
                    "papers.missing",
                    E,
                    f"Hồ sơ còn thiếu: {PAPER_LABELS[kind]}.",
                    cite,
                    paper_kind=kind,
                )
            )
    for paper in latest_papers(facts.papers):
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
                    event_id=paper.event_id,
                    paper_kind="verification",
                )
            )
        elif paper.result == "issue":
            out.append(
                Finding(
                    "papers.verification_issue",
                    W,
                    f"Thẩm tra lý lịch{subject} phát hiện vấn đề cần chi bộ và cấp ủy xem xét.",
                    cite,
                    event_id=paper.event_id,
                )
            )
    return out


def check_papers_fresh(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers that expire if the cell has not considered the dossier in time.

    - Comments (and, when no introducers are recorded, letters and union resolutions given as
      papers) are valid ``dossier_papers_valid_months`` (12) months from their date: the cell
      must consider the dossier on or before ``add_months(date, 12)`` (unverified; HD 01/HD 06).
    - Letters of recorded introducers are checked by :func:`check_introducers`.
    - A paper made again replaces the earlier one of its kind (:func:`latest_papers`).
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    for paper in latest_papers(facts.papers):
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
                    event_id=paper.event_id,
                    paper_kind=paper.kind,
                )
            )
    return out
