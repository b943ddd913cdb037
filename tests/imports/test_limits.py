"""The caps of a run (rows, problems, time) held across chunks, with nothing written past them;
and the workers: one claim per run, the heartbeat, the sweep of a dead worker's run and task,
and a restarted worker taking up what was queued."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from django.db import connections
from django.test import TestCase, TransactionTestCase, override_settings, skipUnlessDBFeature
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ptdv import cli
from ptdv.imports import limits, liveness, planning, running, tasks
from ptdv.imports.models import ImportProblem, ImportRun, Status
from ptdv.people.models import Person
from tests.base import build_world
from tests.web.test_imports import run_worker

from .helpers import PERSON_HEADERS, make_run, xlsx_bytes

TODAY = date(2026, 12, 1)
FARMER = "Nông dân, lao động tự do ở nông thôn"
STALE = timedelta(seconds=limits.DEFAULTS["PTDV_IMPORT_STALE_SECONDS"] + 60)


def good(i: int) -> list:
    """A valid person, distinct for each ``i``."""
    name = f"Người Thứ {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
    birth = date(1960 + i // 676, 1 + i // 26 % 12, 1 + i % 26)
    return [name, birth.strftime("%d/%m/%Y"), "Nam", "", "12/12", FARMER, "Chi bộ thôn Đông"]


def bad(i: int) -> list:
    """A row with exactly one problem (a birth date that does not exist)."""
    return [*good(i)[:1], "30/02/1990", *good(i)[2:]]


class Killed(BaseException):
    """What the process's death looks like from inside it: nothing after it runs."""


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-import-limit-tests-"))
class LimitTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.o = cls.world.org
        cls.user = cls.world.users.grassroots

    def run_of(self, rows) -> ImportRun:
        return make_run(self.user, self.o.A, "nguoi", xlsx_bytes(PERSON_HEADERS, rows))

    def preview(self, rows) -> ImportRun:
        return running.preview(self.run_of(rows), today=TODAY)

    def commit(self, run: ImportRun) -> ImportRun:
        run.status = Status.COMMITTING
        return running.commit(run, today=TODAY)

    def assertNothingWritten(self, before: int) -> None:
        self.assertEqual(Person.objects.count(), before)
        self.assertFalse(Person.objects.filter(full_name__startswith="Người Thứ").exists())

    def problems(self, run: ImportRun) -> list[int]:
        return list(ImportProblem.objects.filter(run=run).values_list("row", flat=True))


def small_chunks(size: int = 10):
    """Chunks of ``size`` rows in the planner and the runner (the caps must hold across them)."""
    return mock.patch.multiple(planning, CHUNK=size), mock.patch.multiple(running, CHUNK=size)


class RowCapTests(LimitTestCase):
    @override_settings(PTDV_IMPORT_MAX_ROWS=30)
    def test_just_under_and_just_over(self):
        run = self.preview([good(i) for i in range(30)])
        self.assertEqual((run.status, run.creates), (Status.PREVIEWED, 30))
        before = Person.objects.count()
        run = self.preview([good(i) for i in range(31)])
        self.assertEqual(run.status, Status.FAILED)
        self.assertEqual(
            run.message,
            "Tệp có quá 30 dòng dữ liệu (giới hạn 30 dòng mỗi tệp): hãy chia thành nhiều tệp.",
        )
        self.assertEqual(self.problems(run), [])
        self.assertNothingWritten(before)

    def test_the_commit_checks_the_caps_again(self):
        run = self.preview([good(i) for i in range(31)])
        self.assertTrue(run.can_commit)
        before = Person.objects.count()
        with override_settings(PTDV_IMPORT_MAX_ROWS=30):
            run = self.commit(run)
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("Tệp có quá 30 dòng dữ liệu", run.message)
        self.assertNothingWritten(before)
        run.refresh_from_db()
        self.assertEqual((run.status, run.claim), (Status.FAILED, ""))


