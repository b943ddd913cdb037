"""The demo dataset: built by the same pure functions as the services, deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase

from ptdv.accounts.models import User
from ptdv.demo.builder import Builder, demo_shape
from ptdv.demo.registers import create_demo_registers
from ptdv.demo.users import create_demo_users
from ptdv.org.models import Organisation
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline.evaluation import event_facts
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.pipeline.services import membership_fields, refresh_candidacy
from ptdv.rules.stages import MEMBER_STAGES, PROGRESS_STAGES, derive
from tests.base import Client

TODAY = date(2026, 11, 23)


def fingerprint() -> dict:
    """What must not change between two builds with the same seed."""
    return {
        "stages": Candidacy.objects.stage_counts(),
        "overdue": Candidacy.objects.overdue(TODAY).count(),
        "events": Counter(Event.objects.values_list("step", flat=True)),
        "names": sorted(
            Candidacy.objects.values_list("person__full_name", "stage", "stage_since", "next_due")
        ),
        "organisations": list(Organisation.objects.values_list("path", "name", "kind")),
    }


@pytest.mark.slow
class DemoDatasetTests(TestCase):
    client_class = Client  # force_login passes the second factor (MFA)

    @classmethod
    def setUpTestData(cls):
        cls.counts = Builder(demo_shape(), today=TODAY).build()
        cls.users = create_demo_users()
        cls.registers = create_demo_registers(TODAY)
        cls.fingerprint = fingerprint()

    def test_every_progress_stage_has_a_candidacy_and_some_are_overdue(self):
        counts = Candidacy.objects.stage_counts()
        missing = [s for s in PROGRESS_STAGES if not counts.get(s.value)]
        self.assertEqual(missing, [])
        self.assertEqual(sum(counts.values()), 700)
        overdue = Candidacy.objects.overdue(TODAY).count()
        self.assertGreater(overdue, 10)
        self.assertLess(overdue, 350)
        self.assertTrue(Candidacy.objects.due_between(TODAY, date(2026, 11, 30)).exists())
        self.assertEqual(self.counts["candidacies"], 700)

    def test_the_cached_state_is_what_the_events_say(self):
        """Stage, dates, cell, version and the person's membership follow from the events alone."""
        events: dict[int, list] = {}
        opening_cell: dict[int, int] = {}
        for e in Event.objects.order_by("candidacy_id", "seq"):
            events.setdefault(e.candidacy_id, []).append(event_facts(e))
            opening_cell.setdefault(e.candidacy_id, e.cell_id)
        people = Person.objects.in_bulk()
        mismatches = []
        for c in Candidacy.objects.all():
            state = derive(events[c.pk])
            expected = (
                state.stage.value,
                state.stage_since,
                state.cell_id or opening_cell[c.pk],
                state.stage_since if state.is_closed else None,
                len(events[c.pk]),
            )
            cached = (c.stage, c.stage_since, c.cell_id, c.closed_on, c.version)
            if cached != expected:
                mismatches.append((c.pk, cached, expected))
            person = people[c.person_id]
            if person.cell_id != c.cell_id:
                mismatches.append((c.pk, "person.cell", person.cell_id, c.cell_id))
            fields = membership_fields(state)
            if fields is None and person.member_status != MemberStatus.NONE:
                mismatches.append((c.pk, "member_status", person.member_status))
            for name, value in (fields or {}).items():
                if getattr(person, name) != value:
                    mismatches.append((c.pk, name, getattr(person, name), value))
        self.assertEqual(mismatches, [])
        # The services' own refresh writes the same deadlines (sample of 70).
        for c in Candidacy.objects.order_by("pk")[::10]:
            before = (c.stage, c.stage_since, c.next_due, c.next_due_code)
            refresh_candidacy(c)
            c.refresh_from_db()
            self.assertEqual((c.stage, c.stage_since, c.next_due, c.next_due_code), before, c.pk)
        # Some candidacies carry a correction, and the replay honours it.
        self.assertTrue(Event.objects.filter(step="correction").exists())

    def test_members_and_users(self):
        self.assertGreater(Person.objects.filter(member_status=MemberStatus.OFFICIAL).count(), 4000)
        self.assertTrue(Person.objects.filter(member_status=MemberStatus.PROBATIONARY).exists())
        self.assertTrue(MentorAssignment.objects.filter(end__isnull=True).exists())
        self.assertEqual(
            sorted(User.objects.values_list("username", "role")),
            [("admin", "admin"), ("bantochuc", "committee"), ("baove", "privacy"), ("chibo", "cell"),
             ("dangbo_xa", "grassroots"), ("giupdo", "viewer"), ("tinhuy", "committee"), ("xem", "viewer")],
        )  # fmt: skip
        chibo = User.objects.get(username="chibo")
        self.assertLess(Candidacy.objects.visible_to(chibo).count(), Candidacy.objects.count())
        self.assertTrue(Person.objects.visible_to(chibo).exists())

    def test_the_registers_have_a_request_to_acknowledge_one_due_one_answered_and_an_incident(self):
        from ptdv.subjects.models import Incident, SubjectRequest

        self.assertEqual(self.registers, {"requests": 3, "incidents": 1})
        statuses = sorted(SubjectRequest.objects.values_list("kind", "status"))
        self.assertEqual(
            statuses,
            [("access", "acknowledged"), ("correction", "received"), ("objection", "answered")],
        )
        incident = Incident.objects.get()
        self.assertIsNone(incident.notified_at)
        with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=UTC), tick=False):
            # The grassroots officer answers the requests; the district's data protection
            # officer sees them and the incident's 72-hour clock.
            self.client.force_login(User.objects.get(username="dangbo_xa"))
            officer_page = self.client.get("/")
            self.client.force_login(User.objects.get(username="baove"))
            keeper_page = self.client.get("/")
        self.assertEqual(officer_page.status_code, 200)
        self.assertTrue(officer_page.context["requests_due"])
        self.assertTrue(keeper_page.context["requests_due"])
        self.assertTrue(keeper_page.context["incidents_due"])
        self.assertContains(keeper_page, incident.summary)

    def test_every_mentor_is_an_official_member_when_assigned(self):
        bad = [a for a in MentorAssignment.objects.select_related("mentor")
               if not a.mentor.is_official_member_on(a.start)]  # fmt: skip
        self.assertEqual(len(bad), 0)

    def test_the_demo_pages_render(self):
        self.client.force_login(User.objects.get(username="bantochuc"))
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertGreater(response.context["overdue_count"], 0)
        candidacy = (
            Candidacy.objects.visible_to(User.objects.get(username="bantochuc"))
            .filter(stage__in=[s.value for s in MEMBER_STAGES])
            .first()
        )
        self.assertEqual(self.client.get(f"/ho-so/{candidacy.pk}/").status_code, 200)


@pytest.mark.slow
class DemoDeterminismTests(TestCase):
    def test_building_twice_with_the_same_seed_gives_the_same_data(self):
        prints = []
        for _ in range(2):
            with transaction.atomic():
                Builder(demo_shape(), today=TODAY).build()
                prints.append(fingerprint())
                transaction.set_rollback(True)
        self.assertEqual(prints[0]["stages"], prints[1]["stages"])
        self.assertEqual(prints[0], prints[1])
        self.assertEqual(sum(prints[0]["stages"].values()), 700)
