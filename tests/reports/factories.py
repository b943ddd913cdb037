"""Fast builders of report datasets: thousands of people and events in a few bulk inserts.

- :class:`Tree` computes treebeard's materialised paths itself and inserts the whole tree with
  one ``bulk_create`` (``add_child`` costs several queries per node).
- :class:`Dataset` collects people and candidacies and writes them with ``bulk_create``. A
  candidacy is a list of :class:`Ev` (its events in recording order); its cached stage and the
  person's membership fields are derived with the application's own state machine and cache
  function (:func:`ptdv.rules.stages.derive`, :func:`ptdv.pipeline.history.state_fields`,
  :func:`ptdv.pipeline.services.membership_fields`), so an
  invalid sequence of steps fails while the dataset is built, not in the report.
- :func:`path` plans the happy path of a candidacy around one anchored step, with fixed gaps
  between the steps (:data:`OFFSETS`), so a test controls exactly which steps fall in a period.
- :func:`seed_000`, :func:`seed_001`, :func:`seed_003` build the worlds of the seed articles
  (/work/shared/seeds) whose figures the reports must print; each documents what it holds,
  including the records that must *not* be counted (events just outside the period, voided
  steps, people who left, other units), which carry attributes that would raise every figure.
- :func:`report`, :func:`units`, :func:`units_total`, :func:`row_of`, :func:`share_of` read
  built reports.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from types import SimpleNamespace
from typing import Any

from django.utils import translation

from ptdv.members.spells import rebuild as rebuild_spells
from ptdv.org.models import Organisation, OrgKind, Place, PlaceCell
from ptdv.people.models import MemberStatus, Person
from ptdv.people.text import fold, normalise_name, sort_key
from ptdv.pipeline.history import state_fields
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import membership_fields
from ptdv.reports.figures import build
from ptdv.reports.models import Target
from ptdv.reports.stays import rebuild as rebuild_stays
from ptdv.rules.months import add_months
from ptdv.rules.stages import (
    VOTE_STEPS,
    EventFact,
    Step,
    derive,
)

# --- the organisation tree ----------------------------------------------------------------------


class Tree:
    """Organisations planned in memory, inserted at once by :meth:`save`.

    ``root``/``child`` return unsaved :class:`Organisation` objects whose ``path``, ``depth`` and
    ``numchild`` are already right; after :meth:`save` they carry their primary keys.
    """

    def __init__(self):
        self.nodes: list[Organisation] = []
        self._children: dict[str, int] = defaultdict(int)
        last = Organisation.objects.get_last_root_node()
        self._roots = Organisation._str2int(last.path) if last else 0

    def root(self, name: str, kind: str, **fields: Any) -> Organisation:
        self._roots += 1
        node = Organisation(
            name=name,
            kind=kind,
            path=Organisation._get_path(None, 1, self._roots),
            depth=1,
            numchild=0,
            **fields,
        )
        self.nodes.append(node)
        return node

    def child(self, parent: Organisation, name: str, kind: str, **fields: Any) -> Organisation:
        self._children[parent.path] += 1
        parent.numchild += 1
        node = Organisation(
            name=name,
            kind=kind,
            path=Organisation._get_path(parent.path, parent.depth + 1, self._children[parent.path]),
            depth=parent.depth + 1,
            numchild=0,
            **fields,
        )
        self.nodes.append(node)
        return node

    def save(self) -> list[Organisation]:
        Organisation.objects.bulk_create(self.nodes)
        if any(n.pk is None for n in self.nodes):  # a backend that returns no keys
            by_path = dict(Organisation.objects.values_list("path", "pk"))
            for node in self.nodes:
                node.pk = node.id = by_path[node.path]
        return self.nodes


def under_partial_committee(org: Organisation, tree: Tree | list[Organisation]) -> bool:
    nodes = tree.nodes if isinstance(tree, Tree) else tree
    ancestors = {org.path[:i] for i in range(4, len(org.path), 4)}
    return any(n.path in ancestors and n.kind == OrgKind.PARTIAL_COMMITTEE for n in nodes)


# --- places and their history -------------------------------------------------------------------


def save_places(rows: list[tuple[Place, list[tuple[date, Organisation | None]]]]) -> list[Place]:
    """Insert places with their ``PlaceCell`` history; ``Place.cell`` is the latest row's cell."""
    for place, history in rows:
        # The latest row wins, the last written among rows of the same day (as the report reads).
        place.cell = sorted(history, key=lambda h: h[0])[-1][1] if history else None
    Place.objects.bulk_create([p for p, _ in rows])
    PlaceCell.objects.bulk_create(
        [
            PlaceCell(place=p, cell=cell, since=since)
            for p, history in rows
            for since, cell in history
        ]
    )
    return [p for p, _ in rows]


# --- people ---------------------------------------------------------------------------------------

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Lò", "Quàng", "Giàng"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "A", "Seo"]
GIVEN = ["An", "Bình", "Chiến", "Dung", "Hà", "Hiêng", "Lan", "Mai", "Pằng", "Sơn", "Thắng"]


def name_for(n: int) -> str:
    return (
        f"{FAMILY[n % len(FAMILY)]} {MIDDLE[n // 11 % len(MIDDLE)]} "
        f"{GIVEN[n // 99 % len(GIVEN)]} {n}"
    )


