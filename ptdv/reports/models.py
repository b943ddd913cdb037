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
