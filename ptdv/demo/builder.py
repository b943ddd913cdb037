"""A deterministic, fictional dataset at any scale: the demo and the benchmarks.

Everything is written with ``bulk_create`` (thousands of rows a second); the candidacies' events
follow the same state machine and the cached state is computed by the same pure functions as
the pipeline's services (``derive``, ``assemble_facts``, ``evaluate``, ``membership_fields``), so
what the builder writes is what recording the steps one by one would have written.

The parts, each a mixin of :class:`Builder`: ``shapes`` (the shape of the dataset), ``tree``
(the organisation tree and the places), ``people`` (people and the cells' members),
``candidacies`` (candidacies, their events, mentors and reports) and ``members`` (member events).
"""

from __future__ import annotations

import random
from datetime import date

from django.db import connection, transaction

from ptdv.members import spells
from ptdv.org.models import Organisation, OrgKind, Place
from ptdv.pipeline import tallies
from ptdv.pipeline.evaluation import working_calendar
from ptdv.reports import stays
from ptdv.reports.models import Target
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, Stage

from .candidacies import EXIT_REASONS, EXIT_STEP, STAGE_WEIGHTS, CandidacyBuilder
from .members import MemberEventBuilder
from .names import PlaceNames
from .shapes import BlocShape, DistrictShape, Shape, demo_shape, province_shape
from .tree import (
    BATCH,
    ETHNIC_MIX_LOWLAND,
    ETHNIC_MIX_MOUNTAIN,
    CellInfo,
    TreeBuilder,
    TreeWriter,
)

__all__ = [
    "BATCH",
    "ETHNIC_MIX_LOWLAND",
    "ETHNIC_MIX_MOUNTAIN",
    "EXIT_REASONS",
    "EXIT_STEP",
    "STAGE_WEIGHTS",
    "BlocShape",
    "Builder",
    "CellInfo",
    "DistrictShape",
    "Shape",
    "TreeWriter",
    "demo_shape",
    "province_shape",
    "stage_names",
]


class Builder(TreeBuilder, CandidacyBuilder, MemberEventBuilder):
    def __init__(self, shape: Shape, today: date):
        self.shape = shape
        self.today = today
        self.rng = random.Random(shape.seed)
        self.place_names = PlaceNames(random.Random(shape.seed + 1))
        self.tree = TreeWriter()
        self.places: list[Place] = []
        #: (place, cell or None, since): the rows of each place's history (PlaceCell).
        self.place_history: list[tuple[Place, Organisation | None, date]] = []
        self.cells: list[CellInfo] = []
        self.cccd_serial = 0
        self.calendar = working_calendar()
        self.counts: dict[str, int] = {}

    def build_targets(self) -> None:
        """Targets: every grassroots organisation registers one for this year; the district and
        the bloc committees set one for the term; the province sets none (its units plan)."""
        rng, year = self.rng, self.today.year
        term_first = year - (year - 2025) % 5
        rows = []
        for node in self.tree.nodes:
            if node.kind in (OrgKind.GRASSROOTS_COMMITTEE, OrgKind.GRASSROOTS_CELL):
                admissions = rng.randint(2, 8) if node.kind == OrgKind.GRASSROOTS_COMMITTEE else 1
                rows.append(
                    Target(
                        organisation=node,
                        first_year=year,
                        last_year=year,
                        admissions=admissions,
                        women=admissions // 2,
                        basis="Đăng ký đầu năm",
                    )
                )
            elif node.kind in (OrgKind.DISTRICT, OrgKind.BLOC):
                rows.append(
                    Target(
                        organisation=node,
                        first_year=term_first,
                        last_year=term_first + 5,
                        admissions=rng.randint(8, 12) * 50,
                        women=200,
                        youth=300,
                        ethnic_minority=150,
                        local_residents=200,
                        village_coverage=85 if node.kind == OrgKind.DISTRICT else None,
                        basis=f"Nghị quyết Đại hội Đảng bộ nhiệm kỳ {term_first}–{term_first + 5}",
                    )
                )
        Target.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["targets"] = len(rows)

    def build(self) -> dict[str, int]:
        with transaction.atomic():
            self.build_tree()
            self.tree.save()
            for place in self.places:
                place.organisation_id = place.organisation.pk
                place.cell_id = place.cell.pk if place.cell else None
            Place.objects.bulk_create(self.places, batch_size=BATCH)
            self._place_history()
            self.build_members()
            self.build_candidacies()
            self.build_member_events()
            self.build_targets()
            # Bulk writes send no signal: every member's spells, from what was just written.
            self.counts["member_spells"] = spells.rebuild()
            tallies.rebuild()  # the summaries kept with the events
            self.counts["stage_stays"] = stays.rebuild()  # and the funnel's stays
        if connection.vendor == "sqlite":
            # After a bulk load, SQLite's planner needs statistics (Django never runs ANALYZE):
            # without them it walks the events' (step, date) index instead of a cell's few
            # candidacies. PostgreSQL's autovacuum analyses on its own.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.counts["organisations"] = len(self.tree.nodes)
        self.counts["cells"] = len(self.cells)
        self.counts["places"] = len(self.places)
        return self.counts


def stage_names() -> list[Stage]:
    return [*PROGRESS_STAGES, *EXIT_STAGES]
