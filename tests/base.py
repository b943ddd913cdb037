"""A small world for the Django tests: an organisation tree, named people per role, users.

::

    P   Đảng bộ tỉnh Thử Nghiệm (province)               ← admin (superuser)
    ├── D   Đảng bộ huyện Núi Xanh (district; competent)  ← committee, viewer
    │   ├── A   Đảng bộ xã Hòa An (grassroots committee)  ← grassroots officer
    │   │   ├── A1  Chi bộ thôn Đông (cell)               ← cell secretary
    │   │   ├── A2  Chi bộ thôn Tây (cell)
    │   │   └── AP  Đảng bộ bộ phận Trường học (partial committee)
    │   │       └── AP1 Chi bộ Trường tiểu học (cell)
    │   ├── B   Đảng bộ xã Bình Minh (grassroots committee)
    │   │   └── B1  Chi bộ thôn Bắc (cell)
    │   └── G   Chi bộ Trường THPT Núi Xanh (chi bộ cơ sở)
    └── E   Đảng bộ huyện Sông Dài (district)             ← outsider (committee)
        └── X   Đảng bộ xã Phú Lộc (grassroots committee)
            └── X1  Chi bộ thôn Nam (cell)

:func:`happy_steps` is one valid path from source to party card (dates in order, two official
introducers, complete papers, two-thirds votes); :func:`advance` records it up to a stage.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import count
from types import SimpleNamespace
from typing import Any, NamedTuple
from unittest import mock
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client as DjangoClient
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from ptdv.accounts import mfa
from ptdv.accounts.models import Role, User
from ptdv.org.models import Organisation, OrgKind, Place, PlaceKind
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy
from ptdv.reports.models import Target
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage, Step

# --- the happy path's calendar ----------------------------------------------------------------

SOURCE_ON = date(2024, 9, 3)
SYMPATHISER_ON = date(2024, 10, 1)
AWARENESS_ON = date(2024, 11, 15)
PAPERS_ON = date(2024, 12, 2)
COMMENTS_ON = date(2025, 1, 6)
CELL_ON = date(2025, 2, 10)
PARTIAL_ON = date(2025, 2, 14)
GRASSROOTS_ON = date(2025, 2, 20)
DECISION_ON = date(2025, 3, 20)
CEREMONY_ON = date(2025, 4, 10)
NEW_MEMBER_CLASS_ON = date(2025, 8, 1)
PROBATION_END = date(2026, 4, 10)
RECOGNITION_CELL_ON = date(2026, 4, 20)
#: Late on purpose (more than 30 working days after the cell's resolution).
RECOGNITION_DECISION_ON = date(2026, 7, 15)
CARD_ON = date(2026, 8, 3)

CANDIDATE_BIRTH = date(1998, 5, 20)

#: A cell vote with two thirds of 9 official members in favour (7 ≥ 6).
VOTE_PASS = {"official_members": 9, "present": 8, "in_favour": 7, "against": 1}
#: 5 of 9: present members' majority but not two thirds of the cell's official members.
VOTE_FAIL = {"official_members": 9, "present": 8, "in_favour": 5, "against": 3}

PASSWORD = "mat-khau-thu-nghiem-2026"

_cccd_serial = count(1)


def cccd_for(birth: date, sex: str, province: str = "001") -> str:
    """A valid CCCD for the person (province code, century-and-sex digit, year, serial)."""
    century = (birth.year // 100 - 19) * 2 + (0 if sex == "M" else 1)
    return f"{province}{century}{birth.year % 100:02d}{next(_cccd_serial):06d}"


def make_person(
    cell: Organisation,
    full_name: str,
    birth_date: date = CANDIDATE_BIRTH,
    *,
    sex: str = "M",
    official_since: date | None = None,
    admitted_on: date | None = None,
    **fields: Any,
) -> Person:
    """A person in ``cell``; ``official_since`` (or ``admitted_on``) makes them a member."""
    fields.setdefault("general_education", "upper_secondary")
    fields.setdefault("sector", "farmer")
    if official_since is not None:
        fields.update(
            member_status=MemberStatus.OFFICIAL,
            party_admitted_on=admitted_on or add_months(official_since, -12),
            party_official_on=official_since,
        )
    elif admitted_on is not None:
        fields.update(member_status=MemberStatus.PROBATIONARY, party_admitted_on=admitted_on)
    return Person.objects.create(
        cell=cell, full_name=full_name, birth_date=birth_date, sex=sex, **fields
    )


def make_user(username: str, organisation: Organisation | None, role: str, **fields) -> User:
    fields.setdefault("is_staff", True)
    user = User(username=username, organisation=organisation, role=role, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


# --- logging in with a second factor ---------------------------------------------------------


def pass_second_factor(client: DjangoClient, user: User) -> TOTPDevice | None:
    """Mark ``client``'s session (already logged in as ``user``) as having passed the second
    factor, as the login's second step does, when ``user`` needs one: with their TOTP device,
    enrolled here if they have none. Returns the device (``None``: no second step needed)."""
    if not mfa.second_step_needed(user):
        return None
    device = mfa.totp_device(user) or TOTPDevice.objects.create(
        user=user, name="Ứng dụng thử nghiệm", confirmed=True
    )
    session = client.session
    mfa.mark_verified(session, device)
    session.save()
    return device


class Client(DjangoClient):
    """Django's test client, whose ``force_login`` also passes the second factor.

    The site lets a user who needs a second factor (``ptdv.accounts.mfa``) in only once they
    have passed it; a plain ``force_login`` of such a user is sent to the second step at the next
    request. Tests that are about something else log in with this client (``WorldTestCase`` uses
    it); the tests of the login itself (tests/access/test_mfa.py) go through the real pages.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        pass_second_factor(self, user)


