"""The organisation tree: inherited committees, grassroots organisation, places and coverage."""

from __future__ import annotations

from ptdv.org.models import Coverage, Organisation, OrgKind, Place, PlaceKind
from tests.base import WorldTestCase


class TreeTests(WorldTestCase):
    def test_paths_and_kinds(self):
        o = self.o
        self.assertEqual(
            [n.name for n in o.AP1.ancestors_or_self()],
            [o.P.name, o.D.name, o.A.name, o.AP.name, o.AP1.name],
        )
        self.assertEqual(Organisation.objects.cells().count(), 6)  # five cells and the chi bộ cơ sở
        self.assertEqual(set(Organisation.objects.grassroots()), {o.A, o.B, o.G, o.X})
        self.assertTrue(o.G.is_cell and o.G.is_grassroots)
        self.assertFalse(o.A.is_cell)
        # Fixed-width steps: a path's length is its depth times the step.
        for node in Organisation.objects.all():
            self.assertEqual(len(node.path), node.steplen * node.depth)

    def test_committees_are_inherited_from_the_nearest_ancestor(self):
        o = self.o
        self.assertEqual(o.A1.effective_competent_committee(), o.D)
        self.assertEqual(o.X1.effective_direct_superior(), o.E)
        self.assertIsNone(o.P.effective_competent_committee())
        # A grassroots committee with delegated admission power.
        o.A.competent_committee = o.A
        o.A.save()
        self.assertEqual(Organisation.objects.get(pk=o.AP1.pk).effective_competent_committee(), o.A)
        self.assertEqual(o.B1.effective_competent_committee(), o.D)

    def test_grassroots_organisation_and_partial_committee(self):
        o = self.o
        self.assertEqual(o.A1.grassroots_organisation(), o.A)
        self.assertEqual(o.AP1.grassroots_organisation(), o.A)
        self.assertEqual(o.G.grassroots_organisation(), o.G)
        self.assertIsNone(o.D.grassroots_organisation())
        self.assertTrue(o.AP1.has_partial_committee())
        self.assertFalse(o.A1.has_partial_committee())

    def test_disadvantaged_area_is_inherited(self):
        o = self.o
        self.assertFalse(o.A1.in_disadvantaged_area())
        o.D.disadvantaged_area = True
        o.D.save()
        self.assertTrue(Organisation.objects.get(pk=o.A1.pk).in_disadvantaged_area())
        self.assertFalse(o.X1.in_disadvantaged_area())


class CoverageTests(WorldTestCase):
    def test_own_merged_and_no_cell(self):
        o, places = self.o, self.world.places
        merged = Place.objects.create(
            name="Thôn Đông Hai", kind=PlaceKind.VILLAGE, organisation=o.A, cell=o.A1
        )
        coverage = {p.name: p.coverage() for p in Place.objects.with_coverage()}
        self.assertEqual(coverage[places.tay.name], Coverage.OWN_CELL)
        self.assertEqual(coverage[places.dong.name], Coverage.MERGED_CELL)
        self.assertEqual(coverage[merged.name], Coverage.MERGED_CELL)
        self.assertEqual(coverage[places.tram.name], Coverage.NONE)
        # Without the annotation the same answer, with a query.
        self.assertEqual(Place.objects.get(pk=places.tay.pk).coverage(), Coverage.OWN_CELL)
        self.assertEqual(Place.objects.get(pk=merged.pk).coverage(), Coverage.MERGED_CELL)

    def test_places_are_scoped_by_their_grassroots_organisation(self):
        visible = set(Place.objects.visible_to(self.u.grassroots).values_list("name", flat=True))
        self.assertEqual(visible, {"Thôn Đông", "Thôn Tây"})
        self.assertEqual(Place.objects.in_subtree(self.o.E.path).count(), 1)
        self.assertEqual(
            Organisation.objects.filter(kind=OrgKind.CELL).in_subtree(self.o.A.path).count(), 3
        )
