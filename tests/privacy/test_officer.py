"""The data protection officer: the read log's page (scope, search, pages, export), the audit
log, and the individuals' records the officer does not open. The pruning command."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.utils import timezone
from openpyxl import load_workbook

from ptdv.accounts.models import Role
from ptdv.people.text import fold
from ptdv.privacy.access import record
from ptdv.privacy.models import AccessEntry, AccessKind
from ptdv.privacy.officer import is_record_view, reads_records
from ptdv.web.views import privacy as page
from tests.base import WorldTestCase, make_person, make_user, new_candidacy

URL = "/bao-ve-du-lieu/truy-cap/"
EXCEL = "/bao-ve-du-lieu/truy-cap/excel/"


def read(user, kind, **kwargs) -> AccessEntry:
    request = RequestFactory().get("/")
    request.user = user
    return record(request, kind, **kwargs)


def sheet_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    empty = next(i for i, row in enumerate(rows) if all(v is None for v in row))
    return rows[empty + 2 :]


class OfficerTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer = make_user("baove", cls.o.D, Role.PRIVACY)
        p = cls.p
        # Inside the officer's district D: the cell secretary reads a person of A1, the
        # committee exports B's list. Outside: the outsider reads a person of X1 (district E).
        cls.inside = read(cls.u.cell, AccessKind.PERSON, person=p.mentor)
        cls.export = read(cls.u.committee, AccessKind.LIST_EXPORT, count=7, organisation=cls.o.B)
        cls.outside = read(cls.u.outsider, AccessKind.PERSON, person=p.member_X1)

    def setUp(self):
        self.client.force_login(self.officer)


class PageTests(OfficerTestCase):
    def test_the_officer_sees_the_subtree_only(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        shown = {e.pk for e in response.context["entries"]}
        self.assertEqual(shown, {self.inside.pk, self.export.pk})
        self.assertContains(response, self.p.mentor.full_name)
        self.assertNotContains(response, self.p.member_X1.full_name)
        self.assertNotContains(response, "ngoai")  # the outsider's username
        # No link to a record the officer does not open.
        self.assertNotContains(response, f'href="/nguoi/{self.p.mentor.pk}/"')

    def by_name(self, text: str):
        """The form posted: answered with the address of a token, never the name."""
        posted = self.client.post(URL, {"ten": text, "loai": ""})
        self.assertEqual(posted.status_code, 303)
        self.assertNotIn(fold(text).split()[0], posted["Location"].lower())
        self.assertRegex(posted["Location"], r"^/bao-ve-du-lieu/truy-cap/\?t=[\w-]+$")
        return self.client.get(posted["Location"])

    def test_search_by_person(self):
        response = self.by_name("giup")
        self.assertEqual([m.pk for m in response.context["matches"]], [self.p.mentor.pk])
        # A name in the address is not read.
        self.assertEqual(self.client.get(URL, {"ten": "giup"}).context["matches"], [])
        self.assertContains(response, f"nguoi={self.p.mentor.pk}")
        response = self.client.get(URL, {"nguoi": self.p.mentor.pk})
        self.assertEqual([e.pk for e in response.context["entries"]], [self.inside.pk])
        # A person outside the subtree, or none: 404, the same answer.
        self.assertEqual(self.client.get(URL, {"nguoi": self.p.member_X1.pk}).status_code, 404)
        self.assertEqual(self.client.get(URL, {"nguoi": 987654321}).status_code, 404)
        self.assertEqual(self.client.get(EXCEL, {"nguoi": self.p.member_X1.pk}).status_code, 404)
        # Nobody outside is found by name either.
        response = self.by_name("Võ Văn Ngoài")
        self.assertEqual(response.context["matches"], [])
        self.assertContains(response, "Không có người nào có họ và tên này")

    def test_a_cccd_is_not_searched_here(self):
        response = self.by_name("001098000123")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tìm người (họ và tên): Tìm người ở đây theo họ và tên")
        self.assertEqual(response.context["entries"], [])

    def test_search_by_user_kind_organisation_and_period(self):
        def shown(**query):
            return {e.pk for e in self.client.get(URL, query).context["entries"]}

        self.assertEqual(shown(nguoi_dung="chibo"), {self.inside.pk})
        self.assertEqual(shown(nguoi_dung="ngoai"), set())
        self.assertEqual(shown(loai="list_export"), {self.export.pk})
        self.assertEqual(shown(to_chuc=self.o.A.pk), {self.inside.pk})
        today = timezone.localdate()
        self.assertEqual(shown(tu_ngay=f"{today:%d/%m/%Y}"), {self.inside.pk, self.export.pk})
        self.assertEqual(shown(den_ngay=f"{today - timedelta(days=1):%d/%m/%Y}"), set())
        response = self.client.get(URL, {"to_chuc": self.o.X.pk})  # outside: not a choice
        self.assertEqual(response.context["entries"], [])
        self.assertTrue(response.context["errors"])
        response = self.client.get(URL, {"tu_ngay": "02/01/2026", "den_ngay": "01/01/2026"})
        self.assertIn("Đến ngày", " ".join(response.context["errors"]))

    def test_a_person_who_left_the_subtree_is_not_named(self):
        moved = make_person(self.o.X1, "Trịnh Văn Chuyển")
        # Read while the person was in A1 (the entry belongs to A1); the person is in X1 now.
        entry = read(self.u.cell, AccessKind.PERSON, person=moved, organisation=self.o.A1)
        response = self.client.get(URL)
        self.assertIn(entry.pk, {e.pk for e in response.context["entries"]})
        self.assertNotContains(response, "Trịnh Văn Chuyển")
        self.assertContains(response, f"Người số {moved.pk} (nay ngoài phạm vi)")

    def test_pages_without_a_count(self):
        for _ in range(page.PAGE_SIZE + 3):
            read(self.u.cell, AccessKind.PERSON, person=self.p.mentor2)
        first = self.client.get(URL)
        self.assertEqual(len(first.context["entries"]), page.PAGE_SIZE)
        self.assertTrue(first.context["has_next"])
        self.assertContains(first, "page=2")
        second = self.client.get(URL, {"page": 2})
        self.assertEqual(len(second.context["entries"]), 5)
        self.assertFalse(second.context["has_next"])
        deep = self.client.get(URL, {"page": page.MAX_PAGES + 1})
        self.assertTrue(deep.context["too_deep"])
        self.assertEqual(deep.context["entries"], [])

    def test_who_may_read_it(self):
        for role in ("cell", "grassroots", "committee", "viewer"):
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                self.assertEqual(self.client.get(URL).status_code, 403)
                self.assertEqual(self.client.get(EXCEL).status_code, 403)
        self.client.force_login(self.u.admin)  # the province's administrator: everything of P
        response = self.client.get(URL)
        shown = {e.pk for e in response.context["entries"]}
        self.assertEqual(shown, {self.inside.pk, self.export.pk, self.outside.pk})
        self.assertContains(response, f'href="/nguoi/{self.p.mentor.pk}/"')  # admins open records


class ExportTests(OfficerTestCase):
    def test_export_holds_the_entries_and_is_logged(self):
        response = self.client.get(EXCEL, {"nguoi_dung": "chibo"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        rows = sheet_rows(response)
        self.assertEqual(len(rows), 1)
        self.assertIn("chibo", rows[0])
        self.assertIn(self.p.mentor.full_name, rows[0])
        self.assertIn(str(AccessKind.PERSON.label), rows[0])
        logged = AccessEntry.objects.latest("pk")
        self.assertEqual(
            (logged.user, logged.kind, logged.count, logged.filters, logged.organisation),
            (self.officer, AccessKind.ACCESS_LOG_EXPORT, 1, {"nguoi_dung": "chibo"}, self.o.D),
        )

    def test_export_of_everything_visible(self):
        rows = sheet_rows(self.client.get(EXCEL))
        self.assertEqual(len(rows), 2)
        self.assertFalse(any(self.p.member_X1.full_name in row for row in rows))

    def test_too_many_entries_ask_for_a_narrower_search(self):
        with mock.patch.object(page, "EXPORT_MAX_ROWS", 1):
            response = self.client.get(EXCEL)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Content-Disposition", response)
        self.assertContains(response, "hãy thu hẹp khoảng thời gian")
        self.assertFalse(AccessEntry.objects.filter(kind=AccessKind.ACCESS_LOG_EXPORT).exists())


class OfficerPagesTests(OfficerTestCase):
    def test_records_are_not_opened(self):
        candidacy = new_candidacy(self.world, "Hà Văn Kín", self.o.A1)
        closed = [
            f"/nguoi/{candidacy.person_id}/", f"/ho-so/{candidacy.pk}/",
            f"/ho-so/{candidacy.pk}/bieu-mau/", "/tien-trinh/", "/danh-sach/",
            "/danh-sach/excel/", "/tim-kiem/?q=Ha", "/giup-do/",
            "/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted",
            "/bao-cao/dang-vien-moi/chi-tiet/excel/?so_lieu=admitted", "/nhap-du-lieu/",
        ]  # fmt: skip
        for url in closed:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 403)
                self.assertContains(response, "không xem hồ sơ của từng người", status_code=403)
                self.assertNotContains(response, "Hà Văn Kín", status_code=403)
        # Nothing was read: nothing was logged.
        known = [self.inside.pk, self.export.pk, self.outside.pk]
        self.assertFalse(AccessEntry.objects.exclude(pk__in=known).exists())

    def test_what_the_officer_opens(self):
        for url in ("/", "/nhat-ky/", URL, "/to-chuc/", "/bao-cao/", "/bao-cao/dang-vien-moi/",
                    "/tai-khoan/cua-toi/"):  # fmt: skip
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        home = self.client.get("/")
        self.assertNotContains(home, "Quần chúng")
        self.assertContains(home, 'href="/bao-ve-du-lieu/truy-cap/"')

    def test_the_policy(self):
        self.assertFalse(reads_records(self.officer))
        self.assertTrue(reads_records(self.u.viewer))
        from ptdv.web.views import audit, candidacy, reports, todo

        self.assertTrue(is_record_view(candidacy.candidacy_detail))
        self.assertTrue(is_record_view(reports.drill_excel))
        self.assertFalse(is_record_view(reports.report_page))
        self.assertFalse(is_record_view(audit.audit_log))
        self.assertFalse(is_record_view(todo.home))
        self.assertFalse(self.officer.can_write)
        self.assertTrue(self.officer.can_read_audit)
        self.assertTrue(self.officer.can_read_access_log)


class PruneTests(WorldTestCase):
    def test_prune_command(self):
        now = timezone.now()
        for days in (10, 400, 800):
            AccessEntry.objects.create(
                user=self.u.cell, kind=AccessKind.PERSON, at=now - timedelta(days=days)
            )
        out = io.StringIO()
        with override_settings(PTDV_ACCESS_LOG_RETENTION_DAYS=365):
            call_command("prune_access_log", "--dry-run", stdout=out)
            self.assertIn("Sẽ xóa 2 mục", out.getvalue())
            self.assertEqual(AccessEntry.objects.count(), 3)
            call_command("prune_access_log", stdout=out)
        self.assertIn("Đã xóa 2 mục", out.getvalue())
        self.assertEqual(AccessEntry.objects.count(), 1)
        with override_settings(PTDV_ACCESS_LOG_RETENTION_DAYS=730):
            call_command("prune_access_log", stdout=out)
        self.assertEqual(AccessEntry.objects.count(), 1)
