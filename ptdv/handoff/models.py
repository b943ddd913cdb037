"""The record of each hand-off to the national party-member database (docs/handoff.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet


class Section(models.TextChoices):
    """The three sections (sheets) of a hand-off; stored in ``HandoffExport.sections``."""

    ADMITTED = "admitted", _("Kết nạp trong kỳ")
    OFFICIAL = "official", _("Công nhận chính thức trong kỳ")
    LEFT = "left", _("Chuyển đi, ra khỏi Đảng, từ trần trong kỳ")


class FileFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    CSV = "csv", _("CSV (UTF-8, mở bằng Excel)")


class HandoffExport(models.Model):
    """One file handed off: who, when, for which organisation, period and sections, which
    people (by section) and the file's SHA-256. Written by :func:`ptdv.handoff.services.record`
    only; never changed afterwards. "Only new since the last hand-off" leaves out the people
    an earlier export of the organisation (or of one above or below it) already carried in the
    same section."""

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("tổ chức đảng"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))
    #: The sections asked for (``Section`` values), in the file's order.
    sections = models.JSONField(_("nội dung"), default=list)
    #: ``{section: [person id, …]}``: the people the file carried, per section.
    people = models.JSONField(_("những người trong tệp"), default=dict)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    incomplete = models.PositiveIntegerField(_("số dòng còn thiếu hoặc sai"), default=0)
    only_new = models.BooleanField(_("chỉ người chưa bàn giao"), default=False)
    file_format = models.CharField(_("định dạng"), max_length=8, choices=FileFormat.choices)
    sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xuất"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần bàn giao dữ liệu sang CSDL đảng viên")
        verbose_name_plural = _("các lần bàn giao dữ liệu sang CSDL đảng viên")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("A hand-off's record is never changed.")
        super().save(*args, **kwargs)

    def person_ids(self, section: str) -> list[int]:
        return [int(i) for i in (self.people or {}).get(section, [])]
