"""One age convention in the rules and the reports (``ptdv.rules.months.age_in_full_years``: a
year is full on the same day, or on the last day of a shorter month — Bộ luật Dân sự 2015,
Điều 148 khoản 3, as docs/rules.md reads it). "Young" is 18 to 30 (Luật Thanh niên 2020, Điều 1;
the seeds' "đảng viên trẻ", seed 000: 752 of 1.842). So a person born on 29 February 1996 is 31
on 28 February 2027, no longer young, and one born on 29 February 2008 is 18 on 28 February
2026, young — in the members' report (ages on the snapshot's date) and in the new members'
report (ages on each ceremony's day, computed in SQL)."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import SimpleTestCase, TestCase

from ptdv.org.models import OrgKind
from ptdv.reports import composition
from ptdv.reports.figures import drill
from ptdv.rules.months import age_in_full_years
from ptdv.rules.stages import Step
from tests.reports.factories import Dataset, Tree, path, report

#: Births around the leap days and the ends of February and of the year.
BIRTHS = [
    date(1996, 2, 28), date(1996, 2, 29), date(1996, 3, 1),
    date(1997, 2, 28), date(1997, 3, 1),
    date(2000, 2, 29), date(2008, 2, 28), date(2008, 2, 29), date(2008, 3, 1),
    date(2009, 2, 28), date(2009, 3, 1), date(1995, 12, 31), date(2008, 1, 1),
]  # fmt: skip
#: Days around the 18th and 31st birthdays of the births above, in common and leap years.
DAYS = [
    date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1),
    date(2027, 2, 27), date(2027, 2, 28), date(2027, 3, 1),
    date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1),
    date(2026, 12, 31), date(2027, 1, 1), date(2031, 2, 28), date(2031, 3, 1),
]  # fmt: skip


def young_by_the_rule(birth: date, day: date) -> bool:
    return composition.YOUNG_MIN_AGE <= age_in_full_years(birth, day) <= composition.YOUNG_MAX_AGE


class LatestBirthTests(SimpleTestCase):
    def test_the_rules_age_at_29_february(self):
        self.assertEqual(age_in_full_years(date(1996, 2, 29), date(2027, 2, 28)), 31)
        self.assertEqual(age_in_full_years(date(2008, 2, 29), date(2026, 2, 28)), 18)

    def test_the_latest_birth_of_an_age_is_the_rules(self):
        """Every day of three years around a leap day, the ages 18 and 31: a birth is of age
        exactly when it is on or before ``latest_birth_for_age``."""
        day = date(2026, 1, 1)
        while day <= date(2029, 1, 1):
            for years in (composition.YOUNG_MIN_AGE, composition.YOUNG_MAX_AGE + 1):
                latest = composition.latest_birth_for_age(day, years)
                self.assertGreaterEqual(age_in_full_years(latest, day), years, (day, years))
                after = latest + timedelta(days=1)
                self.assertLess(age_in_full_years(after, day), years, (day, years))
            day += timedelta(days=1)

    def test_29_february_1996_is_not_young_on_28_february_2027(self):
        condition = composition.young_on(date(2027, 2, 28))
        (lower, upper) = sorted(condition.children)
        self.assertEqual(lower, ("birth_date__gt", date(1996, 2, 29)))
        self.assertEqual(upper, ("birth_date__lte", date(2009, 2, 28)))


class YoungOnTheBoundaryTests(TestCase):
    """The members' report (a date) and the new members' report (each ceremony's day) count as
    young exactly those the rules' age makes 18 to 30, 29 February births included."""

    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        cls.root = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        cls.cells = {
            day: tree.child(cls.root, f"Chi bộ {day:%d%m%Y}", OrgKind.CELL) for day in DAYS
        }
        tree.save()
        ds = Dataset()
        for day, cell in cls.cells.items():
            for birth in BIRTHS:
                person = ds.person(cell, birth_date=birth)
                ds.candidacy(person, path(Step.CEREMONY, (Step.CEREMONY, day)))
        ds.save()

    def test_new_members_on_the_day_of_their_ceremony(self):
        for day in DAYS:
            with self.subTest(day=day):
                rep = report("new_members", self.root, start=day, end=day, today=date(2032, 1, 1))
                expected = sum(young_by_the_rule(b, day) for b in BIRTHS)
                self.assertEqual(rep.figure("admitted"), len(BIRTHS))
                self.assertEqual(rep.figure("young"), expected)

    def test_members_on_the_report_date(self):
        for day in DAYS:
            with self.subTest(day=day):
                rep = report("members", self.root, on=day, today=date(2032, 1, 1))
                admitted = sum(1 for d in DAYS if d <= day) * len(BIRTHS)
                self.assertEqual(rep.figure("members"), admitted)
                expected = sum(1 for d in DAYS if d <= day) * sum(
                    young_by_the_rule(b, day) for b in BIRTHS
                )
                self.assertEqual(rep.figure("young"), expected)

    def test_born_29_february_1996_is_31_and_not_young_on_28_february_2027(self):
        day = date(2027, 2, 28)
        rep = report("new_members", self.root, start=day, end=day, today=date(2032, 1, 1))
        listed = set(
            drill(
                "new_members", self.root, "young", start=day, end=day, today=date(2032, 1, 1)
            ).queryset.values_list("birth_date", flat=True)
        )
        self.assertNotIn(date(1996, 2, 29), listed)
        self.assertIn(date(1996, 3, 1), listed)  # 30 until 01/03/2027
        self.assertEqual(rep.figure("young"), len(listed))

    def test_born_29_february_2008_is_18_and_young_on_28_february_2026(self):
        day = date(2026, 2, 28)
        for kind, dates in (("new_members", {"start": day, "end": day}), ("members", {"on": day})):
            with self.subTest(kind=kind):
                rep = report(kind, self.root, today=date(2032, 1, 1), **dates)
                young = rep.figure("young")
                born = [b for b in BIRTHS if young_by_the_rule(b, day)]
                self.assertIn(date(2008, 2, 29), born)
                self.assertNotIn(date(2008, 3, 1), born)
                per_cell = 1 if kind == "new_members" else sum(1 for d in DAYS if d <= day)
                self.assertEqual(young, per_cell * len(born))
