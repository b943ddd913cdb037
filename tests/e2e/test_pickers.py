"""The pickers in the browser: typed into, chosen from with the keyboard, submitted.

- "Thêm nguồn" as the district's committee user: the cell is found by its name and its
  commune's, typed without diacritics; the list says how many more there are; ArrowDown and Enter
  choose; the new candidacy is in that cell.
- A mentor for a new candidacy of the demo cell: a probationary member is listed greyed with the
  reason and Enter does not choose them; an official member is chosen and assigned.
- On a phone the list fits the screen and a tap chooses.
"""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from ptdv.people.text import fold

from .conftest import PHONE, axe_check, login, open_page
from .picking import choose, choose_person, type_in
from .test_journey import fill, unused_cccd

BIRTH = date(2001, 8, 19)


def a_cell_of(username: str):
    """A cell of the user's subtree, not dissolved, and its parent (whose name finds it)."""
    from django.utils import timezone

    from ptdv.accounts.models import User
    from ptdv.org.models import Organisation

    user = User.objects.get(username=username)
    cells = (
        Organisation.objects.visible_to(user)
        .cells()
        .exclude(dissolved_on__lte=timezone.localdate())
        .exclude(pk=user.organisation_id)
        .order_by("path")
    )
    cell = cells[len(cells) // 2]
    return cell, Organisation.objects.get(path=cell.path[: -Organisation.steplen])


def test_a_new_source_s_cell_chosen_with_the_keyboard(page, demo):
    cell, parent = a_cell_of(demo.district_user)
    login(page, demo.district_user, demo.password)
    open_page(page, "/nguon/moi/")
    form = page.locator("main form")
    fill(
        form,
        {
            "full_name": "Hà Văn Chọn",
            "birth_date": BIRTH,
            "sex": "M",
            "cccd": unused_cccd(BIRTH, "M"),
            "ethnicity": "01",
            "general_education": "upper_secondary",
            "professional_level": "none",
            "sector": "farmer",
            "opened_on": demo.today - timedelta(days=3),
        },
    )
    # A word common to every cell: twenty rows, and how many more.
    picker = type_in(form, "cell", "chi bo")
    expect(picker.locator('[role="option"]')).to_have_count(20)
    expect(picker.locator(".ptdv-picker-more")).to_contain_text("gõ thêm để thu hẹp")
    expect(picker.locator('[role="status"]')).to_contain_text("kết quả")
    box = picker.get_by_role("combobox")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")

    # The cell's name and its commune's, without diacritics, then the arrow keys and Enter.
    choose(form, "cell", f"{fold(parent.name)} {fold(cell.name)}", cell.pk)
    assert box.input_value().startswith(cell.name), box.input_value()
    assert parent.name in box.input_value()
    axe_check(page)

    form.locator('button[type="submit"]').first.click()
    page.wait_for_url("**/ho-so/*/")
    expect(page.locator("main")).to_contain_text(cell.name)


def test_a_mentor_probationary_greyed_official_chosen(page, demo):
    from ptdv.accounts.models import User
    from ptdv.people.models import MemberStatus, Person
    from ptdv.pipeline import services
    from tests.base import make_person

    user = User.objects.get(username=demo.cell_user)
    cell = user.organisation
    on = demo.today - timedelta(days=10)
    probationary = make_person(cell, "Đinh Thị Dựbị", date(1996, 2, 2), sex="F",
                               admitted_on=on - timedelta(days=100))  # fmt: skip
    official = (
        Person.objects.visible_to(user)
        .filter(member_status=MemberStatus.OFFICIAL, party_official_on__lte=on)
        .exclude(party_left_on__isnull=False)
        .order_by("pk")
        .first()
    )
    candidate = make_person(cell, "Đinh Văn Mới", date(2002, 3, 3))
    candidacy = services.open_candidacy(candidate, on, actor=user)

    login(page, demo.cell_user, demo.password)
    open_page(page, f"/ho-so/{candidacy.pk}/giup-do/")
    form = page.locator("main form.step-form")
    fill(form, {"start": on})

    picker = type_in(form, "mentor", "dinh thi du")
    greyed = picker.locator(f'[role="option"][data-value="{probationary.pk}"]')
    expect(greyed).to_have_attribute("aria-disabled", "true")
    expect(greyed).to_contain_text("đảng viên dự bị")
    expect(greyed).to_contain_text("(1996)")
    axe_check(page)  # the greyed option's contrast, the open combobox's roles
    box = picker.get_by_role("combobox")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", greyed.get_attribute("id"))
    box.press("Enter")  # not selectable: nothing chosen, the list stays open
    expect(picker.locator('input[name="mentor"]')).to_have_value("")
    expect(box).to_have_attribute("aria-expanded", "true")

    choose_person(form, "mentor", official.pk)
    form.locator('button[type="submit"]').first.click()
    page.wait_for_url(f"**/ho-so/{candidacy.pk}/")
    expect(page.locator(".alert-success")).to_contain_text(official.full_name)


def test_on_a_phone_the_list_fits_and_a_tap_chooses(browser, server, demo):
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", base_url=server, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        cell, parent = a_cell_of(demo.district_user)
        login(page, demo.district_user, demo.password)
        open_page(page, "/nguon/moi/")
        form = page.locator("main form")
        picker = type_in(form, "cell", f"{fold(parent.name)} {fold(cell.name)}")
        option = picker.locator(f'[role="option"][data-value="{cell.pk}"]')
        expect(option).to_be_visible()
        box = option.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 44, box  # tall enough to tap
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        option.tap()
        expect(picker.locator('input[name="cell"]')).to_have_value(str(cell.pk))
    finally:
        context.close()
