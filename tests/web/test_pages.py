"""The candidacy page (the to-do page is tested in test_todo.py) and a shared data helper."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.pipeline import services, tallies
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import PROGRESS_STAGES, STAGE_LABELS, Stage, Step
from tests.base import CELL_ON, WorldTestCase, cccd_for

TODAY = date(2025, 9, 1)


def bulk_candidacies(cells: list[Organisation], n: int, today: date, start: int = 0) -> None:
    """``n`` candidacies written directly (the home page reads only their cached columns)."""
    stages = [s for s in PROGRESS_STAGES if s is not Stage.CARD_ISSUED]
    people = Person.objects.bulk_create(
        Person(full_name=f"Người số {start + i}", search_name=f"nguoi so {start + i}",
               birth_date=date(1995, 1, 1) + timedelta(days=start + i), sex="M",
               cccd=cccd_for(date(1995, 1, 1), "M"), general_education="upper_secondary",
               sector="farmer", cell=cells[i % len(cells)])
        for i in range(n)
    )  # fmt: skip
    Candidacy.objects.bulk_create(
        Candidacy(person=p, cell=p.cell, stage=stages[i % len(stages)], stage_since=today - timedelta(days=40),
                  opened_on=today - timedelta(days=400),
                  # every third overdue, every third due this week, the rest later
                  next_due=today + timedelta(days=(-5, 3, 30)[i % 3]), next_due_code="decision_due")
        for i, p in enumerate(people)
    )  # fmt: skip
    tallies.rebuild()  # written without the services: the stage tallies from the rows


@time_machine.travel(TODAY, tick=False)
class CandidacyPageTests(WorldTestCase):
    def test_page_at_every_stage(self):
        candidacy = self.candidacy("Lê Thị Hồ Sơ")
        self.client.force_login(self.u.cell)
        for stage in (
            Stage.SOURCE,
            Stage.SYMPATHISER,
            Stage.DOSSIER,
            Stage.CELL_RESOLVED,
            Stage.PROBATIONARY,
        ):
            with self.subTest(stage=stage):
                self.advance(candidacy, stage)
                response = self.client.get(f"/ho-so/{candidacy.pk}/")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Lê Thị Hồ Sơ")
                self.assertContains(response, STAGE_LABELS[stage])

    def test_findings_deadlines_votes_and_corrections_are_shown(self):
        candidacy = self.advance(self.candidacy(), Stage.CELL_RESOLVED)
        services.correct_event(candidacy.events.get(step=Step.CELL_RESOLUTION), "Ghi nhầm ngày họp")
        self.client.force_login(self.u.grassroots)
        response = self.client.get(f"/ho-so/{candidacy.pk}/")
        self.assertContains(response, "(đã đính chính)")
        self.assertContains(response, "Lý do: Ghi nhầm ngày họp")
        self.assertContains(
            response, "Đảng viên chính thức 9, có mặt 8, tán thành 7, không tán thành 1 — đạt."
        )
        self.assertContains(response, "Bước tiếp theo")
        self.assertEqual(response.context["c"].stage, Stage.DOSSIER)
        self.assertEqual(CELL_ON.year, 2025)

    def test_outside_the_subtree_is_404(self):
        candidacy = self.candidacy()
        self.client.force_login(self.u.outsider)
        self.assertEqual(self.client.get(f"/ho-so/{candidacy.pk}/").status_code, 404)
        self.assertEqual(self.client.get("/ho-so/987654321/").status_code, 404)
