"""Working days in Viet Nam (pure Python, on top of the ``holidays`` library).

Every deadline of the party rules that is counted in *ngày làm việc* uses this calendar.

Rules (sources in ``docs/rules.md``):

- A working day is Monday to Friday, except public holidays and their substituted days off
  (Bộ luật Lao động 2019, Điều 112; the ``holidays`` library's ``VN`` calendar, which includes
  Tết Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the days off moved by the Government).
- A weekend day declared a working day to make up for a moved day off (*ngày làm bù*) is a
  working day: the library models these as ``weekend_workdays`` (e.g. Saturday 26/04/2025) and
  this calendar uses them.
- ``extra_days_off`` (a one-off day off decreed by the Government, not yet in the library) are
  not working days; ``extra_working_days`` (a weekend day declared a working day) are working
  days. An extra day off wins over an extra working day on the same date.

Counting convention: "within N working days of X" means the due date is
``add_working_days(X, N)``: X itself is not counted, the first working day after X is day 1, and
the action is on time if it happens on or before the due date.

Speed: each year is turned once into a sorted tuple of working-day ordinals; counting and adding
use ``bisect`` and per-year lengths, never a day-by-day loop.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

import holidays

__all__ = ["EXTRA_DAY_OFF_NAME", "WorkingCalendar"]

#: Name given to an extra day off that was passed without a name.
EXTRA_DAY_OFF_NAME = "Ngày nghỉ theo quyết định của Chính phủ"

_MIN_YEAR = 1950
_MAX_YEAR = 2200


@cache
def _library_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holidays (Vietnamese names) and make-up working days the library gives for ``year``.

    The library attaches a make-up day to the year of the holiday it compensates (Saturday
    27/12/2014 belongs to Tết 2015), so callers merge neighbouring years.
    """
    try:
        vn = holidays.country_holidays("VN", years=year, language="vi")
    except (NotImplementedError, KeyError, ValueError):  # pragma: no cover - very old/new years
        return {}, frozenset()
    names: dict[date, str] = {}
    for day in vn:
        names[day] = "; ".join(vn.get_list(day))
    workdays = frozenset(getattr(vn, "weekend_workdays", ()) or ())
    return names, workdays


@cache
def _base_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holidays and make-up working days falling inside ``year`` (merged from year-1..year+1)."""
    names: dict[date, str] = {}
    workdays: set[date] = set()
    for y in (year - 1, year, year + 1):
        n, w = _library_year(y)
        names.update({d: v for d, v in n.items() if d.year == year})
        workdays.update(d for d in w if d.year == year)
    return names, frozenset(workdays)


class WorkingCalendar:
    """The Vietnamese working calendar, with local additions.

    - ``extra_days_off``: dates (or a mapping date → Vietnamese name) that are not working days.
    - ``extra_working_days``: weekend dates that are working days.
    """

    def __init__(
        self,
        extra_days_off: Iterable[date] | Mapping[date, str] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        if isinstance(extra_days_off, Mapping):
            self._extra_off: dict[date, str] = dict(extra_days_off)
        else:
            self._extra_off = {d: EXTRA_DAY_OFF_NAME for d in extra_days_off}
        self._extra_work: frozenset[date] = frozenset(extra_working_days)
        self._years: dict[int, tuple[int, ...]] = {}

    # -- per-year data -------------------------------------------------------------------

    def _year(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of the working days of ``year``."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if not (_MIN_YEAR <= year <= _MAX_YEAR):
            raise ValueError(
                f"Năm {year} nằm ngoài phạm vi lịch làm việc ({_MIN_YEAR}–{_MAX_YEAR})."
            )
        names, workdays = _base_year(year)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        days: list[int] = []
        for o in range(first, last + 1):
            d = date.fromordinal(o)
            if d in self._extra_off:
                continue
            if d.weekday() >= 5:
                if d in workdays or d in self._extra_work:
                    days.append(o)
            elif d not in names or d in self._extra_work:
                days.append(o)
        result = tuple(days)
        self._years[year] = result
        return result

    # -- public API ----------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (see the module rules)."""
        days = self._year(d.year)
        o = d.toordinal()
        i = bisect_left(days, o)
        return i < len(days) and days[i] == o

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the holiday or decreed day off on ``d``, or ``None``.

        Weekends are not named; a make-up working day returns ``None``.
        """
        if d in self._extra_off:
            return self._extra_off[d]
        if d in self._extra_work:
            return None
        return _base_year(d.year)[0].get(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        - ``n > 0``: always a working day, strictly after ``start``.
        - ``n < 0``: the ``|n|``-th working day before ``start``.
        - ``n == 0``: ``start`` itself (even if it is not a working day).
        - "within 60 working days of X": due = ``add_working_days(X, 60)``.
        """
        if n == 0:
            return start
        year = start.year
        o = start.toordinal()
        if n > 0:
            days = self._year(year)
            idx = bisect_right(days, o)  # first working day after start
            remaining = n
            while True:
                available = len(days) - idx
                if remaining <= available:
                    return date.fromordinal(days[idx + remaining - 1])
                remaining -= available
                year += 1
                days = self._year(year)
                idx = 0
        days = self._year(year)
        idx = bisect_left(days, o) - 1  # last working day before start
        remaining = -n
        while True:
            available = idx + 1
            if remaining <= available:
                return date.fromordinal(days[idx - remaining + 1])
            remaining -= available
            year -= 1
            days = self._year(year)
            idx = len(days) - 1

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in ``(a, b]``; negative (``-count of (b, a]``) when ``b < a``.

        ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            days = self._year(a.year)
            return bisect_right(days, b.toordinal()) - bisect_right(days, a.toordinal())
        first = self._year(a.year)
        count = len(first) - bisect_right(first, a.toordinal())
        for y in range(a.year + 1, b.year):
            count += len(self._year(y))
        count += bisect_right(self._year(b.year), b.toordinal())
        return count

    def next_working_day(self, d: date) -> date:
        """``d`` if it is a working day, else the first working day after it."""
        return d if self.is_working_day(d) else self.add_working_days(d, 1)

    def working_days_in(self, start: date, end: date) -> list[date]:
        """The working days in ``[start, end]`` (for display; spans should be short)."""
        out: list[date] = []
        for y in range(start.year, end.year + 1):
            days = self._year(y)
            lo = bisect_left(days, start.toordinal())
            hi = bisect_right(days, end.toordinal())
            out.extend(date.fromordinal(o) for o in days[lo:hi])
        return out
