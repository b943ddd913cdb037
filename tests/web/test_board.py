"""The pipeline board: one column per stage, counts, the most urgent cards, filters, htmx."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import time_machine

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.people.text import fold, sort_key
from ptdv.pipeline import tallies
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import CLOSED_STAGES, PROGRESS_STAGES, STAGE_LABELS, Stage
from ptdv.web.filters import CandidacyFilter
from ptdv.web.views.board import CARDS_PER_COLUMN
from tests.base import WorldTestCase, populate

TODAY = date(2025, 9, 1)
OPEN_PROGRESS = [s for s in PROGRESS_STAGES if s is not Stage.CARD_ISSUED]
#: Cycled over the rows: overdue, due this week, due later, no deadline.
DUE_OFFSETS = (-5, 3, 30, None)


def bulk_candidacies(
    cells: list[Organisation],
    n: int,
    *,
    today: date = TODAY,
    start: int = 0,
    stages: list[Stage] | None = None,
    names: list[str] | None = None,
    birth_date: date = date(1995, 1, 1),
    **person_fields,
) -> list[Candidacy]:
    """``n`` candidacies written directly (the pages read only their cached columns)."""
    stages = stages or OPEN_PROGRESS
    names = names or [f"Người Số {start + i}" for i in range(n)]
    person_fields.setdefault("sex", "M")
    people = Person.objects.bulk_create(
        Person(
            full_name=names[i],
            search_name=fold(names[i]),
            sort_key=sort_key(names[i]),
            birth_date=birth_date + timedelta(days=i),
            general_education="upper_secondary",
            sector="farmer",
            cell=cells[i % len(cells)],
            **person_fields,
        )
        for i in range(n)
    )
    made = []
    for i, person in enumerate(people):
        stage = stages[i % len(stages)]
        offset = DUE_OFFSETS[i % len(DUE_OFFSETS)]
        made.append(
            Candidacy(
                person=person,
                cell=person.cell,
                stage=stage,
                stage_since=today - timedelta(days=10 + i),
                opened_on=today - timedelta(days=400),
                closed_on=today - timedelta(days=10 + i) if stage in CLOSED_STAGES else None,
                next_due=None if offset is None else today + timedelta(days=offset),
                next_due_code="" if offset is None else "decision_due",
            )
        )
    made = Candidacy.objects.bulk_create(made)
    tallies.rebuild()  # written without the services: the stage tallies from the rows
    return made


@time_machine.travel(TODAY, tick=False)
class BoardTests(WorldTestCase):
    def test_columns_counts_and_cards(self):
        populate(self.world)  # one sympathiser in each cell, both branches
        late = self.advance(self.candidacy("Trần Văn Muộn"), Stage.CELL_RESOLVED)
        self.assertLess(late.next_due, TODAY)
        self.client.force_login(self.u.committee)
        response = self.client.get("/tien-trinh/")
        self.assertEqual(response.status_code, 200)
        columns = response.context["columns"]
        self.assertEqual([c["label"] for c in columns], [STAGE_LABELS[s] for s in PROGRESS_STAGES])
        counts = {c["stage"]: c["count"] for c in columns}
        self.assertEqual(counts[Stage.SYMPATHISER], 5)  # X1 is outside the district
        self.assertEqual(counts[Stage.CELL_RESOLVED], 1)
        self.assertEqual(response.context["total"], 6)
        cell_column = next(c for c in columns if c["stage"] == Stage.CELL_RESOLVED)
        self.assertEqual([c.pk for c in cell_column["cards"]], [late.pk])
        self.assertContains(response, f'href="/ho-so/{late.pk}/"')
        self.assertContains(response, "Trần Văn Muộn")
        self.assertContains(response, "Chi bộ thôn Đông")
        days = (TODAY - late.stage_since).days
        self.assertContains(response, f"{days} ngày")
        self.assertContains(response, "Quá hạn")
        self.assertContains(response, "Quyết định kết nạp")  # what is due, not only when
        self.assertContains(response, late.next_due.strftime("%d/%m/%Y"))
        self.assertContains(response, "<h1>", count=1)
        self.assertNotContains(response, "Chi bộ thôn Nam")  # outsider's cell
        # The outsider sees their own branch only.
        self.client.force_login(self.u.outsider)
        response = self.client.get("/tien-trinh/")
        self.assertEqual(response.context["total"], 1)
        self.assertNotContains(response, "Trần Văn Muộn")
        self.assertContains(response, "Chi bộ thôn Nam")

    def test_due_soon_warning_and_days_in_stage(self):
        soon, later = bulk_candidacies([self.o.A1], 2, stages=[Stage.DOSSIER], start=1)
        Candidacy.objects.filter(pk=soon.pk).update(next_due=TODAY + timedelta(days=7))
        Candidacy.objects.filter(pk=later.pk).update(next_due=TODAY + timedelta(days=8))
        self.client.force_login(self.u.cell)
        response = self.client.get("/tien-trinh/")
        column = next(c for c in response.context["columns"] if c["stage"] == Stage.DOSSIER)
        self.assertEqual([c.due_state for c in column["cards"]], ["soon", ""])
        self.assertEqual(column["cards"][0].days_in_stage, 10)
        self.assertContains(response, "Sắp đến hạn", count=1)
        self.assertNotContains(response, "Quá hạn")

    def test_most_urgent_cards_first_and_link_to_the_whole_column(self):
        made = bulk_candidacies(
            [self.o.A1, self.o.A2], CARDS_PER_COLUMN + 5, stages=[Stage.DOSSIER]
        )
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/tien-trinh/?sex=M")
        column = next(c for c in response.context["columns"] if c["stage"] == Stage.DOSSIER)
        self.assertEqual(column["count"], CARDS_PER_COLUMN + 5)
        self.assertEqual(len(column["cards"]), CARDS_PER_COLUMN)
        expected = sorted(made, key=lambda c: (c.next_due is None, c.next_due or TODAY, c.pk))[
            :CARDS_PER_COLUMN
        ]
        self.assertEqual([c.pk for c in column["cards"]], [c.pk for c in expected])
        self.assertTrue(column["more"])
        self.assertContains(response, f"Xem tất cả {CARDS_PER_COLUMN + 5}")
        self.assertContains(response, 'href="/danh-sach/?sex=M&amp;stage=dossier&amp;sort=due"')
        other = next(c for c in response.context["columns"] if c["stage"] == Stage.SOURCE)
        self.assertFalse(other["more"])

    def test_filters_apply_to_counts_and_cards(self):
        populate(self.world)
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/tien-trinh/?organisation={self.o.B.pk}")
        self.assertEqual(response.context["total"], 1)
        self.assertContains(response, "Quần Chúng Thôn Bắc")
        self.assertNotContains(response, "Quần Chúng Thôn Đông")
        # Closed candidacies are left out unless asked for; then their columns appear.
        bulk_candidacies([self.o.B1], 1, stages=[Stage.CARD_ISSUED], names=["Hà Thị Thẻ"])
        response = self.client.get(f"/tien-trinh/?organisation={self.o.B.pk}")
        self.assertNotContains(response, "Hà Thị Thẻ")
        response = self.client.get(f"/tien-trinh/?organisation={self.o.B.pk}&include_closed=on")
        self.assertContains(response, "Hà Thị Thẻ")
        self.assertIn(
            STAGE_LABELS[Stage.WITHDRAWN], [c["label"] for c in response.context["columns"]]
        )
        # Chosen stages: only their columns.
        response = self.client.get("/tien-trinh/?stage=sympathiser&stage=dossier")
        self.assertEqual(
            [c["stage"] for c in response.context["columns"]], ["sympathiser", "dossier"]
        )

    def test_organisation_outside_the_subtree_is_refused(self):
        populate(self.world)
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/tien-trinh/?organisation={self.o.X.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Bộ lọc không hợp lệ")
        self.assertEqual(response.context["columns"], [])
        self.assertNotContains(response, "Quần Chúng Thôn Nam")
        self.assertNotContains(response, "Quần Chúng Thôn Đông")  # no widening either
        self.assertContains(response, "is-invalid")

    def test_htmx_renders_only_the_board(self):
        populate(self.world)
        self.client.force_login(self.u.committee)
        response = self.client.get("/tien-trinh/?sex=M", headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/board/_board.html")
        self.assertTemplateNotUsed(response, "web/board/board.html")
        self.assertNotContains(response, "<html")
        self.assertNotContains(response, "<form")
        self.assertContains(response, "Quần Chúng Thôn Đông")
        self.assertIn("HX-Request", response["Vary"])
        # A history restore gets the whole page.
        response = self.client.get(
            "/tien-trinh/?sex=M",
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        )
        self.assertContains(response, "<html")

    def test_filter_form_works_without_javascript_and_with_htmx(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/tien-trinh/")
        content = response.content.decode()
        self.assertIn('<form method="get" action="/tien-trinh/"', content)
        self.assertIn('hx-get="/tien-trinh/"', content)
        self.assertIn('hx-target="#results"', content)
        self.assertIn('hx-push-url="true"', content)
        self.assertIn('type="submit"', content)
        for field in response.context["form"]:
            if field.name == "sort":
                continue
            if field.use_fieldset:  # the stages' checkboxes: a legend, and a label for each box
                self.assertIn("<legend", content)
                for box in field:
                    self.assertIn(f'for="{box.id_for_label}"', content, field.name)
            else:
                self.assertIn(f'for="{field.id_for_label}"', content, field.name)
        # The organisation choices: the user's subtree, indented under their own organisation.
        choices = [
            label for _value, label in response.context["form"].fields["organisation"].choices
        ]
        self.assertEqual(
            [c.replace("\u00a0", "") for c in choices[1:]],
            [self.o.A.name, self.o.A1.name, self.o.A2.name, self.o.AP.name, self.o.AP1.name],
        )
        self.assertTrue(choices[5].startswith("\u00a0" * 6))  # AP1, two levels under A

    def test_query_count_does_not_grow_with_cards_or_columns(self):
        bulk_candidacies([self.o.A1, self.o.B1, self.o.G], 5)
        self.client.force_login(self.u.committee)
        url = f"/tien-trinh/?organisation={self.o.D.pk}&sex=M"
        more = [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G]
        small = self.assert_queries_do_not_grow(
            lambda: bulk_candidacies(more, 35, start=5), url
        ).queries
        self.assertLessEqual(small, 8)  # the cards: their ids per column, then their rows
        self.assertEqual(self.count_queries("/tien-trinh/"), small - 1)  # no organisation to check


@time_machine.travel(TODAY, tick=False)
class OrganisationDrillDownTests(WorldTestCase):
    """The organisation select shows the way down to the chosen unit and its children only."""

    def options(self, url: str) -> list[str]:
        import re

        content = self.client.get(url).content.decode()
        select = re.search(r'<select[^>]*name="organisation".*?</select>', content, re.S).group(0)
        return [
            label.replace("&nbsp;", "").replace("\u00a0", "").strip()
            for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)
        ][1:]

    def test_children_of_the_user_organisation_then_of_the_chosen_one(self):
        self.client.force_login(self.u.grassroots)
        self.assertEqual(
            self.options("/tien-trinh/"),
            [self.o.A.name, self.o.A1.name, self.o.A2.name, self.o.AP.name],
        )
        self.assertEqual(
            self.options(f"/tien-trinh/?organisation={self.o.AP.pk}"),
            [self.o.A.name, self.o.AP.name, self.o.AP1.name],
        )

    def test_a_unit_not_shown_is_still_accepted_and_an_outside_one_refused(self):
        self.client.force_login(self.u.committee)
        self.assertNotIn(self.o.AP1.name, self.options("/tien-trinh/"))
        ok = self.client.get(f"/danh-sach/?organisation={self.o.AP1.pk}")
        self.assertNotContains(ok, "is-invalid")
        refused = self.client.get(f"/danh-sach/?organisation={self.o.X1.pk}")
        self.assertContains(refused, "is-invalid")


@time_machine.travel(TODAY, tick=False)
class LargeIdTests(WorldTestCase):
    """Ids of a real database (five digits and more) go into links ungrouped: /ho-so/12345/."""

    def test_links_carry_plain_ids(self):
        person = Person.objects.create(
            id=54321,
            full_name="Lò Văn Mười Nghìn",
            birth_date=date(1996, 2, 3),
            sex="M",
            general_education="upper_secondary",
            sector="farmer",
            cell=self.o.A1,
        )
        Candidacy.objects.create(
            id=12345, person=person, attempt=1, cell=self.o.A1, stage=Stage.SYMPATHISER,
            stage_since=TODAY - timedelta(days=3), opened_on=TODAY - timedelta(days=30),
            next_due=TODAY - timedelta(days=1), next_due_code="ceremony", version=1,
        )  # fmt: skip
        tallies.rebuild()  # written without the services: the summaries from the rows
        self.client.force_login(self.u.cell)
        for url in ("/", "/tien-trinh/", "/danh-sach/", "/tim-kiem/?q=muoi+nghin"):
            with self.subTest(url=url):
                response = self.client.get(url, follow=True)  # a search: to its token's address
                self.assertContains(response, "/ho-so/12345/")
                self.assertNotContains(response, "12.345")
        self.assertContains(
            self.client.get("/tim-kiem/?q=muoi+nghin", follow=True), "/nguoi/54321/"
        )


class BoardTallyTests(WorldTestCase):
    """The board's counts per stage come from the stage tallies unless a filter narrows the
    candidacies beyond an organisation and the stages: the same numbers either way."""

    def counts(self, query: str) -> dict[str, int]:
        response = self.client.get(f"/tien-trinh/{query}")
        self.assertEqual(response.status_code, 200)
        return {c["stage"]: c["count"] for c in response.context["columns"]}

    def test_the_tallies_and_the_rows_give_the_same_counts(self):
        closed = (Stage.WITHDRAWN, Stage.CARD_ISSUED, Stage.DOSSIER, Stage.SYMPATHISER)
        bulk_candidacies([self.o.A1, self.o.A2, self.o.B1], 30, stages=list(closed))
        self.client.force_login(self.u.committee)
        queries = (
            "",
            "?include_closed=on",
            f"?stage={Stage.DOSSIER}",
            f"?stage={Stage.WITHDRAWN}&stage={Stage.DOSSIER}",
            f"?organisation={self.o.A.pk}",
            f"?organisation={self.o.B1.pk}&include_closed=on",
        )
        for query in queries:
            with self.subTest(query=query):
                from_tallies = self.counts(query)
                with mock.patch.object(CandidacyFilter, "narrows", return_value=True):
                    from_rows = self.counts(query)
                self.assertEqual(from_tallies, from_rows)
                self.assertTrue(any(from_rows.values()))

    def test_a_narrowing_filter_counts_from_the_rows(self):
        bulk_candidacies([self.o.A1], 12, sex="F")
        self.client.force_login(self.u.cell)
        everyone = sum(self.counts("").values())
        women = sum(self.counts("?sex=F").values())
        self.assertEqual(women, everyone)
        self.assertEqual(sum(self.counts("?sex=M").values()), 0)
