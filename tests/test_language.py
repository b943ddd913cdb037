"""The interface is Vietnamese whatever the browser asks; English only by the user's choice.

- ``Accept-Language`` is not read (``ptdv.web.language.LanguageMiddleware``): a browser set to
  English gets Vietnamese pages, and the responses do not vary on the header.
- The layout's language form (Django's ``set_language``, the language cookie) still switches to
  English, whatever the browser's header; a cookie naming no language of the site is ignored.
- Date boxes are text boxes holding dd/mm/yyyy in every language, parsed by the server.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.test import RequestFactory, SimpleTestCase
from django.urls import reverse
from django.utils import translation

from ptdv.web.language import chosen_language
from ptdv.web.step_forms import DateInput, date_field
from tests.base import WorldTestCase

ENGLISH_BROWSER = {"accept-language": "en-US,en;q=0.9"}


class ChosenLanguageTests(SimpleTestCase):
    def language_of(self, cookie: str | None = None, header: str = "en-US,en;q=0.9") -> str:
        request = RequestFactory().get("/", headers={"accept-language": header})
        if cookie is not None:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
        return chosen_language(request)

    def test_the_browser_s_header_is_not_read(self):
        self.assertEqual(self.language_of(), "vi")
        self.assertEqual(self.language_of(header="en"), "vi")
        self.assertEqual(self.language_of(header="fr-FR,en;q=0.5"), "vi")

    def test_the_cookie_is_the_user_s_choice(self):
        self.assertEqual(self.language_of("en"), "en")
        self.assertEqual(self.language_of("en-us"), "en")
        self.assertEqual(self.language_of("vi", header="en"), "vi")

    def test_a_cookie_naming_no_language_of_the_site_is_ignored(self):
        for cookie in ("fr", "", "xx-yy", "../../etc", "e" * 300):
            with self.subTest(cookie=cookie):
                self.assertEqual(self.language_of(cookie), "vi")


class EnglishBrowserTests(WorldTestCase):
    def assertVietnamese(self, response, texts: list[str], english: list[str]) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="vi"', html=False)
        self.assertEqual(response["Content-Language"], "vi")
        self.assertNotIn("accept-language", response.get("Vary", "").lower())
        for text in texts:
            self.assertContains(response, text, html=False)
        for text in english:
            self.assertNotContains(response, text, html=False)

    def test_login_page_in_vietnamese_for_an_english_browser(self):
        response = self.client.get(reverse("login"), headers=ENGLISH_BROWSER)
        self.assertVietnamese(
            response,
            ["Đăng nhập</h1>", "Tên đăng nhập", "Mật khẩu"],
            ["Sign in</h1>", "Username", "Password"],
        )

    def test_todo_page_in_vietnamese_for_an_english_browser(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(reverse("home"), headers=ENGLISH_BROWSER)
        self.assertVietnamese(
            response,
            ["<h1>Việc cần làm", ">Tiến trình</a>", "Đăng xuất", "Bỏ qua, đến nội dung chính"],
            ["<h1>To-do", ">Board</a>", "Log out", "Skip to main content"],
        )

    def test_the_user_s_choice_of_english_still_works(self):
        self.client.force_login(self.u.committee)
        response = self.client.post(
            reverse("set_language"),
            {"language": "en", "next": reverse("home")},
            headers={"accept-language": "vi"},
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.client.cookies[settings.LANGUAGE_COOKIE_NAME].value, "en")
        # A Vietnamese browser, yet English: the user chose it.
        response = self.client.get(reverse("home"), headers={"accept-language": "vi"})
        self.assertContains(response, '<html lang="en"', html=False)
        self.assertContains(response, "<h1>To-do", html=False)
        self.assertEqual(response["Content-Language"], "en")
        # And back to Vietnamese the same way.
        self.client.post(reverse("set_language"), {"language": "vi", "next": reverse("home")})
        response = self.client.get(reverse("home"), headers=ENGLISH_BROWSER)
        self.assertContains(response, "<h1>Việc cần làm", html=False)

    def test_new_source_form_has_no_browser_date_box(self):
        self.client.force_login(self.u.committee)
        response = self.client.get(reverse("source_new"), headers=ENGLISH_BROWSER)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'type="date"', html=False)
        self.assertContains(response, 'type="text" name="birth_date"', html=False)
        self.assertContains(response, "Ngày/tháng/năm, ví dụ", html=False)


class DateBoxTests(SimpleTestCase):
    def field_html(self, value) -> str:
        return DateInput().render("ngay", value)

    def test_a_text_box_holding_dd_mm_yyyy_in_every_language(self):
        for language in ("vi", "en"):
            with self.subTest(language=language), translation.override(language):
                html = self.field_html(date(2026, 3, 5))
                self.assertIn('type="text"', html)
                self.assertIn('value="05/03/2026"', html)
                self.assertIn('maxlength="10"', html)
                self.assertNotIn("pattern", html)  # the browser would refuse in its language

    def test_what_was_typed_comes_back_as_typed(self):
        self.assertIn('value="31/02/2026"', self.field_html("31/02/2026"))

    def test_accepts_dd_mm_yyyy_and_iso(self):
        field = date_field("Ngày")
        for typed in ("05/03/2026", "5/3/2026", "05-03-2026", "2026-03-05", " 05/03/2026 "):
            for language in ("vi", "en"):
                with self.subTest(typed=typed, language=language), translation.override(language):
                    self.assertEqual(field.clean(typed), date(2026, 3, 5))

    def test_a_wrong_date_is_refused_in_vietnamese(self):
        from django import forms

        field = date_field("Ngày")
        for typed in ("03/25/2026", "31/02/2026", "05.03.2026", "hôm qua"):
            with self.subTest(typed=typed), translation.override("vi"):
                with self.assertRaises(forms.ValidationError) as raised:
                    field.clean(typed)
                self.assertEqual(
                    raised.exception.messages,
                    ["Không phải một ngày có thật: hãy viết ngày/tháng/năm, ví dụ 05/03/2026."],
                )

    def test_the_hint_says_the_order(self):
        with translation.override("vi"):
            self.assertEqual(str(date_field("Ngày").help_text), "Ngày/tháng/năm, ví dụ 05/03/2026.")
