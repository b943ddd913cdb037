"""One person from source to party card through ``record_step``, checked at every step."""

from __future__ import annotations

from datetime import date

from ptdv.people.models import MemberStatus
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import event_facts, working_calendar
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage, Step, derive
from tests.base import (
    AWARENESS_ON,
    CELL_ON,
    CEREMONY_ON,
    DECISION_ON,
    PROBATION_END,
    RECOGNITION_CELL_ON,
    RECOGNITION_DECISION_ON,
    SOURCE_ON,
    WorldTestCase,
    happy_steps,
    introducers_for,
)


def expected_next_due(stage: Stage, papers_seen: list[dict]) -> date | None:
    """The earliest open deadline after each step of the happy path (cell A1)."""
    cal = working_calendar()
    certificate_expiry = add_months(AWARENESS_ON, 60)
    if stage in (Stage.SOURCE, Stage.SYMPATHISER):
        return None
    if stage is Stage.AWARENESS_TRAINED:
        return certificate_expiry
    if stage is Stage.DOSSIER:
        expiring = [
            add_months(on, 12)
            for on, data in papers_seen
            if data["kind"] in ("introducer_letter", "comments")
        ]
        return min([certificate_expiry, *expiring])
    if stage in (Stage.CELL_RESOLVED, Stage.GRASSROOTS_RESOLVED):
        return cal.add_working_days(CELL_ON, 60)
    if stage is Stage.ADMISSION_DECIDED:
        return cal.add_working_days(DECISION_ON, 30)
    if stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED):
        # The end of probation is a milestone, not a deadline: the cell's recognition vote is
        # due within 30 working days after it.
        return cal.add_working_days(PROBATION_END, 30)
    if stage is Stage.RECOGNITION_CELL_RESOLVED:
        return cal.add_working_days(RECOGNITION_CELL_ON, 30)
    return None  # official, card issued: nothing left to do


