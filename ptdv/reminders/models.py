"""What each user chose for their reminders, and the log that makes a day's sending idempotent.

- :class:`ReminderPreference`: on or off, daily or weekly (which weekday), and the secret of the
  personal calendar feed, stored as its SHA-256 only. A user without a row gets the default: on,
  daily (when they have an e-mail address).
- :class:`ReminderSend`: one row per user and day, inserted (claimed) *before* the e-mail is sent,
  under a unique constraint: a second worker, or the same one restarted, finds the row and sends
  nothing. A failed send is marked and tried again by the next run of the same day, up to
  :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Tries of one user's digest on one day (the first and the retries after a failure).
MAX_ATTEMPTS = 3


class Frequency(models.TextChoices):
    DAILY = "daily", _("Hằng ngày")
    WEEKLY = "weekly", _("Hằng tuần")


class Weekday(models.IntegerChoices):
    """``date.weekday()``: Monday is 0."""

    MONDAY = 0, _("Thứ Hai")
    TUESDAY = 1, _("Thứ Ba")
    WEDNESDAY = 2, _("Thứ Tư")
    THURSDAY = 3, _("Thứ Năm")
    FRIDAY = 4, _("Thứ Sáu")
    SATURDAY = 5, _("Thứ Bảy")
    SUNDAY = 6, _("Chủ nhật")


class ReminderPreference(models.Model):
    """One user's choice (only they change it, on their reminders page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="reminder_preference",
    )
    enabled = models.BooleanField(_("nhận thư nhắc việc"), default=True)
    frequency = models.CharField(
        _("tần suất"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY
    )
    weekday = models.PositiveSmallIntegerField(
        _("ngày trong tuần"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    #: SHA-256 (hex) of the calendar feed's secret; empty: no feed.
    feed_token_hash = models.CharField(_("mã băm của địa chỉ lịch"), max_length=64, blank=True)
    feed_created_at = models.DateTimeField(_("tạo địa chỉ lịch lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tùy chọn nhắc việc")
        verbose_name_plural = _("tùy chọn nhắc việc")
        constraints = [
            models.UniqueConstraint(
                fields=["feed_token_hash"],
                condition=~models.Q(feed_token_hash=""),
                name="reminder_feed_token_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="reminder_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency}"

    def sends_on(self, weekday: int) -> bool:
        """Whether the digest goes out on a day of ``weekday`` (``date.weekday()``)."""
        if not self.enabled:
            return False
        return self.frequency == Frequency.DAILY or self.weekday == weekday


class SendStatus(models.TextChoices):
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")
    NOTHING = "nothing", _("Không có gì để nhắc")


class ReminderSend(models.Model):
    """One user's digest of one day: claimed before sending, then marked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="reminder_sends",
    )
    day = models.DateField(_("ngày"))
    status = models.CharField(_("trạng thái"), max_length=8, choices=SendStatus.choices)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=1)
    claimed_at = models.DateTimeField(_("nhận gửi lúc"))
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    #: What the digest counted (overdue, due soon, expiring, missing reports): numbers only.
    counts = models.JSONField(_("số việc đã nhắc"), default=dict, blank=True)
    #: The exception's class and the SMTP reply code, never the message's content.
    error = models.CharField(_("lỗi"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lần gửi nhắc việc")
        verbose_name_plural = _("lần gửi nhắc việc")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminder_send_once_a_day")
        ]
        indexes = [models.Index(fields=["day", "status"], name="reminder_send_day_status")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.status}"
