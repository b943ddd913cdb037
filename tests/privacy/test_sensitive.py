"""Sensitive fields by role (``ptdv.people.sensitive``): ethnicity, religion and the results of
the personal-history verification are shown to the roles whose work needs them — the cell
secretary, the grassroots officer, the committee — and to nobody else: not the read-only viewer,
not a mentor (a viewer with a linked person), not the administrator, not the data protection
officer. The reports keep their counts; the lists behind the figures by ethnicity and religion
are refused to the others, and the filled dossier forms (official papers) too."""

from __future__ import annotations

import io
from datetime import date

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import SimpleTestCase
from openpyxl import load_workbook

from ptdv.accounts.models import Role
from ptdv.members.records import correct_person
from ptdv.people.models import Person
from ptdv.people.sensitive import (
    EVERYTHING,
    HIDDEN,
    POLICY,
    Sensitive,
    allowed,
    blocked_drills,
    hidden_fields,
    may_print_dossier,
    may_see,
)
from ptdv.pipeline import services
from ptdv.pipeline.models import Event
from ptdv.rules.stages import Stage, Step
from tests.base import SYMPATHISER_ON, WorldTestCase, make_user

RELIGION = "Công giáo"
ETHNICITY = "Tày"
#: The verification's conclusion "có vấn đề" as the candidacy page, its checklist and its
#: findings say it.
VERIFICATION_TEXTS = ("có vấn đề cần xem xét", "phát hiện vấn đề")
ALLOWED = ("cell", "grassroots", "committee")
NOT_ALLOWED = ("viewer", "mentor", "admin", "privacy")


class PolicyTests(SimpleTestCase):
    def test_every_role_is_decided_with_its_reason(self):
        self.assertEqual(set(POLICY), set(Role))
        for role, access in POLICY.items():
            with self.subTest(role=role):
                self.assertGreater(len(str(access.reason)), 40)

    def test_the_policy(self):
        table = {role: access.items for role, access in POLICY.items()}
        for role in (Role.CELL, Role.GRASSROOTS, Role.COMMITTEE):
            self.assertEqual(table[role], EVERYTHING)
        self.assertEqual(table[Role.ADMIN], {Sensitive.CCCD})
        self.assertEqual(table[Role.VIEWER], frozenset())
        self.assertEqual(table[Role.PRIVACY], frozenset())

    def test_unknown_inactive_and_anonymous_users_see_nothing(self):
        class U:
            is_authenticated = True
            is_active = True
            role = "someone_new"

        self.assertEqual(allowed(U()), frozenset())
        U.role, U.is_active = Role.CELL, False
        self.assertEqual(allowed(U()), frozenset())
        self.assertEqual(allowed(None), frozenset())
        U.is_active = True
        self.assertTrue(may_see(U(), "religion"))
        self.assertTrue(may_print_dossier(U()))
        self.assertEqual(blocked_drills(U()), frozenset())
        U.role = Role.VIEWER
        self.assertEqual(blocked_drills(U()), {"ethnic_minority", "religious"})
        self.assertEqual(hidden_fields(U()), {"ethnicity", "religion"})
        self.assertEqual(hidden_fields(U(), "pipeline.event"), {"data"})
        self.assertFalse(may_print_dossier(U()))


