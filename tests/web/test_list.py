"""The filtered candidacy list: each filter, sort orders, scope, pagination, htmx, query counts."""

from __future__ import annotations

import io
from datetime import date, timedelta
from unittest import mock

import time_machine
from django.test import SimpleTestCase
from openpyxl import load_workbook

from ptdv.pipeline.models import Candidacy
from ptdv.rules.months import age_in_full_years
from ptdv.rules.stages import Stage
from ptdv.web.filters import AGE_BANDS, SORTS, latest_birth_date_for_age
from ptdv.web.views.board import PAGE_SIZE
from tests.base import WorldTestCase, populate
from tests.web.test_board import TODAY, bulk_candidacies


def names(response) -> list[str]:
    return [c.person.full_name for c in response.context["page"].object_list]


@time_machine.travel(TODAY, tick=False)
class ListFilterTests(WorldTestCase):
    def setUp(self):
        self.client.force_login(self.u.committee)

    def listed(self, query: str = "") -> list[str]:
        response = self.client.get(f"/danh-sach/?{query}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["errors"], [])
        return sorted(names(response))

    def test_person_filters(self):
        bulk_candidacies([self.o.A1], 1, names=["Lò Thị Mai"], sex="F", ethnicity="03")
        bulk_candidacies([self.o.A1], 1, names=["Vì Văn Đoàn"], youth_union_member=True)
        bulk_candidacies([self.o.A2], 1, names=["Hà Văn Công"], trade_union_member=True)
        bulk_candidacies([self.o.B1], 1, names=["Sầm Văn Chỗ"], local_resident=True)
        self.assertEqual(self.listed("sex=F"), ["Lò Thị Mai"])
        self.assertEqual(len(self.listed("sex=M")), 3)
        self.assertEqual(self.listed("ethnicity=03"), ["Lò Thị Mai"])
        self.assertEqual(self.listed("youth_union=yes"), ["Vì Văn Đoàn"])
        self.assertEqual(len(self.listed("youth_union=no")), 3)
        self.assertEqual(self.listed("trade_union=yes"), ["Hà Văn Công"])
        self.assertEqual(self.listed("local_resident=yes"), ["Sầm Văn Chỗ"])
        self.assertEqual(len(self.listed("local_resident=no")), 3)
        self.assertEqual(self.listed("sex=M&youth_union=no&local_resident=no"), ["Hà Văn Công"])

    def test_organisation_subtree(self):
        made = populate(self.world)

        def by_name(*keys):
            return sorted(getattr(made, k).person.full_name for k in keys)

        self.assertEqual(self.listed(f"organisation={self.o.A.pk}"), by_name("A1", "A2", "AP1"))
        self.assertEqual(self.listed(f"organisation={self.o.AP.pk}"), by_name("AP1"))
        self.assertEqual(self.listed(f"organisation={self.o.A1.pk}"), by_name("A1"))  # a leaf
        self.assertEqual(self.listed(f"organisation={self.o.G.pk}"), by_name("G"))
        self.assertEqual(self.listed(), by_name("A1", "A2", "AP1", "B1", "G"))  # X1 is outside

    def test_stages_and_closed_candidacies(self):
        bulk_candidacies([self.o.A1], 1, names=["Nguồn Văn Một"], stages=[Stage.SOURCE])
        bulk_candidacies([self.o.A1], 1, names=["Hồ Sơ Văn Hai"], stages=[Stage.DOSSIER])
        bulk_candidacies([self.o.A1], 1, names=["Thẻ Văn Ba"], stages=[Stage.CARD_ISSUED])
        withdrawn = bulk_candidacies([self.o.A1], 1, names=["Rút Văn Bốn"])[0]
        Candidacy.objects.filter(pk=withdrawn.pk).update(stage=Stage.WITHDRAWN, closed_on=TODAY)
        self.assertEqual(self.listed(), ["Hồ Sơ Văn Hai", "Nguồn Văn Một"])  # open only
        self.assertEqual(len(self.listed("include_closed=on")), 4)
        self.assertEqual(self.listed("stage=dossier"), ["Hồ Sơ Văn Hai"])
        self.assertEqual(
            self.listed("stage=dossier&stage=source"), ["Hồ Sơ Văn Hai", "Nguồn Văn Một"]
        )
        # Choosing a closed stage shows it without ticking "include closed".
        self.assertEqual(self.listed("stage=withdrawn"), ["Rút Văn Bốn"])
        self.assertEqual(
            self.listed("stage=card_issued&stage=source"), ["Nguồn Văn Một", "Thẻ Văn Ba"]
        )

    def test_overdue_only(self):
        late, soon, _later, _none = bulk_candidacies(
            [self.o.A1], 4
        )  # -5, +3, +30 days, no deadline
        closed = bulk_candidacies([self.o.A1], 1, start=9, names=["Đã Văn Xong"])[0]
        Candidacy.objects.filter(pk=closed.pk).update(
            stage=Stage.WITHDRAWN, closed_on=TODAY, next_due=TODAY - timedelta(days=30)
        )
        Candidacy.objects.filter(pk=soon.pk).update(next_due=TODAY)  # due today: not overdue
        self.assertEqual(self.listed("overdue=on"), [late.person.full_name])
        self.assertEqual(self.listed("overdue=on&include_closed=on"), [late.person.full_name])
        self.assertEqual(self.listed("overdue=1"), [late.person.full_name])  # the home page's link
        response = self.client.get("/danh-sach/")
        self.assertContains(response, "Quá hạn", count=1)
        self.assertContains(response, "Sắp đến hạn", count=1)

    def test_age_bands_at_their_boundaries(self):
        ages = {
            29: date(1995, 9, 2), 30: date(1995, 9, 1), 35: date(1989, 9, 2),
            36: date(1989, 9, 1), 40: date(1984, 9, 2), 41: date(1984, 9, 1),
            50: date(1974, 9, 2), 51: date(1974, 9, 1),
        }  # fmt: skip
        for age, born in ages.items():
            self.assertEqual(age_in_full_years(born, TODAY), age)
            bulk_candidacies([self.o.A1], 1, names=[f"Tuổi Văn {age}"], birth_date=born)
        expected = {
            "lt30": [29], "30-35": [30, 35], "36-40": [36, 40], "41-50": [41, 50], "gt50": [51],
        }  # fmt: skip
        self.assertEqual(set(expected), set(AGE_BANDS))
        for band, in_band in expected.items():
            self.assertEqual(
                self.listed(f"age={band}"), sorted(f"Tuổi Văn {a}" for a in in_band), band
            )

    def test_sort_orders(self):
        # Created in the order Cường, An, Bình: the ids do not give the answer.
        bulk_candidacies(
            [self.o.B1, self.o.A2, self.o.A1],
            3,
            names=["Đỗ Văn Cường", "Lò Văn An", "Nguyễn Thị Bình"],
        )
        response = self.client.get("/danh-sach/")  # by name by default, Vietnamese order
        self.assertEqual(names(response), ["Lò Văn An", "Nguyễn Thị Bình", "Đỗ Văn Cường"])
        self.assertEqual(names(self.client.get("/danh-sach/?sort=name")), names(response))
        # Longest in the stage first (the helper makes the later rows older in their stage).
        self.assertEqual(
            names(self.client.get("/danh-sach/?sort=days")),
            ["Nguyễn Thị Bình", "Lò Văn An", "Đỗ Văn Cường"],
        )
        # Nearest deadline first, no deadline last.
        Candidacy.objects.filter(person__full_name="Đỗ Văn Cường").update(next_due=None)
        Candidacy.objects.filter(person__full_name="Lò Văn An").update(next_due=TODAY)
        Candidacy.objects.filter(person__full_name="Nguyễn Thị Bình").update(
            next_due=TODAY - timedelta(days=1)
        )
        self.assertEqual(
            names(self.client.get("/danh-sach/?sort=due")),
            ["Nguyễn Thị Bình", "Lò Văn An", "Đỗ Văn Cường"],
        )
        # By cell name: Chi bộ thôn Bắc, Chi bộ thôn Tây, Chi bộ thôn Đông (code-point order).
        by_cell = [c.cell.name for c in self.client.get("/danh-sach/?sort=cell").context["page"]]
        self.assertEqual(by_cell, sorted(by_cell))

    def test_scope_is_never_widened(self):
        populate(self.world)
        outside = [
            ("committee", f"organisation={self.o.X.pk}"),  # another district's commune
            ("committee", f"organisation={self.o.P.pk}"),  # an ancestor
            ("cell", f"organisation={self.o.A.pk}"),  # the cell's own grassroots committee
            ("cell", "organisation=abc"),
            ("committee", "sort=hack"),
            ("committee", "age=99"),
        ]
        for role, query in outside:
            with self.subTest(role=role, query=query):
                self.client.force_login(getattr(self.u, role))
                response = self.client.get(f"/danh-sach/?{query}")
                self.assertEqual(response.status_code, 200)
                self.assertNotEqual(response.context["errors"], [])
                self.assertContains(response, "Bộ lọc không hợp lệ")
                self.assertEqual(response.context["page"].count, 0)
                self.assertNotContains(response, "Quần Chúng Thôn")
        # The outsider sees their own branch and nothing of ours, whatever they ask.
        self.client.force_login(self.u.outsider)
        response = self.client.get("/danh-sach/?include_closed=on")
        self.assertEqual(names(response), ["Quần Chúng Thôn Nam"])
        response = self.client.get(f"/danh-sach/?organisation={self.o.A.pk}")
        self.assertEqual(response.context["page"].count, 0)
        choices = [v for v, _label in response.context["form"].fields["organisation"].choices]
        self.assertNotIn(self.o.A.pk, [getattr(v, "value", v) for v in choices])

    def test_table_and_links(self):
        made = populate(self.world)
        response = self.client.get("/danh-sach/?sex=M&sort=due")
        self.assertContains(response, "<h1>", count=1)
        self.assertContains(response, '<th scope="col">Ngày sinh</th>', html=True)
        a1 = made.A1
        self.assertContains(response, f'<a href="/ho-so/{a1.pk}/">{a1.person.full_name}</a>')
        self.assertContains(response, a1.person.birth_date.strftime("%d/%m/%Y"))
        self.assertContains(response, "Kinh")
        self.assertContains(response, "Chi bộ thôn Đông")
        self.assertContains(response, "5 hồ sơ")
        self.assertContains(response, 'href="/danh-sach/excel/?sex=M&amp;sort=due"')
        self.assertContains(response, "Xuất Excel")
        self.assertContains(response, "Giới tính: Nam")  # the filters in words

    def test_pagination_keeps_the_filters(self):
        bulk_candidacies([self.o.A1, self.o.B1], PAGE_SIZE + 10, sex="F")
        bulk_candidacies([self.o.A1], 3, start=500)
        response = self.client.get("/danh-sach/?sex=F&sort=days")
        page = response.context["page"]
        self.assertEqual(page.count, PAGE_SIZE + 10)
        self.assertEqual(len(page.object_list), PAGE_SIZE)
        after = page.object_list[-1].pk
        self.assertContains(response, f'href="?sex=F&amp;sort=days&amp;after={after}"')
        self.assertContains(response, f'hx-get="?sex=F&amp;sort=days&amp;after={after}"')
        self.assertContains(response, 'href="?sex=F&amp;sort=days&amp;last=1"')
        page2 = self.client.get(f"/danh-sach/?sex=F&sort=days&after={after}")
        rows = page2.context["page"].object_list
        self.assertEqual(len(rows), 10)
        self.assertEqual({c.person.sex for c in rows}, {"F"})
        first = {c.pk for c in page.object_list}
        self.assertFalse(first & {c.pk for c in rows})  # no row on both pages
        before = rows[0].pk
        self.assertContains(page2, f'href="?sex=F&amp;sort=days&amp;before={before}"')
        self.assertContains(page2, 'href="?sex=F&amp;sort=days"')  # the first page
        back = self.client.get(f"/danh-sach/?sex=F&sort=days&before={before}")
        self.assertEqual(back.context["page"].object_list, page.object_list)
        self.assertFalse(back.context["page"].has_previous)

    def test_htmx_renders_only_the_results(self):
        populate(self.world)
        response = self.client.get("/danh-sach/?sex=M", headers={"HX-Request": "true"})
        self.assertTemplateUsed(response, "web/board/_list.html")
        self.assertTemplateNotUsed(response, "web/board/list.html")
        self.assertNotContains(response, "<html")
        self.assertNotContains(response, "<form")
        self.assertContains(response, "<table")
        self.assertContains(response, "Xuất Excel")
        full = self.client.get("/danh-sach/?sex=M")
        self.assertContains(full, 'hx-target="#results"')
        self.assertContains(full, '<div id="results">')

    def test_query_count_does_not_grow_with_rows(self):
        bulk_candidacies([self.o.A1, self.o.B1, self.o.G], 5)
        url = f"/danh-sach/?organisation={self.o.D.pk}&sort=cell"
        more = [self.o.A1, self.o.A2, self.o.AP1, self.o.B1, self.o.G]
        small = self.assert_queries_do_not_grow(
            lambda: bulk_candidacies(more, 35, start=5), url
        ).queries
        self.assertLessEqual(small, 7)
        # The last page costs what the first does; a next page one query more (its cursor).
        bulk_candidacies([self.o.A2], PAGE_SIZE + 20, start=100)
        self.assertEqual(self.count_queries(url + "&last=1"), small)
        after = self.client.get(url).context["page"].object_list[-1].pk
        self.assertEqual(self.count_queries(url + f"&after={after}"), small + 1)


class AgeBandArithmeticTests(SimpleTestCase):
    def test_latest_birth_date_agrees_with_full_years(self):
        """For every day of four years and every age, the threshold is the exact boundary."""
        day = date(2023, 1, 1)
        while day < date(2027, 1, 1):
            for years in (1, 18, 30, 36, 51):
                latest = latest_birth_date_for_age(day, years)
                self.assertEqual(age_in_full_years(latest, day), years, (day, years))
                self.assertEqual(
                    age_in_full_years(latest + timedelta(days=1), day), years - 1, (day, years)
                )
            day += timedelta(days=1)

    def test_born_on_29_february(self):
        # A full 18 years on 28/02/2026 (the month's last day), as ptdv.rules.months counts.
        self.assertEqual(latest_birth_date_for_age(date(2026, 2, 28), 18), date(2008, 2, 29))
        self.assertEqual(latest_birth_date_for_age(date(2026, 2, 27), 18), date(2008, 2, 27))


@time_machine.travel(TODAY, tick=False)
class KeysetPaginationTests(WorldTestCase):
    """Next, previous, first and last pages by cursor, for every sort; old page links; the
    total from the stage tallies or a bounded count."""

    def setUp(self):
        self.client.force_login(self.u.committee)

    def page(self, query: str):
        response = self.client.get(f"/danh-sach/?{query}")
        self.assertEqual(response.status_code, 200)
        return response.context["page"]

    def test_walking_forward_and_back_gives_the_whole_order_for_every_sort(self):
        cells = [self.o.A1, self.o.A2, self.o.B1, self.o.G]
        # Equal names in twos (the id breaks the tie), no deadline for every fourth.
        names = [f"Người Số {i // 2}" for i in range(2 * PAGE_SIZE + 17)]
        bulk_candidacies(cells, len(names), names=names)
        visible = Candidacy.objects.visible_to(self.u.committee).filter(closed_on__isnull=True)
        for code in SORTS:
            with self.subTest(sort=code):
                expected = list(visible.order_by(*SORTS[code][1]).values_list("pk", flat=True))
                seen, pages, query = [], [], f"sort={code}"
                while True:
                    page = self.page(query)
                    pages.append(page)
                    self.assertEqual(page.count, len(expected))
                    seen += [c.pk for c in page.object_list]
                    if not page.has_next:
                        break
                    query = f"sort={code}&after={page.next_after}"
                self.assertEqual(seen, expected)
                self.assertEqual(len(pages), 3)
                # Back from the last page, by the previous links.
                page, back = pages[-1], []
                while page.has_previous:
                    page = self.page(f"sort={code}&before={page.previous_before}")
                    back = [c.pk for c in page.object_list] + back
                self.assertEqual(back, expected[: len(back)])
                self.assertEqual(len(back), 2 * PAGE_SIZE)
                # The last page: the order reversed, its rows in order.
                last = self.page(f"sort={code}&last=1")
                self.assertEqual([c.pk for c in last.object_list], expected[-PAGE_SIZE:])
                self.assertTrue(last.has_previous)
                self.assertFalse(last.has_next)
                # An old link to a numbered page answers with that page.
                old = self.page(f"sort={code}&page=2")
                self.assertEqual(
                    [c.pk for c in old.object_list], expected[PAGE_SIZE : 2 * PAGE_SIZE]
                )
                self.assertTrue(old.has_previous and old.has_next)

    def test_a_cursor_outside_the_scope_or_unknown_is_the_first_page(self):
        made = populate(self.world)
        bulk_candidacies([self.o.A1], PAGE_SIZE + 5)
        first = [c.pk for c in self.page("").object_list]
        for cursor in (made.X1.pk, 99999, "abc", "-1"):
            with self.subTest(cursor=cursor):
                self.assertEqual([c.pk for c in self.page(f"after={cursor}").object_list], first)
                self.assertEqual([c.pk for c in self.page(f"before={cursor}").object_list], first)
        self.assertEqual([c.pk for c in self.page("page=abc").object_list], first)
        self.assertEqual([c.pk for c in self.page("page=99999").object_list], first)

    def test_the_total_from_the_tallies_or_a_bounded_count(self):
        bulk_candidacies([self.o.A1, self.o.B1], 30, sex="F")
        bulk_candidacies([self.o.A2], 12, start=100, stages=[Stage.WITHDRAWN])
        visible = Candidacy.objects.visible_to(self.u.committee)
        for query, rows in (
            ("", visible.filter(closed_on__isnull=True)),
            ("include_closed=on", visible),
            ("stage=withdrawn", visible.filter(stage=Stage.WITHDRAWN)),
            (f"organisation={self.o.A.pk}", visible.filter(cell__path__startswith=self.o.A.path, closed_on__isnull=True)),
            ("sex=F", visible.filter(person__sex="F", closed_on__isnull=True)),
        ):  # fmt: skip
            with self.subTest(query=query):
                page = self.page(query)
                self.assertEqual(page.count, rows.count())
                self.assertFalse(page.more_than)
        with mock.patch("ptdv.web.views.board.COUNT_LIMIT", 20):
            response = self.client.get("/danh-sach/?sex=F")
            self.assertTrue(response.context["page"].more_than)
            self.assertEqual(response.context["page"].count, 20)
            self.assertContains(response, "Hơn 20 hồ sơ")
            # The stage tallies count whatever the limit.
            self.assertEqual(self.page("").count, 30)

    def test_the_export_stays_complete(self):
        bulk_candidacies([self.o.A1, self.o.B1], 2 * PAGE_SIZE + 3)
        response = self.client.get(f"/danh-sach/excel/?after={Candidacy.objects.first().pk}")
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        names = {
            str(c.value)
            for row in sheet.iter_rows()
            for c in row
            if str(c.value).startswith("Người Số")
        }
        self.assertEqual(len(names), 2 * PAGE_SIZE + 3)


@time_machine.travel(TODAY, tick=False)
class ListRowTests(WorldTestCase):
    """The rows are built in the view (``board.list_rows``): the ethnicity by role, as before;
    every value escaped; the filters' button counts the filters set."""

    def test_ethnicity_only_for_the_roles_that_may_see_it(self):
        bulk_candidacies([self.o.A1], 1, names=["Lò Thị Mai"], ethnicity="03")
        for user, shown in ((self.u.committee, True), (self.u.viewer, False)):
            with self.subTest(role=user.role):
                self.client.force_login(user)
                response = self.client.get("/danh-sach/")
                self.assertContains(response, "Lò Thị Mai")
                head = '<th scope="col">Dân tộc</th>'
                cell = 'data-label="Dân tộc"'
                if shown:
                    self.assertContains(response, head, html=True)
                    self.assertContains(response, cell, count=1)
                else:
                    self.assertNotContains(response, head, html=True)
                    self.assertNotContains(response, cell)
                    self.assertEqual(response.context["show_ethnicity"], False)

    def test_values_are_escaped(self):
        made = bulk_candidacies([self.o.A1], 1, names=["Lò <b>Mai</b> & Co"])[0]
        self.client.force_login(self.u.committee)
        for url in ("/danh-sach/", "/tien-trinh/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, "Lò &lt;b&gt;Mai&lt;/b&gt; &amp; Co")
                self.assertNotContains(response, "<b>Mai</b>")
                self.assertContains(response, f'href="/ho-so/{made.pk}/"')

    def test_the_filters_button_counts_the_filters_set(self):
        self.client.force_login(self.u.committee)
        plain = self.client.get("/danh-sach/")
        self.assertEqual(plain.context["filter_count"], 0)
        two = self.client.get("/danh-sach/?sex=F&stage=source&sort=due")
        self.assertEqual(two.context["filter_count"], 2)
        self.assertContains(two, "Bộ lọc (2)")
        self.assertNotContains(two, "Ctrl")
        partial = self.client.get("/tien-trinh/?sex=F", headers={"HX-Request": "true"})
        self.assertContains(partial, 'id="ptdv-filter-count" hx-swap-oob="true"')
        self.assertContains(partial, "Bộ lọc (1)")
