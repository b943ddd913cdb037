"""Labels defined in Python are marked for translation and still read the same in Vietnamese.

- Django code wraps its labels with ``gettext_lazy`` / ``gettext``; with the "vi" locale they
  render byte-identical to the former plain strings, and no migration follows from the change.
- ``ptdv.rules`` stays pure Python: its label tables are marked with a no-op ``gettext_noop``
  (extracted by ``makemessages``) and keep plain ``str`` values (used in f-strings and JSON).
"""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from ptdv.accounts.models import Role, User
from ptdv.org.models import Coverage, Organisation, OrgKind
from ptdv.org.scope import admin_site
from ptdv.people.choices import (
    GeneralEducation,
    ProfessionalLevel,
    Religion,
    Sector,
    Sex,
    TheoryLevel,
)
from ptdv.people.models import MemberStatus, Person
from ptdv.people.validators import check_cccd_matches, validate_cccd
from ptdv.pipeline.models import (
    Assessment,
    Candidacy,
    Event,
    MentorAssignment,
    StageChoices,
    StepChoices,
)
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.facts import PAPER_LABELS, VERIFICATION_RESULTS, VERIFICATION_SUBJECTS
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.stages import STAGE_LABELS, STEP_LABELS, Stage, Step
from tests.base import WorldTestCase

ROOT = Path(__file__).resolve().parent.parent


class DjangoLabelTests(SimpleTestCase):
    def test_choice_labels_are_lazy_and_unchanged_in_vietnamese(self):
        self.assertIsInstance(MemberStatus.OFFICIAL.label, Promise)
        with translation.override("vi"):
            self.assertEqual(str(MemberStatus.OFFICIAL.label), "Đảng viên chính thức")
            self.assertEqual(str(MemberStatus.NONE.label), "Chưa là đảng viên")
            self.assertEqual(str(Role.CELL.label), "Bí thư / chi ủy chi bộ")
            # Labels whose msgid has another meaning elsewhere carry a context (pgettext).
            self.assertEqual(str(Role.ADMIN.label), "Quản trị")
            self.assertEqual(str(Religion.NONE.label), "Không")
            self.assertEqual(str(ProfessionalLevel.VOCATIONAL.label), "Trung cấp")
            self.assertEqual(str(TheoryLevel.INTERMEDIATE.label), "Trung cấp")
            self.assertEqual(str(OrgKind.GRASSROOTS_CELL.label), "Chi bộ cơ sở")
            self.assertEqual(str(Coverage.MERGED_CELL.label), "Sinh hoạt chi bộ ghép")
            self.assertEqual(str(Sex.FEMALE.label), "Nữ")
            self.assertEqual(str(GeneralEducation.UPPER_SECONDARY.label), "Trung học phổ thông")
            self.assertEqual(str(Sector.STUDENT.label), "Học sinh, sinh viên")
            self.assertEqual(str(Assessment.CONCERN.label), "Có vấn đề cần xem xét")
            self.assertEqual(
                dict(MemberStatus.choices)["probationary"], "Đảng viên dự bị"
            )  # lazy == str

    def test_model_names_fields_and_help_texts_are_unchanged_in_vietnamese(self):
        self.assertIsInstance(Person._meta.verbose_name, Promise)
        with translation.override("vi"):
            self.assertEqual(str(Person._meta.verbose_name), "người")
            self.assertEqual(str(Candidacy._meta.verbose_name), "hồ sơ phát triển đảng viên")
            self.assertEqual(str(Event._meta.verbose_name_plural), "các bước")
            self.assertEqual(str(Organisation._meta.verbose_name), "tổ chức đảng")
            self.assertEqual(str(User._meta.verbose_name), "người dùng")
            self.assertEqual(str(Person._meta.get_field("full_name").verbose_name), "họ và tên")
            self.assertEqual(
                str(Person._meta.get_field("cccd").help_text), "Số định danh cá nhân, 12 chữ số."
            )
            self.assertEqual(
                str(Organisation._meta.get_field("competent_committee").verbose_name),
                "cấp ủy có thẩm quyền kết nạp",
            )
            self.assertEqual(str(User._meta.get_field("role").verbose_name), "vai trò")

    def test_pipeline_choices_take_their_labels_from_the_rules(self):
        with translation.override("vi"):
            for stage in Stage:
                self.assertEqual(str(StageChoices(stage.value).label), STAGE_LABELS[stage])
            for step in Step:
                self.assertEqual(str(StepChoices(step.value).label), STEP_LABELS[step])
            event = Event(step=Step.CEREMONY)
            self.assertEqual(str(event.get_step_display()), "Tổ chức lễ kết nạp")

    def test_model_str_is_unchanged(self):
        person = Person(full_name="Nguyễn Văn An")
        mentor = Person(full_name="Trần Thị Bình")
        candidacy = Candidacy(person=person, attempt=2)
        with translation.override("vi"):
            self.assertEqual(str(candidacy), "Nguyễn Văn An (lần 2)")
            self.assertEqual(
                str(MentorAssignment(candidacy=candidacy, mentor=mentor)),
                "Trần Thị Bình giúp đỡ Nguyễn Văn An",
            )

    def test_validation_messages_are_unchanged_in_vietnamese(self):
        with translation.override("vi"):
            with self.assertRaises(ValidationError) as raised:
                validate_cccd("12345")
            self.assertEqual(raised.exception.messages, ["Số CCCD phải gồm đúng 12 chữ số."])
            with self.assertRaises(ValidationError) as raised:
                validate_cccd("999098001234")
            self.assertEqual(
                raised.exception.messages,
                ["Ba chữ số đầu của số CCCD (999) không phải mã tỉnh hợp lệ."],
            )
            # 001 (Hà Nội), 0 = man born in the 20th century, 98 = 1998.
            self.assertEqual(
                check_cccd_matches("001098001234", None, "F"),
                ["Chữ số thứ 4 của số CCCD không khớp với giới tính."],
            )

    def test_admin_site_titles_are_unchanged_in_vietnamese(self):
        with translation.override("vi"):
            self.assertEqual(str(admin_site.site_header), "ptdv — Quản trị")
            self.assertEqual(str(admin_site.index_title), "Quản trị dữ liệu")


