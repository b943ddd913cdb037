"""Calendar-month arithmetic (pure Python).

Conventions (used by every rule that counts months: age, probation, validity of papers):

- ``add_months(d, n)`` keeps the day of the month and clamps it to the last day of a shorter
  month: 31/01 + 1 month = 28/02 (29/02 in a leap year); 29/02/2024 + 12 months = 28/02/2025.
- A *full month* counted from ``start`` is reached on the same day of the month, or on the last
  day of the month when that month is shorter. So a person born on 29/02/2008 has a full 18 years
  (216 months) on 28/02/2026, and a person born on 15/03/2008 has them on 15/03/2026.

  Source of the convention: Bộ luật Dân sự 2015, Điều 148 khoản 3 ("nếu tháng kết thúc thời hạn
  không có ngày tương ứng thì thời hạn kết thúc vào ngày cuối cùng của tháng đó"). The Civil Code
  ends a period *at the end* of the corresponding day; the party's guidance counts age "tính theo
  tháng" at the day the cell considers the admission, which we read as: on the corresponding day
  the month is full. This reading is documented in ``docs/rules.md`` (unverified).
"""

from __future__ import annotations

import calendar
from datetime import date

__all__ = ["add_months", "age_in_full_months", "age_in_full_years", "full_months_between"]


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months (``n`` may be negative), clamped to the month's end.

    - 31/01/2025 + 1 → 28/02/2025; 31/01/2024 + 1 → 29/02/2024.
    - 29/02/2024 + 12 → 28/02/2025; 29/02/2024 + 48 → 29/02/2028.
    """
    total = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(total, 12)
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def full_months_between(start: date, end: date) -> int:
    """Number of complete months from ``start`` to ``end``.

    - It is the largest ``m`` with ``add_months(start, m) <= end`` (the month is full on the
      corresponding day, or on the last day of a shorter month).
    - 2008-02-29 → 2026-02-28: 216; 2025-01-31 → 2025-02-28: 1; 2025-01-15 → 2025-02-14: 0.
    - If ``end < start`` the result is ``-full_months_between(end, start)`` (counted backwards).
    """
    if end < start:
        return -full_months_between(end, start)
    m = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, m) > end:
        m -= 1
    return m


def age_in_full_months(birth: date, on: date) -> int:
    """Age in complete months on ``on`` (see :func:`full_months_between`)."""
    return full_months_between(birth, on)


def age_in_full_years(birth: date, on: date) -> int:
    """Age in complete years on ``on`` (complete months // 12)."""
    return full_months_between(birth, on) // 12
