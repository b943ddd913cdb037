"""Forms of the candidacy page: one per kind of step, plus source, correction, transfer, mentors.

Each step form knows how to turn what was typed into the arguments of
:func:`ptdv.pipeline.services.record_step` (:meth:`StepForm.step_kwargs`), writing exactly the
``Event.data`` keys that :mod:`ptdv.pipeline.evaluation` reads (see its docstring).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ptdv.formats.vi.formats import DATE_INPUT_FORMATS as VI_DATE_INPUT_FORMATS
from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.pipeline.models import Event, MentorAssignment
from ptdv.rules.facts import PAPER_LABELS, VERIFICATION_RESULTS, VERIFICATION_SUBJECTS
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import EXITS, Step
from ptdv.rules.votes import VOTE_FIELDS, vote_errors, votes_required

from .pickers import (
    CELLS,
    INTRODUCER,
    MENTOR,
    current_mentors,
    describe_organisation,
    describe_place,
    organisations_for,
    parse_day,
    people_for,
    picker,
    places_for,
    search_candidates,
    search_organisations,
    search_places,
    standing,
)

#: What a date box accepts, in every language: 05/03/2026, 05-03-2026 and 2026-03-05.
DATE_FORMATS = list(VI_DATE_INPUT_FORMATS)


class DateInput(forms.DateInput):
    """A text box holding dd/mm/yyyy, parsed by the server (:data:`DATE_FORMATS`).

    Not the browser's ``type="date"``: its box shows the order of the browser's own locale
    (mm/dd/yyyy in an English browser), whatever the page's language and its hint. No ``pattern``
    either: the browser would refuse the form with a message in its own language; a wrong date
    gets the form's Vietnamese error under the field instead.
    """

    input_type = "text"

    def __init__(self, attrs=None, **kwargs):
        kwargs.setdefault("format", DATE_FORMATS[0])
        super().__init__(attrs={"maxlength": "10", **(attrs or {})}, **kwargs)


def date_field(label, **kwargs) -> forms.DateField:
    kwargs.setdefault("help_text", _("Ngày/tháng/năm, ví dụ 05/03/2026."))
    kwargs.setdefault(
        "error_messages",
        {"invalid": _("Không phải một ngày có thật: hãy viết ngày/tháng/năm, ví dụ 05/03/2026.")},
    )
    return forms.DateField(label=label, input_formats=DATE_FORMATS, widget=DateInput, **kwargs)


class BootstrapMixin:
    """Bootstrap classes on every widget, ``is-invalid`` on fields with errors."""

    def style(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            # ``_errors`` only once validated: styling must not trigger validation.
            if self._errors is not None and name in self._errors:
                css += " is-invalid"
            widget.attrs["class"] = css
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        self.style()


#: No record of the pipeline is older (and the working-day calendar starts there).
EARLIEST_DATE = date(1950, 1, 1)
#: The vote counts are stored as small integers; no cell is larger.
MAX_MEMBERS = 10_000


def not_in_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("Ngày không được sau hôm nay."))
    if value is not None and value < EARLIEST_DATE:
        raise forms.ValidationError(
            _("Ngày không được trước %(day)s.") % {"day": EARLIEST_DATE.strftime("%d/%m/%Y")}
        )
    return value


# --- steps ----------------------------------------------------------------------------------


class StepForm(BootstrapMixin, forms.Form):
    """The date of the step, and the version of the candidacy the author saw."""

    step: Step
    date = date_field(_("Ngày"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, step: Step, candidacy, user, **kwargs):
        self.step = step
        self.candidacy = candidacy
        self.user = user
        kwargs.setdefault("initial", {"date": timezone.localdate(), "version": candidacy.version})
        super().__init__(*args, **kwargs)
        self.style()

    def clean_date(self):
        return not_in_future(self.cleaned_data.get("date"))

    def data_payload(self) -> dict[str, Any]:
        return {}

    def step_kwargs(self) -> dict[str, Any]:
        """``number``, ``votes``, ``data``, ``reason`` for ``record_step``."""
        cd = self.cleaned_data
        return {
            "number": cd.get("number", "") or "",
            "votes": {f: cd[f] for f in VOTE_FIELDS} if self.step.value in _VOTE_VALUES else None,
            "data": self.data_payload(),
            "reason": cd.get("reason", "") or "",
        }


_VOTE_VALUES = {Step.CELL_RESOLUTION.value, Step.RECOGNITION_CELL_RESOLUTION.value}


class NumberedStepForm(StepForm):
    """A resolution, appraisal or decision: its date and number."""

    number = forms.CharField(
        label=_("Số nghị quyết / quyết định"),
        max_length=64,
        required=False,
        help_text=_("Ví dụ: 05-NQ/CB, 210-QĐ/HU."),
    )
    number_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = self.number_required


class SympathiserForm(NumberedStepForm):
    """The cell's resolution putting the person on the list; optionally assigns a mentor."""

    number_required = False
    mentor = forms.ModelChoiceField(
        label=_("Đảng viên được phân công giúp đỡ"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Có thể phân công sau, ở mục “Đảng viên giúp đỡ”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person_picker(self.fields["mentor"], self.candidacy, self.user, MENTOR, "date")
        self.style()

    def clean(self):
        cd = super().clean()
        check_standing(self, "mentor", cd.get("date"))
        return cd


class PartialAppraisalForm(NumberedStepForm):
    number_required = False


class GrassrootsResolutionForm(NumberedStepForm):
    decision_extended = forms.BooleanField(
        label=_("Được gia hạn thời gian ra quyết định kết nạp (thêm tối đa 30 ngày làm việc)"),
        required=False,
    )

    def data_payload(self):
        return {"decision_extended": True} if self.cleaned_data.get("decision_extended") else {}


class AdmissionDecisionForm(NumberedStepForm):
    """The competent committee's admission decision, and the day the cell received it (the
    ceremony's 30 working days run from that day: QĐ 294-QĐ/TW mục 4.1)."""

    received_on = date_field(
        _("Ngày chi bộ nhận quyết định"),
        required=False,
        help_text=_(
            "Để trống nếu chưa biết: hạn tổ chức lễ kết nạp khi đó tính từ ngày ra quyết định."
        ),
    )

    def clean_received_on(self):
        return not_in_future(self.cleaned_data.get("received_on"))

    def clean(self):
        cd = super().clean()
        received, decided = cd.get("received_on"), cd.get("date")
        if received and decided and received < decided:
            self.add_error(
                "received_on",
                _("Ngày chi bộ nhận quyết định không được trước ngày ra quyết định (%(day)s).")
                % {"day": decided.strftime("%d/%m/%Y")},
            )
        return cd

    def data_payload(self):
        received = self.cleaned_data.get("received_on")
        return {"received_on": received.isoformat()} if received else {}


#: The query parameter of the vote form's refresh of its official members (htmx, on the date).
MEMBERS_PARAM = "dang-vien-chinh-thuc"


class VoteForm(NumberedStepForm):
    """A cell vote: the cell's official members, those present, for and against.

    The number of official members is prefilled from the records as of the vote's date
    (:meth:`official_members_on`) and stays editable; when the date changes, htmx asks the
    step's page again for the field (:data:`MEMBERS_PARAM`). A number typed that differs from
    the records is recorded as typed, with a warning (:meth:`members_warning`): two thirds are
    computed on the number typed."""

    official_members = forms.IntegerField(
        label=_("Số đảng viên chính thức của chi bộ"), min_value=1, max_value=MAX_MEMBERS
    )
    present = forms.IntegerField(
        label=_("Số đảng viên chính thức có mặt"), min_value=0, max_value=MAX_MEMBERS
    )
    in_favour = forms.IntegerField(label=_("Số tán thành"), min_value=0, max_value=MAX_MEMBERS)
    against = forms.IntegerField(label=_("Số không tán thành"), min_value=0, max_value=MAX_MEMBERS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        url = reverse("candidacy_step", args=[self.candidacy.pk])
        self.fields["date"].widget.attrs |= {
            "hx-get": f"{url}?buoc={self.step.value}&{MEMBERS_PARAM}=1",
            "hx-trigger": "change",
            "hx-include": "this",
            "hx-target": "#field-official_members",
            "hx-swap": "outerHTML",
        }
        day = self.data.get("date") if self.is_bound else self.initial.get("date")
        day = day if isinstance(day, date) else parse_day(day)
        if day is None:
            return
        count = self.official_members_on(day)
        if not self.is_bound:
            self.initial["official_members"] = count
        self.fields["official_members"].help_text = gettext(
            "Theo hồ sơ, ngày %(day)s chi bộ có %(n)s đảng viên chính thức. Sửa nếu hồ sơ chưa "
            "đủ: hai phần ba được tính trên số ghi ở đây."
        ) % {"day": f"{day:%d/%m/%Y}", "n": count}
        self.style()

    def official_members_on(self, day: date) -> int:
        """The official members of the candidacy's cell on ``day`` in the records: counted in
        the cell that day (``members.MemberSpell``) and official that day
        (``Person.objects.official_members_on``), in the user's scope."""
        if not hasattr(self, "_members_on"):
            self._members_on: dict[date, int] = {}
        if day not in self._members_on:
            self._members_on[day] = (
                Person.objects.visible_to(self.user)
                .official_members_on(day)
                .filter(
                    member_spells__cell_id=self.candidacy.cell_id,
                    member_spells__start__lte=day,
                    member_spells__end__gt=day,
                )
                .distinct()
                .count()
            )
        return self._members_on[day]

    def members_warning(self) -> str:
        """A warning when the number typed differs from the records on the vote's date (empty
        otherwise, and while the form is not clean)."""
        cd = getattr(self, "cleaned_data", None) or {}
        typed, day = cd.get("official_members"), cd.get("date")
        if typed is None or day is None:
            return ""
        count = self.official_members_on(day)
        if typed == count:
            return ""
        return gettext(
            "Số đảng viên chính thức của chi bộ: đã ghi %(typed)s, theo hồ sơ ngày %(day)s là "
            "%(n)s. Hai phần ba được tính trên số đã ghi (%(typed)s): cần ít nhất %(need)s "
            "phiếu tán thành."
        ) % {
            "typed": typed,
            "day": f"{day:%d/%m/%Y}",
            "n": count,
            "need": votes_required(typed, rule_set_for(day)),
        }

    def clean(self):
        cd = super().clean()
        figures = {f: cd.get(f) for f in VOTE_FIELDS}
        if None not in figures.values():  # a missing figure has its own field error
            for field_name, message in vote_errors(figures)[:1]:  # rules.votes
                self.add_error(field_name, _(message))
        return cd


class ClassForm(StepForm):
    """A class attended: the certificate's date and number."""

    certificate_date = date_field(
        _("Ngày cấp giấy chứng nhận"),
        required=False,
        help_text=_("Để trống nếu trùng ngày của bước."),
    )
    certificate_number = forms.CharField(
        label=_("Số giấy chứng nhận"), max_length=64, required=False
    )
    class_name = forms.CharField(label=_("Tên lớp"), max_length=255, required=False)

    def clean_certificate_date(self):
        return not_in_future(self.cleaned_data.get("certificate_date"))

    def data_payload(self):
        cd = self.cleaned_data
        data = {"certificate_date": (cd.get("certificate_date") or cd["date"]).isoformat()}
        for key in ("certificate_number", "class_name"):
            if cd.get(key):
                data[key] = cd[key]
        return data


INTRODUCER_KINDS = [
    ("member", _("Đảng viên chính thức")),
    ("youth_union", _("Ban Chấp hành Đoàn cơ sở")),
    ("trade_union", _("Ban Chấp hành Công đoàn cơ sở")),
]


class DossierPaperForm(StepForm):
    """A paper of the admission dossier, with what the rules read of it."""

    kind = forms.ChoiceField(
        label=_("Loại giấy tờ"), choices=[(k, _(v)) for k, v in PAPER_LABELS.items()]
    )
    subject = forms.ChoiceField(
        label=_("Thẩm tra lý lịch của"),
        choices=[("", "—"), *((k, _(v)) for k, v in VERIFICATION_SUBJECTS.items())],
        required=False,
        help_text=_("Chỉ với kết quả thẩm tra lý lịch."),
    )
    result = forms.ChoiceField(
        label=_("Kết luận thẩm tra"),
        choices=[
            ("", _("Chưa có kết luận")),
            *((k, _(v)) for k, v in VERIFICATION_RESULTS.items()),
        ],
        required=False,
    )
    introducer = forms.ModelChoiceField(
        label=_("Người giới thiệu (đảng viên chính thức)"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Với giấy giới thiệu của đảng viên."),
    )
    union_kind = forms.ChoiceField(
        label=_("Đoàn thể giới thiệu"),
        choices=INTRODUCER_KINDS[1:],
        required=False,
        help_text=_("Với nghị quyết giới thiệu của Đoàn/Công đoàn."),
    )
    months_together = forms.IntegerField(
        label=_("Số tháng cùng công tác, học tập, lao động hoặc cư trú với người vào Đảng"),
        min_value=0,
        required=False,
    )
    same_grassroots = forms.BooleanField(
        label=_("Cùng tổ chức cơ sở đảng với người vào Đảng"), required=False, initial=True
    )
    number = forms.CharField(
        label=_("Số văn bản"),
        max_length=64,
        required=False,
        help_text=_("Bắt buộc với văn bản đồng ý kết nạp người trên 60 tuổi."),
    )
    issuer = forms.CharField(
        label=_("Cấp ủy ban hành"),
        max_length=255,
        required=False,
        help_text=_(
            "Với văn bản đồng ý kết nạp người trên 60 tuổi: ban thường vụ cấp ủy trực thuộc "
            "Trung ương, ví dụ Ban Thường vụ Tỉnh ủy Nghệ An."
        ),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person_picker(self.fields["introducer"], self.candidacy, self.user, INTRODUCER, "date")
        self.style()

    def clean(self):
        cd = super().clean()
        kind = cd.get("kind")
        if kind == "introducer_letter":
            check_standing(self, "introducer", cd.get("date"))
        if kind == "verification" and not cd.get("subject"):
            self.add_error("subject", _("Chọn người được thẩm tra lý lịch."))
        if kind == "introducer_letter":
            if not cd.get("introducer") and "introducer" not in self.errors:
                self.add_error("introducer", _("Chọn đảng viên giới thiệu."))
            if cd.get("months_together") is None:
                self.add_error("months_together", _("Ghi số tháng người giới thiệu cùng công tác."))
        if kind == "union_resolution" and not cd.get("union_kind"):
            self.add_error("union_kind", _("Chọn Đoàn hoặc Công đoàn giới thiệu."))
        if kind == "over_age_consent":
            if not (cd.get("number") or "").strip():
                self.add_error("number", _("Ghi số văn bản đồng ý."))
            if not (cd.get("issuer") or "").strip():
                self.add_error("issuer", _("Ghi cấp ủy ban hành văn bản đồng ý."))
        return cd

    def data_payload(self):
        cd = self.cleaned_data
        kind = cd["kind"]
        data: dict[str, Any] = {"kind": kind}
        if kind == "verification":
            data["subject"] = cd["subject"]
            data["result"] = cd.get("result") or None
        elif kind == "introducer_letter":
            data |= {
                "introducer_kind": "member",
                "introducer_id": cd["introducer"].pk,
                "months_together": cd["months_together"],
                "same_grassroots": bool(cd.get("same_grassroots")),
            }
        elif kind == "union_resolution":
            data["introducer_kind"] = cd["union_kind"]
        elif kind == "over_age_consent":
            data["issuer"] = cd["issuer"].strip()
        if cd.get("note"):
            data["note"] = cd["note"]
        return data


class CeremonyForm(StepForm):
    superior_consent = forms.BooleanField(
        label=_("Cấp ủy cấp trên trực tiếp đã đồng ý tổ chức lễ kết nạp muộn"),
        required=False,
        help_text=_("Chỉ khi lễ kết nạp quá 30 ngày làm việc kể từ khi nhận quyết định."),
    )

    def data_payload(self):
        return {"superior_consent": True} if self.cleaned_data.get("superior_consent") else {}


class PartyCardForm(StepForm):
    card_number = forms.CharField(label=_("Số thẻ đảng viên"), max_length=20)

    def data_payload(self):
        return {"card_number": self.cleaned_data["card_number"].strip()}


class ExitForm(StepForm):
    """An exit: the candidacy ends; its reason stays in the record."""

    number = forms.CharField(
        label=_("Số nghị quyết / quyết định (nếu có)"), max_length=64, required=False
    )
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(StepForm):
    to_cell = forms.ModelChoiceField(
        label=_("Chuyển đến chi bộ"), queryset=Organisation.objects.none()
    )
    reason = forms.CharField(
        label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cell_picker(self.fields["to_cell"], self.user, exclude=self.candidacy.cell_id)
        self.style()

    def data_payload(self):
        return {"to_cell": self.cleaned_data["to_cell"].pk}


STEP_FORMS: dict[Step, type[StepForm]] = {
    Step.SYMPATHISER: SympathiserForm,
    Step.AWARENESS_CLASS: ClassForm,
    Step.DOSSIER_PAPER: DossierPaperForm,
    Step.CELL_RESOLUTION: VoteForm,
    Step.PARTIAL_APPRAISAL: PartialAppraisalForm,
    Step.GRASSROOTS_RESOLUTION: GrassrootsResolutionForm,
    Step.ADMISSION_DECISION: AdmissionDecisionForm,
    Step.CEREMONY: CeremonyForm,
    Step.NEW_MEMBER_CLASS: ClassForm,
    Step.RECOGNITION_CELL_RESOLUTION: VoteForm,
    Step.RECOGNITION_DECISION: NumberedStepForm,
    Step.PARTY_CARD: PartyCardForm,
    Step.TRANSFER: TransferForm,
    **{step: ExitForm for step in EXITS},
}


# --- pickers -------------------------------------------------------------------------------


def _person_label(person: Person) -> str:
    return f"{person.full_name} ({person.birth_date.year}) — {person.cell.name}"


def person_picker(field: forms.ModelChoiceField, candidacy, user, role: str, date_field: str):
    """A mentor or introducer field: the people of :func:`~ptdv.web.pickers.people_for` (the
    candidacy's grassroots organisation, the user's scope), searched by name; whether the one
    chosen may be is checked on the form's date (:func:`check_standing`)."""
    field.queryset = people_for(candidacy, user)

    def search(text, data):
        on = parse_day(data.get(date_field)) or timezone.localdate()
        busy = current_mentors(candidacy) if role == MENTOR else set()
        return search_candidates(candidacy, user, text, on, busy=busy)

    picker(
        field,
        url=reverse("picker_people"),
        params={"vai-tro": role, "ho-so": candidacy.pk},
        date_field=date_field,
        placeholder=gettext("Gõ họ tên đảng viên để tìm…"),
        label=_person_label,
        search=search,
    )
    name = field.label
    field.error_messages |= {
        "required": gettext("%(field)s: gõ họ tên rồi chọn một đảng viên trong danh sách.")
        % {"field": name},
        "invalid_choice": gettext(
            "%(field)s: không có đảng viên này trong tổ chức cơ sở đảng của hồ sơ, trong phạm vi "
            "của bạn. Gõ họ tên rồi chọn trong danh sách."
        )
        % {"field": name},
    }


def cell_picker(field: forms.ModelChoiceField, user, *, exclude: int | None = None):
    """A cell of the user's subtree, not dissolved (``exclude``: the cell one moves from)."""
    field.queryset = organisations_for(user, CELLS, exclude=exclude)
    params = {"loai": CELLS} | ({"bo": exclude} if exclude else {})
    picker(
        field,
        url=reverse("picker_organisations"),
        params=params,
        placeholder=gettext("Gõ tên chi bộ hoặc đơn vị cấp trên để tìm…"),
        label=lambda unit: describe_organisation(user, unit),
        search=lambda text, data: search_organisations(user, CELLS, text, exclude=exclude),
    )
    name = field.label
    field.error_messages |= {
        "required": gettext("%(field)s: gõ tên rồi chọn một chi bộ trong danh sách.")
        % {"field": name},
        "invalid_choice": gettext(
            "%(field)s: không có chi bộ này (đang hoạt động) trong phạm vi của bạn. Gõ tên rồi "
            "chọn trong danh sách."
        )
        % {"field": name},
    }


def place_picker(field: forms.ModelChoiceField, user) -> None:
    """A person's residence: a place the user's subtree serves (left empty: none)."""
    field.queryset = places_for(user)
    picker(
        field,
        url=reverse("picker_places"),
        placeholder=gettext("Gõ tên thôn, bản, tổ dân phố… để tìm"),
        label=lambda place: describe_place(user, place),
        search=lambda text, data: search_places(user, text),
    )
    field.error_messages |= {
        "invalid_choice": gettext(
            "%(field)s: không có địa bàn này trong phạm vi của bạn. Gõ tên rồi chọn trong danh "
            "sách, hoặc để trống."
        )
        % {"field": field.label},
    }


def check_standing(form: forms.Form, name: str, on: date | None, *, busy=frozenset()) -> None:
    """The person chosen in ``name`` must be an official member on ``on`` and not gone since
    (the vote's checks: ``rules/checks/introducers.py``, ``rules/checks/mentors.py``)."""
    person = form.cleaned_data.get(name)
    if person is None or on is None or name in form.errors:
        return
    if person.pk in busy:
        reason = gettext("đang giúp đỡ người này")
    else:
        found = standing(person, on)
        if found.eligible:
            return
        reason = found.label
    form.add_error(
        name,
        gettext("%(field)s: không chọn được %(name)s — %(reason)s (xét vào ngày %(day)s).")
        % {
            "field": form.fields[name].label,
            "name": person.full_name,
            "reason": reason,
            "day": f"{on:%d/%m/%Y}",
        },
    )


# --- correction, mentors --------------------------------------------------------------------


class CorrectionForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do đính chính"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Bắt buộc: lý do được lưu cùng hồ sơ."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, event: Event, **kwargs):
        self.event = event
        kwargs.setdefault("initial", {"version": event.candidacy.version})
        super().__init__(*args, **kwargs)
        self.style()

    def clean_reason(self):
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Cần ghi lý do đính chính."))
        return reason


class MentorAssignForm(BootstrapMixin, forms.Form):
    mentor = forms.ModelChoiceField(
        label=_("Đảng viên được phân công giúp đỡ"), queryset=Person.objects.none()
    )
    start = date_field(_("Từ ngày"))
    reason = forms.CharField(
        label=_("Lý do thay người (nếu đang có người giúp đỡ)"), max_length=255, required=False
    )

    def __init__(self, *args, candidacy, user, **kwargs):
        self.candidacy = candidacy
        kwargs.setdefault("initial", {"start": timezone.localdate()})
        super().__init__(*args, **kwargs)
        person_picker(self.fields["mentor"], candidacy, user, MENTOR, "start")
        self.style()

    def clean_start(self):
        return not_in_future(self.cleaned_data.get("start"))

    def clean(self):
        cd = super().clean()
        check_standing(self, "mentor", cd.get("start"), busy=current_mentors(self.candidacy))
        return cd


class MentorEndForm(BootstrapMixin, forms.Form):
    end = date_field(_("Kết thúc từ ngày"))
    reason = forms.CharField(label=_("Lý do kết thúc"), max_length=255)

    def __init__(self, *args, assignment: MentorAssignment, **kwargs):
        self.assignment = assignment
        kwargs.setdefault("initial", {"end": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.style()

    def clean_end(self):
        return not_in_future(self.cleaned_data.get("end"))


# --- new source, new attempt ----------------------------------------------------------------


class OpenCandidacyForm(BootstrapMixin, forms.Form):
    """A new attempt for a person already on record."""

    opened_on = date_field(_("Ngày xác định nguồn"))
    cell = forms.ModelChoiceField(label=_("Chi bộ"), queryset=Organisation.objects.none())
    note = forms.CharField(label=_("Ghi chú"), max_length=255, required=False)

    def __init__(self, *args, person: Person, user, **kwargs):
        kwargs.setdefault("initial", {"opened_on": timezone.localdate(), "cell": person.cell_id})
        super().__init__(*args, **kwargs)
        cell_picker(self.fields["cell"], user)
        self.style()

    def clean_opened_on(self):
        return not_in_future(self.cleaned_data.get("opened_on"))
