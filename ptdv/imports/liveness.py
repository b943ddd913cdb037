"""Which worker works on which run, and whether it is still alive.

- **Claim.** A worker takes a run with a conditional ``UPDATE … SET status, claim = <token>
  WHERE id = … AND status = <expected> AND claim = ''``: of two workers given the same run (two
  tasks for it, or two ``ptdv worker`` side by side), one updates a row, the other none and
  leaves the run alone. The token names the host, the process and the task.
- **Heartbeat.** While it works on a run, the worker touches a file beside the upload
  (:attr:`ImportRun.heartbeat_path`) every ``PTDV_IMPORT_HEARTBEAT_SECONDS``, from a thread of its
  own. A file and not a column: the commit's single transaction hides the run's row from other
  connections until it ends, and on SQLite holds the database's write lock, so no other
  connection could write a column meanwhile; a file works the same on both databases.
- **Sweep.** A claimed run whose last sign of life (heartbeat, or the run's own last save) is
  older than ``PTDV_IMPORT_STALE_SECONDS`` lost its worker (killed, out of memory, machine
  restarted): :func:`sweep` marks it failed with a message and its django-tasks-db task record
  failed too. A commit's transaction died with its connection, so nothing was written. The sweep
  runs when ``ptdv worker`` starts and every minute in it, and when the run's page is viewed.
  A task record a worker took but whose run it never claimed (the worker died in between) is
  marked failed and the run queued again with a new task.

The sweep never waits for a lock: on PostgreSQL it skips a run whose row a live transaction holds
(``SKIP LOCKED``), on SQLite a locked database makes it give up until the next time. So a worker
that only seems dead (frozen, its heartbeat late) and then finishes keeps its result.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.db import DatabaseError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import limits as caps
from .models import ImportProblem, ImportRun, Status

log = logging.getLogger(__name__)

#: The tasks whose records the sweep looks after (``tasks.py``).
TASK_PATHS = ("ptdv.imports.tasks.preview_import", "ptdv.imports.tasks.commit_import")


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died (the exception of its record)."""


def new_token(task_id: str = "") -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{task_id or os.urandom(6).hex()}"[:100]


def claim(run_id: int, expected: Status, new: Status, task_id: str = "") -> ImportRun | None:
    """Take the run for this worker, or ``None`` if it is not (or no longer) ``expected`` or
    another worker has it."""
    return ImportRun.take(run_id, expected, new, new_token(task_id))


# --- heartbeat --------------------------------------------------------------------------------


class Heartbeat:
    """Touches the run's heartbeat file every ``interval`` seconds from a thread, while the
    ``with`` block runs; the file is removed at the end."""

    def __init__(self, run: ImportRun, interval: float | None = None):
        self.path: Path | None = run.heartbeat_path
        self.interval = interval if interval is not None else caps.current().heartbeat_seconds
        self.about = {"run": run.pk, "claim": run.claim, "pid": os.getpid()}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        if self.path is None:
            return
        try:
            os.utime(self.path)
        except FileNotFoundError:
            try:
                self.path.write_text(json.dumps(self.about))
            except OSError:  # the upload's folder is gone: the run was cancelled
                log.warning("import run %s: heartbeat file not writable", self.about["run"])
        except OSError:
            log.warning("import run %s: heartbeat file not writable", self.about["run"])

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(
            target=self._run, name=f"import-heartbeat-{self.about['run']}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# --- sweep ------------------------------------------------------------------------------------


def is_dead(run: ImportRun, now=None) -> bool:
    """Claimed by a worker that shows no sign of life for ``PTDV_IMPORT_STALE_SECONDS``."""
    if not run.taken:
        return False
    stale = timedelta(seconds=caps.current().stale_seconds)
    return (now or timezone.now()) - run.last_sign_of_life() > stale


def _fail_task(task_id: str, now, note: str) -> None:
    if not task_id:
        return
    try:
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {note}\n",
        )
    except Exception:  # a malformed id: nothing to mark
        log.warning("import task %r could not be marked failed", task_id, exc_info=True)


