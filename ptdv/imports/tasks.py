"""Background work of the imports (django-tasks, database backend: ``ptdv worker`` runs it).

The tasks take the run's id only; the run row carries everything else (file, organisation,
user), so a task enqueued by one process runs in another. A task does nothing unless the run is
in the state it expects (a second worker picking the same run, or a run cancelled meanwhile).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from . import running
from .models import ImportRun, Status

log = logging.getLogger(__name__)

SYSTEM_ERROR = (
    "Lỗi hệ thống khi xử lý tệp: không có gì được ghi. Hãy báo quản trị viên (nhật ký của "
    "ptdv worker có chi tiết)."
)


def _claim(run_id: int, expected: Status, new: Status) -> ImportRun | None:
    with transaction.atomic():
        claimed = ImportRun.objects.filter(pk=run_id, status=expected).update(status=new)
    if not claimed:
        return None
    return ImportRun.objects.select_related("organisation", "created_by").get(pk=run_id)


def _guarded(run: ImportRun, work) -> str:
    try:
        work(run)
    except Exception:
        log.exception("import run %s failed", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(status=Status.FAILED, message=SYSTEM_ERROR)
        raise
    return ImportRun.objects.values_list("status", flat=True).get(pk=run.pk)


@task()
def preview_import(run_id: int) -> str:
    run = _claim(run_id, Status.QUEUED, Status.PREVIEWING)
    if run is None:
        return "skipped"
    return _guarded(run, running.preview)


@task()
def commit_import(run_id: int) -> str:
    run = _claim(run_id, Status.COMMITTING, Status.COMMITTING)
    if run is None:
        return "skipped"
    return _guarded(run, running.commit)
