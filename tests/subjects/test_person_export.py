"""What ptdv holds on a person, for an access request (.xlsx, .pdf): every field and record of the
person, nobody else's personal data, only for the officer who answers, logged."""

from __future__ import annotations

import os
import unittest
from datetime import date
from io import BytesIO
from unittest import mock

from django.apps import apps
from openpyxl import load_workbook

from ptdv.accounts.models import Role
from ptdv.dossier.render import convert, soffice
from ptdv.masking import mask_cccd
from ptdv.members.records import correct_person
from ptdv.pipeline import services
from ptdv.rules.stages import Stage
from ptdv.subjects.holdings import MAX_ROWS, gather
from ptdv.web.views.person_data import write_docx
from tests.base import (
    WorldTestCase,
    advance,
    cccd_for,
    introducers_for,
    make_person,
    make_user,
    new_candidacy,
)
from tests.subjects.test_requests import new_request

NAME = "Đinh Thị Hồ Sơ"
BIRTH = date(1996, 7, 15)
IN_CI = os.environ.get("CI", "").lower() == "true"


def workbook_text(content: bytes) -> tuple[list[str], str]:
    """The sheet names and every cell's value of a workbook, as one text."""
    book = load_workbook(BytesIO(content), read_only=True)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            values.extend(str(v) for v in row if v is not None)
    return book.sheetnames, "\n".join(values)


class PersonExportTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        o, p = cls.o, cls.p
        cls.cccd = cccd_for(BIRTH, "F")
        cls.candidacy = new_candidacy(
            cls.world, NAME, o.A1, birth_date=BIRTH, sex="F", cccd=cls.cccd, ethnicity="05",
            occupation="Giáo viên tiểu học",
        )  # fmt: skip
        cls.candidacy = advance(cls.candidacy, Stage.PROBATIONARY, introducers_for(cls.world, o.A1))
        cls.person = cls.candidacy.person
        assignment = cls.candidacy.mentors.filter(end__isnull=True).first() or (
            services.assign_mentor(cls.candidacy, p.mentor, date(2025, 4, 10))
        )
        services.file_mentor_report(
            assignment, "month", date(2025, 5, 1), "Gương mẫu, nhiệt tình với công việc chung.",
            "good", filed_on=date(2025, 5, 30),
        )  # fmt: skip
        correct_person(
            cls.person, {"occupation": "Hiệu phó trường tiểu học"}, "Đã đổi công tác.",
            actor=cls.u.grassroots, today=date(2025, 6, 2),
        )  # fmt: skip
        # A corrected CCCD: the history holds both numbers, masked.
        cls.old_cccd, cls.cccd = cls.cccd, cccd_for(BIRTH, "F")
        correct_person(cls.person, {"cccd": cls.cccd}, "Ghi nhầm số CCCD.", actor=cls.u.grassroots,
                       today=date(2025, 6, 3))  # fmt: skip
        # Somebody this person is not: another candidate of the cell, with a CCCD.
        cls.other = make_person(o.A1, "Phan Văn Người Khác", date(1999, 9, 9),
                                cccd=cccd_for(date(1999, 9, 9), "M"))  # fmt: skip
        cls.request = new_request(cls.person, received_on=date(2026, 4, 1))
        cls.u.privacy = make_user("baove", o.D, Role.PRIVACY)
        cls.url = f"/nguoi/{cls.person.pk}/du-lieu"

    def test_the_workbook_holds_the_persons_data_and_nobody_elses(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url + ".xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn('filename="du-lieu-dinh-thi-ho-so.xlsx"', response["Content-Disposition"])
        sheets, text = workbook_text(b"".join(response.streaming_content))
        self.assertEqual(len(sheets), len(gather(self.person, self.u.grassroots).sections))
        self.assertIn("1. Thông tin cá nhân", sheets)
        # Every field of the record, with its label.
        for expected in (NAME, "15/07/1996", "Nữ", mask_cccd(self.cccd),
                         self.person.get_ethnicity_display(),
                         "Hiệu phó trường tiểu học",
                         "Chi bộ thôn Đông", "Đảng viên dự bị", "Họ và tên", "Số CCCD",
                         "Dân tộc", "Tôn giáo", "Ngày vào Đảng (lễ kết nạp)"):  # fmt: skip
            self.assertIn(expected, text)
        # The candidacy and its events, the mentor's reports, the correction, the request.
        for expected in ("0457/CN", "Ngày cấp giấy chứng nhận: 15/11/2024.", "05-NQ/CB",
                         "210-QĐ/HU", "Tổ chức lễ kết nạp", "Ngày ghi vào hệ thống",
                         "Gương mẫu, nhiệt tình với công việc chung.", "Đã đổi công tác.",
                         "Giáo viên tiểu học", "Truy cập, cung cấp dữ liệu",
                         "Không ghi dữ liệu cá nhân của người khác"):  # fmt: skip
            self.assertIn(expected, text)
        self.assertNotIn(self.cccd, text)  # masked, as in every export
        self.assertNotIn(self.old_cccd, text)
        self.assertIn(f"Số CCCD: {mask_cccd(self.old_cccd)} → {mask_cccd(self.cccd)}", text)
        # Nobody else: mentor, introducers, the other candidate, the users who recorded.
        p = self.p
        for other in (p.mentor.full_name, p.introducer1.full_name, p.introducer2.full_name,
                      self.other.full_name, self.other.cccd, "dangbo_xa", "quantri", "chibo"):  # fmt: skip
            self.assertNotIn(other, text)

    def test_a_mentor_exports_their_mentoring_without_the_names_of_those_they_help(self):
        mentor = self.p.mentor
        self.client.force_login(self.u.grassroots)
        response = self.client.get(f"/nguoi/{mentor.pk}/du-lieu.xlsx")
        _, text = workbook_text(b"".join(response.streaming_content))
        self.assertIn(mentor.full_name, text)
        self.assertIn("Giúp đỡ người khác", text)
        self.assertIn("Chi bộ thôn Đông", text)
        self.assertNotIn(NAME, text)
        self.assertNotIn("Gương mẫu, nhiệt tình", text)  # what they wrote about someone else

    def test_the_grassroots_officer_or_the_committee_downloads_and_outsiders_get_404(self):
        for role, status in (("grassroots", 200), ("cell", 403), ("committee", 200),
                             ("viewer", 403), ("admin", 403), ("privacy", 403),
                             ("outsider", 404)):  # fmt: skip
            self.client.force_login(getattr(self.u, role))
            with self.subTest(role=role):
                response = self.client.get(self.url + ".xlsx")
                self.assertEqual(response.status_code, status)
                if status != 200:
                    self.assertNotIn("attachment", response.get("Content-Disposition", ""))
        page = self.client.get(f"/yeu-cau/{self.request.pk}/")  # as the outsider
        self.assertEqual(page.status_code, 404)
        # The data protection officer is told who downloads it.
        self.client.force_login(self.u.privacy)
        page = self.client.get(f"/yeu-cau/{self.request.pk}/")
        self.assertContains(page, "do cán bộ tổ chức đảng ủy cơ sở tải")
        self.assertNotContains(page, "du-lieu.xlsx")
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/yeu-cau/{self.request.pk}/")
        self.assertContains(page, f'href="{self.url}.xlsx"')

    def test_each_download_is_one_entry_of_the_read_log(self):
        if not apps.is_installed("ptdv.privacy"):
            self.skipTest("the read log is not installed")
        entries = apps.get_model("privacy", "AccessEntry").objects
        self.client.force_login(self.u.grassroots)
        b"".join(self.client.get(self.url + ".xlsx").streaming_content)
        entry = entries.get(kind="person_data_export")
        self.assertEqual((entry.user, entry.person_id, entry.count),
                         (self.u.grassroots, self.person.pk, 1))  # fmt: skip
        self.client.force_login(self.u.viewer)
        self.client.get(self.url + ".xlsx")  # refused: nothing read, nothing logged
        self.assertEqual(entries.filter(kind="person_data_export").count(), 1)

    def test_sections_are_bounded(self):
        with mock.patch("ptdv.subjects.holdings.MAX_ROWS", 2):
            holdings = gather(self.person, self.u.grassroots)
        events = next(s for s in holdings.sections if s.key == "events")
        self.assertEqual(len(events.rows), 2)
        self.assertTrue(events.truncated)
        self.assertGreater(events.total, 2)
        self.assertGreater(MAX_ROWS, 1000)

    def test_without_libreoffice_the_pdf_is_a_503_with_a_message(self):
        self.client.force_login(self.u.grassroots)
        with mock.patch("ptdv.web.views.person_data.soffice", return_value=None):
            response = self.client.get(self.url + ".pdf")
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "Máy chủ chưa cài LibreOffice", status_code=503)
        self.assertContains(response, f'href="{self.url}.xlsx"', status_code=503)

    @unittest.skipIf(soffice() is None and not IN_CI, "LibreOffice (soffice) is not installed")
    def test_the_pdf(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url + ".pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        # The same document as text (no PDF text extractor is required).
        document = write_docx(gather(self.person, self.u.grassroots))
        text = convert(document, "txt:Text (encoded):UTF8").decode("utf-8-sig")
        self.assertIn(NAME, text)
        self.assertIn(mask_cccd(self.cccd), text)
        self.assertNotIn(self.cccd, text)
        self.assertIn("210-QĐ/HU", text)
        self.assertNotIn(self.p.mentor.full_name, text)
        self.assertNotIn(self.other.full_name, text)
