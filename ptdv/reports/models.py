"""Targets (chỉ tiêu) that organisations register for a year or a term."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet

from .periods import Period

#: Composition targets: field name -> the figure of the new-members report it is compared with.
COMPOSITION_TARGETS = {
    "women": "women",
    "youth": "youth_union",
    "ethnic_minority": "ethnic_minority",
    "local_residents": "local_resident",
    "enterprise_workers": "enterprise",
}
#: Structure targets: field name -> place kind whose coverage it sets.
STRUCTURE_TARGETS = {
    "village_coverage": "village",
    "school_coverage": "school",
    "health_station_coverage": "health_station",
}


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


def _share(label):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Tỷ lệ phần trăm, ví dụ 85."),
    )


class Target(models.Model):
    """What an organisation plans to achieve in a year (``first_year == last_year``) or a term.

    - Each grassroots organisation or cell registers its own at the start of the year; a
      committee may set none and let its units plan (seed 000). A subtree's target is the
      organisation's own where it has one, else the sum of its units' (``targets.roll_up``).
    """

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("tổ chức đảng"),
        on_delete=models.PROTECT,
        related_name="targets",
    )
    first_year = models.PositiveSmallIntegerField(
        _("từ năm"), validators=[MinValueValidator(1930), MaxValueValidator(2100)]
    )
    last_year = models.PositiveSmallIntegerField(
        _("đến năm"), validators=[MinValueValidator(1930), MaxValueValidator(2100)]
    )
    admissions = models.PositiveIntegerField(_("số đảng viên kết nạp"))
    women = _count(_("trong đó nữ"))
    youth = _count(_("trong đó đoàn viên thanh niên"))
    ethnic_minority = _count(_("trong đó người dân tộc thiểu số"))
    local_residents = _count(_("trong đó người tại chỗ"))
    enterprise_workers = _count(_("trong đó công nhân, người lao động trong doanh nghiệp"))
    village_coverage = _share(_("tỷ lệ thôn, bản, tổ dân phố có chi bộ (%)"))
    school_coverage = _share(_("tỷ lệ trường học có tổ chức đảng (%)"))
    health_station_coverage = _share(_("tỷ lệ trạm y tế có tổ chức đảng (%)"))
    basis = models.CharField(
        _("căn cứ"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: Nghị quyết Đại hội Đảng bộ lần thứ XXII, nhiệm kỳ 2015–2020."),
    )
    registered_on = models.DateField(_("ngày đăng ký"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["organisation__path", "first_year", "last_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "first_year", "last_year"], name="target_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")), name="target_years_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.years_label}"

    @property
    def is_term(self) -> bool:
        return bool(self.first_year and self.last_year and self.last_year > self.first_year)

    @property
    def years_label(self) -> str:
        if self.is_term:
            return gettext("Nhiệm kỳ %(first)s–%(last)s") % {
                "first": self.first_year,
                "last": self.last_year,
            }
        return gettext("Năm %(year)s") % {"year": self.first_year}

    @property
    def period(self) -> Period:
        return Period.years(self.first_year, self.last_year)

    def clean(self):
        errors = {}
        if self.first_year and self.last_year:
            if self.last_year < self.first_year:
                errors["last_year"] = gettext("Năm cuối phải bằng hoặc sau năm đầu.")
            elif self.last_year - self.first_year > 5:
                errors["last_year"] = gettext("Một nhiệm kỳ dài nhất 5 năm (6 năm dương lịch).")
        if self.admissions is not None:
            for name in COMPOSITION_TARGETS:
                value = getattr(self, name)
                if value is not None and value > self.admissions:
                    errors[name] = gettext("Không được lớn hơn số đảng viên kết nạp (%(n)s).") % {
                        "n": self.admissions
                    }
        if errors:
            raise ValidationError(errors)


class StageStay(models.Model):
    """One candidacy's stay in one stage, kept from its effective events (see
    :mod:`ptdv.reports.stays`): entered on the day of the step that led there, at that step's
    cell, left on the day of the next step that changed the stage (``outcome``: ``"moved"`` or
    the exit stage), ``days`` long. Derived data, rewritten in the transaction of every write of
    the candidacy's history and rebuilt from the events by ``rebuild_stays``.

    A row without ``entered`` is an empty place: the stay a correction removed, kept (so that
    the correction writes one statement) until the candidacy's next stay takes its place; no
    report counts it (they all read the stays entered by a day)."""

    SCOPE = "cell"

    candidacy = models.ForeignKey(
        "pipeline.Candidacy", on_delete=models.CASCADE, related_name="+", verbose_name=_("hồ sơ")
    )
    #: The stay's place in the candidacy's stays (0, 1, …).
    ordinal = models.PositiveSmallIntegerField(_("thứ tự"))
    stage = models.CharField(_("giai đoạn"), max_length=32)
    cell = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("chi bộ")
    )
    entered = models.DateField(_("ngày vào"), null=True, blank=True)
    left = models.DateField(_("ngày rời"), null=True, blank=True)
    outcome = models.CharField(_("rời sang"), max_length=32, blank=True)
    days = models.IntegerField(_("số ngày"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("thời gian ở giai đoạn")
        verbose_name_plural = _("thời gian ở giai đoạn")
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "ordinal"], name="stage_stay_unique")
        ]
        indexes = [
            models.Index(fields=["cell", "entered"], name="stage_stay_cell_entered"),
            models.Index(fields=["cell", "left"], name="stage_stay_cell_left"),
        ]

    def __str__(self) -> str:
        return f"{self.candidacy_id} {self.stage} {self.entered}–{self.left or ''}"


class StoredReport(models.Model):
    """A report of a period that has ended, computed once (``ptdv.reports.stored``): the tables
    and charts as JSON, which the page and the workbook are built from. Computed again when an
    event recorded later touches a day on or before its last day (``end``); deleted by the other
    writes that may change it."""

    SCOPE = "organisation"

    kind = models.CharField(_("báo cáo"), max_length=32)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("tổ chức đảng")
    )
    #: The period's first day (a snapshot without one: its day).
    start = models.DateField(_("từ ngày"))
    #: The last day the figures read (the period's end, or the snapshot's day).
    end = models.DateField(_("đến ngày"))
    places = models.PositiveSmallIntegerField(_("chữ số thập phân"))
    language = models.CharField(_("ngôn ngữ"), max_length=16)
    payload = models.JSONField(_("số liệu"))
    #: The last event id the figures had seen (newer events are checked when it is read).
    events_seen = models.BigIntegerField(_("sự kiện đã tính"))
    computed_at = models.DateTimeField(_("tính lúc"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo đã tính")
        verbose_name_plural = _("báo cáo đã tính")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organisation", "start", "end", "places", "language"],
                name="stored_report_unique",
            )
        ]
        indexes = [models.Index(fields=["end"], name="stored_report_end")]

    def __str__(self) -> str:
        return f"{self.kind} {self.organisation_id} {self.start}–{self.end}"
