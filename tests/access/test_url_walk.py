"""A generated walk over every URL of ``ptdv.urls`` with every role.

The URL resolver is walked recursively, so a new page or a newly registered admin model is
covered without touching this file. Path parameters are filled with ids of real objects inside
and outside the user's subtree ("inside" is decided in Python — each model's ``SCOPE`` followed to
its organisation, an audit entry's stored path, a sign-in record's username — not by
``visible_to``, the code under test), and with an id that does not exist: an object outside the
subtree must look exactly like a missing one. Beside the test world's province P stands a second,
unrelated tree Q (:func:`tests.base.build_other_tree`) with its own people, users, audit entries,
sign-in records, import runs and task records.

What is asserted, per role:

- anonymous: every page but the login pages redirects to a login page;
- nobody ever gets a 500 (the test client re-raises server errors);
- the admin (``/quan-tri/``) is for administrators only: every other role — and an administrator
  without an organisation who is not installation-wide — is sent to the admin's login page;
- objects outside the user's subtree: 404 on the site's pages; in the admin the same answer as
  for an id that does not exist; downloads of the other tree (exports, dossier files, import
  problems, import templates) give no file;
- no page shown to a user outside Q holds anything of Q (names, CCCDs, usernames, organisations);
- the read-only user (viewer): 200 on reads, 403 on every write;
- writers: 200 on the site's write forms;
- pages that only answer a POST (confirming or cancelling an import) answer a GET with 405; the
  walk POSTs to them: writers are sent back to the page (302), the read-only user gets 403;
- :data:`POLICY` is the specification of what administrators may do in the admin.
"""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin import ModelAdmin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_tasks_db.models import DBTaskResult

from ptdv.accounts import mfa
from ptdv.accounts.audit import org_path_of
from ptdv.accounts.models import ApiToken, Role, User
from ptdv.handoff.roles import may_hand_off  # the hand-off to the national database
from ptdv.imports import running
from ptdv.imports.tasks import preview_import
from ptdv.inventory.document import can_read_inventory  # the processing inventory's pages
from ptdv.members.records import merge_people
from ptdv.org.models import Organisation, Place
from ptdv.people.models import Person, PersonMerge
from ptdv.people.sensitive import may_print_dossier, may_reveal_cccd  # masking
from ptdv.pipeline.models import CalendarDay
from ptdv.privacy.access import AccessKind, record
from ptdv.subjects import roles as subjects  # requests and breach registers
from ptdv.subjects.models import Incident, SubjectRequest
from ptdv.subjects.services import IncidentFacts, record_incident, record_request
from ptdv.web.views.people import can_merge
from tests.base import (
    WorldTestCase,
    build_other_tree,
    each_document_converted_once,
    make_person,
    make_user,
    populate,
)
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes
from tests.privacy.cccd_checks import (  # no whole CCCD on any page or download
    WHOLE_NUMBER_PAGES,
    give_everybody_a_cccd,
    whole_numbers_in,
)

MISSING_ID = 987_654_321
ROLES = ("anonymous", "cell", "grassroots", "committee", "viewer", "outsider", "homeless",
         "admin", "district_admin", "installation", "privacy")  # fmt: skip