class RulesLabelTests(SimpleTestCase):
    TABLES = {
        "STEP_LABELS": STEP_LABELS,
        "STAGE_LABELS": STAGE_LABELS,
        "PAPER_LABELS": PAPER_LABELS,
        "VERIFICATION_SUBJECTS": VERIFICATION_SUBJECTS,
        "VERIFICATION_RESULTS": VERIFICATION_RESULTS,
        "DEADLINE_LABELS": DEADLINE_LABELS,
    }

    def test_label_tables_hold_plain_strings(self):
        for name, table in self.TABLES.items():
            with self.subTest(table=name):
                self.assertTrue(all(type(v) is str for v in table.values()))
                json.dumps({str(k): v for k, v in table.items()}, ensure_ascii=False)
        self.assertEqual(STEP_LABELS[Step.SOURCE], "Xác định nguồn")
        self.assertEqual(STAGE_LABELS[Stage.OFFICIAL], "Đảng viên chính thức")
        self.assertEqual(DEADLINE_LABELS["ceremony_due"], "Lễ kết nạp")
        self.assertEqual(gettext_noop("Nguồn"), "Nguồn")

    def test_the_tables_mark_every_label_for_extraction(self):
        """Each literal of the tables is wrapped in gettext_noop (what makemessages extracts)."""
        for path, count in (
            ("ptdv/rules/stages.py", len(STEP_LABELS) + len(STAGE_LABELS)),
            (
                "ptdv/rules/facts.py",
                len(PAPER_LABELS) + len(VERIFICATION_SUBJECTS) + len(VERIFICATION_RESULTS),
            ),
        ):
            with self.subTest(path=path):
                self.assertGreaterEqual(
                    (ROOT / path).read_text(encoding="utf-8").count("gettext_noop("), count
                )

    def test_gettext_at_display_time_keeps_the_vietnamese_label(self):
        with translation.override("vi"):
            for label in STAGE_LABELS.values():
                self.assertEqual(translation.gettext(label), label)

    def test_rules_package_imports_no_django_module(self):
        code = (
            "import ptdv.rules.stages, ptdv.rules.checks, ptdv.rules.facts, ptdv.rules.i18n, sys; "
            "bad = sorted(m for m in sys.modules if m.startswith('django')); "
            "assert not bad, bad"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        self.assertEqual(result.returncode, 0, result.stderr)


class MigrationTests(TestCase):
    def test_lazy_labels_need_no_migration(self):
        out = StringIO()
        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
        except SystemExit:  # pragma: no cover - the failure message
            self.fail(f"makemigrations --check found changes:\n{out.getvalue()}")


class AuditPageTests(WorldTestCase):
    def test_audit_page_renders_its_vietnamese_labels(self):
        self.client.force_login(self.u.committee)
        with translation.override("vi"):
            response = self.client.get(reverse("audit"))
        self.assertEqual(response.status_code, 200)
        for text in (
            "Nhật ký thay đổi",
            "Thời điểm",
            "Người thực hiện",
            "Thao tác",
            "Loại bản ghi",
        ):
            self.assertContains(response, text)
