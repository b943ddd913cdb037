from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ptdv.rules.calendar import EXTRA_DAY_OFF_NAME, WorkingCalendar

from .factories import CAL

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
steps = st.integers(min_value=1, max_value=400)


def test_weekends_and_holidays():
    assert CAL.is_working_day(date(2026, 3, 16))  # Monday
    assert not CAL.is_working_day(date(2026, 3, 14))  # Saturday
    assert not CAL.is_working_day(date(2026, 1, 1))
    assert not CAL.is_working_day(date(2025, 9, 2))
    assert not CAL.is_working_day(date(2025, 5, 2))  # day off moved from Saturday 26/04/2025


def test_make_up_saturday_is_a_working_day():
    # The library models "ngày làm bù": Saturday 26/04/2025 was worked to bridge 30/4–4/5.
    assert CAL.is_working_day(date(2025, 4, 26))
    assert CAL.holiday_name(date(2025, 4, 26)) is None


def test_tet_2025_and_2026():
    for d in (date(2025, 1, 27), date(2025, 1, 29), date(2025, 1, 31)):
        assert not CAL.is_working_day(d)
    assert CAL.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day))
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_holiday_names_in_vietnamese():
    assert CAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert CAL.holiday_name(date(2025, 9, 2)) == "Quốc khánh"
    assert CAL.holiday_name(date(2026, 3, 16)) is None


def test_sixty_working_days_from_late_december_across_tet():
    # 22/12/2025 … 23/03/2026, skipping 1/1/2026 and Tết 16–20/02/2026.
    assert CAL.add_working_days(date(2025, 12, 20), 60) == date(2026, 3, 23)
    assert CAL.working_days_between(date(2025, 12, 20), date(2026, 3, 23)) == 60


def test_conventions():
    d = date(2026, 3, 14)  # Saturday
    assert CAL.add_working_days(d, 0) == d
    assert CAL.add_working_days(date(2026, 3, 16), 1) == date(2026, 3, 17)
    assert CAL.add_working_days(date(2026, 3, 16), -1) == date(2026, 3, 13)
    assert CAL.working_days_between(date(2026, 3, 17), date(2026, 3, 16)) == -1
    assert CAL.working_days_between(d, d) == 0
    assert CAL.next_working_day(d) == date(2026, 3, 16)
    assert len(CAL.working_days_in(date(2026, 3, 9), date(2026, 3, 15))) == 5


def test_extra_days_off_and_working_days():
    cal = WorkingCalendar(
        extra_days_off=[date(2026, 3, 18)], extra_working_days=[date(2026, 3, 21)]
    )
    assert not cal.is_working_day(date(2026, 3, 18))
    assert cal.holiday_name(date(2026, 3, 18)) == EXTRA_DAY_OFF_NAME
    assert cal.is_working_day(date(2026, 3, 21))  # a Saturday
    named = WorkingCalendar(extra_days_off={date(2026, 3, 18): "Nghỉ quốc tang"})
    assert named.holiday_name(date(2026, 3, 18)) == "Nghỉ quốc tang"
    # Both: the day off wins.
    both = WorkingCalendar(
        extra_days_off=[date(2026, 3, 21)], extra_working_days=[date(2026, 3, 21)]
    )
    assert not both.is_working_day(date(2026, 3, 21))


@given(dates, steps)
def test_add_is_a_working_day_and_counts_back(d, n):
    due = CAL.add_working_days(d, n)
    assert due > d
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(d, due) == n
    assert CAL.working_days_between(due, d) == -n


@given(dates, steps)
def test_add_negative_inverts(d, n):
    back = CAL.add_working_days(d, -n)
    assert back < d
    assert CAL.is_working_day(back)
    if CAL.is_working_day(d):
        assert CAL.add_working_days(back, n) == d


@given(dates, steps, steps)
def test_monotone_and_additive(d, n, m):
    a = CAL.add_working_days(d, n)
    b = CAL.add_working_days(d, n + m)
    assert a < b
    assert CAL.add_working_days(a, m) == b


@given(dates, dates)
def test_between_matches_day_by_day_count(a, b):
    lo, hi = sorted((a, b))
    hi = min(hi, lo + timedelta(days=200))
    expected = sum(
        1 for i in range(1, (hi - lo).days + 1) if CAL.is_working_day(lo + timedelta(days=i))
    )
    assert CAL.working_days_between(lo, hi) == expected


def _weekday_rule(d: date) -> bool:
    return d.weekday() < 5


@given(dates)
def test_only_holidays_make_weekdays_off(d):
    if CAL.is_working_day(d) != _weekday_rule(d):
        # Either a holiday on a weekday, or a make-up working weekend day.
        assert (CAL.holiday_name(d) is not None) or d.weekday() >= 5


@settings(max_examples=60, deadline=None)
@given(dates, st.integers(min_value=1, max_value=130), st.data())
def test_extra_day_off_shifts_due_by_one_working_day(d, n, data):
    due = CAL.add_working_days(d, n)
    k = data.draw(st.integers(min_value=1, max_value=n))
    off = CAL.add_working_days(d, k)  # a working day in (d, due]
    cal = WorkingCalendar(extra_days_off=[off])
    assert cal.add_working_days(d, n) == CAL.add_working_days(due, 1)
    assert cal.working_days_between(d, due) == n - 1


@settings(max_examples=60, deadline=None)
@given(dates, st.integers(min_value=2, max_value=130))
def test_extra_working_weekend_day_brings_due_forward(d, n):
    due = CAL.add_working_days(d, n)
    # the first weekend day after d that is not a working day and falls before due
    w = d + timedelta(days=1)
    while w < due and (w.weekday() < 5 or CAL.is_working_day(w)):
        w += timedelta(days=1)
    cal = WorkingCalendar(extra_working_days=[w])
    if w < due:
        assert cal.add_working_days(d, n) == max(w, CAL.add_working_days(d, n - 1))
        assert cal.add_working_days(d, n) < due
    else:
        assert cal.add_working_days(d, n) == due


def test_speed_of_long_spans():
    import time

    t = time.perf_counter()
    for i in range(20000):
        CAL.add_working_days(date(2025, 12, 20), 60 + (i % 30))
        CAL.working_days_between(date(2021, 1, 1), date(2026, 6, 30))
    assert time.perf_counter() - t < 1.0
