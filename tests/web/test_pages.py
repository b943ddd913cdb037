"""The home page (counts per stage, overdue items, constant query count) and the candidacy page."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS, Stage, Step
from tests.base import CELL_ON, WorldTestCase, cccd_for, populate

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


@time_machine.travel(TODAY, tick=False)
class HomePageTests(WorldTestCase):
    def test_counts_per_stage_and_overdue_items(self):
        populate(self.world)  # one sympathiser in each cell, both branches
        late = self.advance(self.candidacy("Trần Văn Muộn"), Stage.CELL_RESOLVED)
        self.assertLess(late.next_due, TODAY)  # the decision was due 60 working days after CELL_ON
        self.client.force_login(self.u.committee)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        rows = {label: n for label, n, _ in response.context["stage_rows"]}
        self.assertEqual(len(rows), len(PROGRESS_STAGES) + len(EXIT_STAGES))
        self.assertEqual(rows[STAGE_LABELS[Stage.SYMPATHISER]], 5)  # X1 is outside the district
        self.assertEqual(rows[STAGE_LABELS[Stage.CELL_RESOLVED]], 1)
        self.assertEqual(response.context["total"], 6)
        self.assertEqual(response.context["overdue_count"], 1)
        self.assertEqual(list(response.context["overdue"]), [late])
        self.assertContains(response, "Trần Văn Muộn")
        self.assertContains(response, f'href="/ho-so/{late.pk}/"')
        self.assertContains(response, "Quyết định kết nạp")  # what is overdue, not only when
        # The outsider sees their own branch only.
        self.client.force_login(self.u.outsider)
        response = self.client.get("/")
        self.assertEqual(response.context["total"], 1)
        self.assertEqual(response.context["overdue_count"], 0)
        self.assertNotContains(response, "Trần Văn Muộn")

    def test_due_soon_and_closed_candidacies(self):
        bulk_candidacies([self.o.A1], 6, TODAY)
        closed = Candidacy.objects.order_by("pk").first()
        Candidacy.objects.filter(pk=closed.pk).update(
            stage=Stage.WITHDRAWN, next_due=TODAY - timedelta(days=9)
        )
        self.client.force_login(self.u.cell)
        response = self.client.get("/")
        self.assertEqual(response.context["overdue_count"], 1)  # the closed one is not overdue
        self.assertEqual(len(response.context["due_soon"]), 2)
        self.assertEqual(
            dict((label, n) for label, n, _ in response.context["stage_rows"])[
                STAGE_LABELS[Stage.WITHDRAWN]
            ],
            1,
        )

    def test_query_count_does_not_grow_with_the_data(self):
        cells = [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G]
        self.client.force_login(self.u.committee)
        self.client.get("/")  # warm up (session, content types)
        bulk_candidacies(cells, 5, TODAY)
        with CaptureQueriesContext(connection) as few:
            response = self.client.get("/")
        self.assertEqual(response.context["total"], 5)
        bulk_candidacies(cells, 50, TODAY, start=5)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get("/")
        self.assertEqual(response.context["total"], 55)
        self.assertEqual(response.context["overdue_count"], 19)
        self.assertEqual(len(response.context["overdue"]), 19)
        self.assertEqual(len(few), len(many), [q["sql"] for q in many.captured_queries])

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get("/")
        self.assertRedirects(
            response, "/tai-khoan/dang-nhap/?next=/", fetch_redirect_response=False
        )


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