class SensitiveWorld(WorldTestCase):
    """A candidate of a religion and an ethnic minority whose father's verification found an
    issue, mentored by a member who signs in with a read-only account; a religious member."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.candidacy = cls.world_candidacy()
        cls.person = cls.candidacy.person
        cls.u.mentor = make_user("giupdo", cls.o.A1, Role.VIEWER, person=cls.p.mentor)
        cls.u.privacy = make_user("baove", cls.o.D, Role.PRIVACY)
        services.assign_mentor(cls.candidacy, cls.p.mentor, SYMPATHISER_ON)
        member = cls.p.introducer1
        member.religion, member.ethnicity = "catholicism", "02"
        member.save()

    @classmethod
    def world_candidacy(cls):
        from tests.base import advance, introducers_for, new_candidacy

        candidacy = new_candidacy(
            cls.world, "Nguyễn Văn Đạo", cls.o.A1, religion="catholicism", ethnicity="02"
        )
        candidacy = advance(candidacy, Stage.DOSSIER, introducers_for(cls.world, cls.o.A1))
        data = {"kind": "verification", "subject": "father", "result": "issue"}
        services.record_step(candidacy, Step.DOSSIER_PAPER, date(2024, 12, 27), data=data)
        candidacy.refresh_from_db()
        return candidacy

    def login(self, role: str):
        self.client.force_login(getattr(self.u, role))


class PagesTests(SensitiveWorld):
    def test_person_page(self):
        url = f"/nguoi/{self.person.pk}/"
        for role in ALLOWED:
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get(url)
                self.assertContains(page, RELIGION)
                self.assertContains(page, ETHNICITY)
        for role in NOT_ALLOWED:
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get(url)  # the officer opens no individual's record
                self.assertIn(page.status_code, (200, 403) if role == "privacy" else (200,))
                self.assertNotContains(page, RELIGION, status_code=page.status_code)
                self.assertNotContains(page, ETHNICITY, status_code=page.status_code)

    def test_candidacy_page_and_its_verification(self):
        url = f"/ho-so/{self.candidacy.pk}/"
        for role in ALLOWED:
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get(url)
                for text in (RELIGION, ETHNICITY, *VERIFICATION_TEXTS):
                    self.assertContains(page, text)
        for role in ("viewer", "mentor", "admin"):
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get(url)
                self.assertEqual(page.status_code, 200)
                for text in (RELIGION, ETHNICITY, *VERIFICATION_TEXTS):
                    self.assertNotContains(page, text)
                # Whose history was verified is a step of the dossier, still shown.
                self.assertContains(page, "Kết quả thẩm tra lý lịch (cha)")

    def test_a_mentor_sees_no_religion(self):
        self.login("mentor")
        home = self.client.get("/giup-do/")
        self.assertContains(home, self.person.full_name)
        assignment = self.candidacy.mentors.get()
        report = self.client.get(f"/giup-do/{assignment.pk}/bao-cao/")
        for page in (home, report):
            self.assertNotContains(page, RELIGION)
            self.assertNotContains(page, ETHNICITY)

    def test_list_its_filter_and_its_export(self):
        for role, shown in (("cell", True), ("committee", True), ("viewer", False)):
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get("/danh-sach/")
                self.assertContains(page, self.person.full_name)
                (self.assertContains if shown else self.assertNotContains)(page, ETHNICITY)
                self.assertEqual("ethnicity" in page.context["form"].fields, shown)
                # A viewer's filter by ethnicity is not applied (it would tell who is Tày).
                filtered = self.client.get("/danh-sach/", {"ethnicity": "05"})
                self.assertEqual(
                    self.person.full_name in filtered.content.decode(), not shown, role
                )
                export = self.client.get("/danh-sach/excel/")
                rows = list(
                    load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values
                )
                header = next(r for r in rows if r and r[0] == "STT")
                self.assertEqual("Dân tộc" in header, shown)
                self.assertEqual(any(ETHNICITY in r for r in rows), shown)

    def test_reports_keep_their_counts_and_refuse_the_lists_by_religion(self):
        report = f"/bao-cao/dang-vien/?to_chuc={self.o.D.pk}"
        drill = f"/bao-cao/dang-vien/chi-tiet/?so_lieu=religious&to_chuc={self.o.D.pk}"
        for role in ("committee", "viewer", "admin"):
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get(report)
                self.assertEqual(page.status_code, 200)
                self.assertEqual(page.context["report"].figure("religious"), 1)
                linked = "so_lieu=religious" in page.content.decode()
                self.assertEqual(linked, role == "committee")
                listed = self.client.get(drill)
                excel = self.client.get(drill.replace("chi-tiet/", "chi-tiet/excel/"))
                if role == "committee":
                    self.assertContains(listed, self.p.introducer1.full_name)
                    self.assertContains(listed, ETHNICITY)
                    self.assertIn("attachment", excel["Content-Disposition"])
                else:
                    self.assertContains(listed, "dữ liệu cá nhân nhạy cảm", status_code=403)
                    self.assertNotContains(listed, self.p.introducer1.full_name, status_code=403)
                    self.assertEqual(excel.status_code, 403)
                    self.assertNotIn("attachment", excel.get("Content-Disposition", ""))
                    # Other lists name people without their ethnicity.
                    members = self.client.get(drill.replace("religious", "members"))
                    self.assertContains(members, self.p.introducer1.full_name)
                    self.assertNotContains(members, ETHNICITY)
                    sheet = self.client.get(
                        drill.replace("religious", "members").replace(
                            "chi-tiet/", "chi-tiet/excel/"
                        )
                    )
                    rows = list(
                        load_workbook(io.BytesIO(b"".join(sheet.streaming_content))).active.values
                    )
                    self.assertFalse(any("Dân tộc" in r or ETHNICITY in r for r in rows))

    def test_dossier_forms_for_the_roles_that_see_everything(self):
        base = f"/ho-so/{self.candidacy.pk}/bieu-mau/"
        for role in ("cell", "grassroots", "committee"):
            with self.subTest(role=role):
                self.login(role)
                self.assertContains(self.client.get(base), "1-KND.docx")
                zipped = self.client.get(base + "ho-so.zip")
                self.assertEqual(zipped.status_code, 200)
        for role in ("viewer", "mentor", "admin"):
            with self.subTest(role=role):
                self.login(role)
                listing = self.client.get(base)
                self.assertNotContains(listing, "1-KND.docx")
                self.assertNotContains(listing, "ho-so.zip")
                for tail in ("ho-so.zip", "1-KND.docx", "ho-so.pdf"):
                    self.assertEqual(self.client.get(base + tail).status_code, 403)


class RecordsTests(SensitiveWorld):
    def test_corrections_history_and_form(self):
        correct_person(
            self.person, {"religion": "buddhism"}, "Theo giấy khai sinh.", actor=self.u.cell
        )
        url = f"/nguoi/{self.person.pk}/"
        self.login("committee")
        self.assertContains(self.client.get(url), "Tôn giáo: Công giáo → Phật giáo")
        self.login("admin")
        page = self.client.get(url)
        self.assertContains(page, f"Tôn giáo: {HIDDEN} → {HIDDEN}")
        self.assertNotContains(page, "Phật giáo")
        # The correction form: the administrator corrects what they see, not the religion.
        form = self.client.get(f"/nguoi/{self.person.pk}/dinh-chinh/")
        self.assertNotIn("religion", form.context["form"].fields)
        self.assertNotIn("ethnicity", form.context["form"].fields)
        self.assertIn("cccd", form.context["form"].fields)
        self.login("cell")
        self.assertIn(
            "religion",
            self.client.get(f"/nguoi/{self.person.pk}/dinh-chinh/").context["form"].fields,
        )

    def test_audit_log_by_role(self):
        correct_person(
            self.person, {"religion": "buddhism"}, "Theo giấy khai sinh.", actor=self.u.cell
        )
        self.login("committee")
        self.assertContains(self.client.get("/nhat-ky/"), "Tôn giáo: Công giáo → Phật giáo")
        for role in ("admin", "privacy"):
            with self.subTest(role=role):
                self.login(role)
                page = self.client.get("/nhat-ky/")
                self.assertContains(page, f"Tôn giáo: {HIDDEN} → {HIDDEN}")
                self.assertNotContains(page, "buddhism")
                self.assertNotContains(page, "catholicism")
        # The admin's audit log: the same.
        entry = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Person),
            object_id=self.person.pk,
            action=LogEntry.Action.UPDATE,
        ).latest("timestamp")
        self.login("admin")
        page = self.client.get(f"/quan-tri/auditlog/logentry/{entry.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, str(HIDDEN))
        self.assertNotContains(page, "buddhism")

    def test_admin_pages(self):
        self.login("admin")
        page = self.client.get(f"/quan-tri/people/person/{self.person.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, RELIGION)
        self.assertNotContains(page, ETHNICITY)
        event = Event.objects.get(candidacy=self.candidacy, data__subject="father")
        page = self.client.get(f"/quan-tri/pipeline/event/{event.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "father")
        self.assertNotContains(page, "issue")
