"""The one scoping mechanism: ``visible_to``, ``get_visible_or_404`` and the admin's face of it."""

from __future__ import annotations

import json
import tempfile

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import override_settings

from ptdv.accounts.audit import org_path_of
from ptdv.accounts.models import Role
from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy
from tests.base import WorldTestCase, admin_form_data, make_user, populate
from tests.imports.helpers import make_run

SCOPED_MODELS = [m for m in apps.get_models() if getattr(m, "SCOPE", None) is not None]


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-scope-"))
class VisibleToTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)
        # Import runs into a cell of each branch.
        make_run(cls.u.cell, cls.o.A1, "nguoi", b"Ho va ten,Ngay sinh\n", name="a1.csv")
        make_run(cls.u.outsider, cls.o.X1, "nguoi", b"Ho va ten,Ngay sinh\n", name="x1.csv")

    def test_every_scoped_model_is_covered(self):
        labels = {m._meta.label for m in SCOPED_MODELS}
        self.assertEqual(
            labels,
            {"org.Organisation", "org.Place", "org.PlaceCell", "people.Person", "pipeline.Candidacy",
             "pipeline.Event", "pipeline.MentorAssignment", "pipeline.MentorReport",
             "reports.Target", "accounts.User", "imports.ImportRun"},
        )  # fmt: skip

    def test_visible_to_returns_exactly_the_rows_of_the_subtree(self):
        for role in ("cell", "grassroots", "committee", "viewer", "admin", "outsider"):
            user = getattr(self.u, role)
            prefix = user.organisation.path
            for model in SCOPED_MODELS:
                with self.subTest(role=role, model=model._meta.label):
                    rows = list(model._default_manager.all())
                    expected = {r.pk for r in rows if (org_path_of(r) or "\0").startswith(prefix)}
                    visible = set(
                        model._default_manager.all().visible_to(user).values_list("pk", flat=True)
                    )
                    self.assertEqual(visible, expected)
                    if role != "admin":
                        self.assertLess(len(visible), len(rows))  # something is hidden
                    # (A cell sees no place: places belong to the grassroots organisation.)
                    self.assertTrue(
                        visible
                        or (role, model._meta.label)
                        in {("cell", "org.Place"), ("cell", "org.PlaceCell")}
                    )

    def test_subtrees_nest(self):
        people = {
            role: set(Person.objects.visible_to(getattr(self.u, role)).values_list("pk", flat=True))
            for role in ("cell", "grassroots", "committee", "admin", "outsider")
        }
        self.assertLess(people["cell"], people["grassroots"])
        self.assertLess(people["grassroots"], people["committee"])
        self.assertLess(people["committee"], people["admin"])
        self.assertFalse(people["outsider"] & people["committee"])
        self.assertEqual(people["outsider"] | people["committee"], people["admin"])
        # The cell secretary sees exactly the people of their cell.
        self.assertEqual(
            people["cell"], set(Person.objects.filter(cell=self.o.A1).values_list("pk", flat=True))
        )

    def test_who_sees_nothing_and_who_sees_everything(self):
        inactive = make_user("nghi_viec", self.o.A1, Role.CELL, is_active=False)
        homeless = make_user("chua_gan", None, Role.COMMITTEE)
        root = make_user("goc", None, Role.ADMIN, is_superuser=True)
        for user in (AnonymousUser(), None, inactive, homeless):
            with self.subTest(user=user):
                self.assertFalse(Candidacy.objects.visible_to(user).exists())
                self.assertFalse(Organisation.objects.visible_to(user).exists())
        self.assertEqual(Candidacy.objects.visible_to(root).count(), Candidacy.objects.count())

    def test_a_prefix_is_a_subtree_not_a_string_prefix(self):
        """Paths have fixed-width steps: "00010001" does not contain "000100010001"'s siblings."""
        a1, a2 = self.o.A1, self.o.A2
        self.assertFalse(a2.path.startswith(a1.path))
        visible = Organisation.objects.visible_to(self.u.cell)
        self.assertEqual(list(visible), [a1])

    def test_get_visible_or_404(self):
        inside, outside = self.made.A1, self.made.X1
        self.assertEqual(get_visible_or_404(Candidacy, self.u.cell, pk=inside.pk), inside)
        for pk in (outside.pk, 987654321):
            with self.assertRaises(Http404):
                get_visible_or_404(Candidacy, self.u.cell, pk=pk)
        with self.assertRaises(Http404):
            get_visible_or_404(
                Candidacy.objects.select_related("person"), self.u.outsider, pk=inside.pk
            )
        self.assertEqual(get_visible_or_404(Candidacy, self.u.outsider, pk=outside.pk), outside)


class AdminScopeTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)

    def test_person_changelist_of_a_cell_secretary_lists_only_their_cell(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/quan-tri/people/person/")
        self.assertEqual(response.status_code, 200)
        listed = {p.pk for p in response.context["cl"].result_list}
        self.assertEqual(
            listed, set(Person.objects.filter(cell=self.o.A1).values_list("pk", flat=True))
        )
        self.assertNotContains(response, self.p.member_A2.full_name)
        # Searching does not leave the subtree.
        response = self.client.get("/quan-tri/people/person/", {"q": "vo van ngoai"})
        self.assertEqual(list(response.context["cl"].result_list), [])
        response = self.client.get("/quan-tri/people/person/", {"q": "nguyen van gioi"})
        self.assertEqual(list(response.context["cl"].result_list), [self.p.introducer1])

    def test_candidacy_changelist_is_scoped(self):
        self.client.force_login(self.u.outsider)
        response = self.client.get("/quan-tri/pipeline/candidacy/")
        self.assertEqual([c.pk for c in response.context["cl"].result_list], [self.made.X1.pk])

    def test_a_person_cannot_be_moved_to_a_cell_outside_the_subtree(self):
        self.client.force_login(self.u.cell)
        url = f"/quan-tri/people/person/{self.p.introducer1.pk}/change/"
        data = admin_form_data(self.client.get(url), cell=self.o.X1.pk)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("cell", response.context["adminform"].form.errors)
        self.p.introducer1.refresh_from_db()
        self.assertEqual(self.p.introducer1.cell, self.o.A1)
        # … while a move inside the subtree of a grassroots officer is accepted.
        self.client.force_login(self.u.grassroots)
        data = admin_form_data(self.client.get(url), cell=self.o.A2.pk)
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code,
            302,
            response.context and response.context["adminform"].form.errors,
        )
        self.p.introducer1.refresh_from_db()
        self.assertEqual(self.p.introducer1.cell, self.o.A2)

    def test_add_a_person_in_ones_cell(self):
        self.client.force_login(self.u.cell)
        data = admin_form_data(
            self.client.get("/quan-tri/people/person/add/"),
            full_name="nguyễn  thị   hoa", birth_date="2001-03-04", sex="F", general_education="upper_secondary",
            sector="farmer", cell=self.o.A1.pk, cccd="001301012345",
        )  # fmt: skip
        response = self.client.post("/quan-tri/people/person/add/", data)
        self.assertEqual(
            response.status_code,
            302,
            response.context and response.context["adminform"].form.errors,
        )
        self.assertTrue(Person.objects.filter(full_name="Nguyễn Thị Hoa", cell=self.o.A1).exists())

    def test_the_viewer_reads_but_does_not_write(self):
        self.client.force_login(self.u.viewer)
        url = f"/quan-tri/people/person/{self.p.introducer1.pk}/change/"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["has_change_permission"])
        self.assertEqual(self.client.post(url, {"full_name": "Đổi tên"}).status_code, 403)
        self.assertEqual(self.client.get("/quan-tri/people/person/add/").status_code, 403)
        self.p.introducer1.refresh_from_db()
        self.assertEqual(self.p.introducer1.full_name, "Nguyễn Văn Giới")


