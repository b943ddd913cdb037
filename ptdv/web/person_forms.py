"""Forms that write a person's identity: the checks every such form shares, the correction
form of the person page, and the merge of two records of one person.

:class:`IdentityChecks` is what "Thêm nguồn" and the correction form have in common, written
once: the name through ``people.validators.clean_full_name`` (the import's rule too), the CCCD's
uniqueness and the likely duplicates through ``people.identity`` (so the messages say nothing of
people outside the user's subtree), and the CCCD against the sex and year of birth. The
personal-history number (số lý lịch đảng viên) of a member is checked the same way: its format
(``people.validators``) and its uniqueness, naming the holder only inside the user's subtree.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.dossier import notice  # the scope of consent proposed (the notice's text)
from ptdv.masking import mask_cccd  # the merge form's choices show the CCCD masked
from ptdv.org.models import Organisation
from ptdv.people.choices import TheoryLevel
from ptdv.people.identity import (
    CccdElsewhere,
    Duplicate,
    HistoryNumberElsewhere,
    Identities,
    ProbeLimitReached,
    history_number_held_by,
)
from ptdv.people.models import MEMBER_STATUSES, LegalBasis, MemberStatus, Person
from ptdv.people.sensitive import hidden_fields  # the correction form's fields by role
from ptdv.people.services import CORRECTABLE
from ptdv.people.validators import (
    MAX_NAME_LENGTH,
    check_cccd_matches,
    clean_full_name,
    normalise_personal_history_number,
    validate_personal_history_number,
)

from .step_forms import (
    DATE_FORMATS,
    BootstrapMixin,
    DateInput,
    cell_picker,
    date_field,
    not_in_future,
    place_picker,
)

#: The earliest birth date ptdv accepts.
EARLIEST_BIRTH = date(1900, 1, 1)

#: Date inputs of the person forms (the legal basis's dates with the birth date).
DATE_WIDGETS = {name: DateInput for name in ("birth_date", "consent_on", "sensitive_notice_on")}


class LegalBasisFields:
    """The legal-basis fields of a person form: dates typed as dd/mm/yyyy;
    consent without a scope written takes the scope of ptdv's notice (ptdv/dossier/notice.py),
    which is what the person signs. The rules are the model's (``Person.legal_basis_problems``).
    """

    def setup_legal_basis(self) -> None:
        for name in ("consent_on", "sensitive_notice_on"):
            if name in self.fields:
                self.fields[name].input_formats = DATE_FORMATS
        if "consent_scope" in self.fields:
            self.fields["consent_scope"].widget = forms.Textarea(attrs={"rows": 2})
            self.fields["consent_scope"].help_text = _(
                "Để trống: theo thông báo của ptdv — “%(scope)s”"
            ) % {"scope": notice.CONSENT_SCOPE}

    def clean_consent_scope(self):
        scope = " ".join((self.cleaned_data.get("consent_scope") or "").split())
        if not scope and self.cleaned_data.get("legal_basis") == LegalBasis.CONSENT:
            self.scope_defaulted = True
            return notice.CONSENT_SCOPE
        return scope

    @cached_property
    def changed_data(self):
        """The scope taken from the notice is a change, though nothing was typed."""
        changed = super().changed_data
        if getattr(self, "scope_defaulted", False) and "consent_scope" not in changed:
            changed = [*changed, "consent_scope"]
        return changed


class IdentityChecks:
    """Name, birth date, CCCD and duplicates, checked as ``user`` may learn of them.

    - ``duplicates``: people of the user's subtree who may be the one entered (same CCCD; same
      name and birth date; same name, birth year and cell). A same CCCD refuses; the others ask
      for ``confirm_new`` before writing.
    - ``cccd_holder``: the visible person holding the CCCD typed, for a link.
    """

    user = None
    #: Where the form is, for the audit of a CCCD registered elsewhere.
    identity_context = ""
    #: The record being corrected (not a duplicate of itself).
    exclude_pk: int | None = None
    asks_for_duplicates = True

    def init_identity(self) -> None:
        self.duplicates: list[Duplicate] = []
        self.cccd_holder: Person | None = None
        self.identities = Identities(self.user, context=self.identity_context)
        # The name's one rule (length and characters included) is ``clean_full_name``: the
        # field's own length and NUL validators would answer first, in other words.
        name = self.fields["full_name"]
        name.max_length, name.validators = None, []
        name.widget.attrs["maxlength"] = MAX_NAME_LENGTH
        number = self.fields.get("personal_history_number")
        if number is not None:  # spaces are removed before the format is checked
            number.max_length, number.validators = None, []
            number.widget.attrs["maxlength"] = 20
        if self.asks_for_duplicates:
            self.fields["confirm_new"] = forms.BooleanField(
                label=gettext_lazy("Tôi đã xem các hồ sơ trên: đây là một người khác"),
                required=False,
            )

    def clean_full_name(self):
        value = self.cleaned_data.get("full_name") or ""
        return clean_full_name(value)

    def clean_personal_history_number(self):
        """Spaces removed and letters in capitals, then the format and the uniqueness."""
        number = normalise_personal_history_number(self.cleaned_data.get("personal_history_number"))
        validate_personal_history_number(number)
        taken = self.personal_history_number_taken(number)
        if taken:
            raise forms.ValidationError(taken)
        return number

    def personal_history_number_taken(self, number: str) -> str:
        """The message when another record holds ``number`` (``""``: free). A holder in the
        user's subtree is named; of one outside it, nothing is said but that the number is
        taken (the number is unique in ptdv, as on the national database), and that answer is
        audited and counted as a CCCD held elsewhere is (past the limit, the limit's message)."""
        if not number:
            return ""
        others = Person.all_records.filter(personal_history_number=number)
        if self.exclude_pk is not None:
            others = others.exclude(pk=self.exclude_pk)
        other = others.select_related("cell").order_by("pk").first()
        if other is None:
            return ""
        holder = (
            Person.objects.visible_to(self.user)
            .filter(pk__in=others.values("pk"))
            .select_related("cell")
            .first()
        )
        if holder is not None:
            return history_number_held_by(number, holder)
        try:
            return self.identities.refuse(HistoryNumberElsewhere(number, holder=other)).message
        except ProbeLimitReached as exc:
            return exc.message

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value is not None and not EARLIEST_BIRTH <= value <= timezone.localdate():
            raise forms.ValidationError(_("Ngày sinh không hợp lệ."))
        return value

    def validate_unique(self):
        """The CCCD's uniqueness is checked by :meth:`check_identity` (what the message may
        say depends on who asks); the model's stock message would name nobody and help nobody."""
        exclude = self._get_validation_exclusions() | {"cccd"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)

    def check_identity(self, cd: dict, cell=None) -> None:
        cccd = cd.get("cccd") or None
        if self.errors:
            return
        if cccd and check_cccd_matches(cccd, cd.get("birth_date"), cd.get("sex")):
            return  # the model's own check says what is wrong with the number
        if cccd:
            holder = self.identities.holders([cccd], exclude=self.exclude_pk).get(cccd)
            if isinstance(holder, CccdElsewhere):
                try:
                    self.add_error("cccd", self.identities.refuse(holder).message)
                except ProbeLimitReached as exc:
                    self.add_error("cccd", exc.message)
                return
            if holder is not None:
                self.cccd_holder = holder
                self.add_error(
                    "cccd",
                    _("Số CCCD này đã có trong ptdv: %(name)s, sinh %(birth)s, %(cell)s.")
                    % {
                        "name": holder.full_name,
                        "birth": f"{holder.birth_date:%d/%m/%Y}",
                        "cell": holder.cell.name,
                    },
                )
                return
        if not self.asks_for_duplicates or not cd.get("full_name") or not cd.get("birth_date"):
            return
        self.duplicates = self.identities.likely_duplicates(
            cd["full_name"], cd["birth_date"], cell=cell, exclude=self.exclude_pk
        )
        if self.duplicates and not cd.get("confirm_new"):
            self.add_error(
                None,
                _(
                    "Có thể người này đã có trong ptdv (xem danh sách bên dưới). Nếu đúng là "
                    "người đó, hãy mở trang của họ thay vì thêm mới; nếu là một người khác, đánh "
                    "dấu “Tôi đã xem các hồ sơ trên: đây là một người khác” rồi gửi lại."
                ),
            )

    def integrity_error(self) -> None:
        """A concurrent write took the CCCD or the personal-history number between the check
        and the save: say so as the check would have."""
        cd = self.cleaned_data
        self.check_identity(cd, cd.get("cell"))
        number = cd.get("personal_history_number") or ""
        taken = self.personal_history_number_taken(number) if not self.errors else ""
        if taken:
            self.add_error("personal_history_number", taken)
        if not self.errors:
            self.add_error("cccd", _("Số CCCD này vừa được ghi cho một người khác."))


def cells_for(user):
    """The cells of the user's subtree a person may be put in (not dissolved), in tree order."""
    return (
        Organisation.objects.visible_to(user)
        .cells()
        .exclude(dissolved_on__lte=timezone.localdate())
        .order_by("path")
    )


class NewPersonForm(IdentityChecks, LegalBasisFields, BootstrapMixin, forms.ModelForm):
    """A person not yet on record, in a cell of the user's subtree (the identity fields of
    :data:`~ptdv.people.services.CORRECTABLE` and the cell); subclasses add what comes with them.
    """

    #: Date fields whose initial value is today.
    today_fields: tuple[str, ...] = ()
    #: The legal basis proposed: a member received is processed under the Party's rules; a
    #: source's consent is recorded when given (:class:`SourceForm`).
    initial_legal_basis = LegalBasis.PARTY_RULES

    class Meta:
        model = Person
        fields = [*CORRECTABLE, "cell"]
        widgets = DATE_WIDGETS

    def __init__(self, *args, user, **kwargs):
        self.user = user
        initial = kwargs.setdefault("initial", {})
        for name in self.today_fields:
            initial.setdefault(name, timezone.localdate())
        initial.setdefault("legal_basis", self.initial_legal_basis)
        organisation = getattr(user, "organisation", None)
        if organisation is not None and organisation.is_cell:
            initial.setdefault("cell", organisation.pk)
        super().__init__(*args, **kwargs)
        self.init_identity()
        self.fields["birth_date"].input_formats = DATE_FORMATS
        self.fields["birth_date"].help_text = _("Ngày/tháng/năm, ví dụ 20/05/1998.")
        cell_picker(self.fields["cell"], user)  # a text box searching the subtree's cells
        place_picker(self.fields["residence"], user)
        # Most sources have no political theory training: left empty, it is "none".
        self.fields["theory_level"].required = False
        self.setup_legal_basis()
        self.style()

    def clean_theory_level(self):
        return self.cleaned_data.get("theory_level") or TheoryLevel.NONE

    def clean(self):
        cd = super().clean()
        self.check_identity(cd, cd.get("cell"))
        return cd


class SourceForm(NewPersonForm):
    """A new person identified as a source, and the day the cell identified them."""

    identity_context = "Thêm nguồn"
    today_fields = ("opened_on",)
    # A source is often identified before being asked: the consent is recorded when given.
    initial_legal_basis = LegalBasis.UNRECORDED
    opened_on = date_field(gettext_lazy("Ngày xác định nguồn"))
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=255, required=False)

    class Meta(NewPersonForm.Meta):
        # A source is not a party member: no số lý lịch đảng viên.
        fields = [f for f in NewPersonForm.Meta.fields if f != "personal_history_number"]

    def clean_opened_on(self):
        return not_in_future(self.cleaned_data.get("opened_on"))


