"""The large datasets' builder writes what the demo builder writes.

:class:`ptdv.demo.large.LargeBuilder` copies its rows (``COPY`` on PostgreSQL; ``bulk_create``
elsewhere), reads the members who introduce or help a candidate from memory and computes most
members' spells in memory: for one small province, every row of every table it writes — and
the stage tallies rebuilt — must be those of ``Builder(shape, today).build()``.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, models, transaction
from django.test import TestCase

from ptdv.demo.builder import Builder
from ptdv.demo.copywriter import CopyWriter
from ptdv.demo.large import LargeBuilder, build_nation, finish, unreferenced
from ptdv.demo.shapes import BlocShape, DistrictShape, Shape, nation_shape
from ptdv.members.models import MemberEvent, MemberSpell
from ptdv.org.models import Organisation, OrgKind, Place, PlaceCell
from ptdv.people.models import Person
from ptdv.pipeline import tallies
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.reports.models import Target

TODAY = date(2026, 11, 23)
#: The tallies' table (the model :func:`tallies.rebuild` writes).
TALLY = next(
    value
    for value in vars(tallies).values()
    if isinstance(value, type) and issubclass(value, models.Model) and not value._meta.abstract
)
MODELS = [
    Organisation,
    Place,
    PlaceCell,
    Person,
    Candidacy,
    Event,
    MentorAssignment,
    MentorReport,
    MemberEvent,
    MemberSpell,
    Target,
    TALLY,
]
#: Derived rows written in another order by the two builders: compared without their ids.
UNORDERED = {MemberSpell, TALLY}


def tiny_shape() -> Shape:
    return Shape(
        districts=[
            DistrictShape(
                "Đảng bộ huyện Nhỏ",
                communes=3,
                villages=24,
                own_cell_villages=18,
                merged_villages=4,
                merged_cells=2,
                other_grassroots_committees=1,
                grassroots_cells=2,
                cells=26,
                members=700,
            )
        ],
        blocs=[
            BlocShape(
                "Đảng bộ Khối nhỏ",
                grassroots_committees=2,
                grassroots_cells=1,
                cells=6,
                members=150,
            )
        ],
        candidacies=250,
    )


def restart_ids() -> None:
    """Both builds take their ids from 1 (the rows of the first are rolled back, not its
    sequences), so the ids held in JSON columns compare too."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in MODELS:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [model._meta.db_table]
            )


def rows() -> dict[str, list[tuple]]:
    """Every row of every table written, without the moment it was written."""
    out = {}
    for model in MODELS:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not getattr(f, "auto_now_add", False)
            and not getattr(f, "auto_now", False)
            and not (model in UNORDERED and f.primary_key)
        ]
        out[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return out


def build_both(shape: Shape) -> tuple[dict, dict]:
    with transaction.atomic():
        restart_ids()
        Builder(shape, TODAY).build()
        by_orm = rows()
        transaction.set_rollback(True)
    with transaction.atomic():
        restart_ids()
        writer = CopyWriter()
        LargeBuilder(shape, TODAY, writer).build()
        finish(writer)
        by_copy = rows()
        transaction.set_rollback(True)
    return by_orm, by_copy


class LargeBuilderTests(TestCase):
    def test_writes_the_rows_of_the_demo_builder(self):
        by_orm, by_copy = build_both(tiny_shape())
        self.assertGreater(len(by_orm["Candidacy"]), 200)
        self.assertTrue(by_orm["MemberEvent"])
        self.assertTrue(by_orm["MemberSpell"])
        for name, expected in by_orm.items():
            with self.subTest(table=name):
                self.assertEqual(len(by_copy[name]), len(expected))
                self.assertEqual(by_copy[name], expected)

    def test_a_small_nation_has_its_provinces_under_one_root(self):
        shape = nation_shape(members=1_800, candidacies=300, grassroots=80, cells=160, provinces=2)
        writer = CopyWriter()
        build_nation(shape, TODAY, writer)
        finish(writer)
        self.assertEqual(unreferenced(), {})  # the keys copied unchecked all name a row
        root = Organisation.objects.get(depth=1)
        self.assertEqual(root.kind, OrgKind.CENTRAL)
        provinces = list(Organisation.objects.filter(depth=2).order_by("path"))
        self.assertEqual(len(provinces), 2)
        self.assertEqual(root.numchild, 2)
        self.assertEqual(Candidacy.objects.count(), 300)
        # The tallies at the root count every candidacy; at a province, its own.
        self.assertEqual(sum(tallies.stage_counts_at(root).values()), 300)
        for province in provinces:
            own = Candidacy.objects.filter(cell__path__startswith=province.path).count()
            self.assertEqual(sum(tallies.stage_counts_at(province).values()), own)
        self.assertEqual(Person.objects.filter(cccd__isnull=False).values("cccd").distinct()
                         .count(), Person.objects.filter(cccd__isnull=False).count())  # fmt: skip
