"""The daily pages on a phone (390×844): the to-do page, the board, the list and the search, for a
cell secretary and a committee user.

- No page is wider than the screen (``scrollWidth > innerWidth`` fails).
- The search box is in the bar, usable without opening the menu.
- The list's filters are folded behind "Bộ lọc" (the stages as checkboxes inside), and the first
  result is within the first screen; each row is a card, not a table row.
- On a desktop the filters are open and the rows stay a table.
"""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from ptdv.people.text import fold

from .conftest import DESKTOP, PHONE, login, open_page

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