def _child(parent: Organisation, **fields) -> Organisation:
    return Organisation.objects.add_child(parent, fields)


def build_tree() -> SimpleNamespace:
    o = SimpleNamespace()
    o.P = Organisation.objects.add_root(
        dict(name="Đảng bộ tỉnh Thử Nghiệm", kind=OrgKind.PROVINCE, code="TN")
    )
    o.D = _child(o.P, name="Đảng bộ huyện Núi Xanh", kind=OrgKind.DISTRICT, code="NX")
    o.A = _child(o.D, name="Đảng bộ xã Hòa An", kind=OrgKind.GRASSROOTS_COMMITTEE)
    o.A1 = _child(o.A, name="Chi bộ thôn Đông", kind=OrgKind.CELL)
    o.A2 = _child(o.A, name="Chi bộ thôn Tây", kind=OrgKind.CELL)
    o.AP = _child(o.A, name="Đảng bộ bộ phận Trường học", kind=OrgKind.PARTIAL_COMMITTEE)
    o.AP1 = _child(o.AP, name="Chi bộ Trường tiểu học", kind=OrgKind.CELL)
    o.B = _child(o.D, name="Đảng bộ xã Bình Minh", kind=OrgKind.GRASSROOTS_COMMITTEE)
    o.B1 = _child(o.B, name="Chi bộ thôn Bắc", kind=OrgKind.CELL)
    o.G = _child(o.D, name="Chi bộ Trường THPT Núi Xanh", kind=OrgKind.GRASSROOTS_CELL)
    o.E = _child(o.P, name="Đảng bộ huyện Sông Dài", kind=OrgKind.DISTRICT, code="SD")
    o.X = _child(o.E, name="Đảng bộ xã Phú Lộc", kind=OrgKind.GRASSROOTS_COMMITTEE)
    o.X1 = _child(o.X, name="Chi bộ thôn Nam", kind=OrgKind.CELL)
    for district in (o.D, o.E):
        district.competent_committee = district
        district.direct_superior = district
        district.save()
    for name in vars(o):
        setattr(o, name, Organisation.objects.get(pk=getattr(o, name).pk))
    return o


