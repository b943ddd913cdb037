"""One write path: recording a step reads the candidacy's history once, in a bounded number of
queries, and the dry run answers as the write would."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage, Step
from tests.base import WorldTestCase, advance, happy_steps, introducers_for, new_candidacy

#: Statements sent to record a step that does not change the person's membership. SAVEPOINT
#: and RELEASE are not counted: they are there because the test runs inside a transaction (in
#: production the service's transaction is the outermost one).
MAX_QUERIES = 12
#: A step that changes the person's membership also saves the person (audited) and rewrites
#: their member spells (``members.spells``).
MAX_QUERIES_MEMBERSHIP = 22


def statements(captured) -> list[str]:
    return [
        q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def events_read(captured) -> int:
    """How many times a candidacy's events were read as a history (whole rows); the member
    spells' own narrow reads of admitting steps are not a replay."""
    history = (
        'SELECT "pipeline_event"."id", "pipeline_event"."candidacy_id", "pipeline_event"."seq"'
    )
    return sum(1 for q in captured if q["sql"].startswith(history))


class WritePathTests(WorldTestCase):
    def _before(self, stage: Stage):
        """A candidacy just before the happy path's step that follows ``stage``."""
        candidacy = new_candidacy(self.world)
        introducers = introducers_for(self.world, candidacy.cell)
        advance(candidacy, stage, introducers)
        steps = happy_steps(candidacy.cell, introducers)
        position = max((i for i, s in enumerate(steps) if s.stage_after == stage), default=-1)
        return candidacy, steps[position + 1]

    def test_recording_a_step_reads_the_history_once(self):
        for stage in (Stage.SOURCE, Stage.DOSSIER, Stage.CELL_RESOLVED, Stage.PROBATIONARY):
            with self.subTest(stage=stage):
                candidacy, planned = self._before(stage)
                with CaptureQueriesContext(connection) as captured:
                    services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
                self.assertLessEqual(len(statements(captured)), MAX_QUERIES, statements(captured))
                self.assertEqual(events_read(captured), 1)
                candidacy.refresh_from_db()
                self.assertEqual(candidacy.stage, planned.stage_after)

    def test_a_step_that_makes_a_member_stays_bounded(self):
        for stage in (Stage.ADMISSION_DECIDED, Stage.RECOGNITION_CELL_RESOLVED):
            with self.subTest(stage=stage):
                candidacy, planned = self._before(stage)
                with CaptureQueriesContext(connection) as captured:
                    services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
                self.assertLessEqual(
                    len(statements(captured)), MAX_QUERIES_MEMBERSHIP, statements(captured)
                )
                self.assertEqual(events_read(captured), 1)

    def test_a_correction_reads_the_history_once(self):
        candidacy, _planned = self._before(Stage.CELL_RESOLVED)
        last = candidacy.events.order_by("-seq").first()
        with CaptureQueriesContext(connection) as captured:
            services.correct_event(last, "Ghi nhầm ngày")
        self.assertLessEqual(len(statements(captured)), MAX_QUERIES, statements(captured))
        self.assertEqual(events_read(captured), 1)
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.DOSSIER)

    def test_the_dry_run_reads_once_and_writes_nothing(self):
        candidacy, planned = self._before(Stage.DOSSIER)
        version = candidacy.version
        with CaptureQueriesContext(connection) as captured:
            preview = services.preview_step(candidacy, planned.step, planned.on, **planned.kwargs)
        self.assertFalse(preview.refused, preview)
        self.assertEqual(events_read(captured), 1)
        self.assertFalse(
            [q for q in captured if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
        )
        self.assertEqual(Candidacy.objects.get(pk=candidacy.pk).version, version)

    def test_the_dry_run_refuses_as_the_write_would(self):
        candidacy, _planned = self._before(Stage.SYMPATHISER)
        preview = services.preview_step(candidacy, Step.CEREMONY, candidacy.stage_since)
        self.assertTrue(preview.refused)
        with self.assertRaises(services.StepRefused) as refused:
            services.record_step(candidacy, Step.CEREMONY, candidacy.stage_since)
        self.assertEqual(preview.refusals, refused.exception.messages)

    def test_the_cache_written_equals_the_cache_rebuilt(self):
        candidacy, planned = self._before(Stage.ADMISSION_DECIDED)
        services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
        columns = ("stage", "stage_since", "cell_id", "closed_on", "next_due", "next_due_code",
                   "expiry_due", "expiry_code")  # fmt: skip
        written = Candidacy.objects.values(*columns).get(pk=candidacy.pk)
        Candidacy.objects.filter(pk=candidacy.pk).update(stage=Stage.SOURCE, next_due=None)
        services.refresh_candidacy(candidacy)
        self.assertEqual(Candidacy.objects.values(*columns).get(pk=candidacy.pk), written)
