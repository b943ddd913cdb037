"""A generated walk over every URL of ``ptdv.urls`` with every role.

The URL resolver is walked recursively, so a new page or a newly registered admin model is
covered without touching this file. Path parameters are filled with ids of real objects inside
and outside the user's subtree ("inside" is decided by following each model's ``SCOPE`` to its
organisation in Python, not by ``visible_to``, the code under test), and with an id that does not
exist: an object outside the subtree must look exactly like a missing one.

What is asserted, per role:

- anonymous: every page but the login pages redirects to a login page;
- nobody ever gets a 500 (the test client re-raises server errors);
- objects outside the user's subtree: 404 on the site's pages; in the admin the same answer as
  for an id that does not exist;
- the read-only user (viewer): 200 on reads, 403 on every write (GET or POST on add, POST on
  change);
- writers: 200 on the add and change forms of the models they may write, 403 elsewhere;
- pages that only answer a POST (confirming or cancelling an import) answer a GET with 405; the
  walk POSTs to them: writers are sent back to the page (302), the read-only user gets 403;
- :data:`POLICY` is the specification of who may do what in the admin.
"""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from ptdv.accounts.audit import org_path_of
from ptdv.imports import running
from ptdv.people.models import Person
from ptdv.pipeline.models import CalendarDay
from tests.base import WorldTestCase, populate
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes

MISSING_ID = 987_654_321
ROLES = ("anonymous", "cell", "grassroots", "committee", "viewer", "admin", "outsider")
WRITERS = {"cell", "grassroots", "committee", "admin", "outsider"}
#: The site's own scoped models that writers change in the admin.
WRITABLE = {"people.person", "org.place", "org.organisation", "reports.target"}
#: Pipeline rows are written by the services only: the admin shows them read-only.
READ_ONLY = {
    "pipeline.candidacy",
    "pipeline.event",
    "pipeline.mentorassignment",
    "pipeline.mentorreport",
}
LOGIN_URLS = ("/tai-khoan/dang-nhap/", "/quan-tri/login/")
#: The site's pages that write: writers get the form (200), the read-only user 403.
WRITE_PAGES = {
    "candidacy_step", "candidacy_correct", "candidacy_mentor_assign", "candidacy_mentor_end",
    "source_new", "candidacy_open", "target_new", "target_edit", "target_delete",
}  # fmt: skip
#: The site's pages that only answer a POST (a GET is 405): the walk POSTs to them. Writers are
#: sent back to the object's page (302), the read-only user gets 403.
POST_PAGES = {"import_commit", "import_cancel"}
#: Values of the path parameters that are not ids: ``<kind>`` and ``<extension>`` of the
#: import templates.
TEMPLATE_FILES = tuple((k, e) for k in ("nguoi", "dang-vien", "ho-so") for e in ("xlsx", "csv"))


def route_model(route: str):
    """The model whose id fills ``<pk>`` in a page of the site (by the route's first segment)."""
    from ptdv.imports.models import ImportRun
    from ptdv.org.models import Organisation
    from ptdv.pipeline.models import Candidacy, MentorAssignment
    from ptdv.reports.models import Target

    models = {"ho-so": Candidacy, "nguoi": Person, "to-chuc": Organisation,
              "giup-do": MentorAssignment, "chi-tieu": Target,
              "nhap-du-lieu": ImportRun}  # fmt: skip
    return models[route.strip("/").split("/")[0]]


def POLICY(model: str, role: str) -> set[str] | None:
    """What ``role`` may do with ``model`` in the admin (``None``: Django's own permissions)."""
    if model in WRITABLE:
        return {"view", "add", "change"} if role in WRITERS else {"view"}
    if model in READ_ONLY:
        return {"view"}
    if model == "accounts.user":
        return {"view", "add", "change"} if role == "admin" else set()
    if model == "pipeline.calendarday":
        return {"view", "add", "change", "delete"} if role == "admin" else set()
    # auth.Group, auditlog and axes: only a superuser (who holds every permission).
    return None if role == "admin" else set()


