"""The API's documentation page in a real headless Chromium: Swagger UI starts, reads the schema
and lists the operations, with the site's Content-Security-Policy (scripts from the site only, no
inline script) and no request outside the site."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from ptdv.accounts.models import Role
from ptdv.org.models import Organisation, OrgKind
from tests.base import Client, make_user


def chromium() -> str | None:
    configured = os.environ.get("PTDV_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.e2e
class DocumentationPageTests(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        executable = chromium()
        if executable is None:
            raise pytest.skip.Exception("no Chromium (PTDV_CHROMIUM, chromium on PATH)")
        super().setUpClass()
        # Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        cls.browser = cls.playwright.chromium.launch(
            executable_path=executable, headless=True, args=args
        )

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe
        super().tearDownClass()

    def test_swagger_ui_lists_the_operations_under_the_csp(self):
        root = Organisation.objects.add_root(dict(name="Đảng bộ tỉnh Thử", kind=OrgKind.PROVINCE))
        user = make_user("xem_api", root, Role.VIEWER)
        client = Client()
        client.force_login(user)
        host = urlparse(self.live_server_url).hostname
        context = self.browser.new_context()
        context.add_cookies(
            [
                {"name": name, "value": morsel.value, "domain": host, "path": "/"}
                for name, morsel in client.cookies.items()
            ]
        )
        page = context.new_page()
        problems: list[str] = []
        outside: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "request",
            lambda r: outside.append(r.url) if urlparse(r.url).hostname != host else None,
        )
        response = page.goto(f"{self.live_server_url}/api/tai-lieu/")
        self.assertEqual(response.status, 200)
        self.assertIn("script-src 'self'", response.headers["content-security-policy"])
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        self.assertIn("API của ptdv", page.inner_text(".swagger-ui .info .title"))
        page.wait_for_selector(".opblock", timeout=15_000)
        self.assertIn("/api/ho-so/{id}/ghi-buoc/", page.content())
        self.assertEqual(problems, [])
        self.assertEqual(outside, [])
        context.close()
