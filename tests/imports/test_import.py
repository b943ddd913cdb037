"""Importing people, members and candidacies: preview, problems, commit, idempotence."""

from __future__ import annotations

import tempfile
import unicodedata
from datetime import date
from pathlib import Path

from django.test import TestCase, override_settings

from ptdv.imports import running
from ptdv.imports.models import ImportProblem, Status
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline.evaluation import evaluate_candidacy
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.stages import Stage, Step
from tests.base import build_world, cccd_for, make_person

from .helpers import PERSON_HEADERS, csv_bytes, make_run, xlsx_bytes

TODAY = date(2026, 12, 1)
FARMER = "Nông dân, lao động tự do ở nông thôn"


def person_row(name, birth, sex="Nam", cccd="", education="12/12", cell="Chi bộ thôn Đông"):
    return [name, birth, sex, cccd, education, FARMER, cell]


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-import-tests-"))
class ImportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.o = cls.world.org
        cls.user = cls.world.users.grassroots

    def preview(self, kind, headers, rows, *, root=None, name="ds.xlsx", content=None):
        content = content if content is not None else xlsx_bytes(headers, rows)
        run = make_run(self.user, root or self.o.A, kind, content, name)
        return running.preview(run, today=TODAY)

    def problems(self, run):
        return [(p.row, p.column, p.message) for p in ImportProblem.objects.filter(run=run)]

    def commit(self, run):
        run.status = Status.COMMITTING
        return running.commit(run, today=TODAY)


