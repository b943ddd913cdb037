"""The dossier checklist of a candidacy: which papers its current stage needs (pure Python).

For each paper the checklist says whether it is present, missing or expired (or present with a
problem, e.g. a verification without a conclusion or an introducer who does not qualify), with
the finding and the citation of the rule that says so. Nothing here restates a rule: the
statuses come from the checks of :mod:`ptdv.rules.checks` (``check_papers``,
``check_papers_fresh``, ``check_introducers``, ``check_awareness_certificate``,
``check_recognition``) applied to the candidacy's facts, and the expiry dates from the values of
the rule set in force.

- Before and during the admission dossier (source … dossier): the admission papers, checked on
  ``on`` (the day the cell would consider the dossier); for an applicant over 60 on that day,
  also the written consent of the committee directly under the Centre (``over_age_consent``).
- After the cell's resolution and until the ceremony: the same papers as they stood on the day
  of the cell's resolution.
- During probation: the recognition dossier (the new-member class certificate).
- Official members, party card holders and closed candidacies: nothing is required.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from ptdv.rules.checks import (
    check_age,
    check_awareness_certificate,
    check_introducers,
    check_papers,
    check_papers_fresh,
    check_recognition,
)
from ptdv.rules.checks.introducers import current_introducers
from ptdv.rules.checks.person import over_age_consent
from ptdv.rules.facts import (
    EXPIRING_PAPER_KINDS,
    PAPER_LABELS,
    REQUIRED_PAPER_KINDS,
    VERIFICATION_RESULTS,
    VERIFICATION_SUBJECTS,
    CandidacyFacts,
    PaperFacts,
)
from ptdv.rules.findings import Citation, Finding, Severity
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RuleSet, rule_set_for
from ptdv.rules.stages import Stage, Step

from .i18n import gettext_noop

__all__ = ["ADMISSION", "RECOGNITION", "Checklist", "ChecklistItem", "ItemStatus", "checklist"]

ADMISSION = "admission"
RECOGNITION = "recognition"

_ADMISSION_STAGES = frozenset(
    {Stage.SOURCE, Stage.SYMPATHISER, Stage.AWARENESS_TRAINED, Stage.DOSSIER}
)
_AFTER_CELL_STAGES = frozenset(
    {
        Stage.CELL_RESOLVED,
        Stage.PARTIAL_APPRAISED,
        Stage.GRASSROOTS_RESOLVED,
        Stage.ADMISSION_DECIDED,
    }
)
_PROBATION_STAGES = frozenset(
    {Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED, Stage.RECOGNITION_CELL_RESOLVED}
)


class ItemStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    EXPIRED = "expired"
    #: Present, but a rule finds an error in it (pending verification, unqualified introducer).
    PROBLEM = "problem"


STATUS_LABELS: dict[ItemStatus, str] = {
    ItemStatus.PRESENT: gettext_noop("Đã có"),
    ItemStatus.MISSING: gettext_noop("Còn thiếu"),
    ItemStatus.EXPIRED: gettext_noop("Hết hạn"),
    ItemStatus.PROBLEM: gettext_noop("Có vướng mắc"),
}


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist.

    - ``kind``: a paper kind of :data:`~ptdv.rules.facts.PAPER_LABELS`, or ``"awareness_certificate"``,
      ``"introducers"``, ``"new_member_certificate"``.
    - ``findings``: what the rules say about this line (empty when it is in order).
    """

    kind: str
    label: str
    status: ItemStatus
    citation: Citation
    received_on: date | None = None
    expires_on: date | None = None
    detail: str = ""
    findings: tuple[Finding, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_ok(self) -> bool:
        return self.status is ItemStatus.PRESENT


@dataclass
class Checklist:
    """The papers the current stage needs, checked on ``on``."""

    phase: str  # ADMISSION, RECOGNITION or "" (nothing required)
    on: date | None
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return {
            ADMISSION: "Hồ sơ đề nghị kết nạp",
            RECOGNITION: "Hồ sơ đề nghị công nhận đảng viên chính thức",
        }.get(self.phase, "")

    def _with(self, status: ItemStatus) -> list[ChecklistItem]:
        return [i for i in self.items if i.status is status]

    @property
    def present(self) -> list[ChecklistItem]:
        return self._with(ItemStatus.PRESENT)

    @property
    def missing(self) -> list[ChecklistItem]:
        return self._with(ItemStatus.MISSING)

    @property
    def expired(self) -> list[ChecklistItem]:
        return self._with(ItemStatus.EXPIRED)

    @property
    def problems(self) -> list[ChecklistItem]:
        return self._with(ItemStatus.PROBLEM)

    @property
    def complete(self) -> bool:
        return bool(self.items) and all(i.is_ok for i in self.items)


def checklist(facts: CandidacyFacts, on: date, rule_set: RuleSet | None = None) -> Checklist:
    """The dossier checklist of ``facts``'s stage, checked on ``on`` (see the module docstring).

    ``rule_set`` defaults to the rule set in force on the day the papers are checked.
    """
    stage = facts.stage
    if stage in _ADMISSION_STAGES or stage in _AFTER_CELL_STAGES:
        day = on
        if stage in _AFTER_CELL_STAGES:
            day = facts.step_dates.get(Step.CELL_RESOLUTION, on)
        rs = rule_set or rule_set_for(day)
        return Checklist(ADMISSION, day, _admission_items(facts, rs, day))
    if stage in _PROBATION_STAGES:
        rs = rule_set or rule_set_for(on)
        return Checklist(RECOGNITION, on, _recognition_items(facts, rs, on))
    return Checklist("", None, [])


# --- admission ----------------------------------------------------------------------------


def _admission_items(facts: CandidacyFacts, rs: RuleSet, on: date) -> list[ChecklistItem]:
    items = [_certificate_item(facts, rs, on)]
    papers_cite = rs.cite("dossier_papers_valid_months")
    missing = [f for f in check_papers(facts, rs, on) if f.code == "papers.missing"]
    present_kinds = {p.kind for p in facts.papers if p.received_on is not None}
    missing_kinds = [k for k in REQUIRED_PAPER_KINDS if k not in present_kinds]
    missing_by_kind = dict(zip(missing_kinds, missing, strict=True))
    for kind in REQUIRED_PAPER_KINDS:
        if kind == "verification":
            items += _verification_items(facts, rs, on, missing_by_kind.get(kind))
            continue
        if kind in missing_by_kind:
            finding = missing_by_kind[kind]
            items.append(
                ChecklistItem(
                    kind,
                    PAPER_LABELS[kind],
                    ItemStatus.MISSING,
                    finding.citation,
                    findings=(finding,),
                )
            )
            continue
        latest = _latest(facts.papers, kind)
        items.append(_paper_item(facts, rs, on, latest, papers_cite))
    items += _introducer_items(facts, rs, on)
    items += _over_age_items(facts, rs, on)
    # Letters / union resolutions recorded as papers without a recorded introducer.
    if not facts.introducers:
        for paper in facts.papers:
            if paper.kind in ("introducer_letter", "union_resolution") and paper.received_on:
                items.append(_paper_item(facts, rs, on, paper, papers_cite))
    return items


def _latest(papers: tuple[PaperFacts, ...], kind: str) -> PaperFacts:
    dated = [p for p in papers if p.kind == kind and p.received_on is not None]
    return max(dated, key=lambda p: p.received_on or date.min)  # every one is dated


def _paper_item(
    facts: CandidacyFacts, rs: RuleSet, on: date, paper: PaperFacts, cite: Citation
) -> ChecklistItem:
    expires = None
    found: list[Finding] = []
    if paper.kind in EXPIRING_PAPER_KINDS and paper.received_on is not None:
        expires = add_months(paper.received_on, rs.dossier_papers_valid_months)
        found = check_papers_fresh(replace(facts, papers=(paper,), introducers=()), rs, on)
    return ChecklistItem(
        paper.kind,
        PAPER_LABELS.get(paper.kind, paper.kind),
        ItemStatus.EXPIRED if found else ItemStatus.PRESENT,
        found[0].citation if found else cite,
        received_on=paper.received_on,
        expires_on=expires,
        findings=tuple(found),
    )


def _certificate_item(facts: CandidacyFacts, rs: RuleSet, on: date) -> ChecklistItem:
    found = check_awareness_certificate(facts, rs, on)
    cert = facts.awareness_certificate_date
    status = ItemStatus.PRESENT
    if any(f.code == "certificate.missing" for f in found):
        status = ItemStatus.MISSING
    elif any(f.code == "certificate.expired" for f in found):
        status = ItemStatus.EXPIRED
    elif found:
        status = ItemStatus.PROBLEM
    return ChecklistItem(
        "awareness_certificate",
        "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
        status,
        rs.cite("awareness_certificate_valid_months"),
        received_on=cert,
        expires_on=add_months(cert, rs.awareness_certificate_valid_months) if cert else None,
        findings=tuple(found),
    )


def _verification_items(
    facts: CandidacyFacts, rs: RuleSet, on: date, missing: Finding | None
) -> list[ChecklistItem]:
    label = PAPER_LABELS["verification"]
    if missing is not None:
        return [
            ChecklistItem(
                "verification", label, ItemStatus.MISSING, missing.citation, findings=(missing,)
            )
        ]
    out = []
    for paper in facts.papers:
        if paper.kind != "verification" or paper.received_on is None:
            continue
        found = [
            f
            for f in check_papers(replace(facts, papers=(paper,)), rs, on)
            if f.code.startswith("papers.verification")
        ]
        errors = tuple(f for f in found if f.severity is Severity.ERROR)
        subject = VERIFICATION_SUBJECTS.get(paper.subject, paper.subject)
        result = VERIFICATION_RESULTS.get(paper.result or "", "chưa có kết luận")
        out.append(
            ChecklistItem(
                "verification",
                f"{label} ({subject})" if subject else label,
                ItemStatus.PROBLEM if errors else ItemStatus.PRESENT,
                found[0].citation if found else rs.cite("dossier_papers_valid_months"),
                received_on=paper.received_on,
                detail=f"Kết luận: {result}",
                findings=tuple(found),
            )
        )
    return out


_UNION_LABELS = {
    "youth_union": gettext_noop("Nghị quyết giới thiệu của Ban Chấp hành Đoàn cơ sở"),
    "trade_union": gettext_noop("Nghị quyết giới thiệu của Ban Chấp hành Công đoàn cơ sở"),
}


def _introducer_items(facts: CandidacyFacts, rs: RuleSet, on: date) -> list[ChecklistItem]:
    overall = [
        f
        for f in check_introducers(facts, rs, on)
        if f.code.startswith("introducers.") or f.code == "introducer.duplicate"
    ]
    insufficient = [f for f in overall if f.code == "introducers.insufficient"]
    cite = rs.cite("introducers_required")
    current = current_introducers(facts.introducers)[0]  # a letter made again replaces
    members = sum(1 for i in current if i.kind == "member")
    unions = len(current) - members
    detail = f"{members} đảng viên" + (f", {unions} đoàn thể" if unions else "")
    items = [
        ChecklistItem(
            "introducers",
            "Người giới thiệu",
            ItemStatus.MISSING if insufficient else ItemStatus.PRESENT,
            insufficient[0].citation if insufficient else cite,
            detail=detail,
            findings=tuple(overall),
        )
    ]
    for intro in current:
        found = [
            f
            for f in check_introducers(replace(facts, introducers=(intro,)), rs, on)
            if f.code.startswith("introducer.")
        ]
        expired = [f for f in found if f.code == "introducer.letter_expired"]
        errors = [f for f in found if f.severity is Severity.ERROR]
        status = ItemStatus.PRESENT
        if expired:
            status = ItemStatus.EXPIRED
        elif intro.letter_date is None:
            status = ItemStatus.MISSING
        elif errors:
            status = ItemStatus.PROBLEM
        if intro.kind == "member":
            label = f"{PAPER_LABELS['introducer_letter']}: {intro.name}"
        else:
            label = _UNION_LABELS.get(intro.kind, PAPER_LABELS["union_resolution"])
        items.append(
            ChecklistItem(
                "introducer_letter" if intro.kind == "member" else "union_resolution",
                label,
                status,
                found[0].citation if found else rs.cite("introducer_min_months"),
                received_on=intro.letter_date,
                expires_on=add_months(intro.letter_date, rs.dossier_papers_valid_months)
                if intro.letter_date
                else None,
                detail=(
                    f"Cùng công tác {intro.months_together} tháng" if intro.kind == "member" else ""
                ),
                findings=tuple(found),
            )
        )
    return items


def _over_age_items(facts: CandidacyFacts, rs: RuleSet, on: date) -> list[ChecklistItem]:
    """The written consent for an applicant over 60 (only when the applicant is over 60 on
    ``on``): present, or missing with the finding that says what to record."""
    found = [f for f in check_age(facts, rs, on) if f.code.startswith("age.")]
    over = [f for f in found if f.code in ("age.too_old", "age.over_max_with_consent")]
    if not over:
        return []
    consent = over_age_consent(facts)
    missing = over[0].code == "age.too_old"
    return [
        ChecklistItem(
            "over_age_consent",
            PAPER_LABELS["over_age_consent"],
            ItemStatus.MISSING if missing else ItemStatus.PRESENT,
            over[0].citation,
            received_on=None if missing or consent is None else consent.received_on,
            detail=""
            if missing or consent is None
            else " ".join(
                part
                for part in (
                    f"Số {consent.number}." if consent.number else "",
                    consent.issuer,
                )
                if part
            ),
            findings=tuple(over) if missing else (),
        )
    ]


# --- recognition --------------------------------------------------------------------------


def _recognition_items(facts: CandidacyFacts, rs: RuleSet, on: date) -> list[ChecklistItem]:
    found = [
        f for f in check_recognition(facts, rs, on) if f.code == "recognition.no_new_member_class"
    ]
    return [
        ChecklistItem(
            "new_member_certificate",
            "Giấy chứng nhận học lớp bồi dưỡng lý luận chính trị cho đảng viên mới",
            ItemStatus.MISSING if found else ItemStatus.PRESENT,
            rs.cite("recognition_cell_working_days"),
            received_on=facts.new_member_class_date,
            findings=tuple(found),
        )
    ]
