"""The large datasets of the benchmarks: a merged province and the nation, written with COPY.

The demo builder (:class:`ptdv.demo.builder.Builder`) holds its whole dataset in memory and
writes it with ``bulk_create``: fine for a province of 100,000 members, too slow and too large
for the nation's 5.6 million. :class:`LargeBuilder` is the same builder — the same generators of
the tree, the people, the members, the candidacies and their events, the same cached state
(``fill_cache``: ``derive``, ``evaluate``, ``cache_fields``) — with these differences:

- its ``bulk_create`` and ``bulk_update`` calls write with ``COPY`` (:mod:`ptdv.demo.copywriter`),
  the tree in one pass (the ids are taken before the rows are sent, so a node's references are
  set at once), in one transaction per province whose foreign keys are not checked row by row
  (:meth:`CopyWriter.trusted`): :func:`unreferenced` checks them all once the build is over;
- it builds one province under an optional parent (the national root), with an organisation
  code and a CCCD area code of its own, so provinces built one after the other do not collide;
- the members' spells of the members whose record nothing changed are computed in memory with
  the same pure functions (``rules.membership``) and copied; the others' are rebuilt by
  ``members.spells.rebuild`` for those people only.

:func:`build_nation` builds the national root, then each province in turn, dropping each from
memory once written: the memory held is one province's. The stage tallies are rebuilt once at
the end (:func:`finish`), as the demo builder does after its own writes.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections.abc import Callable
from datetime import date

from django.db import connection, connections, models, transaction

from ptdv.members import spells
from ptdv.members.models import MemberEvent, MemberSpell
from ptdv.org.models import Organisation, OrgKind, Place, PlaceCell
from ptdv.people.models import Person
from ptdv.pipeline import tallies
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.reports.models import Target
from ptdv.rules.membership import spells as member_spells
from ptdv.rules.membership import timeline
from ptdv.rules.stages import Step

from .builder import Builder
from .copywriter import CopyWriter, copy_bulk_creates
from .shapes import NationShape, Shape
from .tree import TreeWriter

#: The tables the builder writes.
WRITTEN: list[type[models.Model]] = [
    Organisation, Place, PlaceCell, Person, Candidacy, Event, MentorAssignment, MentorReport,
    MemberEvent, MemberSpell, Target,
]  # fmt: skip


class CopyTree(TreeWriter):
    """The tree written by a :class:`CopyWriter` (in one pass on PostgreSQL)."""

    def __init__(self, writer: CopyWriter):
        super().__init__()
        self.writer = writer

    def save(self) -> None:
        if not self.writer.is_postgresql:
            super().save()
            return
        self.writer.write(Organisation, self.nodes)


class LargeBuilder(Builder):
    """One province of a large dataset (see the module). ``parent``: the organisation the
    province sits under (``None``: the province is the root); ``rank``: how many provinces were
    built under ``parent`` before it; ``code``: its organisation code; ``area``: the three
    digits its people's CCCD numbers begin with."""

    def __init__(
        self,
        shape: Shape,
        today: date,
        writer: CopyWriter,
        *,
        parent: Organisation | None = None,
        rank: int = 0,
        code: str = "SL",
        area: str = "011",
    ):
        super().__init__(shape, today)
        self.writer = writer
        self.tree = CopyTree(writer)
        self.parent = parent
        self.rank = rank
        self.code = code
        self.area = area
        self.phases: dict[str, float] = {}
        self._introducers: set[int] = set()
        self._mentors: set[int] = set()
        self._applicants: list = []
        self._changed: set[int] = set()
        self._arrived: list = []

    # the parts that differ from the demo builder ----------------------------------------------

    def build_tree(self) -> None:
        tree = self.tree
        if self.parent is not None:
            tree._children[self.parent.path] = self.rank
        root = tree.add(self.parent, self.shape.province, OrgKind.PROVINCE, code=self.code)
        for district_shape in self.shape.districts:
            self._district(root, district_shape)
        for bloc_shape in self.shape.blocs:
            self._bloc(root, bloc_shape)
        self.root = root

    def _cccd(self, birth: date, sex: str) -> str:
        self.cccd_serial += 1
        century = (birth.year // 100 - 19) * 2 + (0 if sex == "M" else 1)
        return f"{self.area}{century}{birth.year % 100:02d}{self.cccd_serial:06d}"

    def _candidacy_events(self, rows):
        made = super()._candidacy_events(rows)
        all_events, _corrections, assignments = made
        for event in all_events:
            data = event.data
            introducer = data.get("introducer_id") if isinstance(data, dict) else None
            if event.step == Step.DOSSIER_PAPER and introducer:
                self._introducers.add(int(introducer))
        self._mentors |= {a.mentor.pk for a in assignments}
        self._applicants += [(row[0], row[3]) for row in rows]
        return made

    def _busy_members(self) -> set[int]:
        """The members who introduce or help a candidate: from the rows built (the demo
        builder reads them back from the database, which holds every province's here)."""
        return self._introducers | self._mentors

    def _leaving_events(self, rng, busy):
        events, changed = super()._leaving_events(rng, busy)
        self._changed = {p.pk for p in changed}
        return events, changed

    def _arrivals(self, rng):
        arrivals = super()._arrivals(rng)
        self._arrived = [p for p, _info in arrivals]
        return arrivals

    # building -----------------------------------------------------------------------------------

    def _phase(self, name: str, fn: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        fn()
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0

    def build(self) -> dict[str, int]:
        """Write the province (in one transaction); returns the counts of the demo builder."""
        with copy_bulk_creates(self.writer), transaction.atomic(), self.writer.trusted():
            self._phase("tree", self._write_tree)
            self._phase("members", self.build_members)
            self._phase("candidacies", self.build_candidacies)
            self._phase("member events", self.build_member_events)
            self._phase("targets", self.build_targets)
            self._phase("member spells", self._write_spells)
        self._applicants = []  # their candidacies and events: written, not needed any more
        self.counts["organisations"] = len(self.tree.nodes)
        self.counts["cells"] = len(self.cells)
        self.counts["places"] = len(self.places)
        return self.counts

    def _write_tree(self) -> None:
        self.build_tree()
        self.tree.save()
        for place in self.places:
            place.organisation_id = place.organisation.pk
            place.cell_id = place.cell.pk if place.cell else None
        Place.objects.bulk_create(self.places)
        self._place_history()

    def _write_spells(self) -> None:
        """The members' spells (what ``spells.rebuild()`` writes for the people built here)."""
        rows = []
        for info in self.cells:
            for p in info.members:
                if p.pk in self._changed:
                    continue
                found = member_spells(
                    timeline(
                        admitted_on=p.party_admitted_on, left_on=p.party_left_on, cell_id=p.cell_id
                    )
                )
                rows += [
                    (p.pk, s.cell_id, s.start, s.end or spells.OPEN_END, s.start_reason,
                     s.end_reason)
                    for s in found
                ]  # fmt: skip
        names = ["person", "cell", "start", "end", "start_reason", "end_reason"]
        self.writer.copy_rows(MemberSpell, names, rows)
        others = set(self._changed) | {p.pk for p in self._arrived}
        others |= {
            person.pk
            for candidacy, person in self._applicants
            if person.party_admitted_on is not None
            or any(e.step == Step.CEREMONY for e in candidacy._events)
        }
        self.counts["member_spells"] = len(rows) + spells.rebuild(sorted(others))


def build_province(
    shape: Shape, today: date, writer: CopyWriter, **options
) -> tuple[LargeBuilder, dict[str, int]]:
    """Build ``shape`` with :class:`LargeBuilder`; the builder (its cells and members in memory,
    for the history added after) and its counts."""
    builder = LargeBuilder(shape, today, writer, **options)
    return builder, builder.build()


def build_nation(
    shape: NationShape,
    today: date,
    writer: CopyWriter,
    progress: Callable[[int, dict[str, int]], None] | None = None,
    *,
    workers: int = 1,
) -> dict[str, float]:
    """The national root and each province under it, one after the other (each dropped from
    memory once written); ``progress(i, counts)`` after each. With ``workers`` > 1 (PostgreSQL),
    that many processes build the provinces side by side, each province in a fresh process.
    Returns the seconds per phase, summed over the provinces."""
    root = Organisation(
        name=shape.root,
        kind=OrgKind.CENTRAL,
        code="TW",
        path=Organisation._get_path(None, 1, 1),
        depth=1,
        numchild=len(shape.provinces),
    )
    with copy_bulk_creates(writer):
        Organisation.objects.bulk_create([root])
    jobs = [(i, province, today, root.pk, root.path) for i, province in enumerate(shape.provinces)]
    phases: dict[str, float] = {}

    def done(i: int, built: dict[str, float], counts: dict[str, int], rows: dict[str, int]):
        for name, seconds in built.items():
            phases[name] = phases.get(name, 0.0) + seconds
        for table, n in rows.items():
            writer.rows[table] = writer.rows.get(table, 0) + n
        if progress is not None:
            progress(i, counts)

    if workers <= 1 or not writer.is_postgresql:
        for job in jobs:
            done(*_build_province_job(job, writer.using))
        return phases
    connections.close_all()  # the processes open their own
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, maxtasksperchild=1) as pool:
        for result in pool.imap_unordered(
            functools.partial(_build_province_job, using=writer.using), jobs
        ):
            done(*result)
    return phases


def _build_province_job(job, using: str = "default"):
    """Build province ``i`` of the nation; (i, its phases, its counts, the rows it wrote)."""
    i, province, today, root_pk, root_path = job
    writer = CopyWriter(using)
    builder = LargeBuilder(
        province,
        today,
        writer,
        parent=Organisation(pk=root_pk, path=root_path, depth=1),
        rank=i,
        code=f"T{i + 1:02d}",
        area=f"{i + 1:03d}",
    )
    counts = builder.build()
    return i, builder.phases, counts, writer.rows


def finish(writer: CopyWriter) -> int:
    """The stage tallies rebuilt from the candidacies written (their rows copied too)."""
    with copy_bulk_creates(writer):
        return tallies.rebuild()


def unreferenced(written: list[type[models.Model]] | None = None) -> dict[str, int]:
    """Rows whose foreign key names no row, per ``table.column`` (none expected): what the
    checks left out while copying (:meth:`CopyWriter.trusted`) would have refused. One
    anti-join per foreign key of the tables the builder writes."""
    quote = connection.ops.quote_name
    found: dict[str, int] = {}
    for model in written or WRITTEN:
        table = quote(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.remote_field.model._meta
            column = quote(field.column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {quote(target.db_table)} r "
                    f"WHERE r.{quote(target.pk.column)} = t.{column})"
                )
                n = cursor.fetchone()[0]
            if n:
                found[f"{model._meta.db_table}.{field.column}"] = n
    return found
