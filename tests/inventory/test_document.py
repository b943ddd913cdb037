"""The inventory: built from the registry, the roles' own rules and the settings in force;
served as .docx and .xlsx to administrators and the data protection officer only, and by
``ptdv manage processing_inventory``."""

from __future__ import annotations

import io
from datetime import date
from io import StringIO

import docx
import openpyxl
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from ptdv.accounts.models import Role
from ptdv.inventory import registry
from ptdv.inventory.document import build_inventory, write_docx, write_xlsx
from tests.base import WorldTestCase, make_person, make_user


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def sections(inventory) -> dict:
    return {s.key: s for s in inventory.sections}


class InventoryTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer = make_user("bao_ve_du_lieu", cls.o.D, Role.PRIVACY)
        # A person with a name and a number: the inventory describes, it never lists anyone.
        cls.secret = make_person(cls.o.A1, "Hà Thị Bí Mật", date(1990, 5, 6), cccd="001190123456")

    def test_the_fields_section_lists_every_personal_field_of_the_registry(self):
        inventory = build_inventory()
        fields = sections(inventory)["truong-du-lieu"]
        technical = {row[2] for row in fields.rows}
        expected = {f"{f.model._meta.label_lower}.{f.name}" for f in registry.personal_fields()}
        self.assertEqual(technical, expected)
        self.assertIn("people.person.religion", technical)
        self.assertNotIn("org.organisation.name", technical)
        religion = next(row for row in fields.rows if row[2] == "people.person.religion")
        self.assertEqual(religion[1:2] + religion[3:5], ["tôn giáo", "Tôn giáo", "Có"])

    def test_the_roles_table_follows_the_code(self):
        matrix = sections(build_inventory())["vai-tro"]
        headers = [c.header for c in matrix.columns]
        rows = {row[0]: dict(zip(headers[1:], row[1:], strict=True)) for row in matrix.rows}
        writes = rows["Ghi các bước, người giúp đỡ, nhập dữ liệu, đính chính"]
        self.assertEqual(writes[str(Role.VIEWER.label)], "Không")
        self.assertEqual(writes[str(Role.CELL.label)], "Có")
        self.assertEqual(writes[str(Role.PRIVACY.label)], "Không")
        inventory_row = rows["Xem danh mục xử lý dữ liệu cá nhân"]
        self.assertEqual(
            {role for role, value in inventory_row.items() if value == "Có"},
            {str(Role.ADMIN.label), str(Role.PRIVACY.label)},
        )
        audit = rows["Xem nhật ký thay đổi"]
        self.assertEqual(audit[str(Role.COMMITTEE.label)], "Có")
        self.assertEqual(audit[str(Role.VIEWER.label)], "Không")

    @override_settings(
        PTDV_ACCESS_LOG_RETENTION_DAYS=123,
        PTDV_SESSION_IDLE_MINUTES=17,
        PTDV_RETENTION_WITHDRAWN_YEARS=7,
        PTDV_MFA_REQUIRED_FOR_ALL=True,
    )
    def test_retention_and_measures_are_the_settings_in_force(self):
        found = sections(build_inventory())
        retention = "\n".join(" | ".join(row) for row in found["thoi-han-luu-tru"].rows)
        self.assertIn("123 ngày", retention)
        self.assertIn("7 năm sau khi có kết quả (PTDV_RETENTION_WITHDRAWN_YEARS)", retention)
        measures = "\n".join(" | ".join(row) for row in found["bien-phap-bao-ve"].rows)
        self.assertIn("17 phút", measures)
        self.assertIn("Bắt buộc với mọi tài khoản", measures)
        flows = "\n".join(" | ".join(row) for row in found["luong-du-lieu"].rows)
        handoff = next(r for r in found["luong-du-lieu"].rows if "đảng viên quốc gia" in r[0])
        self.assertIn("tệp .xlsx/.csv", handoff[1])
        self.assertIn("Số định danh cá nhân (CCCD)", handoff[2])
        self.assertIn("mã băm SHA-256 của tệp", handoff[4])
        self.assertEqual(handoff[5], "Đang dùng")  # built: no flow is planned any more
        self.assertNotIn("Dự kiến", flows)

    def test_the_word_document_holds_every_section_and_nobody(self):
        inventory = build_inventory()
        content = write_docx(inventory)
        text = docx_text(content)
        for number, section in enumerate(inventory.sections, 1):
            self.assertIn(f"{number}. {section.title}", text)
        document = docx.Document(io.BytesIO(content))
        self.assertEqual(len(document.tables), len(inventory.sections))
        fields = document.tables[[s.key for s in inventory.sections].index("truong-du-lieu")]
        self.assertEqual(len(fields.rows), 1 + len(registry.personal_fields()))
        for secret in ("Hà Thị Bí Mật", "001190123456", "chibo", "quantri"):
            self.assertNotIn(secret, text)

    def test_the_workbook_has_a_sheet_per_section(self):
        inventory = build_inventory()
        out = io.BytesIO()
        write_xlsx(inventory, out)
        workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
        self.assertEqual(len(workbook.sheetnames), 1 + len(inventory.sections))
        fields = workbook[workbook.sheetnames[1 + len(inventory.sections) - 1]]
        self.assertEqual(fields.max_row, 4 + len(registry.personal_fields()))
        values = {c.value for row in workbook.worksheets[0].iter_rows() for c in row}
        self.assertIn(inventory.title, values)
        every = "\n".join(
            str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row
        )
        self.assertNotIn("Hà Thị Bí Mật", every)

    # --- the page ---------------------------------------------------------------------------------

    def test_administrators_and_the_officer_read_it_others_do_not(self):
        for user in (self.u.admin, self.officer):
            self.client.force_login(user)
            page = self.client.get("/bao-ve-du-lieu/danh-muc-xu-ly/")
            self.assertContains(page, "Danh mục hoạt động xử lý dữ liệu cá nhân")
            self.assertContains(page, 'href="/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.docx"')
            self.assertContains(page, "people.person.cccd")
            self.assertNotContains(page, "Hà Thị Bí Mật")
            menu = self.client.get("/")
            self.assertContains(menu, 'href="/bao-ve-du-lieu/danh-muc-xu-ly/"')
            word = self.client.get("/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.docx")
            self.assertEqual(word.status_code, 200)
            self.assertIn("attachment", word["Content-Disposition"])
            self.assertIn(".docx", word["Content-Disposition"])
            self.assertIn("no-store", word["Cache-Control"])
            self.assertIn("Vai trò và quyền truy cập", docx_text(word.content))
            excel = self.client.get("/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.xlsx")
            self.assertEqual(excel.status_code, 200)
            workbook = openpyxl.load_workbook(io.BytesIO(b"".join(excel.streaming_content)))
            self.assertGreater(len(workbook.sheetnames), 5)
        for user in (self.u.cell, self.u.grassroots, self.u.committee, self.u.viewer):
            self.client.force_login(user)
            for url in ("/bao-ve-du-lieu/danh-muc-xu-ly/", "/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.docx",
                        "/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.xlsx"):  # fmt: skip
                self.assertEqual(self.client.get(url).status_code, 403, (user.role, url))
            self.assertNotContains(self.client.get("/"), "/bao-ve-du-lieu/danh-muc-xu-ly/")
        self.client.logout()
        anonymous = self.client.get("/bao-ve-du-lieu/danh-muc-xu-ly/tai-ve.docx")
        self.assertEqual(anonymous.status_code, 302)

    # --- the command ------------------------------------------------------------------------------

    def test_the_command_writes_either_format(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            out = StringIO()
            call_command("processing_inventory", str(Path(folder, "dm.docx")), stdout=out)
            self.assertIn("Đã ghi danh mục", out.getvalue())
            self.assertIn(
                "Vai trò và quyền truy cập", docx_text(Path(folder, "dm.docx").read_bytes())
            )
            call_command("processing_inventory", str(Path(folder, "dm.xlsx")), stdout=StringIO())
            self.assertGreater(len(openpyxl.load_workbook(Path(folder, "dm.xlsx")).sheetnames), 5)
            with self.assertRaisesMessage(CommandError, "đuôi .docx"):
                call_command("processing_inventory", str(Path(folder, "dm.pdf")))
            with self.assertRaisesMessage(CommandError, "thư mục có sẵn"):
                call_command("processing_inventory", str(Path(folder, "khong-co", "dm.docx")))
            self.assertEqual(sorted(p.name for p in Path(folder).iterdir()), ["dm.docx", "dm.xlsx"])
