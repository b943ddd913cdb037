"""The dossier's PDF made in the background, with its progress, downloaded once.

LibreOffice takes seconds to convert a dossier, more than a request should hold a web thread
without a word. The PDF page asks for a *job*; the background worker (``ptdv worker``,
django-tasks with its database backend, as the imports) renders the forms and converts them
while the page shows the progress (htmx polls every second), then offers the file.

- **The job** is the task record itself (``DBTaskResult`` of :data:`TASK_PATH`, arguments
  ``[candidacy_id, user_id]``): no table of its own. A job belongs to the user who asked for it;
  every look-up names that user, and the views fetch the candidacy within the user's scope
  first, so another user, or the same one out of scope, gets 404.
- **Files**: ``MEDIA_ROOT/dossier-pdf/<job>.pdf`` and ``<job>.json`` (the progress, written by
  whoever works on the job). Written under a temporary name then renamed: a reader never sees
  half a file.
- **Once**: the download renames the file away before reading it (of two downloads, one gets
  it, the other 404) and deletes it.
- **Bounds**: the conversion's timeout (``PTDV_DOSSIER_PDF_TIMEOUT``, 120 s); a PDF larger than
  :data:`MAX_BYTES` is refused; a file not downloaded within :data:`KEEP_SECONDS` is deleted (on
  every request and every job); a user has at most :data:`OPEN_PER_USER` jobs waiting or
  running; a job running past the timeout and :data:`LOST_AFTER_SECONDS` is taken as lost (its
  worker died) and a new one may be asked for.
- **Without a worker** (``ptdv serve --no-worker``, a bare ``runserver``): a job no worker has
  taken :data:`WORKER_GRACE_SECONDS` after it was asked for is claimed by the page's own
  progress request (or the page itself, refreshed without JavaScript) (the same conditional ``UPDATE … WHERE status = 'READY'`` a worker's claim
  amounts to, so a job runs once) and made in that request.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ptdv.accounts.models import User
from ptdv.org.scope import get_visible_or_404
from ptdv.people.sensitive import may_print_dossier
from ptdv.pipeline.models import Candidacy

from .forms import build_dossier
from .render import (
    DEFAULT_TIMEOUT,
    ConversionFailed,
    ConversionUnavailable,
    DossierTemplateError,
    combine,
    convert,
    render_document,
)

logger = logging.getLogger(__name__)

TASK_PATH = "ptdv.dossier.tasks.render_dossier_pdf"
#: A finished PDF not downloaded by then is deleted.
KEEP_SECONDS = 30 * 60
#: The largest PDF kept (a complete dossier is well under 1 MB).
MAX_BYTES = 20 * 1024 * 1024
#: Jobs one user may have waiting or running at once.
OPEN_PER_USER = 3
#: Seconds a job waits for a worker before the page's request makes it itself.
WORKER_GRACE_SECONDS = 3.0
#: Past the conversion's timeout, seconds after which a running job is taken as lost.
LOST_AFTER_SECONDS = 60

#: What the page says of a job that failed, by cause (the log has the details).
FAILURES = {
    "unavailable": "Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .zip.",
    "conversion": (
        "LibreOffice chưa xuất được PDF (lỗi hoặc quá thời gian chờ); hãy thử lại sau hoặc tải "
        "tệp .zip."
    ),
    "template": "Một mẫu biểu không dùng được (%(file)s); hãy báo quản trị viên.",
    "too_large": "Tệp PDF quá lớn (quá %(mb)s MB); hãy tải tệp .zip.",
    "refused": "Không tạo được PDF của hồ sơ này cho tài khoản đã yêu cầu.",
    "lost": "Việc tạo PDF đã dừng giữa chừng (tiến trình nền đã dừng); hãy tạo lại.",
    "error": "Lỗi hệ thống khi tạo PDF; hãy thử lại sau hoặc tải tệp .zip.",
}


class JobFailed(Exception):
    """A job that cannot give a PDF; ``cause`` is a key of :data:`FAILURES`."""

    def __init__(self, cause: str, **details: Any) -> None:
        self.cause = cause
        self.details = details
        super().__init__(cause)


# --- files ---------------------------------------------------------------------------------


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "dossier-pdf"


def pdf_path(job_id: str) -> Path:
    return folder() / f"{job_id}.pdf"


def progress_path(job_id: str) -> Path:
    return folder() / f"{job_id}.json"


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(content)
    os.replace(partial, path)


def write_progress(job_id: str, done: int, total: int, step: str, **extra: Any) -> None:
    about = {"done": done, "total": total, "step": step, **extra}
    _write_atomically(progress_path(job_id), json.dumps(about, ensure_ascii=False).encode())


def read_progress(job_id: str) -> dict[str, Any]:
    try:
        about = json.loads(progress_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return about if isinstance(about, dict) else {}


def sweep(now: float | None = None) -> int:
    """Delete the files older than :data:`KEEP_SECONDS` (and left-over partial files)."""
    now = now if now is not None else time.time()
    removed = 0
    try:
        entries = list(os.scandir(folder()))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if now - entry.stat().st_mtime > KEEP_SECONDS:
                os.unlink(entry.path)
                removed += 1
        except OSError:  # removed meanwhile by another process
            continue
    return removed


# --- the work ------------------------------------------------------------------------------


def _timeout() -> float:
    return float(getattr(settings, "PTDV_DOSSIER_PDF_TIMEOUT", None) or DEFAULT_TIMEOUT)


def produce(job_id: str, candidacy_id: int, user_id: int) -> dict[str, Any]:
    """Render and convert the dossier of ``candidacy_id`` for ``user_id``, writing the progress
    and then the PDF beside it. Raises :class:`JobFailed` (its cause also in the progress)."""
    started = time.perf_counter()
    sweep()
    try:
        try:
            user = User.objects.get(pk=user_id, is_active=True)
            candidacy = get_visible_or_404(
                Candidacy.objects.select_related("person", "person__residence", "cell"),
                user,
                pk=candidacy_id,
            )
        except Exception as exc:  # the user or their scope changed since they asked
            raise JobFailed("refused") from exc
        if not may_print_dossier(user):
            raise JobFailed("refused")
        documents = build_dossier(candidacy).applicable
        total = len(documents) + 1
        blobs = []
        for done, document in enumerate(documents):
            write_progress(job_id, done, total, f"Đang điền mẫu {document.spec.code}")
            try:
                blobs.append(render_document(document))
            except DossierTemplateError as exc:
                raise JobFailed("template", file=exc.path.name) from exc
        write_progress(job_id, len(documents), total, "Đang chuyển sang PDF (LibreOffice)")
        try:
            pdf = convert(combine(blobs), "pdf", timeout=_timeout())
        except ConversionUnavailable as exc:
            raise JobFailed("unavailable") from exc
        except ConversionFailed as exc:
            logger.warning("PDF of candidacy %s failed: %s", candidacy_id, exc)
            raise JobFailed("conversion") from exc
        if len(pdf) > MAX_BYTES:
            raise JobFailed("too_large", mb=MAX_BYTES // (1024 * 1024))
    except JobFailed as failure:
        write_progress(job_id, 0, 0, "", failed=failure.cause, details=failure.details)
        raise
    _write_atomically(pdf_path(job_id), pdf)
    seconds = round(time.perf_counter() - started, 2)
    write_progress(job_id, total, total, "Xong", seconds=seconds)
    return {"bytes": len(pdf), "forms": len(documents), "seconds": seconds}


# --- jobs ----------------------------------------------------------------------------------


@dataclass
class Job:
    """One user's request for a dossier's PDF, as the page shows it."""

    record: DBTaskResult
    progress: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.record.pk)

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def waiting(self) -> bool:
        return self.status == TaskResultStatus.READY

    @property
    def busy(self) -> bool:
        return self.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING) and not self.lost

    @property
    def lost(self) -> bool:
        """Running past any timeout: its worker died."""
        if self.status != TaskResultStatus.RUNNING or self.record.started_at is None:
            return False
        limit = timedelta(seconds=_timeout() + LOST_AFTER_SECONDS)
        return timezone.now() - self.record.started_at > limit

    @property
    def ready(self) -> bool:
        """Made and not yet downloaded (nor deleted after :data:`KEEP_SECONDS`)."""
        return self.status == TaskResultStatus.SUCCESSFUL and pdf_path(self.id).is_file()

    @property
    def failure(self) -> str:
        """The message of a failed (or lost) job, ``""`` otherwise."""
        if self.lost:
            return FAILURES["lost"]
        if self.status != TaskResultStatus.FAILED:
            return ""
        cause = self.progress.get("failed") or "error"
        details = self.progress.get("details") or {}
        try:
            return FAILURES.get(cause, FAILURES["error"]) % details
        except (KeyError, TypeError, ValueError):
            return FAILURES["error"]

    @property
    def percent(self) -> int:
        if self.status == TaskResultStatus.SUCCESSFUL:
            return 100
        done, total = self.progress.get("done") or 0, self.progress.get("total") or 0
        if not total:
            return 0
        return max(0, min(99, int(done * 100 / total)))

    @property
    def step(self) -> str:
        return str(self.progress.get("step") or "")


def _records(candidacy_id: int, user_id: int):
    return DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        args_kwargs__args__0=candidacy_id,
        args_kwargs__args__1=user_id,
    )


def latest(candidacy_id: int, user_id: int) -> Job | None:
    """The user's latest job for this candidacy (the caller checked the scope)."""
    record = _records(candidacy_id, user_id).order_by("-enqueued_at").first()
    if record is None:
        return None
    return Job(record, read_progress(str(record.pk)))


