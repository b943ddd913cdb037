"""The Django admin (``/quan-tri/``): the administrators' tool only, scoped like every page.

The generated walk (``test_url_walk.py``) checks every admin page for every role; these tests
pin each rule with its data: who enters, what an administrator of a subtree sees of the audit
log, the sign-in records and the task queue, that people and their membership change only through
the pipeline, and how accounts are managed.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from datetime import date
from unittest import mock

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin as django_admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ptdv.accounts.models import Role, User
from ptdv.imports.tasks import preview_import
from ptdv.org.models import Organisation
from ptdv.org.scope import admin_site, scope_path
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline.models import CalendarDay
from tests.base import (
    PASSWORD,
    WorldTestCase,
    admin_form_data,
    build_other_tree,
    make_user,
    pass_second_factor,
)
from tests.imports.helpers import make_run

NOT_ADMINISTRATORS = ("cell", "grassroots", "committee", "viewer", "outsider")


def sign_in_records(username: str) -> None:
    common = {"user_agent": "test", "ip_address": "10.0.0.9", "username": username,
              "http_accept": "*/*", "path_info": "/tai-khoan/dang-nhap/"}  # fmt: skip
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=2)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)


class AdminEntryTests(WorldTestCase):
    """Only active administrators with a scope enter; the others get the admin's login page."""

    def test_only_administrators_enter(self):
        person = self.p.introducer1
        for role in NOT_ADMINISTRATORS:
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                for url in ("/quan-tri/", "/quan-tri/people/person/",
                            f"/quan-tri/people/person/{person.pk}/change/"):  # fmt: skip
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 302, url)
                    self.assertTrue(response["Location"].startswith("/quan-tri/login/?next="))
                login = self.client.get("/quan-tri/login/")
                self.assertEqual(login.status_code, 200)  # "not authorised to access this page"
                self.assertEqual(login.context["username"], getattr(self.u, role).username)
        self.client.force_login(self.u.admin)
        self.assertEqual(self.client.get("/quan-tri/").status_code, 200)

    def test_the_viewer_cannot_sign_in_to_the_admin(self):
        response = self.client.post(
            "/quan-tri/login/", {"username": "xem", "password": PASSWORD, "next": "/quan-tri/"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "không phải tài khoản quản trị")
        self.assertNotIn("_auth_user_id", self.client.session)
        response = self.client.post(
            "/quan-tri/login/", {"username": "quantri", "password": PASSWORD, "next": "/quan-tri/"}
        )
        self.assertRedirects(response, "/quan-tri/", fetch_redirect_response=False)
        # The password was right; an administrator goes on to the second factor (MFA): to
        # enrol it, as this one has none yet.
        self.assertRedirects(
            self.client.get("/quan-tri/"),
            "/tai-khoan/xac-thuc/dang-ky/",
            fetch_redirect_response=False,
        )

    def test_a_superuser_of_no_organisation_is_not_installation_wide(self):
        superuser = make_user("chua_gan", None, Role.ADMIN, is_superuser=True)
        self.assertIsNone(scope_path(superuser))
        self.client.force_login(superuser)
        self.assertEqual(self.client.get("/quan-tri/").status_code, 302)
        self.assertFalse(self.client.get("/nhat-ky/").context["page"].object_list)

    def test_is_staff_follows_the_role(self):
        user = self.u.committee
        self.assertFalse(User.objects.get(pk=user.pk).is_staff)  # made with is_staff=True
        user.role = Role.ADMIN
        user.save(update_fields=["role"])
        self.assertTrue(User.objects.get(pk=user.pk).is_staff)
        self.assertTrue(User.objects.get(pk=self.u.admin.pk).is_staff)

    def test_the_user_menu_links_the_admin_for_administrators_only(self):
        link = 'href="/quan-tri/"'
        for role in NOT_ADMINISTRATORS:
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                self.assertNotContains(self.client.get("/"), link)
        self.client.force_login(self.u.admin)
        self.assertContains(self.client.get("/"), link)

    def test_every_admin_is_registered_on_the_scoped_site(self):
        """Django's default site is not served: a model registered there would be missing
        from /quan-tri/ (third-party apps register theirs there; ptdv registers its own,
        scoped, on ``admin_site``)."""
        third_party = {"auth.group", "auditlog.logentry", "axes.accessattempt", "axes.accesslog",
                       "axes.accessfailurelog", "django_tasks_database.dbtaskresult",
                       # MFA: django-otp's devices are managed through the accounts (their
                       # reset is an action of the user admin), not in the admin on their own.
                       "otp_static.staticdevice", "otp_totp.totpdevice"}  # fmt: skip
        default = {m._meta.label_lower for m in django_admin.site._registry}
        self.assertEqual(default - third_party, set(), "register on ptdv.org.scope.admin_site")
        ours = {m._meta.label_lower for m in admin_site._registry}
        # Groups are not used by ptdv; second-factor devices are reset from the user admin.
        not_served = {"auth.group", "otp_static.staticdevice", "otp_totp.totpdevice"}
        self.assertEqual(third_party - ours, not_served)


class CreateSuperuserTests(WorldTestCase):
    def test_createsuperuser_makes_an_installation_wide_administrator(self):
        with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "mot-mat-khau-dai-2026"}):
            call_command(
                "createsuperuser", interactive=False, username="goc", email="goc@example.vn",
                verbosity=0,
            )  # fmt: skip
        user = User.objects.get(username="goc")
        self.assertEqual(
            (user.role, user.installation_wide, user.is_superuser, user.is_staff),
            (Role.ADMIN, True, True, True),
        )
        self.assertEqual(scope_path(user), "")
        self.assertTrue(self.client.login(username="goc", password="mot-mat-khau-dai-2026"))
        pass_second_factor(self.client, user)  # required of administrators (MFA)
        self.assertEqual(self.client.get("/quan-tri/").status_code, 200)
        self.assertEqual(self.client.get("/quan-tri/pipeline/calendarday/").status_code, 200)
        self.assertEqual(self.client.get("/quan-tri/people/person/").context["cl"].result_count,
                         Person.objects.count())  # fmt: skip

    def test_existing_superusers_without_organisation_become_installation_wide(self):
        """The migration keeps an installation's administrator (a superuser without
        organisation used to see everything) and makes ``is_staff`` follow the role."""
        from django.apps import apps

        migration = importlib.import_module("ptdv.accounts.migrations.0003_user_installation_wide")
        old = make_user("goc_cu", None, Role.VIEWER, is_superuser=True)
        User.objects.filter(pk=old.pk).update(installation_wide=False)
        User.objects.filter(pk=self.u.viewer.pk).update(is_staff=True)
        migration.existing_administrators(apps, None)
        old.refresh_from_db()
        self.assertEqual((old.installation_wide, old.role, old.is_staff), (True, Role.ADMIN, True))
        self.assertFalse(User.objects.get(pk=self.u.viewer.pk).is_staff)
        admin = User.objects.get(pk=self.u.admin.pk)  # a superuser of province P stays there
        self.assertEqual((admin.installation_wide, admin.organisation), (False, self.o.P))

    def test_a_superuser_of_an_organisation_sees_its_subtree(self):
        user = User.objects.create_superuser("goc_huyen", password="x", organisation=self.o.D)
        self.assertEqual((user.role, user.installation_wide), (Role.ADMIN, False))
        self.assertEqual(scope_path(user), self.o.D.path)


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-admin-"))
class SecondTreeAdminTests(WorldTestCase):
    """The superuser of province P sees nothing of tree Q in the admin."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other = build_other_tree()
        for username in ("chibo", cls.other.users.admin.username, "khong_ai"):
            sign_in_records(username)
        for user, unit in ((cls.u.cell, cls.o.A1), (cls.other.users.cell, cls.other.org.QX1)):
            preview_import.enqueue(make_run(user, unit, "nguoi", b"Ho va ten\n", name="a.csv").pk)

    def installation(self):
        return make_user("hethong", None, Role.ADMIN, installation_wide=True)

    def changelist(self, user, url):
        self.client.force_login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def test_audit_entries_of_the_other_tree_are_not_shown(self):
        q = self.other.org.Q.path
        theirs = LogEntry.objects.filter(additional_data__org_path__startswith=q)
        self.assertTrue(theirs.exists())
        response = self.changelist(self.u.admin, "/quan-tri/auditlog/logentry/?all=")
        listed = {e.pk for e in response.context["cl"].result_list}
        self.assertTrue(listed)
        self.assertFalse(listed & set(theirs.values_list("pk", flat=True)))
        self.assertEqual(
            listed,
            set(
                LogEntry.objects.filter(
                    additional_data__org_path__startswith=self.o.P.path
                ).values_list("pk", flat=True)
            ),
        )
        for secret in self.other.secrets:
            self.assertNotContains(response, secret)
        # … nor reachable by id: the same answer as for an entry that does not exist.
        outside = self.client.get(f"/quan-tri/auditlog/logentry/{theirs.first().pk}/change/")
        missing = self.client.get("/quan-tri/auditlog/logentry/987654321/change/")
        self.assertEqual((outside.status_code, outside["Location"]), (302, "/quan-tri/"))
        self.assertEqual((missing.status_code, missing["Location"]), (302, "/quan-tri/"))
        # A search does not leave the scope either.
        found = self.client.get("/quan-tri/auditlog/logentry/", {"q": "Lâm Văn Khánh"})
        self.assertEqual(list(found.context["cl"].result_list), [])
        # The district's administrator: the district's entries only.
        district = make_user("quantri_huyen", self.o.D, Role.ADMIN)
        response = self.changelist(district, "/quan-tri/auditlog/logentry/?all=")
        paths = {e.additional_data["org_path"] for e in response.context["cl"].result_list}
        self.assertTrue(paths)
        self.assertTrue(all(path.startswith(self.o.D.path) for path in paths), paths)

    def test_sign_in_records_of_the_other_tree_are_not_shown(self):
        urls = ("/quan-tri/axes/accessattempt/", "/quan-tri/axes/accesslog/",
                "/quan-tri/axes/accessfailurelog/")  # fmt: skip
        for url in urls:
            with self.subTest(url=url):
                response = self.changelist(self.u.admin, url)
                names = [r.username for r in response.context["cl"].result_list]
                self.assertEqual(names, ["chibo"])  # not Q's, not a name of no account
                self.assertNotContains(response, self.other.users.admin.username)
        installation = self.installation()
        for url in urls:
            with self.subTest(url=url):
                response = self.changelist(installation, url)
                names = {r.username for r in response.context["cl"].result_list}
                self.assertEqual(names, {"chibo", "quantri_binhyen", "khong_ai"})
        theirs = AccessAttempt.objects.get(username=self.other.users.admin.username)
        self.client.force_login(self.u.admin)
        outside = self.client.get(f"/quan-tri/axes/accessattempt/{theirs.pk}/change/")
        self.assertEqual((outside.status_code, outside["Location"]), (302, "/quan-tri/"))
        # Read-only, with no bulk action (axes' clean-up works on every tree's records).
        ours = AccessAttempt.objects.get(username="chibo")
        page = self.client.get(f"/quan-tri/axes/accessattempt/{ours.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertFalse(page.context["has_change_permission"])
        self.assertNotContains(self.client.get("/quan-tri/axes/accessattempt/"), "action-select")
        self.assertEqual(
            self.client.post(f"/quan-tri/axes/accessattempt/{ours.pk}/delete/").status_code, 403
        )

    def test_task_records_are_for_installation_wide_administrators(self):
        self.assertEqual(DBTaskResult.objects.count(), 2)
        self.client.force_login(self.u.admin)
        self.assertEqual(
            self.client.get("/quan-tri/django_tasks_database/dbtaskresult/").status_code, 403
        )
        task = DBTaskResult.objects.first()
        outside = self.client.get(f"/quan-tri/django_tasks_database/dbtaskresult/{task.pk}/change/")
        missing = self.client.get(
            "/quan-tri/django_tasks_database/dbtaskresult/00000000-0000-0000-0000-000000000000/change/"
        )
        self.assertEqual(outside.status_code, missing.status_code)
        response = self.changelist(
            self.installation(), "/quan-tri/django_tasks_database/dbtaskresult/"
        )
        self.assertEqual(response.context["cl"].result_count, 2)

    def test_the_other_trees_people_and_accounts_are_missing(self):
        self.client.force_login(self.u.admin)
        for url in ("/quan-tri/people/person/", "/quan-tri/accounts/user/",
                    "/quan-tri/org/organisation/", "/quan-tri/org/place/",
                    "/quan-tri/pipeline/candidacy/", "/quan-tri/reports/target/"):  # fmt: skip
            with self.subTest(url=url):
                response = self.client.get(url, {"q": "Tân Hòa"} if "place" in url else {})
                self.assertEqual(response.status_code, 200)
                for secret in self.other.secrets:
                    self.assertNotContains(response, secret)
        person = self.other.people.member
        response = self.client.get(f"/quan-tri/people/person/{person.pk}/change/")
        self.assertEqual((response.status_code, response["Location"]), (302, "/quan-tri/"))
        self.client.force_login(self.other.users.admin)
        response = self.client.get("/quan-tri/people/person/")
        self.assertEqual(
            {p.pk for p in response.context["cl"].result_list},
            {p.pk for p in vars(self.other.people).values()},
        )


class PersonAdminTests(WorldTestCase):
    """People and their membership change through the pipeline, never by editing the row."""

    def test_a_cell_secretary_cannot_change_a_persons_cell_in_the_admin(self):
        candidacy = self.candidacy("Đào Văn Chuyển")
        person = candidacy.person
        self.client.force_login(self.u.cell)
        url = f"/quan-tri/people/person/{person.pk}/change/"
        response = self.client.post(url, {"cell": self.o.A2.pk, "full_name": person.full_name})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/quan-tri/login/"))
        person.refresh_from_db()
        self.assertEqual(person.cell, self.o.A1)
        # The administrator cannot either: the person is read-only in the admin.
        self.client.force_login(self.u.admin)
        self.assertEqual(self.client.post(url, {"cell": self.o.A2.pk}).status_code, 403)
        person.refresh_from_db()
        self.assertEqual(person.cell, self.o.A1)

    def test_a_grassroots_officer_cannot_rewrite_membership(self):
        member = self.p.member_A2
        fields = {"member_status": MemberStatus.LEFT, "party_admitted_on": "2020-01-01",
                  "party_official_on": "2021-01-01", "party_card_number": "99999999"}  # fmt: skip
        url = f"/quan-tri/people/person/{member.pk}/change/"
        for user in (self.u.grassroots, self.u.admin):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertIn(self.client.post(url, fields).status_code, (302, 403))
        member.refresh_from_db()
        self.assertEqual(
            (member.member_status, member.party_admitted_on, member.party_card_number),
            (MemberStatus.OFFICIAL, date(1997, 1, 1), ""),
        )

    def test_the_person_page_of_the_admin_is_read_only_and_links_the_site(self):
        person = self.p.introducer1
        self.client.force_login(self.u.admin)
        response = self.client.get(f"/quan-tri/people/person/{person.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["has_change_permission"])
        self.assertFalse(response.context["adminform"].form.fields)  # nothing to edit
        self.assertContains(response, f'href="/nguoi/{person.pk}/">Sửa trên trang người</a>')
        self.assertContains(response, person.full_name)
        self.assertEqual(self.client.get("/quan-tri/people/person/add/").status_code, 403)
        self.assertNotContains(self.client.get("/quan-tri/people/person/"), "/people/person/add/")

    def test_view_on_site_leads_to_objects_of_the_subtree_only(self):
        """Django's shortcut looks the object up unscoped; the admin's answers for the subtree."""
        ct = ContentType.objects.get_for_model(Person).pk
        district = make_user("quantri_huyen", self.o.D, Role.ADMIN)
        self.client.force_login(district)
        url = "/quan-tri/r/{}/{}/"
        with mock.patch.object(
            Person, "get_absolute_url", lambda person: f"/nguoi/{person.pk}/", create=True
        ):
            inside = self.client.get(url.format(ct, self.p.member_B1.pk))
            self.assertEqual(inside.status_code, 302)
            self.assertTrue(inside["Location"].endswith(f"/nguoi/{self.p.member_B1.pk}/"))
            for pk in (self.p.member_X1.pk, 987654321, "x"):
                self.assertEqual(self.client.get(url.format(ct, pk)).status_code, 404)

    def test_pipeline_rows_are_read_only_and_events_show_to_every_administrator(self):
        candidacy = self.candidacy()
        district = make_user("quantri_huyen", self.o.D, Role.ADMIN)  # not a superuser
        self.client.force_login(district)
        response = self.client.get(f"/quan-tri/pipeline/candidacy/{candidacy.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["has_change_permission"])
        inline = response.context["inline_admin_formsets"]
        self.assertEqual(len(inline), 1)  # the events, shown without Django permissions
        self.assertEqual(len(inline[0].formset.queryset), candidacy.events.count())
        for model in ("candidacy", "event", "mentorassignment", "mentorreport"):
            self.assertEqual(self.client.get(f"/quan-tri/pipeline/{model}/add/").status_code, 403)


class UserAdminTests(WorldTestCase):
    """Administrators manage the accounts of their subtree, and never widen a scope."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.district = make_user("quantri_huyen", cls.o.D, Role.ADMIN)
        cls.installation = make_user("hethong", None, Role.ADMIN, installation_wide=True)

    def add(self, **fields):
        data = {"username": "moi", "usable_password": "true", "password1": "mot-mat-khau-dai-2026",
                "password2": "mot-mat-khau-dai-2026", "role": Role.CELL, **fields}  # fmt: skip
        return self.client.post("/quan-tri/accounts/user/add/", data)

    def test_the_list_is_the_subtree(self):
        self.client.force_login(self.district)
        response = self.client.get("/quan-tri/accounts/user/")
        self.assertEqual(
            {u.username for u in response.context["cl"].result_list},
            {"chibo", "dangbo_xa", "bantochuc", "xem", "quantri_huyen"},
        )
        self.assertEqual(
            self.client.get(f"/quan-tri/accounts/user/{self.u.outsider.pk}/change/")["Location"],
            "/quan-tri/",
        )

    def test_accounts_are_added_inside_the_subtree_only(self):
        self.client.force_login(self.district)
        form = self.client.get("/quan-tri/accounts/user/add/").context["adminform"].form
        self.assertNotIn("installation_wide", form.fields)
        self.assertNotIn("is_superuser", form.fields)
        for organisation in (self.o.X1.pk, self.o.P.pk, ""):
            with self.subTest(organisation=organisation):
                response = self.add(organisation=organisation)
                self.assertEqual(response.status_code, 200)
                self.assertIn("organisation", response.context["adminform"].form.errors)
        self.assertFalse(User.objects.filter(username="moi").exists())
        response = self.add(organisation=self.o.A1.pk, installation_wide="on", is_superuser="on")
        self.assertEqual(response.status_code, 302)
        made = User.objects.get(username="moi")
        self.assertEqual(
            (made.organisation, made.role, made.installation_wide, made.is_superuser),
            (self.o.A1, Role.CELL, False, False),
        )

    def test_a_scoped_administrator_makes_nobody_installation_wide_or_superuser(self):
        self.client.force_login(self.district)
        url = f"/quan-tri/accounts/user/{self.u.committee.pk}/change/"
        response = self.client.get(url)
        form = response.context["adminform"].form
        self.assertNotIn("installation_wide", form.fields)
        self.assertNotIn("is_superuser", form.fields)
        data = admin_form_data(response, role=Role.ADMIN, organisation=self.o.A.pk)
        response = self.client.post(url, {**data, "installation_wide": "on", "is_superuser": "on"})
        self.assertEqual(response.status_code, 302)
        changed = User.objects.get(pk=self.u.committee.pk)
        self.assertEqual(
            (changed.role, changed.organisation, changed.installation_wide, changed.is_superuser),
            (Role.ADMIN, self.o.A, False, False),
        )  # an administrator of a smaller subtree: within the district's own scope
        response = self.client.post(url, {**data, "organisation": self.o.E.pk})
        self.assertIn("organisation", response.context["adminform"].form.errors)

    def test_nobody_widens_their_own_scope(self):
        self.client.force_login(self.district)
        url = f"/quan-tri/accounts/user/{self.district.pk}/change/"
        response = self.client.get(url)
        form = response.context["adminform"].form
        for name in ("organisation", "role", "is_active", "installation_wide", "is_superuser"):
            self.assertNotIn(name, form.fields)
        data = admin_form_data(response, first_name="Quản trị huyện")
        response = self.client.post(
            url,
            {**data, "organisation": self.o.P.pk, "role": Role.ADMIN, "installation_wide": "on"},
        )
        self.assertEqual(response.status_code, 302)
        me = User.objects.get(pk=self.district.pk)
        self.assertEqual((me.first_name, me.organisation, me.installation_wide),
                         ("Quản trị huyện", self.o.D, False))  # fmt: skip

    def test_installation_wide_accounts_are_made_by_installation_wide_administrators(self):
        self.client.force_login(self.installation)
        response = self.add(organisation="", role=Role.ADMIN)
        self.assertIn("organisation", response.context["adminform"].form.errors)
        response = self.add(organisation=self.o.D.pk, role=Role.ADMIN, installation_wide="on")
        self.assertIn("installation_wide", response.context["adminform"].form.errors)
        response = self.add(organisation="", role=Role.ADMIN, installation_wide="on")
        self.assertEqual(response.status_code, 302)
        made = User.objects.get(username="moi")
        self.assertEqual(scope_path(made), "")
        url = f"/quan-tri/accounts/user/{self.u.admin.pk}/change/"
        data = admin_form_data(self.client.get(url), is_superuser=None)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertFalse(User.objects.get(pk=self.u.admin.pk).is_superuser)


