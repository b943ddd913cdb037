"""The two registers of personal data protection.

- :class:`SubjectRequest`: a request of a person whose data ptdv holds (access, correction,
  restriction, objection, withdrawal of consent, deletion), with its legal deadlines, and its
  :class:`RequestStep` history (append-only: acknowledged, extended, answered, refused, closed).
  ``status``, the dates and the deadlines of the request are a cache of its steps and of the
  working-day calendar (:mod:`ptdv.rules.data_protection`), rewritten in the transaction of each
  step (``services.py``) and when the calendar changes (``signals.py``).
- :class:`Incident`: a breach of personal data protection (*sự cố, vi phạm*): what happened,
  when, the people and data affected — as counts and categories, never a list of people —, the
  measures taken, the notification of the competent authority and its 72-hour deadline; its
  :class:`IncidentUpdate` history (append-only).

Requests are scoped by the person's cell, incidents by the organisation they concern.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet
from ptdv.people.models import Person
from ptdv.rules.data_protection import (
    OPEN_STATUSES,
    REQUEST_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    REQUEST_STEP_LABELS,
)

APPEND_ONLY = "Lịch sử đã ghi không được sửa hay xóa: hãy ghi thêm một bước."

RequestKindChoices = models.TextChoices(
    "RequestKindChoices", [(k.upper(), (k, _(label))) for k, label in REQUEST_KIND_LABELS.items()]
)
RequestStepChoices = models.TextChoices(
    "RequestStepChoices", [(k.upper(), (k, _(label))) for k, label in REQUEST_STEP_LABELS.items()]
)
RequestStatusChoices = models.TextChoices(
    "RequestStatusChoices",
    [(k.upper(), (k, _(label))) for k, label in REQUEST_STATUS_LABELS.items()],
)


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    LETTER = "letter", _("Văn bản gửi qua bưu chính")
    EMAIL = "email", _("Thư điện tử")
    PHONE = "phone", _("Điện thoại")
    CELL = "cell", _("Qua chi bộ")
    OTHER = "other", _("Khác")


class Requester(models.TextChoices):
    SELF = "self", _("Chính người có dữ liệu")
    REPRESENTATIVE = "representative", _("Người đại diện hoặc người được ủy quyền")


class AppendOnlyQuerySet(ScopedQuerySet):
    """History rows are append-only: bulk updates and deletes are refused like single ones."""

    def update(self, **kwargs):
        raise RuntimeError(APPEND_ONLY)

    def delete(self):
        raise RuntimeError(APPEND_ONLY)


class AppendOnly(models.Model):
    """A row of a history: written once, with who wrote it and when, never changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise RuntimeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(APPEND_ONLY)


# --- requests of the person ---------------------------------------------------------------------


class SubjectRequestQuerySet(ScopedQuerySet):
    def open(self):
        """Still to be answered (the deadlines run)."""
        return self.filter(status__in=sorted(OPEN_STATUSES))