def birth_for_age(age: int, on: date, days_after_birthday: int = 100) -> date:
    """A birth date such that the person is ``age`` full years old on ``on``, their last
    birthday ``days_after_birthday`` (< 365) days before."""
    try:
        same_day = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        same_day = date(on.year - age, 2, 28)
    return same_day - timedelta(days=days_after_birthday)


# --- candidacies ------------------------------------------------------------------------------------


@dataclass
class Ev:
    """One planned event. ``cell`` defaults to the candidacy's cell at the time (transfers move it);
    ``voids`` is the index, in the candidacy's list, of the event a correction voids."""

    step: Step
    date: date
    cell: Organisation | None = None
    data: dict[str, Any] = field(default_factory=dict)
    voids: int | None = None
    passed: bool | None = None


#: Days from the source to each step of the happy path (the gaps used by :func:`path`).
OFFSETS: dict[Step, int] = {
    Step.SOURCE: 0,
    Step.SYMPATHISER: 30,
    Step.AWARENESS_CLASS: 60,
    Step.DOSSIER_PAPER: 100,
    Step.CELL_RESOLUTION: 300,
    Step.PARTIAL_APPRAISAL: 310,
    Step.GRASSROOTS_RESOLUTION: 320,
    Step.ADMISSION_DECISION: 350,
    Step.CEREMONY: 400,
    Step.NEW_MEMBER_CLASS: 480,
    Step.RECOGNITION_CELL_RESOLUTION: 770,
    Step.RECOGNITION_DECISION: 790,
    Step.PARTY_CARD: 820,
}
HAPPY: tuple[Step, ...] = tuple(OFFSETS)


def path(
    until: Step,
    at: tuple[Step, date],
    *,
    grassroots_cell: bool = False,
    partial: bool = False,
    not_after: date | None = None,
) -> list[Ev]:
    """The happy path up to ``until``, with ``at[0]`` on ``at[1]`` and the gaps of :data:`OFFSETS`.

    A chi bộ cơ sở has no grassroots resolution; a cell under a partial committee has the
    partial appraisal. Steps after ``not_after`` (the dataset's "today") are left out.
    """
    anchor_step, anchor_date = at
    source = anchor_date - timedelta(days=OFFSETS[anchor_step])
    events = []
    for step in HAPPY:
        if step is Step.GRASSROOTS_RESOLUTION and grassroots_cell:
            continue
        if step is Step.PARTIAL_APPRAISAL and not partial:
            continue
        day = source + timedelta(days=OFFSETS[step])
        if not_after is not None and day > not_after:
            break
        events.append(Ev(step, day))
        if step is until:
            break
    return events


def path_for(cell: Organisation, nodes, until: Step, at: tuple[Step, date], **kwargs) -> list[Ev]:
    """:func:`path` for a candidacy of ``cell`` (its kind and partial committee read from ``nodes``)."""
    return path(
        until,
        at,
        grassroots_cell=cell.kind == OrgKind.GRASSROOTS_CELL,
        partial=under_partial_committee(cell, nodes),
        **kwargs,
    )


_serial = count(1)


class Dataset:
    """People and candidacies planned in memory and written by :meth:`save` in bulk."""

    def __init__(self):
        self.people: list[Person] = []
        self.plans: list[tuple[Person, Organisation, list[Ev]]] = []
        #: After :meth:`save`: the candidacies, in the order of ``plans``.
        self.candidacies: list[Candidacy] = []

    def person(
        self,
        cell: Organisation,
        *,
        birth_date: date = date(1990, 6, 15),
        sex: str = "M",
        admitted_on: date | None = None,
        official_on: date | None = None,
        left_on: date | None = None,
        **fields: Any,
    ) -> Person:
        """A person of ``cell``; ``admitted_on`` (and ``official_on``, ``left_on``) make them a
        member admitted before the system (no events)."""
        n = next(_serial)
        full_name = normalise_name(fields.pop("full_name", None) or name_for(n))
        fields.setdefault("general_education", "upper_secondary")
        fields.setdefault("sector", "farmer")
        if admitted_on is not None:
            if left_on is not None:
                status = MemberStatus.LEFT
            elif official_on is not None:
                status = MemberStatus.OFFICIAL
            else:
                status = MemberStatus.PROBATIONARY
            fields.setdefault("member_status", status)
        person = Person(
            full_name=full_name,
            search_name=fold(full_name),
            sort_key=sort_key(full_name),
            birth_date=birth_date,
            sex=sex,
            cell=cell,
            party_admitted_on=admitted_on,
            party_official_on=official_on,
            party_left_on=left_on,
            **fields,
        )
        self.people.append(person)
        return person

    def candidacy(self, person: Person, events: list[Ev], cell: Organisation | None = None):
        """A candidacy of ``person`` opened in ``cell`` (default: the person's cell)."""
        self.plans.append((person, cell or person.cell, events))

    def save(self) -> None:
        states = {}
        for person, _opened_in, events in self.plans:
            state = derive(facts(events))
            states[id(person)] = state
            fields = membership_fields(state)
            if fields is not None:
                for name, value in fields.items():
                    setattr(person, name, value)
            if state.cell_id is not None:
                person.cell_id = state.cell_id
        Person.objects.bulk_create(self.people, batch_size=500)
        candidacies = []
        for person, opened_in, events in self.plans:
            state = states[id(person)]
            candidacies.append(
                Candidacy(
                    person=person,
                    attempt=1,
                    opened_on=events[0].date,
                    version=len(events),
                    # The cached columns the reports read, by the services' own function (the
                    # deadlines are not read by the reports: left empty).
                    **state_fields(state, opening_cell_id=opened_in.pk),
                )
            )
        Candidacy.objects.bulk_create(candidacies, batch_size=500)
        self.candidacies = candidacies
        first, corrections = [], []
        for candidacy, (_, opened_in, events) in zip(candidacies, self.plans, strict=True):
            made: list[Event] = []
            cell_id = opened_in.pk
            for seq, ev in enumerate(events, start=1):
                passed = ev.passed
                if passed is None and ev.step in VOTE_STEPS:
                    passed = True
                event = Event(
                    candidacy=candidacy,
                    seq=seq,
                    step=ev.step,
                    date=ev.date,
                    cell_id=ev.cell.pk if ev.cell is not None else cell_id,
                    passed=passed,
                    data=dict(ev.data),
                    reason="Đính chính" if ev.step is Step.CORRECTION else "",
                )
                if ev.step is Step.TRANSFER:
                    cell_id = ev.data["to_cell"]
                made.append(event)
                if ev.step is Step.CORRECTION:
                    event.voids = made[ev.voids]
                    corrections.append(event)
                else:
                    first.append(event)
        Event.objects.bulk_create(first, batch_size=1000)
        for event in corrections:
            event.voids_id = event.voids.pk
        Event.objects.bulk_create(corrections, batch_size=1000)
        rebuild_spells(p.pk for p in self.people)  # bulk writes send no signal
        rebuild_stays(c.pk for c in candidacies)