class TreeAdminScopeTests(WorldTestCase):
    """The organisation tree in the admin (treebeard) stays inside the user's subtree."""

    def test_the_top_of_the_tree_is_the_users_organisation(self):
        for role, top in (("cell", "A1"), ("grassroots", "A"), ("committee", "D"), ("admin", "P")):
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                response = self.client.get("/quan-tri/org/organisation/")
                self.assertEqual(list(response.context["cl"].result_list), [getattr(self.o, top)])
        self.client.force_login(self.u.grassroots)
        children = self.client.get(f"/quan-tri/org/organisation/children/{self.o.A.pk}/")
        self.assertEqual(children.status_code, 200)
        self.assertIn("Chi bộ thôn Đông", json.loads(children.content)["result_html"])
        self.assertEqual(
            self.client.get(f"/quan-tri/org/organisation/children/{self.o.D.pk}/").status_code, 404
        )
        # A search lists the matches of the subtree only.
        found = self.client.get("/quan-tri/org/organisation/", {"q": "Chi bộ"})
        self.assertEqual({o.pk for o in found.context["cl"].result_list},
                         {self.o.A1.pk, self.o.A2.pk, self.o.AP1.pk})  # fmt: skip

    def test_the_place_of_a_new_organisation_is_chosen_inside_the_subtree(self):
        self.client.force_login(self.u.grassroots)
        add = "/quan-tri/org/organisation/add/"
        response = self.client.get(add)
        choices = set(response.context["adminform"].form.fields["treebeard_ref_node"].queryset)
        self.assertEqual(choices, {self.o.A, self.o.A1, self.o.A2, self.o.AP, self.o.AP1})
        self.assertNotContains(response, "Sông Dài")
        base = admin_form_data(response, name="Chi bộ thôn Mới", kind="cell")
        for ref, position in ((self.o.X.pk, "first-child"), (None, "first-child"), (self.o.A.pk, "right"),
                              (self.o.D.pk, "first-child")):  # fmt: skip
            with self.subTest(ref=ref, position=position):
                data = {**base, "treebeard_position": position, "treebeard_ref_node": ref or ""}
                response = self.client.post(add, data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["adminform"].form.errors)
                self.assertFalse(Organisation.objects.filter(name="Chi bộ thôn Mới").exists())
        response = self.client.post(
            add, {**base, "treebeard_position": "first-child", "treebeard_ref_node": self.o.A.pk}
        )
        self.assertEqual(response.status_code, 302)
        new = Organisation.objects.get(name="Chi bộ thôn Mới")
        self.assertTrue(new.path.startswith(self.o.A.path))
        self.assertEqual(new.depth, self.o.A.depth + 1)

    def test_the_users_own_organisation_can_be_edited_but_not_moved(self):
        self.client.force_login(self.u.grassroots)
        url = f"/quan-tri/org/organisation/{self.o.A.pk}/change/"
        response = self.client.get(url)
        data = admin_form_data(response, name="Đảng bộ xã Hòa An (mới)")
        response = self.client.post(url, {**data, "treebeard_ref_node": self.o.X.pk})
        self.assertEqual(response.status_code, 302)
        a = Organisation.objects.get(pk=self.o.A.pk)
        self.assertEqual((a.name, a.path), ("Đảng bộ xã Hòa An (mới)", self.o.A.path))

    def test_who_admits_is_set_above_not_by_the_committee_it_concerns(self):
        # Commune A's delegated power points at the district, outside the officer's subtree.
        Organisation.objects.filter(pk=self.o.A.pk).update(competent_committee=self.o.D)
        self.client.force_login(self.u.grassroots)
        url = f"/quan-tri/org/organisation/{self.o.A.pk}/change/"
        response = self.client.get(url)
        self.assertNotIn("competent_committee", response.context["adminform"].form.fields)
        data = admin_form_data(response, name="Đảng bộ xã Hòa An (mới)")
        response = self.client.post(url, {**data, "competent_committee": self.o.A.pk})
        self.assertEqual(response.status_code, 302)
        a = Organisation.objects.get(pk=self.o.A.pk)
        self.assertEqual(
            (a.name, a.competent_committee_id), ("Đảng bộ xã Hòa An (mới)", self.o.D.pk)
        )

    def test_drag_and_drop_moves_stay_inside_the_subtree(self):
        move = "/quan-tri/org/organisation/move/"
        o = self.o
        self.client.force_login(self.u.grassroots)
        refused = [
            (o.X1, o.A, "child"),  # a node of another branch
            (o.A1, o.X, "child"),  # to another branch
            (o.A1, o.A, "sibling"),  # next to one's own organisation: outside
            (o.A, o.X, "child"),  # one's own organisation
            (o.A1, o.D, "child"),  # above one's own organisation
        ]
        for node, target, relation in refused:
            with self.subTest(node=node.name, target=target.name, relation=relation):
                response = self.client.post(
                    move, {"node": node.pk, "target": target.pk, "relation": relation}
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(
            {n.pk: n.path for n in Organisation.objects.all()},
            {
                n.pk: n.path
                for n in (o.P, o.D, o.A, o.A1, o.A2, o.AP, o.AP1, o.B, o.B1, o.G, o.E, o.X, o.X1)
            },
        )
        response = self.client.post(move, {"node": o.AP1.pk, "target": o.A.pk, "relation": "child"})
        self.assertLess(response.status_code, 400)
        moved = Organisation.objects.get(pk=o.AP1.pk)
        self.assertEqual(
            moved.path[: -Organisation.steplen], Organisation.objects.get(pk=o.A.pk).path
        )
        # A read-only user moves nothing, even inside the subtree.
        self.client.force_login(self.u.viewer)
        response = self.client.post(move, {"node": o.A2.pk, "target": o.B.pk, "relation": "child"})
        self.assertEqual(response.status_code, 403)
