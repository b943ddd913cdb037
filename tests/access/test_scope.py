"""The one scoping mechanism: ``scope_path``, ``visible_to`` and ``get_visible_or_404``.

The admin's face of it is tested in ``test_admin.py``.
"""

from __future__ import annotations

import tempfile
from datetime import date

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import override_settings

from ptdv.accounts.audit import org_path_of
from ptdv.accounts.models import Role
from ptdv.handoff.models import HandoffExport
from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404, scope_path
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy
from tests.base import WorldTestCase, build_other_tree, make_user, populate
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
        # A hand-off to the national database in each branch.
        for user, unit in ((cls.u.grassroots, cls.o.A1), (cls.u.outsider, cls.o.X1)):
            HandoffExport.objects.create(
                organisation=unit, start=date(2025, 1, 1), end=date(2025, 12, 31),
                file_format="xlsx", sha256="0" * 64, created_by=user,
            )  # fmt: skip

    def test_every_scoped_model_is_covered(self):
        labels = {m._meta.label for m in SCOPED_MODELS}
        self.assertEqual(
            labels,
            {"org.Organisation", "org.Place", "org.PlaceCell", "people.Person", "pipeline.Candidacy",
             "pipeline.Event", "pipeline.MentorAssignment", "pipeline.MentorReport",
             "pipeline.Tally",  # the summaries kept with the events
             "reports.Target", "accounts.User", "imports.ImportRun", "people.PersonChange",
             "reports.StageStay", "reports.StoredReport",  # the funnel's stays, stored reports
             "people.PersonMerge", "members.MemberEvent", "members.MemberSpell",
             "privacy.AccessEntry",  # the read log
             # the data subjects' requests and the breach register, with their histories
             "subjects.SubjectRequest", "subjects.RequestStep", "subjects.Incident",
             "subjects.IncidentUpdate",
             "handoff.HandoffExport"},  # the hand-offs to the national database
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
                    if not rows:
                        continue  # no row of it in this world (corrections, merges…)
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
        # Being a superuser widens nothing: without an organisation, only the explicit flag does.
        superuser = make_user("goc", None, Role.ADMIN, is_superuser=True)
        installation = make_user("he_thong", None, Role.ADMIN, installation_wide=True)
        for user in (AnonymousUser(), None, inactive, homeless, superuser):
            with self.subTest(user=user):
                self.assertIsNone(scope_path(user))
                self.assertFalse(Candidacy.objects.visible_to(user).exists())
                self.assertFalse(Organisation.objects.visible_to(user).exists())
        self.assertEqual(scope_path(installation), "")
        self.assertEqual(
            Candidacy.objects.visible_to(installation).count(), Candidacy.objects.count()
        )
        # A superuser of an organisation sees its subtree, like everybody else.
        self.assertEqual(scope_path(self.u.admin), self.o.P.path)
        district = make_user("goc_huyen", self.o.D, Role.ADMIN, is_superuser=True)
        self.assertEqual(
            set(Candidacy.objects.visible_to(district)),
            set(Candidacy.objects.filter(cell__path__startswith=self.o.D.path)),
        )
        # The flag means nothing beside an organisation (the forms refuse the pair).
        district.installation_wide = True
        self.assertEqual(scope_path(district), self.o.D.path)

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


class SecondTreeTests(WorldTestCase):
    """Two provinces' trees side by side: each administrator sees their own, wholly."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.world)
        cls.other = build_other_tree()

    def test_each_tree_sees_itself_only(self):
        q = self.other.org.Q.path
        for user, own in ((self.u.admin, self.o.P.path), (self.other.users.admin, q)):
            for model in SCOPED_MODELS:
                with self.subTest(user=user.username, model=model._meta.label):
                    rows = list(model._default_manager.all())
                    expected = {r.pk for r in rows if (org_path_of(r) or "\0").startswith(own)}
                    visible = set(
                        model._default_manager.all().visible_to(user).values_list("pk", flat=True)
                    )
                    self.assertEqual(visible, expected)
        self.assertTrue(Person.objects.visible_to(self.other.users.admin).exists())
        self.assertFalse(
            Person.objects.visible_to(self.u.admin).filter(cell__path__startswith=q).exists()
        )