def facts(events: list[Ev]) -> list[EventFact]:
    """The planned events as the state machine reads them (ids: positions from 1)."""
    return [
        EventFact(
            id=i + 1,
            step=ev.step,
            date=ev.date,
            data=dict(ev.data),
            voids=(ev.voids + 1) if ev.voids is not None else None,
            passed=(ev.passed if ev.passed is not None else True)
            if ev.step in VOTE_STEPS
            else None,
        )
        for i, ev in enumerate(events)
    ]


def transfer(to_cell: Organisation, on: date, from_cell: Organisation) -> Ev:
    return Ev(Step.TRANSFER, on, data={"to_cell": to_cell.pk, "from_cell": from_cell.pk})


def picks(rng: random.Random, population: int, k: int) -> set[int]:
    """``k`` distinct indices of ``range(population)``."""
    return set(rng.sample(range(population), k))


# --- seed 000: Đảng bộ Khối Các cơ quan tỉnh Đắk Nông, term 2010–2015 ----------------------------

#: Ceremonies of the bloc per year of the term: 683 in all (the article's figure).
S000_ADMITTED_PER_YEAR = {2010: 100, 2011: 110, 2012: 115, 2013: 118, 2014: 120, 2015: 120}
S000_ON = date(2015, 12, 31)
S000_TODAY = date(2016, 1, 15)
#: Members at the end of the term and their composition (the article's figures).
S000_MEMBERS = {
    "members": 1842,
    "women": 577,
    "young": 752,
    "ethnic_minority": 97,
    "religious": 26,
    "university": 1214,
    "master": 35,
    "doctor": 1,
    "technical_worker": 90,
}
#: The attributes of people who must not be counted: they would raise every figure.
DISTRACTOR = {
    "sex": "F",
    "ethnicity": "02",
    "religion": "buddhism",
    "professional_level": "university",
    "youth_union_member": True,
    "local_resident": True,
    "sector": "state_enterprise",
}


def _spread(year: int, n: int) -> list[date]:
    """``n`` days spread over ``year`` from 1 January to 31 December."""
    return _spread_between(date(year, 1, 1), date(year, 12, 31), n)


def _spread_between(first: date, last: date, n: int) -> list[date]:
    """``n`` days from ``first`` to ``last``, both included."""
    span = (last - first).days
    return [first + timedelta(days=round(k * span / (n - 1))) for k in range(n)]


def _member_attributes(rng: random.Random, n: int, on: date, figures: dict[str, int]) -> list[dict]:
    """``n`` attribute sets with exactly ``figures`` women, young, ethnic minority, … on ``on``."""
    women = picks(rng, n, figures["women"])
    young = picks(rng, n, figures["young"])
    minority = picks(rng, n, figures["ethnic_minority"])
    religious = picks(rng, n, figures["religious"])
    levels = (
        ["university"] * figures["university"]
        + ["master"] * figures["master"]
        + ["doctor"] * figures["doctor"]
        + ["technical_worker"] * figures["technical_worker"]
    )
    rest = n - len(levels)
    levels += [("college", "vocational", "none")[i % 3] for i in range(rest)]
    rng.shuffle(levels)
    rows = []
    for i in range(n):
        age = 19 + i % 11 if i in young else 32 + i % 27
        rows.append(
            {
                "sex": "F" if i in women else "M",
                "birth_date": birth_for_age(age, on, days_after_birthday=5 + i % 300),
                "ethnicity": ("20", "02", "03", "08")[i % 4] if i in minority else "01",
                "religion": ("catholicism", "buddhism", "protestantism")[i % 3]
                if i in religious
                else "none",
                "professional_level": levels[i],
                "sector": "agency",
                "general_education": "upper_secondary",
            }
        )
    return rows


