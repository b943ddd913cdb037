"""People: applicants, party members, introducers and mentors are all one record."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import CELL_KINDS, Organisation, Place
from ptdv.org.scope import ScopedQuerySet

from .choices import (
    ETHNICITIES,
    GeneralEducation,
    ProfessionalLevel,
    Religion,
    Sector,
    Sex,
    TheoryLevel,
)
from .text import fold, normalise_name, sort_key
from .validators import check_cccd_matches, validate_cccd


class MemberStatus(models.TextChoices):
    NONE = "none", _("Chưa là đảng viên")
    PROBATIONARY = "probationary", _("Đảng viên dự bị")
    OFFICIAL = "official", _("Đảng viên chính thức")
    LEFT = "left", _("Đã ra khỏi Đảng")


#: A party member now (a new candidacy is opened only for somebody who is not).
MEMBER_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)


class PersonQuerySet(ScopedQuerySet):
    def members(self):
        """Party members now (probationary or official)."""
        return self.filter(member_status__in=MEMBER_STATUSES)

    def official_members_on(self, day: date):
        return self.filter(party_official_on__lte=day).exclude(party_left_on__lte=day)

    def search(self, text: str):
        """People matching a search box's text: name word beginnings without diacritics, or a
        CCCD (prefix); best matches first, then Vietnamese order (see people/search.py)."""
        from .search import PersonQuery, search_people

        return search_people(self, PersonQuery.parse(text))


class Person(models.Model):
    """A person: a source, a candidate or a party member.

    - Introducers and mentors must be official members on the relevant date
      (Điều lệ Đảng, Điều 4; QĐ 294-QĐ/TW 2025): see :meth:`is_official_member_on`.
    - Membership dates are kept here for members admitted before the system was used; for
      people admitted through ptdv they are set by the pipeline's events.
    """

    SCOPE = "cell"

    full_name = models.CharField(_("họ và tên"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    #: Vietnamese order: given name, middle names, family name (see text.sort_key).
    sort_key = models.CharField(max_length=255, editable=False, db_index=True, default="")
    birth_date = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices)
    cccd = models.CharField(
        _("số CCCD"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_cccd],
        help_text=_("Số định danh cá nhân, 12 chữ số."),
    )
    ethnicity = models.CharField(_("dân tộc"), max_length=2, choices=ETHNICITIES, default="01")
    religion = models.CharField(
        _("tôn giáo"), max_length=16, choices=Religion.choices, default=Religion.NONE
    )
    general_education = models.CharField(
        _("giáo dục phổ thông"), max_length=16, choices=GeneralEducation.choices
    )
    professional_level = models.CharField(
        _("chuyên môn, nghiệp vụ"),
        max_length=20,
        choices=ProfessionalLevel.choices,
        default=ProfessionalLevel.NONE,
    )
    theory_level = models.CharField(
        _("lý luận chính trị"), max_length=16, choices=TheoryLevel.choices, default=TheoryLevel.NONE
    )
    occupation = models.CharField(_("nghề nghiệp, chức vụ"), max_length=255, blank=True)
    sector = models.CharField(_("khu vực"), max_length=24, choices=Sector.choices)
    youth_union_member = models.BooleanField(_("đoàn viên TNCS Hồ Chí Minh"), default=False)
    trade_union_member = models.BooleanField(_("đoàn viên công đoàn"), default=False)
    local_resident = models.BooleanField(_("người tại chỗ"), default=False)
    residence = models.ForeignKey(
        Place,
        verbose_name=_("nơi cư trú (thôn, bản, tổ dân phố)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    cell = models.ForeignKey(
        Organisation,
        verbose_name=_("chi bộ"),
        on_delete=models.PROTECT,
        related_name="people",
        limit_choices_to={"kind__in": sorted(CELL_KINDS)},
    )
    member_status = models.CharField(
        _("tình trạng đảng viên"),
        max_length=16,
        choices=MemberStatus.choices,
        default=MemberStatus.NONE,
    )
    party_admitted_on = models.DateField(_("ngày vào Đảng (lễ kết nạp)"), null=True, blank=True)
    party_official_on = models.DateField(_("ngày chính thức"), null=True, blank=True)
    party_left_on = models.DateField(_("ngày ra khỏi Đảng"), null=True, blank=True)
    party_card_number = models.CharField(_("số thẻ đảng viên"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("người")
        verbose_name_plural = _("người")
        indexes = [
            models.Index(fields=["cell", "member_status"]),
            models.Index(fields=["full_name", "birth_date"]),
            # "The same person" of imports: folded name and birth date. Without it PostgreSQL
            # answers `search_name IN (…)` through the trigram index (seconds per 1,000 names).
            models.Index(fields=["search_name", "birth_date"], name="person_same_person_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """The name in NFC and its search and sort forms; no empty CCCD (``bulk_create`` callers
        call this themselves: it bypasses :meth:`save`)."""
        self.full_name = normalise_name(self.full_name)
        self.search_name = fold(self.full_name)
        self.sort_key = sort_key(self.full_name)
        if self.cccd == "":
            self.cccd = None

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.cccd:
            mismatches = check_cccd_matches(self.cccd, self.birth_date, self.sex)
            if mismatches:
                errors["cccd"] = mismatches
        if self.cell_id and self.cell.kind not in CELL_KINDS:
            errors["cell"] = [gettext("Chỉ chọn một chi bộ (chi bộ trực thuộc hoặc chi bộ cơ sở).")]
        admitted, official = self.party_admitted_on, self.party_official_on
        if admitted and official and official < admitted:
            errors["party_official_on"] = [gettext("Ngày chính thức phải sau ngày vào Đảng.")]
        if errors:
            raise ValidationError(errors)

    @property
    def is_member(self) -> bool:
        return self.member_status in MEMBER_STATUSES

    def is_official_member_on(self, day: date) -> bool:
        return (
            self.party_official_on is not None
            and self.party_official_on <= day
            and (self.party_left_on is None or self.party_left_on > day)
        )
