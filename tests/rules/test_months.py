from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ptdv.rules.months import add_months, age_in_full_months, age_in_full_years, full_months_between

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def test_add_months_clamps_to_month_end():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2025, 1, 15), -13) == date(2023, 12, 15)


def test_full_months_examples():
    assert full_months_between(date(2008, 2, 29), date(2026, 2, 28)) == 216
    assert full_months_between(date(2008, 2, 29), date(2026, 2, 27)) == 215
    assert full_months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1
    assert full_months_between(date(2025, 1, 15), date(2025, 2, 14)) == 0
    assert full_months_between(date(2025, 1, 15), date(2025, 2, 15)) == 1
    assert full_months_between(date(2025, 3, 15), date(2025, 2, 20)) == 0
    assert full_months_between(date(2025, 3, 15), date(2025, 1, 20)) == -1


def test_age():
    assert age_in_full_months(date(2008, 3, 15), date(2026, 3, 15)) == 216
    assert age_in_full_months(date(2008, 3, 15), date(2026, 3, 14)) == 215
    assert age_in_full_years(date(1966, 4, 15), date(2026, 4, 14)) == 59
    assert age_in_full_months(date(1966, 3, 15), date(2026, 4, 15)) == 721


@given(dates, st.integers(min_value=-1200, max_value=1200))
def test_add_months_keeps_day_or_clamps(d, n):
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n
    if r.day != d.day:
        assert r.day < d.day
        assert (r + timedelta(days=1)).day == 1  # clamped to the month's last day


@given(dates, st.integers(min_value=0, max_value=1200))
def test_full_months_of_add_months(d, n):
    assert full_months_between(d, add_months(d, n)) == n


@given(dates, dates)
def test_full_months_definition(a, b):
    m = full_months_between(a, b)
    if b >= a:
        assert add_months(a, m) <= b < add_months(a, m + 1)
    else:
        assert m == -full_months_between(b, a)


@given(dates, dates, dates)
def test_full_months_monotone(a, b, c):
    lo, hi = sorted((b, c))
    if lo >= a:
        assert full_months_between(a, lo) <= full_months_between(a, hi)
