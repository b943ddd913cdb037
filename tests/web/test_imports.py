"""Nhập dữ liệu through the site: upload, background preview, problems, confirmation, templates.

The pages are driven with Django's test client; the tasks the views queue are run by
django-tasks' own database worker (:func:`run_worker`), as ``ptdv worker`` runs them.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook, load_workbook

from ptdv.imports import template
from ptdv.imports.kinds import KINDS
from ptdv.imports.models import ImportProblem, ImportRun, Status
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage
from ptdv.xlsx import XLSX_MIME
from tests.base import WorldTestCase
from tests.imports.helpers import PERSON_HEADERS, xlsx_bytes

FARMER = "Nông dân, lao động tự do ở nông thôn"
HEADERS = [*PERSON_HEADERS, "Ngày xác định nguồn", "Ngày vào danh sách cảm tình Đảng"]
FORMULA_NAME = '=HYPERLINK("http://x.example","Bấm vào")'


def row(name, birth, cell="Chi bộ thôn Đông", source="10/01/2026", sympathiser=None, sex="Nam"):
    return [name, birth, sex, "", "12/12", FARMER, cell, source, sympathiser]


GOOD = [
    row("Nguyễn Văn Tốt", "03/04/1999"),
    row("Lê Thị Hoa", date(2001, 7, 8), sympathiser="05/03/2026", sex="Nữ"),
]
BAD_CELL = row("Trần Văn Sai", "01/01/1998", cell="Chi bộ không tồn tại")
BAD_NAME = row(FORMULA_NAME, "01/01/1998")


def workbook_bytes(headers, rows) -> bytes:
    """An .xlsx whose text cells stay text, even one starting with "=" (as Excel keeps a value
    typed with a leading apostrophe): openpyxl would otherwise write it as a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(content: bytes, name: str = "danh-sach.xlsx") -> SimpleUploadedFile:
    kind = XLSX_MIME if name.endswith(".xlsx") else "application/octet-stream"
    return SimpleUploadedFile(name, content, content_type=kind)


def run_worker(failed=()) -> None:
    """Run every queued task with django-tasks' database worker in batch mode (what
    ``manage.py db_worker --batch`` does, without its signal handlers); every task record but
    those ``failed`` must end successful.

    Between tasks the worker closes any connection not in autocommit mode (Django's
    ``close_old_connections``): inside the test's transaction that is the test's own connection,
    which PostgreSQL would then lose, so that check is off here.
    """
    worker = db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-web-imports",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    unexpected = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exclude(
        pk__in=failed
    )
    assert not unexpected.exists(), [(r.task_path, r.status) for r in unexpected]


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-web-import-tests-"))
class ImportPagesTestCase(WorldTestCase):
    def upload(self, content: bytes, name="danh-sach.xlsx", kind="ho-so", organisation=None):
        return self.client.post(
            "/nhap-du-lieu/",
            {
                "kind": kind,
                "organisation": (organisation or self.o.A).pk,
                "file": upload_file(content, name),
            },
        )

    def uploaded(self, content: bytes, **kwargs) -> ImportRun:
        """Upload, check the redirection to the run's page, and run the preview."""
        response = self.upload(content, **kwargs)
        run = ImportRun.objects.latest("pk")
        self.assertRedirects(response, f"/nhap-du-lieu/{run.pk}/")
        run_worker()
        run.refresh_from_db()
        return run

    def progress(self, run: ImportRun):
        return self.client.get(f"/nhap-du-lieu/{run.pk}/tien-do/", HTTP_HX_REQUEST="true")