def seed_000() -> SimpleNamespace:
    """Đảng bộ Khối Các cơ quan tỉnh Đắk Nông (seed 000).

    - 683 ceremonies in the bloc's cells in 2010–2015 (one of those members later moved to
      another bloc), against the term target of 600 set by the bloc: "vượt 13,83%".
    - 1,842 members on 31/12/2015 with the article's composition: the 682 admitted in the term
      who stayed, one member admitted in another bloc who moved in, three admitted on 31/12/2009
      (before the term) and 1,156 older members.
    - Not counted: a ceremony voided by a correction, a ceremony on 05/01/2016, members who left
      (one on the day of the snapshot), candidates still in the pipeline, the other bloc.
    - Units planned in some years: yearly targets for 2014 of two committees, a chi bộ cơ sở and a
      cell (under a committee that has its own), and a term target of one committee.
    """
    rng = random.Random(0)
    tree = Tree()
    province = tree.root("Đảng bộ tỉnh Đắk Nông", OrgKind.PROVINCE)
    bloc = tree.child(province, "Đảng bộ Khối Các cơ quan tỉnh", OrgKind.BLOC)
    committee_names = (
        "Đảng bộ Bệnh viện Đa khoa tỉnh",
        "Đảng bộ Sở Nông nghiệp - PTNT",
        "Đảng bộ Sở Giao thông - Vận tải",
        "Đảng bộ Cục thuế tỉnh",
    )
    committees = [tree.child(bloc, n, OrgKind.GRASSROOTS_COMMITTEE) for n in committee_names]
    cells = [
        tree.child(gc, f"Chi bộ {k} ({gc.name.removeprefix('Đảng bộ ')})", OrgKind.CELL)
        for gc in committees
        for k in (1, 2, 3)
    ]
    grassroots_cells = [
        tree.child(bloc, "Chi bộ Báo Đắk Nông", OrgKind.GRASSROOTS_CELL),
        tree.child(bloc, "Chi bộ Sở Tài nguyên - Môi trường", OrgKind.GRASSROOTS_CELL),
    ]
    cells += grassroots_cells
    other_bloc = tree.child(province, "Đảng bộ Khối Doanh nghiệp tỉnh", OrgKind.BLOC)
    other_committee = tree.child(
        other_bloc, "Đảng bộ Công ty Cao su Đắk Nông", OrgKind.GRASSROOTS_COMMITTEE
    )
    other_cell = tree.child(other_committee, "Chi bộ Nông trường 1", OrgKind.CELL)
    tree.save()
    nodes = tree.nodes
    unit_of = {
        c.pk: next(u for u in [*committees, *grassroots_cells] if c.path.startswith(u.path))
        for c in cells
    }

    ds = Dataset()
    attributes = _member_attributes(rng, S000_MEMBERS["members"], S000_ON, S000_MEMBERS)
    slot = iter(attributes)
    admitted_by_unit_year: dict[tuple[int, int], int] = defaultdict(int)

    # The 683 ceremonies of the term in the bloc's cells.
    ceremonies = [d for year, n in S000_ADMITTED_PER_YEAR.items() for d in _spread(year, n)]
    moved_out = 5  # this member moves to the other bloc after the ceremony
    for i, day in enumerate(ceremonies):
        cell = cells[i % len(cells)]
        admitted_by_unit_year[(unit_of[cell.pk].pk, day.year)] += 1
        if i == moved_out:
            person = ds.person(cell, birth_date=birth_for_age(25, S000_ON), **_distractor())
            events = path_for(cell, nodes, Step.CEREMONY, (Step.CEREMONY, day))
            events.append(transfer(other_cell, day + timedelta(days=30), cell))
        else:
            person = ds.person(cell, **next(slot))
            events = path_for(
                cell, nodes, Step.PARTY_CARD, (Step.CEREMONY, day), not_after=S000_TODAY
            )
        ds.candidacy(person, events)
    # Admitted in the other bloc during the term, moved into the bloc afterwards.
    person = ds.person(other_cell, **next(slot))
    events = path_for(other_cell, nodes, Step.CEREMONY, (Step.CEREMONY, date(2013, 5, 10)))
    events.append(transfer(cells[3], date(2014, 2, 1), other_cell))
    ds.candidacy(person, events)
    # Admitted on the last day before the term.
    for k in range(3):
        cell = cells[k]
        person = ds.person(cell, **next(slot))
        ds.candidacy(
            person,
            path_for(cell, nodes, Step.PARTY_CARD, (Step.CEREMONY, date(2009, 12, 31))),
        )
    # Older members.
    for k, attrs in enumerate(slot):
        admitted = date(1980 + k % 29, 1 + k % 12, 1 + k % 28)
        ds.person(
            cells[k % len(cells)], admitted_on=admitted, official_on=year_later(admitted), **attrs
        )

    # --- not counted --------------------------------------------------------------------------
    for k in range(12):  # left the party in 2013
        ds.person(
            cells[k],
            admitted_on=date(1995, 3, 2),
            official_on=date(1996, 3, 2),
            left_on=date(2013, 6, 1),
            birth_date=birth_for_age(29, S000_ON),
            **_distractor(),
        )
    ds.person(
        cells[1],
        admitted_on=date(1990, 3, 2),
        official_on=date(1991, 3, 2),
        left_on=S000_ON,
        birth_date=birth_for_age(29, S000_ON),
        **_distractor(),
    )
    late = ds.person(cells[2], birth_date=birth_for_age(25, S000_ON), **_distractor())
    ds.candidacy(late, path_for(cells[2], nodes, Step.CEREMONY, (Step.CEREMONY, date(2016, 1, 5))))
    voided = ds.person(cells[4], birth_date=birth_for_age(25, S000_ON), **_distractor())
    events = path_for(cells[4], nodes, Step.CEREMONY, (Step.CEREMONY, date(2014, 6, 10)))
    events.append(Ev(Step.CORRECTION, date(2014, 6, 20), voids=len(events) - 1))
    ds.candidacy(voided, events)
    for k in range(5):
        person = ds.person(cells[k], birth_date=birth_for_age(24, S000_ON), **_distractor())
        ds.candidacy(
            person, path_for(cells[k], nodes, Step.DOSSIER_PAPER, (Step.SOURCE, date(2015, 3, 1)))
        )
    for _k in range(20):
        ds.person(
            other_cell,
            admitted_on=date(2000, 1, 1),
            official_on=date(2001, 1, 1),
            birth_date=birth_for_age(25, S000_ON),
            **_distractor(),
        )
    for day in _spread(2012, 10):
        person = ds.person(other_cell, birth_date=birth_for_age(25, S000_ON), **_distractor())
        ds.candidacy(person, path_for(other_cell, nodes, Step.CEREMONY, (Step.CEREMONY, day)))
    ds.save()

    targets = SimpleNamespace(
        term=Target.objects.create(
            organisation=bloc,
            first_year=2010,
            last_year=2015,
            admissions=600,
            basis="Nghị quyết Đại hội Đảng bộ Khối Các cơ quan tỉnh, nhiệm kỳ 2010–2015",
        ),
        committee_term=Target.objects.create(
            organisation=committees[2], first_year=2010, last_year=2015, admissions=150
        ),
        y2014=[
            Target.objects.create(
                organisation=committees[0], first_year=2014, last_year=2014, admissions=12
            ),
            Target.objects.create(
                organisation=committees[1], first_year=2014, last_year=2014, admissions=9
            ),
            Target.objects.create(
                organisation=grassroots_cells[0], first_year=2014, last_year=2014, admissions=3
            ),
        ],
        # Detail of committees[0]'s own target: not added to it.
        cell_2014=Target.objects.create(
            organisation=cells[0], first_year=2014, last_year=2014, admissions=5
        ),
    )
    return SimpleNamespace(
        province=province,
        bloc=bloc,
        committees=committees,
        grassroots_cells=grassroots_cells,
        cells=cells,
        other_bloc=other_bloc,
        other_cell=other_cell,
        targets=targets,
        admitted_by_unit_year=dict(admitted_by_unit_year),
    )


