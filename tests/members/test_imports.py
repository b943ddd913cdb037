"""The members template's lifecycle columns (ptdv/members/imports.py): reading the cells,
checking a row against the rules of the person page, writing the events in bulk."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.imports.columns import CellError, fold_header
from ptdv.imports.columns import member_lifecycle_columns as columns
from ptdv.members import services
from ptdv.members.imports import KEYS, Known, check_lifecycle, lookup, write_events
from ptdv.members.models import OPEN_END, MemberEvent, MemberSpell
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.membership import MemberEventKind, Standing
from tests.base import WorldTestCase, make_person

K = MemberEventKind
TODAY = date(2026, 11, 30)
CELL = 42

MEMBER_ROW = {
    "member_status": "official",
    "party_admitted_on": date(2001, 4, 5),
    "party_official_on": date(2002, 4, 5),
    "party_card_number": "01.002233",
}


def check(**values):
    return check_lifecycle(MEMBER_ROW | values, cell_id=CELL, today=TODAY)


class ColumnTests(WorldTestCase):
    def test_the_columns(self):
        found = {c.key: c for c in columns()}
        self.assertEqual(tuple(found), KEYS)
        self.assertFalse(any(c.required for c in found.values()))
        how = found["left_how"]
        for text, kind in (("Từ trần", "deceased"), ("xoá tên", "struck_off"), ("XIN RA", "resigned"),
                           ("Khai trừ khỏi Đảng", "expelled"), ("chuyển đi", "transfer_out"),
                           ("chết", "deceased")):  # fmt: skip
            with self.subTest(text=text):
                self.assertEqual(how.parse(text), kind)
        with self.assertRaises(CellError) as caught:
            how.parse("nghỉ hưu")
        self.assertIn("Chuyển đi, Xin ra, Xóa tên, Khai trừ, Từ trần", str(caught.exception))
        self.assertIn(fold_header("Ngày từ trần"), found["left_on"].folded)
        self.assertEqual(found["arrived_on"].parse("05/03/2024"), date(2024, 3, 5))


class CheckTests(WorldTestCase):
    def test_a_row_without_lifecycle_writes_nothing(self):
        result = check()
        self.assertEqual((result.problems, result.events, result.fields), ([], [], {}))

    def test_a_member_who_left(self):
        result = check(left_on=date(2024, 2, 2), left_how="resigned", left_number="12-QĐ/HU",
                       left_reason="Theo đơn", left_issued_by="Ban Thường vụ Huyện ủy")  # fmt: skip
        self.assertTrue(result.ok, result.problems)
        (event,) = result.events
        self.assertEqual(
            (event.kind, event.date, event.cell_id, event.number, event.issued_by, event.reason),
            (K.RESIGNED, date(2024, 2, 2), CELL, "12-QĐ/HU", "Ban Thường vụ Huyện ủy", "Theo đơn"),
        )
        self.assertEqual(event.before["member_status"], "official")
        self.assertEqual(event.before["party_admitted_on"], "2001-04-05")
        self.assertEqual(
            result.fields, {"member_status": "left", "party_left_on": date(2024, 2, 2)}
        )

    def test_a_member_who_transferred_out_is_still_a_member(self):
        result = check(left_on=date(2024, 2, 2), left_how="transfer_out", left_number="7-GGT",
                       left_to="Đảng bộ xã Tân Lập")  # fmt: skip
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.events[0].outside, "Đảng bộ xã Tân Lập")
        self.assertEqual(result.fields, {"member_status": "transferred_out", "party_left_on": None})

    def test_a_member_from_outside_then_died(self):
        result = check(arrived_on=date(2015, 1, 1), arrived_from="Đảng bộ phường Hà Cầu",
                       arrived_number="3-GGT", left_on=date(2025, 1, 1), left_how="deceased")  # fmt: skip
        self.assertTrue(result.ok, result.problems)
        arrival, death = result.events
        self.assertEqual((arrival.kind, arrival.date, arrival.outside), (K.TRANSFER_IN, date(2015, 1, 1),
                         "Đảng bộ phường Hà Cầu"))  # fmt: skip
        self.assertEqual(arrival.before["member_status"], "none")
        self.assertEqual(arrival.data["admitted_on"], "2001-04-05")
        self.assertEqual(death.before["member_status"], "official")

    def test_problems_name_their_column(self):
        cases = [
            ({"left_on": date(2024, 2, 2)}, "left_how"),
            ({"left_how": "deceased"}, "left_on"),
            ({"left_reason": "x"}, "left_reason"),
            ({"arrived_from": "X"}, "arrived_from"),
            ({"left_on": date(2024, 2, 2), "left_how": "struck_off", "left_number": "1"},
             "left_reason"),
            ({"left_on": date(2024, 2, 2), "left_how": "expelled", "left_reason": "x"},
             "left_number"),
            ({"left_on": date(2024, 2, 2), "left_how": "transfer_out", "left_number": "1"},
             "left_to"),
            ({"left_on": date(2000, 2, 2), "left_how": "deceased"}, "left_on"),
            ({"left_on": date(2027, 2, 2), "left_how": "deceased"}, "left_on"),
            ({"arrived_on": date(2000, 1, 1), "arrived_from": "X", "arrived_number": "1"},
             "arrived_on"),
            ({"arrived_on": date(2015, 1, 1), "arrived_from": "X"}, "arrived_number"),
            ({"arrived_on": date(2015, 1, 1), "arrived_from": "X", "arrived_number": "1",
              "left_on": date(2014, 1, 1), "left_how": "deceased"}, "left_on"),
        ]  # fmt: skip
        for values, column in cases:
            with self.subTest(values=values):
                result = check(**values)
                self.assertEqual([c for c, _m in result.problems], [column], result.problems)
                self.assertEqual((result.events, result.fields), ([], {}))
                self.assertTrue(all(m for _c, m in result.problems))

    def test_a_probationary_member_is_struck_off_not_expelled(self):
        row = MEMBER_ROW | {"member_status": "probationary", "party_official_on": None,
                            "party_admitted_on": date(2024, 1, 1)}  # fmt: skip
        result = check_lifecycle(
            row | {"left_on": date(2024, 6, 1), "left_how": "expelled", "left_number": "1",
                   "left_reason": "x"},
            cell_id=CELL, today=TODAY,
        )  # fmt: skip
        ((column, message),) = result.problems
        self.assertEqual(column, "left_how")
        self.assertIn("Điều 35 khoản 2", message)

    def test_what_ptdv_holds_already(self):
        left = {"left_on": date(2024, 2, 2), "left_how": "deceased"}
        recorded = Known(Standing.DECEASED, existing=(("deceased", date(2024, 2, 2)),))
        result = check_lifecycle(MEMBER_ROW | left, cell_id=CELL, today=TODAY, known=recorded)
        self.assertEqual((result.problems, result.events), ([], []))  # the same: nothing to write
        other = check_lifecycle(
            MEMBER_ROW | left | {"left_on": date(2024, 3, 3)},
            cell_id=CELL,
            today=TODAY,
            known=recorded,
        )
        self.assertEqual([c for c, _m in other.problems], ["left_on"])
        open_ = Known(Standing.MEMBER, open_candidacy=2)
        result = check_lifecycle(MEMBER_ROW | left, cell_id=CELL, today=TODAY, known=open_)
        self.assertIn("lần 2", result.problems[0][1])
        member = Known(Standing.MEMBER)
        self.assertTrue(
            check_lifecycle(MEMBER_ROW | left, cell_id=CELL, today=TODAY, known=member).ok
        )
        arrival = {"arrived_on": date(2015, 1, 1), "arrived_from": "X", "arrived_number": "1"}
        result = check_lifecycle(MEMBER_ROW | arrival, cell_id=CELL, today=TODAY, known=member)
        self.assertEqual([c for c, _m in result.problems], ["arrived_on"])
        outside = Known(Standing.NOT_MEMBER)
        result = check_lifecycle(MEMBER_ROW | left, cell_id=CELL, today=TODAY, known=outside)
        self.assertEqual([c for c, _m in result.problems], ["left_how"])


class WriteTests(WorldTestCase):
    def test_bulk_writing_after_the_people(self):
        o, p = self.o, self.p
        newcomer = make_person(o.A2, "Lương Văn Đến", date(1985, 1, 1))
        arrival = check_lifecycle(
            MEMBER_ROW | {"arrived_on": date(2015, 1, 1), "arrived_from": "X", "arrived_number": "1"},
            cell_id=o.A2.pk, today=TODAY,
        )  # fmt: skip
        Person.objects.filter(pk=newcomer.pk).update(
            member_status=MemberStatus.OFFICIAL,
            party_admitted_on=date(2001, 4, 5),
            party_official_on=date(2002, 4, 5),
        )  # the import writes people in bulk, with their fields after the events
        services.record_event(p.member_B1, K.TRANSFER, date(2020, 1, 1), to_cell=o.A1, number="1")
        known = lookup([Person.objects.get(pk=p.member_B1.pk)])
        self.assertEqual(known[p.member_B1.pk].standing, Standing.MEMBER)
        death = check_lifecycle(
            MEMBER_ROW | {"left_on": date(2024, 2, 2), "left_how": "deceased"},
            cell_id=o.A1.pk, today=TODAY, known=Known(Standing.MEMBER),
        )  # fmt: skip
        Person.objects.filter(pk=p.member_B1.pk).update(**death.fields)
        with CaptureQueriesContext(connection) as ctx:
            written = write_events(
                [(newcomer, arrival.events), (p.member_B1, death.events), (p.member_A2, [])],
                actor=self.u.committee,
                run_id=77,
            )
        self.assertEqual(written, 2)
        self.assertLess(len(ctx.captured_queries), 20)
        b1 = MemberEvent.objects.filter(person=p.member_B1).order_by("seq")
        self.assertEqual([(e.seq, e.kind) for e in b1], [(1, "transfer"), (2, "deceased")])
        self.assertEqual(b1.last().data, {"import_run": 77})
        self.assertEqual(
            list(
                MemberSpell.objects.filter(person=newcomer).values_list("cell_id", "start", "end")
            ),
            [(o.A2.pk, date(2015, 1, 1), OPEN_END)],
        )
        self.assertEqual(
            list(
                MemberSpell.objects.filter(person=p.member_B1)
                .order_by("start")
                .values_list("cell_id", "end_reason")
            ),
            [(o.B1.pk, "transfer"), (o.A1.pk, "deceased")],
        )
        # The person page can correct what the import wrote.
        services.correct_event(b1.last(), "Nhầm người")
        self.assertEqual(Person.objects.get(pk=p.member_B1.pk).member_status, MemberStatus.OFFICIAL)
        self.assertEqual(write_events([]), 0)
