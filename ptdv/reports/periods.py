"""The period a report covers: two dates, both included (pure Python)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ptdv.rules.months import add_months


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("Ngày cuối kỳ phải sau ngày đầu kỳ.")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def years(cls, first: int, last: int) -> Period:
        """A term such as 2020–2025: from 1 January of the first year to 31 December of the last."""
        return cls(date(first, 1, 1), date(last, 12, 31))

    @classmethod
    def months(cls, year: int, first: int, last: int) -> Period:
        """Months ``first``..``last`` of ``year`` ("8 tháng đầu năm 2018" is ``months(2018, 1, 8)``)."""
        end = add_months(date(year, last, 1), 1) - timedelta(days=1)
        return cls(date(year, first, 1), end)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def split(self, day: date) -> tuple[Period, Period]:
        """The period before ``day`` and the period from ``day`` on (``day`` inside, not the start)."""
        if not self.start < day <= self.end:
            raise ValueError("Ngày tách phải nằm trong kỳ, sau ngày đầu kỳ.")
        return Period(self.start, day - timedelta(days=1)), Period(day, self.end)

    def shifted_months(self, months: int) -> Period:
        """The period moved by ``months`` (end of month kept where the start day does not exist)."""
        return Period(add_months(self.start, months), add_months(self.end, months))

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