@dataclass
class World:
    org: SimpleNamespace
    people: SimpleNamespace
    users: SimpleNamespace
    places: SimpleNamespace = field(default_factory=SimpleNamespace)


def build_world() -> World:
    """The tree, members who can introduce and mentor, and one user per role."""
    o = build_tree()
    places = SimpleNamespace(
        dong=Place.objects.create(
            name="Thôn Đông", kind=PlaceKind.VILLAGE, organisation=o.A, cell=o.A1
        ),
        tay=Place.objects.create(
            name="Thôn Tây", kind=PlaceKind.VILLAGE, organisation=o.A, cell=o.A2
        ),
        bac=Place.objects.create(
            name="Thôn Bắc", kind=PlaceKind.VILLAGE, organisation=o.B, cell=o.B1
        ),
        nam=Place.objects.create(
            name="Thôn Nam", kind=PlaceKind.VILLAGE, organisation=o.X, cell=o.X1
        ),
        truong=Place.objects.create(
            name="Trường THPT", kind=PlaceKind.SCHOOL, organisation=o.G, cell=o.G
        ),
        tram=Place.objects.create(
            name="Trạm y tế", kind=PlaceKind.HEALTH_STATION, organisation=o.B
        ),
    )
    p = SimpleNamespace()
    p.introducer1 = make_person(
        o.A1, "Nguyễn Văn Giới", date(1970, 3, 1), official_since=date(2000, 6, 1)
    )
    p.introducer2 = make_person(
        o.A1, "Trần Thị Thiệu", date(1980, 7, 9), sex="F", official_since=date(2010, 9, 2)
    )
    p.mentor = make_person(o.A1, "Lê Văn Giúp", date(1975, 1, 15), official_since=date(2005, 2, 3))
    p.mentor2 = make_person(
        o.A1, "Đỗ Thị Hỗ", date(1982, 4, 4), sex="F", official_since=date(2012, 4, 4)
    )
    # Official only 8 months before the cell considers the dossier (admitted 20 months before).
    p.new_official = make_person(
        o.A1, "Phạm Văn Mới", date(1990, 2, 2), official_since=add_months(CELL_ON, -8)
    )
    # Still probationary on the day the cell considers the dossier.
    p.probationary = make_person(
        o.A1, "Hoàng Thị Dự", date(1995, 6, 6), sex="F", admitted_on=add_months(CELL_ON, -8)
    )
    p.member_A2 = make_person(o.A2, "Vũ Văn Tây", date(1972, 5, 5), official_since=date(1998, 1, 1))
    p.member_AP1 = make_person(
        o.AP1, "Bùi Thị Giáo", date(1978, 8, 8), sex="F", official_since=date(2004, 1, 1)
    )
    p.member_AP1b = make_person(
        o.AP1, "Bùi Văn Hiệu", date(1979, 9, 9), official_since=date(2006, 1, 1)
    )
    p.member_B1 = make_person(
        o.B1, "Đặng Văn Bắc", date(1969, 9, 9), official_since=date(1995, 3, 3)
    )
    p.member_B1b = make_person(
        o.B1, "Đặng Thị Minh", date(1976, 2, 9), sex="F", official_since=date(2003, 3, 3)
    )
    p.member_G = make_person(
        o.G, "Ngô Thị Trường", date(1985, 10, 10), sex="F", official_since=date(2011, 1, 1)
    )
    p.member_Gb = make_person(
        o.G, "Ngô Văn Học", date(1984, 11, 11), official_since=date(2012, 1, 1)
    )
    p.member_X1 = make_person(
        o.X1, "Võ Văn Ngoài", date(1971, 12, 12), official_since=date(1999, 1, 1)
    )
    p.member_X1b = make_person(
        o.X1, "Võ Thị Xa", date(1973, 3, 3), sex="F", official_since=date(2001, 1, 1)
    )
    u = SimpleNamespace(
        cell=make_user("chibo", o.A1, Role.CELL),
        grassroots=make_user("dangbo_xa", o.A, Role.GRASSROOTS),
        committee=make_user("bantochuc", o.D, Role.COMMITTEE),
        viewer=make_user("xem", o.D, Role.VIEWER),
        admin=make_user("quantri", o.P, Role.ADMIN, is_superuser=True),
        outsider=make_user("ngoai", o.E, Role.COMMITTEE),
    )
    return World(org=o, people=p, users=u, places=places)