# --- walking the resolver ---------------------------------------------------------------------


@dataclass
class Leaf:
    route: str
    pattern: URLPattern
    model_admin: ModelAdmin | None

    @property
    def name(self) -> str | None:
        return self.pattern.name

    @property
    def model(self) -> str | None:
        return self.model_admin.model._meta.label_lower if self.model_admin else None

    @property
    def action(self) -> str:
        """changelist, add, change, history, delete, redirect (bare object URL) or the name."""
        if (
            self.model_admin
            and self.name
            and self.name.startswith(
                f"{self.model_admin.opts.app_label}_{self.model_admin.opts.model_name}_"
            )
        ):
            return self.name.rsplit("_", 1)[1]
        if self.model_admin and self.name is None and self.route.endswith("<path:object_id>/"):
            return "redirect"
        if self.name == "auth_user_password_change":
            return "password"
        if self.model_admin and self.route.endswith("move/"):
            return "tree_move"
        if self.model_admin and "<str:parent_id>" in self.route:
            return "tree_children"
        return self.name or self.route


def _model_admin_of(callback) -> ModelAdmin | None:
    found = getattr(callback, "model_admin", None)
    if found is None:
        view = inspect.unwrap(callback, stop=lambda f: hasattr(f, "__self__"))
        found = getattr(view, "__self__", None)
    return found if isinstance(found, ModelAdmin) else None


def leaves(resolver: URLResolver | None = None, prefix: str = "/") -> list[Leaf]:
    resolver = resolver or get_resolver()
    out: list[Leaf] = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            out += leaves(p, route)
        else:
            out.append(Leaf(route, p, _model_admin_of(p.callback)))
    return out


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, **values: Any) -> str:
    return _PARAM.sub(lambda m: str(values[m.group(1)]), route)


