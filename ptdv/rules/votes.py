"""A cell's vote, stated once: when its figures are possible and when it passes.

The step form, the services and the import planner all ask these functions; the database keeps
the two consistency rules as check constraints as well (``Event``), so no path can store an
impossible vote.

- At least two thirds of the cell's *official* members (not of those present) must approve
  (Điều lệ Đảng, Điều 4 khoản 3 and Điều 5; QĐ 294-QĐ/TW 2025, mục 4.2.3): 9 members → 6,
  11 → 8. The fraction is the rule set's ``vote_fraction``.
- The figures must be consistent: none negative, present ≤ official members,
  in favour + against ≤ present.
"""

from __future__ import annotations

from collections.abc import Mapping

from ptdv.rules.i18n import gettext_noop
from ptdv.rules.rulesets import RuleSet

#: The figures of a vote, in the order the forms and the import show them.
VOTE_FIELDS = ("official_members", "present", "in_favour", "against")

MISSING = gettext_noop("Cần ghi đủ số đảng viên chính thức, có mặt, tán thành và không tán thành.")
NEGATIVE = gettext_noop("Số phiếu không được âm.")
PRESENT_ABOVE_MEMBERS = gettext_noop(
    "Số có mặt không được lớn hơn số đảng viên chính thức của chi bộ."
)
VOTES_ABOVE_PRESENT = gettext_noop("Tổng số tán thành và không tán thành vượt quá số có mặt.")


def votes_required(official_members: int, rule_set: RuleSet) -> int:
    """Smallest number of votes in favour reaching the fraction (2/3): 9 → 6, 11 → 8."""
    f = rule_set.vote_fraction
    return -(-official_members * f.numerator // f.denominator)


def vote_errors(votes: Mapping[str, int | None] | None) -> list[tuple[str, str]]:
    """Why the figures of a vote are impossible, as ``(field, message)`` in the order checked;
    empty when they are consistent. A missing figure is named first; the field is the one the
    forms mark."""
    figures = dict(votes or {})
    missing = [f for f in VOTE_FIELDS if figures.get(f) is None]
    if missing:
        return [(missing[0], MISSING)]
    official, present, in_favour, against = (int(figures[f] or 0) for f in VOTE_FIELDS)
    if min(official, present, in_favour, against) < 0:
        field = next(
            f
            for f, v in zip(VOTE_FIELDS, (official, present, in_favour, against), strict=True)
            if v < 0
        )
        return [(field, NEGATIVE)]
    if present > official:
        return [("present", PRESENT_ABOVE_MEMBERS)]
    if in_favour + against > present:
        return [("in_favour", VOTES_ABOVE_PRESENT)]
    return []


def vote_passed(official_members: int, in_favour: int, rule_set: RuleSet) -> bool:
    """Whether a consistent vote reached the fraction of the cell's official members."""
    return official_members > 0 and in_favour >= votes_required(official_members, rule_set)
