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

Every change of a run's status is a method of :class:`ImportRun` (:meth:`~ImportRun.take`,
:meth:`~ImportRun.begin`, :meth:`~ImportRun.mark_previewed`, :meth:`~ImportRun.mark_committed`,
:meth:`~ImportRun.mark_failed`…), each written with a condition on the status and the claim it
expects, so a worker whose run was taken from it (swept as dead, or cancelled) overwrites nothing.
The models are at the bottom of the app: they import nothing else of it.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet


class Kind(models.TextChoices):
    """What a file holds (its columns: ``kinds.KINDS``)."""

    PEOPLE = "nguoi", _("Người (quần chúng, nguồn chưa vào quy trình)")
    MEMBERS = "dang-vien", _("Đảng viên")
    CANDIDACIES = "ho-so", _("Hồ sơ phát triển đảng viên")


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


class Lost(Exception):
    """The run was taken from this worker (swept as dead, or cancelled): stop, write nothing."""


class ImportRun(models.Model):
    SCOPE = "organisation"

    kind = models.CharField(_("loại dữ liệu"), max_length=16, choices=Kind.choices)
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

    @property
    def plan_path(self) -> Path | None:
        """The preview's plan, kept for the commit (``stored``): the rows' decisions, with the
        upload's personal data, deleted with the upload."""
        return self._beside_upload(".plan")

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

    # --- status changes: each a conditional write ------------------------------------------------

    @classmethod
    def take(cls, pk: int, expected: Status, new: Status, token: str) -> ImportRun | None:
        """Claim run ``pk`` for the worker ``token``: one conditional ``UPDATE … WHERE status =
        expected AND claim = ''``, so of two workers one only gets it. ``None`` if the run is not
        (or no longer) ``expected`` or another worker has it."""
        taken = cls.objects.filter(pk=pk, status=expected, claim="").update(
            status=new, claim=token, updated_at=timezone.now()
        )
        if not taken:
            return None
        return cls.objects.select_related("organisation", "created_by").get(pk=pk)

    def _held(self) -> models.QuerySet:
        """This run's row, if this worker still holds it in the status it knows."""
        return ImportRun.objects.filter(pk=self.pk, status=self.status, claim=self.claim)

    def save_held(self, *fields: str) -> None:
        """Save some fields of a run this worker holds; :class:`Lost` if it no longer does."""
        self.updated_at = timezone.now()
        saved = self._held().update(
            updated_at=self.updated_at, **{f: getattr(self, f) for f in fields}
        )
        if not saved:
            raise Lost(self.pk)

    def begin(self, status: Status, allowed: tuple[Status, ...], **fields) -> None:
        """Set the run to ``status`` at the start of a phase, from one of ``allowed`` (the task
        claimed it already; tests and the benchmarks call the phases directly)."""
        self.updated_at = timezone.now()
        taken = ImportRun.objects.filter(pk=self.pk, status__in=allowed, claim=self.claim).update(
            status=status, updated_at=self.updated_at, **fields
        )
        if not taken:
            raise Lost(self.pk)
        self.status = status
        for name, value in fields.items():
            setattr(self, name, value)

    def release(self, held: Status) -> None:
        """Save the whole run (audited) and release it, if this worker still holds it as
        ``held``; :class:`Lost` otherwise."""
        with transaction.atomic():
            still = (
                ImportRun.objects.select_for_update()
                .filter(pk=self.pk, status=held, claim=self.claim)
                .exists()
            )
            if not still:
                raise Lost(self.pk)
            self.claim = ""
            self.save()

    def mark_previewed(
        self, *, creates: int, updates: int, unchanged: int, failures: int, warnings: int,
        ignored_columns: list[str],
    ) -> None:  # fmt: skip
        """The preview is over: its counts stored, the run released for the user to confirm."""
        self.ignored_columns = ignored_columns
        self.creates, self.updates = creates, updates
        self.unchanged, self.failures = unchanged, failures
        self.warning_count = warnings
        self.total_rows = self.done_rows = creates + updates + unchanged + failures
        self.previewed_at = timezone.now()
        self.status = Status.PREVIEWED
        if not self.total_rows:
            self.message = "Tệp không có dòng dữ liệu nào."
        self.release(Status.PREVIEWING)

    def mark_committed(self, *, creates: int, updates: int, unchanged: int) -> None:
        """The commit wrote every row (called inside its transaction, with the rows)."""
        self.creates, self.updates = creates, updates
        self.unchanged, self.failures = unchanged, 0
        self.status, self.committed_at = Status.COMMITTED, timezone.now()
        self.done_rows = self.total_rows
        self.message = ""
        self.release(Status.COMMITTING)

    def mark_failed(self, message: str, held: Status) -> ImportRun:
        """The preview or the commit stopped with ``message``, nothing written; released."""
        self.status, self.message = Status.FAILED, message
        self.release(held)
        return self

    def mark_crashed(self, message: str) -> None:
        """The worker's task raised: failed and released, if this worker still holds the run
        (whatever its status)."""
        ImportRun.objects.filter(pk=self.pk, claim=self.claim).update(
            status=Status.FAILED, message=message, claim=""
        )

    def record_worker_lost(self, message: str, now: datetime) -> None:
        """Its worker is dead: the row failed and released (the sweep checked, holding the row
        in its transaction; it sets this copy's fields once that transaction is over)."""
        ImportRun.objects.filter(pk=self.pk).update(
            status=Status.FAILED, claim="", message=message, updated_at=now
        )

    def confirm(self) -> bool:
        """The user confirms a preview without failures: ``committing``, waiting for a worker
        (``False`` if the run is not, or no longer, in that state)."""
        return bool(
            ImportRun.objects.filter(pk=self.pk, status=Status.PREVIEWED, failures=0).update(
                status=Status.COMMITTING, done_rows=0
            )
        )

    def forget_file(self) -> None:
        """Delete the uploaded file and the plan kept beside it (committed or cancelled: its
        data is not kept longer)."""
        path = self.plan_path
        if path is not None:
            path.unlink(missing_ok=True)
        self.file.delete(save=False)
        ImportRun.objects.filter(pk=self.pk).update(file="")

    def cancel(self) -> bool:
        """The user cancels a run no worker holds (queued, previewed or failed)."""
        cancellable = [Status.QUEUED, Status.PREVIEWED, Status.FAILED]
        return bool(
            ImportRun.objects.filter(pk=self.pk, status__in=cancellable, claim="").update(
                status=Status.CANCELLED
            )
        )


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
