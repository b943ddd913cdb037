"""Nhập dữ liệu in the browser, as the demo cell secretary: the template, a file with a bad row,
its problems, the fixed file, the confirmation, and the people found by the search.

The background worker is django-tasks' database worker, run in batch mode in the test's thread
(:func:`run_worker`) at the moment the test chooses, which is reliable on the in-memory SQLite
database too (a worker thread of its own would not share the live server's data so simply).
While it runs, the page's htmx polls of the progress are held back (:class:`HeldPolls`), so that
the server thread and the worker never use the database at the same time; released, the next
poll finds the run done and reloads the page.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from ptdv.imports import template
from ptdv.imports.kinds import KINDS
from ptdv.imports.models import ImportRun, Status
from ptdv.people.models import Person
from ptdv.people.text import fold
from ptdv.xlsx import XLSX_MIME
from tests.imports.helpers import xlsx_bytes

from .conftest import axe_check, login, open_page, shot

HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Giáo dục phổ thông", "Khu vực",
           "Ngày xác định nguồn"]  # fmt: skip
GOOD = ["Đinh Thị Nhập Liệu", "14/02/1997", "Nữ", "12/12", "Nông dân, lao động tự do ở nông thôn",
        "05/01/2026"]  # fmt: skip
BAD = ["Hà Văn Sai Ngày", "30/02/1996", "Nam", "12/12", "Doanh nghiệp tư nhân", "05/01/2026"]
FIXED = [*BAD[:1], "28/02/1996", *BAD[2:]]
BAD_REASON = "Ngày “30/02/1996” không có thật."
#: See tests/web/test_imports.py: every .xlsx template answers 500 until this is fixed.


def run_worker() -> None:
    """Run the queued tasks as ``ptdv worker`` does (django-tasks' database worker, batch)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-e2e-imports",
        excluded_queue_names=[],
    ).run()
    failed = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL)
    assert not failed.exists(), [(r.task_path, r.status) for r in failed]


class HeldPolls:
    """Hold the page's progress polls while the worker runs, then let them through."""

    def __init__(self, page):
        self.page, self.holding, self.held = page, False, []
        page.route(re.compile(r"/nhap-du-lieu/\d+/tien-do/$"), self._route)

    def _route(self, route) -> None:
        if self.holding:
            self.held.append(route)
        else:
            route.continue_()

    def run_worker(self) -> None:
        self.holding = True
        self.page.wait_for_timeout(300)  # a poll already on its way reaches the server first
        try:
            run_worker()
        finally:
            self.holding = False
            for route in self.held:
                with contextlib.suppress(PlaywrightError):  # the page may have reloaded already
                    route.continue_()
            self.held.clear()