class PeopleTests(ImportTestCase):
    def test_create_then_same_file_again_creates_nothing(self):
        rows = [
            person_row("Nguyễn Thị Lan", date(2000, 5, 14), "Nữ", cccd_for(date(2000, 5, 14), "F")),
            person_row("Trần Văn Bình", "03/04/1999"),
        ]
        run = self.preview("nguoi", PERSON_HEADERS, rows)
        self.assertEqual(
            (run.status, run.creates, run.updates, run.failures), ("previewed", 2, 0, 0)
        )
        self.assertFalse(Person.objects.filter(full_name="Nguyễn Thị Lan").exists())
        run = self.commit(run)
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        lan = Person.objects.get(full_name="Nguyễn Thị Lan")
        self.assertEqual(
            (lan.cell, lan.sex, lan.general_education), (self.o.A1, "F", "upper_secondary")
        )
        self.assertEqual(Person.objects.get(full_name="Trần Văn Bình").birth_date, date(1999, 4, 3))
        count = Person.objects.count()
        again = self.preview("nguoi", PERSON_HEADERS, rows)
        self.assertEqual((again.creates, again.updates, again.unchanged), (0, 0, 2))
        self.commit(again)
        self.assertEqual(Person.objects.count(), count)

    def test_header_variations_dates_and_decomposed_names(self):
        decomposed = unicodedata.normalize("NFD", "Lê Thị Hường")
        headers = ["STT", "Chi bộ sinh hoạt", "HỌ TÊN", "Ghi chú nội bộ", "Ngày tháng năm sinh",
                   "Giới tính", "Trình độ học vấn", "Khu vực", "CCCD"]  # fmt: skip
        rows = [[1, "Chi bộ thôn Tây", decomposed, "x", "7/8/2001", "nữ", "9/12", FARMER, None]]
        content = xlsx_bytes(headers, rows, title="DANH SÁCH QUẦN CHÚNG")
        run = self.preview("nguoi", None, None, content=content)
        self.assertEqual((run.creates, run.failures), (1, 0), self.problems(run))
        self.assertEqual(run.ignored_columns, ["Ghi chú nội bộ"])
        self.commit(run)
        person = Person.objects.get(birth_date=date(2001, 8, 7))
        self.assertEqual(person.full_name, unicodedata.normalize("NFC", "Lê Thị Hường"))
        self.assertEqual((person.cell, person.general_education), (self.o.A2, "lower_secondary"))

    def test_csv_utf8_and_windows_1258_with_semicolons(self):
        rows = [person_row("Phan Văn Cường", "01/01/1990")]
        for encoding in ("utf-8-sig", "cp1258"):
            content = csv_bytes(PERSON_HEADERS, rows, delimiter=";", encoding=encoding)
            run = self.preview("nguoi", None, None, content=content, name="ds.csv")
            self.assertEqual((run.creates, run.failures), (1, 0), (encoding, self.problems(run)))

    def test_each_failing_row_names_row_column_and_reason(self):
        existing = self.world.people.member_A2  # Vũ Văn Tây, 05/05/1972
        existing.cccd = cccd_for(existing.birth_date, "M")
        existing.save()
        other_cccd = cccd_for(date(1972, 5, 5), "M")
        rows = [
            person_row("Sai Số Cccd", "01/01/1990", cccd="12345"),
            person_row("Ngày Không Có", "30/02/1990"),
            person_row("Không Có Chi Bộ", "01/01/1990", cell="Chi bộ không tồn tại"),
            person_row("Người Khác Hẳn", "01/01/1972", cccd=existing.cccd),
            person_row("Vũ Văn Tây", "05/05/1972", cccd=other_cccd, cell="Chi bộ thôn Tây"),
            person_row("Hai Lần", "02/02/1992"),
            person_row("Hai Lần", "02/02/1992"),
            person_row("Ngoài Phạm Vi", "01/01/1990", cell="Chi bộ thôn Nam"),
        ]
        run = self.preview("nguoi", PERSON_HEADERS, rows)
        self.assertEqual((run.creates, run.failures), (1, 7))
        problems = self.problems(run)
        self.assertIn((2, "Số CCCD", "Số CCCD phải gồm đúng 12 chữ số. (“12345”)"), problems)
        self.assertIn((3, "Ngày sinh", "Ngày “30/02/1990” không có thật."), problems)
        self.assertIn(
            (4, "Chi bộ", "Không có chi bộ “Chi bộ không tồn tại” trong Đảng bộ xã Hòa An."),
            problems,
        )
        row5 = [p for p in problems if p[0] == 5]
        self.assertEqual(row5[0][1], "Số CCCD")
        self.assertIn("đã có trong ptdv cho người khác: Vũ Văn Tây", row5[0][2])
        row6 = [p for p in problems if p[0] == 6]
        self.assertIn("Trùng họ tên và ngày sinh với Vũ Văn Tây", row6[0][2])
        self.assertIn(
            (8, "Họ và tên", "Trùng với dòng 7 của tệp (cùng họ tên và ngày sinh)."), problems
        )
        self.assertTrue(any(p[0] == 9 and p[1] == "Chi bộ" for p in problems))
        self.assertFalse(run.can_commit)

    def test_update_of_a_known_person(self):
        person = self.world.people.member_A2
        rows = [
            [
                "Vũ Văn Tây",
                "05/05/1972",
                "Nam",
                "",
                "Trung học phổ thông",
                "Nghỉ hưu",
                "Chi bộ thôn Tây",
            ]
        ]
        run = self.preview("nguoi", PERSON_HEADERS, rows)
        self.assertEqual((run.updates, run.failures), (1, 0), self.problems(run))
        self.commit(run)
        person.refresh_from_db()
        self.assertEqual(person.sector, "retired")

    def test_legal_basis_and_notice_checked_together(self):
        headers = [*PERSON_HEADERS, "Cơ sở pháp lý", "Ngày đồng ý", "Phạm vi đồng ý",
                   "Ngày thông báo dữ liệu nhạy cảm"]  # fmt: skip
        rows = [
            [*person_row("Đồng Ý Đủ", "01/01/1990"), "Sự đồng ý", "05/03/2025",
             "Hồ sơ phát triển đảng viên", "05/03/2025"],
            [*person_row("Quy Định Đảng", "02/01/1990"), "Quy định của Đảng", None, None, None],
            [*person_row("Đồng Ý Thiếu", "03/01/1990"), "đồng ý", None, None, None],
            [*person_row("Thông Báo Muộn", "04/01/1990"), "Sự đồng ý", "05/03/2025",
             "Hồ sơ", "06/03/2025"],
            [*person_row("Cơ Sở Lạ", "05/01/1990"), "Hợp đồng", None, None, None],
            [*person_row("Thông Báo Tương Lai", "06/01/1990"), None, None, None, "01/01/2027"],
        ]  # fmt: skip
        run = self.preview("nguoi", headers, rows)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (2, 4), problems)
        self.assertIn(
            (4, "Ngày đồng ý xử lý dữ liệu",
             "Cơ sở pháp lý là sự đồng ý: cần ghi ngày người đó đồng ý."), problems,
        )  # fmt: skip
        self.assertIn(
            (4, "Phạm vi đồng ý", "Cơ sở pháp lý là sự đồng ý: cần ghi phạm vi đồng ý."), problems
        )
        self.assertIn(
            (5, "Ngày thông báo dữ liệu nhạy cảm",
             "Ngày thông báo dữ liệu nhạy cảm không được sau ngày đồng ý."), problems,
        )  # fmt: skip
        self.assertTrue(any(p[0] == 6 and p[1] == "Cơ sở pháp lý xử lý dữ liệu" for p in problems))
        self.assertIn(
            (7, "Ngày thông báo dữ liệu nhạy cảm",
             "Ngày thông báo dữ liệu nhạy cảm không được sau hôm nay."), problems,
        )  # fmt: skip
        # Only the good rows, once the others are taken out.
        run = self.commit(self.preview("nguoi", headers, rows[:2]))
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        consent = Person.objects.get(full_name="Đồng Ý Đủ")
        self.assertEqual(
            (consent.legal_basis, consent.consent_on, consent.consent_scope,
             consent.sensitive_notice_on),
            ("consent", date(2025, 3, 5), "Hồ sơ phát triển đảng viên", date(2025, 3, 5)),
        )  # fmt: skip
        self.assertEqual(Person.objects.get(full_name="Quy Định Đảng").legal_basis, "party_rules")
        # A later file adds the notice to a person who had consent recorded: checked with it.
        later = [[*person_row("Đồng Ý Đủ", "01/01/1990"), None, None, None, "06/03/2025"]]
        run = self.preview("nguoi", headers, later)
        self.assertIn(
            (2, "Ngày thông báo dữ liệu nhạy cảm",
             "Ngày thông báo dữ liệu nhạy cảm không được sau ngày đồng ý."), self.problems(run),
        )  # fmt: skip


