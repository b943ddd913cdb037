"""Seed 001 (Đảng bộ phường Hội Hợp, the first 8 months of 2018): the activity report prints the
article's figures — 30 sent to the awareness class, 6 admitted, 15 recognised as official —
and nothing dated 31/12/2017 or 01/09/2018 counts."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import TestCase

from ptdv.org.models import OrgKind
from ptdv.people.models import Person
from ptdv.pipeline.models import Event
from ptdv.reports.figures import drill
from ptdv.reports.periods import Period
from ptdv.rules.stages import Step
from tests.reports.factories import (
    S001_DUE,
    S001_END,
    S001_START,
    S001_TODAY,
    Dataset,
    Tree,
    path,
    report,
    seed_001,
    units,
    units_total,
)

PERIOD = Period.months(2018, 1, 8)
KW = {"start": PERIOD.start, "end": PERIOD.end, "today": S001_TODAY}
ARTICLE = {"awareness_class": 30, "admitted": 6, "recognised": 15}


class Seed001Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.s = seed_001()

    def test_eight_months_of_2018(self):
        self.assertEqual((PERIOD.start, PERIOD.end), (S001_START, S001_END))
        self.assertEqual((PERIOD.start, PERIOD.end), (date(2018, 1, 1), date(2018, 8, 31)))

    def test_the_dataset_is_as_designed(self):
        """Counted without the reports: if this fails, the dataset is wrong, not the report."""
        events = Event.objects.effective().filter(
            cell__path__startswith=self.s.ward.path, date__gte=PERIOD.start, date__lte=PERIOD.end
        )
        self.assertEqual(
            {
                "awareness_class": events.filter(step=Step.AWARENESS_CLASS).count(),
                "admitted": events.filter(step=Step.CEREMONY).count(),
                "recognised": events.filter(step=Step.RECOGNITION_DECISION).count(),
            },
            ARTICLE,
        )
        due = Event.objects.effective().filter(
            cell__path__startswith=self.s.ward.path,
            step=Step.CEREMONY,
            date__gte=date(2017, 1, 1),
            date__lte=date(2017, 8, 31),
        )
        self.assertEqual(due.count(), S001_DUE)
        # The boundaries are covered, inside and outside.
        for step in (Step.AWARENESS_CLASS, Step.CEREMONY, Step.RECOGNITION_DECISION):
            days = set(
                Event.objects.filter(
                    cell__path__startswith=self.s.ward.path, step=step
                ).values_list("date", flat=True)
            )
            self.assertLessEqual(
                {date(2017, 12, 31), date(2018, 1, 1), date(2018, 8, 31), date(2018, 9, 1)}, days
            )

    def test_the_activity_report_prints_the_articles_figures(self):
        rep = report("activity", self.s.ward, **KW)
        self.assertEqual({code: rep.figure(code) for code in ARTICLE}, ARTICLE)

    def test_probationary_members_due_for_recognition(self):
        rep = report("activity", self.s.ward, **KW)
        self.assertEqual(rep.figure("due_recognition"), S001_DUE)

    def test_the_drills_list_the_people_counted(self):
        for code, n in ARTICLE.items():
            with self.subTest(code=code):
                people = drill("activity", self.s.ward, code, **KW).queryset
                self.assertEqual(people.count(), n)
                self.assertFalse(people.filter(sex="F").exists())  # no distractor among them

    def test_the_days_just_outside_the_period_count_in_the_neighbouring_periods(self):
        before = report("activity", self.s.ward, start=date(2017, 12, 31), end=date(2017, 12, 31),
                        today=S001_TODAY)  # fmt: skip
        after = report("activity", self.s.ward, start=date(2018, 9, 1), end=date(2018, 9, 1),
                       today=S001_TODAY)  # fmt: skip
        for rep in (before, after):
            self.assertEqual({code: rep.figure(code) for code in ARTICLE},
                             {code: 1 for code in ARTICLE})  # fmt: skip

    def test_a_class_attended_in_another_ward_counts_there(self):
        # The candidate who attended the class in Đống Đa on 10/03/2018 belongs to Hội Hợp now.
        moved = Person.objects.get(
            cell__path__startswith=self.s.ward.path, candidacies__events__step=Step.TRANSFER
        )
        ward = drill("activity", self.s.ward, "awareness_class", **KW).queryset
        other = drill("activity", self.s.other_ward, "awareness_class", **KW).queryset
        self.assertNotIn(moved, ward)
        self.assertIn(moved, other)
        rep = report("activity", self.s.other_ward, **KW)
        self.assertEqual(
            {code: rep.figure(code) for code in ARTICLE},
            {"awareness_class": 5, "admitted": 2, "recognised": 3},
        )

    def test_the_city_is_the_sum_of_its_wards(self):
        city = report("activity", self.s.city, **KW)
        ward = report("activity", self.s.ward, **KW)
        other = report("activity", self.s.other_ward, **KW)
        rows = units(city)
        self.assertEqual(set(rows), {self.s.ward.pk, self.s.other_ward.pk})
        for code, total in units_total(city).items():
            self.assertEqual(city.figure(code), ward.figure(code) + other.figure(code), code)
            self.assertEqual(rows[self.s.ward.pk][code], ward.figure(code), code)
            self.assertEqual(total, city.figure(code), code)

    def test_new_members_of_the_period(self):
        rep = report("new_members", self.s.ward, **KW)
        self.assertEqual(rep.figure("admitted"), 6)

    def test_the_funnel_counts_the_stages_entered_in_the_period(self):
        rep = report("funnel", self.s.ward, **KW)
        self.assertEqual(rep.figure("probationary:entered"), 6)
        self.assertEqual(rep.figure("official:entered"), 15)
        # A step counts at the cell of its event: the class in Đống Đa is not Hội Hợp's.
        self.assertEqual(rep.figure("awareness_trained:entered"), 30)


class DueForRecognitionTests(TestCase):
    """Probation ends 12 months after the ceremony (``add_months``: 29/02/2020 → 28/02/2021): a
    probationary member falls due in the period containing that day, exactly once."""

    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        cls.root = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        cell = tree.child(cls.root, "Chi bộ thôn Một", OrgKind.CELL)
        tree.save()
        ds = Dataset()
        for day in (date(2020, 2, 28), date(2020, 2, 29), date(2020, 3, 1), date(2023, 2, 28)):
            ds.candidacy(ds.person(cell), path(Step.CEREMONY, (Step.CEREMONY, day)))
        ds.save()

    def due(self, start, end):
        rep = report("activity", self.root, start=start, end=end, today=date(2021, 12, 31))
        return rep.figure("due_recognition")

    def test_each_ceremony_falls_due_in_the_month_its_probation_ends(self):
        self.assertEqual(self.due(date(2021, 2, 1), date(2021, 2, 28)), 2)  # 28/02 and 29/02
        self.assertEqual(self.due(date(2021, 3, 1), date(2021, 3, 31)), 1)

    def test_a_year_counts_each_once(self):
        self.assertEqual(self.due(date(2021, 1, 1), date(2021, 12, 31)), 3)

    def test_the_halves_of_a_split_period_add_up(self):
        for year, split in ((2021, date(2021, 3, 1)), (2021, date(2021, 2, 28)),
                            (2024, date(2024, 2, 29)), (2024, date(2024, 3, 1))):  # fmt: skip
            start, end = date(year, 1, 1), date(year, 12, 31)
            with self.subTest(split=split):
                first = self.due(start, split - timedelta(days=1))
                second = self.due(split, end)
                self.assertEqual(
                    (first + second, self.due(start, end)), ({2021: 3, 2024: 1}[year],) * 2
                )
