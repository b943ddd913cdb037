"""The composition of a group of people (women, youth, ethnic minority, education…).

Each category is a condition on a person's record, written as a ``Q`` so the database counts
every category of every unit in one grouped query. The categories and their definitions are
those of the seed articles and of the statistics forms (HD 11-HD/BTCTW, 2021): ethnic minority is
every ethnic group but Kinh; "young" is aged 18 to 30 (Luật Thanh niên 2020, Điều 1: youth is 16
to 30; a member is at least 18); education counts the highest level reached.

Ages are the rules' ages (``ptdv.rules.months.age_in_full_years``, the one convention of the
application): a year is full on the same day, or on the last day of a shorter month, so a person
born on 29/02/1996 is 31 on 28/02/2027 and no longer young, and one born on 29/02/2008 is 18 on
28/02/2026.

Youth Union membership and "local" are the person's status **on the admission day** where the
ceremony recorded it (its ``Event.data``: ``youth_union_member``, ``local_resident``, the record
as it stood that day), else the record as it is now (:func:`status_at_admission`); the
new members' report says how many it read from the record of today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

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
from ptdv.rules.months import add_months, age_in_full_years

#: Youth for the statistics: 18 (the youngest member) to 30 years old inclusive.
YOUNG_MIN_AGE, YOUNG_MAX_AGE = 18, 30
#: The ages whose thresholds a row's age key is compared with (:func:`young_at_row`): the key
#: counts a birthday of 29 February as 28 February, exact when the anniversary year of a leap
#: year is a common one, that is, for an age that is not a multiple of 4.
assert YOUNG_MIN_AGE % 4 and (YOUNG_MAX_AGE + 1) % 4, "see young_at_row"

#: Statuses that count as on the admission day: the key of the ceremony's ``Event.data`` and
#: the person's field read when the ceremony did not record it.
AT_ADMISSION = {"youth_union": "youth_union_member", "local_resident": "local_resident"}


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
        _("Công nhân kỹ thuật, nhân viên nghiệp vụ"),
        _field("professional_level", ProfessionalLevel.TECHNICAL_WORKER),
    ),
    Category(
        "university", _("Đại học"), _field("professional_level", ProfessionalLevel.UNIVERSITY)
    ),
    Category("master", _("Thạc sĩ"), _field("professional_level", ProfessionalLevel.MASTER)),
    Category("doctor", _("Tiến sĩ"), _field("professional_level", ProfessionalLevel.DOCTOR)),
)
BY_CODE = {c.code: c for c in CATEGORIES}


def latest_birth_for_age(day: date, years: int) -> date:
    """The latest birth date of a person aged at least ``years`` full years on ``day`` by the
    rules' age (``age_in_full_years``): ``day`` − ``years`` years, and on 28 February of a
    common year the 29 February of a leap year before it too (29/02/1996 is 31 on 28/02/2027)."""
    born = add_months(day, -12 * years)
    following = born + timedelta(days=1)
    while age_in_full_years(following, day) >= years:  # at most once: 28 → 29 February
        born, following = following, following + timedelta(days=1)
    return born


def young_on(day: date, prefix: str = "") -> Q:
    """Aged 18 to 30 on ``day`` by the rules' age: of age 18 and not yet of age 31."""
    return Q(
        **{
            f"{prefix}birth_date__gt": latest_birth_for_age(day, YOUNG_MAX_AGE + 1),
            f"{prefix}birth_date__lte": latest_birth_for_age(day, YOUNG_MIN_AGE),
        }
    )


def young_at_row(age_key: str) -> Q:
    """Aged 18 to 30 on each row's own date, from an ``age_key`` annotation
    (``figures.new_members.age_key``): ``yyyymmdd(day) - yyyymmdd(birth)``, a birth on 29
    February read as 28 February, is at least 180000 from the 18th birthday on and below
    310000 until the 31st — the rules' age, since 18 and 31 years after a leap year are common
    years, whose birthday of a 29 February is the 28th (``tests/reports/test_ages.py``
    compares it with ``age_in_full_years`` day by day)."""
    return Q(
        **{f"{age_key}__gte": YOUNG_MIN_AGE * 10000, f"{age_key}__lt": (YOUNG_MAX_AGE + 1) * 10000}
    )


def status_at_admission(code: str, prefix: str, event_prefix: str = "") -> Q:
    """Youth Union member, local resident on the admission day: as the ceremony recorded it
    (its ``data``), else (not recorded) as the person's record is now."""
    key = AT_ADMISSION[code]
    recorded = f"{event_prefix}data__{key}"
    return Q(**{recorded: True}) | (
        ~Q(**{f"{event_prefix}data__has_key": key}) & Q(**{f"{prefix}{key}": True})
    )


def unrecorded_at_admission(event_prefix: str = "") -> Q:
    """Ceremonies that did not record a status of :data:`AT_ADMISSION` (read from today's
    record)."""
    missing = Q()
    for key in AT_ADMISSION.values():
        missing |= ~Q(**{f"{event_prefix}data__has_key": key})
    return missing


def condition(
    code: str,
    prefix: str = "",
    *,
    on: date | None = None,
    age_key: str = "",
    at_event: bool = False,
) -> Q:
    """The ``Q`` of a category; "young" needs either a fixed date ``on`` or a row ``age_key``;
    ``at_event``: the rows are admission ceremonies, whose record of the Youth Union
    membership and of "local" counts (:func:`status_at_admission`)."""
    if code == "young":
        if on is not None:
            return young_on(on, prefix)
        return young_at_row(age_key)
    if at_event and code in AT_ADMISSION:
        return status_at_admission(code, prefix)
    return BY_CODE[code].condition(prefix)