class UploadPreviewCommitTests(ImportPagesTestCase):
    def test_upload_preview_problems_then_fix_and_commit(self):
        self.client.force_login(self.u.grassroots)
        index = self.client.get("/nhap-du-lieu/")
        self.assertContains(index, "Tải lên và kiểm tra")
        self.assertEqual(
            set(index.context["form"].fields["organisation"].queryset),
            {self.o.A, self.o.A1, self.o.A2, self.o.AP, self.o.AP1},
        )
        self.assertEqual(index.context["form"]["organisation"].value(), self.o.A.pk)

        # Upload: the file is kept with a new run and its preview is queued.
        content = workbook_bytes(HEADERS, [GOOD[0], BAD_CELL, BAD_NAME])
        response = self.upload(content)
        run = ImportRun.objects.get()
        self.assertRedirects(response, f"/nhap-du-lieu/{run.pk}/", fetch_redirect_response=False)
        self.assertEqual(
            (run.status, run.kind, run.organisation, run.created_by, run.file_name),
            (Status.QUEUED, "ho-so", self.o.A, self.u.grassroots, "danh-sach.xlsx"),
        )
        self.assertEqual(Path(run.file.path).read_bytes(), content)
        self.assertEqual(DBTaskResult.objects.get().id.hex, run.task_id.replace("-", ""))
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Đã tải tệp lên: đang kiểm tra.")
        self.assertContains(page, "Đang chờ xử lý")
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertNotContains(page, "Kết quả kiểm tra")
        busy = self.progress(run)
        self.assertContains(busy, 'hx-trigger="every 1s"')
        self.assertContains(busy, f'hx-get="/nhap-du-lieu/{run.pk}/tien-do/"')
        self.assertNotIn("HX-Refresh", busy)

        # The worker previews it: counts and each failing row's problems, nothing written.
        run_worker()
        run.refresh_from_db()
        self.assertEqual((run.status, run.creates, run.failures), (Status.PREVIEWED, 1, 2))
        self.assertFalse(Person.objects.filter(full_name="Nguyễn Văn Tốt").exists())
        done = self.progress(run)
        self.assertEqual(done["HX-Refresh"], "true")
        self.assertNotContains(done, "hx-trigger")
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Đã kiểm tra, chờ xác nhận")
        self.assertContains(page, "Kết quả kiểm tra (chưa ghi gì)")
        self.assertEqual(
            [(p.row, p.column, p.name) for p in page.context["problems"].object_list],
            [(3, "Chi bộ", "Trần Văn Sai"), (4, "Họ và tên", FORMULA_NAME)],
        )
        self.assertContains(
            page, "<td>3</td><td>Chi bộ</td><td>Trần Văn Sai</td>"
            "<td>Không có chi bộ “Chi bộ không tồn tại” trong Đảng bộ xã Hòa An.</td>",
            html=True,
        )  # fmt: skip
        self.assertContains(page, "có chữ số hoặc ký tự không phải chữ")
        self.assertContains(page, "Sửa các dòng lỗi trong tệp")
        self.assertNotContains(page, "Xác nhận nhập")
        self.assertContains(page, f"/nhap-du-lieu/{run.pk}/loi.xlsx")
        counts = dict(
            zip(("Tạo mới", "Cập nhật", "Không thay đổi", "Dòng lỗi"), (1, 0, 0, 2), strict=True)
        )
        for label, count in counts.items():
            self.assertContains(page, f'<th scope="row">{label}</th><td class="text-end">{count}</td>', html=True)  # fmt: skip

        # The problems as a workbook: a name that Excel would run as a formula stays text.
        response = self.client.get(f"/nhap-du-lieu/{run.pk}/loi.xlsx")
        self.assertEqual(response["Content-Type"], XLSX_MIME)
        self.assertIn(f'filename="loi-nhap-{run.pk}.xlsx"', response["Content-Disposition"])
        content = b"".join(response.streaming_content)
        workbook = load_workbook(io.BytesIO(content))
        sheet = workbook.worksheets[0]
        self.assertEqual(sheet.title, "Lỗi")
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "Các dòng không nhập được")
        self.assertIn("Tệp: danh-sach.xlsx", [r[0] for r in rows])
        header = rows.index(("Dòng", "Cột", "Họ và tên", "Lý do"))
        data = rows[header + 1 :]
        self.assertEqual([r[:3] for r in data],
                         [(3, "Chi bộ", "Trần Văn Sai"), (4, "Họ và tên", "'" + FORMULA_NAME)])  # fmt: skip
        self.assertTrue(data[0][3].startswith("Không có chi bộ"))
        formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
        self.assertEqual(formulas, [])

        # Confirming is refused while a row fails.
        response = self.client.post(f"/nhap-du-lieu/{run.pk}/xac-nhan/", follow=True)
        self.assertContains(response, "Lần nhập này không thể xác nhận")
        run.refresh_from_db()
        self.assertEqual(run.status, Status.PREVIEWED)
        self.assertEqual(DBTaskResult.objects.count(), 1)

        # The file fixed and uploaded again: nothing fails, "Xác nhận nhập" is offered.
        fixed = self.uploaded(workbook_bytes(HEADERS, GOOD))
        self.assertEqual(
            (fixed.status, fixed.creates, fixed.updates, fixed.failures),
            (Status.PREVIEWED, 2, 0, 0),
        )
        page = self.client.get(f"/nhap-du-lieu/{fixed.pk}/")
        self.assertContains(page, "Xác nhận nhập: tạo 2, cập nhật 0")
        self.assertNotContains(page, "Các dòng lỗi")
        response = self.client.post(f"/nhap-du-lieu/{fixed.pk}/xac-nhan/")
        self.assertRedirects(response, f"/nhap-du-lieu/{fixed.pk}/", fetch_redirect_response=False)
        fixed.refresh_from_db()
        self.assertEqual(fixed.status, Status.COMMITTING)
        page = self.client.get(f"/nhap-du-lieu/{fixed.pk}/")
        self.assertContains(page, "Đang ghi dữ liệu vào ptdv.")
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertNotContains(page, "Xác nhận nhập:")
        self.assertNotIn("HX-Refresh", self.progress(fixed))
        # A second confirmation (a double click) queues nothing more.
        self.client.post(f"/nhap-du-lieu/{fixed.pk}/xac-nhan/")
        self.assertEqual(DBTaskResult.objects.count(), 3)

        run_worker()
        fixed.refresh_from_db()
        self.assertEqual(fixed.status, Status.COMMITTED, fixed.message)
        self.assertEqual(self.progress(fixed)["HX-Refresh"], "true")
        page = self.client.get(f"/nhap-du-lieu/{fixed.pk}/")
        self.assertContains(page, "Đã nhập")
        self.assertContains(page, "Kết quả đã ghi")
        self.assertNotContains(page, "Hủy lần nhập")
        tot = Person.objects.get(full_name="Nguyễn Văn Tốt")
        self.assertEqual((tot.cell, tot.birth_date), (self.o.A1, date(1999, 4, 3)))
        stages = dict(
            Candidacy.objects.filter(person__cell=self.o.A1).values_list(
                "person__full_name", "stage"
            )
        )
        self.assertEqual(stages["Nguyễn Văn Tốt"], Stage.SOURCE)
        self.assertEqual(stages["Lê Thị Hoa"], Stage.SYMPATHISER)
        # The people are found by the site's search.
        found = self.client.post("/tim-kiem/", {"q": "nguyen van tot"}, follow=True)
        self.assertContains(found, "Nguyễn Văn Tốt")
        # The list of runs, newest first.
        index = self.client.get("/nhap-du-lieu/")
        self.assertEqual(list(index.context["page"].object_list), [fixed, run])
        self.assertContains(index, "Đã nhập")

        # The first run, cancelled: its file is deleted.
        path = Path(run.file.path)
        self.assertTrue(path.exists())
        response = self.client.post(f"/nhap-du-lieu/{run.pk}/huy/", follow=True)
        self.assertContains(response, "Đã hủy lần nhập; tệp đã được xóa.")
        run.refresh_from_db()
        self.assertEqual((run.status, run.file.name), (Status.CANCELLED, ""))
        self.assertFalse(path.exists())
        self.assertNotContains(response, "Hủy lần nhập</button>")
        # A committed run cannot be cancelled.
        response = self.client.post(f"/nhap-du-lieu/{fixed.pk}/huy/", follow=True)
        self.assertContains(response, "Không hủy được")
        fixed.refresh_from_db()
        self.assertEqual(fixed.status, Status.COMMITTED)

    def test_csv_upload(self):
        self.client.force_login(self.u.cell)
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows([PERSON_HEADERS[:-1], GOOD[0][:6]])
        content = out.getvalue().encode("utf-8-sig")
        run = self.uploaded(content, name="ds.csv", kind="nguoi", organisation=self.o.A1)
        self.assertEqual((run.status, run.creates, run.failures), (Status.PREVIEWED, 1, 0))

    def test_a_run_queued_can_be_cancelled_and_its_preview_then_does_nothing(self):
        self.client.force_login(self.u.grassroots)
        self.upload(workbook_bytes(HEADERS, GOOD))
        run = ImportRun.objects.get()
        self.client.post(f"/nhap-du-lieu/{run.pk}/huy/")
        run_worker()
        run.refresh_from_db()
        self.assertEqual((run.status, run.creates), (Status.CANCELLED, 0))
        self.assertEqual(DBTaskResult.objects.get().return_value, "skipped")

    def test_nothing_to_write_cannot_be_confirmed(self):
        self.client.force_login(self.u.grassroots)
        person = self.p.member_A2
        rows = [[person.full_name, person.birth_date, "Nam", "", "12/12", "Nghỉ hưu", "Chi bộ thôn Tây"]]  # fmt: skip
        Person.objects.filter(pk=person.pk).update(
            general_education="upper_secondary", sector="retired"
        )
        run = self.uploaded(xlsx_bytes(PERSON_HEADERS, rows), kind="nguoi")
        self.assertEqual((run.unchanged, run.creates, run.updates, run.failures), (1, 0, 0, 0))
        self.assertNotContains(self.client.get(f"/nhap-du-lieu/{run.pk}/"), "Xác nhận nhập")
        response = self.client.post(f"/nhap-du-lieu/{run.pk}/xac-nhan/", follow=True)
        self.assertContains(response, "Lần nhập này không thể xác nhận")
        run.refresh_from_db()
        self.assertEqual(run.status, Status.PREVIEWED)

    def test_a_run_whose_worker_died_is_failed_when_its_page_is_viewed(self):
        from datetime import timedelta

        from django.utils import timezone

        from ptdv.imports import liveness

        self.client.force_login(self.u.grassroots)
        self.upload(workbook_bytes(HEADERS, GOOD))
        run = ImportRun.objects.get()
        task = DBTaskResult.objects.get()
        task.claim("worker-1")
        claimed = liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING, str(task.id))
        claimed.heartbeat_path.write_text("")
        # Alive (a fresh heartbeat): busy, not cancellable.
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Đang kiểm tra")
        self.assertNotContains(page, "Việc xử lý đã dừng giữa chừng")
        self.assertNotContains(page, "Hủy lần nhập")
        self.client.post(f"/nhap-du-lieu/{run.pk}/huy/")
        run.refresh_from_db()
        self.assertEqual(run.status, Status.PREVIEWING)
        # No sign of life for longer than PTDV_IMPORT_STALE_SECONDS: the worker is gone.
        later = timezone.now() + timedelta(minutes=5)
        with mock.patch.object(timezone, "now", return_value=later):
            progress = self.progress(run)
        self.assertEqual(progress["HX-Refresh"], "true")
        run.refresh_from_db()
        self.assertEqual((run.status, run.claim), (Status.FAILED, ""))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskResultStatus.FAILED)
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Không nhập được")
        self.assertContains(
            page, "Tiến trình nền (ptdv worker) đã dừng giữa chừng khi đang kiểm tra tệp"
        )
        self.client.post(f"/nhap-du-lieu/{run.pk}/huy/")
        run.refresh_from_db()
        self.assertEqual(run.status, Status.CANCELLED)
        self.assertFalse(run.file)

    def test_a_confirmed_run_waits_for_the_worker_and_says_so(self):
        self.client.force_login(self.u.grassroots)
        run = self.uploaded(workbook_bytes(HEADERS, GOOD))
        self.client.post(f"/nhap-du-lieu/{run.pk}/xac-nhan/")
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Đang chờ tiến trình xử lý nền (ptdv worker) để ghi.")
        run_worker()
        run.refresh_from_db()
        self.assertEqual(run.status, Status.COMMITTED)

    def test_a_committed_run_keeps_no_file(self):
        self.client.force_login(self.u.grassroots)
        run = self.uploaded(workbook_bytes(HEADERS, GOOD))
        path = run.file.path
        self.client.post(f"/nhap-du-lieu/{run.pk}/xac-nhan/")
        run_worker()
        run.refresh_from_db()
        self.assertEqual(run.status, Status.COMMITTED)
        self.assertFalse(run.file)
        self.assertFalse(os.path.exists(path))