# --- the test ---------------------------------------------------------------------------------


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-url-walk-"))
class UrlWalkTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)
        # Import runs in both branches: one previewed with a failing row (its problems and their
        # workbook), one still queued.
        rows = [["Lò Văn Đúng", "01/01/1990", "Nam", "", "12/12", "Nghỉ hưu", "Chi bộ thôn Đông"],
                ["Sai 1 Tên", "01/01/1990", "Nam", "", "12/12", "Nghỉ hưu", "Chi bộ thôn Đông"]]  # fmt: skip
        content = xlsx_bytes(PERSON_HEADERS, rows)
        running.preview(make_run(cls.u.cell, cls.o.A1, "nguoi", content))
        make_run(cls.u.outsider, cls.o.X, "ho-so", content, name="ho-so.xlsx")
        Group.objects.create(name="Nhóm thử")
        CalendarDay.objects.create(date=date(2026, 9, 1), name="Nghỉ bù Quốc khánh")
        common = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "ai_do", "http_accept": "*/*",
                  "path_info": "/tai-khoan/dang-nhap/"}  # fmt: skip
        AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
        AccessLog.objects.create(**common)
        AccessFailureLog.objects.create(**common)
        assert LogEntry.objects.exists()  # every write above was audited

    def test_the_walk_covers_the_site(self):
        found = leaves()
        routes = {leaf.route for leaf in found}
        self.assertIn("/ho-so/<int:pk>/", routes)
        self.assertIn("/ho-so/<int:pk>/ghi-buoc/", routes)
        self.assertIn("/nguoi/<int:pk>/", routes)
        self.assertIn("/nhat-ky/", routes)
        self.assertIn("/nhap-du-lieu/<int:pk>/", routes)
        self.assertIn("/nhap-du-lieu/<int:pk>/xac-nhan/", routes)
        models = {leaf.model for leaf in found if leaf.model}
        self.assertTrue({"people.person", "org.organisation", "org.place", "accounts.user", "pipeline.event",
                         "pipeline.candidacy", "pipeline.mentorassignment", "pipeline.mentorreport",
                         "pipeline.calendarday", "reports.target"} <= models)  # fmt: skip
        self.assertGreater(len(found), 80)

    # one test per role, so a failure names the role
    def test_anonymous(self):
        self.walk("anonymous")

    def test_cell_secretary(self):
        self.walk("cell")

    def test_grassroots_officer(self):
        self.walk("grassroots")

    def test_committee(self):
        self.walk("committee")

    def test_viewer(self):
        self.walk("viewer")

    def test_admin(self):
        self.walk("admin")

    def test_outsider(self):
        self.walk("outsider")

    # --- the walk ------------------------------------------------------------------------------

    def walk(self, role: str) -> None:
        user = None if role == "anonymous" else getattr(self.u, role)
        if user is not None:
            self.client.force_login(user)
        for leaf in leaves():
            for url, where in self.urls_for(leaf, user):
                with self.subTest(role=role, url=url, where=where):
                    self.check(role, user, leaf, url, where)

    def ids(self, model, user) -> dict[str, Any]:
        """An object inside and one outside ``user``'s subtree (``None`` when there is none)."""
        rows = list(model._default_manager.order_by("pk"))
        prefix = user.organisation.path if user is not None and user.organisation_id else ""
        scoped = getattr(model, "SCOPE", None) is not None
        inside = [r for r in rows if not scoped or (org_path_of(r) or "\0").startswith(prefix)]
        outside = [r for r in rows if scoped and r not in inside]
        return {"inside": inside[0].pk if inside else None, "outside": outside[0].pk if outside else None,
                "missing": MISSING_ID}  # fmt: skip

    def urls_for(self, leaf: Leaf, user) -> list[tuple[str, str]]:
        route = leaf.route
        if leaf.name == "app_list":
            labels = re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|")
            return [(f"/quan-tri/{label}/", label) for label in labels]
        if "(?P<url>" in route:
            return [("/quan-tri/khong-co-trang-nay/", "-")]
        params = set(_PARAM.findall(route))
        if not params:
            return [(route, "-")]
        if params == {"pk"} and leaf.model_admin is None:  # a page of the site
            ids = self.ids(route_model(route), user)
        elif params == {"kind", "extension"}:  # the import templates
            return [(fill(route, kind=k, extension=e), "-") for k, e in TEMPLATE_FILES]
        elif params == {"content_type_id", "object_id"}:
            ids = self.ids(Person, user)
            ct = ContentType.objects.get_for_model(Person).pk
            return [(fill(route, content_type_id=ct, object_id=v), k) for k, v in ids.items() if v]
        elif params == {"parent_id"} or leaf.model_admin is not None:
            ids = self.ids(leaf.model_admin.model, user)
        else:
            raise AssertionError(f"no values for the parameters of {route}")
        return [(fill(route, **{p: v for p in params}), k) for k, v in ids.items() if v]

    def request(self, leaf: Leaf, url: str):
        """GET the page, or POST to it when it only answers a POST (after checking the GET)."""
        if leaf.name not in POST_PAGES:
            return self.client.get(url)
        get = self.client.get(url)
        self.assertEqual(get.status_code, 302 if get.get("Location") else 405, f"GET {url}")
        return self.client.post(url)

    def check(self, role: str, user, leaf: Leaf, url: str, where: str) -> None:
        get = self.request(leaf, url)
        if role == "anonymous":
            if url in LOGIN_URLS or leaf.name == "javascript-catalog":
                self.assertEqual(get.status_code, 200)
            elif url == "/tai-khoan/dang-xuat/":
                self.assertEqual(get.status_code, 405)  # logging out is a POST
            elif leaf.name == "set_language":
                self.assertEqual(get.status_code, 302)  # nothing to change: back to the site
            else:
                self.assertEqual(get.status_code, 302)
                if url == "/quan-tri/logout/":
                    self.assertEqual(get["Location"], "/quan-tri/")  # which sends to its login
                else:
                    self.assertTrue(get["Location"].startswith(LOGIN_URLS), get["Location"])
            return
        if where == "outside":
            # Outside the subtree is indistinguishable from missing.
            object_id = self._id_in(url)
            missing = self.request(leaf, url.replace(f"/{object_id}/", f"/{MISSING_ID}/"))
            self.assertEqual(get.status_code, missing.status_code)
            location = get.get("Location", "").replace(f"/{object_id}/", f"/{MISSING_ID}/")
            self.assertEqual(location, missing.get("Location", ""))
            self.assertNotEqual(get.status_code, 200)
            if leaf.model_admin is None:
                self.assertEqual(get.status_code, 404)
            return
        expected = self.expected(role, user, leaf, where)
        if expected is not None:
            self.assertEqual(get.status_code, expected, f"GET {url} → {get.get('Location')}")
        if leaf.model_admin is not None and leaf.action in ("add", "change") and where != "missing":
            self.check_post(role, leaf, url)

    def _id_in(self, url: str) -> str:
        return re.findall(r"/(\d+)/", url)[-1]

    def expected(self, role: str, user, leaf: Leaf, where: str) -> int | None:
        """The status of a GET by a signed-in ``role`` (``None``: anything but a server error)."""
        site = {
            "home": 200, "candidacy": 200 if where == "inside" else 404,
            "audit": 200 if user.can_read_audit else 403,
            "login": 200, "logout": 405, "password_change": 200, "password_change_done": 200,
            "index": 200, "jsi18n": 200, "javascript-catalog": 200, "autocomplete": 403,
            "view_on_site": 404,  # no model has a public page
        }  # fmt: skip
        if leaf.model_admin is None:
            if leaf.name == "app_list" or leaf.route.endswith("$"):
                return None  # 200 or 404 depending on the models the user may see
            if leaf.route == "/quan-tri/login/":
                return 302  # already signed in
            if leaf.name in site:
                return site[leaf.name]
            if where == "missing":
                return 404
            if leaf.name in WRITE_PAGES:
                return 200 if user.can_write else 403
            if leaf.name in POST_PAGES:
                return 302 if user.can_write else 403
            if leaf.name == "mentor_report":  # writers, and the mentor of that assignment
                return 200 if user.can_write else 403
            if leaf.name == "set_language":
                return 302
            if leaf.name == "dossier_pdf":  # LibreOffice converts it; without it: 503, a message
                return 200 if shutil.which("soffice") else 503
            return 200  # every other page of the site reads within the user's subtree
        allowed = POLICY(leaf.model, role)
        if where == "missing":
            return None
        if allowed is None:
            return None
        action = leaf.action
        if action in ("changelist", "history", "change", "tree_children"):
            return 200 if allowed & {"view", "change"} else 403
        if action == "add":
            return 200 if "add" in allowed else 403
        if action == "delete":
            return 200 if "delete" in allowed else 403
        if action == "password":
            return 200 if "change" in allowed else 403
        if action == "redirect":
            return 302
        if action == "tree_move":
            return 403  # a GET names no node of the user's subtree (see test_admin_scope.py)
        raise AssertionError(f"no expectation for {leaf.route}")

    def check_post(self, role: str, leaf: Leaf, url: str) -> None:
        """POST an empty form: 403 without the write permission; otherwise the form comes back."""
        allowed = POLICY(leaf.model, role)
        if allowed is None:
            return
        post = self.client.post(url, {})
        if leaf.action not in allowed:
            self.assertEqual(post.status_code, 403, f"POST {url}")
        else:
            self.assertEqual(post.status_code, 200, f"POST {url}")  # the form with its errors
            self.assertTrue(post.context["errors"], f"POST {url}")