def _distractor() -> dict[str, Any]:
    return dict(DISTRACTOR)


def year_later(day: date) -> date:
    return add_months(day, 12)


# --- seed 001: Đảng bộ phường Hội Hợp, the first 8 months of 2018 ----------------------------------

S001_TODAY = date(2018, 9, 26)
S001_START, S001_END = date(2018, 1, 1), date(2018, 8, 31)
#: Ceremonies 12 months before the period: [01/01/2017, 31/08/2017] in the ward's cells.
S001_DUE = 15


def seed_001() -> SimpleNamespace:
    """Đảng bộ phường Hội Hợp (seed 001): in 01–08/2018, 30 sent to the awareness class, 6
    admitted, 15 recognised as official members.

    - Each figure has events on the first and the last day of the period, and events on
      31/12/2017 and 01/09/2018 that must not count; a ceremony voided by a correction.
    - A candidate who attended the class in another ward's cell and moved to Hội Hợp afterwards:
      the class counts for the other ward (``Event.cell``).
    - The other ward (Đống Đa) has events in the period: 4 classes, 2 ceremonies, 3 recognitions.
    - Due for recognition (ceremonies between 01/01/2017 and 31/08/2017): 14 of the 15
      recognised (the one recognised on 01/01/2018 was admitted on 07/12/2016) and the one
      recognised on 01/09/2018 (admitted 07/08/2017): 15.
    """
    tree = Tree()
    province = tree.root("Đảng bộ tỉnh Vĩnh Phúc", OrgKind.PROVINCE)
    city = tree.child(province, "Đảng bộ thành phố Vĩnh Yên", OrgKind.DISTRICT)
    ward = tree.child(city, "Đảng bộ phường Hội Hợp", OrgKind.GRASSROOTS_COMMITTEE)
    cells = [tree.child(ward, f"Chi bộ khu dân cư số {k}", OrgKind.CELL) for k in range(1, 7)]
    cells.append(tree.child(ward, "Chi bộ Trường mầm non Hội Hợp", OrgKind.CELL))
    other_ward = tree.child(city, "Đảng bộ phường Đống Đa", OrgKind.GRASSROOTS_COMMITTEE)
    other_cells = [tree.child(other_ward, f"Chi bộ tổ dân phố {k}", OrgKind.CELL) for k in (1, 2)]
    tree.save()
    nodes = tree.nodes
    ds = Dataset()

    def candidate(cell, until, at, **fields):
        person = ds.person(cell, birth_date=date(1994, 4, 4), **fields)
        events = path_for(cell, nodes, until, at, not_after=S001_TODAY)
        ds.candidacy(person, events)
        return person, events

    # 30 at the awareness class (they go on to the dossier, no further).
    for k, day in enumerate(_spread_between(S001_START, S001_END, 30)):
        candidate(cells[k % len(cells)], Step.DOSSIER_PAPER, (Step.AWARENESS_CLASS, day))
    # 6 ceremonies (their class was in 2017).
    admitted_on = [
        date(2018, 1, 1),
        date(2018, 3, 15),
        date(2018, 5, 19),
        date(2018, 6, 30),
        date(2018, 8, 2),
        date(2018, 8, 31),
    ]
    for k, day in enumerate(admitted_on):
        candidate(cells[k], Step.NEW_MEMBER_CLASS, (Step.CEREMONY, day))
    # 15 recognitions (ceremony 390 days earlier).
    recognised_on = [date(2018, 1, 1), *_spread_between(date(2018, 2, 1), S001_END, 14)]
    for k, day in enumerate(recognised_on):
        candidate(
            cells[k % len(cells)], Step.RECOGNITION_DECISION, (Step.RECOGNITION_DECISION, day)
        )
    # --- not counted --------------------------------------------------------------------------
    for day in (date(2017, 12, 31), date(2018, 9, 1)):
        candidate(cells[0], Step.AWARENESS_CLASS, (Step.AWARENESS_CLASS, day), **_distractor())
        candidate(cells[1], Step.CEREMONY, (Step.CEREMONY, day), **_distractor())
        candidate(
            cells[2], Step.RECOGNITION_DECISION, (Step.RECOGNITION_DECISION, day), **_distractor()
        )
    person = ds.person(cells[3], **_distractor())
    events = path_for(cells[3], nodes, Step.CEREMONY, (Step.CEREMONY, date(2018, 4, 20)))
    events.append(Ev(Step.CORRECTION, date(2018, 4, 25), voids=len(events) - 1))
    ds.candidacy(person, events)
    # Class in Đống Đa, then moved to Hội Hợp.
    person = ds.person(other_cells[0], **_distractor())
    events = path_for(
        other_cells[0], nodes, Step.AWARENESS_CLASS, (Step.AWARENESS_CLASS, date(2018, 3, 10))
    )
    events.append(transfer(cells[4], date(2018, 4, 1), other_cells[0]))
    ds.candidacy(person, events)
    # The other ward's own activity.
    for day in _spread_between(S001_START, S001_END, 4):
        candidate(other_cells[1], Step.AWARENESS_CLASS, (Step.AWARENESS_CLASS, day))
    for day in (date(2018, 2, 2), date(2018, 7, 7)):
        candidate(other_cells[1], Step.CEREMONY, (Step.CEREMONY, day))
    for day in (date(2018, 2, 3), date(2018, 5, 5), date(2018, 8, 8)):
        candidate(other_cells[0], Step.RECOGNITION_DECISION, (Step.RECOGNITION_DECISION, day))
    # Members of the ward who came before the system.
    for k in range(40):
        ds.person(
            cells[k % len(cells)], admitted_on=date(2000, 5, 19), official_on=date(2001, 5, 19)
        )
    ds.save()
    return SimpleNamespace(
        province=province,
        city=city,
        ward=ward,
        cells=cells,
        other_ward=other_ward,
        other_cells=other_cells,
    )