@override_settings(PTDV_IMPORT_MAX_PROBLEMS=25)
class ProblemCapTests(LimitTestCase):
    def test_just_under(self):
        chunks = small_chunks()
        with chunks[0], chunks[1]:
            run = self.preview([bad(i) for i in range(25)] + [good(i) for i in range(25, 40)])
        self.assertEqual((run.status, run.failures, run.creates), (Status.PREVIEWED, 25, 15))
        self.assertEqual(len(self.problems(run)), 25)

    def test_just_over_across_chunks_stops_planning(self):
        rows = [bad(i) for i in range(26)] + [good(i) for i in range(26, 2000)]
        planned = []
        real = planning.Planner._plan_chunk

        def spy(planner, chunk):
            planned.append(len(chunk))
            return real(planner, chunk)

        chunks = small_chunks()
        with chunks[0], chunks[1], mock.patch.object(planning.Planner, "_plan_chunk", spy):
            run = self.preview(rows)
        self.assertEqual(run.status, Status.FAILED)
        self.assertEqual(
            run.message,
            "Tệp có quá 25 lỗi (giới hạn 25 lỗi mỗi tệp): việc kiểm tra dừng ở dòng 27. Hãy sửa "
            "các lỗi đã liệt kê dưới đây rồi tải tệp lên lại.",
        )
        # The first 25 problems are listed, from three chunks of 10 rows; nothing further was
        # planned (the 26th problem is in the third chunk).
        self.assertEqual(self.problems(run), list(range(2, 27)))
        self.assertEqual(planned, [10, 10, 10])
        run.refresh_from_db()
        self.assertEqual((run.status, run.previewed_at, run.claim), (Status.FAILED, None, ""))

    def test_many_problems_on_one_row_count_each(self):
        # A row with two problems (birth date, cell) as the 25th and 26th problems.
        rows = [bad(i) for i in range(24)]
        rows.append([*bad(24)[:6], "Chi bộ không có"])
        run = self.preview(rows)
        self.assertEqual(run.status, Status.FAILED)
        self.assertEqual(len(self.problems(run)), 25)


class TimeCapTests(LimitTestCase):
    def test_a_preview_or_a_commit_past_its_time_stops_with_nothing_written(self):
        rows = [good(i) for i in range(30)]
        chunks = small_chunks()
        with chunks[0], chunks[1], override_settings(PTDV_IMPORT_MAX_SECONDS=0):
            run = self.preview(rows)
        self.assertEqual(run.status, Status.FAILED)
        self.assertEqual(
            run.message,
            "Việc xử lý tệp vượt quá 1 phút (giới hạn mỗi lần kiểm tra hoặc ghi), dừng ở dòng 11: "
            "không có gì được ghi. Hãy chia thành nhiều tệp nhỏ hơn.",
        )
        run = self.preview(rows)
        before = Person.objects.count()
        with chunks[0], chunks[1], override_settings(PTDV_IMPORT_MAX_SECONDS=0):
            run = self.commit(run)
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("Việc xử lý tệp vượt quá", run.message)
        self.assertNothingWritten(before)


class ClaimTests(LimitTestCase):
    def test_a_run_is_claimed_once(self):
        run = self.run_of([good(0)])
        first = liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING, "task-1")
        self.assertIsNotNone(first)
        self.assertTrue(first.claim.endswith(":task-1"), first.claim)
        self.assertIsNone(liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING, "task-2"))
        # Even expecting the state it is now in: it is someone else's.
        self.assertIsNone(liveness.claim(run.pk, Status.PREVIEWING, Status.PREVIEWING, "task-2"))
        run.refresh_from_db()
        self.assertEqual(run.claim, first.claim)

    def test_two_tasks_for_one_run_work_once(self):
        run = self.run_of([good(0), good(1)])
        first = tasks.preview_import.enqueue(run.pk)
        tasks.preview_import.enqueue(run.pk)
        ImportRun.objects.filter(pk=run.pk).update(task_id=str(first.id))
        run_worker()
        self.assertEqual(
            sorted(DBTaskResult.objects.values_list("return_value", flat=True)),
            ["previewed", "skipped"],
        )
        run.refresh_from_db()
        self.assertEqual((run.status, run.creates, run.claim), (Status.PREVIEWED, 2, ""))
        before = Person.objects.count()
        # Confirmed (as the page does), and a second commit task for the same run.
        ImportRun.objects.filter(pk=run.pk).update(status=Status.COMMITTING)
        for _ in range(2):
            tasks.commit_import.enqueue(run.pk)
        run_worker()
        results = DBTaskResult.objects.filter(task_path__endswith="commit_import")
        self.assertEqual(
            sorted(results.values_list("return_value", flat=True)), ["committed", "skipped"]
        )
        self.assertEqual(Person.objects.count(), before + 2)


@skipUnlessDBFeature("has_select_for_update")  # PostgreSQL: connections that write at once
@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-import-limit-tests-"))
class ConcurrentClaimTests(TransactionTestCase):
    def test_workers_claiming_one_run_at_the_same_moment(self):
        world = build_world()
        content = xlsx_bytes(PERSON_HEADERS, [good(0)])
        run = make_run(world.users.grassroots, world.org.A, "nguoi", content)
        for attempt in range(10):
            ImportRun.objects.filter(pk=run.pk).update(status=Status.QUEUED, claim="")
            start = threading.Barrier(4)
            won = []

            def worker(n, attempt=attempt, start=start, won=won):
                try:
                    start.wait()
                    taken = liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING, f"t{n}")
                    if taken is not None:
                        won.append(taken.claim)
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual(len(won), 1, attempt)
            self.assertEqual(ImportRun.objects.get(pk=run.pk).claim, won[0])