def open_jobs(user_id: int) -> int:
    """The user's jobs waiting or running (lost ones not counted)."""
    since = timezone.now() - timedelta(seconds=_timeout() + LOST_AFTER_SECONDS)
    return DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        args_kwargs__args__1=user_id,
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
        enqueued_at__gte=since,
    ).count()


def request(candidacy_id: int, user_id: int) -> Job | None:
    """A new job (or the one already waiting or running for this candidacy and user); ``None``
    when the user has :data:`OPEN_PER_USER` jobs open already."""
    from .tasks import render_dossier_pdf

    sweep()
    current = latest(candidacy_id, user_id)
    if current is not None and current.busy:
        return current
    if open_jobs(user_id) >= OPEN_PER_USER:
        return None
    result = render_dossier_pdf.enqueue(candidacy_id, user_id)
    return latest_by_id(str(result.id))


def latest_by_id(job_id: str) -> Job:
    record = DBTaskResult.objects.get(pk=job_id)
    return Job(record, read_progress(job_id))


def run_here_if_no_worker(job: Job, grace: float | None = None) -> Job:
    """Make the job in this process when no worker took it within the grace delay (see the
    module docstring); a job a worker (or another request) claimed first is left to it."""
    grace = WORKER_GRACE_SECONDS if grace is None else grace
    grace = float(getattr(settings, "PTDV_DOSSIER_PDF_WORKER_GRACE", grace))
    if not job.waiting or timezone.now() - job.record.enqueued_at < timedelta(seconds=grace):
        return job
    worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:web"
    claimed = DBTaskResult.objects.filter(pk=job.record.pk, status=TaskResultStatus.READY).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[worker_id]
    )
    if not claimed:
        return latest_by_id(job.id)
    record = DBTaskResult.objects.get(pk=job.record.pk)
    candidacy_id, user_id = record.args_kwargs["args"]
    try:
        outcome = produce(job.id, candidacy_id, user_id)
    except Exception as exc:
        if not isinstance(exc, JobFailed):
            logger.exception("PDF job %s failed", job.id)
        record.set_failed(exc)
    else:
        record.set_successful(outcome)
    return latest_by_id(job.id)


def take_file(job: Job) -> bytes | None:
    """The job's PDF, removed as it is taken: a second download finds nothing."""
    if job.status != TaskResultStatus.SUCCESSFUL:
        return None
    source = pdf_path(job.id)
    taken = source.with_name(f".{job.id}.{os.getpid()}.{time.monotonic_ns()}.taken")
    try:
        os.rename(source, taken)
    except FileNotFoundError:
        return None
    try:
        if taken.stat().st_size > MAX_BYTES:
            return None
        return taken.read_bytes()
    finally:
        taken.unlink(missing_ok=True)
