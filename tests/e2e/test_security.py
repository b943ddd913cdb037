"""The pages under their Content-Security-Policy in a real Chromium: reports' charts styled, the
print button working without inline code, htmx's live search by CCCD without the number in the
address bar. The context fixture fails any test that makes the browser refuse something."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ptdv.people.models import Person

from .conftest import login, open_page


def test_report_charts_are_styled_and_print_works_under_the_policy(page, demo):
    login(page, demo.district_user, demo.password)
    response = open_page(page, "/bao-cao/dang-vien-moi/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy

    chart = page.locator("main figure svg").first
    expect(chart).to_be_visible()
    # pygal colours its series through the <style> inside the SVG: applied, the first series
    # is the party's red (#a30d11), not the black an unstyled SVG would draw.
    fill = page.evaluate(
        """() => {
            const shape = document.querySelector("main figure svg .series .rect, "
                + "main figure svg .series rect, main figure svg .series path");
            return shape ? getComputedStyle(shape).fill : null;
        }"""
    )
    assert fill == "rgb(163, 13, 17)", fill

    # "In" prints through site.js (no onclick): count the calls instead of opening a dialog.
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.get_by_role("button", name="In").click()
    assert page.evaluate("() => window.__printed") == 1

    # htmx injected no <style> of its own (its indicator rules are in site.css).
    assert page.evaluate("() => document.querySelectorAll('head style').length") == 0


def test_live_search_by_cccd_keeps_the_number_out_of_the_address(page, demo):
    person = Person.objects.get(pk=demo.cell_person_pk)
    assert person.cccd, "the demo person has no CCCD"
    login(page, demo.cell_user, demo.password)
    open_page(page, "/tim-kiem/")

    box = page.get_by_label("Họ tên hoặc số CCCD")
    box.fill(person.cccd)
    results = page.locator("#search-results")
    expect(results).to_contain_text(person.full_name)
    # htmx pushed an address, with a token and not the number.
    expect(page).to_have_url(re.compile(r"/tim-kiem/\?t=[\w-]+$"))
    assert person.cccd[:6] not in page.url

    # Reloading the pushed address shows the same results (the session keeps the search).
    page.reload()
    expect(page.locator("#search-results")).to_contain_text(person.full_name)
    assert person.cccd[:6] not in page.url
    assert person.cccd[:6] not in page.title()

    # The navigation bar's box posts too.
    nav_box = page.get_by_label("Tìm người theo tên hoặc số CCCD").first
    nav_box.fill(person.cccd[:9])
    with page.expect_navigation():
        nav_box.press("Enter")
    expect(page.locator("#search-results")).to_contain_text(person.full_name)
    assert person.cccd[:6] not in page.url


def test_an_expired_session_sends_htmx_to_the_login_page(page, demo):
    login(page, demo.cell_user, demo.password)
    open_page(page, "/tim-kiem/")
    # The session ends on the server (as after the idle time); the next htmx request is told
    # to load the login page as a whole page, not inside the results.
    page.context.clear_cookies(name="sessionid")
    page.get_by_label("Họ tên hoặc số CCCD").fill("nguyen")
    expect(page).to_have_url(re.compile(r"/tai-khoan/dang-nhap/\?next=/tim-kiem/"))
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    assert page.locator("#search-results").count() == 0
