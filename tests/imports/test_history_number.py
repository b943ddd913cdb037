"""The members' file reads the personal-history number (số lý lịch đảng viên): its column and
format, who holds a number already (named only inside the organisation imported into), the same
number twice in a file, the create / update / unchanged decision, and a number taken between the
preview and the commit."""

from __future__ import annotations

from unittest import mock

from auditlog.models import LogEntry
from django.db import connection
from django.test import SimpleTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from ptdv.imports import planning
from ptdv.imports.columns import MEMBER_COLUMNS, CellError, fold_header
from ptdv.imports.models import Status
from ptdv.imports.template import csv_bytes as template_csv
from ptdv.people.identity import HISTORY_NUMBER_PROBE_EVENT
from ptdv.people.models import Person

from .test_import import ImportTestCase, MemberTests, person_row

HEADERS = [*MemberTests.HEADERS, "Số lý lịch đảng viên"]
COLUMN = next(c for c in MEMBER_COLUMNS if c.key == "personal_history_number")


def member_row(name, birth, number, *, admitted="03/02/2010", official="03/02/2011", **kw):
    return [*person_row(name, birth, **kw), "Chính thức", admitted, official, number]


class ColumnTests(SimpleTestCase):
    def test_header_and_its_variants(self):
        for header in ("Số lý lịch đảng viên", "Số lý lịch", "So ly lich", "SỐ LÝ LỊCH ĐẢNG VIÊN",
                       "Số LLĐV", "so ly lich dang vien"):  # fmt: skip
            with self.subTest(header=header):
                self.assertIn(fold_header(header), COLUMN.folded)
        self.assertFalse(COLUMN.required)

    def test_the_format_of_the_person_page(self):
        self.assertEqual(COLUMN.parse(" 123 456 hn "), "123456HN")
        self.assertEqual(COLUMN.parse("'000001A"), "000001A")
        for bad in ("12345HN", "123456", "123456ABCD", "HN123456", "１２３４５６HN", 123456.0):
            with self.subTest(bad=bad), self.assertRaises(CellError) as caught:
                COLUMN.parse(bad)
            self.assertRegex(
                str(caught.exception),
                r"^Số lý lịch đảng viên «.+» không đúng dạng: 6 chữ số rồi 1 đến 3 chữ cái "
                r"\(ví dụ 123456HN\)\.$",
            )
        with self.assertRaises(CellError) as caught:
            COLUMN.parse("1" * 5000)
        self.assertEqual(str(caught.exception), "Dài quá 20 ký tự (5000 ký tự).")


