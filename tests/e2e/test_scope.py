"""Scoping in the browser: outside one's subtree a candidacy looks exactly like a missing one."""

from playwright.sync_api import expect

from .conftest import login, open_page

MISSING_PK = 10**8 - 1  # eight digits: the suite takes nine or more in an address for a CCCD


def test_cell_secretary_opens_a_candidacy_of_the_cell(page, demo):
    login(page, demo.cell_user, demo.password)
    open_page(page, f"/ho-so/{demo.cell_candidacy_pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.cell_person_name)


def test_outsider_gets_404_for_a_candidacy_of_the_cell(page, demo):
    login(page, demo.outsider, demo.password)

    response = page.goto(f"/ho-so/{demo.cell_candidacy_pk}/")
    assert response.status == 404
    assert demo.cell_person_name not in page.content()
    seen = (page.title(), page.locator("h1").all_inner_texts())

    response = page.goto(f"/ho-so/{MISSING_PK}/")
    assert response.status == 404
    assert (page.title(), page.locator("h1").all_inner_texts()) == seen
