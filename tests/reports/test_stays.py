"""The stays kept step by step equal the stays rebuilt from the events, and equal the stays the
funnel used to replay from the events; a write adds at most one statement for them."""

from __future__ import annotations

import random
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.pipeline import services
from ptdv.pipeline.evaluation import event_facts
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import StepRefused
from ptdv.reports import stays
from ptdv.reports.figures.queries import stays as replayed
from ptdv.reports.models import StageStay
from ptdv.rules.stages import EXITS, Stage, Step, correctable_ids, derive
from tests.base import SOURCE_ON, WorldTestCase, happy_steps, introducers_for, new_candidacy

NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Giang", "Đặng Văn Hải", "Bùi Thị Lan")  # fmt: skip


def kept() -> list[tuple]:
    """The stays kept (not the empty places corrections leave)."""
    return list(
        StageStay.objects.filter(entered__isnull=False)
        .order_by("candidacy_id", "ordinal")
        .values_list(
            "candidacy_id", "ordinal", "stage", "cell_id", "entered", "left", "outcome", "days"
        )
    )


def statements(captured) -> list[str]:
    """The statements that touch the reports' tables."""
    return [q["sql"] for q in captured if '"reports_' in q["sql"]]


class StaysTests(WorldTestCase):
    def _cells(self):
        o = self.o
        return [o.A1, o.A2, o.AP1, o.B1, o.G, o.X1]

    def _one_move(self, rng: random.Random, candidacy: Candidacy) -> None:
        """The next step of the happy path, a transfer, an exit or a correction of the last
        correctable event (refusals are part of the game)."""
        candidacy.refresh_from_db()
        choice = rng.random()
        try:
            if candidacy.is_closed or choice < 0.12:
                events = list(Event.objects.filter(candidacy=candidacy).order_by("seq"))
                allowed = correctable_ids(derive(event_facts(e) for e in events))
                if allowed:
                    services.correct_event(Event.objects.get(pk=max(allowed)), "Ghi nhầm")
            elif choice < 0.22:
                to_cell = rng.choice([c for c in self._cells() if c.pk != candidacy.cell_id])
                services.record_step(
                    candidacy, Step.TRANSFER, candidacy.stage_since, data={"to_cell": to_cell.pk}
                )
            elif choice < 0.26:
                step = rng.choice(
                    [s for s, (allowed, _) in EXITS.items() if candidacy.stage in allowed]
                )
                services.record_step(candidacy, step, candidacy.stage_since, reason="Thử")
            else:
                steps = happy_steps(candidacy.cell, introducers_for(self.world, candidacy.cell))
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

    def test_stays_kept_equal_stays_rebuilt_after_random_writes(self):
        rng = random.Random(7)
        cells = self._cells()
        candidacies = [
            new_candidacy(self.world, name, cells[i % len(cells)]) for i, name in enumerate(NAMES)
        ]
        for _ in range(160):
            self._one_move(rng, rng.choice(candidacies))
        self.assertTrue(Event.objects.filter(step=Step.CORRECTION).exists())
        self.assertTrue(Event.objects.filter(step=Step.TRANSFER).exists())
        before = kept()
        self.assertTrue(before)
        stays.rebuild()
        self.assertEqual(kept(), before)
        stays.rebuild([c.pk for c in candidacies[:3]])
        self.assertEqual(kept(), before)
        # The stays the funnel replayed from the events, at the root's scope.
        old = sorted(
            (s.candidacy_id, s.stage.value, s.entered, s.left, s.outcome or "")
            for s in replayed(self.o.P, date(2100, 1, 1))
        )
        new = sorted(
            (c, stage, e, left, outcome) for c, _o, stage, _c, e, left, outcome, _d in before
        )
        self.assertEqual(new, old)

    def test_a_step_or_a_correction_adds_one_statement(self):
        candidacy = new_candidacy(self.world, NAMES[0], self.o.A1)
        introducers = introducers_for(self.world, candidacy.cell)
        steps = happy_steps(candidacy.cell, introducers)
        # A step that changes the stage: the last stay closed and the next one opened, in one
        # INSERT … ON CONFLICT DO UPDATE.
        with CaptureQueriesContext(connection) as captured:
            services.record_step(candidacy, steps[0].step, steps[0].on, **steps[0].kwargs)
        self.assertEqual(len(statements(captured)), 1, statements(captured))
        # A step that changes no stage (a transfer): nothing.
        with CaptureQueriesContext(connection) as captured:
            services.record_step(
                candidacy, Step.TRANSFER, steps[0].on, data={"to_cell": self.o.A2.pk}
            )
        self.assertEqual(statements(captured), [])
        # A correction of the step: the one before reopened, an empty place where the stay it
        # opened was, in the one statement; the next step takes the place.
        event = Event.objects.get(candidacy=candidacy, step=steps[0].step)
        with CaptureQueriesContext(connection) as captured:
            services.correct_event(event, "Ghi nhầm")
        self.assertEqual(len(statements(captured)), 1, statements(captured))
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.SOURCE)
        rows = StageStay.objects.filter(candidacy=candidacy).order_by("ordinal")
        self.assertEqual(
            list(rows.values_list("stage", "entered", "left")),
            [(Stage.SOURCE.value, SOURCE_ON, None), ("", None, None)],
        )
        services.record_step(candidacy, steps[0].step, steps[0].on, **steps[0].kwargs)
        self.assertEqual(
            list(rows.values_list("stage", "left")),
            [(Stage.SOURCE.value, steps[0].on), (steps[0].stage_after.value, None)],
        )
        before = kept()
        stays.rebuild([candidacy.pk])
        self.assertEqual(kept(), before)

    def test_a_step_that_changes_the_stage_writes_every_stay_again(self):
        candidacy = new_candidacy(self.world, NAMES[1], self.o.A1)
        steps = happy_steps(candidacy.cell, introducers_for(self.world, candidacy.cell))
        for planned in steps[:2]:
            services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
        StageStay.objects.filter(candidacy=candidacy).delete()  # as a bulk writer leaves them
        services.record_step(candidacy, steps[2].step, steps[2].on, **steps[2].kwargs)
        after = kept()
        self.assertEqual(len(after), 4)  # source, sympathiser, awareness, dossier
        stays.rebuild([candidacy.pk])
        self.assertEqual(after, kept())
