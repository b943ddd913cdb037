"""The to-do page and the board show the demo data's overdue candidacies, in words."""

from playwright.sync_api import expect

from .conftest import login, open_page


def test_todo_page_shows_the_overdue_candidacies(page, demo):
    login(page, demo.district_user, demo.password)
    open_page(page, "/")
    main = page.locator("main")
    # Colour is never the only signal: the word is there.
    expect(main).to_contain_text("Quá hạn")
    # The most overdue candidacy of the district is on the page.
    expect(main).to_contain_text(demo.district_overdue_names[0])


def test_board_shows_overdue_candidacies(page, demo):
    login(page, demo.district_user, demo.password)
    open_page(page, "/tien-trinh/")
    main = page.locator("main")
    expect(main).to_contain_text("Quá hạn")
    text = main.inner_text()
    shown = [name for name in demo.district_overdue_names if name in text]
    assert shown, (
        f"none of the district's {len(demo.district_overdue_names)} overdue people is on the board"
    )
