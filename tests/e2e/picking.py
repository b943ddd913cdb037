"""Choosing in a picker (ptdv/web/pickers.py) as a person does: typing, then the keyboard."""

from __future__ import annotations

from playwright.sync_api import expect


def picker_of(scope, name: str):
    """The picker of the form field ``name`` within ``scope`` (a page or a form)."""
    return scope.locator(f'[data-ptdv-picker]:has(input[type="hidden"][name="{name}"])')


def type_in(scope, name: str, text: str):
    """Type ``text`` into the picker's box and wait for its matches; the picker's locator."""
    picker = picker_of(scope, name)
    box = picker.locator("[data-picker-input]")
    box.click()
    box.fill("")
    page = box.page
    # Typed faster than the debounce: one request, after the last key.
    with page.expect_response(lambda r: "/chon/" in r.url and r.request.method == "POST"):
        box.press_sequentially(text, delay=15)
    expect(box).to_have_attribute("aria-expanded", "true")
    return picker


def choose(scope, name: str, text: str, value: int) -> None:
    """Type ``text``, go down the list with the arrow key to the option of ``value`` and press
    Enter; the hidden input then holds ``value``."""
    picker = type_in(scope, name, text)
    box = picker.locator("[data-picker-input]")
    option = picker.locator(f'[role="option"][data-value="{value}"]')
    expect(option).to_be_visible()
    wanted = option.get_attribute("id")
    for _ in range(30):
        box.press("ArrowDown")
        if box.get_attribute("aria-activedescendant") == wanted:
            break
    else:
        raise AssertionError(f"the arrow keys never reached {wanted}")
    box.press("Enter")
    expect(picker.locator(f'input[type="hidden"][name="{name}"]')).to_have_value(str(value))
    expect(box).to_have_attribute("aria-expanded", "false")


def choose_person(scope, name: str, person_pk: int) -> None:
    """Choose a person by their folded name (what people type)."""
    from ptdv.people.models import Person
    from ptdv.people.text import fold

    person = Person.objects.get(pk=person_pk)
    choose(scope, name, fold(person.full_name), person.pk)
