"""The error pages are Vietnamese, the site's own, whatever the browser's language.

- 403, 404 and the refused form (CSRF) in the site's layout (the menu for a signed-in user);
- 400 and 500 on the error page that reads neither the user nor the database; the 500 page
  renders without a request and without a query;
- with ``DEBUG`` on (the demo server), a missing page and an uncaught exception show the site's
  pages, not Django's debug pages, unless ``PTDV_DEBUG_PAGES`` is on.

This module is also the URLconf of the tests: the site's addresses plus views that fail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import SimpleTestCase, override_settings
from django.urls import path, reverse
from django.utils import translation

from ptdv import urls as site_urls
from ptdv.web.errors import server_error
from tests.base import Client, WorldTestCase

ENGLISH_BROWSER = {"accept-language": "en-US,en;q=0.9"}


def forbidden(request):
    raise PermissionDenied("Not allowed")  # English text: the page must not show it


def missing(request):
    raise Http404("No Candidacy matches the given query.")


def suspicious(request):
    raise SuspiciousOperation("Invalid HTTP_HOST header")


def broken(request):
    raise RuntimeError("Database exploded")


urlpatterns = [
    path("loi/403/", forbidden),
    path("loi/404/", missing),
    path("loi/400/", suspicious),
    path("loi/500/", broken),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

#: What Django's own pages say, in English or as its debug pages.
DJANGO_PAGES = [
    "Not Found",
    "Page not found",
    "Forbidden",
    "Server Error",
    "Bad Request",
    "Using the URLconf",
    "Traceback",
    "technical",
    "Django",
]
#: The English text of the exceptions: never shown.
EXCEPTION_TEXTS = ["Not allowed", "No Candidacy matches", "Invalid HTTP_HOST", "Database exploded"]


@override_settings(ROOT_URLCONF="tests.test_error_pages", DEBUG=False)
class ErrorPagesTests(WorldTestCase):
    def get(self, url: str, *, client: Client | None = None, **kwargs):
        return (client or self.client).get(url, headers=ENGLISH_BROWSER, **kwargs)

    def assertSitePage(self, response, status: int, texts: list[str], layout: bool) -> None:
        self.assertEqual(response.status_code, status)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
        self.assertContains(response, '<html lang="vi"', status_code=status, html=False)
        for text in texts:
            self.assertContains(response, text, status_code=status, html=False)
        for text in DJANGO_PAGES + EXCEPTION_TEXTS:
            self.assertNotContains(response, text, status_code=status, html=False)
        self.assertContains(response, 'aria-label="Điều hướng chính"', status_code=status)
        self.assertContains(response, "Về trang Việc cần làm", status_code=status)
        # The layout: the skip link, the menu for a signed-in user, the language form.
        in_layout = "Bỏ qua, đến nội dung chính" in response.content.decode()
        self.assertEqual(in_layout, layout)

    def sign_in(self) -> None:
        self.client.force_login(self.u.committee)

    def test_missing_address(self):
        response = self.get("/khong-co-trang-nay/")
        self.assertSitePage(response, 404, ["Không tìm thấy trang</h1>"], layout=True)
        self.sign_in()
        response = self.get("/khong-co-trang-nay/")
        self.assertSitePage(response, 404, ["Không tìm thấy trang</h1>"], layout=True)
        self.assertContains(response, ">Tiến trình</a>", status_code=404)  # the menu

    def test_missing_record(self):
        self.sign_in()
        response = self.get(reverse("candidacy", args=[99999]))
        self.assertSitePage(response, 404, ["Không tìm thấy trang</h1>"], layout=True)
        response = self.get("/loi/404/")
        self.assertSitePage(response, 404, ["Không tìm thấy trang</h1>"], layout=True)

    def test_forbidden(self):
        self.sign_in()
        response = self.get("/loi/403/")
        self.assertSitePage(
            response, 403, ["Không có quyền truy cập</h1>", "Vai trò của bạn"], layout=True
        )
        self.assertContains(response, ">Tiến trình</a>", status_code=403)

    def test_bad_request(self):
        response = self.get("/loi/400/")
        self.assertSitePage(response, 400, ["Yêu cầu không hợp lệ</h1>"], layout=False)

    def test_server_error(self):
        self.sign_in()
        client = self.client
        client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):  # logged as before
            response = self.get("/loi/500/")
        self.assertSitePage(response, 500, ["Lỗi máy chủ</h1>", "Máy chủ gặp lỗi"], layout=False)

    def test_refused_form(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            reverse("login"), {"username": "a", "password": "b"}, headers=ENGLISH_BROWSER
        )
        self.assertSitePage(
            response, 403, ["Biểu mẫu không được chấp nhận</h1>", "tải lại trang"], layout=True
        )

    def test_english_chosen_gets_the_english_layout(self):
        self.sign_in()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get("/khong-co-trang-nay/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, '<html lang="en"', status_code=404, html=False)
        self.assertContains(response, ">Board</a>", status_code=404)


@override_settings(ROOT_URLCONF="tests.test_error_pages", DEBUG=True)
class DemoServerTests(ErrorPagesTests):
    """``DEBUG`` on: the same pages (every test above runs again), and Django's debug pages
    only with ``PTDV_DEBUG_PAGES``."""

    @override_settings(PTDV_DEBUG_PAGES=True)
    def test_debug_pages_when_asked(self):
        response = self.get("/khong-co-trang-nay/")
        self.assertContains(response, "Using the URLconf", status_code=404)
        self.sign_in()
        response = self.get("/loi/404/")
        self.assertContains(response, "No Candidacy matches", status_code=404)
        self.client.raise_request_exception = False
        with self.assertLogs("django.request", "ERROR"):
            response = self.get("/loi/500/")
        self.assertContains(response, "Database exploded", status_code=500)


class ServerErrorPageTests(SimpleTestCase):
    """The 500 page needs no request and no database (SimpleTestCase refuses any query)."""

    def test_renders_without_request_or_database(self):
        for language, title in (("vi", "Lỗi máy chủ</h1>"), ("en", "</h1>")):
            with self.subTest(language=language), translation.override(language):
                response = server_error(None)
                self.assertEqual(response.status_code, 500)
                self.assertIn(title, response.content.decode())
                self.assertIn(f'<html lang="{language}"', response.content.decode())
