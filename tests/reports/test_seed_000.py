"""Seed 000 (Đảng bộ Khối Các cơ quan tỉnh Đắk Nông, term 2010–2015): the targets and members
reports print the article's figures — 683 admitted, "vượt 13,83%" of the target of 600, 1,842
members of whom 577 women, 752 young, 97 ethnic minority, 26 religious, 1,214 university, 35
master, 1 doctor, 90 technical workers — and targets roll up from the units that planned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import TestCase
from django.utils import translation

from ptdv.org.models import OrgKind
from ptdv.people.models import Person
from ptdv.pipeline.models import Event
from ptdv.reports.figures import drill
from ptdv.rules.stages import Step
from tests.reports.factories import (
    S000_MEMBERS,
    S000_ON,
    S000_TODAY,
    Dataset,
    Tree,
    birth_for_age,
    path,
    report,
    seed_000,
    units,
    units_total,
)

TERM = {"start": date(2010, 1, 1), "end": date(2015, 12, 31), "today": S000_TODAY}
YEAR_2014 = {"start": date(2014, 1, 1), "end": date(2014, 12, 31), "today": S000_TODAY}


def target_rows(rep) -> dict[int, list]:
    """The achievement table: organisation id → [target, admitted, %, difference, missing]."""
    table = rep.tables[0]
    return {row.organisation_id: [c.value for c in row.cells] for row in table.rows}


class Seed000Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.s = seed_000()

    def test_the_dataset_is_as_designed(self):
        """Counted without the reports: if this fails, the dataset is wrong, not the report."""
        bloc = self.s.bloc
        ceremonies = Event.objects.effective().filter(
            step=Step.CEREMONY,
            cell__path__startswith=bloc.path,
            date__gte=TERM["start"],
            date__lte=TERM["end"],
        )
        self.assertEqual(ceremonies.count(), 683)
        members = [
            p
            for p in Person.objects.filter(cell__path__startswith=bloc.path)
            if p.party_admitted_on
            and p.party_admitted_on <= S000_ON
            and not (p.party_left_on and p.party_left_on <= S000_ON)
        ]

        def age(p):
            b = p.birth_date
            return S000_ON.year - b.year - ((S000_ON.month, S000_ON.day) < (b.month, b.day))

        counted = {
            "members": len(members),
            "women": sum(p.sex == "F" for p in members),
            "young": sum(18 <= age(p) <= 30 for p in members),
            "ethnic_minority": sum(p.ethnicity != "01" for p in members),
            "religious": sum(p.religion != "none" for p in members),
            **{
                level: sum(p.professional_level == level for p in members)
                for level in ("university", "master", "doctor", "technical_worker")
            },
        }
        self.assertEqual(counted, S000_MEMBERS)

    def test_the_term_target_is_exceeded_by_13_83_percent(self):
        rep = report("targets", self.s.bloc, **TERM)
        total = next(r for r in rep.tables[0].rows if r.total)
        self.assertEqual(total.organisation_id, self.s.bloc.pk)
        self.assertEqual(
            [c.value for c in total.cells],
            [600, 683, Decimal("113.83"), Decimal("13.83"), 0],
        )
        with translation.override("vi"):
            self.assertIn("Kết nạp 683 đảng viên, vượt 13,83% chỉ tiêu (600).", rep.notes)

    def test_figure_admitted_of_the_targets_report_is_the_organisations_total(self):
        # Report.figure() is "the value of the first cell with that drill code": in every report
        # it is the organisation's own figure; the targets report must not return a unit's.
        rep = report("targets", self.s.bloc, **TERM)
        self.assertEqual(rep.figure("admitted"), 683)

    def test_units_of_the_term_their_admissions_and_the_one_term_target_of_a_unit(self):
        rep = report("targets", self.s.bloc, **TERM)
        rows = target_rows(rep)
        expected_done: dict[int, int] = {}
        for (unit, _year), n in self.s.admitted_by_unit_year.items():
            expected_done[unit] = expected_done.get(unit, 0) + n
        units_ = [*self.s.committees, *self.s.grassroots_cells]
        self.assertEqual({u.pk for u in units_} | {self.s.bloc.pk}, set(rows))
        for unit in units_:
            self.assertEqual(rows[unit.pk][1], expected_done[unit.pk], unit.name)
        self.assertEqual(sum(expected_done.values()), 683)
        # committees[2] planned 150 for the term; the bloc's own 600 is not 600 + 150.
        self.assertEqual(rows[self.s.committees[2].pk][0], 150)
        done = expected_done[self.s.committees[2].pk]
        self.assertEqual(
            rows[self.s.committees[2].pk][2], (Decimal(done) * 100 / 150).quantize(Decimal("0.01"))
        )
        for unit in [*self.s.committees[:2], self.s.committees[3], *self.s.grassroots_cells]:
            self.assertIsNone(rows[unit.pk][0], unit.name)
            self.assertIsNone(rows[unit.pk][2], unit.name)

    def test_a_year_without_a_target_of_the_bloc_rolls_up_the_units_targets(self):
        rep = report("targets", self.s.bloc, **YEAR_2014)
        rows = target_rows(rep)
        c0, c1, c2, c3 = self.s.committees
        g0, g1 = self.s.grassroots_cells
        # 12 + 9 + 3; the 5 of a cell under committee 0 is the detail of that committee's 12.
        self.assertEqual(rows[self.s.bloc.pk][0], 24)
        self.assertEqual(
            {u.name: rows[u.pk][0] for u in (c0, c1, c2, c3, g0, g1)},
            {c0.name: 12, c1.name: 9, c2.name: None, c3.name: None, g0.name: 3, g1.name: None},
        )
        admitted = {u.pk: self.s.admitted_by_unit_year.get((u.pk, 2014), 0) for u in (c0, c1, g0)}
        self.assertEqual(
            sum(
                self.s.admitted_by_unit_year[(u, y)]
                for u, y in self.s.admitted_by_unit_year
                if y == 2014
            ),
            120,
        )
        self.assertEqual(rows[self.s.bloc.pk][1], 120)
        for unit in (c0, c1, g0):
            self.assertEqual(rows[unit.pk][1], admitted[unit.pk])
        with translation.override("vi"):
            self.assertIn(
                "Tổ chức chưa đăng ký chỉ tiêu riêng: chỉ tiêu là tổng chỉ tiêu của các đơn vị.",
                rep.notes,
            )

    def test_a_committees_own_target_wins_over_its_cells(self):
        c0 = self.s.committees[0]
        rep = report("targets", c0, **YEAR_2014)
        rows = target_rows(rep)
        self.assertEqual(rows[c0.pk][0], 12)
        self.assertEqual(rows[self.s.cells[0].pk][0], 5)
        self.assertEqual(rows[c0.pk][1], self.s.admitted_by_unit_year[(c0.pk, 2014)])

    def test_a_unit_with_no_target_and_no_planned_units_has_none(self):
        rep = report("targets", self.s.committees[3], **YEAR_2014)
        self.assertIsNone(target_rows(rep)[self.s.committees[3].pk][0])

    def test_members_at_the_end_of_the_term(self):
        rep = report("members", self.s.bloc, on=S000_ON, today=S000_TODAY)
        self.assertEqual({code: rep.figure(code) for code in S000_MEMBERS}, S000_MEMBERS)

    def test_the_drill_lists_as_many_people_as_each_figure(self):
        for code, n in S000_MEMBERS.items():
            with self.subTest(code=code):
                result = drill("members", self.s.bloc, code, on=S000_ON, today=S000_TODAY)
                self.assertEqual(result.kind, "people")
                self.assertEqual(result.queryset.count(), n)

    def test_the_units_of_the_members_report_add_up(self):
        rep = report("members", self.s.bloc, on=S000_ON, today=S000_TODAY)
        rows = units(rep)
        self.assertEqual(len(rows), 6)
        for code, total in units_total(rep).items():
            self.assertEqual(sum(r[code] for r in rows.values()), total, code)
            self.assertEqual(total, rep.figure(code), code)

    def test_new_members_of_the_term(self):
        rep = report("new_members", self.s.bloc, **TERM)
        self.assertEqual(rep.figure("admitted"), 683)
        result = drill("new_members", self.s.bloc, "admitted", **TERM)
        self.assertEqual(result.queryset.count(), 683)

    def test_the_province_counts_both_blocs(self):
        bloc = report("members", self.s.bloc, on=S000_ON, today=S000_TODAY)
        other = report("members", self.s.other_bloc, on=S000_ON, today=S000_TODAY)
        province = report("members", self.s.province, on=S000_ON, today=S000_TODAY)
        # 20 older members, 10 admitted in 2012 and the member who moved in from the bloc.
        self.assertEqual(other.figure("members"), 31)
        self.assertEqual(province.figure("members"), bloc.figure("members") + 31)


class YoungTests(TestCase):
    """ "Young" is aged 18 to 30 on the day: the snapshot's for members, the ceremony's for new
    members; the 18th birthday counts, the 31st does not."""

    ON = date(2024, 5, 20)

    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        root = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        cell = tree.child(root, "Chi bộ thôn Một", OrgKind.CELL)
        tree.save()
        cls.root = root
        on = cls.ON
        cls.births = {
            "18 today": date(2006, 5, 20),
            "17, 18 tomorrow": date(2006, 5, 21),
            "30, 31 tomorrow": date(1993, 5, 21),
            "31 today": date(1993, 5, 20),
            "born 29/02/1996, 28": date(1996, 2, 29),
            "born 29/02/1992, 32": date(1992, 2, 29),
            "25": birth_for_age(25, on),
        }
        cls.young = {"18 today", "30, 31 tomorrow", "born 29/02/1996, 28", "25"}
        ds = Dataset()
        for birth in cls.births.values():
            person = ds.person(cell, birth_date=birth, full_name=f"Người {len(ds.people) + 1}")
            ds.candidacy(person, path(Step.CEREMONY, (Step.CEREMONY, on)))
        ds.save()

    def test_members_on_the_day(self):
        rep = report("members", self.root, on=self.ON, today=self.ON)
        self.assertEqual(rep.figure("members"), len(self.births))
        self.assertEqual(rep.figure("young"), len(self.young))

    def test_new_members_on_the_day_of_their_ceremony(self):
        rep = report("new_members", self.root, start=self.ON, end=self.ON, today=self.ON)
        self.assertEqual(rep.figure("admitted"), len(self.births))
        self.assertEqual(rep.figure("young"), len(self.young))