# --- seed 003: Đảng bộ huyện Tuần Giáo, 2016 → 31/03/2018 ---------------------------------------

S003_START, S003_ON = date(2016, 1, 1), date(2018, 3, 31)
S003_TODAY = date(2018, 4, 13)
COMMUNES = (
    "thị trấn Tuần Giáo",
    "xã Quài Nưa",
    "xã Quài Cang",
    "xã Quài Tở",
    "xã Chiềng Sinh",
    "xã Chiềng Đông",
    "xã Tỏa Tình",
    "xã Tênh Phông",
    "xã Pú Nhung",
    "xã Rạng Đông",
    "xã Ta Ma",
    "xã Phình Sáng",
    "xã Mường Mùn",
    "xã Pú Xi",
    "xã Mường Thín",
    "xã Nà Sáy",
    "xã Nà Tòng",
    "xã Mường Khong",
    "xã Chiềng Khoang",
)
S003_NEW = {
    "admitted": 470,
    "youth_union": 426,
    "women": 172,
    "ethnic_minority": 374,
    "local_resident": 247,
}


def seed_003() -> SimpleNamespace:
    """Đảng bộ huyện Tuần Giáo (seed 003), on 31/03/2018, compared with 01/01/2016.

    - 60 grassroots organisations: 19 commune committees and 4 other committees (23), 37 chi bộ
      cơ sở; 319 cells under the committees; 3,790 members. Not counted: a committee and its
      cell dissolved in 2017, the 18 merged cells dissolved when their villages got their own
      cells, a cell founded on 10/04/2018, and another district.
    - 237 villages: 153 with their own cell throughout; 10 merged cells serving 20 villages
      throughout; 18 merged cells (36 villages) replaced by one new cell per village; 18
      villages without a cell that got one; 10 without a cell on 31/03/2018 (one gets the cell
      founded on 10/04/2018 from 15/04/2018). So on 01/01/2016: 153 own, 56 merged, 28 none;
      on 31/03/2018: 207 own (87,3%), 20 merged, 10 none; 54 new village cells.
    - 470 admitted in the period: 426 youth union members, 172 women, 374 ethnic minority,
      247 local residents; not counted: ceremonies on 31/12/2015 and 01/04/2018, a voided one.
    """
    rng = random.Random(3)
    tree = Tree()
    province = tree.root("Đảng bộ tỉnh Điện Biên", OrgKind.PROVINCE)
    district = tree.child(province, "Đảng bộ huyện Tuần Giáo", OrgKind.DISTRICT)
    communes = [
        tree.child(district, f"Đảng bộ {n}", OrgKind.GRASSROOTS_COMMITTEE) for n in COMMUNES
    ]
    agencies = [
        tree.child(district, n, OrgKind.GRASSROOTS_COMMITTEE)
        for n in (
            "Đảng bộ Công an huyện",
            "Đảng bộ Quân sự huyện",
            "Đảng bộ Bệnh viện Đa khoa huyện",
            "Đảng bộ Trường PTDTNT huyện",
        )
    ]
    grassroots_cells = [
        tree.child(district, f"Chi bộ cơ quan số {k}", OrgKind.GRASSROOTS_CELL)
        for k in range(1, 38)
    ]
    forestry = tree.child(
        district,
        "Đảng bộ Lâm trường Tuần Giáo",
        OrgKind.GRASSROOTS_COMMITTEE,
        founded_on=date(1990, 1, 1),
        dissolved_on=date(2017, 5, 1),
    )
    tree.child(forestry, "Chi bộ Đội sản xuất 1", OrgKind.CELL, dissolved_on=date(2017, 5, 1))

    # Villages: plan the units (a pair shares a merged cell) commune by commune.
    units = (["B"] * 10 + ["C"] * 18) + (["D"] * 18 + ["E"] * 10 + ["A"] * 153)
    pairs = [u for u in units if u in "BC"]
    singles = [u for u in units if u in "ADE"]
    rng.shuffle(pairs)
    rng.shuffle(singles)
    # From the second day: a change on the first day is the subject of StartOfPeriodTests.
    new_days = iter(_spread_between(S003_START + timedelta(days=1), S003_ON, 54))
    plan = []  # (commune, [(village name, category)], shared change day)
    n_village = 0
    for index, commune in enumerate(communes):
        capacity = 13 if index < 9 else 12
        while capacity:
            if (
                pairs
                and capacity >= 2
                and (capacity > 2 or not singles or len(pairs) * 2 >= len(singles))
            ):
                kind, size = pairs.pop(), 2
            else:
                kind, size = singles.pop(), 1
            names = [
                f"Bản {COMMUNES[index].split(' ', 1)[1]} {n_village + j + 1}" for j in range(size)
            ]
            n_village += size
            capacity -= size
            plan.append((commune, kind, names))
    assert not pairs and not singles, (len(pairs), len(singles))

    old = date(2005, 1, 1)
    village_cells: list[Organisation] = []
    place_rows: list[tuple[Place, list[tuple[date, Organisation | None]]]] = []
    own_cells = []  # category A cells (exist throughout): the new members' cells
    future_cell = None
    founded_old = iter([None, date(1998, 5, 5), date(2010, 3, 2), date(2015, 12, 31)] * 100)
    for commune, kind, names in plan:
        places = [Place(name=n, kind="village", organisation=commune) for n in names]
        if kind == "A":
            cell = tree.child(
                commune, f"Chi bộ {names[0]}", OrgKind.CELL, founded_on=next(founded_old)
            )
            own_cells.append(cell)
            village_cells.append(cell)
            place_rows.append((places[0], [(old, cell)]))
        elif kind == "B":
            cell = tree.child(
                commune,
                f"Chi bộ ghép {names[0]} – {names[1]}",
                OrgKind.CELL,
                founded_on=date(2008, 8, 8),
            )
            village_cells.append(cell)
            place_rows += [(p, [(old, cell)]) for p in places]
        elif kind == "C":
            day = next(new_days)
            merged = tree.child(
                commune,
                f"Chi bộ ghép {names[0]} – {names[1]}",
                OrgKind.CELL,
                founded_on=date(2008, 8, 8),
                dissolved_on=day,
            )
            for p, n in zip(places, names, strict=True):
                cell = tree.child(commune, f"Chi bộ {n}", OrgKind.CELL, founded_on=day)
                village_cells.append(cell)
                place_rows.append((p, [(old, merged), (day, cell)]))
        elif kind == "D":
            day = next(new_days)
            cell = tree.child(commune, f"Chi bộ {names[0]}", OrgKind.CELL, founded_on=day)
            village_cells.append(cell)
            place_rows.append((places[0], [(old, None), (day, cell)]))
        else:  # E
            history = [(old, None)]
            if future_cell is None:
                future_cell = tree.child(
                    commune, f"Chi bộ {names[0]}", OrgKind.CELL, founded_on=date(2018, 4, 10)
                )
                history.append((date(2018, 4, 15), future_cell))
            place_rows.append((places[0], history))
    # Other cells (schools, health stations, agencies): 319 - 217 = 102.
    other_cells = [
        tree.child(a, f"Chi bộ {k}", OrgKind.CELL, founded_on=date(2001, 1, 1))
        for a in agencies
        for k in range(1, 9)
    ]
    for k in range(70):
        commune = communes[k % len(communes)]
        other_cells.append(tree.child(commune, f"Chi bộ Trường học số {k + 1}", OrgKind.CELL))
    for k in range(5):  # a few schools with their own cell, health stations without one
        place_rows.append(
            (
                Place(name=f"Trường số {k + 1}", kind="school", organisation=communes[k % 19]),
                [(old, other_cells[32 + k])],
            )
        )
    for k in range(3):
        place_rows.append(
            (
                Place(name=f"Trạm y tế {k + 1}", kind="health_station", organisation=communes[k]),
                [(old, None)],
            )
        )

    # Another district.
    other_district = tree.child(province, "Đảng bộ huyện Mường Ảng", OrgKind.DISTRICT)
    other_commune = tree.child(other_district, "Đảng bộ xã Ẳng Nưa", OrgKind.GRASSROOTS_COMMITTEE)
    outside_cells = [tree.child(other_commune, f"Chi bộ bản Nưa {k}", OrgKind.CELL) for k in (1, 2)]
    tree.save()
    for k, cell in enumerate(outside_cells):
        place_rows.append(
            (
                Place(name=f"Bản Nưa {k + 1}", kind="village", organisation=other_commune),
                [(old, cell)],
            )
        )
    nodes = tree.nodes
    save_places(place_rows)
    assert len(village_cells) == 217 and len(other_cells) == 102

    # --- people -----------------------------------------------------------------------------
    ds = Dataset()
    n_new = S003_NEW["admitted"]
    youth = picks(rng, n_new, S003_NEW["youth_union"])
    women = picks(rng, n_new, S003_NEW["women"])
    minority = picks(rng, n_new, S003_NEW["ethnic_minority"])
    local = picks(rng, n_new, S003_NEW["local_resident"])
    for i, day in enumerate(_spread_between(S003_START, S003_ON, n_new)):
        cell = own_cells[i % len(own_cells)]
        person = ds.person(
            cell,
            birth_date=birth_for_age(20 + i % 25, day),
            sex="F" if i in women else "M",
            youth_union_member=i in youth,
            ethnicity=("03", "08", "29")[i % 3] if i in minority else "01",
            local_resident=i in local,
            general_education="lower_secondary",
        )
        ds.candidacy(
            person,
            path_for(cell, nodes, Step.PARTY_CARD, (Step.CEREMONY, day), not_after=S003_TODAY),
        )
    # Admitted the day before the period: a member, not a new one.
    person = ds.person(own_cells[0], **_distractor())
    ds.candidacy(
        person,
        path_for(
            own_cells[0],
            nodes,
            Step.PARTY_CARD,
            (Step.CEREMONY, date(2015, 12, 31)),
            not_after=S003_TODAY,
        ),
    )
    alive = [*village_cells, *other_cells, *grassroots_cells]
    assert len(alive) == 356
    legacy = 3790 - n_new - 1
    for k in range(legacy):
        admitted = date(1975 + k % 40, 1 + k % 12, 1 + k % 28)
        ds.person(
            alive[k % len(alive)],
            admitted_on=admitted,
            official_on=year_later(admitted),
            birth_date=birth_for_age(30 + k % 40, S003_ON),
            ethnicity="03",
        )
    # --- not counted --------------------------------------------------------------------------
    person = ds.person(own_cells[1], **_distractor())
    ds.candidacy(
        person, path_for(own_cells[1], nodes, Step.CEREMONY, (Step.CEREMONY, date(2018, 4, 1)))
    )
    person = ds.person(own_cells[2], **_distractor())
    events = path_for(own_cells[2], nodes, Step.CEREMONY, (Step.CEREMONY, date(2017, 3, 10)))
    events.append(Ev(Step.CORRECTION, date(2017, 3, 12), voids=len(events) - 1))
    ds.candidacy(person, events)
    for k in range(15):
        ds.person(
            alive[k],
            admitted_on=date(1990, 1, 1),
            official_on=date(1991, 1, 1),
            left_on=date(2017, 1 + k % 12, 1),
            **_distractor(),
        )
    for k in range(20):
        person = ds.person(own_cells[k], **_distractor())
        ds.candidacy(
            person, path_for(own_cells[k], nodes, Step.SYMPATHISER, (Step.SOURCE, date(2017, 9, 1)))
        )
    for k in range(30):
        ds.person(outside_cells[k % 2], admitted_on=date(2000, 1, 1), official_on=date(2001, 1, 1))
    for day in _spread_between(S003_START, S003_ON, 10):
        person = ds.person(outside_cells[0], **_distractor())
        ds.candidacy(person, path_for(outside_cells[0], nodes, Step.CEREMONY, (Step.CEREMONY, day)))
    ds.save()
    return SimpleNamespace(
        province=province,
        district=district,
        communes=communes,
        agencies=agencies,
        grassroots_cells=grassroots_cells,
        forestry=forestry,
        other_district=other_district,
        future_cell=future_cell,
    )


