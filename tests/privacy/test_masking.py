"""The CCCD masked everywhere (``001******457``): pages, fragments, exports and downloads, the
admin, the audit log, the log lines; the whole number on the person page for the roles that may
reveal it, each reveal in the read log; no personal data in addresses or task arguments.

Every page of every role in the URL walk's world is checked for a whole CCCD by the walk itself
(``tests/access/test_url_walk.py``, with ``tests/privacy/cccd_checks.py``); the tests here fill
the lists, exports and logs with the cases that quote a number.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.test import SimpleTestCase
from django_tasks_db.models import DBTaskResult

from ptdv.accounts.models import Role
from ptdv.imports import running
from ptdv.masking import MaskNumbersFilter, mask_cccd, mask_logged_value, mask_text
from ptdv.members.records import correct_person, merge_people
from ptdv.people.models import Person
from ptdv.privacy.models import AccessEntry, AccessKind
from ptdv.rules.stages import Stage
from tests.base import (
    WorldTestCase,
    advance,
    introducers_for,
    make_person,
    make_user,
    new_candidacy,
)
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes
from tests.privacy.cccd_checks import give_everybody_a_cccd, response_text, whole_numbers_in

NUMBER = "001098000457"
MASKED = "001******457"


class MaskTests(SimpleTestCase):
    def test_a_number(self):
        self.assertEqual(mask_cccd(NUMBER), MASKED)
        self.assertEqual(mask_cccd(f" {NUMBER} "), MASKED)
        self.assertEqual(mask_cccd(None), "")
        self.assertEqual(mask_cccd(""), "")
        self.assertEqual(mask_cccd("123456789"), "123***789")  # an old 9-digit CMND
        self.assertEqual(mask_cccd("00109"), "00***")  # a prefix: never more than half
        self.assertEqual(mask_logged_value("None"), "None")
        self.assertEqual(mask_logged_value(NUMBER), MASKED)

    def test_numbers_in_a_text(self):
        self.assertEqual(
            mask_text(f"Key (cccd)=({NUMBER}) already exists."),
            f"Key (cccd)=({MASKED}) already exists.",
        )
        self.assertEqual(mask_text(f"{NUMBER},079199123456"), f"{MASKED},079******456")
        # Dates, years, counts and ids stay.
        for text in ("20/05/1998", "2026-01-01 12:30:45", "12345678", "hồ sơ 1234, 2025"):
            self.assertEqual(mask_text(text), text)

    def test_template_filters(self):
        template = Template("{% load sensitive %}{{ n|cccd }} · {{ t|mask_numbers }}")
        shown = template.render(Context({"n": NUMBER, "t": f"Số CCCD {NUMBER} đã có"}))
        self.assertEqual(shown, f"{MASKED} · Số CCCD {MASKED} đã có")


class LogTests(WorldTestCase):
    """Every handler of ``settings.LOGGING`` masks identity numbers, whatever logger writes."""

    def capture(self):
        """The configured handlers that write somewhere, writing to one buffer for the test."""
        buffer = io.StringIO()
        handlers = [
            h
            for logger in (logging.getLogger(), logging.getLogger("django"))
            for h in logger.handlers
            if type(h) is logging.StreamHandler  # ptdv's own, not the test runner's
        ]
        self.assertTrue(handlers)
        for handler in handlers:
            self.addCleanup(handler.setStream, handler.setStream(buffer))
        return buffer

    def test_every_handler_has_the_filter(self):
        for name, handler in settings.LOGGING["handlers"].items():
            with self.subTest(handler=name):
                self.assertIn("mask_numbers", handler.get("filters", []))
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler:  # ptdv's own, not the test runner's
                self.assertTrue(any(isinstance(f, MaskNumbersFilter) for f in handler.filters))

    def test_an_integrity_error_in_the_error_log(self):
        make_person(self.o.A1, "Trần Văn Một", cccd=NUMBER)
        buffer = self.capture()
        try:
            with transaction.atomic():
                # Two records with one number: PostgreSQL names the key and its value.
                Person.objects.bulk_create([Person(
                    full_name="Trần Văn Hai", birth_date=date(1998, 5, 20), sex="M",
                    cccd=NUMBER, general_education="upper_secondary", sector="farmer",
                    cell=self.o.A1,
                )])  # fmt: skip
        except IntegrityError:
            logging.getLogger("django.request").error(
                "Internal Server Error: %s", "/nguoi/moi/", exc_info=True
            )
        logging.getLogger("ptdv.imports.tasks").warning("row with %s refused", NUMBER)
        logging.getLogger("ptdv").error(f"Key (cccd)=({NUMBER}) already exists.")
        written = buffer.getvalue()
        self.assertIn("Internal Server Error", written)
        self.assertIn("IntegrityError", written)
        self.assertIn(f"row with {MASKED} refused", written)
        self.assertIn(f"Key (cccd)=({MASKED}) already exists.", written)
        self.assertNotIn(NUMBER, written)


class RevealTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.person = make_person(cls.o.A1, "Trần Văn Số", cccd=NUMBER)
        cls.without = make_person(cls.o.A1, "Trần Văn Không")
        cls.url = f"/nguoi/{cls.person.pk}/so-cccd/"

    def reveals(self):
        return AccessEntry.objects.filter(kind=AccessKind.CCCD_REVEAL)

    def test_the_person_page_shows_the_number_masked_with_the_reveal_for_writers(self):
        for user, action in ((self.u.cell, True), (self.u.admin, True), (self.u.viewer, False)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                page = self.client.get(f"/nguoi/{self.person.pk}/")
                self.assertContains(page, MASKED)
                self.assertNotContains(page, NUMBER)
                self.assertEqual("Hiện số đầy đủ" in page.content.decode(), action)
                if action:
                    self.assertContains(page, f'hx-post="{self.url}"')

    def test_a_writer_reveals_the_number_and_the_reveal_is_logged(self):
        self.client.force_login(self.u.cell)
        fragment = self.client.post(self.url, headers={"HX-Request": "true"})
        self.assertEqual(fragment.status_code, 200)
        self.assertTemplateUsed(fragment, "web/people/_cccd.html")
        self.assertContains(fragment, NUMBER)
        self.assertContains(fragment, 'id="person-cccd"')
        self.assertIn("no-store", fragment["Cache-Control"])
        entry = self.reveals().get()
        self.assertEqual((entry.user, entry.person), (self.u.cell, self.person))
        # Without JavaScript: a page with the number; logged again.
        page = self.client.post(self.url)
        self.assertContains(page, NUMBER)
        self.assertContains(page, f'href="/nguoi/{self.person.pk}/"')
        self.assertEqual(self.reveals().count(), 2)

    def test_who_may_not_reveal(self):
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.force_login(self.u.cell)
        self.assertEqual(self.client.get(self.url).status_code, 405)  # a GET reveals nothing
        self.client.force_login(self.u.outsider)  # outside the subtree: no such person
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.client.force_login(self.u.cell)  # nothing to reveal: nothing logged
        response = self.client.post(f"/nguoi/{self.without.pk}/so-cccd/")
        self.assertContains(response, "Chưa có")
        self.assertFalse(self.reveals().exists())

    def test_the_correction_form_shows_the_number_to_correct(self):
        self.client.force_login(self.u.cell)
        form = self.client.get(f"/nguoi/{self.person.pk}/dinh-chinh/")
        self.assertContains(form, f'value="{NUMBER}"')
        data = {
            name: ("" if value is None else value)
            for name, value in ((f.name, f.value()) for f in form.context["form"])
            if not isinstance(value, bool) or value
        }
        data |= {"birth_date": "20/05/1998", "cccd": "001098000458", "reason": "Theo CCCD mới cấp."}
        response = self.client.post(f"/nguoi/{self.person.pk}/dinh-chinh/", data)
        self.assertEqual(response.status_code, 302)
        self.person.refresh_from_db()
        self.assertEqual(self.person.cccd, "001098000458")
        # The history and the audit log say it, masked.
        page = self.client.get(f"/nguoi/{self.person.pk}/")
        self.assertContains(page, f"{MASKED} → 001******458")
        self.client.force_login(self.u.committee)
        audit = self.client.get("/nhat-ky/")
        self.assertContains(audit, f"Số CCCD: {MASKED} → 001******458")
        self.assertEqual(whole_numbers_in(audit, [NUMBER, "001098000458"]), [])


class ListsAndDownloadsTests(WorldTestCase):
    """The lists and files that hold people, with everybody holding a CCCD."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidacy = advance(
            new_candidacy(cls.world, "Nguyễn Văn An", cls.o.A1),
            Stage.PROBATIONARY,
            introducers_for(cls.world, cls.o.A1),
        )
        cls.twin = make_person(cls.o.A1, "Nguyễn Văn An")  # a likely duplicate, for the merge
        cls.numbers = give_everybody_a_cccd()

    def assert_masked(self, response, what: str):
        self.assertEqual(whole_numbers_in(response, self.numbers), [], what)

    def test_pages_and_exports(self):
        person = self.candidacy.person
        masked = mask_cccd(person.cccd)
        urls = [
            "/", "/tien-trinh/", "/danh-sach/", "/danh-sach/excel/", f"/nguoi/{person.pk}/",
            f"/ho-so/{self.candidacy.pk}/", f"/nguoi/{person.pk}/hop-nhat/",
            f"/bao-cao/dang-vien-moi/chi-tiet/?so_lieu=admitted&to_chuc={self.o.D.pk}"
            "&tu_ngay=2025-01-01&den_ngay=2025-12-31",
            f"/bao-cao/dang-vien-moi/chi-tiet/excel/?so_lieu=admitted&to_chuc={self.o.D.pk}"
            "&tu_ngay=2025-01-01&den_ngay=2025-12-31",
            f"/bao-cao/dang-vien/chi-tiet/excel/?so_lieu=members&to_chuc={self.o.D.pk}",
            "/nhat-ky/", "/quan-tri/people/person/", f"/quan-tri/people/person/{person.pk}/change/",
            "/quan-tri/auditlog/logentry/",
        ]  # fmt: skip
        for user in (self.u.committee, self.u.admin):
            self.client.force_login(user)
            for url in urls:
                response = self.client.get(url)
                if response.status_code in (302, 403):
                    continue  # not this role's page
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(response.status_code, 200)
                    self.assert_masked(response, url)
        # The pages show the number masked where they show it.
        self.client.force_login(self.u.grassroots)
        self.assertContains(self.client.get(f"/ho-so/{self.candidacy.pk}/"), masked)
        merge = self.client.get(f"/nguoi/{person.pk}/hop-nhat/")
        self.assertContains(merge, f"CCCD {mask_cccd(self.twin_number())}")
        self.client.force_login(self.u.admin)
        self.assertContains(self.client.get("/quan-tri/people/person/"), masked)
        # The admin's search is a GET: a number is not searched there, and sent away.
        search = self.client.get("/quan-tri/people/person/", {"q": person.cccd, "sex": "M"})
        self.assertRedirects(
            search, "/quan-tri/people/person/?sex=M", fetch_redirect_response=False
        )
        page = self.client.get(search["Location"])
        self.assertContains(page, "trang quản trị không tìm theo số")
        self.assert_masked(page, "admin search")
        search = self.client.get("/quan-tri/pipeline/candidacy/", {"q": person.cccd[:6]})
        self.assertRedirects(search, "/quan-tri/pipeline/candidacy/", fetch_redirect_response=False)
        by_name = self.client.get("/quan-tri/people/person/", {"q": "nguyen van an"})
        self.assertContains(by_name, masked)

    def twin_number(self) -> str:
        return Person.objects.get(pk=self.twin.pk).cccd

    def test_audit_entries_keep_the_number_masked(self):
        person = self.candidacy.person
        from auditlog.models import LogEntry

        logged = " ".join(str(e.changes) for e in LogEntry.objects.all())
        self.assertEqual([n for n in self.numbers if n in logged], [])
        self.assertIn(mask_cccd(person.cccd), logged)

    def test_an_import_quoting_numbers(self):
        person = self.candidacy.person
        other = Person.objects.get(pk=self.twin.pk)
        rows = [
            # The number of somebody else of the organisation: refused, quoting it.
            ["Lò Văn Khác", "01/01/1990", "Nam", person.cccd, "12/12", "Nghỉ hưu", self.o.A1.name],
            # Same name and birth date as a person with another number.
            [other.full_name, f"{other.birth_date:%d/%m/%Y}", "Nam", "001098999999", "12/12",
             "Nghỉ hưu", self.o.A1.name],
        ]  # fmt: skip
        run = make_run(self.u.cell, self.o.A1, "nguoi", xlsx_bytes(PERSON_HEADERS, rows))
        running.preview(run)
        messages = " ".join(run.problems.values_list("message", flat=True))
        self.assertIn(person.cccd, messages)  # as the planner wrote it: masked when shown
        self.client.force_login(self.u.cell)
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, mask_cccd(person.cccd))
        self.assert_masked(page, "run page")
        workbook = self.client.get(f"/nhap-du-lieu/{run.pk}/loi.xlsx")
        text = response_text(workbook)
        self.assertIn(mask_cccd(person.cccd), text)
        self.assertEqual([n for n in [*self.numbers, "001098999999"] if n in text], [])

    def test_merge_history_and_search(self):
        kept = self.candidacy.person
        Person.objects.filter(pk=self.twin.pk).update(cccd=None)  # a second record, no number
        twin = Person.objects.get(pk=self.twin.pk)
        merge_people(kept, twin, "Nhập hai lần.", actor=self.u.grassroots)
        self.client.force_login(self.u.grassroots)
        self.assert_masked(self.client.get(f"/nguoi/{kept.pk}/"), "history")
        # A search by number repeats it masked.
        page = self.client.post("/tim-kiem/", {"q": kept.cccd}, follow=True)
        self.assertContains(page, kept.full_name)
        self.assertContains(page, f"khớp với “{mask_cccd(kept.cccd)}”")
        self.assert_masked(page, "search")


