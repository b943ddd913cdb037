"""Shares, achievement of a target and projections, rounded the way the seed articles print them.

Pure functions, but :func:`shown`. Percentages are :class:`~decimal.Decimal` rounded half up
(the articles' "vượt 13,83% chỉ tiêu" is 683 / 600 = 113,8333…%; "87,3%" is 207 / 237).

A number is shown as the offices write it by :func:`shown`, the one formatter of the reports'
pages, charts and sentences: thousands grouped and the active language's separators
(``ptdv/formats``) — "1.842" and "87,3" in Vietnamese (seed 000: "nâng tổng số đảng viên lên
1.842 đồng chí"; seed 003: "3.790 đảng viên"), "1,842" and "87.3" in English. The workbook
keeps numbers and groups them by its number formats (``ptdv.reports.excel.number_format``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def shown(value: int | float | Decimal, places: int | None = 0) -> str:
    """``value`` as the active language writes it, thousands grouped: ``shown(1842)`` is
    "1.842" in Vietnamese, "1,842" in English; ``shown(Decimal("87.3"), 1)`` is "87,3".
    ``places=None`` keeps the value's own decimals (a ``Decimal`` already rounded)."""
    from django.utils.formats import number_format  # the one Django import of the module

    if places is None and isinstance(value, Decimal):
        places = max(0, -int(value.as_tuple().exponent))
    return number_format(value, places, force_grouping=True)


def rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share(part: int, whole: int, places: int = 1) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (``None`` when ``whole`` is 0).

    >>> share(207, 237)
    Decimal('87.3')
    >>> share(374, 470, places=2)
    Decimal('79.57')
    """
    if not whole:
        return None
    return rounded(Decimal(part) * HUNDRED / Decimal(whole), places)


@dataclass(frozen=True)
class Achievement:
    """What was achieved against a target.

    ``percent`` is achieved / target × 100; ``difference`` is how far above (positive) or below
    (negative) the target, in percent of the target: 683 against 600 is ``percent`` 113,83 and
    ``difference`` 13,83 ("vượt 13,83% chỉ tiêu").
    """

    achieved: int
    target: int
    percent: Decimal
    difference: Decimal

    @property
    def above(self) -> bool:
        return self.difference > 0

    @property
    def met(self) -> bool:
        return self.achieved >= self.target

    @property
    def missing(self) -> int:
        """How many are still needed to meet the target (0 when met)."""
        return max(0, self.target - self.achieved)


def achievement(achieved: int, target: int | None, places: int = 2) -> Achievement | None:
    """Achievement against ``target`` (``None`` without a positive target)."""
    if not target or target <= 0:
        return None
    percent = rounded(Decimal(achieved) * HUNDRED / Decimal(target), places)
    difference = rounded((Decimal(achieved) - Decimal(target)) * HUNDRED / Decimal(target), places)
    return Achievement(achieved, target, percent, difference)


@dataclass(frozen=True)
class Projection:
    """The term's result foreseen on ``today``.

    - ``by_pace``: admitted so far plus the pace so far (admissions per day elapsed) over the
      days left, rounded down (a projection does not promise a part of a person).
    - ``with_pipeline``: admitted so far plus the candidacies already resolved by their cell and
      waiting for a decision or a ceremony (``in_hand``): what the term reaches if only those go
      through.
    """

    admitted: int
    in_hand: int
    by_pace: int
    with_pipeline: int
    days_elapsed: int
    days_total: int


def project(admitted: int, in_hand: int, start: date, end: date, today: date) -> Projection:
    """Project the result of the term ``start``–``end`` (inclusive) as seen on ``today``."""
    days_total = (end - start).days + 1
    days_elapsed = min(max((today - start).days + 1, 0), days_total)
    by_pace = admitted if days_elapsed <= 0 else admitted * days_total // days_elapsed
    return Projection(
        admitted=admitted,
        in_hand=in_hand,
        by_pace=by_pace,
        with_pipeline=admitted + in_hand,
        days_elapsed=days_elapsed,
        days_total=days_total,
    )


def percentile(values: Sequence[int], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``values`` by linear interpolation between closest ranks
    (the definition of ``statistics.quantiles(method="inclusive")`` and of PostgreSQL's
    ``percentile_cont``); ``None`` for no values.

    >>> percentile([1, 2, 3, 4], 0.5)
    2.5
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def percentile_ranks(count: int, fraction: float) -> set[int]:
    """The ranks (from 0, in ascending order) :func:`percentile` reads among ``count`` values."""
    position = (count - 1) * fraction
    low = int(position)
    return {low, min(low + 1, count - 1)}


def percentile_of_ranks(by_rank: dict[int, int], count: int, fraction: float) -> float | None:
    """:func:`percentile` of ``count`` values of which ``by_rank`` holds those at
    :func:`percentile_ranks` (rank from 0 → value), computed the same way."""
    if not count:
        return None
    position = (count - 1) * fraction
    low = int(position)
    high = min(low + 1, count - 1)
    return by_rank[low] + (by_rank[high] - by_rank[low]) * (position - low)
