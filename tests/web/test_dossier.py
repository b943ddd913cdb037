"""The dossier's PDF made in the background (ptdv/dossier/jobs.py): asked for, its progress, done,
downloaded once by the user who asked, 404 for anyone else; made by the page itself when no
worker runs; the link to the forms on a finished file's page.

LibreOffice is not needed: the conversion is replaced by a fixed PDF (tests/dossier/test_print.py
converts for real).
"""

from __future__ import annotations

import shutil
import tempfile
from unittest import mock

from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ptdv.dossier import jobs
from ptdv.dossier.render import ConversionFailed
from ptdv.privacy.models import AccessEntry, AccessKind
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, advance, introducers_for, new_candidacy

FAKE_PDF = b"%PDF-1.7\n% a dossier\n%%EOF\n"
MEDIA = tempfile.mkdtemp(prefix="ptdv-dossier-pdf-tests-")


def run_worker(failed=()) -> None:
    """Run the queued tasks with django-tasks' database worker in batch mode (``ptdv worker``
    without its signal handlers); every task but those ``failed`` must succeed. Its
    ``close_old_connections`` would close the test's own connection: off here."""
    worker = db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-web-dossier",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    unexpected = DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exclude(
        pk__in=failed
    )
    assert not unexpected.exists(), [(r.task_path, r.status) for r in unexpected]


def fake_convert(document: bytes, target: str = "pdf", **kwargs) -> bytes:
    assert document.startswith(b"PK") and target == "pdf"
    return FAKE_PDF


