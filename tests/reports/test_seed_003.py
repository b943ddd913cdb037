"""Seed 003 (Đảng bộ huyện Tuần Giáo, 2016 → 31/03/2018): the structure and new-members reports
print the article's figures — 60 grassroots organisations (23 đảng bộ cơ sở, 37 chi bộ cơ sở),
319 cells, 3,790 members; 207 of 237 villages with their own cell (87,3%), merged cells from 56
villages down to 20, 54 new village cells; 470 admitted: 426 youth union members (90,6%), 172
women (36,6%), 374 ethnic minority (79,57%), 247 local residents (52,6%)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import TestCase

from ptdv.org.models import Organisation, OrgKind, Place
from ptdv.people.models import Person
from ptdv.pipeline.models import Event
from ptdv.reports.figures import drill
from ptdv.reports.numbers import share
from ptdv.rules.stages import Step
from tests.reports.factories import (
    S003_NEW,
    S003_ON,
    S003_START,
    S003_TODAY,
    Tree,
    report,
    row_of,
    save_places,
    seed_003,
    share_of,
    units,
    units_total,
)

STRUCTURE = {
    "grassroots": 60,
    "grassroots_committees": 23,
    "grassroots_cells": 37,
    "partial_committees": 0,
    "cells": 319,
    "members": 3790,
    "new_cells": 54,
    # "thành lập mới 54 chi bộ thôn, bản": the new cells that serve a village.
    "new_village_cells": 54,
    "village:total": 237,
    "village:own": 207,
    "village:merged": 20,
    "village:none": 10,
    "village:total:start": 237,
    "village:own:start": 153,
    "village:merged:start": 56,
    "village:none:start": 28,
}
NEW = {"start": S003_START, "end": S003_ON, "today": S003_TODAY}


class Seed003Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.s = seed_003()

    def structure(self, **kwargs):
        kwargs = {"start": S003_START, "on": S003_ON, "today": S003_TODAY} | kwargs
        return report("structure", self.s.district, **kwargs)

    def test_the_dataset_is_as_designed(self):
        """Counted without the reports: if this fails, the dataset is wrong, not the report."""
        district = self.s.district
        alive = [
            o
            for o in Organisation.objects.filter(path__startswith=district.path)
            if (o.founded_on is None or o.founded_on <= S003_ON)
            and (o.dissolved_on is None or o.dissolved_on > S003_ON)
        ]
        kinds = [o.kind for o in alive]
        self.assertEqual(kinds.count(OrgKind.GRASSROOTS_COMMITTEE), 23)
        self.assertEqual(kinds.count(OrgKind.GRASSROOTS_CELL), 37)
        self.assertEqual(kinds.count(OrgKind.CELL), 319)
        members = Person.objects.filter(
            cell__path__startswith=district.path, party_admitted_on__lte=S003_ON
        ).exclude(party_left_on__lte=S003_ON)
        self.assertEqual(members.count(), 3790)
        new = Person.objects.filter(
            candidacies__events__in=Event.objects.effective().filter(
                step=Step.CEREMONY,
                date__gte=S003_START,
                date__lte=S003_ON,
                cell__path__startswith=district.path,
            )
        )
        self.assertEqual(
            {
                "admitted": new.count(),
                "youth_union": new.filter(youth_union_member=True).count(),
                "women": new.filter(sex="F").count(),
                "ethnic_minority": new.exclude(ethnicity="01").count(),
                "local_resident": new.filter(local_resident=True).count(),
            },
            S003_NEW,
        )

    def test_the_structure_report_prints_the_articles_figures(self):
        rep = self.structure()
        self.assertEqual({code: rep.figure(code) for code in STRUCTURE}, STRUCTURE)

    def test_207_of_237_villages_is_87_3_percent(self):
        self.assertEqual(share(207, 237), Decimal("87.3"))
        rep = self.structure()
        row = row_of(rep, "village:own")
        self.assertEqual(row.cells[4].value, Decimal("87.3"))  # own cell
        self.assertEqual(row.cells[5].value, share(227, 237))  # own or merged
        start = row_of(rep, "village:own:start")
        self.assertEqual(start.cells[4].value, share(153, 237))

    def test_the_drills_list_what_the_figures_count(self):
        kw = {"start": S003_START, "on": S003_ON, "today": S003_TODAY}
        expected_kind = {"members": "people"}
        for code, n in STRUCTURE.items():
            with self.subTest(code=code):
                result = drill("structure", self.s.district, code, **kw)
                kind = expected_kind.get(code, "places" if ":" in code else "organisations")
                self.assertEqual((result.kind, result.queryset.count()), (kind, n))

    def test_coverage_reads_the_history_not_the_current_cell(self):
        # The cell founded on 10/04/2018 serves its village from 15/04/2018.
        later = self.structure(on=date(2018, 4, 20))
        self.assertEqual(
            {
                c: later.figure(c)
                for c in ("village:own", "village:none", "cells", "new_cells", "new_village_cells")
            },
            {
                "village:own": 208,
                "village:none": 9,
                "cells": 320,
                "new_cells": 55,
                "new_village_cells": 55,
            },
        )
        self.assertEqual(later.figure("village:merged:start"), 56)

    def test_a_structure_without_a_start_has_no_comparison(self):
        rep = self.structure(start=None)
        self.assertEqual(rep.figure("village:own"), 207)
        for code in ("village:own:start", "new_cells"):
            with self.assertRaises(KeyError):
                rep.figure(code)

    def test_the_units_of_the_structure_add_up(self):
        rep = self.structure()
        rows = units(rep)
        # 23 committees, 37 chi bộ cơ sở and the dissolved committee (a unit with zeros).
        self.assertEqual(len(rows), 61)
        self.assertEqual(rows[self.s.forestry.pk], dict.fromkeys(rows[self.s.forestry.pk], 0))
        for code, total in units_total(rep).items():
            self.assertEqual(sum(r[code] for r in rows.values()), total, code)
            self.assertEqual(total, rep.figure(code), code)

    def test_new_members_with_two_decimal_places(self):
        rep = report("new_members", self.s.district, places=2, **NEW)
        self.assertEqual({code: rep.figure(code) for code in S003_NEW}, S003_NEW)
        self.assertEqual(
            {code: share_of(rep, code) for code in S003_NEW if code != "admitted"},
            {
                "youth_union": Decimal("90.64"),
                "women": Decimal("36.60"),
                "ethnic_minority": Decimal("79.57"),
                "local_resident": Decimal("52.55"),
            },
        )

    def test_new_members_with_one_decimal_place(self):
        rep = report("new_members", self.s.district, places=1, **NEW)
        self.assertEqual(
            {code: share_of(rep, code) for code in S003_NEW if code != "admitted"},
            {
                "youth_union": Decimal("90.6"),
                "women": Decimal("36.6"),
                "ethnic_minority": Decimal("79.6"),
                "local_resident": Decimal("52.6"),
            },
        )

    def test_the_members_report_agrees_with_the_structure(self):
        rep = report("members", self.s.district, on=S003_ON, today=S003_TODAY)
        self.assertEqual(rep.figure("members"), 3790)

    def test_the_other_district_is_not_counted_and_the_province_is_the_sum(self):
        province = report("structure", self.s.province, on=S003_ON, today=S003_TODAY)
        other = report("structure", self.s.other_district, on=S003_ON, today=S003_TODAY)
        self.assertEqual(other.figure("members"), 30 + 10)
        self.assertEqual(other.figure("village:own"), 2)
        self.assertEqual(province.figure("members"), 3790 + 40)
        self.assertEqual(province.figure("village:total"), 239)


class StartOfPeriodTests(TestCase):
    """The start of a structure report is the state before the period: a cell founded on the
    first day is new in the period (``new_cells``), so it is not yet in the coverage at the start
    — otherwise "56 → 20 merged, 54 new cells" would not add up when a change falls on 1/1."""

    START, ON = date(2016, 1, 1), date(2016, 12, 31)

    @classmethod
    def setUpTestData(cls):

        tree = Tree()
        cls.commune = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        merged = tree.child(cls.commune, "Chi bộ ghép bản Một – bản Hai", OrgKind.CELL)
        new = tree.child(cls.commune, "Chi bộ bản Một", OrgKind.CELL, founded_on=cls.START)
        tree.save()
        old = date(2010, 1, 1)

        def village(name):
            return Place(name=name, kind="village", organisation=cls.commune)

        save_places(
            [
                (village("Bản Một"), [(old, merged), (cls.START, new)]),
                (village("Bản Hai"), [(old, merged)]),
                (village("Bản Ba"), [(old, None)]),
            ]
        )

    def test_a_cell_founded_on_the_first_day_is_new_and_not_in_the_start(self):
        rep = report("structure", self.commune, start=self.START, on=self.ON, today=self.ON)
        codes = ("new_cells", "village:own:start", "village:merged:start", "village:none:start",
                 "village:own", "village:merged", "village:none")  # fmt: skip
        self.assertEqual(
            {c: rep.figure(c) for c in codes},
            {
                "new_cells": 1,
                "village:own:start": 0,
                "village:merged:start": 2,
                "village:none:start": 1,
                "village:own": 2,
                "village:merged": 0,
                "village:none": 1,
            },
        )


class NewVillageCellsTests(TestCase):
    """Seed 003: "thành lập mới 54 chi bộ thôn, bản" counts the new cells of villages (thôn, bản,
    ấp, tổ dân phố: ``PlaceKind.VILLAGE``), not every cell founded in the period: a school's new
    cell, an agency's new cell and a cell not (yet) serving any place are new cells, not village
    cells; a cell that takes a village over after the report's date is not one on that date."""

    START, ON = date(2016, 1, 1), date(2016, 12, 31)

    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        cls.commune = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        founded = date(2016, 3, 1)
        village_cell = tree.child(cls.commune, "Chi bộ bản Một", OrgKind.CELL, founded_on=founded)
        quarter_cell = tree.child(
            cls.commune, "Chi bộ tổ dân phố 2", OrgKind.CELL, founded_on=founded
        )
        school_cell = tree.child(
            cls.commune, "Chi bộ Trường Tiểu học", OrgKind.CELL, founded_on=founded
        )
        tree.child(cls.commune, "Chi bộ Quân sự xã", OrgKind.CELL, founded_on=founded)
        late_cell = tree.child(cls.commune, "Chi bộ bản Ba", OrgKind.CELL, founded_on=founded)
        old_cell = tree.child(
            cls.commune, "Chi bộ bản Bốn", OrgKind.CELL, founded_on=date(2001, 1, 1)
        )
        tree.save()
        old = date(2010, 1, 1)

        def place(name, kind="village"):
            return Place(name=name, kind=kind, organisation=cls.commune)

        save_places(
            [
                (place("Bản Một"), [(old, None), (date(2016, 3, 5), village_cell)]),
                (place("Tổ dân phố 2"), [(old, None), (date(2016, 3, 5), quarter_cell)]),
                (place("Trường Tiểu học", "school"), [(old, None), (founded, school_cell)]),
                (place("Bản Ba"), [(old, None), (date(2017, 2, 1), late_cell)]),
                (place("Bản Bốn"), [(old, old_cell)]),
            ]
        )  # fmt: skip

    def test_only_the_new_cells_of_villages_are_village_cells(self):
        rep = report("structure", self.commune, start=self.START, on=self.ON, today=self.ON)
        self.assertEqual((rep.figure("new_cells"), rep.figure("new_village_cells")), (5, 2))
        listed = drill(
            "structure",
            self.commune,
            "new_village_cells",
            start=self.START,
            on=self.ON,
            today=self.ON,
        )
        self.assertEqual(
            sorted(listed.queryset.values_list("name", flat=True)),
            ["Chi bộ bản Một", "Chi bộ tổ dân phố 2"],
        )

    def test_a_cell_counts_as_a_village_cell_from_the_day_it_serves_the_village(self):
        later = date(2017, 3, 1)
        rep = report("structure", self.commune, start=self.START, on=later, today=later)
        self.assertEqual(rep.figure("new_village_cells"), 3)
