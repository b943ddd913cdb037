"""What an import leaves behind, deleted when it is no longer needed.

An uploaded spreadsheet holds every row's name, CCCD, ethnicity and religion; its problems and
warnings hold names. A committed run's file is deleted at the commit and a cancelled run's at
the cancelling; the runs that failed, or were previewed and never confirmed, would keep theirs
for ever. :func:`prune` deletes, for every run not worked on for ``PTDV_IMPORT_KEEP_DAYS`` days
(30), the file (and the worker's files beside it), the problems and the warnings; a previewed
run is cancelled first (with a conditional UPDATE: a user confirming it at that moment wins).
The run's counts, dates and author stay: who imported what, when, and how many rows.

Run daily (``ptdv manage prune_imports``, docs/deployment.md); idempotent.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import ImportProblem, ImportRun, ImportWarning, Status

logger = logging.getLogger(__name__)

#: What a pruned run says on its page (stored, Vietnamese).
PRUNED = (
    "Tệp tải lên, các dòng lỗi và các dòng cần xem lại đã được xóa sau {days} ngày không dùng đến "
    "(bảo vệ dữ liệu cá nhân); các con số của lần nhập vẫn giữ."
)
#: Runs no worker holds and nobody is about to commit.
DONE = (Status.PREVIEWED, Status.FAILED, Status.CANCELLED, Status.COMMITTED)


def keep_days() -> int:
    days = getattr(settings, "PTDV_IMPORT_KEEP_DAYS", 30)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ImproperlyConfigured(
            f"PTDV_IMPORT_KEEP_DAYS phải là số ngày nguyên dương (đang là {days!r})."
        )
    return days


@dataclass
class Pruned:
    runs: int = 0
    files: int = 0
    problems: int = 0
    warnings: int = 0


def due(now: datetime | None = None, days: int | None = None):
    """The runs with something left to delete, not worked on since ``days`` days."""
    now = now or timezone.now()
    before = now - timedelta(days=days or keep_days())
    left = (
        ~Q(file="")
        | Q(Exists(ImportProblem.objects.filter(run=OuterRef("pk"))))
        | Q(Exists(ImportWarning.objects.filter(run=OuterRef("pk"))))
    )
    return ImportRun.objects.filter(status__in=DONE, updated_at__lt=before, claim="").filter(left)


def prune(now: datetime | None = None, *, dry_run: bool = False) -> Pruned:
    days = keep_days()
    runs = list(due(now, days).order_by("pk"))
    result = Pruned()
    if dry_run:
        result.runs = len(runs)
        result.files = sum(1 for run in runs if run.file)
        ids = [run.pk for run in runs]
        result.problems = ImportProblem.objects.filter(run_id__in=ids).count()
        result.warnings = ImportWarning.objects.filter(run_id__in=ids).count()
        return result
    for run in runs:
        with transaction.atomic():
            if run.status == Status.PREVIEWED:
                # Never confirmed: cancelled, unless somebody is confirming it right now.
                taken = ImportRun.objects.filter(
                    pk=run.pk, status=Status.PREVIEWED, claim=""
                ).update(status=Status.CANCELLED)
                if not taken:
                    continue
            result.problems += ImportProblem.objects.filter(run=run).delete()[0]
            result.warnings += ImportWarning.objects.filter(run=run).delete()[0]
            message = PRUNED.format(days=days)
            ImportRun.objects.filter(pk=run.pk).update(
                file="", message=f"{run.message}\n{message}".strip() if run.message else message
            )
        if run.file:
            for path in (run.heartbeat_path, run.progress_path, run.plan_path):
                if path is not None:
                    with contextlib.suppress(OSError):
                        path.unlink()
            run.file.delete(save=False)
            result.files += 1
        result.runs += 1
    logger.info(
        "imports: %s runs pruned (%s files, %s problems, %s warnings)",
        result.runs, result.files, result.problems, result.warnings,
    )  # fmt: skip
    return result
