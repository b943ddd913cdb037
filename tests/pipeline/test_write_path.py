"""One write path: recording a step reads the candidacy's history once, in a bounded number of
queries, and the dry run answers as the write would."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy
from ptdv.pipeline.signals import history_written
from ptdv.rules.stages import Stage, Step
from tests.base import WorldTestCase, advance, happy_steps, introducers_for, new_candidacy

#: Statements the pipeline sends to record a step that does not change the person's
#: membership (the summaries kept with the events included: one statement). SAVEPOINT and
#: RELEASE are not counted: they are there because the test runs inside a transaction (in
#: production the service's transaction is the outermost one). The statements of the receivers
#: of ``history_written`` (summaries kept by the apps above the pipeline) are counted apart.
MAX_QUERIES = 12
#: A step that changes the person's membership also saves the person (audited) and rewrites
#: their member spells (``members.spells``).
MAX_QUERIES_MEMBERSHIP = 22
#: What the receivers of ``history_written`` may add to a write, all of them together.
MAX_RECEIVER_QUERIES = 8
#: A mentor assigned (a replacement ends the current one), ended or a report filed: the
#: candidacy locked, the mentoring's rows read and written (audited, with what the audit log and
#: the apps above read and clear on a save), and for the summaries three: the reports read, the
#: cell's ancestors read, the summaries written.
MAX_MENTORING_QUERIES = 20

_NOT_COUNTED = ("SAVEPOINT", "RELEASE SAVEPOINT")


class Captured(CaptureQueriesContext):
    """The statements of a write, those sent inside ``history_written`` apart."""

    def __enter__(self):
        self.spans: list[tuple[int, int]] = []
        original = history_written.send

        def send(*args, **kwargs):
            start = len(self.captured_queries)
            try:
                return original(*args, **kwargs)
            finally:
                self.spans.append((start, len(self.captured_queries)))

        self._patch = mock.patch.object(history_written, "send", send)
        self._patch.start()
        return super().__enter__()

    def __exit__(self, *exc):
        self._patch.stop()
        return super().__exit__(*exc)

    def _inside(self, i: int) -> bool:
        return any(start <= i < end for start, end in self.spans)

    def pipeline(self) -> list[str]:
        return [
            q["sql"]
            for i, q in enumerate(self.captured_queries)
            if not self._inside(i) and not q["sql"].startswith(_NOT_COUNTED)
        ]

    def receivers(self) -> list[str]:
        return [
            q["sql"]
            for i, q in enumerate(self.captured_queries)
            if self._inside(i) and not q["sql"].startswith(_NOT_COUNTED)
        ]


def statements(captured) -> list[str]:
    if isinstance(captured, Captured):
        return captured.pipeline()
    return [q["sql"] for q in captured if not q["sql"].startswith(_NOT_COUNTED)]


@contextmanager
def bounded(test):
    """Capture a write; its receivers' statements stay within their own bound."""
    with Captured(connection) as captured:
        yield captured
    test.assertLessEqual(len(captured.receivers()), MAX_RECEIVER_QUERIES, captured.receivers())


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
                with bounded(self) as captured:
                    services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
                self.assertLessEqual(len(statements(captured)), MAX_QUERIES, statements(captured))
                self.assertEqual(events_read(captured), 1)
                candidacy.refresh_from_db()
                self.assertEqual(candidacy.stage, planned.stage_after)

    def test_a_step_that_makes_a_member_stays_bounded(self):
        for stage in (Stage.ADMISSION_DECIDED, Stage.RECOGNITION_CELL_RESOLVED):
            with self.subTest(stage=stage):
                candidacy, planned = self._before(stage)
                with bounded(self) as captured:
                    services.record_step(candidacy, planned.step, planned.on, **planned.kwargs)
                self.assertLessEqual(
                    len(statements(captured)), MAX_QUERIES_MEMBERSHIP, statements(captured)
                )
                self.assertEqual(events_read(captured), 1)

    def test_a_correction_reads_the_history_once(self):
        candidacy, _planned = self._before(Stage.CELL_RESOLVED)
        last = candidacy.events.order_by("-seq").first()
        with bounded(self) as captured:
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


def tally_writes(captured) -> int:
    return sum(1 for sql in statements(captured) if sql.startswith('INSERT INTO "pipeline_tally"'))


class SummaryWriteTests(WorldTestCase):
    """The summaries kept with the events (``pipeline.tallies``) are one statement of a write."""

    def test_a_step_writes_the_summaries_in_one_statement(self):
        candidacy = new_candidacy(self.world)
        with bounded(self) as captured:
            services.record_step(candidacy, Step.SYMPATHISER, candidacy.stage_since)
        self.assertEqual(tally_writes(captured), 1)

    def test_the_mentoring_writes_stay_bounded(self):
        candidacy = new_candidacy(self.world)
        services.record_step(candidacy, Step.SYMPATHISER, candidacy.stage_since)
        p = self.world.people
        with CaptureQueriesContext(connection) as captured:
            first = services.assign_mentor(candidacy, p.mentor, candidacy.stage_since)
        self.assertEqual(tally_writes(captured), 1)
        self.assertLessEqual(len(statements(captured)), MAX_MENTORING_QUERIES, statements(captured))
        with CaptureQueriesContext(connection) as captured:
            services.file_mentor_report(
                first, "quarter", first.start, "Tiến bộ.", "good", filed_on=first.start
            )
        self.assertEqual(tally_writes(captured), 1)
        self.assertLessEqual(len(statements(captured)), MAX_MENTORING_QUERIES, statements(captured))
        with CaptureQueriesContext(connection) as captured:
            services.assign_mentor(candidacy, p.mentor2, first.start)  # a replacement
        self.assertEqual(tally_writes(captured), 1)
        self.assertLessEqual(len(statements(captured)), MAX_MENTORING_QUERIES, statements(captured))
        second = candidacy.mentors.get(end__isnull=True)
        with CaptureQueriesContext(connection) as captured:
            services.end_mentor(second, second.start, "Chuyển công tác")
        self.assertEqual(tally_writes(captured), 1)
        self.assertLessEqual(len(statements(captured)), MAX_MENTORING_QUERIES, statements(captured))

    def test_a_transfer_of_a_mentored_candidacy_reads_the_reports_once(self):
        """The one statement the summaries add to a step of a helped candidacy that changes its
        cell (the person follows: a membership-sized write) or starts or stops being helped:
        the current mentor's reports, read to move the months they cover."""
        candidacy = new_candidacy(self.world)
        services.record_step(candidacy, Step.SYMPATHISER, candidacy.stage_since)
        services.assign_mentor(candidacy, self.world.people.mentor, candidacy.stage_since)
        with bounded(self) as captured:
            services.record_step(
                candidacy,
                Step.TRANSFER,
                candidacy.stage_since,
                data={"to_cell": self.world.org.A2.pk},
            )
        self.assertEqual(tally_writes(captured), 1)
        reads = [sql for sql in statements(captured) if 'FROM "pipeline_mentorreport"' in sql]
        self.assertEqual(len(reads), 1)
        self.assertLessEqual(
            len(statements(captured)), MAX_QUERIES_MEMBERSHIP, statements(captured)
        )