# --- the happy path ---------------------------------------------------------------------------


def introducer_paper(introducer: Person, months_together: int = 36, **extra) -> dict:
    return {
        "kind": "introducer_letter",
        "introducer_kind": "member",
        "introducer_id": introducer.pk,
        "months_together": months_together,
        "same_grassroots": True,
        **extra,
    }


def dossier_papers(introducers: tuple[Person, Person]) -> list[tuple[date, dict]]:
    """Complete papers: application, history, verification, two introducers, comments."""
    return [
        (PAPERS_ON, {"kind": "application"}),
        (PAPERS_ON, {"kind": "personal_history"}),
        (date(2024, 12, 20), {"kind": "verification", "subject": "applicant", "result": "ok"}),
        (date(2024, 12, 23), introducer_paper(introducers[0])),
        (date(2024, 12, 23), introducer_paper(introducers[1])),
        (COMMENTS_ON, {"kind": "comments"}),
    ]


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    on: date
    stage_after: Stage
    kwargs: dict = field(default_factory=dict)


def happy_steps(cell: Organisation, introducers: tuple[Person, Person]) -> list[PlannedStep]:
    """Every step from source to party card for a candidate of ``cell`` (rules satisfied)."""
    steps = [
        PlannedStep(Step.SYMPATHISER, SYMPATHISER_ON, Stage.SYMPATHISER, {"number": "12-NQ/CB"}),
        PlannedStep(
            Step.AWARENESS_CLASS,
            AWARENESS_ON,
            Stage.AWARENESS_TRAINED,
            {
                "data": {
                    "certificate_date": AWARENESS_ON.isoformat(),
                    "certificate_number": "0457/CN",
                }
            },
        ),
    ]
    steps += [
        PlannedStep(Step.DOSSIER_PAPER, on, Stage.DOSSIER, {"data": data})
        for on, data in dossier_papers(introducers)
    ]
    steps.append(
        PlannedStep(
            Step.CELL_RESOLUTION,
            CELL_ON,
            Stage.CELL_RESOLVED,
            {"votes": VOTE_PASS, "number": "05-NQ/CB"},
        )
    )
    if cell.has_partial_committee():
        steps.append(PlannedStep(Step.PARTIAL_APPRAISAL, PARTIAL_ON, Stage.PARTIAL_APPRAISED))
    if not cell.is_grassroots:
        steps.append(
            PlannedStep(
                Step.GRASSROOTS_RESOLUTION,
                GRASSROOTS_ON,
                Stage.GRASSROOTS_RESOLVED,
                {"number": "31-NQ/ĐU"},
            )
        )
    steps += [
        PlannedStep(
            Step.ADMISSION_DECISION, DECISION_ON, Stage.ADMISSION_DECIDED, {"number": "210-QĐ/HU"}
        ),
        PlannedStep(Step.CEREMONY, CEREMONY_ON, Stage.PROBATIONARY),
        PlannedStep(
            Step.NEW_MEMBER_CLASS,
            NEW_MEMBER_CLASS_ON,
            Stage.NEW_MEMBER_TRAINED,
            {"data": {"certificate_date": NEW_MEMBER_CLASS_ON.isoformat()}},
        ),
        PlannedStep(
            Step.RECOGNITION_CELL_RESOLUTION,
            RECOGNITION_CELL_ON,
            Stage.RECOGNITION_CELL_RESOLVED,
            {"votes": VOTE_PASS, "number": "09-NQ/CB"},
        ),
        PlannedStep(
            Step.RECOGNITION_DECISION,
            RECOGNITION_DECISION_ON,
            Stage.OFFICIAL,
            {"number": "388-QĐ/HU"},
        ),
        PlannedStep(
            Step.PARTY_CARD, CARD_ON, Stage.CARD_ISSUED, {"data": {"card_number": "72001234"}}
        ),
    ]
    return steps