@override_settings(MEDIA_ROOT=MEDIA, PTDV_DOSSIER_PDF_WORKER_GRACE=3600)
@mock.patch("ptdv.dossier.jobs.convert", fake_convert)
@mock.patch("ptdv.web.views.dossier.soffice", lambda: "/usr/bin/soffice")
class BackgroundPdfTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.c = new_candidacy(cls.world, "Nguyễn Văn An", cls.o.A1)
        cls.c = advance(cls.c, Stage.ADMISSION_DECIDED, introducers_for(cls.world, cls.o.A1))

    def setUp(self):
        super().setUp()
        shutil.rmtree(MEDIA, ignore_errors=True)
        self.base = f"/ho-so/{self.c.pk}/bieu-mau/ho-so-pdf/"
        self.client.force_login(self.u.cell)

    def progress(self, **headers):
        return self.client.get(self.base + "tien-do/", headers=headers)

    def ask(self):
        response = self.client.post(self.base)
        self.assertRedirects(response, self.base, fetch_redirect_response=False)
        return DBTaskResult.objects.get(task_path=jobs.TASK_PATH)

    def ask_again(self):
        self.assertEqual(self.client.post(self.base).status_code, 302)

    def test_asked_progress_done_downloaded_once(self):
        listing = self.client.get(f"/ho-so/{self.c.pk}/bieu-mau/")
        self.assertContains(listing, f'action="{self.base}"')
        record = self.ask()
        self.assertEqual(record.status, TaskResultStatus.READY)
        self.assertEqual(record.args_kwargs["args"], [self.c.pk, self.u.cell.pk])
        page = self.client.get(self.base)
        self.assertContains(page, "Đang chờ tạo PDF")
        self.assertContains(page, f'hx-get="{self.base}tien-do/"')
        self.assertContains(page, '<meta http-equiv="refresh" content="2">')  # without JavaScript
        # Asking again while it is under way keeps the same job.
        self.client.post(self.base)
        self.assertEqual(DBTaskResult.objects.count(), 1)

        # Mid-way, as the worker writes it.
        jobs.write_progress(str(record.pk), 3, 6, "Đang điền mẫu 6-KNĐ")
        DBTaskResult.objects.filter(pk=record.pk).update(status=TaskResultStatus.RUNNING)
        fragment = self.progress(HX_Request="true")
        self.assertContains(fragment, "Đang tạo PDF")
        self.assertContains(fragment, "Đang điền mẫu 6-KNĐ")
        self.assertContains(fragment, 'aria-valuenow="50"')
        self.assertNotIn("HX-Redirect", fragment)
        DBTaskResult.objects.filter(pk=record.pk).update(status=TaskResultStatus.READY)

        run_worker()  # django-tasks' database worker, as `ptdv worker` runs it
        record.refresh_from_db()
        self.assertEqual(record.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(record.return_value["bytes"], len(FAKE_PDF))
        self.assertEqual(record.return_value["forms"], 9)  # two letters of introduction

        fragment = self.progress(HX_Request="true")
        self.assertEqual(fragment["HX-Redirect"], self.base + "tai-ve/")
        self.assertContains(self.client.get(self.base), "Tải tệp PDF")

        before = AccessEntry.objects.count()
        download = self.client.get(self.base + "tai-ve/")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Content-Type"], "application/pdf")
        self.assertIn('filename="ho-so-nguyen-van-an.pdf"', download["Content-Disposition"])
        self.assertEqual(download.content, FAKE_PDF)
        entry = AccessEntry.objects.latest("pk")
        self.assertEqual(AccessEntry.objects.count(), before + 1)
        self.assertEqual((entry.kind, entry.candidacy_id), (AccessKind.DOSSIER_PDF, self.c.pk))

        # Once: the file is gone, the page says so and offers a new one.
        self.assertEqual(self.client.get(self.base + "tai-ve/").status_code, 404)
        self.assertFalse(jobs.pdf_path(str(record.pk)).exists())
        page = self.client.get(self.base)
        self.assertContains(page, "đã được tải về")
        self.assertContains(page, "Tạo PDF cả hồ sơ")

    def test_another_user_gets_404(self):
        record = self.ask()
        run_worker()
        self.assertTrue(jobs.pdf_path(str(record.pk)).is_file())
        # Another user who may print this dossier: not their job.
        self.client.force_login(self.u.grassroots)
        self.assertEqual(self.client.get(self.base + "tai-ve/").status_code, 404)
        self.assertContains(self.client.get(self.base), "Chưa có tệp PDF nào đang được tạo")
        self.assertNotIn("HX-Redirect", self.progress(HX_Request="true"))
        # Outside the subtree: nothing of it.
        self.client.force_login(self.u.outsider)
        for tail in ("", "tien-do/", "tai-ve/"):
            with self.subTest(tail=tail):
                self.assertEqual(self.client.get(self.base + tail).status_code, 404)
        self.assertEqual(self.client.post(self.base).status_code, 404)
        # A role that may not print the forms: 403, as for the .zip.
        self.client.force_login(self.u.viewer)
        self.assertEqual(self.client.get(self.base + "tai-ve/").status_code, 403)
        self.assertEqual(self.client.post(self.base).status_code, 403)
        # The file is still there for the user who asked.
        self.client.force_login(self.u.cell)
        self.assertEqual(self.client.get(self.base + "tai-ve/").content, FAKE_PDF)

    @override_settings(PTDV_DOSSIER_PDF_WORKER_GRACE=0)
    def test_without_a_worker_the_page_makes_it(self):
        record = self.ask()
        fragment = self.progress(HX_Request="true")  # no worker took it: made in this request
        self.assertEqual(fragment["HX-Redirect"], self.base + "tai-ve/")
        record.refresh_from_db()
        self.assertEqual(record.status, TaskResultStatus.SUCCESSFUL)
        self.assertTrue(record.worker_ids[0].endswith(":web"))
        run_worker()  # a worker started later finds nothing to do
        self.assertEqual(self.client.get(self.base + "tai-ve/").content, FAKE_PDF)
        # Without JavaScript either: the page, refreshing itself, makes it.
        self.ask_again()
        self.assertContains(self.client.get(self.base), "Tải tệp PDF")
        self.assertEqual(self.client.get(self.base + "tai-ve/").content, FAKE_PDF)

    def test_a_failed_conversion_says_so(self):
        failing = mock.Mock(side_effect=ConversionFailed("timeout"))
        with mock.patch("ptdv.dossier.jobs.convert", failing):
            record = self.ask()
            run_worker(failed=[record.pk])
        record.refresh_from_db()
        self.assertEqual(record.status, TaskResultStatus.FAILED)
        response = self.progress(HX_Request="true")
        self.assertEqual(response["HX-Refresh"], "true")
        page = self.client.get(self.base)
        self.assertContains(page, "LibreOffice chưa xuất được PDF")
        self.assertContains(page, "Tạo PDF cả hồ sơ")
        self.assertEqual(self.client.get(self.base + "tai-ve/").status_code, 404)

    def test_open_jobs_are_bounded(self):
        others = [
            new_candidacy(self.world, f"Người Thứ {i}", self.o.A1)
            for i in range(jobs.OPEN_PER_USER)
        ]
        for other in others:
            self.client.post(f"/ho-so/{other.pk}/bieu-mau/ho-so-pdf/")
        self.assertEqual(DBTaskResult.objects.count(), jobs.OPEN_PER_USER)
        response = self.client.post(self.base, follow=True)
        self.assertContains(response, "hãy chờ các tệp đó xong rồi tạo thêm")
        self.assertEqual(DBTaskResult.objects.count(), jobs.OPEN_PER_USER)

    def test_files_not_downloaded_are_deleted(self):
        record = self.ask()
        run_worker()
        path = jobs.pdf_path(str(record.pk))
        self.assertEqual(jobs.sweep(now=path.stat().st_mtime + jobs.KEEP_SECONDS - 1), 0)
        self.assertEqual(jobs.sweep(now=path.stat().st_mtime + jobs.KEEP_SECONDS + 1), 2)
        self.assertFalse(path.exists())
        self.assertEqual(self.client.get(self.base + "tai-ve/").status_code, 404)


class FinishedFileLinkTests(WorldTestCase):
    def test_a_finished_file_keeps_its_forms_link(self):
        c = new_candidacy(self.world, "Nguyễn Văn Xong", self.o.A1)
        c = advance(c, Stage.CARD_ISSUED, introducers_for(self.world, self.o.A1))
        self.assertTrue(c.is_closed)
        self.client.force_login(self.u.cell)
        page = self.client.get(f"/ho-so/{c.pk}/")
        self.assertContains(page, f'href="/ho-so/{c.pk}/bieu-mau/"')
        self.assertContains(page, "Biểu mẫu hồ sơ")