class HeartbeatTests(LimitTestCase):
    def test_the_heartbeat_file_is_touched_while_working_and_removed_after(self):
        run = self.run_of([good(0)])
        path = run.heartbeat_path
        self.assertEqual(path.name, Path(run.file.path).name + ".heartbeat")
        with liveness.Heartbeat(run, interval=0.02):
            self.assertTrue(path.exists())
            os.utime(path, (0, 0))
            deadline = time.monotonic() + 5
            while path.stat().st_mtime == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertGreater(path.stat().st_mtime, 0)
        self.assertFalse(path.exists())


class SweepTests(LimitTestCase):
    def confirmed(self, rows) -> tuple[ImportRun, DBTaskResult]:
        """A previewed run, confirmed: its commit task taken by a worker (RUNNING)."""
        run = self.preview(rows)
        self.assertTrue(run.can_commit)
        ImportRun.objects.filter(pk=run.pk).update(status=Status.COMMITTING)
        result = tasks.commit_import.enqueue(run.pk)
        ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        record = DBTaskResult.objects.get(pk=result.id)
        record.claim("worker-killed")
        return ImportRun.objects.get(pk=run.pk), record

    def kill_during_commit(self, record: DBTaskResult) -> None:
        """Run the commit task as the worker does; it dies after writing its first chunk."""
        real = running.Writer._write_chunk

        def write_then_die(writer, plans):
            real(writer, plans)
            raise Killed

        chunks = small_chunks()
        with (
            chunks[0],
            chunks[1],
            mock.patch.object(running.Writer, "_write_chunk", write_then_die),
            self.assertRaises(Killed),
        ):
            tasks.commit_import.call(TaskContext(task_result=record.task_result), record.args_kwargs["args"][0])  # fmt: skip

    def test_a_commit_whose_worker_died_is_marked_failed_with_its_task(self):
        before = Person.objects.count()
        run, record = self.confirmed([good(i) for i in range(25)])
        self.kill_during_commit(record)
        run.refresh_from_db()
        # As a killed worker leaves it: claimed, committing, its task running; its transaction
        # (rolled back by the database when the connection dropped) wrote nothing.
        self.assertEqual(run.status, Status.COMMITTING)
        self.assertTrue(run.claim.endswith(str(record.id)), run.claim)
        self.assertEqual(DBTaskResult.objects.get(pk=record.pk).status, TaskResultStatus.RUNNING)
        self.assertNothingWritten(before)
        heartbeat = run.heartbeat_path
        heartbeat.write_text("")  # the dead worker's last heartbeat
        # While its heartbeat is fresh, the run is left alone.
        self.assertEqual(liveness.sweep(), [])
        self.assertFalse(run.stalled)
        # Silence for longer than PTDV_IMPORT_STALE_SECONDS: dead.
        later = timezone.now() + STALE
        with mock.patch.object(timezone, "now", return_value=later):
            self.assertTrue(ImportRun.objects.get(pk=run.pk).stalled)
            self.assertEqual(liveness.sweep(), [run.pk])
        run.refresh_from_db()
        self.assertEqual((run.status, run.claim), (Status.FAILED, ""))
        self.assertEqual(
            run.message,
            "Tiến trình nền (ptdv worker) đã dừng giữa chừng khi đang ghi: giao dịch đã bị hủy, "
            "không có gì được ghi. Hãy tải tệp lên lại.",
        )
        record.refresh_from_db()
        self.assertEqual(record.status, TaskResultStatus.FAILED)
        self.assertEqual(record.exception_class_path, "ptdv.imports.liveness.WorkerLost")
        self.assertIsNotNone(record.finished_at)
        self.assertFalse(heartbeat.exists())
        self.assertNothingWritten(before)
        # The file is kept: the run may be cancelled (which deletes it) or uploaded again.
        self.assertTrue(Path(run.file.path).exists())

    def test_a_slow_worker_is_not_taken_for_dead(self):
        run, record = self.confirmed([good(0)])
        claimed = liveness.claim(run.pk, Status.COMMITTING, Status.COMMITTING, str(record.id))
        later = timezone.now() + STALE
        with liveness.Heartbeat(claimed, interval=3600):
            os.utime(claimed.heartbeat_path, (later.timestamp(), later.timestamp()))
            with mock.patch.object(timezone, "now", return_value=later):
                self.assertEqual(liveness.sweep(), [])
        claimed.refresh_from_db()
        self.assertEqual(claimed.status, Status.COMMITTING)

    def test_a_preview_whose_worker_died_loses_its_partial_problems(self):
        run = self.run_of([bad(0), good(1)])
        claimed = liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING)
        ImportProblem.objects.create(run=run, row=2, column="Ngày sinh", message="…")
        with mock.patch.object(timezone, "now", return_value=timezone.now() + STALE):
            self.assertEqual(liveness.sweep(), [claimed.pk])
        run.refresh_from_db()
        self.assertEqual(run.status, Status.FAILED)
        self.assertIn("khi đang kiểm tra tệp", run.message)
        self.assertFalse(ImportProblem.objects.filter(run=run).exists())

    def test_previewing_without_a_claim_is_a_workers_too_but_committing_waits(self):
        # A preview always has a worker (a run left by one that claimed no token); a confirmed
        # run without a claim is waiting in the queue, however long.
        previewing = self.run_of([good(0)])
        ImportRun.objects.filter(pk=previewing.pk).update(status=Status.PREVIEWING)
        waiting = self.preview([good(1)])
        ImportRun.objects.filter(pk=waiting.pk).update(status=Status.COMMITTING)
        with mock.patch.object(timezone, "now", return_value=timezone.now() + STALE):
            self.assertEqual(liveness.sweep(), [previewing.pk])
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, Status.COMMITTING)

    def test_a_run_that_finished_after_the_sweep_started_is_left_alone(self):
        run = self.run_of([good(0)])
        claimed = liveness.claim(run.pk, Status.QUEUED, Status.PREVIEWING)
        later = timezone.now() + STALE
        with mock.patch.object(timezone, "now", return_value=later):
            # The worker finished between the sweep's query and its update.
            ImportRun.objects.filter(pk=run.pk).update(status=Status.PREVIEWED, claim="")
            self.assertFalse(liveness.fail_dead(claimed))
        run.refresh_from_db()
        self.assertEqual(run.status, Status.PREVIEWED)


