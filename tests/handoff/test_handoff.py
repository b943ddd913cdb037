"""The hand-off to the national party-member database: the page, the files, the record."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from unittest.mock import patch

from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from ptdv.accounts.models import Role
from ptdv.handoff import checks
from ptdv.handoff.models import HandoffExport
from ptdv.handoff.sections import COMMON_COLUMNS, LEFT_COLUMNS, TooManyRows, build
from ptdv.members import services as member_services
from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.privacy.models import AccessEntry, AccessKind
from ptdv.privacy.officer import is_record_view
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Stage
from tests.base import (
    WorldTestCase,
    admin_form_data,
    build_other_tree,
    cccd_for,
    make_person,
    make_user,
)

START, END = date(2025, 1, 1), date(2025, 12, 31)
URL = "/ban-giao/"
DOWNLOAD = "/ban-giao/tai-ve/"


def form(organisation: Organisation, **extra) -> dict:
    return {
        "to_chuc": str(organisation.pk),
        "tu_ngay": START.isoformat(),
        "den_ngay": END.isoformat(),
        "noi_dung": ["admitted", "official", "left"],
        **extra,
    }


class HandoffTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        o = cls.o
        for unit, code in ((o.A1, "15.CS023.CB001"), (o.A2, "15.CS023.CB002")):
            unit.party_code = code
            unit.save()
        birth = date(2001, 5, 6)
        # A CCCD starting with zeros (province 001): kept as text.
        cls.new = make_person(
            o.A1, "Lò Thị Mới", birth, sex="F", admitted_on=date(2025, 3, 10),
            cccd=cccd_for(birth, "F"), occupation="Giáo viên",
        )  # fmt: skip
        # Admitted in the period but without a CCCD, in a cell without a national code.
        cls.nocccd = make_person(
            o.AP1, "Quàng Văn Thiếu", date(2000, 1, 2), admitted_on=date(2025, 4, 1)
        )
        # Official in the period, with a card number of 7 digits.
        cls.official = make_person(
            o.A2, "Cầm Văn Chính", date(1995, 2, 3), official_since=date(2025, 6, 1),
            cccd=cccd_for(date(1995, 2, 3), "M"), party_card_number="1234567",
        )  # fmt: skip
        # A member who died in the period.
        cls.gone = make_person(
            o.A1, "Tòng Văn Cũ", date(1950, 1, 1), official_since=date(1980, 1, 1),
            cccd=cccd_for(date(1950, 1, 1), "M"), party_card_number="01234567",
        )  # fmt: skip
        member_services.record_event(
            cls.gone, MemberEventKind.DECEASED, date(2025, 8, 8), actor=cls.u.committee,
            number="12-QĐ/ĐU", today=date(2025, 9, 1),
        )  # fmt: skip
        # Outside the district (the outsider's branch) and in another tree.
        cls.far = make_person(o.X1, "Võ Văn Xa", date(1999, 9, 9), admitted_on=date(2025, 5, 5))
        cls.other = build_other_tree()
        cls.other_new = make_person(
            cls.other.org.QX1, "Mai Thị Khác", date(2000, 3, 3), sex="F",
            admitted_on=date(2025, 2, 2),
        )  # fmt: skip

    def download(self, user, organisation=None, **extra):
        self.client.force_login(user)
        return self.client.post(DOWNLOAD, form(organisation or self.o.D, **extra))

    def workbook(self, response):
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


class WorkbookTests(HandoffTestCase):
    def test_sheets_columns_and_values(self):
        response = self.download(self.u.committee)
        self.assertEqual(response.status_code, 200)
        self.assertIn(".xlsx", response["Content-Disposition"])
        book = self.workbook(response)
        self.assertEqual(
            book.sheetnames,
            ["Thông tin", "Kết nạp", "Công nhận chính thức", "Chuyển đi, ra khỏi Đảng"],
        )
        admitted = book["Kết nạp"]
        header = [c.value for c in admitted[1]]
        self.assertEqual(header, [str(c.header) for c in COMMON_COLUMNS] + ["Cần bổ sung, sửa"])
        self.assertEqual(
            header[:4], ["STT", "Số CCCD", "Mã tổ chức đảng (CSDL đảng viên)", "Chi bộ"]
        )
        rows = {r[8]: r for r in admitted.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(set(rows), {"Lò Thị Mới", "Quàng Văn Thiếu"})  # not X1's, not Q's
        new = rows["Lò Thị Mới"]
        self.assertEqual(new[1], self.new.cccd)
        self.assertTrue(new[1].startswith("001"))  # leading zeros kept: text
        cell = admitted.cell(row=2, column=2)
        self.assertEqual(cell.data_type, "s")
        self.assertEqual(cell.number_format, "@")
        self.assertEqual(new[2], "15.CS023.CB001")
        self.assertEqual(new[4], "Đảng bộ xã Hòa An")
        self.assertEqual(new[10], "06/05/2001")  # birth date dd/mm/yyyy
        self.assertEqual(new[18], "10/03/2025")  # admission
        missing = rows["Quàng Văn Thiếu"]
        self.assertIn("Chưa có số CCCD", missing[-1])
        self.assertIn("chưa có mã tổ chức đảng", missing[-1])

        official = book["Công nhận chính thức"]
        row = [r for r in official.iter_rows(min_row=2, values_only=True)]
        self.assertEqual([r[8] for r in row], ["Cầm Văn Chính"])
        self.assertEqual(row[0][7], "1234567")
        self.assertIn("phải gồm 8 chữ số", row[0][-1])
        self.assertEqual(row[0][19], "01/06/2025")

        left = book["Chuyển đi, ra khỏi Đảng"]
        header = [c.value for c in left[1]]
        self.assertEqual(header[len(COMMON_COLUMNS) : -1], [str(c.header) for c in LEFT_COLUMNS])
        (gone,) = list(left.iter_rows(min_row=2, values_only=True))
        self.assertEqual(gone[8], "Tòng Văn Cũ")
        self.assertEqual(gone[7], "01234567")  # the card number keeps its zero
        self.assertEqual(
            gone[len(COMMON_COLUMNS) - 1 : len(COMMON_COLUMNS) + 2][1:], ("Từ trần", "08/08/2025")
        )
        self.assertEqual(gone[len(COMMON_COLUMNS) + 2], "12-QĐ/ĐU")

    def test_the_export_is_recorded_and_logged(self):
        response = self.download(self.u.committee)
        content = b"".join(response.streaming_content)
        export = HandoffExport.objects.get()
        self.assertEqual(export.organisation, self.o.D)
        self.assertEqual(export.created_by, self.u.committee)
        self.assertEqual((export.start, export.end), (START, END))
        self.assertEqual(export.sections, ["admitted", "official", "left"])
        self.assertEqual(
            sorted(export.person_ids("admitted")), sorted([self.new.pk, self.nocccd.pk])
        )
        self.assertEqual(export.person_ids("left"), [self.gone.pk])
        # No CCCD nor code; no introducer recorded; a card of 7 digits.
        self.assertEqual(export.incomplete, 3)
        self.assertEqual(export.sha256, hashlib.sha256(content).hexdigest())
        entry = AccessEntry.objects.order_by("-pk").first()
        self.assertEqual(entry.kind, "handoff_export")
        self.assertEqual(entry.count, 4)
        self.assertEqual(entry.organisation_id, self.o.D.pk)

    def test_the_personal_history_number_is_handed_off_and_checked(self):
        self.new.personal_history_number = "123456hn"
        self.new.save()
        # A malformed number written around the forms is flagged, not left out.
        Person.objects.filter(pk=self.gone.pk).update(personal_history_number="12345HN")
        book = self.workbook(self.download(self.u.committee))
        self.assertEqual(book["Kết nạp"].cell(row=1, column=7).value, "Số lý lịch")
        rows = {r[8]: r for r in book["Kết nạp"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows["Lò Thị Mới"][6], "123456HN")
        self.assertNotIn("Số lý lịch", rows["Lò Thị Mới"][-1] or "")
        self.assertIsNone(rows["Quàng Văn Thiếu"][6])  # none: an empty cell, no message
        self.assertNotIn("Số lý lịch", rows["Quàng Văn Thiếu"][-1])
        (gone,) = list(book["Chuyển đi, ra khỏi Đảng"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(gone[6], "12345HN")
        self.assertIn(
            "Số lý lịch đảng viên «12345HN» không đúng dạng: 6 chữ số rồi 1 đến 3 chữ cái",
            gone[-1],
        )

    def test_the_read_log_names_the_handoff(self):
        self.download(self.u.committee)
        officer = make_user("baove_nk", self.o.D, Role.PRIVACY)
        self.client.force_login(officer)
        page = self.client.get("/bao-ve-du-lieu/truy-cap/", {"loai": "handoff_export"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, '<option value="handoff_export" selected>')
        self.assertEqual([e.kind for e in page.context["entries"]], [AccessKind.HANDOFF_EXPORT])
        self.assertContains(page, "Bàn giao CSDL đảng viên")

    def test_introducers_of_a_member_admitted_through_the_pipeline(self):
        candidacy = self.advance(self.candidacy("Hà Văn Nạp"), Stage.PROBATIONARY)
        candidacy.person.cccd = cccd_for(candidacy.person.birth_date, "M")
        candidacy.person.save()
        book = self.workbook(self.download(self.u.committee))
        rows = {r[8]: r for r in book["Kết nạp"].iter_rows(min_row=2, values_only=True)}
        row = rows["Hà Văn Nạp"]
        self.assertEqual(row[18], "10/04/2025")  # the ceremony
        self.assertEqual(row[20], "Nguyễn Văn Giới; Trần Thị Thiệu")
        self.assertIsNone(row[-1])  # nothing to add: an empty cell
        self.assertEqual(row[5], "Đảng viên dự bị")

    def test_formula_guard(self):
        self.new.occupation = '=HYPERLINK("http://x")'
        self.new.save()
        book = self.workbook(self.download(self.u.committee))
        values = [r[14] for r in book["Kết nạp"].iter_rows(min_row=2, values_only=True)]
        self.assertIn('\'=HYPERLINK("http://x")', values)


class SectionTests(HandoffTestCase):
    def names(self, start, end, sections=("official",), user=None):
        handoff = build(user or self.u.committee, self.o.D, start, end, sections)
        return [row.full_name for row in handoff.all_rows()]

    def test_a_late_recognition_decision_counts_in_its_period(self):
        # Probation ends 10/04/2026; the decision is dated 15/07/2026.
        self.advance(self.candidacy("Hà Văn Muộn"), Stage.OFFICIAL)
        self.assertIn("Hà Văn Muộn", self.names(date(2026, 4, 1), date(2026, 4, 30)))
        self.assertIn("Hà Văn Muộn", self.names(date(2026, 7, 1), date(2026, 7, 31)))
        self.assertNotIn("Hà Văn Muộn", self.names(date(2026, 5, 1), date(2026, 6, 30)))

    def test_transfer_out_names_the_organisation(self):
        member_services.record_event(
            self.p.member_A2, MemberEventKind.TRANSFER_OUT, date(2025, 10, 1),
            actor=self.u.committee, outside="Đảng bộ phường Bến Nghé, TP Hồ Chí Minh",
            number="45-GGT", today=date(2025, 10, 2),
        )  # fmt: skip
        handoff = build(self.u.committee, self.o.D, START, END, ("left",))
        row = next(r for r in handoff.all_rows() if r.person_id == self.p.member_A2.pk)
        n = len(COMMON_COLUMNS) - 1  # the values leave out STT
        self.assertEqual(
            row.values[n:],
            ["Chuyển sinh hoạt đảng đi", "01/10/2025", "45-GGT", "",
             "Đảng bộ phường Bến Nghé, TP Hồ Chí Minh"],
        )  # fmt: skip
        # The member's official status needs no card number in the leaving section.
        self.assertNotIn("Đảng viên chính thức chưa có số thẻ đảng viên.", row.problems)

    def test_a_cell_user_sees_their_cell_only(self):
        handoff = build(self.u.cell, self.o.A1, START, END)
        self.assertEqual({r.full_name for r in handoff.all_rows()}, {"Lò Thị Mới", "Tòng Văn Cũ"})

    def test_the_cap(self):
        with patch("ptdv.handoff.sections.MAX_ROWS", 2):
            with self.assertRaises(TooManyRows) as caught:
                build(self.u.committee, self.o.D, START, END)
            self.assertIn("quá 2 dòng", caught.exception.message)
            self.client.force_login(self.u.committee)
            page = self.client.get(URL, form(self.o.D))
            self.assertContains(page, "chọn đơn vị nhỏ hơn hoặc kỳ ngắn hơn")
            response = self.client.post(DOWNLOAD, form(self.o.D))
            self.assertEqual(response.status_code, 302)
        self.assertFalse(HandoffExport.objects.exists())

    def test_nobody_new_gives_no_file(self):
        self.download(self.u.committee)
        response = self.download(self.u.committee, chi_moi="on")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(HandoffExport.objects.count(), 1)
        page = self.client.get(response["Location"])
        self.assertContains(page, "Không có ai để bàn giao trong kỳ này.")

    def test_queries_do_not_grow_with_the_rows(self):
        self.client.force_login(self.u.committee)

        def more():
            for i, cell in enumerate((self.o.A1, self.o.A2, self.o.B1, self.o.G)):
                person = make_person(
                    cell, f"Người Mới Số {i}", date(2000, 1, 1 + i), admitted_on=date(2025, 9, 1)
                )
                member_services.record_event(
                    person, MemberEventKind.DECEASED, date(2025, 10, 1 + i),
                    actor=self.u.committee, today=date(2025, 11, 1),
                )  # fmt: skip

        self.assert_queries_do_not_grow(more, lambda: self.client.post(DOWNLOAD, form(self.o.D)))

    def test_the_information_sheet(self):
        book = self.workbook(self.download(self.u.committee))
        info = dict(book["Thông tin"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(info["Tổ chức đảng"], "Đảng bộ huyện Núi Xanh")
        self.assertEqual(info["Từ ngày"], "01/01/2025")
        self.assertEqual(info["Số dòng"], "4")


class CsvTests(HandoffTestCase):
    def test_csv_utf8_bom_and_text(self):
        response = self.download(self.u.committee, dinh_dang="csv")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/csv"))
        content = b"".join(response.streaming_content)
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["Nội dung", "STT", "Số CCCD"])
        self.assertEqual(len(rows[0]), 1 + len(COMMON_COLUMNS) + len(LEFT_COLUMNS) + 1)
        by_name = {r[9]: r for r in rows[1:]}
        self.assertEqual(by_name["Lò Thị Mới"][0], "Kết nạp")
        self.assertEqual(by_name["Lò Thị Mới"][2], self.new.cccd)
        self.assertEqual(by_name["Lò Thị Mới"][19], "10/03/2025")
        self.assertEqual(by_name["Tòng Văn Cũ"][len(COMMON_COLUMNS) + 2], "08/08/2025")
        self.assertNotIn("Võ Văn Xa", by_name)
        self.assertNotIn("Mai Thị Khác", by_name)
        self.assertEqual(HandoffExport.objects.get().file_format, "csv")


class OnlyNewTests(HandoffTestCase):
    def test_only_new_since_the_last_handoff(self):
        self.download(self.u.committee)
        later = make_person(
            self.o.A1, "Lường Văn Sau", date(2002, 2, 2), admitted_on=date(2025, 11, 1)
        )
        book = self.workbook(self.download(self.u.committee, chi_moi="on"))
        names = [r[8] for r in book["Kết nạp"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, [later.full_name])
        self.assertEqual(list(book["Chuyển đi, ra khỏi Đảng"].iter_rows(min_row=2)), [])
        latest = HandoffExport.objects.first()
        self.assertTrue(latest.only_new)
        self.assertEqual(latest.person_ids("admitted"), [later.pk])
        # Without the option everybody of the period is there again.
        book = self.workbook(self.download(self.u.committee))
        self.assertEqual(book["Kết nạp"].max_row, 4)

    def test_an_export_of_a_grassroots_unit_counts_for_the_district(self):
        self.download(self.u.grassroots, self.o.A)
        elsewhere = make_person(
            self.o.B1, "Đặng Văn Xã Khác", date(2001, 1, 1), admitted_on=date(2025, 6, 6)
        )
        book = self.workbook(self.download(self.u.committee, chi_moi="on"))
        names = [r[8] for r in book["Kết nạp"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, [elsewhere.full_name])  # Hòa An's were handed off by Hòa An
        self.assertEqual(list(book["Chuyển đi, ra khỏi Đảng"].iter_rows(min_row=2)), [])


class PageTests(HandoffTestCase):
    def test_completeness_messages_in_vietnamese(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(URL, form(self.o.D))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Chưa có số CCCD (khóa của hồ sơ trên CSDL đảng viên).")
        self.assertContains(
            response, "Chi bộ «Chi bộ Trường tiểu học» chưa có mã tổ chức đảng trên CSDL đảng viên."
        )
        self.assertContains(
            response, "Số thẻ đảng viên «1234567» không đúng dạng: phải gồm 8 chữ số."
        )
        self.assertContains(response, reverse("person", args=[self.nocccd.pk]))
        self.assertContains(response, "Tải tệp bàn giao")
        self.assertNotContains(response, self.new.cccd)  # masked on the page
        self.assertNotContains(response, "Võ Văn Xa")

    def test_administrator_gets_a_link_to_the_code(self):
        self.client.force_login(self.u.admin)
        response = self.client.get(URL, form(self.o.D))
        self.assertContains(
            response, reverse("admin:org_organisation_change", args=[self.o.AP1.pk])
        )
        self.assertNotContains(response, "Tải tệp bàn giao")

    def test_first_visit_uses_the_defaults(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].is_valid())

    def test_bad_dates_are_named(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(URL, form(self.o.D, tu_ngay="2025-12-31", den_ngay="2025-01-01"))
        self.assertContains(response, "Đến ngày: Đến ngày phải từ ngày 31/12/2025 trở đi.")

    def test_only_the_exports_of_the_subtree_are_listed(self):
        self.download(self.u.outsider, self.o.E)
        self.download(self.u.committee)
        self.client.force_login(self.u.committee)
        exports = list(self.client.get(URL).context["exports"])
        self.assertEqual([e.organisation for e in exports], [self.o.D])


class ScopeAndRoleTests(HandoffTestCase):
    def test_outsiders_organisation_is_404(self):
        self.client.force_login(self.u.committee)
        for unit in (self.o.E, self.other.org.QX1):
            self.assertEqual(self.client.get(URL, form(unit)).status_code, 404)
            self.assertEqual(self.client.post(DOWNLOAD, form(unit)).status_code, 404)
        self.assertEqual(self.client.get(URL, {"to_chuc": "98765432"}).status_code, 404)
        self.assertEqual(self.client.get(URL, {"to_chuc": "x"}).status_code, 404)
        self.assertFalse(HandoffExport.objects.exists())

    def test_outsiders_people_never_appear(self):
        province = make_user("bantochuc_tinh", self.o.P, Role.COMMITTEE)
        book = self.workbook(self.download(province, self.o.P))
        names = {
            r[8]
            for s in book.sheetnames[1:]
            for r in book[s].iter_rows(min_row=2, values_only=True)
        }
        self.assertIn("Võ Văn Xa", names)  # the province sees its whole tree
        self.assertNotIn("Mai Thị Khác", names)  # never the other tree's

    def test_read_only_and_others_preview_but_do_not_download(self):
        for user in (self.u.viewer, self.u.cell, self.u.admin):
            self.client.force_login(user)
            unit = user.organisation
            self.assertEqual(self.client.get(URL, form(unit)).status_code, 200, user)
            self.assertEqual(self.client.post(DOWNLOAD, form(unit)).status_code, 403, user)
        self.assertFalse(HandoffExport.objects.exists())

    def test_the_officer_is_refused(self):
        from ptdv.web.views import handoff

        # By the officer's middleware, as the other pages of records.
        self.assertTrue(is_record_view(handoff.handoff_page))
        self.assertTrue(is_record_view(handoff.handoff_download))
        officer = make_user("baove_bg", self.o.D, Role.PRIVACY)
        self.client.force_login(officer)
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.assertEqual(self.client.post(DOWNLOAD, form(self.o.D)).status_code, 403)

    def test_download_is_a_post(self):
        self.client.force_login(self.u.committee)
        self.assertEqual(self.client.get(DOWNLOAD, form(self.o.D)).status_code, 405)

    def test_an_invalid_download_goes_back_to_the_page(self):
        self.client.force_login(self.u.committee)
        response = self.client.post(DOWNLOAD, {})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(HandoffExport.objects.exists())


class CodeValidationTests(WorldTestCase):
    def test_format_and_normalisation(self):
        unit = self.o.A1
        for good in ("15.CS023.CB002", "15", " 15.cs023.cb002 "):
            unit.party_code = good
            unit.full_clean()
        self.assertEqual(unit.party_code, "15.CS023.CB002")
        for bad in ("1.CS023", "15-CS023", "15.CS023.", "AB.CS023", "15.023CS"):
            unit.party_code = bad
            with self.assertRaises(ValidationError) as caught:
                unit.full_clean()
            self.assertIn("party_code", caught.exception.message_dict)
            self.assertIn("ví dụ 15.CS023.CB002", caught.exception.message_dict["party_code"][0])

    def test_unique_where_set(self):
        self.o.A1.party_code = "15.CS023.CB001"
        self.o.A1.save()
        self.o.A2.party_code = "15.cs023.cb001"
        with self.assertRaises(ValidationError) as caught:
            self.o.A2.full_clean()
        self.assertIn("party_code", caught.exception.message_dict)
        self.o.A2.party_code = ""
        self.o.A2.full_clean()
        self.o.A2.save()
        self.o.B1.party_code = None
        self.o.B1.save()  # several without a code
        self.assertIsNone(Organisation.objects.get(pk=self.o.A2.pk).party_code)

    def test_admin_form(self):
        self.client.force_login(self.u.admin)
        url = reverse("admin:org_organisation_change", args=[self.o.A1.pk])
        response = self.client.get(url)
        self.assertContains(response, 'name="party_code"')
        bad = self.client.post(url, admin_form_data(response, party_code="15/CS023"))
        self.assertEqual(bad.status_code, 200)
        self.assertContains(bad, "ví dụ 15.CS023.CB002")
        good = self.client.post(url, admin_form_data(response, party_code="15.cs023.cb001"))
        self.assertEqual(good.status_code, 302)
        self.assertEqual(Organisation.objects.get(pk=self.o.A1.pk).party_code, "15.CS023.CB001")
        # Another organisation may not take the same code.
        other = reverse("admin:org_organisation_change", args=[self.o.A2.pk])
        taken = self.client.post(
            other, admin_form_data(self.client.get(other), party_code="15.CS023.CB001")
        )
        self.assertEqual(taken.status_code, 200)
        self.assertIsNone(Organisation.objects.get(pk=self.o.A2.pk).party_code)


class CheckTests(WorldTestCase):
    def test_messages(self):
        self.assertEqual(checks.personal_history_problems(""), [])
        self.assertEqual(checks.personal_history_problems("123456HN"), [])
        self.assertIn(
            "6 chữ số rồi 1 đến 3 chữ cái", checks.personal_history_problems("12345HN")[0]
        )
        self.assertIn("6 chữ số", checks.personal_history_problems("123456ABCD")[0])
        self.assertEqual(checks.card_problems("", official=False), [])
        self.assertEqual(
            checks.card_problems("", official=True),
            ["Đảng viên chính thức chưa có số thẻ đảng viên."],
        )
        self.assertEqual(checks.card_problems("01234567", official=True), [])
        self.assertEqual(checks.cccd_problems("12"), ["Số CCCD phải gồm đúng 12 chữ số."])
