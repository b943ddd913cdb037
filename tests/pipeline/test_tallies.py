"""The summaries kept write by write equal the summaries rebuilt from the rows, and answer what
the rows answer."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.org.models import Organisation
from ptdv.pipeline import services, tallies
from ptdv.pipeline.evaluation import event_facts
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.pipeline.services import StepRefused
from ptdv.pipeline.tallies import Tally
from ptdv.rules.due import due_soon_until
from ptdv.rules.stages import EXITS, Step, correctable_ids, derive
from tests.base import WorldTestCase, happy_steps, introducers_for, new_candidacy


def kept() -> dict[tuple[int, str, str, date], int]:
    return {
        (t.organisation_id, t.kind, t.key, t.day): t.count for t in Tally.objects.all() if t.count
    }


def counts_from_rows(user, today: date) -> tallies.TodoCounts:
    """What the to-do page would count from the rows (the querysets' definitions)."""
    candidacies = Candidacy.objects.visible_to(user)

    def per_code(rows) -> dict[str, int]:
        return dict(Counter(rows.values_list("next_due_code", flat=True)))

    return tallies.TodoCounts(
        stages=candidacies.stage_counts(),
        overdue=per_code(candidacies.overdue(today)),
        due_soon=per_code(candidacies.due_soon(today)),
        expiring=candidacies.open().filter(expiry_due__lte=today + timedelta(days=30)).count(),
        missing_reports=MentorAssignment.objects.visible_to(user).missing_reports(today).count(),
    )


def counts_kept(user, today: date) -> tallies.TodoCounts:
    return tallies.todo_counts(
        user,
        today,
        due_soon_until=due_soon_until(today),
        expiry_until=today + timedelta(days=30),
    )


class TallyTests(WorldTestCase):
    def _cells(self):
        o = self.o
        return [o.A1, o.A2, o.AP1, o.B1, o.G, o.X1]

    def _mentors(self):
        p = self.world.people
        return [p.mentor, p.mentor2, p.member_A2, p.member_AP1, p.member_B1, p.member_X1]

    def _mentoring_move(self, rng: random.Random, candidacy: Candidacy, choice: float) -> None:
        """A mentor assigned (or replaced), ended, or a report filed for a month, a quarter or
        a year around the assignment."""
        current = MentorAssignment.objects.filter(candidacy=candidacy, end__isnull=True).first()
        if current is None or choice < 0.3:
            start = candidacy.stage_since + timedelta(days=rng.randrange(0, 90))
            if current is not None:
                start = max(start, current.start)
            services.assign_mentor(candidacy, rng.choice(self._mentors()), start)
        elif choice < 0.4:
            services.end_mentor(
                current, current.start + timedelta(days=rng.randrange(0, 200)), "Thử"
            )
        else:
            period = rng.choice(["month", "month", "quarter", "year"])
            on = current.start + timedelta(days=rng.randrange(-40, 400))
            services.file_mentor_report(
                current, period, on, "Tiến bộ.", "good", filed_on=date(2031, 1, 1)
            )

    def _one_move(self, rng: random.Random, candidacy: Candidacy) -> None:
        """A random write: the next step of the happy path, a transfer, an exit, a correction
        of the last correctable event, or a mentor's assignment, end or report (refusals are
        part of the game)."""
        candidacy.refresh_from_db()
        choice = rng.random()
        try:
            if not candidacy.is_closed and choice >= 0.75:
                self._mentoring_move(rng, candidacy, (choice - 0.75) * 4)
            elif candidacy.is_closed or choice < 0.1:
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
                for _ in range(150):
                    self._one_move(rng, rng.choice(made))
                    incremental = kept()
                    tallies.rebuild()
                    self.assertEqual(incremental, kept())
                # The game played every kind of write.
                steps = set(Event.objects.filter(candidacy__in=made).values_list("step", flat=True))
                self.assertLessEqual({Step.TRANSFER, Step.CORRECTION, Step.CEREMONY}, steps)
                self.assertTrue(steps & set(EXITS))
                mentoring = MentorAssignment.objects.filter(candidacy__in=made)
                self.assertTrue(mentoring.filter(end__isnull=False).exists())
                self.assertTrue(MentorReport.objects.filter(assignment__in=mentoring).exists())
                self._assert_counts_answer_as_the_rows(made)

    def _assert_counts_answer_as_the_rows(self, made: list[Candidacy]) -> None:
        """On every day around the game's dates, for users of every level, the summaries say
        what the rows say (overdue and due soon per code, expiring, missing reports)."""
        days = {c.next_due for c in Candidacy.objects.filter(pk__in=[c.pk for c in made])}
        days |= set(MentorAssignment.objects.values_list("start", flat=True))
        probes = sorted({d + timedelta(days=k) for d in days if d for k in (-8, -1, 0, 1, 31)})
        users = (self.u.admin, self.u.committee, self.u.cell, self.u.outsider)
        for today in probes[:: max(1, len(probes) // 25)]:
            for user in users:
                with self.subTest(today=today, user=user.username):
                    self.assertEqual(counts_kept(user, today), counts_from_rows(user, today))

    def test_every_stage_of_a_cell_is_counted_at_each_ancestor(self):
        candidacy = new_candidacy(self.world, cell=self.o.AP1)
        ancestors = {a.pk for a in candidacy.cell.ancestors_or_self()}
        self.assertEqual(
            {
                org
                for (org, kind, key, _day), n in kept().items()
                if (kind, key) == ("stage", "source")
            },
            ancestors,
        )

    def test_a_unit_moved_in_the_tree_takes_its_counts_along(self):
        for cell in self._cells():
            new_candidacy(self.world, f"Người {cell.name}", cell)
        moved, target = self.o.A1, Organisation.objects.get_parent(self.o.X1)
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            Organisation.objects.move(
                moved, target, pos="last-child"
            )  # as the admin's drag and drop does
        self.assertEqual(len(callbacks), 1)  # one rebuild, however many subtrees moved
        for user in (self.u.admin, self.u.committee, self.u.outsider):
            with self.subTest(user=user.username):
                self.assertEqual(
                    tallies.stage_counts(user),
                    Candidacy.objects.visible_to(user).stage_counts(),
                )
        self.assertEqual(tallies.stage_counts(self.u.outsider)["source"], 2)

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
