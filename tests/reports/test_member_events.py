"""Members on a date and the period's changes, with member events: every report counts a member
where and while they were — on both sides of each event's date, in the right unit — and a
subtree's figures are the sums of its units'."""

from __future__ import annotations

from datetime import date, timedelta

from ptdv.members import services
from ptdv.reports.figures import drill
from ptdv.rules.membership import MemberEventKind
from tests.base import WorldTestCase, make_person
from tests.reports.factories import report, units

K = MemberEventKind
TODAY = date(2026, 1, 15)
YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31), "today": TODAY}
DAY = timedelta(days=1)

T_MOVE = date(2025, 3, 10)  # member_A2: A2 → B1 (commune A → commune B)
T_DEATH = date(2025, 5, 20)  # member_B1 dies (B1)
T_OUT = date(2025, 6, 15)  # member_G transfers out of the installation (G)
T_IN = date(2025, 7, 1)  # a member arrives from outside into AP1
T_RESIGN = date(2025, 8, 8)  # member_B1b leaves the Party at their request (B1)
T_STRUCK = date(2025, 9, 9)  # the probationary member of A1 is struck off
T_EXPEL = date(2025, 10, 10)  # member_AP1b is expelled (AP1)


class MemberEventsInReportsTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        o, p = cls.o, cls.p

        def record(person, kind, on, **kw):
            services.record_event(person, kind, on, today=TODAY, **kw)

        record(p.member_A2, K.TRANSFER, T_MOVE, to_cell=o.B1, number="1-GGT")
        record(p.member_B1, K.DECEASED, T_DEATH)
        record(p.member_G, K.TRANSFER_OUT, T_OUT, outside="Đảng bộ xã Tân Lập", number="2-GGT")
        cls.newcomer = make_person(o.A1, "Lương Văn Đến", date(1985, 1, 1))
        record(cls.newcomer, K.TRANSFER_IN, T_IN, to_cell=o.AP1, outside="Đảng bộ phường Hà Cầu",
               number="3-GGT", admitted_on=date(2010, 2, 3), official_on=date(2011, 2, 3))  # fmt: skip
        record(p.member_B1b, K.RESIGNED, T_RESIGN, number="4-QĐ", reason="Theo đơn")
        record(p.probationary, K.STRUCK_OFF, T_STRUCK, number="5-QĐ", reason="Không đủ tư cách")
        record(p.member_AP1b, K.EXPELLED, T_EXPEL, number="6-QĐ", reason="Vi phạm pháp luật")

    def members(self, organisation, on) -> int:
        return report("members", organisation, on=on, today=TODAY).figure("members")

    def by_unit(self, organisation, on) -> dict[int, int]:
        rep = report("members", organisation, on=on, today=TODAY)
        return {pk: row.get("members", 0) for pk, row in units(rep).items()}

    def listed(self, organisation, on) -> set[str]:
        found = drill("members", organisation, "members", on=on, today=TODAY)
        return set(found.queryset.values_list("full_name", flat=True))

    def test_each_event_on_both_sides_of_its_date(self):
        o, p = self.o, self.p
        cases = [
            # (day, the person, {unit: members the day before → members on the day})
            (T_MOVE, p.member_A2, {o.A2: (1, 0), o.B1: (2, 3), o.A: (9, 8), o.B: (2, 3)}),
            (T_DEATH, p.member_B1, {o.B1: (3, 2), o.B: (3, 2)}),
            (T_OUT, p.member_G, {o.G: (2, 1)}),
            (T_IN, self.newcomer, {o.AP1: (2, 3), o.AP: (2, 3), o.A: (8, 9)}),
            (T_RESIGN, p.member_B1b, {o.B1: (2, 1)}),
            (T_STRUCK, p.probationary, {o.A1: (6, 5), o.A: (9, 8)}),
            (T_EXPEL, p.member_AP1b, {o.AP1: (3, 2), o.AP: (3, 2)}),
        ]
        for day, person, expected in cases:
            for organisation, (before, after) in expected.items():
                with self.subTest(day=day, unit=organisation.name):
                    self.assertEqual(
                        (self.members(organisation, day - DAY), self.members(organisation, day)),
                        (before, after),
                    )
            # The list behind the figure says the same of the person.
            unit = next(iter(expected))
            with self.subTest(day=day, drill=person.full_name):
                arriving = day in (T_IN,) or (day == T_MOVE and unit == o.B1)
                self.assertEqual(person.full_name in self.listed(unit, day - DAY), not arriving)
                self.assertEqual(person.full_name in self.listed(unit, day), arriving)

    def test_the_province_counts_a_move_once_and_the_units_add_up(self):
        o = self.o
        province = o.P
        # Base world: 15 members (13 in district D, 2 in E); the move stays inside D.
        self.assertEqual(self.members(province, T_MOVE - DAY), 15)
        self.assertEqual(self.members(province, T_MOVE), 15)
        self.assertEqual(self.members(province, TODAY), 15 - 1 - 1 + 1 - 1 - 1 - 1)
        for day in (T_MOVE - DAY, T_MOVE, T_IN, T_EXPEL, TODAY):
            for organisation in (o.P, o.D, o.A, o.AP, o.B):
                with self.subTest(day=day, organisation=organisation.name):
                    parts = self.by_unit(organisation, day)
                    self.assertEqual(sum(parts.values()), self.members(organisation, day))

    def test_the_structure_report_counts_members_where_they_were(self):
        o = self.o
        before = report("structure", o.D, on=T_MOVE - DAY, today=TODAY)
        after = report("structure", o.D, on=T_MOVE, today=TODAY)
        self.assertEqual(units(before)[o.A.pk]["members"], 9)
        self.assertEqual(units(after)[o.A.pk]["members"], 8)
        self.assertEqual(units(after)[o.B.pk]["members"], 3)
        self.assertEqual(before.figure("members"), after.figure("members"))
        # A2 had one member: fewer than five before and after (none is still fewer).
        small = drill("structure", o.A, "small_cells", on=T_MOVE, today=TODAY).queryset
        self.assertIn(o.A2, set(small))

    def test_the_years_changes_in_the_activity_report(self):
        o = self.o
        rep = report("activity", o.D, **YEAR)
        expected = {
            "members_transferred_in": 1,
            "members_moved_in": 1,
            "members_moved_out": 1,
            "members_transferred_out": 1,
            "members_left": 4,
            "members_resigned": 1,
            "members_struck_off": 1,
            "members_expelled": 1,
            "members_deceased": 1,
            "members_left_unknown": 0,
        }
        self.assertEqual({code: rep.figure(code) for code in expected}, expected)
        rows = units(rep)
        self.assertEqual(rows[o.A.pk]["members_left"], 2)  # struck off (A1), expelled (AP1)
        self.assertEqual(rows[o.B.pk]["members_left"], 2)  # died, resigned (B1)
        self.assertEqual(rows[o.G.pk]["members_left"], 0)  # transferred out: not out of the Party
        by_commune = {
            code: (
                report("activity", o.A, **YEAR).figure(code),
                report("activity", o.B, **YEAR).figure(code),
            )
            for code in ("members_moved_out", "members_moved_in", "members_transferred_in")
        }
        self.assertEqual(
            by_commune,
            {
                "members_moved_out": (1, 0),
                "members_moved_in": (0, 1),
                "members_transferred_in": (1, 0),
            },
        )
        # Outside the district: nothing of it.
        self.assertEqual(report("activity", o.E, **YEAR).figure("members_left"), 0)

    def test_the_changes_split_at_their_dates(self):
        o = self.o
        codes = ("members_moved_in", "members_left", "members_deceased", "members_transferred_out")
        whole = report("activity", o.D, **YEAR)
        for split in (T_MOVE, T_DEATH, T_OUT + DAY):
            first = report("activity", o.D, start=YEAR["start"], end=split - DAY, today=TODAY)
            second = report("activity", o.D, start=split, end=YEAR["end"], today=TODAY)
            for code in codes:
                with self.subTest(split=split, code=code):
                    self.assertEqual(whole.figure(code), first.figure(code) + second.figure(code))

    def test_the_lists_behind_the_changes(self):
        o, p = self.o, self.p
        names = {
            code: set(
                drill("activity", o.D, code, **YEAR).queryset.values_list("full_name", flat=True)
            )
            for code in ("members_moved_in", "members_left", "members_transferred_in")
        }
        self.assertEqual(names["members_moved_in"], {p.member_A2.full_name})
        self.assertEqual(
            names["members_left"],
            {p.member_B1.full_name, p.member_B1b.full_name, p.probationary.full_name,
             p.member_AP1b.full_name},
        )  # fmt: skip
        self.assertEqual(names["members_transferred_in"], {self.newcomer.full_name})

    def test_members_counted_at_the_end_of_the_period(self):
        """Members at the start + arrivals − departures − exits = members at the end, per unit."""
        o = self.o
        for organisation in (o.D, o.A, o.B, o.G, o.A1, o.B1):
            with self.subTest(organisation=organisation.name):
                rep = report("activity", organisation, **YEAR)
                start = self.members(organisation, YEAR["start"] - DAY)
                end = self.members(organisation, YEAR["end"])
                arrivals = rep.figure("members_transferred_in") + rep.figure("members_moved_in")
                departures = rep.figure("members_transferred_out") + rep.figure("members_moved_out")
                self.assertEqual(start + arrivals - departures - rep.figure("members_left"), end)
