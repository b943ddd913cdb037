"""Two people recording the same step at the same moment (PostgreSQL: real row locks).

SQLite ignores ``select_for_update`` and serialises writers on the whole file, so these tests
run on PostgreSQL only; the version check on its own is tested in ``test_corrections.py``.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from unittest import mock, skipUnless

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase

from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import ConcurrentChange, StepRefused
from ptdv.rules.stages import Stage, Step
from tests.base import SOURCE_ON, SYMPATHISER_ON, build_world, make_person

pytestmark = pytest.mark.postgres


@skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
class SameStepAtTheSameMomentTests(TransactionTestCase):
    def setUp(self):
        self.world = build_world()
        person = make_person(self.world.org.A1, "Nguyễn Văn Đua")
        self.candidacy = services.open_candidacy(person, SOURCE_ON)

    def race(self, *calls):
        """Run ``calls`` in threads released together; return what each returned or raised."""
        barrier = threading.Barrier(len(calls))
        results: list = [None] * len(calls)

        def run(i, call):
            try:
                barrier.wait(timeout=10)
                results[i] = call()
            except Exception as exc:
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertFalse(any(t.is_alive() for t in threads), "a writer is stuck")
        return results

    def slow_refresh(self):
        """Hold the candidacy's lock a little, so the other writer surely waits on it."""
        original = services._sync_person

        def slow(history, state):
            time.sleep(0.3)
            return original(history, state)

        return mock.patch.object(services, "_sync_person", slow)

    def assert_one_event_one_refusal(self, results, refusal):
        events = [r for r in results if isinstance(r, Event)]
        refused = [r for r in results if isinstance(r, StepRefused)]
        self.assertEqual((len(events), len(refused)), (1, 1), results)
        self.assertIsInstance(refused[0], refusal)
        self.assertEqual(
            Event.objects.filter(candidacy=self.candidacy, step=Step.SYMPATHISER).count(), 1
        )
        c = Candidacy.objects.get(pk=self.candidacy.pk)
        self.assertEqual((c.stage, c.version, c.events.count()), (Stage.SYMPATHISER, 2, 2))

    def test_with_the_version_each_writer_saw(self):
        seen = self.candidacy.version

        def record():
            return services.record_step(
                self.candidacy.pk, Step.SYMPATHISER, SYMPATHISER_ON, expected_version=seen
            )

        with self.slow_refresh():
            results = self.race(record, record)
        self.assert_one_event_one_refusal(results, ConcurrentChange)

    def test_without_a_version_the_second_writer_sees_the_new_stage(self):
        def record():
            return services.record_step(self.candidacy.pk, Step.SYMPATHISER, SYMPATHISER_ON)

        with self.slow_refresh():
            results = self.race(record, record)
        self.assert_one_event_one_refusal(results, StepRefused)

    def test_opening_the_same_person_twice(self):
        person = make_person(self.world.org.A2, "Trần Văn Song")

        def open_():
            return services.open_candidacy(person, date(2025, 1, 6))

        with self.slow_refresh():
            results = self.race(open_, open_)
        opened = [r for r in results if isinstance(r, Candidacy)]
        refused = [r for r in results if isinstance(r, StepRefused)]
        self.assertEqual((len(opened), len(refused)), (1, 1), results)
        self.assertEqual(Candidacy.objects.filter(person=person).count(), 1)