class MemberTests(ImportTestCase):
    HEADERS = [*PERSON_HEADERS, "Tình trạng đảng viên", "Ngày vào Đảng", "Ngày chính thức"]

    def test_members(self):
        rows = [
            [*person_row("Hồ Văn Chính", "01/01/1980"), "Chính thức", "03/02/2010", "03/02/2011"],
            [*person_row("Hồ Thị Dự", "01/01/1995", "Nữ"), "Dự bị", "19/05/2026", None],
            [*person_row("Quá Trẻ", "01/01/2010"), "Dự bị", "19/05/2026", None],
            [*person_row("Sớm Quá", "01/01/1980"), "Chính thức", "03/02/2010", "03/06/2010"],
        ]
        run = self.preview("dang-vien", self.HEADERS, rows)
        self.assertEqual((run.creates, run.failures), (2, 2), self.problems(run))
        problems = self.problems(run)
        self.assertTrue(
            any(p[0] == 4 and p[1] == "Ngày vào Đảng" and "18 tuổi" in p[2] for p in problems)
        )
        self.assertTrue(any(p[0] == 5 and p[1] == "Ngày chính thức" for p in problems))
        ok = self.preview("dang-vien", self.HEADERS, rows[:2])
        self.commit(ok)
        chinh = Person.objects.get(full_name="Hồ Văn Chính")
        self.assertEqual(
            (chinh.member_status, chinh.party_admitted_on, chinh.party_official_on),
            (MemberStatus.OFFICIAL, date(2010, 2, 3), date(2011, 2, 3)),
        )
        self.assertEqual(Person.objects.get(full_name="Hồ Thị Dự").member_status, "probationary")


