"""The daily pages on a phone (390×844): the to-do page, the board, the list and the search, for a
cell secretary and a committee user.

- No page is wider than the screen (``scrollWidth > innerWidth`` fails).
- The search box is in the bar, usable without opening the menu.
- The list's filters are folded behind "Bộ lọc" (the stages as checkboxes inside), and the first
  result is within the first screen; each row is a card, not a table row.
- On a desktop the filters are open and the rows stay a table.
- The candidacy page on a phone: a short header (name, stage, next step, nearest deadline) and the
  form of the next step on the first screen, then its parts folded behind their headings (buttons
  with aria-expanded), opened one by one or from the bar of parts; the page, folded, is at most
  2,000 px tall. Without JavaScript every part is open; on a desktop nothing folds.
"""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from ptdv.people.text import fold

from .conftest import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    assert_no_violations,
    login,
    open_page,
    watch_policies,
)

PAGES = ["/", "/tien-trinh/", "/danh-sach/"]

#: Whether the page scrolls sideways: its width against the screen's.
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def assert_fits(page) -> None:
    width, screen = page.evaluate(OVERFLOW)
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px wide screen"


@pytest.mark.parametrize("who", ["cell", "committee"])
def test_daily_pages_fit_a_phone(page, demo, who):
    username = demo.cell_user if who == "cell" else demo.district_user
    page.set_viewport_size(PHONE)
    login(page, username, demo.password)

    for url in PAGES:
        open_page(page, url)
        assert_fits(page)

    # The board: the columns one under the other, the first 4 cards of each.
    open_page(page, "/tien-trinh/")
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.board-column')].map(c => [...c.querySelectorAll("
        "'.board-card')].filter(e => e.offsetParent !== null).length)"
    )
    assert shown and max(shown) <= 4, f"cards shown per column on a phone: {shown}"

    # The list: the filters folded behind their button, the first result on the first screen,
    # each row a card.
    open_page(page, "/danh-sach/")
    filters = page.locator("#ptdv-filters")
    expect(filters).to_be_hidden()
    first = page.locator("table.ptdv-cards tbody tr th a").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], (
        f"the first result is {box['y']:.0f}px down, below the first screen ({PHONE['height']}px)"
    )
    display = first.evaluate("a => getComputedStyle(a.closest('tr')).display")
    assert display == "flex", f"a row of the list is shown as {display!r}, not as a card"
    button = page.get_by_role("button", name="Bộ lọc")
    button.click()
    expect(filters).to_be_visible()
    expect(filters.locator("input[type=checkbox][name=stage]").first).to_be_visible()
    assert "Ctrl" not in filters.inner_text()
    assert_fits(page)
    # A stage ticked: the results come again (htmx) and the button counts the filter.
    filters.locator("input[type=checkbox][name=stage]").first.check()
    expect(button).to_have_text("Bộ lọc (1)")
    assert_fits(page)

    # The search from the bar, the menu left closed.
    open_page(page, "/")
    expect(page.locator("#main-nav")).to_be_hidden()
    search = page.get_by_label("Tìm người theo tên hoặc số CCCD").first
    expect(search).to_be_visible()
    search.fill(fold(demo.cell_person_name))
    with page.expect_navigation():
        search.press("Enter")
    assert urlparse(page.url).path == "/tim-kiem/"
    expect(page.locator("main")).to_contain_text(demo.cell_person_name)
    assert_fits(page)


