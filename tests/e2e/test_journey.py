"""The journey through the forms, in the browser, as the demo cell secretary.

A new source is added with the "Thêm nguồn" form, then every step is recorded by clicking its
button on the candidacy page (the form comes in with htmx) and submitting it: sympathiser with a
mentor, awareness class, the dossier papers, the cell's vote — first refused, with the rule's
reason and citation, while the introducers' letters are missing — the committees' resolution
and decision, the ceremony: a probationary member. Then the clock moves a year on (the server
runs in this process, so ``time_machine`` moves its clock too) and the secretary signs in again
to record the new-member class, the recognition vote and decision, and the party card.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import time_machine
from playwright.sync_api import expect

from ptdv.people.models import Person
from tests.base import cccd_for

from .conftest import login, open_page, shot
from .picking import choose_person

NAME = "Lò Thị Hành Trình"
BIRTH = date(1999, 3, 14)


def at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0))


def officials_of_cell(username: str, before: date) -> list[int]:
    """Official members of the user's cell for years: introducers and the mentor."""
    from ptdv.accounts.models import User
    from ptdv.people.models import Person

    user = User.objects.get(username=username)
    members = (
        Person.objects.visible_to(user)
        .members()
        .filter(party_official_on__lte=before - timedelta(days=5 * 366))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(members[:3])


def fill(form, fields: dict) -> None:
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "hidden":  # a picker: the mentor, an introducer
            choose_person(form, name, value)
        elif kind == "select":
            field.select_option(str(value))
        elif kind == "checkbox":
            field.check() if value else field.uncheck()
        else:
            field.fill(value.isoformat() if isinstance(value, date) else str(value))


def open_step_form(page, candidacy_pk: int, step: str):
    open_page(page, f"/ho-so/{candidacy_pk}/")
    page.locator(f'#main a[href$="buoc={step}"]').first.click()
    form = page.locator("form.step-form")
    expect(form).to_be_visible()
    return form


def record(page, candidacy_pk: int, step: str, on: date, **fields) -> None:
    """Record ``step`` through its form and land back on the candidacy page."""
    form = open_step_form(page, candidacy_pk, step)
    fill(form, {"date": on})
    if "official_members" in fields:
        # The vote form refreshes its official members for the date typed (htmx, on the date
        # box's change): the figures are typed once that answer is in.
        with page.expect_response(lambda response: "dang-vien-chinh-thuc" in response.url):
            form.locator('[name="date"]').dispatch_event("change")
        expect(form.locator('[name="official_members"]')).to_be_editable()
    fill(form, fields)
    form.locator('button[type="submit"]:not([name="check"])').click()
    page.wait_for_url(f"**/ho-so/{candidacy_pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the page's own requests done before the next


def expected_step(page, candidacy_pk: int) -> str:
    """The step the rules expect next: the highlighted button of the candidacy page."""
    open_page(page, f"/ho-so/{candidacy_pk}/")
    href = page.locator('#main a.btn-primary[href*="buoc="]').first.get_attribute("href")
    return href.rsplit("buoc=", 1)[1]


def unused_cccd(birth, sex) -> str:
    """A valid CCCD no demo person holds (the demo's serials are random)."""
    while True:
        cccd = cccd_for(birth, sex, province="011")
        if not Person.objects.filter(cccd=cccd).exists():
            return cccd


def test_source_to_party_card_through_the_pages(page, demo):
    today = demo.today
    start = today - timedelta(days=240)
    introducer1, introducer2, mentor = officials_of_cell(demo.cell_user, start)

    # --- the first year: from source to probationary member ---------------------------------
    login(page, demo.cell_user, demo.password)
    page.get_by_role("link", name="Thêm nguồn").click()
    form = page.locator("main form")
    fill(
        form,
        {
            "full_name": "lò thị  hành trình",  # normalised on save
            "birth_date": BIRTH,
            "sex": "F",
            "cccd": unused_cccd(BIRTH, "F"),
            "ethnicity": "03",
            "general_education": "upper_secondary",
            "professional_level": "university",
            "sector": "public_service",
            "opened_on": start,
        },
    )
    form.locator('button[type="submit"]').first.click()
    page.wait_for_url("**/ho-so/*/")
    expect(page.locator("h1")).to_contain_text(NAME)
    candidacy_pk = int(page.url.rstrip("/").rsplit("/", 1)[1])

    record(page, candidacy_pk, "sympathiser", start + timedelta(days=20),
           number="12-NQ/CB", mentor=mentor)  # fmt: skip
    record(page, candidacy_pk, "awareness_class", start + timedelta(days=40),
           certificate_number="0457/CN")  # fmt: skip
    papers_on = start + timedelta(days=90)
    record(page, candidacy_pk, "dossier_paper", papers_on, kind="application")
    record(page, candidacy_pk, "dossier_paper", papers_on, kind="personal_history")
    record(page, candidacy_pk, "dossier_paper", papers_on,
           kind="verification", subject="applicant", result="ok")  # fmt: skip
    record(page, candidacy_pk, "dossier_paper", start + timedelta(days=100), kind="comments")

    # Without the introducers' letters the cell's vote is refused, with the rule's reason.
    vote = {"official_members": 9, "present": 8, "in_favour": 7, "against": 1}
    form = open_step_form(page, candidacy_pk, "cell_resolution")
    fill(form, {"date": start + timedelta(days=110), "number": "05-NQ/CB", **vote})
    form.locator('button[type="submit"]:not([name="check"])').click()
    refusal = page.locator("form.step-form .alert-danger")
    expect(refusal).to_contain_text("Chưa ghi được")
    expect(refusal).to_contain_text("giới thiệu")
    expect(refusal).to_contain_text("Điều lệ Đảng (2011), Điều 4")  # the rule's citation
    expect(form.locator('[name="number"]')).to_have_value("05-NQ/CB")  # what was typed stays
    shot(page, "step-refused")

    for introducer in (introducer1, introducer2):
        record(page, candidacy_pk, "dossier_paper", papers_on, kind="introducer_letter",
               introducer=introducer, months_together=36, same_grassroots=True)  # fmt: skip
    record(page, candidacy_pk, "cell_resolution", start + timedelta(days=110),
           number="05-NQ/CB", **vote)  # fmt: skip
    # Up the tree to the decision: whatever level the cell's route goes through next.
    day = start + timedelta(days=115)
    while (step := expected_step(page, candidacy_pk)) != "ceremony":
        record(page, candidacy_pk, step, day, number=f"{day.day}-NQ")
        day += timedelta(days=7)
    ceremony_on = day + timedelta(days=7)
    assert ceremony_on <= today
    record(page, candidacy_pk, "ceremony", ceremony_on)
    expect(page.locator("main")).to_contain_text("Đảng viên dự bị")

    # --- a year later: official member and party card ---------------------------------------
    a_year_on = ceremony_on.replace(year=ceremony_on.year + 1) + timedelta(days=20)
    with time_machine.travel(at(a_year_on), tick=True):
        page.context.clear_cookies()  # the session has long expired
        login(page, demo.cell_user, demo.password)
        record(page, candidacy_pk, "new_member_class", ceremony_on + timedelta(days=60),
               certificate_number="118/CN")  # fmt: skip
        recognition_on = a_year_on - timedelta(days=15)
        record(page, candidacy_pk, "recognition_cell_resolution", recognition_on,
               number="09-NQ/CB", official_members=9, present=9, in_favour=9, against=0)  # fmt: skip
        record(page, candidacy_pk, "recognition_decision", recognition_on + timedelta(days=7),
               number="388-QĐ/HU")  # fmt: skip
        record(page, candidacy_pk, "party_card", a_year_on, card_number="72001234")
        main = page.locator("main")
        expect(main).to_contain_text("Đã nhận thẻ đảng viên")
        page.get_by_role("link", name="Trang cá nhân và các lần xét kết nạp").click()
        expect(page.locator("main")).to_contain_text("Đảng viên chính thức")
        expect(page.locator("main")).to_contain_text("72001234")
