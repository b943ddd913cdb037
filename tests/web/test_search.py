"""Search across people: folded names, word prefixes, CCCD, scope, Vietnamese order, htmx."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.test import SimpleTestCase

from ptdv.people.models import Person
from ptdv.people.search import PersonQuery, search_people
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import STAGE_LABELS, Stage, Step
from tests.base import SOURCE_ON, WorldTestCase, cccd_for, make_person

URL = "/tim-kiem/"


def names(response) -> list[str]:
    return [p.full_name for p in response.context["page"].object_list]


class SearchTestCase(WorldTestCase):
    def search(self, q, user=None, **params):
        """Names and digits are posted, never put in an address (the answer's address holds a
        token: tests/access/test_search_cccd.py); ``params`` (a page) go with the token."""
        self.client.force_login(user or self.u.cell)
        location = self.client.post(URL, {"q": q})["Location"]
        if params:
            location += ("&" if "?" in location else "?") + urlencode(params)
        return self.client.get(location)


class NameSearchTests(SearchTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        a1 = cls.o.A1
        cls.a = make_person(a1, "Nguyễn Văn A")
        cls.an = make_person(a1, "Nguyễn Văn An")
        cls.bich = make_person(a1, "Nguyễn Thị Bích", sex="F")
        cls.duc = make_person(a1, "Đỗ Minh Đức")
        cls.hoa = make_person(a1, "Lê Thị Hoa", sex="F")
        cls.hoai_an = make_person(a1, "Lê Thị Hoài An", sex="F")

    def test_issue_example_without_diacritics(self):
        response = self.search("nguyen van a")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/search/search.html")
        # The exact name first, then the word-prefix match; "Nguyễn Thị Bích" has no "van".
        self.assertEqual(names(response), ["Nguyễn Văn A", "Nguyễn Văn An"])
        self.assertContains(response, f'href="/nguoi/{self.a.pk}/"')
        self.assertContains(response, "Tìm thấy 2 người")

    def test_case_and_diacritics_are_ignored(self):
        for q in ("NGUYEN VAN A", "Nguyễn Văn A", "nGuYềN vĂn a"):
            with self.subTest(q=q):
                self.assertEqual(names(self.search(q))[0], "Nguyễn Văn A")
        self.assertEqual(
            names(self.search("NGUYEN")),
            # Vietnamese order: given name first (A < An < Bích < Giới).
            ["Nguyễn Văn A", "Nguyễn Văn An", "Nguyễn Thị Bích", "Nguyễn Văn Giới"],
        )

    def test_d_with_stroke(self):
        for q in ("đức", "Đức", "ĐỨC", "duc", "DUC", "do duc"):
            with self.subTest(q=q):
                self.assertEqual(names(self.search(q)), ["Đỗ Minh Đức"])

    def test_every_word_must_begin_a_word_in_any_order(self):
        self.assertEqual(names(self.search("van nguyen a")), ["Nguyễn Văn A", "Nguyễn Văn An"])
        self.assertEqual(
            names(self.search("ngu v")), ["Nguyễn Văn A", "Nguyễn Văn An", "Nguyễn Văn Giới"]
        )
        # Inside a word is not a match: "uyen" is not the beginning of "nguyen".
        response = self.search("uyen")
        self.assertEqual(names(response), [])
        self.assertContains(response, "Không tìm thấy ai khớp với “uyen”")

    def test_whole_word_matches_rank_first(self):
        # "Hoài An" sorts before "Hoa" by given name, but "hoa" is only the beginning of "hoài".
        self.assertEqual(names(self.search("le thi hoa")), ["Lê Thị Hoa", "Lê Thị Hoài An"])
        self.assertEqual(names(self.search("le thi")), ["Lê Thị Hoài An", "Lê Thị Hoa"])

    def test_empty_short_and_missing_queries(self):
        response = self.search("")
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "Nhập họ tên hoặc số CCCD để tìm người")
        self.client.force_login(self.u.cell)
        self.assertContains(self.client.get(URL), "Nhập họ tên hoặc số CCCD để tìm người")
        response = self.search(" a ")
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "Nhập ít nhất 2 ký tự để tìm.")
        response = self.search("Trần Thị Không Có")
        self.assertContains(response, "Không tìm thấy ai khớp với “Trần Thị Không Có”")

    def test_row_shows_birth_year_sex_cell_and_status(self):
        candidacy = Candidacy.objects.get(pk=self._open(self.bich).pk)
        response = self.search("bich")
        self.assertContains(response, "1998")
        self.assertContains(response, "Nữ")
        self.assertContains(response, "Chi bộ thôn Đông")
        self.assertContains(response, STAGE_LABELS[Stage.SOURCE])
        self.assertContains(response, f'href="/ho-so/{candidacy.pk}/"')
        # A member without an open candidacy: the membership status.
        response = self.search("Giới")
        self.assertContains(response, "Đảng viên chính thức")
        self.assertContains(response, "Chưa có")  # no candidacy to link to

    def test_closed_attempt_is_linked_and_said_to_be_over(self):
        from ptdv.pipeline import services

        candidacy = self._open(self.an)
        services.record_step(
            candidacy, Step.WITHDRAWN, SOURCE_ON + timedelta(days=5), reason="Xin rút"
        )
        response = self.search("nguyen van an")
        self.assertContains(response, "Hồ sơ đã kết thúc: Tự rút")
        self.assertContains(response, f'href="/ho-so/{candidacy.pk}/"')

    def _open(self, person):
        from ptdv.pipeline import services

        return services.open_candidacy(person, SOURCE_ON)


class CccdSearchTests(SearchTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.first = make_person(cls.o.A1, "Trần Văn Số", cccd="001098123456")
        cls.second = make_person(cls.o.A1, "Phạm Văn Hai", cccd="001098123457")
        cls.other = make_person(cls.o.A1, "Lý Văn Ba", cccd="036098000001")

    def test_full_number(self):
        self.assertEqual(names(self.search("001098123456")), ["Trần Văn Số"])
        self.assertEqual(names(self.search("001 098 123 457")), ["Phạm Văn Hai"])

    def test_prefix_of_three_digits_or_more(self):
        self.assertEqual(names(self.search("0010981234")), ["Phạm Văn Hai", "Trần Văn Số"])
        self.assertEqual(names(self.search("036")), ["Lý Văn Ba"])

    def test_too_few_digits_ask_for_more(self):
        response = self.search("00")
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "Nhập ít nhất 3 chữ số đầu của số CCCD.")

    def test_name_and_digits_together(self):
        self.assertEqual(names(self.search("van 0010981")), ["Phạm Văn Hai", "Trần Văn Số"])
        self.assertEqual(names(self.search("so 0010981")), ["Trần Văn Số"])

    def test_thirteen_digits_find_nobody(self):
        self.assertEqual(names(self.search("0010981234567")), [])


class ScopeTests(SearchTestCase):
    def test_results_stay_in_the_users_subtree(self):
        inside = make_person(self.o.A1, "Nguyễn Văn A")
        outside = make_person(self.o.X1, "Nguyễn Văn A", cccd="001098654321")
        sister = make_person(self.o.A2, "Nguyễn Văn A", birth_date=date(1990, 1, 1))
        expected = {
            self.u.cell: [inside],
            self.u.grassroots: [inside, sister],
            self.u.committee: [inside, sister],
            self.u.viewer: [inside, sister],
            self.u.outsider: [outside],
            self.u.admin: [inside, sister, outside],
        }
        for user, people in expected.items():
            with self.subTest(user=user.username):
                response = self.search("nguyen van a", user)
                found = [p.pk for p in response.context["page"].object_list]
                self.assertEqual(sorted(found), sorted(p.pk for p in people))
        # Not by CCCD either, and the page does not reveal the other branch.
        response = self.search("001098654321", self.u.committee)
        self.assertEqual(names(response), [])
        self.assertNotContains(response, f"/nguoi/{outside.pk}/")
        self.assertEqual(names(self.search("001098654321", self.u.outsider)), ["Nguyễn Văn A"])

    def test_candidacy_link_only_when_the_candidacy_is_visible(self):
        # A person of A1 whose last attempt was in the other branch (moved with their file).
        person = make_person(self.o.A1, "Mai Văn Chuyển")
        Candidacy.objects.create(
            person=person, cell=self.o.X1, stage=Stage.SOURCE, stage_since=SOURCE_ON,
            opened_on=SOURCE_ON,
        )  # fmt: skip
        response = self.search("chuyen", self.u.cell)
        self.assertEqual(names(response), ["Mai Văn Chuyển"])
        self.assertNotContains(response, "/ho-so/")


class OrderAndPagesTests(SearchTestCase):
    def test_vietnamese_order_by_given_name(self):
        for name in ["Trần Thử Bình", "Nguyễn Thử Cường", "Hà Thử Đức", "Vũ Thử Ánh",
                     "Lý Thử Anh", "Mai Thử Dũng", "Lê Thử An"]:  # fmt: skip
            make_person(self.o.A1, name)
        self.assertEqual(
            names(self.search("thu")),
            ["Lê Thử An", "Lý Thử Anh", "Vũ Thử Ánh", "Trần Thử Bình", "Nguyễn Thử Cường",
             "Mai Thử Dũng", "Hà Thử Đức"],
        )  # fmt: skip

    def test_fifty_per_page(self):
        bulk_people(self.o.A1, 120, "Phân")
        response = self.search("phan")
        page = response.context["page"]
        self.assertEqual(page.paginator.count, 120)
        self.assertEqual(len(page.object_list), 50)
        self.assertContains(response, "Trang 1/3")
        self.assertRegex(response.content.decode(), r"/tim-kiem/\?t=[\w-]+&amp;page=2")
        third = self.search("phan", page=3).context["page"]
        self.assertEqual(len(third.object_list), 20)
        # Pages continue the same order.
        all_names = (
            names(response)
            + names(self.search("phan", page=2))
            + [p.full_name for p in third.object_list]
        )
        expected = [p.full_name for p in Person.objects.filter(search_name__startswith="phan")]
        self.assertEqual(all_names, sorted(expected, key=lambda n: _key(n)))
        self.assertEqual(len(set(all_names)), 120)

    def test_htmx_gets_the_results_only(self):
        make_person(self.o.A1, "Nguyễn Văn A")
        self.client.force_login(self.u.cell)
        response = self.client.post(URL, {"q": "nguyen van a"}, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/search/_results.html")
        self.assertTemplateNotUsed(response, "web/search/search.html")
        self.assertNotContains(response, '<nav class="navbar')
        self.assertContains(response, "Nguyễn Văn A")
        self.assertIn("HX-Request", response["Vary"])
        # A history restore needs the whole page.
        response = self.client.get(
            response["HX-Push-Url"],
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        )
        self.assertTemplateUsed(response, "web/search/search.html")

    def test_page_has_a_live_search_input_and_works_without_js(self):
        response = self.search("nguyen")
        self.assertContains(response, 'hx-trigger="input changed delay:300ms, search"')
        self.assertContains(response, 'hx-post="/tim-kiem/"')
        self.assertContains(response, 'hx-target="#search-results"')
        self.assertContains(response, '<label class="form-label" for="search-q">')
        self.assertContains(response, 'method="post" action="/tim-kiem/"')

    def test_query_count_does_not_grow_with_results(self):
        def count_for(n: int, prefix: str) -> int:
            bulk_people(self.o.A1, n, prefix, with_candidacies=True)
            self.client.force_login(self.u.committee)
            location = self.client.post(URL, {"q": prefix})["Location"]
            response, queries = self.queries_of(lambda: self.client.get(location))
            self.assertEqual(response.context["page"].paginator.count, n)
            self.assertContains(response, "/ho-so/", count=n)
            return len(queries)

        few, many = count_for(5, "Ít"), count_for(40, "Nhiều")
        self.assertEqual(few, many)
        self.assertLessEqual(many, 7)


def _key(name: str) -> str:
    from ptdv.people.text import sort_key

    return sort_key(name)


def bulk_people(cell, n: int, family: str, *, with_candidacies: bool = False) -> list[Person]:
    """``n`` people named "<family> Văn <given>" in ``cell``, written in bulk."""
    from ptdv.people.text import fold, sort_key

    given = ["An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Khánh", "Lâm", "Minh"]
    people = []
    for i in range(n):
        full_name = f"{family} Văn {given[i % len(given)]} {chr(ord('A') + i // len(given))}"
        birth = date(1990, 1, 1) + timedelta(days=i)
        people.append(
            Person(
                full_name=full_name, search_name=fold(full_name), sort_key=sort_key(full_name),
                birth_date=birth, sex="M", cccd=cccd_for(birth, "M"),
                general_education="upper_secondary", sector="farmer", cell=cell,
            )
        )  # fmt: skip
    people = Person.objects.bulk_create(people)
    if with_candidacies:
        Candidacy.objects.bulk_create(
            Candidacy(person=p, cell=cell, stage=Stage.SYMPATHISER, stage_since=SOURCE_ON,
                      opened_on=SOURCE_ON)
            for p in people
        )  # fmt: skip
    return people


class QueryParsingTests(SearchTestCase):
    def test_parse(self):
        q = PersonQuery.parse("  Nguyễn,  Văn  A ")
        self.assertEqual(q.words, ("nguyen", "van", "a"))
        self.assertTrue(q.is_searchable)
        self.assertEqual(PersonQuery.parse("001 098.123").cccd, "001098123")
        self.assertTrue(PersonQuery.parse("").is_empty)
        self.assertTrue(PersonQuery.parse("đ").is_too_short)
        self.assertTrue(PersonQuery.parse("12").wants_more_digits)
        self.assertFalse(PersonQuery.parse("!!").is_searchable)

    def test_search_people_on_any_scoped_queryset(self):
        make_person(self.o.A1, "Nguyễn Văn A")
        people = search_people(
            Person.objects.visible_to(self.u.outsider), PersonQuery.parse("nguyen van a")
        )
        self.assertEqual(list(people), [])


class SearchInputLimitsTests(SimpleTestCase):
    def test_a_very_long_query_is_cut_to_a_few_words(self):
        query = PersonQuery.parse(" ".join(f"tu{i}" for i in range(2000)))
        self.assertEqual(len(query.words), 8)
        self.assertLessEqual(len(query.text), 120)
