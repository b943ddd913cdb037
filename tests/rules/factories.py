"""Builders of facts for the rule tests (plain Python, no Django)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.facts import (
    CandidacyFacts,
    IntroducerFacts,
    MentorFacts,
    PaperFacts,
    PersonFacts,
    VoteFacts,
)
from ptdv.rules.stages import Stage

CAL = WorkingCalendar()

#: The day the cell plans to consider the dossier in most tests.
TODAY = date(2026, 3, 16)


def person(**kw: Any) -> PersonFacts:
    base = PersonFacts(birth_date=date(1995, 5, 20), education="university")
    return replace(base, **kw)


def member(pid: int = 1, name: str = "Nguyễn Văn B", **kw: Any) -> IntroducerFacts:
    base = IntroducerFacts(
        person_id=pid,
        name=name,
        kind="member",
        official_since=date(2010, 1, 1),
        months_together=24,
        same_grassroots=True,
        letter_date=date(2026, 1, 10),
    )
    return replace(base, **kw)


def union(kind: str = "youth_union", **kw: Any) -> IntroducerFacts:
    base = IntroducerFacts(person_id=900, name="BCH", kind=kind, letter_date=date(2026, 1, 12))
    return replace(base, **kw)


def mentor(**kw: Any) -> MentorFacts:
    base = MentorFacts(
        person_id=50,
        name="Trần Thị C",
        official_since=date(2012, 5, 1),
        left_on=None,
        start=date(2024, 6, 1),
    )
    return replace(base, **kw)


GOOD_PAPERS = (
    PaperFacts("application", date(2026, 1, 5)),
    PaperFacts("personal_history", date(2026, 1, 5)),
    PaperFacts("verification", date(2026, 2, 1), subject="applicant", result="ok"),
    PaperFacts("comments", date(2026, 2, 10)),
)


def dossier(**kw: Any) -> CandidacyFacts:
    """A complete, valid dossier at stage DOSSIER (planned consideration: ``TODAY``)."""
    base = CandidacyFacts(
        person=person(),
        stage=Stage.DOSSIER,
        step_dates={},
        failed_votes={},
        awareness_certificate_date=date(2025, 10, 1),
        papers=GOOD_PAPERS,
        introducers=(member(1, "Nguyễn Văn B"), member(2, "Lê Văn D")),
        mentors=(mentor(),),
    )
    return replace(base, **kw)


def vote(members: int, in_favour: int, present: int | None = None, against: int = 0) -> VoteFacts:
    return VoteFacts(
        official_members=members,
        present=members if present is None else present,
        in_favour=in_favour,
        against=against,
    )
