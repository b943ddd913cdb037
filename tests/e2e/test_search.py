"""Search from the navigation bar, typed without diacritics as people often do; the name stays
out of the address."""

from urllib.parse import parse_qs, unquote_plus, urlparse

from playwright.sync_api import expect

from ptdv.people.text import fold

from .conftest import login


def test_search_without_diacritics_finds_the_person(page, demo):
    query = fold(demo.cell_person_name)  # "Lò Văn Pấng" → "lo van pang"
    assert query != demo.cell_person_name.lower(), "pick a name with diacritics"
    login(page, demo.cell_user, demo.password)

    box = page.get_by_label("Tìm người theo tên hoặc số CCCD").first
    box.fill(query)
    with page.expect_navigation() as navigation:
        box.press("Enter")

    assert navigation.value.status == 200, f"GET {page.url} answered {navigation.value.status}"
    url = urlparse(page.url)
    assert url.path == "/tim-kiem/"
    # The name searched is not in the address (logs, history, Referer): a token is.
    assert list(parse_qs(url.query)) == ["t"], url.query
    assert query not in unquote_plus(page.url)
    expect(page.locator("main")).to_contain_text(demo.cell_person_name)
