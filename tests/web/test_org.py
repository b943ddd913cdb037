"""Tổ chức: the subtree with counts per unit, places and their coverage, scoping, query counts."""

from __future__ import annotations

from datetime import date, timedelta

from ptdv.org.models import Organisation, OrgKind, Place, PlaceKind
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, cccd_for, populate


def rows_by_name(response) -> dict[str, dict]:
    return {r["org"].name: r for r in response.context["children"]}


def coverage(response) -> dict[str, int]:
    return {c["code"]: c["count"] for c in response.context["coverage"]}


class OrgTreeTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)  # one open candidacy per cell

    def test_the_tree_starts_at_the_users_organisation_with_counts_per_child(self):
        self.client.force_login(self.u.committee)  # Huyện Núi Xanh
        response = self.client.get("/to-chuc/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>Đảng bộ huyện Núi Xanh</h1>", html=True)
        rows = rows_by_name(response)
        self.assertEqual(
            list(rows), ["Đảng bộ xã Hòa An", "Đảng bộ xã Bình Minh", "Chi bộ Trường THPT Núi Xanh"]
        )
        # Members: official and probationary people of the subtree (Hòa An: 8 official + 1 probationary).
        self.assertEqual([(r["members"], r["candidates"], r["cells"]) for r in rows.values()],
                         [(9, 3, 3), (2, 1, 1), (2, 1, 1)])  # fmt: skip
        self.assertEqual(response.context["totals"]["members"], 13)
        self.assertEqual(response.context["totals"]["candidates"], 5)
        self.assertNotContains(response, "Sông Dài")
        self.assertNotContains(response, "Phú Lộc")
        # Each child is a page, expanded in place with htmx.
        a = self.o.A
        self.assertContains(response, f'href="/to-chuc/{a.pk}/"')
        self.assertContains(response, f'hx-get="/to-chuc/{a.pk}/" hx-target="#sub-{a.pk}"')
        self.assertContains(response, "9 đảng viên")
        self.assertContains(response, "3 người đang phát triển")

    def test_a_unit_page_has_breadcrumbs_to_the_users_top_and_its_places(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/to-chuc/{self.o.AP.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([o.name for o in response.context["breadcrumbs"]],
                         ["Đảng bộ huyện Núi Xanh", "Đảng bộ xã Hòa An", "Đảng bộ bộ phận Trường học"])  # fmt: skip
        self.assertContains(
            response, f'<a href="/to-chuc/{self.o.D.pk}/">Đảng bộ huyện Núi Xanh</a>'
        )
        self.assertNotContains(response, "Đảng bộ tỉnh Thử Nghiệm")  # never above the user's top
        self.assertEqual(list(rows_by_name(response)), ["Chi bộ Trường tiểu học"])
        response = self.client.get(f"/to-chuc/{self.o.A.pk}/")
        self.assertEqual(
            [p.name for p in response.context["places_page"].object_list], ["Thôn Đông", "Thôn Tây"]
        )
        self.assertEqual(coverage(response), {"own": 2, "merged": 0, "none": 0})
        self.assertContains(response, "Có chi bộ riêng")

    def test_coverage_own_merged_and_none(self):
        Place.objects.create(
            name="Thôn Đông Hai", kind=PlaceKind.VILLAGE, organisation=self.o.A, cell=self.o.A1
        )
        Place.objects.create(name="Bản Xa", kind=PlaceKind.VILLAGE, organisation=self.o.A)
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/to-chuc/")
        self.assertEqual(coverage(response), {"own": 1, "merged": 2, "none": 1})
        self.assertEqual(response.context["places_total"], 4)
        percent = {c["code"]: c["percent"] for c in response.context["coverage"]}
        self.assertEqual(percent, {"own": 25.0, "merged": 50.0, "none": 25.0})
        self.assertContains(response, "Sinh hoạt chi bộ ghép")
        self.assertContains(response, "Chưa có chi bộ")
        # The whole district: Bình Minh's health station has no cell; the school has its own.
        self.client.force_login(self.u.committee)
        self.assertEqual(coverage(self.client.get("/to-chuc/")), {"own": 3, "merged": 2, "none": 2})

    def test_a_cell_secretary_starts_at_their_cell_and_sees_the_places_it_covers(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/to-chuc/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["unit"], self.o.A1)
        self.assertEqual(response.context["breadcrumbs"], [self.o.A1])
        self.assertNotContains(response, 'class="breadcrumb"')
        self.assertEqual(response.context["children"], [])
        self.assertEqual(response.context["totals"]["members"], 6)  # A1's members
        self.assertEqual(response.context["totals"]["candidates"], 1)
        self.assertEqual(
            [p.name for p in response.context["places_page"].object_list], ["Thôn Đông"]
        )
        self.assertNotContains(response, "Thôn Tây")
        for other in (self.o.A, self.o.A2, self.o.D, self.o.X1):
            self.assertEqual(self.client.get(f"/to-chuc/{other.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/to-chuc/{self.o.A1.pk}/").status_code, 200)

    def test_outsiders_get_404_like_a_missing_unit(self):
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(f"/to-chuc/{self.o.A.pk}/").status_code, 404)
        self.assertEqual(self.client.get("/to-chuc/987654321/").status_code, 404)
        response = self.client.get("/to-chuc/")
        self.assertEqual(list(rows_by_name(response)), ["Đảng bộ xã Phú Lộc"])
        self.assertEqual(
            [p.name for p in response.context["places_page"].object_list], ["Thôn Nam"]
        )

    def test_htmx_expands_a_child_with_its_children_only(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/to-chuc/{self.o.A.pk}/", HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/org/_children.html")
        self.assertNotContains(response, "<html")
        self.assertEqual(
            list(rows_by_name(response)),
            ["Chi bộ thôn Đông", "Chi bộ thôn Tây", "Đảng bộ bộ phận Trường học"],
        )
        self.assertIn("HX-Request", response["Vary"])

    def test_the_administrator_and_a_user_without_organisation(self):
        self.client.force_login(self.u.admin)  # the province
        response = self.client.get("/to-chuc/")
        self.assertEqual(
            list(rows_by_name(response)), ["Đảng bộ huyện Núi Xanh", "Đảng bộ huyện Sông Dài"]
        )
        self.assertEqual(response.context["totals"]["candidates"], 6)
        from tests.base import make_user

        nobody = make_user("khong_to_chuc", None, "viewer")
        self.client.force_login(nobody)
        response = self.client.get("/to-chuc/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "chưa gắn với tổ chức đảng nào")


class OrgQueryCountTests(WorldTestCase):
    def grow(self, n: int, start: int) -> None:
        """``n`` more cells under Hòa An, each with members, a candidacy and a place."""
        for i in range(start, start + n):
            parent = Organisation.objects.get(pk=self.o.A.pk)
            cell = Organisation.objects.add_child(
                parent, {"name": f"Chi bộ thôn Mới {i}", "kind": OrgKind.CELL}
            )
            Place.objects.create(name=f"Thôn Mới {i}", kind=PlaceKind.VILLAGE, organisation=self.o.A,
                                 cell=cell if i % 2 else None)  # fmt: skip
            people = Person.objects.bulk_create(
                Person(full_name=f"Người {i}-{k}", search_name=f"nguoi {i}-{k}", birth_date=date(1980, 1, 1),
                       sex="M", cccd=cccd_for(date(1980, 1, 1), "M"), general_education="upper_secondary",
                       sector="farmer", cell=cell, member_status=MemberStatus.OFFICIAL if k else MemberStatus.NONE)
                for k in range(3)
            )  # fmt: skip
            Candidacy.objects.create(person=people[0], cell=cell, stage=Stage.SOURCE,
                                     stage_since=date(2025, 1, 1) - timedelta(days=i), opened_on=date(2025, 1, 1))  # fmt: skip

    def test_query_count_does_not_grow_with_units_people_or_places(self):
        populate(self.world)
        self.client.force_login(self.u.grassroots)
        url = f"/to-chuc/{self.o.A.pk}/"
        self.client.get(url)  # warm up
        self.grow(2, 0)
        few, response, _ = self.assert_queries_do_not_grow(lambda: self.grow(20, 2), url)
        self.assertEqual(len(few.context["children"]), 5)
        rows = rows_by_name(response)
        self.assertEqual(len(rows), 25)
        self.assertEqual(
            (rows["Chi bộ thôn Mới 7"]["members"], rows["Chi bộ thôn Mới 7"]["candidates"]), (2, 1)
        )
        self.assertEqual(response.context["totals"]["candidates"], 3 + 22)
        # The tree page and the htmx partial too.
        self.assert_queries_do_not_grow(
            lambda: self.grow(5, 22), lambda: self.client.get(url, HTTP_HX_REQUEST="true")
        )
