"""The input of the checks: plain frozen dataclasses built by the Django side (pure Python).

No callables and no database objects: everything a check needs is copied in here, so the checks
are pure functions that can run for 20,000 candidacies in a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ptdv.rules.i18n import gettext_noop
from ptdv.rules.stages import Stage, Step

__all__ = [
    "EXPIRING_PAPER_KINDS",
    "PAPER_LABELS",
    "REQUIRED_PAPER_KINDS",
    "CandidacyFacts",
    "EducationCode",
    "IntroducerFacts",
    "IntroducerKind",
    "MentorFacts",
    "PaperFacts",
    "PaperKind",
    "PersonFacts",
    "VoteFacts",
]

EducationCode = Literal[
    "none",
    "primary",
    "lower_secondary",
    "upper_secondary",
    "vocational",
    "college",
    "university",
    "master",
    "doctor",
]
IntroducerKind = Literal["member", "youth_union", "trade_union"]
PaperKind = Literal[
    "application",
    "personal_history",
    "verification",
    "introducer_letter",
    "union_resolution",
    "comments",
    "over_age_consent",
]

#: Papers that expire if the cell has not considered the dossier in time.
EXPIRING_PAPER_KINDS: frozenset[str] = frozenset(
    {"introducer_letter", "union_resolution", "comments"}
)
#: Papers the dossier must hold before the cell votes (letters come from the introducers).
REQUIRED_PAPER_KINDS: tuple[str, ...] = (
    "application",
    "personal_history",
    "verification",
    "comments",
)

#: Whose personal history a verification covers (thẩm tra lý lịch).
VERIFICATION_SUBJECTS: dict[str, str] = {
    "applicant": gettext_noop("người vào Đảng"),
    "father": gettext_noop("cha"),
    "mother": gettext_noop("mẹ"),
    "father_in_law": gettext_noop("cha vợ/chồng"),
    "mother_in_law": gettext_noop("mẹ vợ/chồng"),
    "guardian": gettext_noop("người nuôi dưỡng"),
    "spouse": gettext_noop("vợ/chồng"),
    "child": gettext_noop("con"),
}
VERIFICATION_RESULTS: dict[str, str] = {
    "ok": gettext_noop("đạt"),
    "issue": gettext_noop("có vấn đề cần xem xét"),
}
#: A verification recorded without its conclusion yet.
NO_RESULT = gettext_noop("chưa có kết quả")

PAPER_LABELS: dict[str, str] = {
    "application": gettext_noop("Đơn xin vào Đảng"),
    "personal_history": gettext_noop("Lý lịch của người xin vào Đảng"),
    "verification": gettext_noop("Kết quả thẩm tra lý lịch"),
    "introducer_letter": gettext_noop("Giấy giới thiệu người vào Đảng"),
    "union_resolution": gettext_noop("Nghị quyết giới thiệu của Đoàn/Công đoàn"),
    "comments": gettext_noop("Tổng hợp ý kiến nhận xét của đoàn thể và chi ủy nơi cư trú"),
    "over_age_consent": gettext_noop(
        "Văn bản đồng ý của ban thường vụ cấp ủy trực thuộc Trung ương (người vào Đảng trên 60 "
        "tuổi)"
    ),
}


@dataclass(frozen=True)
class PersonFacts:
    """The applicant.

    - ``education``: one of :data:`EducationCode`.
    - ``official_since`` / ``left_on``: for a former party member (readmission): when they became
      an official member and when they left the party; ``None`` for a first admission.
    """

    birth_date: date
    education: str
    in_exception_area: bool = False
    youth_union_member: bool = False
    trade_union_member: bool = False
    official_since: date | None = None
    left_on: date | None = None


@dataclass(frozen=True)
class IntroducerFacts:
    """One introducer: an official member, or the Youth Union / Trade Union committee.

    - For ``kind == "member"``: ``official_since`` and ``left_on`` describe their membership,
      ``months_together`` how long they worked/studied/lived with the applicant, ``letter_date``
      the date of their letter.
    - For the union kinds: ``letter_date`` is the date of the union committee's resolution;
      ``official_since``, ``left_on`` and ``months_together`` are not applicable.
    """

    person_id: int
    name: str
    kind: str = "member"
    official_since: date | None = None
    left_on: date | None = None
    months_together: int = 0
    same_grassroots: bool = True
    letter_date: date | None = None
    #: The recorded event of the letter (``None``: not known to the caller).
    event_id: int | None = None


@dataclass(frozen=True)
class VoteFacts:
    """A cell vote: the cell's official members, those present, for and against."""

    official_members: int
    present: int
    in_favour: int
    against: int = 0
    #: The recorded event of the vote (``None``: not known to the caller).
    event_id: int | None = None


