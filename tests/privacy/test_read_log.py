"""Every read of personal data writes one read-log entry: the right kind, record, filters and
count, never a full CCCD, and exactly one query more than the page without the log."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import nullcontext
from datetime import date
from unittest import mock

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ptdv.imports.models import ImportProblem
from ptdv.privacy.models import AccessEntry, AccessKind
from ptdv.rules.stages import Stage
from tests.base import (
    CEREMONY_ON,
    WorldTestCase,
    advance,
    cccd_for,
    introducers_for,
    new_candidacy,
)
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes

TODAY = date(2025, 9, 1)


def workbook_rows(response) -> int:
    """Data rows of an export (rows after the header row, which follows the first empty row)."""
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    empty = next(i for i, row in enumerate(rows) if all(v is None for v in row))
    return len(rows) - empty - 2


@time_machine.travel(TODAY, tick=False)
class ReadLogTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cccd = cccd_for(date(1998, 5, 20), "M")
        c = new_candidacy(cls.world, "Nguyễn Văn Đọc", cls.o.A1, cccd=cls.cccd)
        cls.c = advance(c, Stage.PROBATIONARY, introducers_for(cls.world, cls.o.A1))
        cls.person = cls.c.person

    def setUp(self):
        self.client.force_login(self.u.grassroots)

    def only_entry(self) -> AccessEntry:
        entries = list(AccessEntry.objects.all())
        self.assertEqual(len(entries), 1, [(e.kind, e.filters) for e in entries])
        entry = entries[0]
        self.assertEqual(entry.user, self.u.grassroots)
        self.assertEqual(entry.remote_addr, "127.0.0.1")
        self.assertNotIn(self.cccd, json.dumps(entry.filters))
        return entry

    def test_person_page(self):
        self.assertEqual(self.client.get(f"/nguoi/{self.person.pk}/").status_code, 200)
        entry = self.only_entry()
        self.assertEqual(
            (entry.kind, entry.person_id, entry.candidacy_id, entry.count, entry.organisation_id),
            (AccessKind.PERSON, self.person.pk, None, 1, self.o.A1.pk),
        )

    def test_candidacy_page(self):
        self.assertEqual(self.client.get(f"/ho-so/{self.c.pk}/").status_code, 200)
        entry = self.only_entry()
        self.assertEqual(
            (entry.kind, entry.person_id, entry.candidacy_id, entry.count, entry.organisation_id),
            (AccessKind.CANDIDACY, self.person.pk, self.c.pk, 1, self.o.A1.pk),
        )

    def test_nothing_is_logged_for_a_page_outside_the_scope(self):
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(f"/ho-so/{self.c.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/nguoi/{self.person.pk}/").status_code, 404)
        self.assertFalse(AccessEntry.objects.exists())

    def test_dossier_page_and_downloads(self):
        self.assertEqual(self.client.get(f"/ho-so/{self.c.pk}/bieu-mau/").status_code, 200)
        self.assertEqual(self.only_entry().kind, AccessKind.CANDIDACY)
        downloads = [
            (f"/ho-so/{self.c.pk}/bieu-mau/1-KND.docx", AccessKind.DOSSIER_FORM),
            (f"/ho-so/{self.c.pk}/bieu-mau/ho-so.zip", AccessKind.DOSSIER_ZIP),
        ]
        if shutil.which("soffice"):
            downloads.append((f"/ho-so/{self.c.pk}/bieu-mau/ho-so.pdf", AccessKind.DOSSIER_PDF))
        for url, kind in downloads:
            with self.subTest(kind=kind):
                before = AccessEntry.objects.count()
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("attachment", response["Content-Disposition"])
                entry = AccessEntry.objects.latest("pk")
                self.assertEqual(AccessEntry.objects.count(), before + 1)
                self.assertEqual(
                    (entry.kind, entry.candidacy_id, entry.person_id, entry.count),
                    (kind, self.c.pk, self.person.pk, 1),
                )
        form = AccessEntry.objects.get(kind=AccessKind.DOSSIER_FORM)
        self.assertEqual(form.filters, {"form": "1-KND", "so": "1"})

    def test_list_export(self):
        url = f"/danh-sach/excel/?organisation={self.o.A1.pk}&include_closed=on"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        rows = workbook_rows(response)
        self.assertGreater(rows, 0)
        entry = self.only_entry()
        self.assertEqual(
            (entry.kind, entry.count, entry.organisation_id, entry.person_id),
            (AccessKind.LIST_EXPORT, rows, self.o.A1.pk, None),
        )
        self.assertEqual(entry.filters["organisation"], str(self.o.A1.pk))

    def test_report_and_drill_exports(self):
        response = self.client.get(f"/bao-cao/dang-vien-moi/excel/?to_chuc={self.o.A.pk}")
        self.assertEqual(response.status_code, 200)
        entry = self.only_entry()
        self.assertEqual(
            (entry.kind, entry.count, entry.organisation_id),
            (AccessKind.REPORT_EXPORT, None, self.o.A.pk),
        )
        self.assertEqual(CEREMONY_ON.year, TODAY.year)  # the person is admitted in the period
        url = "/bao-cao/dang-vien-moi/chi-tiet/excel/?so_lieu=admitted&tu_ngay=2025-01-01"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        rows = workbook_rows(response)
        self.assertGreaterEqual(rows, 1)
        drill = AccessEntry.objects.get(kind=AccessKind.DRILL_EXPORT)
        self.assertEqual((drill.count, drill.organisation_id), (rows, self.o.A.pk))
        self.assertEqual(drill.filters["so_lieu"], "admitted")

    def test_import_problems(self):
        run = make_run(self.u.grassroots, self.o.A, "nguoi", xlsx_bytes(PERSON_HEADERS, []))
        for row in (2, 3, 5):
            ImportProblem.objects.create(run=run, row=row, name="Sai 1 Tên", message="Họ tên sai")
        response = self.client.get(f"/nhap-du-lieu/{run.pk}/loi.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(workbook_rows(response), 3)
        entry = self.only_entry()
        self.assertEqual(
            (entry.kind, entry.count, entry.organisation_id, entry.filters),
            (AccessKind.IMPORT_PROBLEMS, 3, self.o.A.pk, {"import_run": str(run.pk)}),
        )

    def test_the_import_run_page_with_its_problems(self):
        run = make_run(self.u.grassroots, self.o.A, "nguoi", xlsx_bytes(PERSON_HEADERS, []))
        ImportProblem.objects.create(run=run, row=2, name="Sai 1 Tên", message="Họ tên sai")
        self.assertEqual(self.client.get(f"/nhap-du-lieu/{run.pk}/").status_code, 200)
        entry = self.only_entry()
        self.assertEqual((entry.kind, entry.count, entry.organisation_id),
                         (AccessKind.IMPORT_RUN, 1, self.o.A.pk))  # fmt: skip

    def test_the_forms_that_show_a_record(self):
        for url, kind in (
            (f"/nguoi/{self.person.pk}/dinh-chinh/", AccessKind.PERSON_FORM),
            (f"/ho-so/{self.c.pk}/ghi-buoc/", AccessKind.CANDIDACY_FORM),
        ):
            with self.subTest(url=url):
                AccessEntry.objects.all()._raw_delete(AccessEntry.objects.db)
                self.assertEqual(self.client.get(url).status_code, 200)
                entry = self.only_entry()
                self.assertEqual((entry.kind, entry.person_id), (kind, self.person.pk))

    def test_the_admins_record_pages_and_lists(self):
        self.client.force_login(self.u.admin)
        for url, kind, person in (
            (f"/quan-tri/people/person/{self.person.pk}/change/", AccessKind.ADMIN_RECORD,
             self.person.pk),
            (f"/quan-tri/pipeline/candidacy/{self.c.pk}/change/", AccessKind.ADMIN_RECORD,
             self.person.pk),
            ("/quan-tri/people/person/", AccessKind.ADMIN_LIST, None),
        ):  # fmt: skip
            with self.subTest(url=url):
                AccessEntry.objects.all()._raw_delete(AccessEntry.objects.db)
                self.assertEqual(self.client.get(url).status_code, 200)
                entries = list(AccessEntry.objects.all())
                self.assertEqual([(e.kind, e.person_id, e.user) for e in entries],
                                 [(kind, person, self.u.admin)])  # fmt: skip

    def test_search_by_cccd_is_logged_masked(self):
        response = self.client.post("/tim-kiem/", {"q": self.cccd}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nguyễn Văn Đọc")
        entry = self.only_entry()
        masked = f"{self.cccd[:3]}******{self.cccd[-3:]}"
        self.assertEqual(
            (entry.kind, entry.count, entry.person_id, entry.filters),
            (AccessKind.CCCD_SEARCH, 1, self.person.pk, {"q": masked}),
        )
        # A beginning of a number that finds nobody: logged, with its count.
        self.client.post("/tim-kiem/", {"q": "0019999"}, follow=True)
        entry = AccessEntry.objects.latest("pk")
        self.assertEqual((entry.count, entry.person_id, entry.filters), (0, None, {"q": "0019999"}))

    def test_search_by_name_is_not_a_cccd_search(self):
        self.client.post("/tim-kiem/", {"q": "Nguyễn Văn Đọc"}, follow=True)
        self.assertFalse(AccessEntry.objects.exists())


@time_machine.travel(TODAY, tick=False)
class OneQueryMoreTests(WorldTestCase):
    """The read log adds exactly one query (its INSERT) to a page or an export."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        c = new_candidacy(cls.world, "Lê Thị Đếm", cls.o.A1)
        cls.c = advance(c, Stage.DOSSIER, introducers_for(cls.world, cls.o.A1))

    def queries(self, url: str, *, logged: bool, module: str) -> list[str]:
        disabled = mock.patch(f"ptdv.web.views.{module}.record", return_value=None)
        with disabled if not logged else nullcontext(), CaptureQueriesContext(connection) as found:
            response = self.client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        self.assertEqual(response.status_code, 200)
        return [q["sql"] for q in found]

    def test_one_insert_added(self):
        self.client.force_login(self.u.cell)
        pages = [
            (f"/ho-so/{self.c.pk}/", "candidacy"),
            (f"/nguoi/{self.c.person_id}/", "people"),
            ("/danh-sach/excel/", "board"),
        ]
        for url, module in pages:
            with self.subTest(url=url):
                self.queries(
                    url, logged=True, module=module
                )  # warm caches (calendar, content types)
                without = self.queries(url, logged=False, module=module)
                with_log = self.queries(url, logged=True, module=module)
                self.assertEqual(len(with_log) - len(without), 1, with_log)
                added = [q for q in with_log if "privacy_accessentry" in q]
                self.assertEqual(len(added), 1)
                self.assertTrue(added[0].upper().startswith("INSERT"))