#: Administrators: the province's (a superuser at P), a district's, the installation's.
ADMINS = {"admin", "district_admin", "installation"}
WRITERS = {"cell", "grassroots", "committee", "outsider", *ADMINS}
#: What administrators add and change in the admin (inside their subtree).
ADMIN_WRITABLE = {"org.organisation", "org.place", "reports.target", "accounts.user"}
#: What the admin only shows: rows written by the services (people: through the pipeline's
#: events, the person page and the import), append-only or derived records.
ADMIN_READ_ONLY = {
    "people.person", "pipeline.candidacy", "pipeline.event", "pipeline.mentorassignment",
    "pipeline.mentorreport", "auditlog.logentry", "axes.accessattempt", "axes.accesslog",
    "axes.accessfailurelog",
}  # fmt: skip
#: Records of the whole installation: installation-wide administrators only.
INSTALLATION_ONLY = {
    "pipeline.calendarday": {"view", "add", "change", "delete"},
    "django_tasks_database.dbtaskresult": {"view"},
}
LOGIN_URLS = ("/tai-khoan/dang-nhap/", "/quan-tri/login/")
#: The site's pages that write: writers get the form (200), the read-only user 403.
WRITE_PAGES = {
    "candidacy_step", "candidacy_correct", "candidacy_mentor_assign", "candidacy_mentor_end",
    "source_new", "candidacy_open", "target_new", "target_edit", "target_delete",
    "person_correct", "member_event", "member_receive",
}  # fmt: skip
#: Merging two records of one person, and undoing it: the grassroots officer and above.
MERGE_PAGES = {"person_merge", "person_unmerge"}
#: The requests and breach registers' forms and downloads: who gets them.
REGISTER_PAGES = {
    "request_new": lambda u: 200 if subjects.can_record_request(u) else 403,
    "request_step": lambda u: 200 if subjects.can_answer_requests(u) else 403,
    # Reading the registers: not read-only users nor mentors.
    **dict.fromkeys(
        ("request_list", "request_detail", "person_data", "incident_list", "incident_detail",
         "incident_record"),
        lambda u: 200 if subjects.can_read_registers(u) else 403,
    ),
    # The walk's requests ask for access: no deletion to carry out there.
    "request_erase": lambda u: 404 if subjects.can_erase_for_request(u) else 403,
    "person_data_xlsx": lambda u: 200 if subjects.can_export_person_data(u) else 403,
    "person_data_pdf": lambda u: (200 if shutil.which("soffice") else 503)
    if subjects.can_export_person_data(u) else 403,
    "incident_new": lambda u: 200 if subjects.can_manage_incidents(u) else 403,
    "incident_edit": lambda u: 200 if subjects.can_manage_incidents(u) else 403,
    "incident_update": lambda u: 200 if subjects.can_manage_incidents(u) else 403,
}  # fmt: skip
#: The second step of the login (a pending login; a signed-in user is sent home) and one's
#: second factor in the account area (ptdv/accounts/mfa_views.py).
MFA_LOGIN_PAGES = {"mfa_verify", "mfa_enrol_login"}
MFA_ACCOUNT_PAGES = {"mfa_recovery", "mfa_disable"}
#: The dossier's PDF made in the background (ptdv/dossier/jobs.py): its page, its progress, its
#: download (once, by the user who asked for it: tests/web/test_dossier_pdf.py).
DOSSIER_PDF_JOB = ("dossier_pdf_job", "dossier_pdf_progress", "dossier_pdf_download")
DOSSIER_DOWNLOADS = ("dossier_form", "dossier_zip", "dossier_pdf", *DOSSIER_PDF_JOB)
#: Query strings a page needs to show its form: the kind of member event to record.
PAGE_QUERIES = {"member_event": "?loai=deceased"}
#: The site's pages that only answer a POST (a GET is 405): the walk POSTs to them. Writers are
#: sent back to the object's page (302), the read-only user gets 403.
POST_PAGES = {"import_commit", "import_cancel", "person_cccd"}  # person_cccd: the CCCD reveal
#: The hand-off's file (ptdv/web/views/handoff.py): a POST, for the roles of
#: ``handoff.roles.may_hand_off``; an empty form is sent back to the page (302).
POST_PAGES |= {"handoff_download"}
#: The pickers' matches (ptdv/web/pickers.py): POST only, what is typed never in an address; a
#: GET is 405 for everyone signed in (tests/web/test_pickers.py posts to them, role by role).
PICKER_PAGES = {"picker_organisations", "picker_people", "picker_places"}
#: The pages of individuals' records, which the data protection officer (role "privacy") does
#: not open (ptdv/privacy/officer.py): 403 whether the object is inside, outside or missing.
OFFICER_CLOSED_MODULES = {f"ptdv.web.views.{name}" for name in (
    "board", "search", "people", "candidacy", "steps", "dossier", "mentor", "members", "imports",
    "handoff")}  # fmt: skip


