"""Shares, achievement, projections, percentiles and periods (pure functions, no database)."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal
from unittest import TestCase

from hypothesis import given, settings
from hypothesis import strategies as st

from ptdv.reports.numbers import achievement, percentile, project, share
from ptdv.reports.periods import Period

FAST = settings(max_examples=50, derandomize=True, database=None, deadline=None)


class ShareTests(TestCase):
    def test_the_articles_figures(self):
        self.assertEqual(share(207, 237), Decimal("87.3"))
        self.assertEqual(share(374, 470, places=2), Decimal("79.57"))
        self.assertEqual(share(374, 470), Decimal("79.6"))
        self.assertEqual(share(426, 470), Decimal("90.6"))
        self.assertEqual(share(172, 470), Decimal("36.6"))
        self.assertEqual(share(247, 470), Decimal("52.6"))

    def test_no_whole_is_no_share(self):
        self.assertIsNone(share(0, 0))
        self.assertIsNone(share(5, 0))
        self.assertIsNone(share(0, None))

    def test_nothing_of_something_is_zero(self):
        self.assertEqual(share(0, 10), Decimal("0.0"))
        self.assertEqual(str(share(0, 10, 2)), "0.00")

    def test_half_up_and_the_places_are_kept(self):
        self.assertEqual(str(share(1, 8, 2)), "12.50")
        self.assertEqual(str(share(1, 8)), "12.5")
        self.assertEqual(share(1, 16), Decimal("6.3"))  # 6.25: half up, not half even
        self.assertEqual(share(3, 16), Decimal("18.8"))  # 18.75
        self.assertEqual(share(1, 3, 0), Decimal("33"))
        self.assertEqual(share(2, 3, 0), Decimal("67"))
        self.assertEqual(str(share(10, 10)), "100.0")

    def test_a_part_larger_than_the_whole(self):
        self.assertEqual(share(3, 2), Decimal("150.0"))

    @FAST
    @given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 3))
    def test_within_half_a_unit_of_the_exact_value(self, part, whole, places):
        value = share(part, whole, places)
        self.assertEqual(value.as_tuple().exponent, -places)
        exact = Decimal(part) * 100 / Decimal(whole)
        self.assertLessEqual(abs(value - exact), Decimal(5).scaleb(-places - 1))


class AchievementTests(TestCase):
    def test_683_against_600_is_13_83_percent_above(self):
        result = achievement(683, 600)
        self.assertEqual((result.percent, result.difference), (Decimal("113.83"), Decimal("13.83")))
        self.assertEqual((result.above, result.met, result.missing), (True, True, 0))

    def test_exactly_the_target(self):
        result = achievement(150, 150)
        self.assertEqual((result.percent, result.difference), (Decimal("100.00"), Decimal("0.00")))
        self.assertEqual((result.above, result.met, result.missing), (False, True, 0))

    def test_below_the_target(self):
        result = achievement(540, 600)
        self.assertEqual((result.percent, result.difference), (Decimal("90.00"), Decimal("-10.00")))
        self.assertEqual((result.above, result.met, result.missing), (False, False, 60))
        nothing = achievement(0, 150)
        self.assertEqual(
            (nothing.percent, nothing.difference), (Decimal("0.00"), Decimal("-100.00"))
        )
        self.assertEqual(nothing.missing, 150)

    def test_rounding_of_a_shortfall_is_half_up_in_size(self):
        result = achievement(1, 3)
        self.assertEqual((result.percent, result.difference), (Decimal("33.33"), Decimal("-66.67")))
        tie = achievement(7, 8, places=0)  # 87.5 % and 12.5 % short
        self.assertEqual((tie.percent, tie.difference), (Decimal("88"), Decimal("-13")))

    def test_no_target_is_no_achievement(self):
        self.assertIsNone(achievement(5, None))
        self.assertIsNone(achievement(5, 0))
        self.assertIsNone(achievement(5, -3))

    @FAST
    @given(st.integers(0, 5_000), st.integers(1, 5_000))
    def test_percent_and_difference_agree(self, achieved, target):
        result = achievement(achieved, target)
        self.assertEqual(result.met, achieved >= target)
        self.assertEqual(result.missing, max(0, target - achieved))
        self.assertEqual(result.above, achieved > target)
        # Each is rounded on its own: they differ from 100 by at most one unit of the last place.
        self.assertLessEqual(abs(result.percent - result.difference - 100), Decimal("0.01"))


class ProjectTests(TestCase):
    START, END = date(2020, 1, 1), date(2020, 12, 31)  # 366 days

    def test_half_way_doubles_at_the_same_pace(self):
        p = project(60, 7, self.START, self.END, date(2020, 7, 1))
        self.assertEqual((p.days_elapsed, p.days_total), (183, 366))
        self.assertEqual((p.by_pace, p.with_pipeline, p.in_hand), (120, 67, 7))

    def test_the_pace_is_rounded_down(self):
        p = project(10, 0, self.START, self.END, date(2020, 1, 3))  # 10 × 366 / 3 = 1220
        self.assertEqual(p.by_pace, 1220)
        p = project(1, 0, self.START, self.END, date(2020, 1, 7))  # 366 / 7 = 52,3
        self.assertEqual(p.by_pace, 52)

    def test_before_the_start_and_after_the_end(self):
        before = project(0, 3, self.START, self.END, date(2019, 12, 31))
        self.assertEqual((before.days_elapsed, before.by_pace, before.with_pipeline), (0, 0, 3))
        after = project(80, 2, self.START, self.END, date(2021, 6, 1))
        self.assertEqual((after.days_elapsed, after.by_pace), (366, 80))

    def test_the_first_and_the_last_day(self):
        first = project(2, 0, self.START, self.END, self.START)
        self.assertEqual((first.days_elapsed, first.by_pace), (1, 732))
        last = project(90, 0, self.START, self.END, self.END)
        self.assertEqual((last.days_elapsed, last.by_pace), (366, 90))


class PercentileTests(TestCase):
    def test_edges(self):
        self.assertIsNone(percentile([], 0.5))
        self.assertEqual(percentile([7], 0.9), 7)
        self.assertEqual(percentile([1, 2, 3, 4], 0.5), 2.5)
        self.assertEqual(percentile([4, 1, 3, 2], 0), 1)
        self.assertEqual(percentile([4, 1, 3, 2], 1), 4)
        self.assertAlmostEqual(percentile(list(range(1, 11)), 0.9), 9.1)

    @FAST
    @given(st.lists(st.integers(0, 1000), min_size=2, max_size=40))
    def test_the_inclusive_quantiles_of_the_standard_library(self, values):
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        for k, expected in enumerate(deciles, start=1):
            self.assertAlmostEqual(percentile(values, k / 10), expected, places=6)


class PeriodTests(TestCase):
    def test_years_and_months(self):
        self.assertEqual(Period.year(2024).days, 366)
        self.assertEqual(Period.years(2010, 2015), Period(date(2010, 1, 1), date(2015, 12, 31)))
        self.assertEqual(Period.months(2018, 1, 8), Period(date(2018, 1, 1), date(2018, 8, 31)))
        self.assertEqual(Period.months(2024, 2, 2).end, date(2024, 2, 29))
        self.assertEqual(Period.months(2023, 2, 2).end, date(2023, 2, 28))
        self.assertEqual(Period.months(2023, 12, 12).end, date(2023, 12, 31))

    def test_both_ends_are_inside(self):
        p = Period.months(2018, 1, 8)
        self.assertIn(date(2018, 1, 1), p)
        self.assertIn(date(2018, 8, 31), p)
        self.assertNotIn(date(2017, 12, 31), p)
        self.assertNotIn(date(2018, 9, 1), p)

    def test_one_day_and_no_day(self):
        self.assertEqual(Period(date(2020, 5, 5), date(2020, 5, 5)).days, 1)
        with self.assertRaises(ValueError):
            Period(date(2020, 5, 5), date(2020, 5, 4))

    def test_split_bounds(self):
        p = Period(date(2020, 1, 1), date(2020, 1, 10))
        self.assertEqual(
            p.split(date(2020, 1, 2)),
            (
                Period(date(2020, 1, 1), date(2020, 1, 1)),
                Period(date(2020, 1, 2), date(2020, 1, 10)),
            ),
        )
        self.assertEqual(
            p.split(date(2020, 1, 10)),
            (
                Period(date(2020, 1, 1), date(2020, 1, 9)),
                Period(date(2020, 1, 10), date(2020, 1, 10)),
            ),
        )
        for day in (date(2020, 1, 1), date(2019, 12, 31), date(2020, 1, 11)):
            with self.subTest(day=day), self.assertRaises(ValueError):
                p.split(day)

    def test_shifted_by_months_moves_each_end_by_add_months(self):
        # 29/02/2020 is in neither February 2021 nor March 2021 shifted back by 12 months: a
        # shifted period is no way to find whose probation ends in a period (test_seed_001).
        p = Period.months(2021, 2, 2).shifted_months(-12)
        self.assertEqual(p, Period(date(2020, 2, 1), date(2020, 2, 28)))

    @FAST
    @given(
        st.dates(date(2000, 1, 1), date(2030, 12, 31)),
        st.integers(1, 800),
        st.data(),
    )
    def test_the_halves_of_a_split_cover_the_period_once(self, start, length, data):
        p = Period(start, start + timedelta(days=length))
        day = data.draw(st.dates(p.start + timedelta(days=1), p.end))
        first, second = p.split(day)
        self.assertEqual((first.start, second.end), (p.start, p.end))
        self.assertEqual(first.end + timedelta(days=1), second.start)
        self.assertEqual(first.days + second.days, p.days)
