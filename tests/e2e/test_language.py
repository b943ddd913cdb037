"""A browser set to English (``locale="en-US"``: its ``Accept-Language`` asks for English) gets
the interface in Vietnamese: the to-do page, a form's date boxes (dd/mm/yyyy, typed and parsed
as such) and the page of a missing address (the site's, even with ``DEBUG`` on as on the demo
server). English only when the user chooses it in the layout's language form.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    TIMEOUT_MS,
    assert_no_violations,
    login,
    open_page,
    watch_policies,
)

#: English that must not be seen: the site's own words in English, Django's English pages and
#: messages, its debug pages, and the order of an English browser's date box.
ENGLISH = re.compile(
    r"\b(To-do|Board|Log out|Sign in|Username|Password|Language|Skip to main content"
    r"|Not Found|Page not found|Forbidden|Server Error|Bad Request|This field is required"
    r"|Enter a valid|Using the URLconf|Traceback|Django)\b"
    r"|mm/dd/yyyy"
)


@pytest.fixture
def english_page(server, browser):
    """A page of a desktop context of a browser set to American English."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=server)
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_policies(context)
    yield context.new_page()
    context.close()
    assert_no_violations(violations)


def assert_vietnamese(page) -> None:
    """The page is Vietnamese: its language, and no English in its text or its title."""
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    text = page.locator("body").inner_text() + "\n" + page.title()
    found = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert not found, f"English on {page.url}: {found}"
    # Every date box is the site's text box (dd/mm/yyyy), none the browser's (its locale's order).
    expect(page.locator('input[type="date"]')).to_have_count(0)


def send(form) -> None:
    """Submit the step form (htmx: the answer replaces the form in place)."""
    page = form.page
    with page.expect_response(lambda r: r.request.method == "POST" and "/nguon/moi/" in r.url):
        form.locator('button[type="submit"]').first.click()
    expect(form.locator(".htmx-request")).to_have_count(0)


def test_an_english_browser_gets_the_interface_in_vietnamese(english_page, demo, settings):
    page = english_page
    asked: list[str] = []

    def on_request(request) -> None:
        if request.resource_type == "document":
            asked.append(request.headers.get("accept-language", ""))

    page.on("request", on_request)

    # The login page's Vietnamese labels are what login() looks for.
    login(page, demo.district_user, demo.password)
    assert asked and all(header.startswith("en-US") for header in asked), asked
    open_page(page, "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần làm")
    assert_vietnamese(page)

    # A form with date boxes: dd/mm/yyyy typed, kept as typed, a wrong date said in Vietnamese.
    open_page(page, "/nguon/moi/")
    assert_vietnamese(page)
    form = page.locator("main form")
    birth = form.locator('input[name="birth_date"]')
    opened = form.locator('input[name="opened_on"]')
    expect(birth).to_have_attribute("type", "text")
    expect(opened).to_have_attribute("type", "text")
    expect(form).to_contain_text("Ngày/tháng/năm, ví dụ")
    # Sent with the other fields empty (the form is novalidate: the server answers, in place).
    birth.fill("20/05/1998")
    opened.fill("02/31/2026")  # month 31: what an English browser's order would give
    send(form)
    expect(opened).to_have_class(re.compile(r"\bis-invalid\b"))
    assert_vietnamese(page)
    expect(birth).to_have_value("20/05/1998")
    expect(birth).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(form).to_contain_text("Không phải một ngày có thật: hãy viết ngày/tháng/năm")
    day = demo.today - timedelta(days=3)
    opened.fill(f"{day:%d/%m/%Y}")
    send(form)
    expect(opened).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(opened).to_have_value(f"{day:%d/%m/%Y}")

    # A missing page, with DEBUG on as on the demo server: the site's page, in its layout.
    settings.DEBUG = True
    response = page.goto("/khong-co-trang-nay/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_contain_text("Tiến trình")
    assert_vietnamese(page)
    response = page.goto("/ho-so/99999/")  # a record that is not there (or not the user's)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    assert_vietnamese(page)

    # The user's own choice of English is kept, whatever the browser.
    open_page(page, "/")
    page.locator("footer select#language").select_option("en")
    with page.expect_navigation():
        page.locator("footer").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("To-do")