def upload(page, content: bytes, name: str) -> ImportRun:
    """Fill the upload form (candidacies, into the user's own cell) and send it."""
    page.get_by_label("Loại dữ liệu").select_option("ho-so")
    page.get_by_label("Tệp Excel (.xlsx) hoặc CSV").set_input_files(
        files=[{"name": name, "mimeType": XLSX_MIME, "buffer": content}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
    assert re.search(r"/nhap-du-lieu/\d+/$", page.url), page.url
    return ImportRun.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def counts(page) -> dict[str, str]:
    table = page.locator("main table").first
    return {
        row.locator("th").inner_text(): row.locator("td").inner_text()
        for row in table.locator("tbody tr").all()
    }


def test_import_a_file_fix_its_bad_row_and_confirm(page, demo, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    polls = HeldPolls(page)
    login(page, demo.cell_user, demo.password)
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    with page.expect_navigation():
        nav.get_by_role("link", name="Nhập dữ liệu").click()
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Nhập dữ liệu từ Excel")
    axe_check(page)

    # The template: a CSV with a BOM, the kind's headers and an example row.
    with page.expect_download() as download_info:
        main.get_by_role("link", name="Mẫu CSV — Hồ sơ phát triển đảng viên").click()
    download = download_info.value
    assert download.suggested_filename == "mau-nhap-ho-so.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    header, example = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    assert header == [template.header(c) for c in KINDS["ho-so"].columns]
    assert example[0] and example[1]

    # A file with a good row and a bad one: the progress, then the counts and the reason.
    run = upload(page, xlsx_bytes(HEADERS, [GOOD, BAD]), "danh-sach-nguon.xlsx")
    expect(main).to_contain_text("Đã tải tệp lên: đang kiểm tra.")
    expect(page.locator("#import-progress")).to_contain_text("Đang chờ xử lý")
    expect(page.get_by_role("progressbar", name="Tiến độ xử lý tệp")).to_be_visible()
    polls.run_worker()
    expect(main).to_contain_text("Kết quả kiểm tra (chưa ghi gì)")
    expect(page.locator("#import-progress")).to_contain_text("Đã kiểm tra, chờ xác nhận")
    assert counts(page) == {"Tạo mới": "1", "Cập nhật": "0", "Không thay đổi": "0", "Dòng lỗi": "1"}
    problems = main.locator("table", has_text="Lý do")
    expect(problems.locator("tbody tr")).to_have_count(1)
    cells = problems.locator("tbody tr td")
    expect(cells).to_have_text(["3", "Ngày sinh", "Hà Văn Sai Ngày", BAD_REASON])
    expect(main.get_by_role("button", name=re.compile("Xác nhận nhập"))).to_have_count(0)
    expect(main).to_contain_text("Sửa các dòng lỗi trong tệp rồi tải tệp lên lại")
    shot(page, "import-run")
    axe_check(page)
    assert not Person.objects.filter(full_name=GOOD[0]).exists()

    # The file fixed and uploaded again; confirmed, it is written.
    with page.expect_navigation():
        main.get_by_role("link", name="Nhập dữ liệu").click()
    fixed = upload(page, xlsx_bytes(HEADERS, [GOOD, FIXED]), "danh-sach-nguon-da-sua.xlsx")
    assert fixed.pk != run.pk
    polls.run_worker()
    confirm = main.get_by_role("button", name="Xác nhận nhập: tạo 2, cập nhật 0")
    expect(confirm).to_be_visible()
    with page.expect_navigation():
        confirm.click()
    expect(main).to_contain_text("Đang ghi dữ liệu vào ptdv.")
    expect(page.locator("#import-progress")).to_contain_text("Đang ghi")
    polls.run_worker()
    expect(page.locator("#import-progress")).to_contain_text("Đã nhập")
    expect(main).to_contain_text("Kết quả đã ghi")
    assert counts(page)["Tạo mới"] == "2"
    fixed.refresh_from_db()
    assert fixed.status == Status.COMMITTED
    axe_check(page)

    # Both runs are listed; the people are found by the search, without diacritics.
    with page.expect_navigation():
        nav.get_by_role("link", name="Nhập dữ liệu").click()
    runs = main.locator("table tbody tr")
    expect(runs.first).to_contain_text("danh-sach-nguon-da-sua.xlsx")
    expect(runs.first).to_contain_text("Đã nhập")
    expect(runs.nth(1)).to_contain_text("danh-sach-nguon.xlsx")
    box = page.get_by_label("Tìm người theo tên hoặc số CCCD").first
    for name in (GOOD[0], FIXED[0]):
        box.fill(fold(name))
        with page.expect_navigation():
            box.press("Enter")
        expect(main).to_contain_text(name)
        expect(main).to_contain_text("Nguồn")


def test_the_excel_template_downloads(page, demo, tmp_path):
    login(page, demo.commune_user, demo.password)
    open_page(page, "/nhap-du-lieu/")
    link = page.locator("main").get_by_role(
        "link", name="Mẫu Excel (.xlsx) — Người (quần chúng, nguồn chưa vào quy trình)"
    )
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200, f"the .xlsx template answered {answer.status}"
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "mau.xlsx"
    download_info.value.save_as(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Dữ liệu", "Ví dụ", "Hướng dẫn", "Danh mục"]
    headers = [c.value for c in workbook["Dữ liệu"][1]]
    assert headers == [template.header(c) for c in KINDS["nguoi"].columns]