class BadFileTests(ImportPagesTestCase):
    def setUp(self):
        self.client.force_login(self.u.grassroots)

    def test_a_text_file_is_refused_by_the_form(self):
        response = self.upload(b"Ho va ten\nAi do\n", name="danh-sach.txt")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["file"],
            ["Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."],
        )
        self.assertContains(response, "Vui lòng sửa các ô có lỗi bên dưới.")
        self.assertFalse(ImportRun.objects.exists())

    def test_an_empty_file_is_refused_by_the_form(self):
        response = self.upload(b"", name="trong.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("file", response.context["form"].errors)
        self.assertFalse(ImportRun.objects.exists())

    def refused(self, content: bytes, name: str = "danh-sach.xlsx", **kwargs) -> list[str]:
        """The form's errors on the file; nothing is stored, no task queued."""
        stored = set(Path(settings.MEDIA_ROOT).rglob("*"))
        response = self.upload(content, name=name, **kwargs)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ImportRun.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())
        self.assertEqual(set(Path(settings.MEDIA_ROOT).rglob("*")), stored)
        return response.context["form"].errors["file"]

    def test_a_corrupt_workbook_is_refused_by_the_form(self):
        errors = self.refused(b"PK\x03\x04 not really a workbook", name="hong.xlsx")
        self.assertEqual(errors, ["Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."])

    def test_a_workbook_past_a_cap_is_refused_at_upload(self):
        from tests.imports.test_reading import people_rows, raw_xlsx

        # 5,000,000 shared strings in 208 kB: refused from what the table declares.
        strings = ["<si><t>a</t></si>" * 100_000] * 50
        bomb = raw_xlsx(people_rows(2), strings=strings, declared_strings=5_000_000)
        self.assertEqual(
            self.refused(bomb),
            ["Tệp Excel khai báo 5.000.000 chuỗi văn bản dùng chung, quá giới hạn 500.000: hãy "
             "chia thành nhiều tệp (hoặc lưu dạng CSV)."],
        )  # fmt: skip
        # A sheet that declares a million rows.
        huge = raw_xlsx(people_rows(2), dimension="A1:G1000000")
        self.assertEqual(
            self.refused(huge, kind="nguoi"),
            ["Trang tính khai báo 1.000.000 dòng, quá giới hạn 100.000 dòng dữ liệu mỗi tệp: hãy "
             "xóa các dòng trống thừa ở cuối trang tính hoặc chia thành nhiều tệp."],
        )  # fmt: skip

    @override_settings(PTDV_IMPORT_MAX_ROWS=3, PTDV_IMPORT_MAX_UPLOAD_BYTES=2 * 1024 * 1024)
    def test_a_csv_past_a_cap_is_refused_at_upload(self):
        content = (",".join(PERSON_HEADERS) + "\nAi Đó,01/01/1990" * 14).encode()
        self.assertEqual(
            self.refused(content, name="ds.csv", kind="nguoi"),
            ["Tệp có quá 3 dòng dữ liệu (giới hạn 3 dòng mỗi tệp): hãy chia thành nhiều tệp."],
        )
        self.assertEqual(
            self.refused(b"x" * (2 * 1024 * 1024 + 1), name="ds.csv"),
            ["Tệp lớn quá 2 MB: hãy chia thành nhiều tệp."],
        )

    def test_a_comma_csv_with_semicolons_in_quoted_text(self):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*PERSON_HEADERS, "Nghề nghiệp, chức vụ"])
        for name in ("Nguyễn Văn Tốt", "Lê Văn Hòa"):
            writer.writerow([name, "03/04/1999", "Nam", "", "12/12", "Nghỉ hưu",
                             "Chi bộ thôn Đông", 'Ghi chú: "A"; "B"'])  # fmt: skip
        run = self.uploaded(out.getvalue().encode("utf-8-sig"), name="ds.csv", kind="nguoi")
        self.assertEqual((run.status, run.creates, run.failures), (Status.PREVIEWED, 2, 0))

    def test_a_workbook_without_the_columns_fails_with_a_message(self):
        run = self.uploaded(xlsx_bytes(["Cột A", "Cột B"], [["x", "y"]]), kind="nguoi")
        self.assertEqual(run.status, Status.FAILED)
        page = self.client.get(f"/nhap-du-lieu/{run.pk}/")
        self.assertContains(page, "Dòng tiêu đề (dòng 1) thiếu cột bắt buộc: Họ và tên, Ngày sinh")
        self.assertNotContains(page, "Kết quả kiểm tra")  # no row was read: no counts


