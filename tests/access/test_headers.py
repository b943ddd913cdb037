"""Response headers: Content-Security-Policy, Permissions-Policy, Referrer-Policy, nosniff, and
``Cache-Control: no-store`` on everything Django renders (static files keep their caching)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils.cache import add_never_cache_headers

from ptdv.rules.stages import Stage
from ptdv.web.middleware import PrivateResponseMiddleware
from tests.base import PASSWORD, WorldTestCase, advance, introducers_for, new_candidacy

LOGIN = "/tai-khoan/dang-nhap/"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class HeaderTestCase(WorldTestCase):
    def assert_private(self, response, what: str):
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        self.assertIn("no-store", cache_control, what)
        self.assertIn("private", cache_control, what)
        self.assertNotIn("public", cache_control, what)
        self.assertEqual(response["Pragma"], "no-cache", what)

    def assert_common_headers(self, response, what: str):
        self.assertEqual(response["X-Content-Type-Options"], "nosniff", what)
        self.assertEqual(response["Referrer-Policy"], "same-origin", what)
        self.assertEqual(response["X-Frame-Options"], "DENY", what)
        permissions = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            self.assertIn(f"{feature}=()", permissions, what)


class ContentSecurityPolicyTests(HeaderTestCase):
    def test_scripts_only_from_the_site_and_nothing_framed(self):
        self.client.force_login(self.u.cell)
        for url in ("/", LOGIN, "/tim-kiem/", f"/nguoi/{self.p.introducer1.pk}/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertIn(response.status_code, (200, 302))
                csp = directives(response)
                self.assertEqual(csp["default-src"], ["'self'"])
                self.assertEqual(csp["script-src"], ["'self'"])
                self.assertNotIn("'unsafe-inline'", csp["script-src"])
                self.assertNotIn("'unsafe-eval'", csp["script-src"])
                self.assertEqual(csp["object-src"], ["'none'"])
                self.assertEqual(csp["base-uri"], ["'none'"])
                self.assertEqual(csp["frame-ancestors"], ["'none'"])
                self.assertEqual(csp["form-action"], ["'self'"])
                self.assertEqual(csp["img-src"], ["'self'", "data:"])

    def test_pages_hold_no_inline_script_nor_handler(self):
        self.client.force_login(self.u.admin)
        candidacy = self.candidacy()
        for url in ("/", f"/ho-so/{candidacy.pk}/", "/bao-cao/", "/tim-kiem/?q=nguyen"):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                for script in html.split("<script")[1:]:
                    head = script.split(">", 1)[0]
                    self.assertIn(" src=", head, f"inline script on {url}")
                self.assertNotRegex(html, r"\son[a-z]+=", f"inline event handler on {url}")
        # htmx is told to inject no <style> of its own and to evaluate nothing.
        html = self.client.get("/").content.decode()
        self.assertIn('"includeIndicatorStyles": false', html)
        self.assertIn('"allowEval": false', html)
        self.assertIn('"historyCacheSize": 0', html)

    def test_the_report_print_button_needs_no_inline_code(self):
        self.client.force_login(self.u.committee)
        response = self.client.get("/bao-cao/")
        self.assertEqual(response.status_code, 200)
        report = next(
            href.split('"', 1)[0]
            for href in response.content.decode().split('href="/bao-cao/')[1:]
            if href.split('"', 1)[0]
        )
        page = self.client.get(f"/bao-cao/{report}")
        self.assertEqual(page.status_code, 200, report)
        self.assertContains(page, "data-ptdv-print")
        self.assertNotContains(page, "onclick")
        self.assertContains(page, "/static/ptdv/site.js")


class NoStoreTests(HeaderTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier_candidacy = new_candidacy(cls.world, "Phạm Văn Hồ Sơ", cls.o.A1)
        advance(cls.dossier_candidacy, Stage.SYMPATHISER, introducers_for(cls.world, cls.o.A1))

    def test_person_page(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(f"/nguoi/{self.p.introducer1.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assert_private(response, "person page")
        self.assert_common_headers(response, "person page")

    def test_htmx_fragment(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/danh-sach/", headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assert_private(response, "list fragment")
        self.assert_common_headers(response, "list fragment")

    def test_excel_export(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/danh-sach/excel/")
        self.assertEqual(response.status_code, 200)
        self.assertIn(".xlsx", response["Content-Disposition"])
        self.assert_private(response, "export")
        self.assert_common_headers(response, "export")

    def test_dossier_downloads(self):
        self.client.force_login(self.u.cell)
        pk = self.dossier_candidacy.pk
        page = self.client.get(f"/ho-so/{pk}/bieu-mau/")
        self.assertEqual(page.status_code, 200)
        self.assert_private(page, "dossier page")
        for tail, kind in (("ho-so.zip", ".zip"), ("1-KND.docx", ".docx")):
            with self.subTest(download=tail):
                response = self.client.get(f"/ho-so/{pk}/bieu-mau/{tail}")
                self.assertEqual(response.status_code, 200, tail)
                self.assertIn(kind, response["Content-Disposition"])
                self.assert_private(response, tail)
                self.assert_common_headers(response, tail)

    def test_login_page_and_errors_too(self):
        response = self.client.get(LOGIN)
        self.assert_private(response, "login page")
        self.client.force_login(self.u.cell)
        response = self.client.get("/nguoi/999999/")
        self.assertEqual(response.status_code, 404)
        self.assert_private(response, "404")

    def test_a_login_redirect_is_private(self):
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        self.assert_private(response, "login redirect")


class StaticFilesTests(HeaderTestCase):
    def test_static_files_keep_their_caching_and_get_nosniff(self):
        self.assertIsNotNone(finders.find("ptdv/site.css"))
        self.client.force_login(self.u.cell)
        for path in ("/static/ptdv/site.css", "/static/ptdv/site.js"):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("no-store", response.get("Cache-Control", ""))
                self.assertNotIn("Pragma", response)
                self.assertNotIn("Content-Security-Policy", response)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")


class PrivateResponseMiddlewareTests(WorldTestCase):
    """The headers built once (ptdv/web/middleware.py) are those Django's
    ``add_never_cache_headers`` writes, and a view's own caching headers are still merged."""

    def through(self, response):
        return PrivateResponseMiddleware(lambda request: response)(RequestFactory().get("/x/"))

    def test_the_same_headers_as_django_writes(self):
        expected = HttpResponse()
        add_never_cache_headers(expected)
        response = self.through(HttpResponse())
        self.assertEqual(response["Cache-Control"], expected["Cache-Control"])
        self.assertEqual(response["Pragma"], "no-cache")
        self.assertIn("Expires", response)

    def test_a_views_own_caching_is_made_private(self):
        own = HttpResponse()
        own["Cache-Control"] = "public, max-age=600"
        cache_control = {p.strip() for p in self.through(own)["Cache-Control"].split(",")}
        self.assertIn("no-store", cache_control)
        self.assertIn("private", cache_control)
        self.assertNotIn("public", cache_control)
        self.assertIn("max-age=0", cache_control)

    def test_a_changed_permissions_policy_is_sent(self):
        with override_settings(PTDV_PERMISSIONS_POLICY={"camera": ["self"]}):
            self.assertEqual(self.through(HttpResponse())["Permissions-Policy"], "camera=(self)")
        self.assertIn("usb=()", self.through(HttpResponse())["Permissions-Policy"])