@dataclass(frozen=True)
class MentorFacts:
    """An official member assigned to help the person, from ``start`` to ``end`` (open if None)."""

    person_id: int
    name: str
    official_since: date | None
    left_on: date | None
    start: date
    end: date | None = None


@dataclass(frozen=True)
class PaperFacts:
    """A dossier paper (``received_on`` is the date the paper was made / received).

    For ``kind == "verification"``: ``subject`` names whose personal history was verified
    (``"applicant"``, ``"father"``…) and ``result`` is ``"ok"``, ``"issue"`` or ``None`` (pending).
    For ``kind == "over_age_consent"`` (the written consent for an applicant over 60):
    ``received_on`` is the date of the document, ``number`` its number and ``issuer`` the
    committee that gave it.
    """

    kind: str
    received_on: date | None
    subject: str = ""
    result: str | None = None
    number: str = ""
    issuer: str = ""
    #: The recorded event of the paper (``None``: not known to the caller).
    event_id: int | None = None


@dataclass(frozen=True)
class CandidacyFacts:
    """Everything the checks need about one candidacy."""

    person: PersonFacts
    stage: Stage
    step_dates: dict[Step, date] = field(default_factory=dict)
    failed_votes: dict[Step, int] = field(default_factory=dict)
    cell_is_grassroots: bool = False
    has_partial_committee: bool = False
    awareness_certificate_date: date | None = None
    new_member_class_date: date | None = None
    papers: tuple[PaperFacts, ...] = ()
    introducers: tuple[IntroducerFacts, ...] = ()
    mentors: tuple[MentorFacts, ...] = ()
    cell_vote: VoteFacts | None = None
    recognition_vote: VoteFacts | None = None
    #: The +30 working days extension of the admission decision was granted.
    decision_extended: bool = False
    #: The day the cell received the admission decision (``None``: not recorded; the ceremony's
    #: 30 working days then run from the decision's date).
    decision_received_on: date | None = None
    #: The direct superior committee agreed to a ceremony after the 30 working days.
    ceremony_consent: bool = False
    #: The admission dossier was completed and voted on before ptdv was used (an imported
    #: history): its papers and introducers are kept on paper, not recorded step by step.
    dossier_on_paper: bool = False


def paper_description(
    data: Mapping[str, Any], translate: Callable[[str], str] = lambda text: text
) -> str:
    """One line for a dossier paper event: "Kết quả thẩm tra lý lịch (cha): đạt".

    ``translate``: the page's translation of the labels (the rules stay without Django)."""
    label = translate(PAPER_LABELS.get(data.get("kind", ""), "Giấy tờ"))
    if data.get("kind") == "verification":
        subject = data.get("subject", "")
        subject = (
            translate(VERIFICATION_SUBJECTS[subject])
            if subject in VERIFICATION_SUBJECTS
            else subject
        )
        result = translate(VERIFICATION_RESULTS.get(data.get("result") or "", NO_RESULT))
        return f"{label} ({subject}): {result}" if subject else f"{label}: {result}"
    if data.get("kind") == "over_age_consent" and data.get("issuer"):
        return f"{label}: {data['issuer']}"
    return label