class AccessTests(ImportPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from tests.imports.helpers import make_run

        content = workbook_bytes(HEADERS, [GOOD[0], BAD_CELL])
        cls.failing = make_run(cls.u.grassroots, cls.o.A, "ho-so", content)
        cls.good = make_run(cls.u.grassroots, cls.o.A, "ho-so", workbook_bytes(HEADERS, GOOD))

    def setUp(self):
        from ptdv.imports import running

        for run in (self.failing, self.good):
            running.preview(run)
            run.refresh_from_db()

    def test_the_viewer_reads_but_does_not_write(self):
        self.client.force_login(self.u.viewer)
        index = self.client.get("/nhap-du-lieu/")
        self.assertEqual(index.status_code, 200)
        self.assertIsNone(index.context["form"])
        self.assertNotContains(index, "Tải lên và kiểm tra")
        self.assertEqual(set(index.context["page"].object_list), {self.failing, self.good})
        page = self.client.get(f"/nhap-du-lieu/{self.good.pk}/")
        self.assertContains(page, "Kết quả kiểm tra")
        self.assertNotContains(page, "Xác nhận nhập")
        self.assertNotContains(page, "Hủy lần nhập")
        self.assertEqual(
            self.client.get(f"/nhap-du-lieu/{self.failing.pk}/loi.xlsx").status_code, 200
        )
        response = self.client.post(
            "/nhap-du-lieu/",
            {"kind": "ho-so", "organisation": self.o.A.pk,
             "file": upload_file(workbook_bytes(HEADERS, GOOD))},
        )  # fmt: skip
        self.assertEqual(response.status_code, 403)
        self.assertEqual(ImportRun.objects.count(), 2)
        for action in ("xac-nhan", "huy"):
            response = self.client.post(f"/nhap-du-lieu/{self.good.pk}/{action}/")
            self.assertEqual(response.status_code, 403, action)
        self.good.refresh_from_db()
        self.assertEqual(self.good.status, Status.PREVIEWED)
        self.assertFalse(DBTaskResult.objects.exists())

    def test_an_outsider_sees_nothing_of_another_subtree(self):
        self.client.force_login(self.u.outsider)
        index = self.client.get("/nhap-du-lieu/")
        self.assertEqual(list(index.context["page"].object_list), [])
        self.assertNotContains(index, "danh-sach.xlsx")
        for suffix in ("", "tien-do/", "loi.xlsx"):
            url = f"/nhap-du-lieu/{self.failing.pk}/{suffix}"
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for action in ("xac-nhan", "huy"):
            url = f"/nhap-du-lieu/{self.good.pk}/{action}/"
            self.assertEqual(self.client.post(url).status_code, 404, url)
        self.good.refresh_from_db()
        self.assertEqual(self.good.status, Status.PREVIEWED)

    def test_an_outsider_cannot_import_into_another_subtree(self):
        self.client.force_login(self.u.outsider)
        form = self.client.get("/nhap-du-lieu/").context["form"]
        self.assertEqual(set(form.fields["organisation"].queryset), {self.o.E, self.o.X, self.o.X1})
        response = self.upload(workbook_bytes(HEADERS, GOOD), organisation=self.o.A)
        self.assertEqual(response.status_code, 200)
        self.assertIn("organisation", response.context["form"].errors)
        self.assertEqual(ImportRun.objects.count(), 2)

    def test_anonymous_is_sent_to_the_login_page(self):
        for url in ("/nhap-du-lieu/", f"/nhap-du-lieu/{self.failing.pk}/",
                    "/nhap-du-lieu/mau/nguoi.csv"):  # fmt: skip
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith("/tai-khoan/dang-nhap/"), url)