def closed_to_officer(role: str, leaf) -> bool:
    """A page of the site that the officer does not open (the people behind a report's figure
    too)."""
    if role != "privacy" or leaf.admin:
        return False
    name = leaf.name or ""
    if is_api(leaf):
        return name.startswith(API_RECORDS)
    return leaf.pattern.callback.__module__ in OFFICER_CLOSED_MODULES or name.endswith(
        ("_drill", "_drill_excel")
    )


#: Values of the path parameters that are not ids: ``<kind>`` and ``<extension>`` of the
#: import templates.
TEMPLATE_FILES = tuple((k, e) for k in ("nguoi", "dang-vien", "ho-so") for e in ("xlsx", "csv"))
#: The query parameter naming the organisation of a list or a download (the board's filters
#: call it ``organisation``; reports, targets and imports ``to_chuc``).
FILTER_PAGES = {"board", "candidacy_list", "candidacy_export"}
#: The calendar feed (ptdv/web/views/reminders.py): no login, its secret in the address; the
#: walk's made-up secret opens nothing, for anybody (404).
FEED_PAGES = {"reminders_feed"}
#: The REST API (ptdv/api): its resources of individuals' records (URL names by prefix) are
#: closed to the data protection officer (403); its actions that only answer a POST are POSTed
#: an empty body (writers get the form's errors, 400; the read-only user 403; the CCCD reveal
#: its own roles); the schema is public, the documentation page asks for a login.
API_RECORDS = ("api-person", "api-candidacy", "api-mentor-assignment", "api-import-run")
API_POST_PAGES = {"api-person-cccd", "api-person-open", "api-candidacy-step",
                  "api-candidacy-correct", "api-candidacy-mentor"}  # fmt: skip


def is_api(leaf) -> bool:
    return leaf.route.startswith("/api/")


def POLICY(model: str, role: str) -> set[str]:
    """What ``role`` may do with ``model`` in the admin (the admin lets administrators in only)."""
    if role not in ADMINS:
        return set()
    if model in ADMIN_WRITABLE:
        return {"view", "add", "change"}
    if model in ADMIN_READ_ONLY:
        return {"view"}
    if model in INSTALLATION_ONLY:
        return INSTALLATION_ONLY[model] if role == "installation" else set()
    raise AssertionError(
        f"{model} is in the admin without a policy: decide who may do what with it (POLICY)"
    )


def route_model(route: str):
    """The model whose id fills ``<pk>`` in a page of the site (by the route's first segment)."""
    from ptdv.imports.models import ImportRun
    from ptdv.pipeline.models import Candidacy, MentorAssignment
    from ptdv.reports.models import Target

    models = {"ho-so": Candidacy, "nguoi": Person, "to-chuc": Organisation,
              "giup-do": MentorAssignment, "chi-tieu": Target,
              "nhap-du-lieu": ImportRun,
              "yeu-cau": SubjectRequest, "su-co": Incident}  # fmt: skip
    # One's personal API tokens (ptdv/web/views/api_tokens.py): only one's own, never by scope;
    # the walk's users hold none, so every id is another's or missing (404).
    models["tai-khoan"] = ApiToken
    models["dia-ban"] = Place  # the API's places (/api/<resource>/<pk>/)
    segments = route.strip("/").split("/")
    return models[segments[1] if segments[0] == "api" else segments[0]]


# --- who sees what: the oracle, in Python ----------------------------------------------------


def scope_of(user) -> str | None:
    """The path prefix ``user`` sees: ``""`` everything, ``None`` nothing."""
    if user is None:
        return None
    if user.organisation_id:
        return user.organisation.path
    return "" if user.installation_wide else None


def row_path(row) -> str | None:
    """The organisation path a row belongs to (``None``: the installation's, no subtree's)."""
    if getattr(type(row), "SCOPE", None) is not None:
        return org_path_of(row)
    if isinstance(row, LogEntry):
        return (row.additional_data or {}).get("org_path") or None
    if isinstance(row, AccessAttempt | AccessLog | AccessFailureLog):
        account = User.objects.filter(username=row.username).select_related("organisation").first()
        return account.organisation.path if account and account.organisation_id else None
    return None  # the calendar, the task queue


