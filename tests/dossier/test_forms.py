"""The dossier forms: .docx filled from the record, missing fields marked and listed, the .zip,
scoping, replacement templates, and the PDF link where LibreOffice is missing.

The conversion itself (LibreOffice) is tested in ``test_pdf.py``.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path
from unittest import mock

import docx
from django.test import override_settings

from ptdv.dossier import make_templates
from ptdv.dossier.forms import (
    BLANK,
    FORMS,
    MISSING,
    build_dossier,
    committee_name,
    place_name,
    rule_set_id,
)
from ptdv.dossier.render import (
    DEFAULT_DIR,
    ConversionFailed,
    combine,
    render_document,
    template_path,
)
from ptdv.org.models import Organisation
from ptdv.pipeline import services
from ptdv.rules.rulesets import QD232_2025, QD294_2025
from ptdv.rules.stages import Stage
from tests.base import (
    CEREMONY_ON,
    WorldTestCase,
    advance,
    cccd_for,
    introducers_for,
    new_candidacy,
)

NAME = "Nguyễn Văn An"
LIBREOFFICE_MISSING = "Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .zip."


def docx_text(blob: bytes) -> str:
    """Every paragraph of a .docx, tables included, one per line."""
    document = docx.Document(BytesIO(blob))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def write_docx(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(path)


class DossierTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Under a partial committee: every admission form applies.
        cls.official = new_candidacy(
            cls.world,
            NAME,
            cls.o.AP1,
            occupation="Giáo viên",
            address="Số 5, thôn Đông",
            cccd=cccd_for(date(1998, 5, 20), "M"),
        )
        introducers = introducers_for(cls.world, cls.o.AP1)
        advance(cls.official, Stage.PROBATIONARY, introducers)
        assignment = services.assign_mentor(cls.official, cls.p.member_AP1b, CEREMONY_ON)
        services.file_mentor_report(
            assignment,
            "month",
            date(2025, 5, 1),
            "Gương mẫu, tích cực trong công tác chuyên môn.",
            "good",
            filed_on=date(2025, 6, 2),
        )
        cls.official = advance(cls.official, Stage.OFFICIAL, introducers)
        cls.early = new_candidacy(cls.world, "Trần Thị Bình", cls.o.A1, sex="F")
        cls.early = advance(cls.early, Stage.SYMPATHISER, introducers_for(cls.world, cls.o.A1))

    def url(self, candidacy, tail: str = "") -> str:
        return f"/ho-so/{candidacy.pk}/bieu-mau/{tail}"


class FilledFormsTests(DossierTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Rendered once for the class: the tests only read the dossier and its texts.
        cls.dossier = build_dossier(cls.official)
        cls.texts = {
            (d.spec.slug, d.index): docx_text(render_document(d)) for d in cls.dossier.applicable
        }

    def text(self, slug: str, index: int = 1) -> str:
        return self.texts[(slug, index)]

    def test_every_form_applies_and_opens(self):
        self.assertEqual(
            [(d.spec.slug, d.index) for d in self.dossier.applicable],
            [(f.slug, 1) for f in FORMS[:3]] + [("3-KND", 2)] + [(f.slug, 1) for f in FORMS[3:]],
        )
        for key, text in self.texts.items():
            with self.subTest(form=key):
                self.assertIn(NAME, text)
                self.assertIn("ĐẢNG CỘNG SẢN VIỆT NAM", text)
                self.assertNotIn("{{", text)
                self.assertNotIn("{%", text)
        # The happy path records the partial committee's appraisal without a number: the only
        # value this record lacks. Both forms that print it are formal documents (the appraisal,
        # the grassroots resolution): a dotted line there, listed on the page, no note.
        for document in self.dossier.applicable:
            with self.subTest(form=document.file_name):
                lacks = ["partial_number"] if document.spec.slug in ("7-KND", "8-KND") else []
                self.assertEqual(document.missing, lacks)
                text = self.texts[(document.spec.slug, document.index)]
                self.assertNotIn("(chưa có trong hồ sơ)", text)
        self.assertIn(f"Số {BLANK}", self.text("7-KND"))
        self.assertIn(f"Căn cứ Báo cáo thẩm định số {BLANK} ngày", self.text("8-KND"))

    def test_identity_and_places(self):
        application = self.text("1-KND")
        self.assertIn("Sinh ngày: 20/05/1998", application)
        self.assertIn("Chi ủy chi bộ Trường tiểu học", application)
        self.assertIn("Đảng ủy xã Hòa An", application)
        self.assertIn("Hòa An, ngày 02 tháng 12 năm 2024", application)  # the application paper
        history = self.text("2-KND")
        for value in ("NGUYỄN VĂN AN", "20/05/1998", self.official.person.cccd, "Giáo viên",
                      "Số 5, thôn Đông", "Kinh", "0457/CN", "15/11/2024"):  # fmt: skip
            self.assertIn(value, history)

    def test_introducers_letters_one_per_introducer(self):
        first, second = self.text("3-KND", 1), self.text("3-KND", 2)
        self.assertIn("Tôi là: Bùi Thị Giáo, sinh ngày 08/08/1978.", first)
        self.assertIn("Tôi là: Bùi Văn Hiệu", second)
        self.assertIn("trong thời gian 36 tháng", first)
        self.assertIn("CHI BỘ TRƯỜNG TIỂU HỌC", first)
        self.assertIn("ĐẢNG BỘ BỘ PHẬN TRƯỜNG HỌC", first)

    def test_cell_resolution_carries_number_date_and_votes(self):
        text = self.text("6-KND")
        self.assertIn("Số 05-NQ/CB", text)
        self.assertIn("Hòa An, ngày 10 tháng 02 năm 2025", text)
        self.assertIn("Ngày 10/02/2025, Chi bộ Trường tiểu học đã họp", text)
        self.assertIn(
            "Tổng số đảng viên chính thức của chi bộ: 9 đồng chí; có mặt: 8 đồng chí", text
        )
        self.assertIn("tán thành việc kết nạp: 7 đồng chí, đạt 77,8%", text)
        self.assertIn("không tán thành: 1 đồng chí", text)
        self.assertIn("Bùi Thị Giáo, Bùi Văn Hiệu", text)
        self.assertIn("kết luận thẩm tra: đạt", text)
        self.assertIn("Chi bộ đề nghị Đảng ủy bộ phận Trường học xem xét", text)
        self.assertIn("T/M CHI BỘ", text)
        self.assertIn("BÍ THƯ", text)
        self.assertIn("QĐ 232-QĐ/TW ngày 20/01/2025", text)  # the rule set of 10/02/2025

    def test_committees_and_decisions(self):
        partial = self.text("7-KND")
        self.assertIn("ĐẢNG ỦY BỘ PHẬN TRƯỜNG HỌC", partial)
        self.assertIn("Kính gửi: Đảng ủy xã Hòa An.", partial)
        grassroots = self.text("8-KND")
        self.assertIn("Số 31-NQ/ĐU", grassroots)
        self.assertIn("ĐẢNG ỦY XÃ HÒA AN", grassroots)
        self.assertIn("ĐẢNG BỘ HUYỆN NÚI XANH", grassroots)
        self.assertIn("Đề nghị Huyện ủy Núi Xanh xem xét", grassroots)
        decision = self.text("9-KND")
        self.assertIn("Số 210-QĐ/HU", decision)
        self.assertIn("Núi Xanh, ngày 20 tháng 03 năm 2025", decision)
        self.assertIn("HUYỆN ỦY NÚI XANH", decision)
        self.assertIn("ĐẢNG BỘ TỈNH THỬ NGHIỆM", decision)
        self.assertIn("Nghị quyết số 31-NQ/ĐU ngày 20/02/2025", decision)
        self.assertIn("T/M BAN THƯỜNG VỤ", decision)

    def test_recognition_forms(self):
        self.assertIn("Được kết nạp vào Đảng ngày 10/04/2025", self.text("10-KND"))
        mentor = self.text("11-KND")
        self.assertIn("Tôi là: Bùi Văn Hiệu", mentor)
        self.assertIn("Tháng 05/2025: Tiến bộ tốt. Gương mẫu, tích cực", mentor)
        resolution = self.text("13-KND")
        self.assertIn("Số 09-NQ/CB", resolution)
        self.assertIn("Ngày 20/04/2026", resolution)
        self.assertIn("kể từ ngày 10/04/2026", resolution)
        decision = self.text("QD-CNCT")
        self.assertIn("Số 388-QĐ/HU", decision)
        self.assertIn("Núi Xanh, ngày 15 tháng 07 năm 2026", decision)
        self.assertIn("là đảng viên chính thức kể từ ngày 10/04/2026", decision)
        self.assertIn("Quyết định số 210-QĐ/HU ngày 20/03/2025", decision)

    def test_file_names_are_numbered_ascii(self):
        names = [d.file_name for d in self.dossier.applicable]
        self.assertEqual(names[0], "01-1-KND-don-xin-vao-Dang.docx")
        self.assertEqual(names[2], "03-3-KND-giay-gioi-thieu-nguoi-vao-Dang-1.docx")
        self.assertEqual(names[3], "04-3-KND-giay-gioi-thieu-nguoi-vao-Dang-2.docx")
        self.assertTrue(all(n.isascii() for n in names))
        self.assertEqual(len(set(names)), len(names))


class MissingFieldsTests(DossierTestCase):
    def test_missing_values_are_marked_in_the_form_and_listed(self):
        dossier = build_dossier(self.early)
        resolution = dossier.find("6-KND")
        for key in ("cell_resolution_number", "cell_resolution_date", "cell_official_members",
                    "cell_in_favour", "introducer_names", "verification_result"):  # fmt: skip
            self.assertIn(key, resolution.missing)
        self.assertIn("person_name", dossier.find("1-KND").spec.fields)
        self.assertNotIn("person_name", dossier.find("1-KND").missing)
        self.assertIn("occupation", dossier.find("1-KND").missing)
        text = docx_text(render_document(resolution))
        # A resolution is a formal document: dotted lines, as on the paper form, no note.
        self.assertIn(f"Số {BLANK}", text)
        self.assertIn(f"chi bộ: {BLANK}", text)
        self.assertNotIn("(chưa có trong hồ sơ)", text)
        self.assertIn("Trần Thị Bình", text)
        decision = docx_text(render_document(dossier.find("9-KND")))
        self.assertNotIn("(chưa có trong hồ sơ)", decision)
        self.assertIn(f"Số {BLANK}", decision)
        self.assertIn("ngày …… tháng …… năm ……", decision)
        # A working paper still marks what the record lacks, for whoever completes it.
        application = docx_text(render_document(dossier.find("1-KND")))
        self.assertIn(f"Nghề nghiệp, chức vụ: {MISSING}", application)

    def test_no_introducer_yet_gives_one_blank_letter(self):
        dossier = build_dossier(self.early)
        letters = [d for d in dossier.documents if d.spec.slug == "3-KND"]
        self.assertEqual(len(letters), 1)
        self.assertIn("introducer_name", letters[0].missing)

    def test_route_and_phase_decide_what_applies(self):
        dossier = build_dossier(self.early)  # A1: no partial committee, not yet admitted
        slugs = [d.spec.slug for d in dossier.applicable]
        self.assertEqual(
            slugs, ["1-KND", "2-KND", "3-KND", "5-KND", "6-KND", "8-KND", "9-KND", "TB-DLCN"]
        )  # TB-DLCN: the notice of sensitive personal data (ptdv/dossier/notice.py)
        self.assertIn("đảng bộ bộ phận", dossier.find("7-KND").reason)
        self.assertIn("lễ kết nạp", dossier.find("13-KND").reason)
        school = self.candidacy("Lê Văn Cường", self.o.G)
        self.assertFalse(build_dossier(school).find("8-KND").applicable)  # chi bộ cơ sở

    def test_page_lists_forms_missing_fields_and_checklist(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(self.early))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Biểu mẫu hồ sơ")
        self.assertContains(response, "01-1-KND-don-xin-vao-Dang.docx")
        self.assertContains(response, f'href="{self.url(self.early, "6-KND.docx")}"')
        self.assertContains(response, "Số nghị quyết của chi bộ đề nghị kết nạp")
        self.assertContains(response, "Nghề nghiệp, chức vụ")
        # The checklist's missing papers.
        self.assertContains(response, "Còn thiếu")
        self.assertContains(response, "Đơn xin vào Đảng")
        self.assertContains(response, "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng")
        # What does not apply, and why.
        self.assertContains(response, "Không áp dụng: chi bộ không thuộc đảng bộ bộ phận.")
        self.assertContains(response, self.url(self.early, "ho-so.zip"))

    def test_candidacy_page_links_to_the_forms(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(f"/ho-so/{self.early.pk}/")
        self.assertContains(response, f'href="{self.url(self.early)}"')


class DownloadTests(DossierTestCase):
    def test_one_form(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url(self.official, "9-KND.docx"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        self.assertIn('filename="09-9-KND-quyet-dinh-ket-nap-dang-vien.docx"', response["Content-Disposition"])  # fmt: skip
        self.assertIn("210-QĐ/HU", docx_text(response.content))

    def test_the_second_introducers_letter(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url(self.official, "3-KND.docx") + "?so=2")
        self.assertIn("Bùi Văn Hiệu", docx_text(response.content))
        for bad in ("9", "x"):
            response = self.client.get(self.url(self.official, "3-KND.docx") + f"?so={bad}")
            self.assertEqual(response.status_code, 404)

    def test_zip_holds_every_applicable_form(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get(self.url(self.official, "ho-so.zip"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn('filename="ho-so-nguyen-van-an.zip"', response["Content-Disposition"])
        expected = [d.file_name for d in build_dossier(self.official).applicable]
        with zipfile.ZipFile(BytesIO(response.content)) as archive:
            self.assertEqual(archive.namelist(), expected)
            self.assertEqual(len(expected), len(FORMS) + 1)  # two introducers' letters
            for name in expected:
                self.assertIn(NAME, docx_text(archive.read(name)))

    def test_outsiders_get_404_and_the_viewer_reads_the_list_only(self):
        urls = [self.url(self.official, tail) for tail in ("", "1-KND.docx", "ho-so.zip", "ho-so.pdf", "ho-so-pdf/", "ho-so-pdf/tien-do/", "ho-so-pdf/tai-ve/")]  # fmt: skip
        self.client.force_login(self.u.outsider)
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        # The filled forms carry the whole CCCD, ethnicity, religion and the verification's
        # conclusion: the viewer reads the list, not the papers (people/sensitive.py).
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.client.get(urls[0]).status_code, 200)
        self.assertNotContains(self.client.get(urls[0]), "1-KND.docx")
        for url in urls[1:]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, "chỉ chi bộ, cán bộ tổ chức", status_code=403)
                self.assertNotIn("attachment", response.get("Content-Disposition", ""))
        self.client.logout()
        self.assertEqual(self.client.get(urls[0]).status_code, 302)

    def test_pdf_without_libreoffice_is_a_clear_503(self):
        self.client.force_login(self.u.grassroots)
        with mock.patch("ptdv.dossier.render.soffice", return_value=None):
            response = self.client.get(self.url(self.official, "ho-so.pdf"))
            self.assertEqual(response.status_code, 503)
            self.assertContains(response, LIBREOFFICE_MISSING, status_code=503)
            self.assertContains(response, self.url(self.official, "ho-so.zip"), status_code=503)
        with mock.patch("ptdv.web.views.dossier.soffice", return_value=None):
            page = self.client.get(self.url(self.official))
            self.assertContains(page, LIBREOFFICE_MISSING)
            self.assertNotContains(page, self.url(self.official, "ho-so.pdf"))
            self.assertNotContains(page, self.url(self.official, "ho-so-pdf/"))
            for response in (
                self.client.get(self.url(self.official, "ho-so-pdf/")),
                self.client.post(self.url(self.official, "ho-so-pdf/")),
            ):
                self.assertContains(response, LIBREOFFICE_MISSING, status_code=503)

    def test_a_failed_conversion_is_a_503_too(self):
        self.client.force_login(self.u.grassroots)
        with (
            mock.patch("ptdv.dossier.render.soffice", return_value="/usr/bin/soffice"),
            mock.patch("ptdv.dossier.render.convert", side_effect=ConversionFailed("timeout")),
        ):
            response = self.client.get(self.url(self.official, "ho-so.pdf"))
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "LibreOffice chưa xuất được PDF", status_code=503)


class ReplacementTemplateTests(DossierTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="ptdv-mau-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def test_a_file_in_the_folder_replaces_the_default(self):
        write_docx(self.folder / "1-KND.docx", "MẪU CỦA TỈNH: {{ person_name }}, {{ birth_date }}")
        with override_settings(PTDV_DOSSIER_TEMPLATE_DIR=str(self.folder)):
            document = build_dossier(self.official).find("1-KND")
            self.assertEqual(
                template_path("1-KND", document.rule_set_id), self.folder / "1-KND.docx"
            )
            text = docx_text(render_document(document))
            # The other forms keep the default.
            self.assertEqual(template_path("6-KND", "QD232_2025"), DEFAULT_DIR / "6-KND.docx")
        self.assertEqual(text.strip(), f"MẪU CỦA TỈNH: {NAME}, 20/05/1998")

    def test_the_rule_sets_folder_wins_over_the_flat_folder(self):
        write_docx(self.folder / "9-KND.docx", "MẪU CHUNG {{ decision_number }}")
        write_docx(self.folder / "QD232_2025" / "9-KND.docx", "MẪU 2025 {{ decision_number }}")
        write_docx(
            self.folder / "QD294_2025" / "13-KND.docx", "MẪU 7-2025 {{ recognition_number }}"
        )
        self.assertEqual(rule_set_id(QD232_2025), "QD232_2025")
        self.assertEqual(rule_set_id(QD294_2025), "QD294_2025")
        with override_settings(PTDV_DOSSIER_TEMPLATE_DIR=str(self.folder)):
            dossier = build_dossier(self.official)
            decision = dossier.find("9-KND")  # 20/03/2025: QĐ 232
            self.assertEqual(decision.rule_set_id, "QD232_2025")
            self.assertEqual(docx_text(render_document(decision)).strip(), "MẪU 2025 210-QĐ/HU")
            self.client.force_login(self.u.grassroots)
            response = self.client.get(self.url(self.official, "13-KND.docx"))  # 20/04/2026
            self.assertEqual(docx_text(response.content).strip(), "MẪU 7-2025 09-NQ/CB")

    def test_unknown_names_print_a_blank_and_broken_templates_a_message(self):
        write_docx(self.folder / "5-KND.docx", "{{ person_name }} {{ ten_khong_co }}.")
        write_docx(self.folder / "6-KND.docx", "{{ person_name ")
        with override_settings(PTDV_DOSSIER_TEMPLATE_DIR=str(self.folder)):
            document = build_dossier(self.official).find("5-KND")
            self.assertEqual(docx_text(render_document(document)).strip(), f"{NAME} …………….")
            self.client.force_login(self.u.grassroots)
            with self.assertLogs("ptdv.dossier.render", "ERROR"):
                response = self.client.get(self.url(self.official, "6-KND.docx"))
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Mẫu biểu 6-KND.docx không dùng được", status_code=500)

    def test_values_are_escaped(self):
        self.official.person.occupation = "Kỹ sư <R&D>"
        document = build_dossier(self.official).find("9-KND")
        self.assertIn("nghề nghiệp: Kỹ sư <R&D>;", docx_text(render_document(document)))


class TemplateSourceTests(DossierTestCase):
    def test_every_form_has_a_committed_default_made_by_the_script(self):
        self.assertEqual(list(make_templates.TEMPLATES), [f.slug for f in FORMS])
        for spec in FORMS:
            with self.subTest(form=spec.slug):
                committed = (DEFAULT_DIR / f"{spec.slug}.docx").read_bytes()
                self.assertEqual(
                    committed,
                    make_templates.build(spec.slug),
                    "Run: python -m ptdv.dossier.make_templates",
                )

    def test_combined_document_starts_each_form_on_a_new_section(self):
        dossier = build_dossier(self.official)
        docs = dossier.applicable[:3]
        combined = docx.Document(BytesIO(combine([render_document(d) for d in docs])))
        self.assertEqual(len(combined.sections), 3)
        text = "\n".join(p.text for p in combined.paragraphs)
        self.assertIn("ĐƠN XIN VÀO ĐẢNG", text)
        self.assertIn("LÝ LỊCH CỦA NGƯỜI XIN VÀO ĐẢNG", text)
        self.assertIn("GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG", text)


class NamesTests(WorldTestCase):
    def test_committee_names(self):
        self.assertEqual(committee_name(self.o.A), "Đảng ủy xã Hòa An")
        self.assertEqual(committee_name(self.o.D), "Huyện ủy Núi Xanh")
        self.assertEqual(committee_name(self.o.P), "Tỉnh ủy Thử Nghiệm")
        self.assertEqual(committee_name(self.o.AP), "Đảng ủy bộ phận Trường học")
        self.assertEqual(committee_name(self.o.A1), "Chi ủy chi bộ thôn Đông")
        self.assertIsNone(committee_name(None))
        self.assertEqual(committee_name(Organisation(name="Ban Cán sự")), "Cấp ủy Ban Cán sự")

    def test_place_names(self):
        self.assertEqual(place_name([self.o.A1, self.o.A, self.o.D]), "Hòa An")
        self.assertEqual(place_name([self.o.G, self.o.D]), "Núi Xanh")
        self.assertEqual(place_name([Organisation(name="Đảng bộ Khối các cơ quan tỉnh")]), None)
        self.assertEqual(place_name([Organisation(name="Đảng bộ phường Tân Định")]), "Tân Định")
        self.assertEqual(place_name([Organisation(name="Đảng bộ thị trấn Mộc Châu")]), "Mộc Châu")