def test_desktop_keeps_open_filters_and_tables(page, demo):
    page.set_viewport_size(DESKTOP)
    login(page, demo.district_user, demo.password)
    open_page(page, "/danh-sach/")
    expect(page.locator("#ptdv-filters")).to_be_visible()
    expect(page.get_by_role("button", name="Bộ lọc")).to_be_hidden()
    row = page.locator("table.ptdv-cards tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    expect(page.locator("table.ptdv-cards thead")).to_be_visible()
    assert_fits(page)


#: The candidacy page's parts (web/candidacy/detail.html): their ids, in the page's order.
PARTS = ["phan-nhan-xet", "phan-giay-to", "phan-cac-buoc", "phan-thong-tin", "phan-thoi-han",
         "phan-giup-do"]  # fmt: skip
#: The page folded on a phone is at most this tall (it was 6,000 px and more, all open).
FOLDED_HEIGHT = 2_000


def on_first_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not shown"
    assert box["y"] + box["height"] <= PHONE["height"], (
        f"{locator} is {box['y']:.0f}px down, below the first screen ({PHONE['height']}px)"
    )


def test_candidacy_page_in_parts_on_a_phone(page, demo):
    page.set_viewport_size(PHONE)
    login(page, demo.cell_user, demo.password)
    open_page(page, f"/ho-so/{demo.cell_candidacy_pk}/")
    assert_fits(page)

    # The header and what to do next on the first screen.
    on_first_screen(page.get_by_role("heading", level=1, name=demo.cell_person_name))
    on_first_screen(page.locator(".ptdv-case-next"))
    expect(page.locator(".ptdv-case-next")).to_contain_text("Bước tiếp theo:")
    on_first_screen(page.get_by_role("heading", name="Ghi bước tiếp theo"))
    on_first_screen(page.locator("#next-step-heading ~ [role=group] a").first)

    # Each part folded behind a button in its heading (but a part marked open: the blockers).
    toggles = page.locator("[data-ptdv-part-toggle]")
    expect(toggles).to_have_count(len(PARTS))
    for part in PARTS:
        section = page.locator(f"#{part}")
        button = section.get_by_role("heading", level=2).get_by_role("button")
        expect(button).to_have_attribute("aria-controls", f"{part}-noi-dung")
        opened = section.get_attribute("data-ptdv-open") is not None
        expect(button).to_have_attribute("aria-expanded", "true" if opened else "false")
        body = page.locator(f"#{part}-noi-dung")
        (expect(body).to_be_visible if opened else expect(body).to_be_hidden)()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= FOLDED_HEIGHT, f"the folded page is {height}px tall (at most {FOLDED_HEIGHT})"

    # A part opened by its button, and closed again; its rows are cards.
    steps = page.locator("#phan-cac-buoc").get_by_role("button", name="Các bước đã ghi")
    steps.click()
    expect(steps).to_have_attribute("aria-expanded", "true")
    body = page.locator("#phan-cac-buoc-noi-dung")
    expect(body).to_be_visible()
    row = body.locator("tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "flex", "a step is not a card"
    assert_fits(page)
    steps.click()
    expect(steps).to_have_attribute("aria-expanded", "false")
    expect(body).to_be_hidden()

    # The bar of parts stays on the screen and opens the part it jumps to.
    bar = page.get_by_role("navigation", name="Các phần của hồ sơ")
    expect(bar).to_be_visible()
    bar.get_by_role("link", name="Thời hạn").click()
    deadlines = page.locator("#phan-thoi-han").get_by_role("button", name="Thời hạn")
    expect(deadlines).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#phan-thoi-han-noi-dung")).to_be_in_viewport()
    expect(bar).to_be_in_viewport()
    assert_fits(page)


def test_candidacy_page_without_javascript(server, browser, demo):
    """Every part open, the bar's links plain anchors: nothing is out of reach."""
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", base_url=server, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_policies(context)
    try:
        page = context.new_page()
        login(page, demo.cell_user, demo.password)
        open_page(page, f"/ho-so/{demo.cell_candidacy_pk}/")
        expect(page.locator("[data-ptdv-part-toggle]")).to_have_count(0)
        for part in PARTS:
            expect(page.locator(f"#{part}-noi-dung")).to_be_visible()
        bar = page.get_by_role("navigation", name="Các phần của hồ sơ")
        expect(bar.get_by_role("link")).to_have_count(len(PARTS))
        assert_fits(page)
    finally:
        context.close()
    assert_no_violations(violations)


def test_candidacy_page_on_a_desktop_folds_nothing(page, demo):
    page.set_viewport_size(DESKTOP)
    login(page, demo.cell_user, demo.password)
    open_page(page, f"/ho-so/{demo.cell_candidacy_pk}/")
    expect(page.locator("[data-ptdv-part-toggle]")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Các phần của hồ sơ")).to_be_hidden()
    for part in PARTS:
        expect(page.locator(f"#{part}-noi-dung")).to_be_visible()
    row = page.locator("#phan-cac-buoc-noi-dung tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    # From a phone to a desktop's width and back: the buttons come and go.
    page.set_viewport_size(PHONE)
    expect(page.locator("[data-ptdv-part-toggle]")).to_have_count(len(PARTS))
    page.set_viewport_size(DESKTOP)
    expect(page.locator("[data-ptdv-part-toggle]")).to_have_count(0)
    expect(page.locator("#phan-cac-buoc-noi-dung")).to_be_visible()
    assert_fits(page)
