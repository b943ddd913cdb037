"""The read log: who looked at or took out whose personal data, when and from where.

Writes are audited by django-auditlog (``ptdv/accounts/audit.py``); reads are recorded here, one
:class:`AccessEntry` per request that shows a person or a candidacy, downloads a dossier, exports
a list or searches by CCCD (``ptdv.privacy.access.record``). Entries are append-only like the
pipeline's events: ``save()`` on an existing row, ``delete()`` and bulk updates and deletes
refuse; only :meth:`AccessEntryQuerySet.prune` removes the entries older than the retention
period (``ptdv manage prune_access_log``).

An entry belongs to the organisation whose data was read (the person's or the candidacy's cell,
the organisation a list was filtered on, else the reader's own organisation), so the read log is
scoped by the same subtree rule as everything else (``visible_to``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ptdv.org.scope import ScopedQuerySet

APPEND_ONLY = "Nhật ký truy cập chỉ được ghi thêm: không sửa, không xóa từng mục."


class AccessKind(models.TextChoices):
    """What was read. Kept as text without database choices: a new kind needs no migration."""

    PERSON = "person", _("Xem trang một người")
    CANDIDACY = "candidacy", _("Xem trang hồ sơ phát triển đảng viên")
    DOSSIER_FORM = "dossier_form", _("Tải một biểu mẫu hồ sơ (.docx)")
    DOSSIER_ZIP = "dossier_zip", _("Tải các biểu mẫu hồ sơ (.zip)")
    DOSSIER_PDF = "dossier_pdf", _("Tải các biểu mẫu hồ sơ (PDF)")
    LIST_EXPORT = "list_export", _("Xuất Excel danh sách hồ sơ")
    REPORT_EXPORT = "report_export", _("Xuất Excel báo cáo")
    DRILL_EXPORT = "drill_export", _("Xuất Excel danh sách chi tiết của số liệu")
    IMPORT_PROBLEMS = "import_problems", _("Tải các dòng lỗi của lần nhập")
    CCCD_SEARCH = "cccd_search", _("Tìm kiếm theo số CCCD")
    CCCD_REVEAL = "cccd_reveal", _("Xem đầy đủ số CCCD")
    PERSON_DATA_EXPORT = "person_data_export", _("Xuất dữ liệu đang lưu về một người")
    ACCESS_LOG_EXPORT = "access_log_export", _("Xuất Excel nhật ký truy cập")
    SUBJECT_REQUESTS = "subject_requests", _("Xem yêu cầu về dữ liệu của một người")
    #: The forms that show a record to change it (a step, a correction, a merge, a report).
    PERSON_FORM = "person_form", _("Mở biểu mẫu sửa thông tin một người")
    CANDIDACY_FORM = "candidacy_form", _("Mở biểu mẫu ghi bước của một hồ sơ")
    IMPORT_RUN = "import_run", _("Xem các dòng lỗi của lần nhập")
    ADMIN_RECORD = "admin_record", _("Xem một bản ghi trong trang quản trị")
    ADMIN_LIST = "admin_list", _("Xem danh sách trong trang quản trị")
    #: The hand-off's file to the national party-member database (``web/views/handoff.py``).
    HANDOFF_EXPORT = "handoff_export", _("Bàn giao CSDL đảng viên")


class AccessEntryQuerySet(ScopedQuerySet):
    """Entries are append-only: bulk updates and deletes refuse; pruning is :meth:`prune`."""

    def update(self, **kwargs):
        raise RuntimeError(APPEND_ONLY)

    def delete(self):
        raise RuntimeError(APPEND_ONLY)

    def prune(self, before, *, batch: int = 5000) -> int:
        """Delete the entries recorded before ``before``, ``batch`` rows per statement (each in
        its own short transaction); return how many were deleted."""
        deleted = 0
        while True:
            ids = list(self.filter(at__lt=before).order_by().values_list("pk", flat=True)[:batch])
            if not ids:
                return deleted
            count, _ = models.QuerySet.delete(AccessEntry.objects.filter(pk__in=ids))
            deleted += count


class AccessEntry(models.Model):
    """One read of personal data: one row per request, written by ``access.record``."""

    SCOPE = "organisation"

    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (user, at) index below serves it
    )
    remote_addr = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    kind = models.CharField(_("loại truy cập"), max_length=32)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("người"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (person, at) index below serves it
    )
    candidacy = models.ForeignKey(
        "pipeline.Candidacy",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # searched through its person
    )
    #: The query's filters (names and values as the list or search had them; digits of an
    #: identity number masked, never the full number).
    filters = models.JSONField(_("bộ lọc"), default=dict, blank=True)
    count = models.PositiveIntegerField(_("số người"), null=True, blank=True)
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("tổ chức đảng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (organisation, at) index below serves it
    )

    objects = AccessEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("mục nhật ký truy cập")
        verbose_name_plural = _("nhật ký truy cập")
        indexes = [
            models.Index(fields=["at"], name="privacy_access_at"),
            models.Index(fields=["person", "at"], name="privacy_access_person_at"),
            models.Index(fields=["user", "at"], name="privacy_access_user_at"),
            models.Index(fields=["organisation", "at"], name="privacy_access_org_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user_id} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(APPEND_ONLY)

    @property
    def kind_label(self) -> str:
        try:
            return AccessKind(self.kind).label
        except ValueError:
            return self.kind
