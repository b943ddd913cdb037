"""The composition's categories as the seeds define them.

- Seed 003 (Tuần Giáo): "kết nạp được 470 đảng viên, trong đó có 426 đảng viên là đoàn viên thanh
  niên …; 247 đảng viên là người tại chỗ" — the status of the person when admitted, not today's
  (a Youth Union member ages out at 30: Điều lệ Đoàn TNCS Hồ Chí Minh, Điều 1). The ceremony's
  record (``Event.data``) counts; without it, the person's record of today, and the report says
  how many were read so.
- Seed 000 (Đắk Nông): "trên 90 đảng viên trình độ công nhân kỹ thuật, nhân viên nghiệp vụ" — one
  professional level, named so in the records and in the report.
"""

from __future__ import annotations

from datetime import date

from django.test import TestCase
from django.utils import translation

from ptdv.org.models import OrgKind
from ptdv.people.choices import ProfessionalLevel
from ptdv.reports import composition
from ptdv.reports.figures import drill
from ptdv.rules.stages import Step
from tests.reports.factories import Dataset, Tree, path, report

DAY = date(2017, 6, 1)
TODAY = date(2025, 1, 1)


def ceremony_recording(status: dict) -> list:
    """The happy path to a ceremony on DAY whose record holds ``status``."""
    events = path(Step.CEREMONY, (Step.CEREMONY, DAY))
    events[-1].data.update(status)
    return events


class StatusOnTheAdmissionDayTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        cls.root = tree.root("Đảng bộ huyện Thử", OrgKind.DISTRICT)
        commune = tree.child(cls.root, "Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        cell = tree.child(commune, "Chi bộ bản Một", OrgKind.CELL)
        tree.save()
        ds = Dataset()
        plans = {
            # A Youth Union member and local when admitted, neither today (aged out, moved).
            "was": ({"youth_union_member": True, "local_resident": True}, False),
            # Neither when admitted, both today.
            "became": ({"youth_union_member": False, "local_resident": False}, True),
            # Not recorded by the ceremony: today's record counts (both).
            "unrecorded": ({}, True),
        }
        for name, (status, today) in plans.items():
            person = ds.person(
                cell,
                full_name=f"Người {name}",
                youth_union_member=today,
                local_resident=today,
            )
            ds.candidacy(person, ceremony_recording(status))
        ds.save()

    def build(self, kind="new_members"):
        return report(kind, self.root, start=DAY, end=DAY, today=TODAY)

    def test_the_status_recorded_at_the_ceremony_counts(self):
        rep = self.build()
        self.assertEqual(rep.figure("admitted"), 3)
        self.assertEqual(rep.figure("youth_union"), 2)  # "was" and "unrecorded"
        self.assertEqual(rep.figure("local_resident"), 2)
        for code in ("youth_union", "local_resident"):
            listed = drill("new_members", self.root, code, start=DAY, end=DAY, today=TODAY)
            self.assertEqual(
                sorted(listed.queryset.values_list("full_name", flat=True)),
                ["Người Unrecorded", "Người Was"],
            )

    def test_the_report_says_how_many_were_read_from_todays_record(self):
        with translation.override("vi"):
            rep = self.build()
        self.assertIn(
            "Đoàn viên thanh niên, người tại chỗ: theo hồ sơ tại lễ kết nạp; 1/3 người có lễ kết "
            "nạp chưa ghi nhận nên tính theo hồ sơ hiện nay.",
            rep.notes,
        )

    def test_the_units_table_counts_the_same(self):
        rep = self.build()
        total = next(r for r in rep.tables[1].rows if r.total)
        by_code = {c.drill: c.value for c in total.cells}
        self.assertEqual((by_code["youth_union"], by_code["local_resident"]), (2, 2))


class TechnicalWorkerTests(TestCase):
    def test_the_level_is_named_as_the_seed_names_it(self):
        with translation.override("vi"):
            self.assertEqual(
                str(ProfessionalLevel.TECHNICAL_WORKER.label),
                "Công nhân kỹ thuật, nhân viên nghiệp vụ",
            )
            self.assertEqual(
                str(composition.BY_CODE["technical_worker"].label),
                "Công nhân kỹ thuật, nhân viên nghiệp vụ",
            )

    def test_the_report_counts_the_level(self):
        tree = Tree()
        root = tree.root("Đảng bộ xã Thử", OrgKind.GRASSROOTS_COMMITTEE)
        cell = tree.child(root, "Chi bộ thôn Một", OrgKind.CELL)
        tree.save()
        ds = Dataset()
        for level in ("technical_worker", "technical_worker", "university", "none"):
            person = ds.person(cell, professional_level=level)
            ds.candidacy(person, path(Step.CEREMONY, (Step.CEREMONY, DAY)))
        ds.save()
        rep = report("new_members", root, start=DAY, end=DAY, today=TODAY)
        self.assertEqual(rep.figure("technical_worker"), 2)
        row = next(r for t in rep.tables for r in t.rows if r.cells[0].drill == "technical_worker")
        self.assertEqual(row.label, "Công nhân kỹ thuật, nhân viên nghiệp vụ")