class MemberLifecycleTests(ImportTestCase):
    """The members template's lifecycle columns (``members.imports``), wired into the import."""

    HEADERS = [*MemberTests.HEADERS, "Ngày chuyển đến", "Chuyển đến từ",
               "Số giấy giới thiệu chuyển đến", "Ngày ra khỏi Đảng", "Hình thức", "Số quyết định",
               "Lý do", "Nơi chuyển đến"]  # fmt: skip

    def row(self, name, birth, *lifecycle, status="Chính thức", sex="Nam"):
        lifecycle = list(lifecycle) + [None] * (8 - len(lifecycle))
        return [*person_row(name, birth, sex), status, "03/02/2010", "03/02/2011", *lifecycle]

    def test_arrivals_and_departures_become_member_events(self):
        from ptdv.members.models import MemberEvent, MemberSpell

        # fmt: off
        rows = [
            self.row("Lê Văn Đến", "01/01/1980", "15/03/2020", "Đảng bộ tỉnh Bên Kia", "05-GGT/TU"),
            self.row("Lê Văn Mất", "01/01/1950", None, None, None, "10/10/2025", "Từ trần"),
            self.row("Lê Thị Xin", "01/01/1985", None, None, None, "05/05/2024", "Xin ra",
                     "12-QĐ/ĐU", "Hoàn cảnh gia đình", sex="Nữ"),
            self.row("Lê Văn Đi", "01/01/1982", None, None, None, "01/06/2025", "Chuyển đi",
                     "31-GGT/ĐU", None, "Đảng bộ tỉnh Bên Kia"),
            # Fails: leaving without its form; a resignation without its reason.
            self.row("Thiếu Hình Thức", "01/01/1980", None, None, None, "01/06/2025"),
            self.row("Thiếu Lý Do", "01/01/1980", None, None, None, "01/06/2025", "Xin ra",
                     "13-QĐ/ĐU"),
        ]
        # fmt: on
        run = self.preview("dang-vien", self.HEADERS, rows)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (4, 2), problems)
        self.assertTrue(any(p[0] == 6 and p[1] == "Hình thức" for p in problems), problems)
        self.assertTrue(any(p[0] == 7 and p[1] == "Lý do" for p in problems), problems)
        run = self.commit(self.preview("dang-vien", self.HEADERS, rows[:4]))
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        people = {p.full_name: p for p in Person.objects.filter(full_name__startswith="Lê ")}
        kinds = {
            e.person.full_name: e.kind
            for e in MemberEvent.objects.filter(person__in=people.values()).select_related("person")
        }
        self.assertEqual(
            kinds,
            {"Lê Văn Đến": "transfer_in", "Lê Văn Mất": "deceased", "Lê Thị Xin": "resigned",
             "Lê Văn Đi": "transfer_out"},
        )  # fmt: skip
        self.assertEqual(
            (people["Lê Thị Xin"].member_status, people["Lê Thị Xin"].party_left_on),
            (MemberStatus.LEFT, date(2024, 5, 5)),
        )
        self.assertEqual(people["Lê Văn Đi"].member_status, MemberStatus.TRANSFERRED_OUT)
        # Counted where and while they were members: the arrival from its day, the others until.
        arrival = MemberSpell.objects.get(person=people["Lê Văn Đến"])
        self.assertEqual((arrival.cell, arrival.start), (self.o.A1, date(2020, 3, 15)))
        gone = MemberSpell.objects.get(person=people["Lê Văn Mất"])
        self.assertEqual((gone.start, gone.end), (date(2010, 2, 3), date(2025, 10, 10)))
        # The same file again: nothing new.
        again = self.preview("dang-vien", self.HEADERS, rows[:4])
        self.assertEqual(
            (again.creates, again.updates, again.unchanged), (0, 0, 4), self.problems(again)
        )


