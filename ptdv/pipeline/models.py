"""The admission pipeline: candidacies, their append-only events, mentors and their reports.

The state of a candidacy follows from its events (:func:`ptdv.rules.stages.derive`). The columns
``stage``, ``stage_since``, ``cell`` and ``next_due`` of :class:`Candidacy` are a cache of that
derivation, rewritten in the same transaction as every new event (see ``services.py``), so lists
and counts are plain indexed queries.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import CELL_KINDS, Organisation
from ptdv.org.scope import ScopedQuerySet
from ptdv.people.models import Person
from ptdv.rules.due import due_soon_until
from ptdv.rules.stages import CLOSED_STAGES, STAGE_LABELS, STEP_LABELS, Stage, Step

from . import labels
from .querysets import MentorAssignmentQuerySet, MentorReportQuerySet

# The stubs do not describe the functional API with (value, label) members: hence the ignores.
StageChoices: type[models.TextChoices] = models.TextChoices(  # type: ignore[call-overload]
    "StageChoices", [(s.name, (s.value, _(STAGE_LABELS[s]))) for s in Stage]
)
StepChoices: type[models.TextChoices] = models.TextChoices(  # type: ignore[call-overload]
    "StepChoices", [(s.name, (s.value, _(STEP_LABELS[s]))) for s in Step]
)


def overdue_on(today: date) -> Q:
    """The condition "the nearest deadline is overdue" (``rules.due.due_state``), for the
    queries that annotate rather than filter (the to-do page's groups)."""
    return Q(next_due__lt=today)


#: The columns of :meth:`CandidacyQuerySet.deadline_rows`.
DEADLINE_ROW_FIELDS = (
    "id",
    "stage",
    "next_due",
    "next_due_code",
    "expiry_due",
    "expiry_code",
    "person__full_name",
    "cell__name",
)


class CandidacyQuerySet(ScopedQuerySet["Candidacy"]):
    def open(self) -> Self:
        return self.exclude(stage__in=[s.value for s in CLOSED_STAGES])

    def overdue(self, today: date) -> Self:
        """Open candidacies whose nearest deadline is before ``today`` (``rules.due``)."""
        return self.open().filter(overdue_on(today))

    def due_soon(self, today: date) -> Self:
        """Open candidacies whose nearest deadline is due soon (``rules.due``)."""
        return self.due_between(today, due_soon_until(today))

    def due_between(self, start: date, end: date) -> Self:
        return self.open().filter(next_due__gte=start, next_due__lte=end)

    def deadline_rows(self) -> Self:
        """What a row of deadlines reads (the to-do page, the reminders' digest and calendar
        feed): the cached deadline and expiry, the name and the cell, nothing wider."""
        return self.select_related("person", "cell").only(*DEADLINE_ROW_FIELDS)

    def stage_counts(self) -> dict[str, int]:
        rows = self.order_by().values_list("stage").annotate(n=models.Count("id"))
        return dict(rows)


class Candidacy(models.Model):
    """One attempt of one person, from source to party card or an exit.

    - One open candidacy per person at a time; re-entry is a new attempt
      (Điều lệ Đảng, Điều 4; readmission after 36 months, QĐ 294-QĐ/TW 2025).
    """

    SCOPE = "cell"

    person = models.ForeignKey(
        Person, verbose_name=_("người"), on_delete=models.PROTECT, related_name="candidacies"
    )
    attempt = models.PositiveSmallIntegerField(_("lần"), default=1)
    cell = models.ForeignKey(
        Organisation,
        verbose_name=_("chi bộ"),
        on_delete=models.PROTECT,
        related_name="candidacies",
        limit_choices_to={"kind__in": sorted(CELL_KINDS)},
    )
    stage = models.CharField(_("giai đoạn"), max_length=32, choices=StageChoices.choices)
    stage_since = models.DateField(_("vào giai đoạn từ ngày"))
    opened_on = models.DateField(_("ngày xác định nguồn"))
    closed_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    next_due = models.DateField(_("hạn gần nhất"), null=True, blank=True)
    next_due_code = models.CharField(max_length=48, blank=True)
    #: The earliest open expiry of the certificate or a dossier paper (``Evaluation.next_expiry``).
    expiry_due = models.DateField(_("giấy tờ hết hạn"), null=True, blank=True)
    expiry_code = models.CharField(max_length=48, blank=True)
    #: Incremented by every event; a step is recorded only against the version its author saw.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ phát triển đảng viên")
        verbose_name_plural = _("hồ sơ phát triển đảng viên")
        constraints = [
            models.UniqueConstraint(fields=["person", "attempt"], name="candidacy_attempt_unique"),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(closed_on__isnull=True),
                name="candidacy_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "cell"]),
            models.Index(fields=["next_due"]),
            # The to-do page's first rows of a kind of deadline: ORDER BY next_due, id LIMIT.
            models.Index(fields=["next_due_code", "next_due", "id"], name="candidacy_due_by_code"),
            # The board's first cards of a stage: ORDER BY next_due (empty last), id LIMIT.
            models.Index(fields=["stage", "next_due", "id"], name="candidacy_due_by_stage"),
            models.Index(fields=["expiry_due"]),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s (lần %(attempt)s)") % {
            "person": self.person,
            "attempt": self.attempt,
        }

    def get_stage_display(self) -> str:  # type: ignore[no-redef]
        """The stage's label in the active language (a dictionary lookup: ``labels``)."""
        return labels.stage_labels().get(self.stage, self.stage)

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def is_closed(self) -> bool:
        return self.stage_enum in CLOSED_STAGES

    @property
    def expiry_label(self) -> str:
        return deadline_label(self.expiry_code)

    @property
    def next_due_label(self) -> str:
        return deadline_label(self.next_due_code)


def deadline_label(code: str) -> str:
    """The translated label of a deadline code ("" for none): ``labels.deadline_label``."""
    return labels.deadline_label(code)


class EventQuerySet(ScopedQuerySet["Event"]):
    """Events are append-only: bulk updates and deletes are refused like single ones."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Các bước đã ghi không được sửa: hãy ghi một bước đính chính.")

    def delete(self) -> NoReturn:
        raise RuntimeError("Các bước đã ghi không được xóa: hãy ghi một bước đính chính.")

    def effective(self) -> Self:
        """Events not voided by a correction, corrections themselves excluded.

        Written as ``NOT EXISTS``: the reverse one-to-one's ``voided_by__isnull`` is a left join
        that PostgreSQL 15 estimates at one row, then plans nested loops over whole histories.
        """
        voided = Event.objects.filter(voids=models.OuterRef("pk"))
        return self.exclude(step=Step.CORRECTION).exclude(models.Exists(voided))


class Event(models.Model):
    """One recorded step. Append-only: a wrong event is voided by a later correction event.

    - ``passed`` is set on votes: at least two thirds of the cell's official members in favour
      (Điều lệ Đảng, Điều 4 khoản 3; QĐ 294-QĐ/TW 2025).
    """

    SCOPE = "candidacy__cell"

    candidacy = models.ForeignKey(
        Candidacy, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField(_("thứ tự"))
    step = models.CharField(_("bước"), max_length=32, choices=StepChoices.choices)
    date = models.DateField(_("ngày"))
    #: The cell the candidacy belonged to when the step happened (reports per unit).
    cell = models.ForeignKey(
        Organisation, verbose_name=_("chi bộ"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    number = models.CharField(_("số nghị quyết / quyết định"), max_length=64, blank=True)
    official_members = models.PositiveSmallIntegerField(
        _("số đảng viên chính thức"), null=True, blank=True
    )
    present = models.PositiveSmallIntegerField(_("số có mặt"), null=True, blank=True)
    in_favour = models.PositiveSmallIntegerField(_("số tán thành"), null=True, blank=True)
    against = models.PositiveSmallIntegerField(_("số không tán thành"), null=True, blank=True)
    passed = models.BooleanField(_("đạt"), null=True, blank=True)
    data = models.JSONField(_("nội dung"), default=dict, blank=True)
    voids = models.OneToOneField(
        "self",
        verbose_name=_("đính chính bước"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voided_by",
    )
    reason = models.TextField(_("lý do"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("bước")
        verbose_name_plural = _("các bước")
        ordering = ["candidacy_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "seq"], name="event_seq_unique"),
            models.CheckConstraint(
                condition=Q(present__isnull=True)
                | Q(official_members__isnull=True)
                | Q(present__lte=F("official_members")),
                name="event_present_le_members",
            ),
            models.CheckConstraint(
                condition=Q(in_favour__isnull=True)
                | Q(against__isnull=True)
                | Q(present__isnull=True)
                | Q(in_favour__lte=F("present") - F("against")),
                name="event_votes_le_present",
            ),
            models.CheckConstraint(
                condition=~Q(step="correction") | Q(voids__isnull=False),
                name="event_correction_names_target",
            ),
        ]
        indexes = [
            models.Index(fields=["step", "date"]),
            models.Index(fields=["cell", "step", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} — {self.date:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise RuntimeError("Các bước đã ghi không được sửa: hãy ghi một bước đính chính.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Các bước đã ghi không được xóa: hãy ghi một bước đính chính.")

    def get_step_display(self) -> str:  # type: ignore[no-redef]
        """The step's label in the active language (a dictionary lookup: ``labels``)."""
        return labels.step_labels().get(self.step, self.step)

    @property
    def step_enum(self) -> Step:
        return Step(self.step)


class MentorAssignment(models.Model):
    """An official member assigned to help a candidate or a probationary member.

    - The mentor must be an official member during the assignment (Điều lệ Đảng, Điều 4;
      Điều 5 for probationary members).
    """

    SCOPE = "candidacy__cell"

    candidacy = models.ForeignKey(
        Candidacy, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="mentors"
    )
    mentor = models.ForeignKey(
        Person,
        verbose_name=_("đảng viên giúp đỡ"),
        on_delete=models.PROTECT,
        related_name="mentoring",
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"), null=True, blank=True)
    end_reason = models.CharField(_("lý do kết thúc"), max_length=255, blank=True)

    objects = MentorAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân công giúp đỡ")
        verbose_name_plural = _("phân công giúp đỡ")
        constraints = [
            models.UniqueConstraint(
                fields=["candidacy"],
                condition=Q(end__isnull=True),
                name="mentor_one_current_per_candidacy",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="mentor_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(mentor)s giúp đỡ %(person)s") % {
            "mentor": self.mentor,
            "person": self.candidacy.person,
        }


class ReportPeriod(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.value]

    def start_of(self, day: date) -> date:
        """The first day of the period containing ``day`` (how a report's period is stored)."""
        return day.replace(month=(day.month - 1) // self.months * self.months + 1, day=1)


class Assessment(models.TextChoices):
    GOOD = "good", _("Tiến bộ tốt")
    FAIR = "fair", _("Có tiến bộ")
    NO_PROGRESS = "no_progress", _("Chưa tiến bộ")
    CONCERN = "concern", _("Có vấn đề cần xem xét")


class MentorReport(models.Model):
    """A mentor's periodic report on the person they help (seed 001, seed 003)."""

    SCOPE = "assignment__candidacy__cell"

    assignment = models.ForeignKey(
        MentorAssignment,
        verbose_name=_("phân công"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    period = models.CharField(_("kỳ"), max_length=8, choices=ReportPeriod.choices)
    period_start = models.DateField(_("đầu kỳ"))
    text = models.TextField(_("nội dung nhận xét"))
    assessment = models.CharField(_("đánh giá"), max_length=16, choices=Assessment.choices)
    filed_on = models.DateField(_("ngày báo cáo"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = MentorReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo của người giúp đỡ")
        verbose_name_plural = _("báo cáo của người giúp đỡ")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period", "period_start"], name="mentor_report_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.period_start:%m/%Y}"

    def get_period_display(self) -> str:  # type: ignore[no-redef]
        """The labels of the period and the assessment: dictionary lookups (``labels``)."""
        return str(labels.display(self, "period"))

    def get_assessment_display(self) -> str:  # type: ignore[no-redef]
        return str(labels.display(self, "assessment"))


class CalendarDay(models.Model):
    """A one-off change to the working calendar decreed by the government.

    The Vietnamese public holidays, Tết included, come from the ``holidays`` library; this table
    adds the days it cannot know (an extra day off, a weekend day worked in exchange).
    """

    SCOPE = None

    date = models.DateField(_("ngày"), unique=True)
    is_day_off = models.BooleanField(
        _("ngày nghỉ"), default=True, help_text=_("Bỏ chọn: ngày làm bù.")
    )
    name = models.CharField(_("căn cứ / ghi chú"), max_length=255)

    class Meta:
        verbose_name = _("ngày nghỉ / làm bù bổ sung")
        verbose_name_plural = _("ngày nghỉ / làm bù bổ sung")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.name}"


# The summaries kept with the events (a derived table: ``tallies.py``).
from .tallies import Tally  # noqa: E402, F401
