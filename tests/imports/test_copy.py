"""The commit's two ways of writing and its kept plan.

- On PostgreSQL the commit inserts people, candidacies, events and audit entries by ``COPY``
  (``imports.inserts``); elsewhere, and here with ``use_copy`` off, by ``bulk_create``. Both must
  write the same rows: every column of the people, candidacies and events, the audit entries,
  the summaries (``pipeline.tallies``) and the members' spells.
- The commit writes the preview's kept plan without planning a row (``imports.stored``), plans
  the upload again when the plan is missing, and its spells are those a full rebuild gives.
"""

from __future__ import annotations

from datetime import date
from unittest import mock, skipUnless

from auditlog.models import LogEntry
from django.db import connection, transaction

from ptdv.imports import inserts, planning
from ptdv.imports.models import Status
from ptdv.members.models import MemberSpell
from ptdv.members.spells import rebuild as rebuild_spells
from ptdv.people.models import Person
from ptdv.pipeline import tallies
from ptdv.pipeline.models import Candidacy, Event
from ptdv.reports import stays, stored
from ptdv.reports.models import StageStay, StoredReport
from tests.base import cccd_for, make_person

from .test_import import ImportTestCase, person_row

STAY_FIELDS = ("candidacy_id", "stage", "entered", "left")

HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Giáo dục phổ thông", "Khu vực", "Chi bộ",
    "Ngày xác định nguồn", "Ngày vào danh sách cảm tình Đảng", "Ngày học lớp nhận thức về Đảng",
    "Số giấy chứng nhận nhận thức về Đảng", "Ngày chi bộ đề nghị kết nạp", "Số nghị quyết chi bộ",
    "Số đảng viên chính thức của chi bộ", "Số có mặt", "Số tán thành", "Số không tán thành",
    "Ngày đảng ủy cơ sở đề nghị kết nạp", "Ngày quyết định kết nạp", "Số quyết định kết nạp",
    "Ngày lễ kết nạp",
]  # fmt: skip


def row(name, birth, *steps, sex="Nam", cccd="", education="12/12", cell="Chi bộ thôn Đông"):
    steps = list(steps) + [None] * (14 - len(steps))
    return [*person_row(name, birth, sex, cccd, education, cell), *steps]


CLASS = ("10/01/2025", "05/03/2025", "20/05/2025", "NT-0042")
VOTE = ("12/09/2025", "07-NQ/CB", 9, 8, 8, 0)
ROWS = [
    row("Nguồn Mới", "01/01/2000", "10/01/2026"),
    row("Nguyễn Thị Đã Học", "14/05/2001", *CLASS, sex="Nữ",
        cccd=cccd_for(date(2001, 5, 14), "F")),
    row("Trần Chi Bộ Xét", "02/02/1999", *CLASS, *VOTE, cell="Chi bộ thôn Tây"),
    row("Lê Đã Kết Nạp", "03/03/1998", *CLASS, *VOTE, "26/09/2025", "20/10/2025", "1520-QĐ/HU",
        "03/11/2025"),
    # Somebody already in ptdv: their education changes and a candidacy opens.
    row("Phạm Đã Có", "04/04/1997", "15/02/2026", education="9/12"),
]  # fmt: skip


MEMBER_HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Giáo dục phổ thông", "Khu vực", "Chi bộ",
    "Tình trạng đảng viên", "Ngày vào Đảng", "Ngày chính thức", "Số thẻ đảng viên",
    "Số lý lịch đảng viên",
]  # fmt: skip
MEMBER_ROWS = [
    [*person_row("Hồ Văn Lý", "01/01/1980"), "Chính thức", "03/02/2010", "03/02/2011",
     "01.012345", "123 456 hn"],
    [*person_row("Hồ Thị Lịch", "02/02/1990", "Nữ"), "Dự bị", "19/05/2026", None, None,
     "234567HCM"],
    # Somebody already in ptdv (Phạm Đã Có, not a member yet): admitted, with a number.
    [*person_row("Phạm Đã Có", "04/04/1997"), "Chính thức", "03/02/2020", "03/02/2021", None,
     "345678DN"],
]  # fmt: skip


def _fields(obj, skip=("id",)) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} | dict.fromkeys(
        skip, "·"
    )


def _run_named(data: dict, key: str, run_id: int) -> dict:
    """``data`` with the run's number (which differs from run to run) replaced."""
    return {**data, key: "·"} if data.get(key) == run_id else data


def written(run_id: int) -> dict[str, list]:
    """Everything the commit of run ``run_id`` may write, ids replaced by names."""
    names = dict(Person.all_records.values_list("pk", "full_name"))
    attempts = {c.pk: (names[c.person_id], c.attempt) for c in Candidacy.objects.all()}
    people = [_fields(p, ("id", "created_at")) for p in Person.all_records.all()]
    candidacies = [
        _fields(c, ("id", "created_at")) | {"person_id": names[c.person_id]}
        for c in Candidacy.objects.all()
    ]
    events = [
        _fields(e, ("id", "recorded_at"))
        | {"candidacy_id": attempts[e.candidacy_id], "data": _run_named(e.data, "imported", run_id)}
        for e in Event.objects.all()
    ]
    audit = []
    for entry in LogEntry.objects.filter(additional_data__import_run=run_id):
        fields = _fields(entry, ("id", "timestamp"))
        fields["object_pk"] = fields["object_id"] = names[entry.object_id]
        fields["additional_data"] = _run_named(entry.additional_data, "import_run", run_id)
        audit.append(fields)
    tally = next(
        getattr(tallies, name) for name in ("Tally", "StageTally") if hasattr(tallies, name)
    )
    summaries = [_fields(t) for t in tally.objects.all()]
    spells = [_fields(s) | {"person_id": names[s.person_id]} for s in MemberSpell.objects.all()]
    return {
        "people": sorted(map(repr, people)),
        "candidacies": sorted(map(repr, candidacies)),
        "events": sorted(map(repr, events)),
        "audit": sorted(map(repr, audit)),
        "summaries": sorted(map(repr, summaries)),
        "spells": sorted(map(repr, spells)),
    }