class CandidacyTests(ImportTestCase):
    HEADERS = [
        *PERSON_HEADERS, "Ngày xác định nguồn", "Ngày vào danh sách cảm tình Đảng",
        "Ngày học lớp nhận thức về Đảng", "Ngày chi bộ đề nghị kết nạp",
        "Ngày đảng ủy cơ sở đề nghị kết nạp", "Ngày quyết định kết nạp", "Số quyết định kết nạp",
        "Ngày lễ kết nạp",
    ]  # fmt: skip

    def row(self, name, birth, *steps, cell="Chi bộ thôn Đông"):
        steps = list(steps) + [None] * (8 - len(steps))
        return [*person_row(name, birth, cell=cell), *steps]

    def test_stages_reached_and_rules(self):
        rows = [
            self.row("Nguồn Mới", "01/01/2000", "10/01/2026"),
            self.row("Đã Học Lớp", "01/01/2000", "10/01/2025", "05/03/2025", "20/05/2025"),
            self.row("Chi Bộ Đã Xét", "01/01/2000", "10/01/2025", "05/03/2025", "20/05/2025",
                     "12/09/2025"),
            self.row("Đã Kết Nạp", "01/01/2000", "10/01/2025", "05/03/2025", "20/05/2025",
                     "12/09/2025", "26/09/2025", "20/10/2025", "1520-QĐ/HU", "03/11/2025"),
            # Fails: under 18 on the cell's resolution day; a step missing; dates out of order.
            self.row("Còn Nhỏ Tuổi", "01/01/2009", "10/01/2025", "05/03/2025", "20/05/2025",
                     "12/09/2025"),
            self.row("Thiếu Bước", "01/01/2000", "10/01/2025", None, "20/05/2025"),
            self.row("Ngược Ngày", "01/01/2000", "10/01/2025", "05/03/2024"),
        ]  # fmt: skip
        run = self.preview("ho-so", self.HEADERS, rows)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (4, 3), problems)
        self.assertTrue(any(p[0] == 6 and "chưa đủ 18 tuổi" in p[2] for p in problems), problems)
        self.assertIn(
            (7, "Ngày học lớp nhận thức về Đảng",
             "Có ngày này nhưng thiếu “Ngày vào danh sách cảm tình Đảng”."),
            problems,
        )  # fmt: skip
        self.assertTrue(
            any(p[0] == 8 and p[1] == "Ngày vào danh sách cảm tình Đảng" for p in problems)
        )
        run = self.preview("ho-so", self.HEADERS, rows[:4])
        run = self.commit(run)
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        stage = dict(Candidacy.objects.values_list("person__full_name", "stage"))
        self.assertEqual(stage["Nguồn Mới"], Stage.SOURCE)
        self.assertEqual(stage["Đã Học Lớp"], Stage.AWARENESS_TRAINED)
        self.assertEqual(stage["Chi Bộ Đã Xét"], Stage.CELL_RESOLVED)
        self.assertEqual(stage["Đã Kết Nạp"], Stage.PROBATIONARY)
        member = Person.objects.get(full_name="Đã Kết Nạp")
        self.assertEqual(
            (member.member_status, member.party_admitted_on), ("probationary", date(2025, 11, 3))
        )
        decision = Event.objects.get(candidacy__person=member, step=Step.ADMISSION_DECISION)
        self.assertEqual(decision.number, "1520-QĐ/HU")
        # The dossier voted on before ptdv does not block the next step for want of papers.
        resolved = Candidacy.objects.get(person__full_name="Chi Bộ Đã Xét")
        self.assertEqual(evaluate_candidacy(resolved, TODAY).blockers, [])
        # The same file again: nothing new. With one more step: that step only.
        again = self.preview("ho-so", self.HEADERS, rows[:4])
        self.assertEqual((again.creates, again.updates, again.unchanged), (0, 0, 4))
        events = Event.objects.count()
        more = list(rows[2])
        more[11] = "26/09/2025"
        further = self.preview("ho-so", self.HEADERS, [more])
        self.assertEqual((further.updates, further.failures), (1, 0), self.problems(further))
        self.commit(further)
        self.assertEqual(Event.objects.count(), events + 1)
        resolved.refresh_from_db()
        self.assertEqual(resolved.stage, Stage.GRASSROOTS_RESOLVED)
        # A recorded date that differs is not overwritten: the row fails.
        changed = list(rows[2])
        changed[10] = "13/09/2025"
        conflict = self.preview("ho-so", self.HEADERS, [changed])
        self.assertEqual(conflict.failures, 1)

    def test_commit_is_all_or_nothing_when_data_changed_since_preview(self):
        cccd = cccd_for(date(2000, 1, 1), "M")
        rows = [
            self.row("Người Một", "01/01/2000", "10/01/2026"),
            self.row("Người Hai", "01/01/2000", "10/01/2026"),
        ]
        rows[1][3] = cccd
        run = self.preview("ho-so", self.HEADERS, rows)
        self.assertTrue(run.can_commit)
        make_person(self.o.A1, "Ai Đó Khác", date(2000, 1, 1), cccd=cccd)
        people, candidacies = Person.objects.count(), Candidacy.objects.count()
        run = self.commit(run)
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("dòng 3", run.message)
        self.assertEqual((Person.objects.count(), Candidacy.objects.count()), (people, candidacies))


