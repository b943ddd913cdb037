"""What an import leaves behind is deleted once nobody works on the run (``prune_imports``)."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from ptdv.imports.models import ImportProblem, ImportRun, ImportWarning, Status
from ptdv.imports.pruning import prune
from tests.base import build_world

from .helpers import make_run


@override_settings(
    MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-prune-tests-"), PTDV_IMPORT_KEEP_DAYS=30
)
class PruneTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()

    def run_in(self, status: Status, days_ago: int) -> ImportRun:
        run = make_run(self.world.users.grassroots, self.world.org.A, "nguoi",
                       b"Ho va ten,Ngay sinh\nLo Van A,01/01/1990\n", name="a.csv")  # fmt: skip
        ImportProblem.objects.create(run=run, row=2, name="Lò Văn A", message="Thiếu giới tính.")
        ImportWarning.objects.create(run=run, row=2, name="Lò Văn A", message="Có thể trùng.")
        ImportRun.objects.filter(pk=run.pk).update(
            status=status, updated_at=timezone.now() - timedelta(days=days_ago)
        )
        run.refresh_from_db()
        return run

    def test_old_runs_lose_their_file_problems_and_warnings_recent_and_busy_ones_keep_them(self):
        old_failed = self.run_in(Status.FAILED, 31)
        old_previewed = self.run_in(Status.PREVIEWED, 40)
        recent = self.run_in(Status.PREVIEWED, 5)
        busy = self.run_in(Status.COMMITTING, 60)
        paths = {run.pk: run.file.path for run in (old_failed, old_previewed, recent, busy)}
        out = StringIO()
        call_command("prune_imports", "--dry-run", stdout=out)
        self.assertIn("Sẽ xóa dữ liệu của 2 lần nhập: 2 tệp, 2 dòng lỗi, 2 dòng cần xem lại.",
                      out.getvalue())  # fmt: skip
        self.assertEqual(ImportProblem.objects.count(), 4)
        done = prune()
        self.assertEqual((done.runs, done.files, done.problems, done.warnings), (2, 2, 2, 2))
        for run in (old_failed, old_previewed):
            run.refresh_from_db()
            self.assertEqual(run.file.name, "")
            self.assertFalse(run.problems.exists())
            self.assertFalse(run.warnings.exists())
            self.assertIn("đã được xóa sau 30 ngày", run.message)
            self.assertFalse(os.path.exists(paths[run.pk]))
        self.assertEqual(old_previewed.status, Status.CANCELLED)  # no longer confirmable
        self.assertEqual(old_failed.status, Status.FAILED)
        for run in (recent, busy):
            run.refresh_from_db()
            self.assertTrue(run.file)
            self.assertTrue(run.problems.exists())
        self.assertEqual(prune().runs, 0)  # idempotent

    @override_settings(PTDV_IMPORT_KEEP_DAYS=0)
    def test_a_setting_of_no_day_is_refused(self):
        from django.core.management.base import CommandError

        with self.assertRaisesMessage(CommandError, "PTDV_IMPORT_KEEP_DAYS"):
            call_command("prune_imports", stdout=StringIO())