class HistoryNumberTests(ImportTestCase):
    def test_created_updated_unchanged_and_kept_when_blank(self):
        giới = self.world.people.introducer1  # Nguyễn Văn Giới, 01/03/1970, official 01/06/2000
        rows = [
            member_row("Hồ Văn Số", "01/01/1980", "123 456 hn"),
            member_row("Nguyễn Văn Giới", "01/03/1970", "654321HCM", admitted="01/06/1999",
                       official="01/06/2000"),
        ]  # fmt: skip
        run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual(
            (run.creates, run.updates, run.unchanged, run.failures), (1, 1, 0, 0),
            self.problems(run),
        )  # fmt: skip
        # The kept plan is written as it is: nothing is planned again.
        with mock.patch.object(planning.Planner, "_decide", side_effect=AssertionError):
            run = self.commit(run)
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        self.assertEqual(
            Person.objects.get(full_name="Hồ Văn Số").personal_history_number, "123456HN"
        )
        giới.refresh_from_db()
        self.assertEqual(giới.personal_history_number, "654321HCM")
        # The same file again: unchanged; a blank cell keeps the number; another one changes it.
        again = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual((again.creates, again.updates, again.unchanged), (0, 0, 2))
        blank = self.preview("dang-vien", HEADERS, [member_row("Hồ Văn Số", "01/01/1980", None)])
        self.assertEqual((blank.updates, blank.unchanged), (0, 1), self.problems(blank))
        other = [member_row("Hồ Văn Số", "01/01/1980", "123456HNA")]
        run = self.commit(self.preview("dang-vien", HEADERS, other))
        self.assertEqual((run.status, run.updates), (Status.COMMITTED, 1), run.message)
        self.assertEqual(
            Person.objects.get(full_name="Hồ Văn Số").personal_history_number, "123456HNA"
        )

    def test_a_bad_number_names_its_row_and_column(self):
        run = self.preview("dang-vien", HEADERS, [member_row("Hồ Văn Sai", "01/01/1980", "12345")])
        self.assertEqual(run.failures, 1)
        self.assertEqual(
            self.problems(run),
            [(2, "Số lý lịch đảng viên", "Số lý lịch đảng viên «12345» không đúng dạng: 6 chữ số "
                                         "rồi 1 đến 3 chữ cái (ví dụ 123456HN).")],
        )  # fmt: skip

    def test_the_same_number_twice_in_the_file_fails_the_later_rows(self):
        rows = [
            member_row("Hồ Văn Một", "01/01/1980", "111111HN"),
            member_row("Hồ Văn Hai", "02/02/1981", "111111hn"),
            member_row("Hồ Văn Ba", "03/03/1982", "111111 HN"),
        ]
        run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual((run.creates, run.failures), (1, 2))
        message = "Trùng với dòng 2 của tệp (cùng số lý lịch đảng viên): mỗi số chỉ của một người."
        self.assertEqual(
            sorted(self.problems(run)),
            [(3, "Số lý lịch đảng viên", message), (4, "Số lý lịch đảng viên", message)],
        )

    def test_a_number_held_inside_is_named_outside_says_nothing_of_whom(self):
        inside, outside = self.world.people.member_A2, self.world.people.member_X1
        Person.objects.filter(pk=inside.pk).update(personal_history_number="222222HN")
        Person.objects.filter(pk=outside.pk).update(personal_history_number="333333HN")
        rows = [
            member_row("Hồ Văn Trong", "01/01/1980", "222222HN"),
            member_row("Hồ Văn Ngoài", "01/01/1980", "333333HN", cell="Chi bộ thôn Tây"),
        ]
        run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual(run.failures, 2, self.problems(run))
        problems = dict(((row, column), message) for row, column, message in self.problems(run))
        self.assertEqual(
            problems[(2, "Số lý lịch đảng viên")],
            "Số lý lịch đảng viên 222222HN đã được ghi cho Vũ Văn Tây, sinh 05/05/1972, "
            f"{inside.cell.name}.",
        )
        elsewhere = problems[(3, "Số lý lịch đảng viên")]
        self.assertEqual(
            elsewhere,
            "Số lý lịch đảng viên 333333HN đã được ghi cho một người khác trong ptdv: hãy đối "
            "chiếu lại với phiếu đảng viên, hoặc hỏi cấp ủy cấp trên.",
        )
        for secret in (outside.full_name, "12/12/1971", outside.cell.name, outside.cell.code):
            if secret:
                self.assertNotIn(secret, elsewhere)
        # The holder's own row: their number is theirs.
        own = [member_row("Vũ Văn Tây", "05/05/1972", "222222HN", admitted="01/01/1997",
                          official="01/01/1998", cell="Chi bộ thôn Tây")]  # fmt: skip
        run = self.preview("dang-vien", HEADERS, own)
        self.assertEqual((run.unchanged, run.failures), (1, 0), self.problems(run))

    def test_a_number_held_outside_is_audited(self):
        outside = self.world.people.member_X1
        Person.objects.filter(pk=outside.pk).update(personal_history_number="333333HN")
        self.preview("dang-vien", HEADERS, [member_row("Hồ Văn Ngoài", "01/01/1980", "333333HN")])
        entries = LogEntry.objects.filter(additional_data__event=HISTORY_NUMBER_PROBE_EVENT)
        asker = entries.get(object_pk="")
        self.assertEqual(asker.actor, self.user)
        self.assertEqual(entries.get(object_id=outside.pk).additional_data["org_path"],
                         outside.cell.path)  # fmt: skip
        for entry in entries:
            self.assertNotIn("333333HN", f"{entry.object_repr} {entry.additional_data}")

    @override_settings(PTDV_CCCD_ELSEWHERE_LIMIT=2)
    def test_past_the_limit_the_file_stops(self):
        people = self.world.people
        outside = (people.member_X1, people.member_X1b)
        numbers = ("810001HN", "810002HN")
        for person, number in zip(outside, numbers, strict=True):
            Person.objects.filter(pk=person.pk).update(personal_history_number=number)
        inside = people.member_A2
        Person.objects.filter(pk=inside.pk).update(personal_history_number="810009HN")
        rows = [
            member_row("Hồ Văn Một", "01/01/1980", numbers[0]),
            member_row("Hồ Văn Hai", "02/01/1980", numbers[1]),
            member_row("Hồ Văn Trong", "03/01/1980", "810009HN"),  # inside: named, not counted
        ]
        run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual(run.failures, 3, self.problems(run))
        self.assertIn(inside.full_name, dict(((r, c), m) for r, c, m in self.problems(run))[
            (4, "Số lý lịch đảng viên")])  # fmt: skip
        # A third number elsewhere, in another file: the check stops at its row.
        Person.objects.filter(pk=people.member_AP1b.pk).update(
            merged_into=inside, personal_history_number="810003HN"
        )
        run = self.preview(
            "dang-vien", HEADERS, [*rows, member_row("Hồ Văn Ba", "04/01/1980", "810003HN")]
        )
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("Dừng kiểm tra ở dòng 5", run.message)
        self.assertIn("2 số lý lịch đảng viên", run.message)
        self.assertNotIn("810003HN", run.message)

    def test_a_record_merged_into_another_is_not_named(self):
        kept, merged = self.world.people.member_A2, self.world.people.member_AP1b
        Person.all_records.filter(pk=merged.pk).update(
            merged_into=kept, personal_history_number="444444HN"
        )
        run = self.preview(
            "dang-vien", HEADERS, [member_row("Hồ Văn Gộp", "01/01/1980", "444444HN")]
        )
        (problem,) = self.problems(run)
        self.assertIn("cho một người khác trong ptdv", problem[2])
        self.assertNotIn(merged.full_name, problem[2])

    def test_the_holders_are_read_once_per_chunk(self):
        rows = [
            member_row(f"Hồ Văn {name}", f"0{day}/01/1980", f"5555{day:02d}HN")
            for day, name in enumerate(("An", "Bình", "Cường", "Dũng", "Em", "Giang"), start=1)
        ]
        with CaptureQueriesContext(connection) as queries:
            run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual((run.creates, run.failures), (6, 0), self.problems(run))
        asked = [
            q["sql"] for q in queries.captured_queries if '"personal_history_number" IN' in q["sql"]
        ]
        self.assertEqual(len(asked), 1, asked)

    def test_a_number_taken_between_preview_and_commit_is_noticed(self):
        rows = [member_row("Hồ Văn Chậm", "01/01/1980", "666666HN")]
        run = self.preview("dang-vien", HEADERS, rows)
        self.assertEqual((run.creates, run.failures), (1, 0), self.problems(run))
        outside = self.world.people.member_X1
        outside.personal_history_number = "666666HN"
        outside.save()
        run = self.commit(run)
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("dòng 2 không nhập được", run.message)
        (problem,) = self.problems(run)
        self.assertEqual(problem[:2], (2, "Số lý lịch đảng viên"))
        self.assertNotIn(outside.full_name, problem[2])
        self.assertFalse(Person.objects.filter(full_name="Hồ Văn Chậm").exists())

    def test_the_template_lists_the_column(self):
        header = template_csv("dang-vien", self.o.A).decode("utf-8-sig").splitlines()[0]
        self.assertIn("Số lý lịch đảng viên", header.split(","))
        self.assertNotIn(
            "Số lý lịch đảng viên",
            template_csv("nguoi", self.o.A).decode("utf-8-sig").splitlines()[0],
        )
