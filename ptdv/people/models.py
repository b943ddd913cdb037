"""People: applicants, party members, introducers and mentors are all one record."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.labels import display
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
from .validators import (
    PERSONAL_HISTORY_NUMBER_LENGTH,
    check_cccd_matches,
    normalise_personal_history_number,
    validate_cccd,
    validate_personal_history_number,
)


class MemberStatus(models.TextChoices):
    NONE = "none", _("Chưa là đảng viên")
    PROBATIONARY = "probationary", _("Đảng viên dự bị")
    OFFICIAL = "official", _("Đảng viên chính thức")
    LEFT = "left", _("Đã ra khỏi Đảng")
    #: Still a party member, now in an organisation outside the installation (members.services).
    TRANSFERRED_OUT = "transferred_out", _("Đã chuyển sinh hoạt đảng đi")


#: A party member now (a new candidacy is opened only for somebody who is not).
MEMBER_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)


class LegalBasis(models.TextChoices):
    """The legal basis on which a person's data are processed (Luật 91/2025/QH15, Điều 9 and
    the cases without consent it allows; the text of the notice is in ``ptdv.dossier.notice``).

    - ``party_rules``: the Party's own rules (Điều lệ Đảng and its guidance) — a member's data,
      and whatever the installation decides falls under them;
    - ``consent``: the person's consent, with its date and scope — a source or a candidate.

    ``""`` is "not recorded yet" (people entered before ptdv recorded it).
    """

    UNRECORDED = "", _("Chưa ghi nhận")
    PARTY_RULES = "party_rules", _("Quy định của Đảng (Điều lệ Đảng và văn bản hướng dẫn)")
    CONSENT = "consent", _("Sự đồng ý của người có dữ liệu")


#: The legal-basis fields of a person, set where a person is entered and corrected like the
#: identity fields (``people.services.CORRECTABLE``).
LEGAL_BASIS_FIELDS = ("legal_basis", "consent_on", "consent_scope", "sensitive_notice_on")


class PersonQuerySet(ScopedQuerySet):
    def current(self):
        """Records that were not merged into another (see :class:`PersonMerge`)."""
        return self.filter(merged_into__isnull=True)

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


class PersonManager(models.Manager.from_queryset(PersonQuerySet)):
    """The people of ptdv: a record merged into another is gone from every list, search,
    report and look-up (``Person.all_records`` still holds it, as do backups)."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


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
    #: Số lý lịch đảng viên, asked by the national party-member database with the card number
    #: (docs/handoff.md); unique where set (:class:`Meta`), corrected like the identity fields.
    personal_history_number = models.CharField(
        _("số lý lịch đảng viên"),
        max_length=PERSONAL_HISTORY_NUMBER_LENGTH,
        blank=True,
        default="",
        validators=[validate_personal_history_number],
        help_text=_("6 chữ số rồi 1 đến 3 chữ cái, ví dụ 123456HN (ghi trên phiếu đảng viên)."),
    )
    # The legal basis of the processing and the notice that the data are sensitive
    # (Luật 91/2025/QH15 Điều 9; NĐ 356/2025/NĐ-CP Điều 4).
    legal_basis = models.CharField(
        _("cơ sở pháp lý xử lý dữ liệu"),
        max_length=16,
        choices=LegalBasis.choices,
        default=LegalBasis.UNRECORDED,
        blank=True,
        help_text=_(
            "Đảng viên: theo quy định của Đảng. Nguồn, quần chúng: sự đồng ý của người đó "
            "(ghi ngày và phạm vi đồng ý)."
        ),
    )
    consent_on = models.DateField(_("ngày đồng ý xử lý dữ liệu"), null=True, blank=True)
    consent_scope = models.CharField(
        _("phạm vi đồng ý"),
        max_length=500,
        blank=True,
        help_text=_("Dữ liệu nào, cho mục đích gì, như người đó đã ký."),
    )
    sensitive_notice_on = models.DateField(
        _("ngày thông báo dữ liệu nhạy cảm"),
        null=True,
        blank=True,
        help_text=_(
            "Ngày người đó nhận (ký) thông báo rằng dữ liệu được xử lý có dữ liệu cá nhân nhạy "
            "cảm. Để trống nếu chưa thông báo."
        ),
    )
    #: Set when the retention policy anonymised the record (``ptdv.retention``): the personal
    #: fields are erased for good; the record stays for the figures of past reports.
    anonymised_at = models.DateTimeField(_("ẩn danh lúc"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Set when this record was found to be a second record of another person and merged into
    #: it (``members.records.merge_people``); cleared when the merge is undone.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("đã hợp nhất vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )

    objects = PersonManager()
    all_records = PersonQuerySet.as_manager()

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
        constraints = [
            # One number, one member; as many people without one as need.
            models.UniqueConstraint(
                fields=["personal_history_number"],
                condition=~models.Q(personal_history_number=""),
                name="person_personal_history_number_unique",
                violation_error_message=_("Số lý lịch đảng viên này đã có trong ptdv."),
                violation_error_code="unique",  # the error goes to the field
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_derived_fields()
        super().save(*args, **kwargs)

    # The labels of the choices, from dictionaries built once per language (ptdv.labels):
    # Django's own displays rebuild and translate the choices at every call.

    def get_sex_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "sex"))

    def get_ethnicity_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "ethnicity"))

    def get_religion_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "religion"))

    def get_general_education_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "general_education"))

    def get_professional_level_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "professional_level"))

    def get_theory_level_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "theory_level"))

    def get_sector_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "sector"))

    def get_member_status_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "member_status"))

    def get_legal_basis_display(self) -> str:  # type: ignore[no-redef]
        return str(display(self, "legal_basis"))

    def set_derived_fields(self) -> None:
        """The name in NFC and its search and sort forms; no empty CCCD; the personal-history
        number without spaces, in capitals (``bulk_create`` callers call this themselves: it
        bypasses :meth:`save`)."""
        self.full_name = normalise_name(self.full_name)
        self.search_name = fold(self.full_name)
        self.sort_key = sort_key(self.full_name)
        if self.cccd == "":
            self.cccd = None
        self.personal_history_number = normalise_personal_history_number(
            self.personal_history_number
        )

    def clean_fields(self, exclude=None):
        self.personal_history_number = normalise_personal_history_number(
            self.personal_history_number
        )
        super().clean_fields(exclude=exclude)

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
        for name, problems in self.legal_basis_problems().items():
            errors.setdefault(name, []).extend(problems)
        if errors:
            raise ValidationError(errors)

    def legal_basis_problems(self, today: date | None = None) -> dict[str, list[str]]:
        """What is wrong with the legal-basis fields, by field (Vietnamese messages).

        - Consent is recorded with its date and scope, and is valid only when the person knew
          that the data are sensitive (Luật 91/2025/QH15 Điều 9): the notice is given on or
          before the day of consent.
        - No date is in the future or before the birth date.
        """
        today = today or timezone.localdate()
        problems: dict[str, list[str]] = {}
        for name, label in (
            ("consent_on", gettext("Ngày đồng ý")),
            ("sensitive_notice_on", gettext("Ngày thông báo dữ liệu nhạy cảm")),
        ):
            day = getattr(self, name)
            if day is None:
                continue
            if day > today:
                problems[name] = [gettext("%(field)s không được sau hôm nay.") % {"field": label}]
            elif self.birth_date and day < self.birth_date:
                problems[name] = [
                    gettext("%(field)s không được trước ngày sinh.") % {"field": label}
                ]
        if self.legal_basis == LegalBasis.CONSENT:
            if self.consent_on is None:
                problems.setdefault("consent_on", []).append(
                    gettext("Cơ sở pháp lý là sự đồng ý: cần ghi ngày người đó đồng ý.")
                )
            if not (self.consent_scope or "").strip():
                problems.setdefault("consent_scope", []).append(
                    gettext("Cơ sở pháp lý là sự đồng ý: cần ghi phạm vi đồng ý.")
                )
            notice = self.sensitive_notice_on
            if notice is None:
                problems.setdefault("sensitive_notice_on", []).append(
                    gettext(
                        "Sự đồng ý chỉ có giá trị khi người đó biết dữ liệu được xử lý có dữ liệu "
                        "nhạy cảm: cần ghi ngày thông báo."
                    )
                )
            elif self.consent_on is not None and notice > self.consent_on:
                problems.setdefault("sensitive_notice_on", []).append(
                    gettext("Ngày thông báo dữ liệu nhạy cảm không được sau ngày đồng ý.")
                )
        return problems

    @property
    def effective_legal_basis(self) -> str:
        """The basis the data are processed on now: a member's (or former member's) under the
        Party's rules, whatever was recorded while they were a candidate; otherwise the basis
        recorded."""
        if self.member_status != MemberStatus.NONE or self.party_admitted_on is not None:
            return LegalBasis.PARTY_RULES
        return self.legal_basis

    @property
    def effective_legal_basis_label(self) -> str:
        return str(LegalBasis(self.effective_legal_basis).label)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def is_member(self) -> bool:
        return self.member_status in MEMBER_STATUSES

    def is_official_member_on(self, day: date) -> bool:
        if self.member_status == MemberStatus.TRANSFERRED_OUT:
            return False  # a member of an organisation outside ptdv now
        return (
            self.party_official_on is not None
            and self.party_official_on <= day
            and (self.party_left_on is None or self.party_left_on > day)
        )


