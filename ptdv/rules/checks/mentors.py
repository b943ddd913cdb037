"""The members assigned to help the person, before admission and during probation."""

from __future__ import annotations

from datetime import date

from ptdv.rules.facts import CandidacyFacts
from ptdv.rules.findings import Finding
from ptdv.rules.rulesets import RuleSet
from ptdv.rules.stages import Stage

from ._text import E, W, _d, _official_on


def check_mentors(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Members assigned to help the person (before admission and during probation).

    - A mentor must be an official member when assigned and while assigned (Điều lệ Đảng,
      Điều 5 khoản 1: "phân công đảng viên chính thức giúp đảng viên đó tiến bộ"; before
      admission the assigned member is the introducer, an official member, Điều 4 khoản 2).
    - From the sympathiser stage to the cell vote, and during probation, someone should be
      assigned on ``on`` (warning).
    """
    cite = rule_set.cite("mentor_must_be_official")
    out: list[Finding] = []
    active = 0
    for m in facts.mentors:
        if m.start > on:
            continue
        current = m.end is None or m.end >= on
        if rule_set.mentor_must_be_official and not _official_on(m.official_since, None, m.start):
            out.append(
                Finding(
                    "mentor.not_official",
                    E,
                    f"Đảng viên giúp đỡ {m.name} chưa là đảng viên chính thức khi được phân công "
                    f"({_d(m.start)}).",
                    cite,
                )
            )
        if current and m.left_on is not None and m.left_on <= on:
            out.append(
                Finding(
                    "mentor.left",
                    W,
                    f"Đảng viên giúp đỡ {m.name} đã ra khỏi Đảng hoặc chuyển đi từ "
                    f"{_d(m.left_on)}; "
                    "cần phân công người khác.",
                    cite,
                )
            )
        elif current:
            active += 1
    needs = facts.stage in (
        Stage.SYMPATHISER,
        Stage.AWARENESS_TRAINED,
        Stage.DOSSIER,
        Stage.PROBATIONARY,
        Stage.NEW_MEMBER_TRAINED,
    )
    if needs and active == 0:
        who = (
            "đảng viên dự bị"
            if facts.stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED)
            else "quần chúng"
        )
        out.append(
            Finding(
                "mentor.none",
                W,
                f"Chưa có đảng viên chính thức được phân công giúp đỡ {who} này.",
                cite,
            )
        )
    return out
