"""A committee's officer reads a report, follows a figure to its people, downloads the
workbook and prints the page — in a real Chromium."""

from __future__ import annotations

import openpyxl
from playwright.sync_api import expect

from ptdv.org.models import Organisation
from ptdv.reports import figures

from .conftest import login, open_page


def district_of(user: str) -> Organisation:
    from ptdv.accounts.models import User

    return User.objects.get(username=user).organisation


def test_new_members_report_drills_down_downloads_and_prints(page, demo, tmp_path):
    login(page, demo.district_user, demo.password)
    start = demo.today.replace(month=1, day=1)
    expected = figures.build(
        "new_members",
        district_of(demo.district_user),
        start=start,
        end=demo.today,
        today=demo.today,
    ).figure("admitted")
    assert expected, "the demo district admitted nobody this year"

    open_page(page, "/bao-cao/dang-vien-moi/")
    main = page.locator("main")
    expect(main).to_contain_text("Tổng số đảng viên mới kết nạp")
    expect(main.locator("svg").first).to_be_visible()  # a chart, drawn on the server

    # The total's figure is a link to the people it counts.
    grouped = f"{expected:,}".replace(",", ".")  # as Vietnamese writes it: 1.842
    total = main.locator("a", has_text=grouped).first
    total.click()
    page.wait_for_load_state()
    assert "so_lieu=admitted" in page.url
    people = page.locator("main table tbody tr")
    expect(people.first).to_be_visible()
    assert people.count() == min(expected, 50)

    # The workbook holds numbers, not text.
    open_page(page, "/bao-cao/dang-vien-moi/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải Excel").click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    numbers = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, int)]
    assert expected in numbers

    # Printed, the page keeps the report and drops the navigation and the form.
    page.emulate_media(media="print")
    expect(page.locator("nav.ptdv-nav")).to_be_hidden()
    expect(main).to_contain_text("Tổng số đảng viên mới kết nạp")
    page.emulate_media(media="screen")


def test_an_outsider_cannot_choose_the_district(page, demo):
    district = district_of(demo.district_user)
    login(page, demo.outsider, demo.password)
    open_page(page, f"/bao-cao/dang-vien-moi/?to_chuc={district.pk}")
    main = page.locator("main")
    expect(main).not_to_contain_text("Tổng số đảng viên mới kết nạp")