class PersonChange(models.Model):
    """One change of a person's record made by a user, with its reason (append-only).

    - ``correction``: identity or background fields corrected on the person page;
      ``changes`` is ``{field: [old, new]}`` as shown to users.
    - ``merge`` / ``unmerge``: another record of the same person merged into this one, or that
      merge undone (``merge`` names the :class:`PersonMerge`).

    The person page lists them as the record's history; the audit log has the same changes.
    """

    SCOPE = "person__cell"

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Đính chính thông tin")
        MERGE = "merge", _("Hợp nhất hồ sơ trùng")
        UNMERGE = "unmerge", _("Hủy hợp nhất")

    person = models.ForeignKey(
        Person, verbose_name=_("người"), on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"))
    merge = models.ForeignKey(
        "PersonMerge", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("người sửa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("thay đổi thông tin người")
        verbose_name_plural = _("thay đổi thông tin người")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["person", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("PersonChange rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("PersonChange rows are never deleted")


class PersonMerge(models.Model):
    """Two records of one person made one: ``merged`` into ``kept``.

    ``moved`` records everything the merge changed (candidacies and their attempt numbers,
    mentor assignments, the linked account, the CCCD and membership fields taken from the
    merged record), so that :func:`ptdv.members.records.unmerge_people` can put it back.
    """

    SCOPE = "kept__cell"

    kept = models.ForeignKey(
        Person, verbose_name=_("giữ lại"), on_delete=models.PROTECT, related_name="merges"
    )
    merged = models.ForeignKey(
        Person, verbose_name=_("hồ sơ trùng"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("lý do"))
    moved = models.JSONField(default=dict)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_reason = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hợp nhất hồ sơ trùng")
        verbose_name_plural = _("hợp nhất hồ sơ trùng")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"
