"""The stage tallies kept step by step equal the tallies rebuilt from the rows."""

from __future__ import annotations

import random

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.pipeline import services, tallies
from ptdv.pipeline.evaluation import event_facts
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import StepRefused
from ptdv.pipeline.tallies import StageTally
from ptdv.rules.stages import EXITS, Step, correctable_ids, derive
from tests.base import WorldTestCase, happy_steps, introducers_for, new_candidacy


def kept() -> dict[tuple[int, str], int]:
    return {(t.organisation_id, t.stage): t.count for t in StageTally.objects.all() if t.count}


class TallyTests(WorldTestCase):
    def _cells(self):
        o = self.o
        return [o.A1, o.A2, o.AP1, o.B1, o.G, o.X1]

    def _one_move(self, rng: random.Random, candidacy: Candidacy) -> None:
        """A random write: the next step of the happy path, a transfer, an exit or a correction
        of the last correctable event (refusals are part of the game)."""
        candidacy.refresh_from_db()
        choice = rng.random()
        try:
            if candidacy.is_closed or choice < 0.1:
                events = list(Event.objects.filter(candidacy=candidacy).order_by("seq"))
                allowed = correctable_ids(derive(event_facts(e) for e in events))
                if allowed:
                    target = Event.objects.get(pk=max(allowed))
                    services.correct_event(target, "Ghi nhầm")
            elif choice < 0.2:
                to_cell = rng.choice([c for c in self._cells() if c.pk != candidacy.cell_id])
                services.record_step(
                    candidacy, Step.TRANSFER, candidacy.stage_since, data={"to_cell": to_cell.pk}
                )
            elif choice < 0.23:
                step = rng.choice(
                    [s for s, (allowed, _) in EXITS.items() if candidacy.stage in allowed]
                )
                services.record_step(candidacy, step, candidacy.stage_since, reason="Thử")
            else:
                cell = candidacy.cell
                steps = happy_steps(cell, introducers_for(self.world, cell))
                done = (
                    candidacy.events.exclude(step__in=[Step.SOURCE, Step.TRANSFER, Step.CORRECTION])
                    .filter(voided_by__isnull=True)
                    .count()
                )
                if done < len(steps):
                    planned = steps[done]
                    services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
        except (StepRefused, IndexError):
            pass

    def test_kept_equals_rebuilt_after_random_writes(self):
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                rng = random.Random(seed)
                made = [
                    new_candidacy(self.world, f"Người thử {seed} {i}", cell)
                    for i, cell in enumerate(self._cells())
                ]
                for _ in range(100):
                    self._one_move(rng, rng.choice(made))
                    incremental = kept()
                    tallies.rebuild()
                    self.assertEqual(incremental, kept())
                # The game played every kind of write.
                steps = set(Event.objects.filter(candidacy__in=made).values_list("step", flat=True))
                self.assertLessEqual({Step.TRANSFER, Step.CORRECTION, Step.CEREMONY}, steps)
                self.assertTrue(steps & set(EXITS))

    def test_every_stage_of_a_cell_is_counted_at_each_ancestor(self):
        candidacy = new_candidacy(self.world, cell=self.o.AP1)
        ancestors = {a.pk for a in candidacy.cell.ancestors_or_self()}
        self.assertEqual(
            {org for (org, stage), n in kept().items() if stage == "source" and n},
            ancestors,
        )

    def test_the_to_do_page_reads_the_tallies_in_one_query(self):
        for cell in self._cells():
            new_candidacy(self.world, f"Người {cell.name}", cell)
        self.assertEqual(tallies.stage_counts(self.u.committee)["source"], 5)  # district D
        self.assertEqual(tallies.stage_counts(self.u.outsider)["source"], 1)  # district E
        self.assertEqual(tallies.stage_counts(self.u.admin)["source"], 6)
        self.assertEqual(tallies.stage_counts(None), {})
        self.assertEqual(
            tallies.stage_counts(self.u.committee),
            Candidacy.objects.visible_to(self.u.committee).stage_counts(),
        )
        with CaptureQueriesContext(connection) as captured:
            tallies.stage_counts(self.u.cell)
        self.assertEqual(len(captured), 1)
