"""Every report page stays under 1 MB whatever the subtree: a merged province with hundreds of
units directly under it, each with a member, made every units table and every units chart one
row (or bar) per unit, and the members' page alone weighed well over a megabyte."""

from __future__ import annotations

from datetime import date
from unittest import mock

import time_machine
from django.test import TestCase

from ptdv.accounts.models import Role
from ptdv.members.spells import rebuild as rebuild_spells
from ptdv.org.models import OrgKind
from ptdv.people.models import Person
from ptdv.web.views import report_display
from ptdv.web.views.report_form import PAGES
from tests.base import Client, make_user
from tests.reports.factories import Dataset, Tree

TODAY = date(2026, 3, 1)
UNITS = 320
LIMIT = 1_000_000
#: The parameters of each page: the last full year (snapshots on its last day).
DATES = {
    "period": "tu_ngay=2025-01-01&den_ngay=2025-12-31",
    "snapshot": "ngay=2025-12-31",
    "snapshot_since": "tu_ngay=2025-01-01&ngay=2025-12-31",
}


@time_machine.travel(TODAY, tick=False)
class ReportSizeTests(TestCase):
    client_class = Client

    @classmethod
    def setUpTestData(cls):
        tree = Tree()
        cls.province = tree.root("Đảng bộ tỉnh Hợp Nhất", OrgKind.PROVINCE)
        cells = [
            tree.child(cls.province, f"Chi bộ cơ sở xã số {i + 1:03d}", OrgKind.GRASSROOTS_CELL)
            for i in range(UNITS)
        ]
        tree.save()
        data = Dataset()
        for i, cell in enumerate(cells):
            # Every composition figure of the unit non-zero: every cell of its row a link.
            data.person(
                cell,
                sex="F",
                birth_date=date(2000, 1, 1),
                admitted_on=date(2020, 5, 1 + i % 28),
                official_on=date(2021, 5, 1),
                youth_union_member=True,
                ethnicity="02",
                religion="buddhism",
                local_resident=True,
                sector="private_enterprise",
                professional_level="university",
            )
        data.save()
        rebuild_spells(Person.objects.values_list("pk", flat=True))
        cls.user = make_user("tinh_hop_nhat", cls.province, Role.COMMITTEE)

    def _sizes(self) -> dict[str, int]:
        sizes = {}
        for page in PAGES:
            response = self.client.get(
                f"/bao-cao/{page.slug}/?to_chuc={self.province.pk}&{DATES[page.dates]}"
            )
            self.assertEqual(response.status_code, 200, page.kind)
            sizes[page.kind] = len(response.content)
        return sizes

    def test_every_report_page_stays_under_one_megabyte(self):
        self.client.force_login(self.user)
        with (
            mock.patch.object(report_display, "PAGE_ROWS", 10**6),
            mock.patch.object(report_display, "CHART_BARS", 10**6),
        ):
            unbounded = self._sizes()
        self.assertGreater(unbounded["members"], LIMIT, unbounded)
        bounded = self._sizes()  # the members' page from its stored result now
        for kind, size in bounded.items():
            with self.subTest(kind=kind):
                self.assertLessEqual(size, LIMIT, bounded)
        # The units table shows a page of units; the next page lists the next ones.
        response = self.client.get(
            f"/bao-cao/dang-vien/?to_chuc={self.province.pk}&ngay=2025-12-31&page=2"
        )
        self.assertContains(response, "Chi bộ cơ sở xã số 051</a></th>")
        self.assertNotContains(response, "Chi bộ cơ sở xã số 050</a></th>")