class PersonCorrectionForm(IdentityChecks, LegalBasisFields, BootstrapMixin, forms.ModelForm):
    """The identity and background fields of a person, corrected with a reason."""

    identity_context = "Đính chính thông tin người"
    asks_for_duplicates = False
    reason = forms.CharField(
        label=gettext_lazy("Lý do đính chính"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Ví dụ: sai chính tả theo giấy khai sinh; theo CCCD mới cấp."),
    )

    class Meta:
        model = Person
        fields = list(CORRECTABLE)
        widgets = DATE_WIDGETS

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.exclude_pk = self.instance.pk
        # Fields the user's role may not see are not shown, so not corrected (people/sensitive.py).
        for name in hidden_fields(user):
            self.fields.pop(name, None)
        # The số lý lịch is a party member's: offered once the person is or was one.
        if not (is_or_was_member(self.instance) or self.instance.personal_history_number):
            self.fields.pop("personal_history_number", None)
        self.init_identity()
        self.fields["birth_date"].input_formats = DATE_FORMATS
        self.fields["birth_date"].help_text = _("Ngày/tháng/năm, ví dụ 20/05/1998.")
        place_picker(self.fields["residence"], user)
        self.setup_legal_basis()
        self.style()

    def clean_reason(self):
        reason = " ".join((self.cleaned_data.get("reason") or "").split())
        if not reason:
            raise forms.ValidationError(_("Cần ghi lý do đính chính."))
        return reason

    def clean(self):
        cd = super().clean()
        self.check_identity(cd)
        return cd

    def corrections(self) -> dict:
        """The fields that differ from the record, as ``members.records.correct_person`` takes."""
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name in self.Meta.fields
        }