class CopyTests(ImportTestCase):
    def setUp(self):
        make_person(self.o.A1, "Phạm Đã Có", date(1997, 4, 4))

    def import_file(
        self, *, copy: bool, kind="ho-so", headers=HEADERS, rows=ROWS, expected=(4, 1)
    ) -> tuple[tuple, dict[str, list]]:
        with mock.patch.object(inserts, "use_copy", lambda: copy):
            run = self.preview(kind, headers, rows)
            self.assertEqual(
                (run.creates, run.updates, run.failures), (*expected, 0), self.problems(run)
            )
            run = self.commit(run)
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        return (run.creates, run.updates, run.unchanged), written(run.pk)

    def both_ways(self, empty=("spells",), **kw) -> dict[str, list]:
        """The file imported by ``bulk_create`` (undone), then by ``COPY``: the same rows
        (none in the tables ``empty`` may be left empty by the file)."""
        with transaction.atomic():
            by_orm = self.import_file(copy=False, **kw)
            transaction.set_rollback(True)
        with mock.patch.object(Person.objects, "bulk_create", side_effect=AssertionError):
            by_copy = self.import_file(copy=True, **kw)
        self.assertEqual(by_copy[0], by_orm[0])
        for table, rows in by_orm[1].items():
            with self.subTest(table=table):
                self.assertTrue(rows or table in empty, table)
                self.assertEqual(by_copy[1][table], rows)
        return by_copy[1]

    @skipUnless(connection.vendor == "postgresql", "COPY is PostgreSQL's")
    def test_copy_writes_what_bulk_create_writes(self):
        self.assertEqual(connection.vendor, "postgresql")
        by_copy = self.both_ways()
        self.assertEqual(len(by_copy["audit"]), 5)  # four people created, one updated

    @skipUnless(connection.vendor == "postgresql", "COPY is PostgreSQL's")
    def test_copy_writes_the_members_personal_history_numbers(self):
        self.assertEqual(connection.vendor, "postgresql")
        by_copy = self.both_ways(
            ("candidacies", "events", "summaries"),
            kind="dang-vien",
            headers=MEMBER_HEADERS,
            rows=MEMBER_ROWS,
            expected=(2, 1),
        )
        numbers = sorted(
            n for n in Person.objects.values_list("personal_history_number", flat=True) if n
        )
        self.assertEqual(numbers, ["123456HN", "234567HCM", "345678DN"])
        self.assertEqual(len(by_copy["audit"]), 3)  # two members created, one updated

    def test_the_commit_writes_the_kept_plan_without_planning(self):
        run = self.preview("ho-so", HEADERS, ROWS)
        plan = run.plan_path
        self.assertTrue(plan.exists())
        with mock.patch.object(planning.Planner, "_decide", side_effect=AssertionError):
            run = self.commit(run)
        self.assertEqual((run.status, run.creates, run.updates), (Status.COMMITTED, 4, 1))
        self.assertFalse(plan.exists())  # deleted with the upload
        member = Person.objects.get(full_name="Lê Đã Kết Nạp")
        self.assertEqual(member.party_admitted_on, date(2025, 11, 3))
        self.assertEqual(
            Person.objects.get(full_name="Phạm Đã Có").general_education, "lower_secondary"
        )
        # The spells of the people written are those a rebuild of everybody's gives.
        spells = sorted(MemberSpell.objects.values_list("person_id", "cell_id", "start", "end"))
        self.assertTrue(spells)
        rebuild_spells()
        self.assertEqual(
            sorted(MemberSpell.objects.values_list("person_id", "cell_id", "start", "end")), spells
        )

    def test_the_imported_histories_have_their_stays_and_no_stored_report_survives(self):
        stored.build("new_members", self.o.A, today=date(2026, 12, 6),
                     start=date(2025, 1, 1), end=date(2025, 12, 31))  # fmt: skip
        self.assertEqual(StoredReport.objects.count(), 1)
        run = self.commit(self.preview("ho-so", HEADERS, ROWS))
        self.assertEqual(run.status, Status.COMMITTED, run.message)
        self.assertFalse(StoredReport.objects.exists())
        kept = sorted(StageStay.objects.values_list(*STAY_FIELDS))
        self.assertTrue(kept)
        stays.rebuild()
        self.assertEqual(sorted(StageStay.objects.values_list(*STAY_FIELDS)), kept)

    def test_without_its_plan_the_commit_plans_the_upload_again(self):
        run = self.preview("ho-so", HEADERS, ROWS)
        run.plan_path.unlink()
        run = self.commit(run)
        self.assertEqual((run.status, run.creates, run.updates), (Status.COMMITTED, 4, 1))
        self.assertEqual(Candidacy.objects.filter(person__full_name="Phạm Đã Có").count(), 1)

    def test_a_failing_preview_keeps_no_plan(self):
        run = self.preview("ho-so", HEADERS, [*ROWS, row("Ngược Ngày", "01/01/2000", "10/01/2025",
                                                          "05/03/2024")])  # fmt: skip
        self.assertEqual(run.failures, 1)
        self.assertFalse(run.plan_path.exists())
        self.assertFalse(run.plan_path.with_name(run.plan_path.name + "-tmp").exists())
