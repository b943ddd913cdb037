"""Background work of the imports (django-tasks, database backend: ``ptdv worker`` runs it).

The tasks take the run's id only; the run row carries everything else (file, organisation,
user), so a task enqueued by one process runs in another. A task does nothing unless it can
claim the run in the state it expects (``liveness.claim``: a conditional UPDATE, so of two
workers, or two tasks for one run, one works and the other returns "skipped"; a run cancelled
meanwhile is skipped too). While it works, a heartbeat thread shows the worker alive; a run
taken from it meanwhile (swept as dead) ends the task as "lost", writing nothing more.
"""

from __future__ import annotations

import logging

from django_tasks import TaskContext, task

from . import running
from .liveness import Heartbeat, claim
from .models import ImportRun, Lost, Status

log = logging.getLogger(__name__)

SYSTEM_ERROR = (
    "Lỗi hệ thống khi xử lý tệp: không có gì được ghi. Hãy báo quản trị viên (nhật ký của "
    "ptdv worker có chi tiết)."
)


def _guarded(run: ImportRun, work) -> str:
    try:
        with Heartbeat(run):
            work(run)
    except Lost:
        log.warning("import run %s was taken from this worker (swept or cancelled)", run.pk)
        return "lost"
    except Exception:
        log.exception("import run %s failed", run.pk)
        run.mark_crashed(SYSTEM_ERROR)
        raise
    return ImportRun.objects.values_list("status", flat=True).get(pk=run.pk)


@task(takes_context=True)
def preview_import(context: TaskContext, run_id: int) -> str:
    run = claim(run_id, Status.QUEUED, Status.PREVIEWING, context.task_result.id)
    if run is None:
        return "skipped"
    return _guarded(run, running.preview)


@task(takes_context=True)
def commit_import(context: TaskContext, run_id: int) -> str:
    run = claim(run_id, Status.COMMITTING, Status.COMMITTING, context.task_result.id)
    if run is None:
        return "skipped"
    return _guarded(run, running.commit)