def advance(
    candidacy: Candidacy,
    until: Stage,
    introducers: tuple[Person, Person],
    *,
    actor=None,
) -> Candidacy:
    """Record the happy path on ``candidacy`` from where it stands until it reaches ``until``.

    Only for candidacies moved along the happy path (the events already recorded are counted).
    """
    candidacy.refresh_from_db()
    if candidacy.stage == until:
        return candidacy
    steps = happy_steps(candidacy.cell, introducers)
    target = max(i for i, s in enumerate(steps) if s.stage_after == until)
    done = (
        candidacy.events.exclude(step__in=[Step.SOURCE, Step.TRANSFER, Step.CORRECTION])
        .filter(voided_by__isnull=True)
        .count()
    )
    for planned in steps[done : target + 1]:
        services.record_step(candidacy, planned.step, planned.on, actor=actor, **planned.kwargs)
    candidacy.refresh_from_db()
    assert candidacy.stage == until, (candidacy.stage, until)
    return candidacy


def new_candidacy(
    world: World, name: str = "Nguyễn Văn An", cell: Organisation | None = None, **person_fields
) -> Candidacy:
    cell = cell or world.org.A1
    person = make_person(
        cell, name, person_fields.pop("birth_date", CANDIDATE_BIRTH), **person_fields
    )
    return services.open_candidacy(person, SOURCE_ON)


def introducers_for(world: World, cell: Organisation) -> tuple[Person, Person]:
    """Two official members of the same grassroots organisation as ``cell``."""
    p, o = world.people, world.org
    by_cell = {
        o.A1.pk: (p.introducer1, p.introducer2),
        o.A2.pk: (p.introducer1, p.member_A2),
        o.AP1.pk: (p.member_AP1, p.member_AP1b),
        o.B1.pk: (p.member_B1, p.member_B1b),
        o.G.pk: (p.member_G, p.member_Gb),
        o.X1.pk: (p.member_X1, p.member_X1b),
    }
    return by_cell[cell.pk]


# --- LibreOffice, once per kind of document -----------------------------------------------------


#: The conversions made under :func:`each_document_converted_once`, by target (per process).
_CONVERTED: dict[str, bytes] = {}


@contextmanager
def each_document_converted_once():
    """LibreOffice converts one document per target (``pdf``…) per process, for real; every
    later document asked for the same target gets that PDF back. For the tests that walk every
    page (every role, every fuzzed example): they check who may download, and that nothing
    leaks in the answer, not the conversion, which tests/dossier/test_pdf.py and the person
    data's PDF test check on the document itself. A conversion starts a fresh LibreOffice
    profile (a few tenths of a second to seconds): each role converted its own dossiers."""
    from ptdv.dossier import render

    convert = render.convert

    def once(document: bytes, target: str = "pdf", **kwargs) -> bytes:
        if target not in _CONVERTED:
            _CONVERTED[target] = convert(document, target, **kwargs)
        return _CONVERTED[target]

    with (
        mock.patch.object(render, "convert", once),
        mock.patch("ptdv.web.views.person_data.convert", once),
    ):
        yield


# --- query counts ---------------------------------------------------------------------------


class Grown(NamedTuple):
    """What :meth:`QueryCountMixin.assert_queries_do_not_grow` saw: the response (or result)
    before and after the data grew, and the number of queries each cost."""

    before: Any
    after: Any
    queries: int


