"""The record of each run of the retention policy that anonymised records (``--apply``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One ``ptdv retention --apply``: when, for which day, how many records per outcome.

    Holds counts only (no person, no id): the audit log has one entry per record anonymised.
    """

    SCOPE = None  # the whole installation

    started_at = models.DateTimeField(_("bắt đầu lúc"), auto_now_add=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    #: The day the policy was applied for (the outcomes on or before it, less the years kept).
    today = models.DateField(_("áp dụng cho ngày"))
    anonymised = models.PositiveIntegerField(_("số hồ sơ đã ẩn danh"), default=0)
    #: ``{outcome: count}`` (outcomes of :class:`ptdv.retention.policy.Outcome`).
    by_outcome = models.JSONField(_("theo kết quả"), default=dict, blank=True)
    #: The years kept per outcome, as the settings said during the run.
    policy = models.JSONField(_("chính sách áp dụng"), default=dict, blank=True)
    #: Set when the run stopped on an error (the batches before it are committed).
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("lần áp dụng chính sách lưu trữ")
        verbose_name_plural = _("các lần áp dụng chính sách lưu trữ")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.today:%d/%m/%Y}: {self.anonymised}"