# --- reading reports ------------------------------------------------------------------------------

UNITS_TITLE = "Theo đơn vị"


def report(kind: str, organisation: Organisation, **kwargs: Any):
    """``figures.build`` in Vietnamese (the tables' titles are looked up by their text)."""
    with translation.override("vi"):
        return build(kind, organisation, **kwargs)


def units(report) -> dict[int, dict[str, Any]]:
    """The "Theo đơn vị" table: organisation id → drill code → value (total row left out)."""
    for table in report.tables:
        if table.title == UNITS_TITLE:
            return {
                row.organisation_id: {c.drill: c.value for c in row.cells if c.drill}
                for row in table.rows
                if not row.total
            }
    return {}


def units_total(report) -> dict[str, Any]:
    for table in report.tables:
        if table.title == UNITS_TITLE:
            row = next(r for r in table.rows if r.total)
            return {c.drill: c.value for c in row.cells if c.drill}
    return {}


def row_of(report, code: str):
    """The first row holding a cell with the drill code ``code``."""
    for table in report.tables:
        for row in table.rows:
            if any(c.drill == code for c in row.cells):
                return row
    raise KeyError(code)


def share_of(report, code: str):
    """The percentage next to the figure ``code`` in a composition table."""
    row = row_of(report, code)
    index = next(i for i, c in enumerate(row.cells) if c.drill == code)
    return row.cells[index + 1].value