def visible(path: str | None, prefix: str | None) -> bool:
    if prefix is None:
        return False
    return prefix == "" or (path is not None and path.startswith(prefix))


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
    def admin(self) -> bool:
        return self.route.startswith("/quan-tri/")

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


def organisation_param(leaf: Leaf) -> str | None:
    """The query parameter of the organisation of a list or a download of the site."""
    name = leaf.name or ""
    if leaf.admin:
        return None
    if name in FILTER_PAGES:
        return "organisation"
    if "excel" in name or name in {"import_template", "target_list", "handoff"}:
        return "to_chuc"
    return None


@dataclass(frozen=True)
class Target:
    url: str
    where: str  # "-", "inside", "outside" (the other tree), "outside_near" (this tree), "missing"
    object_id: Any = None
    #: The same URL with the id of no object (to compare an outside object with a missing one).
    missing_url: str = ""


def missing_variant(url: str, object_id: Any) -> str:
    """``url`` with ``object_id`` (its last occurrence, in the path or the query) replaced by an
    id of nothing."""
    if url.endswith(f"={object_id}"):
        return url[: -len(str(object_id))] + str(MISSING_ID)
    head, found, tail = url.rpartition(f"/{object_id}/")
    return f"{head}/{MISSING_ID}/{tail}" if found else url


