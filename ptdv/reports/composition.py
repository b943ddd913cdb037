"""The composition of a group of people (women, youth, ethnic minority, education…).

Each category is a condition on a person's record, written as a ``Q`` so the database counts
every category of every unit in one grouped query. The categories and their definitions are
those of the seed articles and of the statistics forms (HD 11-HD/BTCTW, 2021): ethnic minority is
every ethnic group but Kinh; "young" is aged 18 to 30 (Luật Thanh niên 2020, Điều 1: youth is 16
to 30; a member is at least 18); education counts the highest level reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ptdv.people.choices import (
    ENTERPRISE_SECTORS,
    KINH,
    GeneralEducation,
    ProfessionalLevel,
    Religion,
    Sector,
)

#: Youth for the statistics: 18 (the youngest member) to 30 years old inclusive.
YOUNG_MIN_AGE, YOUNG_MAX_AGE = 18, 30


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    #: ``condition(prefix)``: the ``Q`` on the person reached through ``prefix`` ("" or
    #: "candidacy__person__").
    condition: Callable[[str], Q]


def _field(name: str, value) -> Callable[[str], Q]:
    return lambda prefix: Q(**{f"{prefix}{name}": value})


def _in(name: str, values) -> Callable[[str], Q]:
    return lambda prefix: Q(**{f"{prefix}{name}__in": sorted(values)})


def _not(name: str, value) -> Callable[[str], Q]:
    return lambda prefix: ~Q(**{f"{prefix}{name}": value})


CATEGORIES: tuple[Category, ...] = (
    Category("women", _("Nữ"), _field("sex", "F")),
    Category("youth_union", _("Đoàn viên thanh niên"), _field("youth_union_member", True)),
    Category("young", _("Trẻ (từ 18 đến 30 tuổi)"), lambda prefix: Q()),  # see young_q()
    Category("ethnic_minority", _("Người dân tộc thiểu số"), _not("ethnicity", KINH)),
    Category("religious", _("Người có đạo (theo tôn giáo)"), _not("religion", Religion.NONE)),
    Category("local_resident", _("Người tại chỗ"), _field("local_resident", True)),
    Category(
        "enterprise",
        _("Công nhân, người lao động trong doanh nghiệp"),
        _in("sector", ENTERPRISE_SECTORS),
    ),
    Category(
        "private_enterprise",
        _("Trong doanh nghiệp ngoài nhà nước"),
        _in("sector", {Sector.PRIVATE_ENTERPRISE, Sector.FOREIGN_ENTERPRISE}),
    ),
    Category("student", _("Học sinh, sinh viên"), _field("sector", Sector.STUDENT)),
    Category(
        "upper_secondary",
        _("Tốt nghiệp trung học phổ thông"),
        _field("general_education", GeneralEducation.UPPER_SECONDARY),
    ),
    Category(
        "technical_worker",
        _("Công nhân kỹ thuật"),
        _field("professional_level", ProfessionalLevel.TECHNICAL_WORKER),
    ),
    Category(
        "university", _("Đại học"), _field("professional_level", ProfessionalLevel.UNIVERSITY)
    ),
    Category("master", _("Thạc sĩ"), _field("professional_level", ProfessionalLevel.MASTER)),
    Category("doctor", _("Tiến sĩ"), _field("professional_level", ProfessionalLevel.DOCTOR)),
)
BY_CODE = {c.code: c for c in CATEGORIES}


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def young_on(day: date, prefix: str = "") -> Q:
    """Aged 18 to 30 on ``day``: born after ``day`` − 31 years and on or before ``day`` − 18."""
    return Q(
        **{
            f"{prefix}birth_date__gt": years_before(day, YOUNG_MAX_AGE + 1),
            f"{prefix}birth_date__lte": years_before(day, YOUNG_MIN_AGE),
        }
    )


def young_at_row(age_key: str) -> Q:
    """Aged 18 to 30 on each row's own date, from an ``age_key`` annotation (``figures.new_members.age_key``):
    ``yyyymmdd(day) - yyyymmdd(birth)`` is at least 180000 from the 18th birthday on and below
    310000 until the 31st."""
    return Q(
        **{f"{age_key}__gte": YOUNG_MIN_AGE * 10000, f"{age_key}__lt": (YOUNG_MAX_AGE + 1) * 10000}
    )


def condition(code: str, prefix: str = "", *, on: date | None = None, age_key: str = "") -> Q:
    """The ``Q`` of a category; "young" needs either a fixed date ``on`` or a row ``age_key``."""
    if code == "young":
        if on is not None:
            return young_on(on, prefix)
        return young_at_row(age_key)
    return BY_CODE[code].condition(prefix)