class TemplateTests(ImportPagesTestCase):
    def template(self, kind: str, extension: str, organisation=None):
        query = f"?to_chuc={organisation.pk}" if organisation else ""
        return self.client.get(f"/nhap-du-lieu/mau/{kind}.{extension}{query}")

    def test_the_index_offers_the_templates_of_the_users_organisation(self):
        self.client.force_login(self.u.grassroots)
        index = self.client.get("/nhap-du-lieu/")
        for kind in KINDS:
            for extension in ("xlsx", "csv"):
                self.assertContains(
                    index, f'href="/nhap-du-lieu/mau/{kind}.{extension}?to_chuc={self.o.A.pk}"'
                )

    def test_csv_templates_start_with_a_bom_and_import_without_failures(self):
        self.client.force_login(self.u.cell)
        for kind, spec in KINDS.items():
            with self.subTest(kind=kind):
                response = self.template(kind, "csv", self.o.A1)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
                self.assertEqual(
                    response["Content-Disposition"], f'attachment; filename="mau-nhap-{kind}.csv"'
                )
                self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
                header, example = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
                self.assertEqual(header, [template.header(c) for c in spec.columns])
                self.assertEqual(example[header.index("Chi bộ *")], "Chi bộ thôn Đông")
                run = self.uploaded(
                    response.content, name=f"mau-{kind}.csv", kind=kind, organisation=self.o.A1
                )
                problems = list(
                    ImportProblem.objects.filter(run=run).values_list("column", "message")
                )
                self.assertEqual((run.status, run.creates, run.failures), (Status.PREVIEWED, 1, 0), (run.message, problems))  # fmt: skip
                self.assertEqual(run.ignored_columns, [])

    def check_xlsx_template(self, kind: str) -> None:
        """The .xlsx template for a cell: its sheets, its headers, and its example row, copied
        into the data sheet, imports without a failure."""
        response = self.template(kind, "xlsx", self.o.A1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], XLSX_MIME)
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="mau-nhap-{kind}.xlsx"'
        )
        workbook = load_workbook(io.BytesIO(response.content))
        self.assertEqual(workbook.sheetnames, ["Dữ liệu", "Ví dụ", "Hướng dẫn", "Danh mục"])
        headers = [template.header(c) for c in KINDS[kind].columns]
        data, example = workbook["Dữ liệu"], workbook["Ví dụ"]
        self.assertEqual([c.value for c in data[1]], headers)
        self.assertEqual([c.value for c in example[1]], headers)
        guide = [r[0] for r in workbook["Hướng dẫn"].iter_rows(min_row=6, values_only=True)]
        self.assertEqual(guide, [c.header for c in KINDS[kind].columns])
        lists = {v for r in workbook["Danh mục"].iter_rows(values_only=True) for v in r if v}
        self.assertIn("Chi bộ thôn Đông", lists)
        for cell in example[2]:
            data.cell(row=2, column=cell.column, value=cell.value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        run = self.uploaded(
            buffer.getvalue(), name=f"mau-{kind}.xlsx", kind=kind, organisation=self.o.A1
        )
        problems = list(ImportProblem.objects.filter(run=run).values_list("column", "message"))
        self.assertEqual(
            (run.status, run.creates, run.failures),
            (Status.PREVIEWED, 1, 0),
            (run.message, problems),
        )

    def test_xlsx_template_of_people(self):
        self.client.force_login(self.u.cell)
        self.check_xlsx_template("nguoi")

    def test_xlsx_template_of_members(self):
        self.client.force_login(self.u.cell)
        self.check_xlsx_template("dang-vien")

    def test_xlsx_template_of_candidacies(self):
        self.client.force_login(self.u.cell)
        self.check_xlsx_template("ho-so")

    def test_xlsx_template_of_the_users_own_organisation(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/nhap-du-lieu/mau/nguoi.xlsx")
        self.assertEqual(response.status_code, 200)
        lists = load_workbook(io.BytesIO(response.content))["Danh mục"]
        values = {c for row in lists.iter_rows(values_only=True) for c in row if c}
        self.assertTrue({"Chi bộ thôn Đông", "Chi bộ thôn Tây", "Chi bộ Trường tiểu học"} <= values)

    def test_templates_outside_the_subtree_or_unknown_are_404(self):
        self.client.force_login(self.u.grassroots)
        for url in (
            f"/nhap-du-lieu/mau/nguoi.csv?to_chuc={self.o.X.pk}",
            f"/nhap-du-lieu/mau/nguoi.xlsx?to_chuc={self.o.D.pk}",
            "/nhap-du-lieu/mau/nguoi.csv?to_chuc=987654321",
            "/nhap-du-lieu/mau/nguoi.csv?to_chuc=abc",
            "/nhap-du-lieu/mau/nguoi.csv?to_chuc=%C2%B2",
            "/nhap-du-lieu/mau/khac.csv",
            "/nhap-du-lieu/mau/nguoi.pdf",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        # Inside the subtree, and without a choice (the user's own organisation).
        self.assertEqual(self.template("nguoi", "csv", self.o.A2).status_code, 200)
        own = self.client.get("/nhap-du-lieu/mau/ho-so.csv")
        self.assertEqual(own.status_code, 200)
        example = list(csv.reader(io.StringIO(own.content.decode("utf-8-sig"))))[1]
        self.assertIn("Chi bộ thôn Đông", example)