class OrganisationAdminTests(WorldTestCase):
    """The organisation tree in the admin (treebeard) stays inside the administrator's subtree."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.commune = make_user("quantri_xa", cls.o.A, Role.ADMIN)
        cls.district = make_user("quantri_huyen", cls.o.D, Role.ADMIN)

    def test_the_top_of_the_tree_is_the_administrators_organisation(self):
        for user, top in ((self.commune, "A"), (self.district, "D"), (self.u.admin, "P")):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get("/quan-tri/org/organisation/")
                self.assertEqual(list(response.context["cl"].result_list), [getattr(self.o, top)])
        self.client.force_login(self.commune)
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
        self.client.force_login(self.commune)
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

    def test_the_administrators_own_organisation_can_be_edited_but_not_moved(self):
        self.client.force_login(self.commune)
        url = f"/quan-tri/org/organisation/{self.o.A.pk}/change/"
        response = self.client.get(url)
        data = admin_form_data(response, name="Đảng bộ xã Hòa An (mới)")
        response = self.client.post(url, {**data, "treebeard_ref_node": self.o.X.pk})
        self.assertEqual(response.status_code, 302)
        a = Organisation.objects.get(pk=self.o.A.pk)
        self.assertEqual((a.name, a.path), ("Đảng bộ xã Hòa An (mới)", self.o.A.path))

    def test_who_admits_is_set_above_not_by_the_organisation_it_concerns(self):
        # Commune A's delegated power points at the district, outside the commune's subtree.
        Organisation.objects.filter(pk=self.o.A.pk).update(competent_committee=self.o.D)
        self.client.force_login(self.commune)
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
        # The district's administrator, above, sets it.
        self.client.force_login(self.district)
        response = self.client.get(url)
        self.assertIn("competent_committee", response.context["adminform"].form.fields)
        data = admin_form_data(response, competent_committee=self.o.A.pk)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(Organisation.objects.get(pk=self.o.A.pk).competent_committee, self.o.A)

    def test_drag_and_drop_moves_stay_inside_the_subtree(self):
        move = "/quan-tri/org/organisation/move/"
        o = self.o
        self.client.force_login(self.commune)
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
        # Somebody who is not an administrator moves nothing, even inside their subtree.
        self.client.force_login(self.u.grassroots)
        response = self.client.post(move, {"node": o.A2.pk, "target": o.A.pk, "relation": "child"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/quan-tri/login/"))


class PlaceAndCalendarAdminTests(WorldTestCase):
    def test_a_places_history_shows_to_an_administrator_who_is_not_a_superuser(self):
        place = self.world.places.dong
        place.cell = self.o.A2
        place.save()  # a second row in its history, today
        district = make_user("quantri_huyen", self.o.D, Role.ADMIN)
        self.client.force_login(district)
        response = self.client.get(f"/quan-tri/org/place/{place.pk}/change/")
        self.assertEqual(response.status_code, 200)
        history = response.context["inline_admin_formsets"][0]
        self.assertEqual(len(history.formset.queryset), 2)
        self.assertFalse(history.has_add_permission)
        self.assertFalse(history.has_change_permission)

    def test_the_calendar_is_for_installation_wide_administrators(self):
        day = CalendarDay.objects.create(date=date(2026, 9, 1), name="Nghỉ bù Quốc khánh")
        self.client.force_login(self.u.admin)  # a superuser, of province P
        for url in ("/quan-tri/pipeline/calendarday/", "/quan-tri/pipeline/calendarday/add/"):
            self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(
            self.client.get(f"/quan-tri/pipeline/calendarday/{day.pk}/change/").status_code, 403
        )
        installation = make_user("hethong", None, Role.ADMIN, installation_wide=True)
        self.client.force_login(installation)
        self.assertEqual(self.client.get("/quan-tri/pipeline/calendarday/").status_code, 200)
        response = self.client.post(
            "/quan-tri/pipeline/calendarday/add/",
            {"date": "2026-09-02", "is_day_off": "on", "name": "Nghỉ lễ"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(CalendarDay.objects.filter(date=date(2026, 9, 2)).exists())