class RestartTests(LimitTestCase):
    def test_a_restarted_worker_takes_up_what_was_queued(self):
        # Queued while no worker ran; a worker started afterwards previews it.
        run = self.run_of([good(0)])
        result = tasks.preview_import.enqueue(run.pk)
        ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        run_worker()
        run.refresh_from_db()
        self.assertEqual((run.status, run.creates), (Status.PREVIEWED, 1))

    def test_a_task_taken_by_a_worker_that_died_before_claiming_its_run_is_queued_again(self):
        run = self.run_of([good(0)])
        result = tasks.preview_import.enqueue(run.pk)
        ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        record = DBTaskResult.objects.get(pk=result.id)
        record.claim("worker-killed")  # the worker took the task, then died
        with mock.patch.object(timezone, "now", return_value=timezone.now() + STALE):
            liveness.sweep()
        record.refresh_from_db()
        self.assertEqual(record.status, TaskResultStatus.FAILED)
        run.refresh_from_db()
        self.assertEqual(run.status, Status.QUEUED)
        self.assertNotEqual(run.task_id, str(result.id))
        self.assertEqual(DBTaskResult.objects.get(pk=run.task_id).status, TaskResultStatus.READY)
        # The next worker takes the new task.
        run_worker(failed=[record.pk])
        run.refresh_from_db()
        self.assertEqual((run.status, run.creates), (Status.PREVIEWED, 1))


class WorkerCommandTests(TestCase):
    def test_the_worker_sweeps_at_start_and_then_periodically(self):
        with (
            mock.patch.object(cli, "_django") as django_command,
            mock.patch.object(liveness.Sweeper, "run_once") as run_once,
            mock.patch.object(liveness.Sweeper, "start") as start,
        ):
            cli.worker(["--no-reload"])
        run_once.assert_called_once_with()
        start.assert_called_once_with()
        django_command.assert_called_once_with(["db_worker", "--queue-name", "*", "--no-reload"])

    @override_settings(DEBUG=True)
    def test_not_in_the_autoreloaders_parent(self):
        with (
            mock.patch.dict(os.environ, {}, clear=False),
            mock.patch.object(cli, "_django"),
            mock.patch.object(liveness.Sweeper, "run_once") as run_once,
            mock.patch.object(liveness.Sweeper, "start"),
        ):
            os.environ.pop("RUN_MAIN", None)
            cli.worker([])
            run_once.assert_not_called()
            os.environ["RUN_MAIN"] = "true"
            cli.worker([])
            run_once.assert_called_once_with()