class QueryCountMixin:
    """Query counts of a page: ``request`` is a URL (a GET by ``self.client`` that must answer
    200) or a callable returning the response; a streamed response (an export) is read to its
    end, since its query runs while it is written."""

    def queries_of(self, request: str | Callable[[], Any]) -> tuple[Any, list[str]]:
        """The response of ``request`` and the SQL of the queries it ran."""
        with CaptureQueriesContext(connection) as captured:
            if isinstance(request, str):
                response = self.client.get(request)
                self.assertEqual(response.status_code, 200, request)
            else:
                response = request()
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        return response, [q["sql"] for q in captured.captured_queries]

    def count_queries(self, request: str | Callable[[], Any]) -> int:
        return len(self.queries_of(request)[1])

    def assert_queries_do_not_grow(
        self, make_more: Callable[[], Any], request: str | Callable[[], Any]
    ) -> Grown:
        """``request`` costs as many queries after ``make_more()`` (more rows of what it
        shows) as before; the failure lists the queries of the second request."""
        before, few = self.queries_of(request)
        make_more()
        after, many = self.queries_of(request)
        self.assertEqual(len(few), len(many), many)
        return Grown(before, after, len(few))


class WorldTestCase(QueryCountMixin, TestCase):
    """A Django test case with :func:`build_world` built once per class (its client's
    ``force_login`` passes the second factor: :class:`Client`)."""

    client_class = Client

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.o, cls.p, cls.u = cls.world.org, cls.world.people, cls.world.users

    def candidacy(
        self, name: str = "Nguyễn Văn An", cell: Organisation | None = None, **fields
    ) -> Candidacy:
        return new_candidacy(self.world, name, cell, **fields)

    def advance(self, candidacy: Candidacy, until: Stage, **kwargs) -> Candidacy:
        return advance(candidacy, until, introducers_for(self.world, candidacy.cell), **kwargs)

    def transferred_in(self, name: str = "Người Chuyển Đến") -> Candidacy:
        """A candidacy built in X1 (introduced and helped by X1's members: Võ Văn Ngoài, Võ Thị
        Xa), then moved to A1, in the other branch."""
        candidacy = self.advance(self.candidacy(name, self.o.X1), Stage.DOSSIER)
        services.assign_mentor(candidacy, self.p.member_X1b, date(2024, 12, 5))
        services.record_step(
            candidacy,
            Step.TRANSFER,
            date(2025, 1, 10),
            actor=self.u.admin,
            data={"from_cell": self.o.X1.pk, "to_cell": self.o.A1.pk},
        )
        candidacy.refresh_from_db()
        assert candidacy.cell_id == self.o.A1.pk
        return candidacy


def populate(world: World) -> SimpleNamespace:
    """A candidacy with events, a mentor, a report and a 2025 target in every cell of the world
    (both branches).

    Returns the candidacies by cell name (``A1``, ``A2``, ``AP1``, ``B1``, ``G``, ``X1``).
    """
    o, p = world.org, world.people
    mentors = {
        "A1": p.mentor, "A2": p.member_A2, "AP1": p.member_AP1, "B1": p.member_B1,
        "G": p.member_G, "X1": p.member_X1,
    }  # fmt: skip
    made = SimpleNamespace()
    for key, mentor in mentors.items():
        cell = getattr(o, key)
        candidacy = new_candidacy(world, f"Quần chúng {cell.name.removeprefix('Chi bộ ')}", cell)
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, actor=world.users.admin)
        assignment = services.assign_mentor(candidacy, mentor, SYMPATHISER_ON)
        services.file_mentor_report(
            assignment,
            "month",
            SYMPATHISER_ON,
            "Tích cực, có uy tín.",
            "good",
            filed_on=date(2024, 11, 2),
        )
        setattr(made, key, candidacy)
        Target.objects.create(organisation=cell, first_year=2025, last_year=2025, admissions=2)
    return made