class RouteAndRuleTests(ImportTestCase):
    HEADERS = [
        *PERSON_HEADERS, "Ngày xác định nguồn", "Ngày vào danh sách cảm tình Đảng",
        "Ngày học lớp nhận thức về Đảng", "Ngày chi bộ đề nghị kết nạp",
        "Số đảng viên chính thức của chi bộ", "Số có mặt", "Số tán thành", "Số không tán thành",
        "Ngày đảng ủy bộ phận thẩm định", "Ngày đảng ủy cơ sở đề nghị kết nạp",
        "Ngày quyết định kết nạp", "Ngày lễ kết nạp", "Ngày chi bộ đề nghị công nhận chính thức",
    ]  # fmt: skip
    HISTORY = ["10/01/2024", "05/03/2024", "20/05/2024", "12/09/2024"]

    def row(self, name, cell, vote=(None,) * 4, partial=None, grassroots=None, decision=None,
            ceremony=None, recognition=None):  # fmt: skip
        return [*person_row(name, "01/01/2000", cell=cell), *self.HISTORY, *vote, partial,
                grassroots, decision, ceremony, recognition]  # fmt: skip

    def test_route_through_the_tree(self):
        rows = [
            # Under a partial committee: its appraisal comes before the grassroots resolution.
            self.row("Thiếu Thẩm Định", "Chi bộ Trường tiểu học", grassroots="20/09/2024"),
            self.row(
                "Có Thẩm Định",
                "Chi bộ Trường tiểu học",
                partial="16/09/2024",
                grassroots="20/09/2024",
            ),
            # A chi bộ cơ sở goes straight to the decision.
            self.row("Cơ Sở Thừa Bước", "Chi bộ Trường THPT Núi Xanh", grassroots="20/09/2024"),
            self.row("Cơ Sở Đúng", "Chi bộ Trường THPT Núi Xanh", decision="01/10/2024"),
            # No partial committee above a village cell.
            self.row("Không Có Bộ Phận", "Chi bộ thôn Đông", partial="16/09/2024"),
        ]
        run = self.preview("ho-so", self.HEADERS, rows, root=self.o.D)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (2, 3), problems)
        self.assertIn("thẩm định của đảng ủy bộ phận", next(p for p in problems if p[0] == 2)[2])
        self.assertIn("Chi bộ cơ sở", next(p for p in problems if p[0] == 4)[2])
        self.assertIn("không thuộc đảng ủy bộ phận", next(p for p in problems if p[0] == 6)[2])

    def test_vote_and_probation(self):
        rows = [
            self.row("Phiếu Thiếu", "Chi bộ thôn Đông", vote=(9, 8, 5, 3)),
            self.row("Phiếu Thiếu Số", "Chi bộ thôn Đông", vote=(9, 8, None, 1)),
            self.row("Phiếu Đủ", "Chi bộ thôn Đông", vote=(9, 8, 7, 1)),
            self.row("Chính Thức Sớm", "Chi bộ thôn Đông", grassroots="20/09/2024",
                     decision="01/10/2024", ceremony="15/10/2024", recognition="01/06/2025"),
            self.row("Chính Thức Đúng", "Chi bộ thôn Đông", grassroots="20/09/2024",
                     decision="01/10/2024", ceremony="15/10/2024", recognition="20/10/2025"),
        ]  # fmt: skip
        run = self.preview("ho-so", self.HEADERS, rows)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (2, 3), problems)
        self.assertIn("hai phần ba", next(p for p in problems if p[0] == 2)[2])
        self.assertEqual(next(p for p in problems if p[0] == 3)[1], "Số tán thành")
        self.assertEqual(next(p for p in problems if p[0] == 5)[1],
                         "Ngày chi bộ đề nghị công nhận chính thức")  # fmt: skip
        run = self.preview("ho-so", self.HEADERS, [rows[2], rows[4]])
        self.commit(run)
        vote = Event.objects.get(candidacy__person__full_name="Phiếu Đủ", step=Step.CELL_RESOLUTION)
        self.assertEqual((vote.official_members, vote.in_favour, vote.passed), (9, 7, True))
        official = Candidacy.objects.get(person__full_name="Chính Thức Đúng")
        self.assertEqual(official.stage, Stage.RECOGNITION_CELL_RESOLVED)

    def test_residence_and_chunks(self):
        headers = [*PERSON_HEADERS, "Thôn, tổ dân phố"]
        rows = [[*person_row(f"Người Số {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
                             date(1960, 1, 1).replace(year=1960 + i // 300, day=1 + i % 28)
                             .strftime("%d/%m/%Y")), "Thôn Đông"]
                for i in range(2100)]  # fmt: skip
        rows[1500][-1] = "Thôn Không Có"
        rows.append(list(rows[10]))  # the same person again, in another chunk
        run = self.preview("nguoi", headers, rows)
        problems = self.problems(run)
        self.assertEqual((run.creates, run.failures), (2099, 2), problems)
        self.assertEqual(problems[0][:2], (1502, "Thôn, tổ dân phố"))
        self.assertIn("Trùng với dòng 12 của tệp", problems[1][2])
        self.assertEqual(run.done_rows, run.total_rows)


class CommitProgressTests(ImportTestCase):
    def test_the_commit_reports_rows_reached_beside_the_upload(self):
        from unittest import mock

        rows = [person_row(f"Người Thứ {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
                           f"01/01/{1950 + i // 676}") for i in range(2050)]  # fmt: skip
        run = self.preview("nguoi", PERSON_HEADERS, rows)
        self.assertTrue(run.can_commit, self.problems(run)[:3])
        seen = []
        real = running._write_progress

        def spy(run, row):
            real(run, row)
            copy = type(run).objects.get(pk=run.pk)
            copy.read_progress()  # what the page would read meanwhile
            seen.append(copy.done_rows)

        progress, upload = run.progress_path, run.file.path
        with mock.patch.object(running, "_write_progress", spy):
            run = self.commit(run)
        self.assertEqual(run.status, Status.COMMITTED)
        self.assertEqual(seen, [1001, 2001, 2051])
        self.assertFalse(progress.exists())
        self.assertFalse(Path(upload).exists())  # the personal data of the upload is not kept