class SubjectRequest(models.Model):
    """A request of a person about their data, received by the organisation on ``received_on``.

    - ``requester``: the person themself, or a representative (``requester_name``).
    - ``acknowledge_due`` / ``answer_due``: the legal deadlines (working days from receipt; the
      answer's includes an extension), ``next_due`` the earliest still open (``None`` once the
      request is answered, refused or closed). A cache: see the module docstring.
    """

    SCOPE = "person__cell"

    person = models.ForeignKey(
        Person, verbose_name=_("người có dữ liệu"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("loại yêu cầu"), max_length=16, choices=RequestKindChoices.choices)
    received_on = models.DateField(_("ngày nhận"))
    channel = models.CharField(_("hình thức gửi"), max_length=16, choices=Channel.choices)
    requester = models.CharField(
        _("người gửi yêu cầu"), max_length=16, choices=Requester.choices, default=Requester.SELF
    )
    requester_name = models.CharField(_("họ và tên người đại diện"), max_length=120, blank=True)
    requester_contact = models.CharField(
        _("địa chỉ liên hệ để trả lời"), max_length=255, blank=True
    )
    text = models.TextField(_("nội dung yêu cầu"))

    status = models.CharField(
        _("tình trạng"),
        max_length=16,
        choices=RequestStatusChoices.choices,
        default=RequestStatusChoices.RECEIVED,
    )
    acknowledged_on = models.DateField(_("ngày xác nhận đã nhận"), null=True, blank=True)
    answered_on = models.DateField(_("ngày trả lời"), null=True, blank=True)
    closed_on = models.DateField(_("ngày đóng"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("số ngày gia hạn"), default=0)
    acknowledge_due = models.DateField(_("hạn xác nhận đã nhận"))
    answer_due = models.DateField(_("hạn trả lời"))
    next_due = models.DateField(_("hạn gần nhất"), null=True, blank=True)
    next_due_code = models.CharField(max_length=32, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    #: Incremented by every step; a step is recorded only against the version its author saw.
    version = models.PositiveIntegerField(default=0)

    objects = SubjectRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("yêu cầu của người có dữ liệu")
        verbose_name_plural = _("yêu cầu của người có dữ liệu")
        indexes = [
            models.Index(fields=["status", "next_due"], name="subjects_request_due"),
            models.Index(fields=["person", "received_on"], name="subjects_request_person"),
            models.Index(fields=["received_on"], name="subjects_request_received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.received_on:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestStep(AppendOnly):
    """One step of a request (append-only): what was done on ``date`` and by whom.

    ``text``: for an answer, what was done; for a refusal, the legal reason; for an extension,
    its reason (``extension_days``); for closing, a note.
    """

    SCOPE = "request__person__cell"

    request = models.ForeignKey(
        SubjectRequest, verbose_name=_("yêu cầu"), on_delete=models.PROTECT, related_name="steps"
    )
    seq = models.PositiveIntegerField(_("thứ tự"))
    step = models.CharField(_("bước"), max_length=16, choices=RequestStepChoices.choices)
    date = models.DateField(_("ngày"))
    text = models.TextField(_("nội dung"), blank=True)
    extension_days = models.PositiveSmallIntegerField(_("số ngày gia hạn"), null=True, blank=True)

    class Meta:
        verbose_name = _("bước xử lý yêu cầu")
        verbose_name_plural = _("các bước xử lý yêu cầu")
        ordering = ["request_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["request", "seq"], name="subjects_request_step_seq")
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} — {self.date:%d/%m/%Y}"


# --- breaches --------------------------------------------------------------------------------------


class PeopleCategory(models.TextChoices):
    CANDIDATES = "candidates", _("Quần chúng, người xin vào Đảng")
    MEMBERS = "members", _("Đảng viên")
    RELATIVES = "relatives", _("Người thân khai trong lý lịch")
    INTRODUCERS = "introducers", _("Người giới thiệu, người giúp đỡ")
    USERS = "users", _("Người dùng của hệ thống")
    OTHER = "other", _("Khác")


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Họ tên, ngày sinh, giới tính")
    CCCD = "cccd", _("Số định danh cá nhân (CCCD)")
    ADDRESS = "address", _("Nơi cư trú, địa chỉ")
    ETHNICITY_RELIGION = "ethnicity_religion", _("Dân tộc, tôn giáo (dữ liệu nhạy cảm)")
    VERIFICATION = "verification", _("Kết quả thẩm tra lý lịch")
    FAMILY = "family", _("Quan hệ gia đình")
    PARTY = "party", _("Hồ sơ phát triển đảng viên, đảng tịch")
    MENTOR_REPORTS = "mentor_reports", _("Nhận xét của người giúp đỡ")
    ACCOUNTS = "accounts", _("Tài khoản, mật khẩu của người dùng")
    OTHER = "other", _("Khác")


class Incident(models.Model):
    """A breach of personal data protection, recorded by the organisation it concerns.

    - ``notify_due``: ``detected_at`` plus the hours the law gives to notify the competent
      authority (:func:`ptdv.rules.data_protection.notification_due`), recomputed when
      ``detected_at`` is corrected.
    - ``people_count``, ``people_categories``, ``data_categories``: how many people and which
      kinds of people and data — never who (the register holds no list of personal data).
    - ``measures``: the measures taken when it was recorded; later ones are
      :class:`IncidentUpdate` rows.
    """

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("tổ chức đảng"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField(_("tóm tắt sự cố"), max_length=200)
    description = models.TextField(_("diễn biến"))
    occurred_at = models.DateTimeField(_("thời điểm xảy ra"), null=True, blank=True)
    detected_at = models.DateTimeField(_("thời điểm phát hiện"))
    detected_by = models.CharField(_("người, bộ phận phát hiện"), max_length=255)
    people_count = models.PositiveIntegerField(_("số người bị ảnh hưởng"), null=True, blank=True)
    people_categories = models.JSONField(_("nhóm người bị ảnh hưởng"), default=list, blank=True)
    data_categories = models.JSONField(_("loại dữ liệu bị ảnh hưởng"), default=list, blank=True)
    consequences = models.TextField(_("hậu quả, nguy cơ"), blank=True)
    measures = models.TextField(_("biện pháp đã thực hiện"), blank=True)

    notify_due = models.DateTimeField(_("hạn thông báo"))
    notified_at = models.DateTimeField(_("thời điểm thông báo"), null=True, blank=True)
    notified_to = models.CharField(_("cơ quan được thông báo"), max_length=255, blank=True)
    notification_reference = models.CharField(
        _("số, ký hiệu văn bản thông báo"), max_length=100, blank=True
    )
    late_reason = models.TextField(_("lý do thông báo muộn"), blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc xử lý"), null=True, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    version = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự cố dữ liệu cá nhân")
        verbose_name_plural = _("sự cố dữ liệu cá nhân")
        indexes = [
            models.Index(fields=["closed_at", "notified_at"], name="subjects_incident_open"),
            models.Index(fields=["detected_at"], name="subjects_incident_detected"),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def awaiting_notification(self) -> bool:
        """Open and the authority not yet notified: the clock runs."""
        return self.closed_at is None and self.notified_at is None

    @property
    def notified_late(self) -> bool:
        return self.notified_at is not None and self.notified_at > self.notify_due

    def people_category_labels(self) -> list[str]:
        labels = dict(PeopleCategory.choices)
        return [str(labels.get(code, code)) for code in self.people_categories or ()]

    def data_category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.data_categories or ()]


class IncidentUpdate(AppendOnly):
    """One entry of an incident's history (append-only).

    - ``measure``: a measure taken at ``at`` (``text``);
    - ``notified``: the competent authority notified at ``at`` (``data``: ``to``, ``reference``;
      ``text``: why late, if late);
    - ``changed``: facts of the incident corrected (``data``: ``{field: [old, new]}`` as shown);
    - ``closed``: handling finished (``text``: the outcome; why the authority was not notified,
      if it was not).
    """

    SCOPE = "incident__organisation"

    class Kind(models.TextChoices):
        MEASURE = "measure", _("Biện pháp khắc phục")
        NOTIFIED = "notified", _("Thông báo cơ quan có thẩm quyền")
        CHANGED = "changed", _("Sửa thông tin sự cố")
        CLOSED = "closed", _("Kết thúc xử lý")

    incident = models.ForeignKey(
        Incident, verbose_name=_("sự cố"), on_delete=models.PROTECT, related_name="updates"
    )
    seq = models.PositiveIntegerField(_("thứ tự"))
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("thời điểm"))
    text = models.TextField(_("nội dung"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("diễn biến xử lý sự cố")
        verbose_name_plural = _("diễn biến xử lý sự cố")
        ordering = ["incident_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="subjects_incident_update_seq")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.at:%d/%m/%Y %H:%M}"
