"""A CCCD or a name typed in the search never travels in an address: not in the Location header,
nor in any link, form action or htmx address of the pages, nor in the address htmx pushes; the
page repeats a number masked."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ptdv.people.models import Person
from ptdv.web.views.search import KEPT_QUERIES, SESSION_KEY
from tests.base import WorldTestCase, make_person

URL = "/tim-kiem/"
NUMBER = "001098123456"
#: Attributes whose value is an address.
ADDRESS_ATTRIBUTES = re.compile(
    r'\b(?:href|src|action|hx-get|hx-post|hx-push-url|hx-replace-url|formaction)="([^"]*)"'
)


class CccdSearchTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.person = make_person(cls.o.A1, "Trần Văn Số", cccd=NUMBER)
        make_person(cls.o.A1, "Phạm Văn Hai", cccd="001098123457")

    def setUp(self):
        self.client.force_login(self.u.cell)

    def assert_no_number_in_addresses(self, response, digits: str = NUMBER):
        html = response.content.decode()
        for address in ADDRESS_ATTRIBUTES.findall(html):
            self.assertNotIn(digits[:6], address, f"an address holds the number: {address}")
        for header in ("Location", "HX-Push-Url", "HX-Replace-Url", "HX-Redirect", "HX-Location"):
            self.assertNotIn(digits[:6], response.get(header, ""), header)
        # The title is kept in the browser's history.
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        if title:
            self.assertNotIn(digits[:6], title.group(1))


class PostRedirectGetTests(CccdSearchTestCase):
    def test_a_number_is_posted_and_answered_with_a_token(self):
        response = self.client.post(URL, {"q": NUMBER})
        self.assertEqual(response.status_code, 303)
        self.assert_no_number_in_addresses(response)
        location = response["Location"]
        self.assertRegex(location, r"^/tim-kiem/\?t=[\w-]+$")
        page = self.client.get(location)
        self.assertEqual(page.status_code, 200)
        self.assertEqual([p.full_name for p in page.context["page"].object_list], ["Trần Văn Số"])
        self.assertContains(page, f"/nguoi/{self.person.pk}/")
        self.assert_no_number_in_addresses(page)
        self.assertContains(page, "<title>Tìm theo số CCCD", html=False)
        # The page repeats the number masked; the box is empty for the next search.
        self.assertNotContains(page, NUMBER)
        self.assertContains(page, "khớp với “001******456”")
        self.assertContains(page, 'id="search-q" name="q" value=""')

    def test_the_same_number_gets_the_same_token(self):
        first = self.client.post(URL, {"q": NUMBER})["Location"]
        second = self.client.post(URL, {"q": f" {NUMBER} "})["Location"]
        self.assertEqual(first, second)
        other = self.client.post(URL, {"q": "0010981234"})["Location"]
        self.assertNotEqual(first, other)

    def test_name_and_digits_are_a_number_search(self):
        response = self.client.post(URL, {"q": "tran 0010981"})
        self.assertRegex(response["Location"], r"\?t=")
        page = self.client.get(response["Location"])
        self.assertEqual([p.full_name for p in page.context["page"].object_list], ["Trần Văn Số"])
        self.assert_no_number_in_addresses(page, "0010981")

    def test_a_name_is_posted_and_answered_with_a_token(self):
        response = self.client.post(URL, {"q": "Trần Văn Số"})
        self.assertEqual(response.status_code, 303)
        self.assertRegex(response["Location"], r"^/tim-kiem/\?t=[\w-]+$")
        page = self.client.get(response["Location"])
        self.assertEqual([p.full_name for p in page.context["page"].object_list], ["Trần Văn Số"])
        # The title, kept in the browser's history, does not name whom was searched.
        self.assertContains(page, "<title>Kết quả tìm kiếm", html=False)
        self.assertNotIn("Trần", re.search(r"<title>(.*?)</title>", page.content.decode(), re.S)[1])

    def test_a_name_in_the_address_is_sent_to_its_token(self):
        response = self.client.get(URL, {"q": "Trần Văn Số"})
        self.assertEqual(response.status_code, 303)
        self.assertRegex(response["Location"], r"^/tim-kiem/\?t=[\w-]+$")
        page = self.client.get(response["Location"])
        self.assertEqual([p.full_name for p in page.context["page"].object_list], ["Trần Văn Số"])

    def test_an_empty_search(self):
        response = self.client.post(URL, {"q": "  "})
        self.assertEqual(response["Location"], URL)

    def test_a_post_needs_the_csrf_token(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.u.cell)
        self.assertEqual(client.post(URL, {"q": NUMBER}).status_code, 403)

    def test_the_navigation_box_and_the_page_post(self):
        page = self.client.get(URL)
        html = page.content.decode()
        forms = re.findall(r'<form[^>]*role="search"[^>]*>', html)
        self.assertEqual(len(forms), 2, forms)
        for form in forms:
            self.assertIn('method="post"', form)
            self.assertIn('action="/tim-kiem/"', form)
        self.assertEqual(html.count('name="csrfmiddlewaretoken"'), 4)  # + logout, language


class LiveSearchTests(CccdSearchTestCase):
    def test_htmx_gets_the_results_and_an_address_without_the_number(self):
        response = self.client.post(URL, {"q": NUMBER}, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "web/search/_results.html")
        self.assertTemplateNotUsed(response, "web/search/search.html")
        self.assertContains(response, "Trần Văn Số")
        self.assertRegex(response["HX-Push-Url"], r"^/tim-kiem/\?t=[\w-]+$")
        self.assert_no_number_in_addresses(response)
        # The pushed address shows the same results when loaded again (reload, back).
        again = self.client.get(response["HX-Push-Url"])
        self.assertEqual([p.full_name for p in again.context["page"].object_list], ["Trần Văn Số"])

    def test_htmx_name_search_pushes_a_token(self):
        response = self.client.post(URL, {"q": "tran van"}, headers={"HX-Request": "true"})
        self.assertRegex(response["HX-Push-Url"], r"^/tim-kiem/\?t=[\w-]+$")

    def test_pages_of_a_number_search_go_by_the_token(self):
        people = []
        for i in range(60):
            birth = date(1990, 1, 1) + timedelta(days=i)
            people.append(
                Person(full_name=f"Người Số {i}", search_name=f"nguoi so {i}", sort_key=f"{i:03}",
                       birth_date=birth, sex="M", cccd=f"040{i:09d}",
                       general_education="upper_secondary", sector="farmer", cell=self.o.A1)
            )  # fmt: skip
        Person.objects.bulk_create(people)
        response = self.client.post(URL, {"q": "040"}, follow=True)
        self.assertContains(response, "Trang 1/2")
        self.assert_no_number_in_addresses(response, "040000")
        token = response.context["page_query"]
        self.assertRegex(token, r"^t=[\w-]+$")
        self.assertContains(response, f"/tim-kiem/?{token}&amp;page=2")
        second = self.client.get(f"{URL}?{token}&page=2")
        self.assertEqual(len(second.context["page"].object_list), 10)


class AddressesWithNumbersTests(CccdSearchTestCase):
    def test_a_number_in_the_address_is_not_searched(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(URL, {"q": NUMBER})
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "số không được đưa vào địa chỉ trang")
        self.assertNotContains(response, NUMBER)
        self.assertFalse(any("cccd" in q["sql"] for q in queries.captured_queries))

    def test_an_unknown_or_expired_token(self):
        response = self.client.get(URL, {"t": "khong-co"})
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "Kết quả tìm kiếm này không còn")
        # Another user's token means nothing in this session.
        location = self.client.post(URL, {"q": NUMBER})["Location"]
        self.client.force_login(self.u.committee)
        response = self.client.get(location)
        self.assertIsNone(response.context["page"])
        self.assertContains(response, "Kết quả tìm kiếm này không còn")

    def test_the_session_keeps_the_last_searches_only(self):
        locations = [
            self.client.post(URL, {"q": f"{1000 + i}"})["Location"] for i in range(KEPT_QUERIES + 5)
        ]
        self.assertEqual(len(self.client.session[SESSION_KEY]), KEPT_QUERIES)
        self.assertContains(self.client.get(locations[0]), "Kết quả tìm kiếm này không còn")
        self.assertNotContains(self.client.get(locations[-1]), "Kết quả tìm kiếm này không còn")

    def test_the_scope_still_applies(self):
        make_person(self.o.X1, "Người Ngoài", cccd="001098654321")
        response = self.client.post(URL, {"q": "001098654321"}, follow=True)
        self.assertEqual(list(response.context["page"].object_list), [])
        self.assertContains(response, "Không tìm thấy ai")