def is_or_was_member(person: Person) -> bool:
    """Admitted to the Party at some time (a member, one who left or was transferred out)."""
    return (
        person.party_admitted_on is not None
        or person.member_status in MEMBER_STATUSES
        or person.member_status in (MemberStatus.LEFT, MemberStatus.TRANSFERRED_OUT)
    )


class MergeForm(BootstrapMixin, forms.Form):
    """Which record of the same person to merge into this one, and why."""

    other = forms.ModelChoiceField(
        label=gettext_lazy("Hồ sơ trùng (sẽ hợp nhất vào hồ sơ này)"),
        queryset=Person.objects.none(),
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do hợp nhất"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = candidates
        self.fields["other"].label_from_instance = _describe
        self.style()

    def clean_reason(self):
        reason = " ".join((self.cleaned_data.get("reason") or "").split())
        if not reason:
            raise forms.ValidationError(_("Cần ghi lý do hợp nhất."))
        return reason


def _describe(person: Person) -> str:
    parts = [person.full_name, f"{person.birth_date:%d/%m/%Y}", person.cell.name]
    if person.cccd:
        parts.append(f"CCCD {mask_cccd(person.cccd)}")  # masked (ptdv/masking.py)
    parts.append(person.get_member_status_display())
    return " · ".join(parts)


class UnmergeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do hủy hợp nhất"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def clean_reason(self):
        reason = " ".join((self.cleaned_data.get("reason") or "").split())
        if not reason:
            raise forms.ValidationError(_("Cần ghi lý do hủy hợp nhất."))
        return reason