# --- the test ---------------------------------------------------------------------------------


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-url-walk-"))
class UrlWalk(WorldTestCase):
    """The world, the other tree and the walk; the tests, one per role, are in the classes
    below (three classes, so that a parallel run spreads them over its workers)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enterClassContext(each_document_converted_once())  # the same PDF for every role

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)
        cls.other = build_other_tree()
        o, q = cls.o, cls.other.org
        cls.u.district_admin = make_user("quantri_huyen", o.D, Role.ADMIN)
        cls.u.installation = make_user(
            "hethong", None, Role.ADMIN, is_superuser=True, installation_wide=True
        )
        # A superuser of no organisation who was not made installation-wide: sees nothing.
        cls.u.homeless = make_user("chua_gan", None, Role.ADMIN, is_superuser=True)
        # The data protection officer of the district, and read-log entries in each
        # tree (a person read, a list exported).
        cls.u.privacy = make_user("baove", o.D, Role.PRIVACY)
        for reader, person, unit in ((cls.u.cell, cls.p.mentor, o.A1),
                                     (cls.other.users.cell, None, q.QX1)):  # fmt: skip
            person = person or Person.objects.filter(cell=unit).first()
            request = RequestFactory().get("/")
            request.user = reader
            record(request, AccessKind.PERSON, person=person)
            record(request, AccessKind.LIST_EXPORT, count=3, organisation=unit)
        # Import runs in each tree: one previewed with a failing row (its problems and their
        # workbook) and its task record, one still queued.
        for user, unit, cell in ((cls.u.cell, o.A1, o.A1), (cls.other.users.cell, q.QX1, q.QX1)):
            rows = [["Lò Văn Đúng", "01/01/1990", "Nam", "", "12/12", "Nghỉ hưu", cell.name],
                    ["Sai 1 Tên", "01/01/1990", "Nam", "", "12/12", "Nghỉ hưu", cell.name]]  # fmt: skip
            run = make_run(user, unit, "nguoi", xlsx_bytes(PERSON_HEADERS, rows))
            preview_import.enqueue(run.pk)
            running.preview(run)
            assert run.failures, run.message
        content = xlsx_bytes(PERSON_HEADERS, [])
        make_run(cls.u.outsider, o.X, "ho-so", content, name="ho-so.xlsx")
        make_run(cls.other.users.admin, q.QX, "ho-so", content, name="ho-so.xlsx")
        CalendarDay.objects.create(date=date(2026, 9, 1), name="Nghỉ bù Quốc khánh")
        # A person recorded twice and merged, in each tree (the merge can be undone).
        for cell, name, actor in ((o.A1, "Trương Văn Trùng", cls.u.grassroots),
                                  (q.QX1, "Mai Văn Song", cls.other.users.admin)):  # fmt: skip
            twins = [make_person(cell, name, date(2001, 2, 3)) for _ in range(2)]
            merge_people(*twins, "Một người được ghi hai lần.", actor=actor)
        cls.other.secrets.append("Mai Văn Song")
        # Issue 12: a request of a person and an incident in each tree (the registers' pages).
        for person, unit in ((cls.made.A1.person, o.A), (cls.other.candidacy.person, q.QX)):
            record_request(person, kind="access", received_on=date.today() - timedelta(days=5),
                           channel="letter", text="Xin bản sao dữ liệu của tôi.")  # fmt: skip
            record_incident(unit, IncidentFacts(
                summary=f"Sự cố dữ liệu {unit.name}", description="Lộ danh sách nguồn.",
                detected_at=datetime.now(UTC) - timedelta(days=1), detected_by="Văn phòng",
                data_categories=["identity"]))  # fmt: skip
        cls.other.secrets.append(f"Sự cố dữ liệu {q.QX.name}")
        # Sign-in records: of an account of P, of an account of Q, of no account.
        for username in ("chibo", cls.other.users.admin.username, "ai_do"):
            common = {"user_agent": "test", "ip_address": "10.0.0.1", "username": username,
                      "http_accept": "*/*", "path_info": "/tai-khoan/dang-nhap/"}  # fmt: skip
            AccessAttempt.objects.create(
                **common, get_data="", post_data="", failures_since_start=1
            )
            AccessLog.objects.create(**common)
            AccessFailureLog.objects.create(**common)
        # Issue 12: everybody holds a CCCD, which no page or download may show whole (check()).
        cls.cccds = give_everybody_a_cccd()
        # Every write above was audited, in both trees.
        for tree in (o.P, q.Q):
            assert LogEntry.objects.filter(additional_data__org_path__startswith=tree.path)
        assert DBTaskResult.objects.count() == 2

    # --- the walk ------------------------------------------------------------------------------

    def walk(self, role: str) -> None:
        user = None if role == "anonymous" else getattr(self.u, role)
        self.role = role  # request() asks whether the page is closed to the officer
        if user is not None:
            self.client.force_login(user)
        for leaf in leaves():
            for target in self.targets(leaf, user):
                with self.subTest(role=role, url=target.url, where=target.where):
                    self.check(role, user, leaf, target)

    def ids(self, model, user) -> dict[str, Any]:
        """An object inside ``user``'s subtree, one outside it in the other tree (Q), one
        outside it in its own tree, and an id of nothing (``None`` where there is none)."""
        prefix = scope_of(user)
        rows = [(row, row_path(row)) for row in model._default_manager.order_by("pk")]
        inside = [row for row, path in rows if visible(path, prefix)]
        outside = [(row, path) for row, path in rows if not visible(path, prefix)]
        other_tree = self.other.org.Q.path
        far = [row for row, path in outside if (path or "").startswith(other_tree)]
        near = [row for row, path in outside if not (path or "").startswith(other_tree)]
        return {"inside": inside[0].pk if inside else None, "outside": far[0].pk if far else None,
                "outside_near": near[0].pk if near else None, "missing": MISSING_ID}  # fmt: skip

    def targets(self, leaf: Leaf, user) -> list[Target]:
        route = leaf.route
        if leaf.name == "app_list":
            labels = re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|")
            return [Target(f"/quan-tri/{label}/", label) for label in labels]
        if "(?P<url>" in route:
            return [Target("/quan-tri/khong-co-trang-nay/", "-")]
        params = set(_PARAM.findall(route))
        if leaf.name in FEED_PAGES:
            return [Target(fill(route, token="bi-mat-khong-dung"), "-")]
        if not params:
            found = [Target(route + PAGE_QUERIES.get(leaf.name, ""), "-")]
        elif params == {"kind", "extension"}:  # the import templates
            found = [Target(fill(route, kind=k, extension=e), "-") for k, e in TEMPLATE_FILES]
        else:
            if params == {"pk"} and leaf.model_admin is None:  # a page of the site
                ids = self.ids(route_model(route), user)
            elif params == {"pk", "merge"}:  # a merge, on the page of the record kept
                ids = self.ids(PersonMerge, user)
                kept = dict(PersonMerge.objects.values_list("pk", "kept_id"))
                return [
                    Target(url, k, v, missing_variant(url, v))
                    for k, v in ids.items()
                    if v
                    for url in [fill(route, pk=kept.get(v, MISSING_ID), merge=v)]
                ]
            elif params == {"content_type_id", "object_id"}:
                ids = self.ids(Person, user)
                ct = ContentType.objects.get_for_model(Person).pk
                ids = {k: v for k, v in ids.items() if v}
                return [
                    Target(url, k, v, missing_variant(url, v))
                    for k, v in ids.items()
                    for url in [fill(route, content_type_id=ct, object_id=v)]
                ]
            elif params == {"parent_id"} or leaf.model_admin is not None:
                ids = self.ids(leaf.model_admin.model, user)
            else:
                raise AssertionError(f"no values for the parameters of {route}")
            query = PAGE_QUERIES.get(leaf.name, "")
            return [
                Target(url, k, v, missing_variant(url, v))
                for k, v in ids.items()
                if v
                for url in [fill(route, **dict.fromkeys(params, v)) + query]
            ]
        param = organisation_param(leaf)
        if param is not None:
            # The same list or download for an organisation of the other tree, one outside the
            # subtree in the user's tree, and one of none.
            ids = self.ids(Organisation, user)
            for base in [t.url for t in found]:
                for where in ("outside", "outside_near", "missing"):
                    if ids[where]:
                        url = f"{base}?{param}={ids[where]}"
                        found.append(
                            Target(url, where, ids[where], missing_variant(url, ids[where]))
                        )
        return found

    def request(self, leaf: Leaf, url: str):
        """GET the page, or POST to it when it only answers a POST (after checking the GET)."""
        if leaf.name in API_POST_PAGES:  # an empty body: nothing is written
            return self.client.post(url, {}, content_type="application/json")
        if leaf.name not in POST_PAGES or closed_to_officer(self.role, leaf):
            return self.client.get(url)
        get = self.client.get(url)
        self.assertEqual(get.status_code, 302 if get.get("Location") else 405, f"GET {url}")
        return self.client.post(url)

    def check(self, role: str, user, leaf: Leaf, target: Target) -> None:
        url, where = target.url, target.where
        get = self.request(leaf, url)
        if role != "installation":
            self.assert_nothing_of_the_other_tree(get, url)
        # A CCCD is shown masked (but by the reveal of the page and of the API).
        if leaf.name not in WHOLE_NUMBER_PAGES | {"api-person-cccd"}:
            self.assertEqual(whole_numbers_in(get, self.cccds), [], f"{url} shows a whole CCCD")
        if role == "anonymous":
            if url in LOGIN_URLS or leaf.name == "javascript-catalog":
                self.assertEqual(get.status_code, 200)
            elif is_api(leaf) and leaf.name != "api-docs":  # the docs page: to the login page
                # The schema is public; the rest asks for a session or a token.
                expected = (200,) if leaf.name == "api-schema" else (401, 403)
                self.assertIn(get.status_code, expected, url)
            elif leaf.name in FEED_PAGES:
                self.assertEqual(get.status_code, 404)  # no login asked, nothing without the secret
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
        if leaf.admin and role not in ADMINS | {"homeless"}:
            self.assert_sent_to_the_admin_login(leaf, url, get)
            return
        if leaf.admin and role == "homeless":
            # An administrator who sees nothing does not enter the admin either.
            self.assert_sent_to_the_admin_login(leaf, url, get)
            return
        if where.startswith("outside"):
            # Outside the subtree is indistinguishable from missing.
            missing = self.request(leaf, target.missing_url)
            self.assertEqual(get.status_code, missing.status_code)
            location = get.get("Location", "")
            self.assertEqual(
                missing_variant(location, target.object_id) if location else "",
                missing.get("Location", ""),
            )
            self.assertNotIn("attachment", get.get("Content-Disposition", ""), "a file for outside")
            if "?" in url:  # a list or a download of an organisation outside the subtree
                if leaf.name == "import_template":
                    self.assertEqual(get.status_code, 403 if closed_to_officer(role, leaf) else 404)
                return
            self.assertNotEqual(get.status_code, 200)
            if not leaf.admin:
                self.assertEqual(get.status_code, 403 if closed_to_officer(role, leaf) else 404)
            return
        if "?" in url:
            return  # a missing organisation in a query: compared above with the outside one
        expected = self.expected(role, user, leaf, where)
        if expected is not None:
            self.assertEqual(get.status_code, expected, f"GET {url} → {get.get('Location')}")
        if leaf.model_admin is not None and leaf.action in ("add", "change") and where != "missing":
            self.check_post(role, leaf, url)

    def assert_sent_to_the_admin_login(self, leaf: Leaf, url: str, response) -> None:
        if leaf.name == "javascript-catalog":  # treebeard's translations: no data, as anonymous
            self.assertEqual(response.status_code, 200)
            return
        if url == "/quan-tri/logout/":  # Django sends a user it does not let in to the index…
            self.assertEqual((response.status_code, response["Location"]), (302, "/quan-tri/"))
            return  # … which sends to the login page (below)
        if url == "/quan-tri/login/":
            # The admin's login form, saying the account may not enter.
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'name="password"')
            return
        self.assertEqual(response.status_code, 302, url)
        self.assertTrue(response["Location"].startswith("/quan-tri/login/?next="), url)

    def assert_nothing_of_the_other_tree(self, response, url: str) -> None:
        if response.streaming or not response.get("Content-Type", "").startswith(
            ("text/", "application/json")  # the API's answers too
        ):
            return
        text = response.content.decode()
        for secret in self.other.secrets:
            self.assertNotIn(secret, text, f"{url} shows {secret!r} of the other tree")

    def expected(self, role: str, user, leaf: Leaf, where: str) -> int | None:
        """The status of a GET by a signed-in ``role`` (``None``: anything but a server error)."""
        if role == "homeless":  # sees nothing: the site's pages of an object are 404
            return 404 if where in ("inside", "missing") and not leaf.admin else None
        site = {
            "home": 200, "candidacy": 200 if where == "inside" else 404,
            "audit": 200 if user.can_read_audit else 403,
            "login": 200, "logout": 405, "password_change": 200, "password_change_done": 200,
            "index": 200, "jsi18n": 200, "javascript-catalog": 200, "autocomplete": 403,
            "view_on_site": 404,  # no model has a public page
            # One's own reminder preferences; the calendar feed needs its secret, not a login.
            "reminders": 200, "reminders_feed": 404,
            # The read log: the data protection officer and the administrators.
            "access_log": 200 if user.can_read_access_log else 403,
            "access_log_excel": 200 if user.can_read_access_log else 403,
            # The processing inventory: administrators and the officer.
            **dict.fromkeys(("processing_inventory", "processing_inventory_docx",
                             "processing_inventory_xlsx"), 200 if can_read_inventory(user) else 403),
        }  # fmt: skip
        if leaf.model_admin is None:
            if closed_to_officer(role, leaf):
                return 403
            if is_api(leaf):
                return self.api_expected(user, leaf, where)
            if leaf.name == "app_list" or leaf.route.endswith("$"):
                return None  # 200 or 404 depending on the models the user may see
            if leaf.route == "/quan-tri/login/":
                return 302  # already signed in
            if leaf.name in site:
                return site[leaf.name]
            if leaf.name in PICKER_PAGES:
                return 405
            if where == "missing":
                return 404
            # The requests and breach registers: their own roles (subjects/roles.py).
            if leaf.name in REGISTER_PAGES:
                return REGISTER_PAGES[leaf.name](user)
            if leaf.name in WRITE_PAGES:
                return 200 if user.can_write else 403
            if leaf.name in MERGE_PAGES:
                return 200 if can_merge(user) else 403
            if leaf.name in MFA_LOGIN_PAGES:
                return 302
            if leaf.name in MFA_ACCOUNT_PAGES:  # the walk's client passed the second factor
                if leaf.name == "mfa_disable" and mfa.is_required(user):
                    return 403  # required of the role: it cannot be turned off
                return 200 if mfa.totp_device(user) is not None else 302  # nothing to manage
            if leaf.name == "member_event_correct":  # names no event to correct
                return 404 if user.can_write else 403
            if leaf.name == "person_cccd":  # the CCCD reveal: its own roles
                return 200 if may_reveal_cccd(user) else 403
            if leaf.name == "handoff_download":  # the hand-off's file: its own roles
                return 302 if may_hand_off(user) else 403
            if leaf.name in POST_PAGES:
                return 302 if user.can_write else 403
            if leaf.name == "mentor_report":  # writers, and the mentor of that assignment
                return 200 if user.can_write else 403
            if leaf.name == "set_language":
                return 302
            if leaf.name in DOSSIER_DOWNLOADS and not may_print_dossier(user):
                return 403  # the filled forms: the roles that may see every sensitive item
            if leaf.name in ("dossier_pdf", "dossier_pdf_job"):  # LibreOffice; without it: 503
                return 200 if shutil.which("soffice") else 503
            if leaf.name == "dossier_pdf_download":  # the PDF made in the background: none asked
                return 404
            return 200  # every other page of the site reads within the user's subtree
        allowed = POLICY(leaf.model, role)
        if where == "missing":
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
            # A GET names no node: none of a subtree (see test_admin.py); for the whole
            # installation, a malformed move.
            return 403 if scope_of(user) else 400
        raise AssertionError(f"no expectation for {leaf.route}")

    def api_expected(self, user, leaf: Leaf, where: str) -> int:
        """The REST API, for a signed-in user who is not the officer on a record."""
        if leaf.name in ("api-schema", "api-docs"):
            return 200
        if where == "missing":
            return 404
        if leaf.name == "api-person-cccd":  # the CCCD reveal: its own roles
            return 200 if may_reveal_cccd(user) else 403
        if leaf.name in API_POST_PAGES:
            return 400 if user.can_write else 403  # the form's errors
        return 200

    def check_post(self, role: str, leaf: Leaf, url: str) -> None:
        """POST an empty form: 403 without the write permission; otherwise the form comes back."""
        allowed = POLICY(leaf.model, role)
        post = self.client.post(url, {})
        if leaf.action not in allowed:
            self.assertEqual(post.status_code, 403, f"POST {url}")
        else:
            self.assertEqual(post.status_code, 200, f"POST {url}")  # the form with its errors
            self.assertTrue(post.context["errors"], f"POST {url}")


class UrlWalkTests(UrlWalk):
    """The site's roles (and nobody signed in)."""

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
        self.assertEqual(
            models, ADMIN_WRITABLE | ADMIN_READ_ONLY | set(INSTALLATION_ONLY),
            "every model in the admin has its policy, and every policy its model",
        )  # fmt: skip
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


class UrlWalkOutsiderTests(UrlWalk):
    """Users outside the subtree, or of none, and the data protection officer."""

    def test_outsider(self):
        self.walk("outsider")

    def test_superuser_without_organisation(self):
        self.walk("homeless")

    def test_privacy_officer(self):
        self.walk("privacy")


class UrlWalkAdministratorTests(UrlWalk):
    """The administrators: the province's, a district's, the installation's."""

    def test_admin(self):
        self.walk("admin")

    def test_district_admin(self):
        self.walk("district_admin")

    def test_installation_wide_admin(self):
        self.walk("installation")
