"""Two people recording a change of one member at the same moment (PostgreSQL: real row locks).

SQLite serialises writers on the whole file and ignores ``select_for_update``; the numbering of
the events (unique per person) and ``expected_seq`` are tested on both in test_services.py.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from unittest import mock, skipUnless

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase

from ptdv.members import services
from ptdv.members.models import MemberEvent, MemberSpell
from ptdv.members.services import ConcurrentChange, Refused
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline import services as pipeline
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Stage
from tests.base import advance, build_world, introducers_for, new_candidacy

pytestmark = pytest.mark.postgres
K = MemberEventKind
TODAY = date(2026, 11, 30)


@skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
class TwoWritersOnOneMemberTests(TransactionTestCase):
    def setUp(self):
        self.world = build_world()
        self.member = self.world.people.member_A2

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

    def slow_apply(self):
        """Hold the person's lock a little, so the other writer surely waits on it."""
        original = services.apply_event

        def slow(person, event):
            time.sleep(0.3)
            return original(person, event)

        return mock.patch.object(services, "apply_event", slow)

    def test_with_the_number_each_writer_saw(self):
        def death():
            return services.record_event(self.member.pk, K.DECEASED, date(2026, 3, 1),
                                         expected_seq=0, today=TODAY)  # fmt: skip

        def transfer():
            return services.record_event(self.member.pk, K.TRANSFER, date(2026, 3, 1),
                                         to_cell=self.world.org.A1, number="1", expected_seq=0,
                                         today=TODAY)  # fmt: skip

        with self.slow_apply():
            results = self.race(death, transfer)
        events = [r for r in results if isinstance(r, MemberEvent)]
        refused = [r for r in results if isinstance(r, Refused)]
        self.assertEqual((len(events), len(refused)), (1, 1), results)
        self.assertIsInstance(refused[0], ConcurrentChange)
        self.assertEqual(MemberEvent.objects.filter(person=self.member).count(), 1)
        self.assert_consistent(events[0])

    def test_without_a_number_the_second_writer_sees_the_first(self):
        def death():
            return services.record_event(self.member.pk, K.DECEASED, date(2026, 3, 1), today=TODAY)

        with self.slow_apply():
            results = self.race(death, death)
        events = [r for r in results if isinstance(r, MemberEvent)]
        refused = [r for r in results if isinstance(r, Refused)]
        self.assertEqual((len(events), len(refused)), (1, 1), results)
        self.assertIn("từ trần", refused[0].messages[0])
        self.assert_consistent(events[0])

    def test_a_member_event_waits_for_the_candidacys_step(self):
        """The candidacy's step and the member event lock the same person: one after the
        other, and the second sees the first."""
        candidacy = new_candidacy(self.world, "Nguyễn Văn Đua")
        candidacy = advance(
            candidacy, Stage.CARD_ISSUED, introducers_for(self.world, candidacy.cell)
        )
        person = candidacy.person
        card = candidacy.events.get(step="party_card")

        def void_card():
            return pipeline.correct_event(card, "Nhầm số thẻ")

        def transfer():
            time.sleep(0.1)
            return services.record_event(person.pk, K.TRANSFER, date(2026, 9, 1),
                                         to_cell=self.world.org.A2, number="1", today=TODAY)  # fmt: skip

        original = pipeline._sync_person

        def slow_sync(c, state):
            result = original(c, state)
            time.sleep(0.4)
            return result

        with mock.patch.object(pipeline, "_sync_person", slow_sync):
            results = self.race(void_card, transfer)
        # The card was voided first (the candidacy is open again): the transfer is refused.
        self.assertIsInstance(results[1], Refused, results)
        self.assertEqual(results[1].findings[0].code, "member.open_candidacy")
        self.assertFalse(MemberEvent.objects.filter(person=person).exists())

    def assert_consistent(self, event):
        person = Person.objects.get(pk=self.member.pk)
        spells = list(MemberSpell.objects.filter(person=person).order_by("start"))
        if event.kind == K.DECEASED:
            self.assertEqual(person.member_status, MemberStatus.LEFT)
            self.assertEqual(spells[-1].end_reason, "deceased")
        else:
            self.assertEqual(person.cell, self.world.org.A1)
            self.assertEqual(spells[-1].cell, self.world.org.A1)