class FullJourneyTests(WorldTestCase):
    def test_source_to_party_card(self):
        candidacy = self.candidacy("Nguyễn Văn An")
        person = candidacy.person
        self.assertEqual(
            (candidacy.stage, candidacy.stage_since, candidacy.opened_on, candidacy.attempt),
            (Stage.SOURCE, SOURCE_ON, SOURCE_ON, 1),
        )
        self.assertIsNone(candidacy.next_due)
        self.assertEqual(candidacy.version, 1)

        papers_seen: list[tuple[date, dict]] = []
        stage_since = SOURCE_ON
        steps = happy_steps(candidacy.cell, introducers_for(self.world, candidacy.cell))
        self.assertEqual(
            [s.step for s in steps if s.step is not Step.DOSSIER_PAPER],
            [
                Step.SYMPATHISER, Step.AWARENESS_CLASS, Step.CELL_RESOLUTION,
                Step.GRASSROOTS_RESOLUTION, Step.ADMISSION_DECISION, Step.CEREMONY,
                Step.NEW_MEMBER_CLASS, Step.RECOGNITION_CELL_RESOLUTION,
                Step.RECOGNITION_DECISION, Step.PARTY_CARD,
            ],
        )  # fmt: skip
        for n, planned in enumerate(steps, start=2):
            version = candidacy.version
            event = services.record_step(
                candidacy, planned.step, planned.on, actor=self.u.cell,
                expected_version=version, **planned.kwargs,
            )  # fmt: skip
            candidacy.refresh_from_db()
            person.refresh_from_db()
            with self.subTest(step=planned.step, on=planned.on):
                self.assertEqual(event.seq, n)
                self.assertEqual(event.actor, self.u.cell)
                self.assertEqual(candidacy.version, version + 1)
                self.assertEqual(candidacy.stage, planned.stage_after)
                if planned.step is Step.DOSSIER_PAPER:
                    papers_seen.append((planned.on, planned.kwargs["data"]))
                    if len(papers_seen) == 1:
                        stage_since = planned.on  # later papers do not move the stage
                else:
                    stage_since = planned.on
                self.assertEqual(candidacy.stage_since, stage_since)
                self.assertEqual(
                    candidacy.next_due, expected_next_due(candidacy.stage_enum, papers_seen)
                )
                if candidacy.stage_enum in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED,
                                            Stage.RECOGNITION_CELL_RESOLVED):  # fmt: skip
                    self.assertEqual(person.member_status, MemberStatus.PROBATIONARY)
                    self.assertEqual(person.party_admitted_on, CEREMONY_ON)
                    self.assertIsNone(person.party_official_on)
                    self.assertFalse(person.is_official_member_on(RECOGNITION_DECISION_ON))
                elif candidacy.stage_enum in (Stage.OFFICIAL, Stage.CARD_ISSUED):
                    self.assertEqual(person.member_status, MemberStatus.OFFICIAL)
                    self.assertEqual(person.party_admitted_on, CEREMONY_ON)
                    # Ceremony + 12 months, although the decision came three months later.
                    self.assertEqual(person.party_official_on, PROBATION_END)
                    self.assertEqual(person.party_official_on, add_months(CEREMONY_ON, 12))
                    self.assertLess(person.party_official_on, RECOGNITION_DECISION_ON)
                    self.assertTrue(person.is_official_member_on(PROBATION_END))
                else:
                    self.assertEqual(person.member_status, MemberStatus.NONE)
                    self.assertIsNone(person.party_admitted_on)

        self.assertEqual(candidacy.stage, Stage.CARD_ISSUED)
        self.assertTrue(candidacy.is_closed)
        self.assertEqual(candidacy.closed_on, steps[-1].on)
        self.assertEqual(person.party_card_number, "72001234")
        self.assertNotIn(candidacy, Candidacy.objects.open())
        # The cache is what the events say.
        state = derive(event_facts(e) for e in candidacy.events.order_by("seq"))
        self.assertEqual((state.stage, state.stage_since), (Stage.CARD_ISSUED, steps[-1].on))
        self.assertEqual(candidacy.events.count(), len(steps) + 1)
        # Votes are stored with their figures and result.
        vote = candidacy.events.get(step=Step.CELL_RESOLUTION)
        self.assertEqual((vote.official_members, vote.in_favour, vote.passed), (9, 7, True))
        # Nothing more can be recorded on a closed candidacy.
        with self.assertRaises(services.StepRefused):
            services.record_step(candidacy, Step.MOVED_AWAY, date(2026, 9, 1), reason="Chuyển đi")

    def test_partial_committee_and_grassroots_cell_paths(self):
        """Under a partial committee the appraisal comes first; a chi bộ cơ sở goes straight up."""
        for cell, expected in (
            (self.o.AP1, [Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED, Stage.GRASSROOTS_RESOLVED,
                          Stage.ADMISSION_DECIDED]),
            (self.o.G, [Stage.CELL_RESOLVED, Stage.ADMISSION_DECIDED]),
        ):  # fmt: skip
            with self.subTest(cell=cell.name):
                candidacy = self.candidacy(f"Người thử {cell.pk}", cell=cell)
                self.advance(candidacy, Stage.ADMISSION_DECIDED)
                stages = []
                for e in candidacy.events.filter(
                    step__in=[Step.CELL_RESOLUTION, Step.PARTIAL_APPRAISAL,
                              Step.GRASSROOTS_RESOLUTION, Step.ADMISSION_DECISION]
                ).order_by("seq"):  # fmt: skip
                    stages.append(
                        derive(
                            event_facts(x) for x in candidacy.events.filter(seq__lte=e.seq)
                        ).stage
                    )
                self.assertEqual(stages, expected)

    def test_stage_counts_follow_the_steps(self):
        a = self.candidacy("Người A")
        b = self.candidacy("Người B")
        self.candidacy("Người C")
        self.advance(a, Stage.DOSSIER)
        self.advance(b, Stage.PROBATIONARY)
        self.assertEqual(
            Candidacy.objects.stage_counts(),
            {Stage.SOURCE: 1, Stage.DOSSIER: 1, Stage.PROBATIONARY: 1},
        )
        self.assertEqual(Event.objects.filter(candidacy=b, step=Step.CEREMONY).count(), 1)
