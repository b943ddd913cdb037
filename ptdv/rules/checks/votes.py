"""The cell's votes as findings: one vote (:func:`check_vote`, its arithmetic in
:mod:`ptdv.rules.votes`) and repeated votes without two thirds."""

from __future__ import annotations

from datetime import date

from ptdv.rules.facts import CandidacyFacts, VoteFacts
from ptdv.rules.findings import Finding
from ptdv.rules.rulesets import RuleSet
from ptdv.rules.stages import Stage, Step
from ptdv.rules.votes import VOTE_FIELDS, vote_errors, votes_required

from ._text import E, W


def check_vote(
    facts: CandidacyFacts, rule_set: RuleSet, on: date, step: Step = Step.CELL_RESOLUTION
) -> list[Finding]:
    """A cell vote (admission or recognition).

    - At least two thirds of the cell's *official* members (not of those present) must approve
      (Điều lệ Đảng, Điều 4 khoản 3 and Điều 5; QĐ mục 4.2.3): 9 members → 6, 11 → 8.
    - The numbers must be consistent: present ≤ members, for + against ≤ present.
    """
    vote: VoteFacts | None = (
        facts.cell_vote if step is Step.CELL_RESOLUTION else facts.recognition_vote
    )
    cite = rule_set.cite("vote_fraction")
    what = "kết nạp" if step is Step.CELL_RESOLUTION else "công nhận đảng viên chính thức"
    if vote is None:
        return [Finding("vote.missing", W, f"Chưa ghi kết quả biểu quyết {what} của chi bộ.", cite)]
    figures = dict(zip(VOTE_FIELDS, (vote.official_members, vote.present, vote.in_favour,
                                      vote.against), strict=True))  # fmt: skip
    if vote.official_members == 0 or vote_errors(figures):
        return [
            Finding(
                "vote.inconsistent",
                E,
                f"Số liệu biểu quyết {what} không hợp lệ (đảng viên chính thức "
                f"{vote.official_members}, "
                f"có mặt {vote.present}, tán thành {vote.in_favour}, không tán thành "
                f"{vote.against}).",
                cite,
                event_id=vote.event_id,
            )
        ]
    need = votes_required(vote.official_members, rule_set)
    if vote.in_favour < need:
        return [
            Finding(
                "vote.below_two_thirds",
                E,
                f"Biểu quyết {what}: chỉ {vote.in_favour}/{vote.official_members} đảng viên chính "
                "thức "
                f"tán thành, cần ít nhất {need} (hai phần ba).",
                cite,
                event_id=vote.event_id,
            )
        ]
    return []


def check_failed_votes(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Repeated votes without two thirds.

    - After ``max_failed_votes`` (3) votes on recognising a probationary member without two
      thirds, the matter goes to the direct superior committee and the competent committee
      (QĐ mục 4.2.3): error, the cell does not vote again.
    - The same count for admission votes is reported as a warning (the text speaks of
      recognition; applying it to admission is an analogy).
    - Only the vote of the current stage counts.
    """
    out: list[Finding] = []
    cite = rule_set.cite("max_failed_votes")
    limit = rule_set.max_failed_votes
    if facts.stage in (Stage.AWARENESS_TRAINED, Stage.DOSSIER):
        n = facts.failed_votes.get(Step.CELL_RESOLUTION, 0)
        if n >= limit:
            out.append(
                Finding(
                    "votes.admission_failed_repeatedly",
                    W,
                    f"Chi bộ đã {n} lần biểu quyết kết nạp không đủ hai phần ba: nên báo cáo cấp "
                    "ủy cấp trên "
                    "xem xét.",
                    cite,
                )
            )
    if facts.stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED):
        n = facts.failed_votes.get(Step.RECOGNITION_CELL_RESOLUTION, 0)
        if n >= limit:
            out.append(
                Finding(
                    "votes.recognition_failed_repeatedly",
                    E,
                    f"Chi bộ đã {n} lần biểu quyết công nhận chính thức không đủ hai phần ba: "
                    "phải báo cáo "
                    "cấp ủy cấp trên trực tiếp và cấp ủy có thẩm quyền xem xét, quyết định.",
                    cite,
                )
            )
    return out
