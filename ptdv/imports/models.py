"""An import run: one uploaded file, its preview, and its commit.

The file is kept (media ``imports/``) until the run is committed or cancelled, so a background
worker can read it and the commit plans it again. A run moves ``queued → previewing → previewed →
committing → committed``, or to ``failed`` (file unreadable or past a cap, rows failing at
commit, an error, its worker dead); ``cancelled`` by its user. Problems of the preview are rows
of :class:`ImportProblem`, listed page by page.

A worker takes a run by a conditional ``UPDATE`` that sets :attr:`ImportRun.claim` (its token)
where it is empty, so two workers never work on one run; while it works it touches a heartbeat
file beside the upload (``ptdv.imports.liveness``), which the sweep reads to tell a dead worker
from a slow one.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet

from .planning import KINDS


class Status(models.TextChoices):
    QUEUED = "queued", _("Đang chờ xử lý")
    PREVIEWING = "previewing", _("Đang kiểm tra")
    PREVIEWED = "previewed", _("Đã kiểm tra, chờ xác nhận")
    COMMITTING = "committing", _("Đang ghi")
    COMMITTED = "committed", _("Đã nhập")
    FAILED = "failed", _("Không nhập được")
    CANCELLED = "cancelled", _("Đã hủy")


#: States in which a background task is (or should be) working on the run.
BUSY = frozenset({Status.QUEUED, Status.PREVIEWING, Status.COMMITTING})


class ImportRun(models.Model):
    SCOPE = "organisation"

    kind = models.CharField(
        _("loại dữ liệu"), max_length=16, choices=[(k.code, k.label) for k in KINDS.values()]
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("nhập vào đơn vị"),
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    file = models.FileField(_("tệp"), upload_to="imports/%Y/%m/", max_length=255, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    #: Rows in the file (header included) and rows planned so far: the progress bar.
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    creates = models.PositiveIntegerField(_("tạo mới"), default=0)
    updates = models.PositiveIntegerField(_("cập nhật"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    failures = models.PositiveIntegerField(_("lỗi"), default=0)
    #: Rows to create that may be people already in ptdv (``ImportWarning``).
    warning_count = models.PositiveIntegerField(_("cần xem lại"), default=0)
    #: Headers of the file that the import does not know (ignored).
    ignored_columns = models.JSONField(default=list, blank=True)
    #: Why the run failed as a whole (unreadable file, data changed since the preview…).
    message = models.TextField(_("thông báo"), blank=True)
    #: Last sign of life of the task working on the run (progress saved).
    updated_at = models.DateTimeField(auto_now=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(_("ghi lúc"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    #: The token of the worker working on the run (host, process, task), empty when none is:
    #: taken with a conditional UPDATE, so one worker only works on a run.
    claim = models.CharField(max_length=100, blank=True, default="")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("các lần nhập dữ liệu")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    @property
    def busy(self) -> bool:
        return self.status in BUSY

    @property
    def can_commit(self) -> bool:
        return (
            self.status == Status.PREVIEWED
            and self.failures == 0
            and (self.creates + self.updates) > 0
        )

    @property
    def taken(self) -> bool:
        """A worker works (or worked) on it: previewing, or committing with a claim (a confirmed
        run waits for a worker as ``committing`` without one)."""
        return self.status == Status.PREVIEWING or (
            self.status == Status.COMMITTING and bool(self.claim)
        )

    @property
    def stalled(self) -> bool:
        """Taken by a worker that shows no sign of life (no heartbeat, no progress) for
        ``PTDV_IMPORT_STALE_SECONDS``: it was stopped or killed (a commit's transaction was then
        rolled back). The sweep (``liveness``) marks such a run failed."""
        from .limits import current

        if not self.taken:
            return False
        stale = timedelta(seconds=current().stale_seconds)
        return timezone.now() - self.last_sign_of_life() > stale

    def last_sign_of_life(self) -> datetime:
        """The later of the run's last save and its worker's last heartbeat."""
        last = self.updated_at
        path = self.heartbeat_path
        if path is not None:
            with contextlib.suppress(OSError):  # no heartbeat yet, or the run is over
                last = max(last, datetime.fromtimestamp(path.stat().st_mtime, tz=UTC))
        return last

    def _beside_upload(self, suffix: str) -> Path | None:
        if not self.file:
            return None
        upload = Path(self.file.path)
        return upload.with_name(upload.name + suffix)

    @property
    def heartbeat_path(self) -> Path | None:
        """Touched every ``PTDV_IMPORT_HEARTBEAT_SECONDS`` by the worker working on the run, from a
        thread of its own: a file, because the commit's transaction would hide (and on SQLite
        lock) a column of the run's row."""
        return self._beside_upload(".heartbeat")

    @property
    def progress_path(self) -> Path | None:
        """Where the commit writes the row it reached: its transaction hides the run's row from
        other connections (and on SQLite locks it), a file beside the upload does not."""
        return self._beside_upload(".progress")

    def read_progress(self) -> None:
        """While committing, take ``done_rows`` from the commit's progress file."""
        path = self.progress_path
        if self.status == Status.COMMITTING and path is not None:
            with contextlib.suppress(OSError, ValueError):  # not written yet, or removed
                self.done_rows = int(path.read_text())

    @property
    def percent(self) -> int:
        if self.status in (Status.PREVIEWED, Status.COMMITTED):
            return 100
        if not self.total_rows:
            return 0
        return min(99, 100 * self.done_rows // self.total_rows)


class ImportProblem(models.Model):
    """One reason one row cannot be imported."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("dòng"))
    column = models.CharField(_("cột"), max_length=120, blank=True)
    name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    message = models.TextField(_("lý do"))

    class Meta:
        verbose_name = _("lỗi nhập dữ liệu")
        verbose_name_plural = _("lỗi nhập dữ liệu")
        ordering = ["run", "row", "pk"]
        indexes = [models.Index(fields=["run", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class ImportWarning(models.Model):
    """A row that will be imported but may be somebody already in ptdv (the same name, year of
    birth and cell as a person of the organisation imported into): shown, with a link, before the
    user confirms; never a reason to refuse the row."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="warnings")
    row = models.PositiveIntegerField(_("dòng"))
    name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    message = models.TextField(_("cần xem lại"))
    #: The person it may be (inside the organisation imported into: whoever sees the run may
    #: see them).
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cảnh báo nhập dữ liệu")
        verbose_name_plural = _("cảnh báo nhập dữ liệu")
        ordering = ["run", "row", "pk"]
        indexes = [models.Index(fields=["run", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"