def admin_form_data(response, **changes) -> dict[str, Any]:
    """POST data reproducing the admin form of ``response`` (a GET of an add/change page)."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, form_field in form.fields.items():
        if form_field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
    for inline in response.context.get("inline_admin_formsets") or ():
        # The inlines' management forms (read-only inlines: their rows as they are).
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        data.pop(k, None)
    return data


# --- a second, unrelated tree -------------------------------------------------------------------


def build_other_tree() -> SimpleNamespace:
    """Another province beside P, with its own people, users and records, as an installation
    holding several provinces' trees side by side::

        Q   Đảng bộ tỉnh Bình Yên (province)           ← other_admin (administrator, superuser)
        └── QD  Đảng bộ huyện Cù Lao (district; competent)
            └── QX  Đảng bộ xã Tân Hòa (grassroots committee)
                └── QX1  Chi bộ ấp Tân Hòa (cell)      ← other_cell

    Nobody of :func:`build_world` may learn anything of it. ``secrets`` lists what it holds that
    must never show outside it: names, CCCDs, usernames, organisation names.
    """
    q = SimpleNamespace()
    q.Q = Organisation.objects.add_root(
        dict(name="Đảng bộ tỉnh Bình Yên", kind=OrgKind.PROVINCE, code="BY")
    )
    q.QD = _child(q.Q, name="Đảng bộ huyện Cù Lao", kind=OrgKind.DISTRICT, code="CL")
    q.QX = _child(q.QD, name="Đảng bộ xã Tân Hòa", kind=OrgKind.GRASSROOTS_COMMITTEE)
    q.QX1 = _child(q.QX, name="Chi bộ ấp Tân Hòa", kind=OrgKind.CELL)
    q.QD.competent_committee = q.QD
    q.QD.direct_superior = q.QD
    q.QD.save()
    for name in vars(q):
        setattr(q, name, Organisation.objects.get(pk=getattr(q, name).pk))
    place = Place.objects.create(
        name="Ấp Tân Hòa", kind=PlaceKind.VILLAGE, organisation=q.QX, cell=q.QX1
    )

    def person(full_name, birth, sex="M", **fields):
        return make_person(
            q.QX1, full_name, birth, sex=sex, cccd=cccd_for(birth, sex, "079"), **fields
        )

    p = SimpleNamespace(
        member=person("Lâm Văn Khánh", date(1968, 4, 2), official_since=date(1994, 5, 19)),
        member2=person(
            "Châu Thị Ngọc Hân", date(1977, 8, 30), sex="F", official_since=date(2002, 9, 2)
        ),
        candidate=person("Thạch Văn Sang", date(1999, 1, 9)),
    )
    u = SimpleNamespace(
        admin=make_user("quantri_binhyen", q.Q, Role.ADMIN, is_superuser=True),
        cell=make_user("chibo_tanhoa", q.QX1, Role.CELL),
    )
    candidacy = services.open_candidacy(p.candidate, SOURCE_ON, actor=u.cell)
    services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, actor=u.cell)
    assignment = services.assign_mentor(candidacy, p.member, SYMPATHISER_ON)
    services.file_mentor_report(
        assignment, "month", SYMPATHISER_ON, "Chăm chỉ, gương mẫu.", "good",
        filed_on=date(2024, 11, 4),
    )  # fmt: skip
    Target.objects.create(organisation=q.QX1, first_year=2025, last_year=2025, admissions=3)
    people = list(vars(p).values())
    secrets = (
        [x.full_name for x in people]
        + [x.cccd for x in people]
        + [x.username for x in vars(u).values()]
        + [o.name for o in vars(q).values()]
        + [place.name]
    )
    return SimpleNamespace(
        org=q, people=p, users=u, candidacy=candidacy, place=place, secrets=secrets
    )


# --- who may open a page that writes ---------------------------------------------------------


class CreatePageAccessTests:
    """The access tests every page that writes inherits, after the manner of NetBox's
    ``utilities.testing.ViewTestCases``: a test class (a :class:`WorldTestCase`) names its
    page's URLs and its roles, and inherits the checks:

    - a read-only role gets 403, on GET and on POST (:attr:`read_only`);
    - each role that may write gets the form: 200 on GET (:attr:`can_write`);
    - an anonymous visitor is sent to the login page, on GET and on POST.

    This class is for a page that creates something (no object in its URL: an outsider writes
    in their own subtree there); :class:`WritePageAccessTests` adds the outsiders' 404 for a
    page on an object. Roles are named by their attribute of ``self.u`` (:func:`build_world`).

    Configure with:

    - :meth:`access_url` (one URL) or :meth:`access_urls` (several pages that check the same
      way); called once in each inherited test, inside its transaction, so it may create the
      object the URLs name;
    - :meth:`access_post_data`: what the refused POSTs send (the form filled in, so that a
      missing check would write);
    - :meth:`assert_nothing_written`: called after the refused POSTs of each inherited test.
    """

    #: Roles that may write here: each gets 200 on GET.
    can_write: tuple[str, ...] = ("cell", "grassroots", "committee")
    #: Roles that see the object but may not write here: each gets 403 on GET and POST.
    read_only: tuple[str, ...] = ("viewer",)

    def access_url(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} names its page: access_url()")

    def access_urls(self) -> list[str]:
        return [self.access_url()]

    def access_post_data(self, user: User) -> dict[str, Any]:
        """The data ``user`` posts where the page must refuse them."""
        return {}

    def assert_nothing_written(self) -> None:
        """Nothing changed after the refused POSTs (the class says what it would have written)."""

    def _users(self, names: tuple[str, ...]) -> list[User]:
        return [getattr(self.u, name) for name in names]

    def assert_status(self, users: list[User], urls: list[str], status: int, *, post=True) -> None:
        """Each of ``users`` gets ``status`` on each of ``urls`` (GET, and POST when ``post``)."""
        for user in users:
            self.client.force_login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, status)
                    if post:
                        data = self.access_post_data(user)
                        self.assertEqual(self.client.post(url, data).status_code, status)

    def test_read_only_gets_403(self):
        urls = self.access_urls()
        self.assertTrue(self.read_only, "a page that writes has readers it refuses")
        self.assert_status(self._users(self.read_only), urls, 403)
        self.assert_nothing_written()

    def test_writer_gets_the_form(self):
        urls = self.access_urls()
        self.assertTrue(self.can_write, "a page that writes has writers")
        self.assert_status(self._users(self.can_write), urls, 200, post=False)

    def test_anonymous_is_sent_to_login(self):
        login = resolve_url(settings.LOGIN_URL)
        self.client.logout()
        for url in self.access_urls():
            for method in ("get", "post"):
                with self.subTest(url=url, method=method):
                    response = getattr(self.client, method)(url)
                    self.assertEqual(response.status_code, 302)
                    self.assertEqual(response["Location"], f"{login}?next={quote(url, safe='/')}")
        self.assert_nothing_written()


class WritePageAccessTests(CreatePageAccessTests):
    """:class:`CreatePageAccessTests` for a page on an object, which it loads through the scope
    (``get_visible_or_404``) and the write check (``ptdv.web.toolkit.get_writable``), plus:

    - an outsider (a user of another subtree, :attr:`outsiders`) gets 404 on GET and POST, as
      for an object that does not exist;
    - :meth:`missing_urls`, the page of an object that does not exist (or that the user does not
      see), gives every role that may write the same 404.
    """

    #: Users of other subtrees: each gets 404 on GET and POST.
    outsiders: tuple[str, ...] = ("outsider",)

    def missing_urls(self) -> list[str]:
        """The page of objects that do not exist for the roles that may write (≤ 8-digit ids)."""
        return []

    def test_outsider_gets_404(self):
        urls = self.access_urls()
        self.assertTrue(self.outsiders, "a page on an object has outsiders")
        self.assert_status(self._users(self.outsiders), urls, 404)
        self.assert_status(self._users(self.can_write), self.missing_urls(), 404)
        self.assert_nothing_written()