@contextmanager
def _without_waiting():
    """On SQLite, give up at once (not after the 20 s busy timeout) when another connection holds
    the write lock: a page must not hang behind a commit."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 100")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(before)}")


def fail_dead(run: ImportRun, now=None) -> bool:
    """Mark a run whose worker is dead failed (and its task record); ``True`` if done.

    Never waits: a run whose row a live transaction holds is left alone (PostgreSQL), and so is
    everything while another connection writes (SQLite's lock)."""
    now = now or timezone.now()
    if not is_dead(run, now):
        return False
    committing = run.status == Status.COMMITTING
    try:
        with _without_waiting(), transaction.atomic():
            held = (
                ImportRun.objects.select_for_update(skip_locked=True)
                .filter(pk=run.pk, status=run.status, claim=run.claim)
                .exists()
            )
            if not held:
                return False
            run.record_worker_lost(caps.worker_lost(committing), now)
            if not committing:  # a preview's problems found before it died are not complete
                ImportProblem.objects.filter(run=run).delete()
            _fail_task(
                run.task_id,
                now,
                f"worker {run.claim} of import run {run.pk} gave no sign of life since "
                f"{run.last_sign_of_life().isoformat()}",
            )
    except DatabaseError:
        log.info("import run %s: sweep postponed (database busy)", run.pk, exc_info=True)
        return False
    for path in (run.heartbeat_path, run.progress_path, run.plan_path):
        if path is not None:
            path.unlink(missing_ok=True)
    log.warning("import run %s: its worker %s is dead; marked failed", run.pk, run.claim)
    run.status, run.claim = Status.FAILED, ""
    run.message = caps.worker_lost(committing)
    return True


def _requeue(task: DBTaskResult, now) -> int | None:
    """A task record RUNNING for longer than the stale delay whose run was never claimed (its
    worker died between taking the task and claiming the run): the record failed, the run queued
    again with a new task. Returns the run's id if it was queued again."""
    from .tasks import commit_import, preview_import

    try:
        run_id = int(task.args_kwargs["args"][0])
    except (KeyError, IndexError, TypeError, ValueError):
        run_id = None
    run = ImportRun.objects.filter(pk=run_id).first() if run_id is not None else None
    if run is not None and run.claim:
        return None  # claimed: the run's own heartbeat tells (first part of the sweep)
    requeued = None
    with transaction.atomic():
        if run is not None and run.task_id.replace("-", "") == task.id.hex and not run.claim:
            again = {Status.QUEUED: preview_import, Status.COMMITTING: commit_import}.get(
                Status(run.status)
            )
            if again is not None:
                result = again.enqueue(run.pk)
                ImportRun.objects.filter(pk=run.pk, claim="").update(task_id=str(result.id))
                requeued = run.pk
        _fail_task(str(task.id), now, f"the worker {task.worker_ids[-1:]} died before its run")
    return requeued


def sweep(now=None) -> list[int]:
    """Mark failed the runs (and task records) whose worker is dead; returns the runs' ids."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=caps.current().stale_seconds)
    swept = []
    claimed = ImportRun.objects.filter(
        Q(status=Status.PREVIEWING) | Q(status=Status.COMMITTING, claim__gt=""),
        updated_at__lt=stale_before,
    )
    for run in claimed.select_related("organisation"):
        if fail_dead(run, now):
            swept.append(run.pk)
    orphans = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path__in=TASK_PATHS, started_at__lt=stale_before
    )
    for task in orphans[:100]:
        try:
            with _without_waiting():
                requeued = _requeue(task, now)
        except DatabaseError:
            log.info("import task %s: sweep postponed (database busy)", task.pk, exc_info=True)
            continue
        if requeued is not None:
            log.warning(
                "import run %s: queued again (its worker died before claiming it)", requeued
            )
    return swept


class Sweeper:
    """Runs :func:`sweep` every ``interval`` seconds in a daemon thread of the worker process
    (with its own database connection); :meth:`run_once` sweeps now, in the caller's thread."""

    def __init__(self, interval: float = 60):
        self.interval = interval
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="import-sweeper", daemon=True)

    def start(self) -> Sweeper:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    @staticmethod
    def run_once() -> list[int]:
        try:
            close_old_connections()
            swept = sweep()
            if swept:
                log.warning("import runs marked failed (worker dead): %s", swept)
            return swept
        except Exception:
            log.exception("import sweep failed")
            return []

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()
            connections.close_all()  # this thread's connections only