class AddressesTests(WorldTestCase):
    """Addresses name ids only: no name, no number in a link, a form's action, an htmx address
    or a redirect of the pages that show people."""

    ADDRESS = re.compile(r'\b(?:href|src|action|hx-get|hx-post|hx-push-url)="([^"]*)"')

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidacy = advance(
            new_candidacy(cls.world, "Nguyễn Văn An", cls.o.A1),
            Stage.PROBATIONARY,
            introducers_for(cls.world, cls.o.A1),
        )
        give_everybody_a_cccd()
        cls.people = list(Person.objects.all())

    def secrets(self) -> list[str]:
        from urllib.parse import quote, quote_plus

        from ptdv.people.text import fold

        found = []
        for person in self.people:
            for text in (person.full_name, fold(person.full_name)):
                found += [text, quote(text), quote_plus(text)]
            found.append(person.cccd)
        return found

    def test_links_and_redirects(self):
        person = self.candidacy.person
        self.client.force_login(self.u.committee)
        pages = [
            "/", "/tien-trinh/", "/danh-sach/", f"/nguoi/{person.pk}/", f"/ho-so/{self.candidacy.pk}/",
            f"/ho-so/{self.candidacy.pk}/bieu-mau/", "/giup-do/", "/to-chuc/", "/nhat-ky/",
            f"/bao-cao/dang-vien/chi-tiet/?so_lieu=members&to_chuc={self.o.D.pk}",
        ]  # fmt: skip
        searched = self.client.post("/tim-kiem/", {"q": person.full_name})
        self.assertRegex(searched["Location"], r"^/tim-kiem/\?t=[\w-]+$")
        pages.append(searched["Location"])
        for url in pages:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                addresses = self.ADDRESS.findall(response.content.decode())
                self.assertTrue(addresses)
                for address in addresses:
                    for secret in self.secrets():
                        self.assertNotIn(secret, address)

    def test_import_tasks_take_the_run_id_only(self):
        content = xlsx_bytes(
            PERSON_HEADERS,
            [
                [
                    "Lò Văn Đúng",
                    "01/01/1990",
                    "Nam",
                    "001090000123",
                    "12/12",
                    "Nghỉ hưu",
                    "Chi bộ thôn Đông",
                ]
            ],
        )
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.force_login(self.u.cell)
        self.client.post(
            "/nhap-du-lieu/",
            {"kind": "nguoi", "organisation": self.o.A1.pk,
             "file": SimpleUploadedFile("danh-sach.xlsx", content)},
        )  # fmt: skip
        task = DBTaskResult.objects.get()
        from ptdv.imports.models import ImportRun

        run = ImportRun.objects.get()
        self.assertEqual(task.args_kwargs, {"args": [run.pk], "kwargs": {}})
        self.assertNotIn("001090000123", str(task.args_kwargs))


class PrivacyOfficerTests(WorldTestCase):
    def test_the_officer_sees_the_audit_log_masked(self):
        person = make_person(self.o.A1, "Trần Văn Số", cccd=NUMBER)
        correct_person(person, {"cccd": "001098000458"}, "Theo CCCD mới.", actor=self.u.cell)
        officer = make_user("baove", self.o.D, Role.PRIVACY)
        self.client.force_login(officer)
        page = self.client.get("/nhat-ky/")
        self.assertContains(page, f"Số CCCD: {MASKED} → 001******458")
        self.assertEqual(whole_numbers_in(page, [NUMBER, "001098000458"]), [])
