"""The legal basis of the processing and the notice of sensitive data.

- The rules of the fields (consent with its date, scope and an earlier notice; no date in the
  future or before the birth), with messages that name the field;
- "Thêm nguồn", the receiving of a member and the correction record them (the correction keeps
  them in the person's history); the person page shows them, with the notice to download;
- the application 1-KNĐ prints the notice in short and the consent line, the notice TB-DLCN is
  listed on the dossier page and prints the whole text with the person's name;
- one text, in one place (ptdv/dossier/notice.py), citing the law and marked unverified.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import docx
from django.core.exceptions import ValidationError
from django.utils import timezone

from ptdv.dossier import notice
from ptdv.dossier.forms import FORMS, build_dossier
from ptdv.dossier.render import render_document
from ptdv.people.models import LegalBasis, MemberStatus, Person, PersonChange
from ptdv.pipeline.models import Candidacy
from tests.base import SOURCE_ON, WorldTestCase, cccd_for, make_person


def docx_text(blob: bytes) -> str:
    document = docx.Document(BytesIO(blob))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def iso(day: date) -> str:
    return day.isoformat()


class FieldRulesTests(WorldTestCase):
    def person(self, **fields) -> Person:
        return Person(
            full_name="Lò Thị Đồng",
            birth_date=date(2000, 1, 2),
            sex="F",
            general_education="upper_secondary",
            sector="farmer",
            cell=self.o.A1,
            **fields,
        )

    def problems(self, **fields) -> dict[str, list[str]]:
        return self.person(**fields).legal_basis_problems(today=date(2026, 3, 1))

    def test_consent_needs_its_date_its_scope_and_an_earlier_notice(self):
        problems = self.problems(legal_basis=LegalBasis.CONSENT)
        self.assertEqual(
            problems["consent_on"], ["Cơ sở pháp lý là sự đồng ý: cần ghi ngày người đó đồng ý."]
        )
        self.assertEqual(
            problems["consent_scope"], ["Cơ sở pháp lý là sự đồng ý: cần ghi phạm vi đồng ý."]
        )
        self.assertIn("cần ghi ngày thông báo", problems["sensitive_notice_on"][0])
        problems = self.problems(
            legal_basis=LegalBasis.CONSENT,
            consent_on=date(2026, 1, 5),
            consent_scope=notice.CONSENT_SCOPE,
            sensitive_notice_on=date(2026, 1, 6),
        )
        self.assertEqual(
            problems,
            {
                "sensitive_notice_on": [
                    "Ngày thông báo dữ liệu nhạy cảm không được sau ngày đồng ý."
                ]
            },
        )
        ok = self.problems(
            legal_basis=LegalBasis.CONSENT,
            consent_on=date(2026, 1, 5),
            consent_scope=notice.CONSENT_SCOPE,
            sensitive_notice_on=date(2026, 1, 5),
        )
        self.assertEqual(ok, {})

    def test_dates_are_neither_in_the_future_nor_before_the_birth(self):
        problems = self.problems(
            consent_on=date(2026, 3, 2), sensitive_notice_on=date(1999, 12, 31)
        )
        self.assertEqual(problems["consent_on"], ["Ngày đồng ý không được sau hôm nay."])
        self.assertEqual(
            problems["sensitive_notice_on"],
            ["Ngày thông báo dữ liệu nhạy cảm không được trước ngày sinh."],
        )

    def test_the_model_check_raises_with_the_fields(self):
        person = self.person(legal_basis=LegalBasis.CONSENT)
        with self.assertRaises(ValidationError) as raised:
            person.full_clean()
        self.assertIn("consent_on", raised.exception.message_dict)

    def test_a_member_is_processed_under_the_partys_rules_whatever_was_recorded(self):
        member = self.p.introducer1
        self.assertEqual(member.legal_basis, LegalBasis.UNRECORDED)
        self.assertEqual(member.effective_legal_basis, LegalBasis.PARTY_RULES)
        source = self.person(legal_basis=LegalBasis.CONSENT)
        self.assertEqual(source.effective_legal_basis, LegalBasis.CONSENT)
        source.member_status = MemberStatus.PROBATIONARY
        self.assertEqual(source.effective_legal_basis, LegalBasis.PARTY_RULES)


class FormsTests(WorldTestCase):
    def source_data(self, **changes):
        data = {
            "full_name": "Lò Văn Nguồn",
            "birth_date": iso(date(2000, 1, 2)),
            "sex": "M",
            "cccd": cccd_for(date(2000, 1, 2), "M"),
            "ethnicity": "03",
            "religion": "none",
            "general_education": "upper_secondary",
            "professional_level": "none",
            "sector": "farmer",
            "cell": self.o.A1.pk,
            "opened_on": iso(SOURCE_ON),
        }
        return data | changes

    def test_a_source_with_consent_and_the_notice(self):
        self.client.force_login(self.u.cell)
        page = self.client.get("/nguon/moi/")
        self.assertContains(page, "Cơ sở pháp lý xử lý dữ liệu")
        self.assertContains(page, "Ngày thông báo dữ liệu nhạy cảm")
        # Consent without its date: nothing is written, the message names the field.
        people = Person.objects.count()
        response = self.client.post(
            "/nguon/moi/", self.source_data(legal_basis="consent", sensitive_notice_on="10/10/2024")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["consent_on"],
            ["Cơ sở pháp lý là sự đồng ý: cần ghi ngày người đó đồng ý."],
        )
        self.assertEqual(Person.objects.count(), people)
        # With the dates (dd/mm/yyyy): the scope left empty is the notice's.
        response = self.client.post(
            "/nguon/moi/",
            self.source_data(
                legal_basis="consent", consent_on="12/10/2024", sensitive_notice_on="10/10/2024"
            ),
        )
        person = Person.objects.get(full_name="Lò Văn Nguồn")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            (person.legal_basis, person.consent_on, person.sensitive_notice_on),
            (LegalBasis.CONSENT, date(2024, 10, 12), date(2024, 10, 10)),
        )
        self.assertEqual(person.consent_scope, notice.CONSENT_SCOPE)
        self.assertTrue(Candidacy.objects.filter(person=person).exists())

    def test_a_source_may_be_entered_before_consent_is_recorded(self):
        self.client.force_login(self.u.cell)
        response = self.client.post("/nguon/moi/", self.source_data())
        self.assertEqual(response.status_code, 302)
        person = Person.objects.get(full_name="Lò Văn Nguồn")
        self.assertEqual((person.legal_basis, person.consent_scope), ("", ""))
        page = self.client.get(f"/nguoi/{person.pk}/")
        self.assertContains(page, "Chưa ghi nhận")
        self.assertContains(page, "Chưa thông báo")
        candidacy = Candidacy.objects.get(person=person)
        self.assertContains(page, f'href="/ho-so/{candidacy.pk}/bieu-mau/TB-DLCN.docx"')

    def test_a_member_received_is_proposed_the_partys_rules(self):
        self.client.force_login(self.u.grassroots)
        page = self.client.get("/dang-vien/tiep-nhan/")
        self.assertEqual(page.context["form"]["legal_basis"].value(), LegalBasis.PARTY_RULES)
        page = self.client.get("/nguon/moi/")
        self.assertEqual(page.context["form"]["legal_basis"].value(), LegalBasis.UNRECORDED)

    def test_consent_recorded_later_by_a_correction_is_kept_in_the_history(self):
        person = make_person(self.o.A1, "Hà Thị Sau", date(1999, 1, 1), sex="F")
        self.client.force_login(self.u.cell)
        data = {
            "full_name": person.full_name,
            "birth_date": iso(person.birth_date),
            "sex": "F",
            "ethnicity": person.ethnicity,
            "religion": person.religion,
            "general_education": person.general_education,
            "professional_level": person.professional_level,
            "theory_level": person.theory_level,
            "sector": person.sector,
            "legal_basis": "consent",
            "consent_on": "03/02/2025",
            "sensitive_notice_on": "03/02/2025",
            "reason": "Đã ký thông báo và đồng ý ngày 03/02/2025",
        }
        response = self.client.post(f"/nguoi/{person.pk}/dinh-chinh/", data)
        self.assertEqual(response.status_code, 302)
        person.refresh_from_db()
        self.assertEqual(person.consent_on, date(2025, 2, 3))
        change = PersonChange.objects.get(person=person)
        self.assertEqual(change.changes["legal_basis"], ["—", "Sự đồng ý của người có dữ liệu"])
        self.assertEqual(change.changes["sensitive_notice_on"], ["—", "03/02/2025"])
        page = self.client.get(f"/nguoi/{person.pk}/")
        self.assertContains(page, "Sự đồng ý của người có dữ liệu")
        self.assertContains(page, "Đã thông báo ngày 03/02/2025")
        self.assertContains(page, notice.CONSENT_SCOPE)
        # A notice dated after the consent is refused, the message on its field.
        data |= {"sensitive_notice_on": "04/02/2025", "reason": "Sửa ngày"}
        response = self.client.post(f"/nguoi/{person.pk}/dinh-chinh/", data)
        self.assertEqual(
            response.context["form"].errors["sensitive_notice_on"],
            ["Ngày thông báo dữ liệu nhạy cảm không được sau ngày đồng ý."],
        )

    def test_a_future_date_is_refused(self):
        self.client.force_login(self.u.cell)
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.client.post(
            "/nguon/moi/", self.source_data(sensitive_notice_on=f"{tomorrow:%d/%m/%Y}")
        )
        self.assertEqual(
            response.context["form"].errors["sensitive_notice_on"],
            ["Ngày thông báo dữ liệu nhạy cảm không được sau hôm nay."],
        )


class DossierNoticeTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        person = make_person(cls.o.A1, "Vi Văn Ký", date(2001, 8, 8))
        from ptdv.pipeline import services

        cls.candidacy = services.open_candidacy(person, SOURCE_ON)

    def test_the_application_carries_the_notice_and_the_consent_line(self):
        dossier = build_dossier(self.candidacy)
        text = docx_text(render_document(dossier.find("1-KND")))
        self.assertIn(notice.SUMMARY, text)
        self.assertIn(notice.CONSENT_LINE, text)
        self.assertIn("Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15", text)
        self.assertIn("NGƯỜI LÀM ĐƠN", text)

    def test_the_notice_is_a_form_of_the_dossier(self):
        self.assertEqual(FORMS[-1].slug, "TB-DLCN")
        dossier = build_dossier(self.candidacy)
        document = dossier.find("TB-DLCN")
        self.assertTrue(document.applicable)
        self.assertEqual(document.missing, [])
        text = docx_text(render_document(document))
        self.assertIn(notice.TITLE, text)
        self.assertIn("Vi Văn Ký", text)
        self.assertIn("08/08/2001", text)
        for paragraph in notice.PARAGRAPHS:
            self.assertIn(paragraph, text)
        self.assertIn("NGƯỜI ĐƯỢC THÔNG BÁO", text)
        self.assertIn("Chi ủy chi bộ thôn Đông", text)
        self.assertNotIn("{{", text)
        self.client.force_login(self.u.cell)
        page = self.client.get(f"/ho-so/{self.candidacy.pk}/bieu-mau/")
        self.assertContains(page, "Thông báo về việc xử lý dữ liệu cá nhân nhạy cảm")
        self.assertContains(page, f"/ho-so/{self.candidacy.pk}/bieu-mau/TB-DLCN.docx")
        response = self.client.get(f"/ho-so/{self.candidacy.pk}/bieu-mau/TB-DLCN.docx")
        self.assertEqual(response.status_code, 200)
        self.client.force_login(self.u.outsider)
        response = self.client.get(f"/ho-so/{self.candidacy.pk}/bieu-mau/TB-DLCN.docx")
        self.assertEqual(response.status_code, 404)

    def test_one_text_citing_the_law_marked_unverified(self):
        self.assertFalse(notice.VERIFIED)
        for text in ("91/2025/QH15", "Điều 9", "356/2025/NĐ-CP", "Điều 4"):
            self.assertIn(text, notice.CITATION)
        self.assertIn(notice.SENSITIVE_DATA, notice.SUMMARY)
        self.assertIn(notice.PURPOSE, notice.CONSENT_LINE)
        self.assertLessEqual(
            len(notice.CONSENT_SCOPE), Person._meta.get_field("consent_scope").max_length
        )


class ListFilterTests(WorldTestCase):
    """The list finds the people whose legal basis or notice is still to be recorded."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from ptdv.pipeline import services

        people = {
            "nothing": make_person(cls.o.A1, "Lò Văn Chưa", date(2001, 1, 1)),
            "basis": make_person(
                cls.o.A1, "Lò Văn Cơ Sở", date(2001, 1, 2), legal_basis=LegalBasis.PARTY_RULES
            ),
            "both": make_person(
                cls.o.A1,
                "Lò Văn Đủ",
                date(2001, 1, 3),
                legal_basis=LegalBasis.CONSENT,
                consent_on=date(2024, 1, 5),
                consent_scope="Hồ sơ phát triển đảng viên",
                sensitive_notice_on=date(2024, 1, 5),
            ),
        }
        cls.candidacies = {k: services.open_candidacy(p, SOURCE_ON) for k, p in people.items()}

    def names(self, value: str) -> set[str]:
        self.client.force_login(self.u.cell)
        page = self.client.get("/danh-sach/", {"legal_record": value})
        self.assertEqual(page.status_code, 200)
        shown = {c.person.full_name for c in page.context["page"]}
        return shown & {c.person.full_name for c in self.candidacies.values()}

    def test_filters(self):
        self.assertEqual(self.names("chua-ghi"), {"Lò Văn Chưa"})
        self.assertEqual(self.names("chua-thong-bao"), {"Lò Văn Chưa", "Lò Văn Cơ Sở"})
        self.assertEqual(self.names(""), {"Lò Văn Chưa", "Lò Văn Cơ Sở", "Lò Văn Đủ"})
