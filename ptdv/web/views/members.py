"""A member's changes after admission: the person page's "Biến động đảng viên" section and the
forms that record them (transfers, leaving the Party, removal, expulsion, death, corrections),
plus the page that receives a member coming from an organisation outside the installation.

- Every write goes through :mod:`ptdv.members.services`; a refusal shows the rules' Vietnamese
  messages with their citations next to the field they concern, and what was typed is kept.
- Scope: the person is fetched through ``get_visible_or_404`` (outsiders get 404), the forms need
  a writer (read-only users get 403), the receiving cell of a transfer is chosen among the cells
  of the user's subtree. A transfer to a cell outside the user's subtree is recorded by the
  committee above both (whose subtree holds both cells), or as a transfer out when the
  destination does not use the installation.
- Each page works without JavaScript (POST, then redirect to the person page); with htmx the form
  is loaded under the section and re-rendered in place, and a success reloads the person page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from ptdv.members import services
from ptdv.members.models import MemberEvent
from ptdv.members.services import MemberRecord, Refused
from ptdv.org.models import Organisation
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.findings import Finding
from ptdv.rules.membership import (
    KIND_LABELS,
    MEMBERSHIP_RULES,
    TRANSFER_KINDS,
    MemberEventKind,
    Standing,
    allowed_kinds,
)
from ptdv.web.person_forms import NewPersonForm, cells_for
from ptdv.web.step_forms import BootstrapMixin, cell_picker, date_field, not_in_future
from ptdv.web.toolkit import get_writable, render_page_or_partial, require_writer

K = MemberEventKind
KIND_PARAM = "loai"
EVENT_PARAM = "bien-dong"

#: The field a finding of the rules is about (by the start of its code).
_FINDING_FIELDS = (
    ("member.date.", "date"),
    ("member.reason.", "reason"),
    ("member.number.", "number"),
    ("member.to_cell.", "to_cell"),
    ("member.outside.", "outside"),
    ("member.admitted.", "admitted_on"),
    ("member.official.", "official_on"),
    ("member.correction.reason", "reason"),
)


# --- the person page's section ------------------------------------------------------------------


@dataclass
class EventRow:
    event: MemberEvent
    label: str
    details: list[str]
    voided: bool = False
    voids_seq: int | None = None
    correctable: bool = False


@dataclass
class Membership:
    """What the section shows of a person."""

    person: Person
    record: MemberRecord
    rows: list[EventRow]
    #: (kind, label) the user may record now.
    kinds: list[tuple[str, str]] = field(default_factory=list)
    can_write: bool = False
    summary: str = ""

    @property
    def standing(self) -> Standing:
        return self.record.facts.standing


def membership_context(person: Person, user) -> dict[str, Any]:
    """The context of ``web/members/_person_section.html`` for ``person`` (fetched through the
    scope) and ``user``: three queries, whatever the history."""
    events = MemberEvent.objects.visible_to(user).filter(person=person)
    record = services.member_record(person, events=events)
    can_write = bool(user.can_write)
    last = record.last_effective
    by_pk = {e.pk: e for e in record.events}
    rows = []
    for e in record.events:
        target = by_pk.get(e.voids_id) if e.voids_id else None
        rows.append(
            EventRow(
                event=e,
                label=_(KIND_LABELS[e.kind_enum]),
                details=_details(e),
                voided=e.pk in record.voided,
                voids_seq=target.seq if target is not None else None,
                correctable=can_write and last is not None and e.pk == last.pk,
            )
        )
    allowed = allowed_kinds(record.facts) if can_write else []
    if K.TRANSFER in allowed and not cells_for(user).exclude(pk=person.cell_id).exists():
        allowed.remove(K.TRANSFER)  # no other cell in the user's subtree to move the member to
    kinds = [(k.value, _(KIND_LABELS[k])) for k in allowed]
    return {
        "membership": Membership(
            person=person,
            record=record,
            rows=rows,
            kinds=kinds,
            can_write=can_write,
            summary=_summary(person, record),
        )
    }


def _details(e: MemberEvent) -> list[str]:
    kind = e.kind_enum
    out = []
    if kind is K.TRANSFER:
        out.append(_("Từ %(from)s đến %(to)s") % {"from": e.cell.name, "to": e.to_cell.name})
    elif kind is K.TRANSFER_IN:
        out.append(_("Từ %(from)s về %(to)s") % {"from": e.outside, "to": e.cell.name})
    elif kind is K.TRANSFER_OUT:
        out.append(_("Từ %(from)s đến %(to)s") % {"from": e.cell.name, "to": e.outside})
    if e.number:
        out.append(_("Số: %(number)s") % {"number": e.number})
    if e.issued_by:
        out.append(_("Cơ quan ban hành: %(body)s") % {"body": e.issued_by})
    if e.reason:
        out.append(_("Lý do: %(reason)s") % {"reason": e.reason})
    return out


def _summary(person: Person, record: MemberRecord) -> str:
    facts = record.facts
    last = record.last_effective
    if facts.open_candidacy is not None:
        return _(
            "Đang có hồ sơ phát triển đảng viên lần %(n)s: chuyển sinh hoạt, không công nhận "
            "(xóa tên), chuyển đi hay từ trần được ghi bằng các bước của hồ sơ."
        ) % {"n": facts.open_candidacy}
    standing = facts.standing
    if standing is Standing.MEMBER:
        return _("Đang sinh hoạt tại %(cell)s.") % {"cell": person.cell.name}
    if standing is Standing.TRANSFERRED_OUT and last is not None:
        return _("Đã chuyển sinh hoạt đảng đi ngày %(date)s, đến %(to)s.") % {
            "date": f"{last.date:%d/%m/%Y}",
            "to": last.outside,
        }
    if standing in (Standing.LEFT, Standing.EXPELLED, Standing.DECEASED):
        how = {
            K.RESIGNED.value: _("xin ra khỏi Đảng"),
            K.STRUCK_OFF.value: _("xóa tên trong danh sách đảng viên"),
            K.EXPELLED.value: _("khai trừ ra khỏi Đảng"),
            K.DECEASED.value: _("từ trần"),
            "not_recognised": _("không công nhận đảng viên chính thức"),
        }.get(facts.ended_by, "")
        day = person.party_left_on or (last.date if last else None)
        if how and day:
            return _("Đã ra khỏi Đảng ngày %(date)s (%(how)s).") % {
                "date": f"{day:%d/%m/%Y}",
                "how": how,
            }
        return _("Đã ra khỏi Đảng.")
    return _("Chưa là đảng viên của chi bộ nào trong hệ thống.")


# --- forms ----------------------------------------------------------------------------------------


class MemberEventForm(BootstrapMixin, forms.Form):
    """One member event: its date, the decision, the reason, and for a transfer where to."""

    date = date_field(gettext_lazy("Ngày"))
    to_cell = forms.ModelChoiceField(
        label=gettext_lazy("Chi bộ chuyển đến"), queryset=Organisation.objects.none()
    )
    outside = forms.CharField(label=gettext_lazy("Tổ chức đảng"), max_length=255)
    number = forms.CharField(label=gettext_lazy("Số quyết định"), max_length=64)
    issued_by = forms.CharField(
        label=gettext_lazy("Cơ quan ban hành"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Ví dụ: Ban Thường vụ Huyện ủy Núi Xanh."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    admitted_on = date_field(gettext_lazy("Ngày vào Đảng (lễ kết nạp)"))
    official_on = date_field(gettext_lazy("Ngày chính thức"))
    card_number = forms.CharField(label=gettext_lazy("Số thẻ đảng viên"), max_length=20)
    seq = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, kind: MemberEventKind, person: Person, user, record, **kwargs):
        self.kind, self.person, self.user = kind, person, user
        kwargs.setdefault(
            "initial",
            {
                "date": timezone.localdate(),
                "seq": record.last_seq,
                "admitted_on": person.party_admitted_on,
                "official_on": person.party_official_on,
                "card_number": person.party_card_number,
            },
        )
        super().__init__(*args, **kwargs)
        keep = {"date", "number", "issued_by", "reason", "seq"}
        if kind is K.TRANSFER:
            keep.add("to_cell")
            cell_picker(self.fields["to_cell"], user, exclude=person.cell_id)
        elif kind is K.TRANSFER_IN:
            keep |= {"to_cell", "outside", "admitted_on", "official_on", "card_number"}
            self.fields["to_cell"].label = gettext_lazy("Chi bộ tiếp nhận")
            cell_picker(self.fields["to_cell"], user)
            self.fields["outside"].label = gettext_lazy("Chuyển đến từ (tổ chức đảng)")
            self.fields["outside"].help_text = gettext_lazy(
                "Tổ chức đảng nơi đảng viên sinh hoạt trước, ví dụ: Đảng bộ xã Tân Lập, tỉnh Phú Thọ."
            )
            self.fields["admitted_on"].required = person.party_admitted_on is None
            for name in ("official_on", "card_number"):
                self.fields[name].required = False
            self.fields["official_on"].help_text = gettext_lazy(
                "Để trống nếu đảng viên còn là đảng viên dự bị."
            )
            if person.cell.is_cell:
                self.initial.setdefault("to_cell", person.cell_id)
        elif kind is K.TRANSFER_OUT:
            keep.add("outside")
            self.fields["outside"].label = gettext_lazy("Chuyển đến (tổ chức đảng)")
            self.fields["outside"].help_text = gettext_lazy(
                "Tổ chức đảng nơi đảng viên sẽ sinh hoạt, ngoài hệ thống này."
            )
        if kind in TRANSFER_KINDS:
            self.fields["number"].label = gettext_lazy("Số giấy giới thiệu sinh hoạt đảng")
        if kind is K.DECEASED:
            self.fields["number"].label = gettext_lazy("Số giấy tờ (nếu có)")
            self.fields["reason"].label = gettext_lazy("Ghi chú")
        self.fields["number"].required = kind in MEMBERSHIP_RULES.decision_required
        self.fields["reason"].required = kind in MEMBERSHIP_RULES.reason_required
        if not self.fields["reason"].required and kind is not K.DECEASED:
            self.fields["reason"].label = gettext_lazy("Lý do (nếu có)")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.style()

    def clean_date(self):
        return not_in_future(self.cleaned_data.get("date"))

    def clean_admitted_on(self):
        return not_in_future(self.cleaned_data.get("admitted_on"))

    def clean_official_on(self):
        return not_in_future(self.cleaned_data.get("official_on"))

    def event_kwargs(self) -> dict[str, Any]:
        cd = self.cleaned_data
        return {
            "number": cd.get("number") or "",
            "issued_by": cd.get("issued_by") or "",
            "reason": cd.get("reason") or "",
            "to_cell": cd.get("to_cell"),
            "outside": cd.get("outside") or "",
            "admitted_on": cd.get("admitted_on"),
            "official_on": cd.get("official_on"),
            "card_number": cd.get("card_number") or "",
        }


class CorrectionForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do đính chính"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Bắt buộc: lý do được lưu cùng hồ sơ đảng viên."),
    )
    seq = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, record: MemberRecord, **kwargs):
        kwargs.setdefault("initial", {"seq": record.last_seq})
        super().__init__(*args, **kwargs)
        self.style()


class ReceiveMemberForm(NewPersonForm):
    """A member coming from an organisation outside the installation, not yet on record: the
    person, their party papers and the transfer in."""

    identity_context = "Tiếp nhận đảng viên chuyển đến"
    today_fields = ("arrived_on",)
    admitted_on = date_field(gettext_lazy("Ngày vào Đảng (lễ kết nạp)"))
    official_on = date_field(
        gettext_lazy("Ngày chính thức"),
        required=False,
        help_text=gettext_lazy("Để trống nếu đảng viên còn là đảng viên dự bị."),
    )
    card_number = forms.CharField(
        label=gettext_lazy("Số thẻ đảng viên"), max_length=20, required=False
    )
    arrived_on = date_field(gettext_lazy("Ngày chuyển đến"))
    outside = forms.CharField(
        label=gettext_lazy("Chuyển đến từ (tổ chức đảng)"),
        max_length=255,
        help_text=gettext_lazy(
            "Tổ chức đảng nơi đảng viên sinh hoạt trước, ví dụ: Đảng bộ xã Tân Lập, tỉnh Phú Thọ."
        ),
    )
    number = forms.CharField(label=gettext_lazy("Số giấy giới thiệu sinh hoạt đảng"), max_length=64)
    issued_by = forms.CharField(
        label=gettext_lazy("Cơ quan ban hành"), max_length=255, required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Ghi chú"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].label = gettext_lazy("Chi bộ tiếp nhận")
        self.fields["number"].required = K.TRANSFER_IN in MEMBERSHIP_RULES.decision_required
        self.style()

    def clean_admitted_on(self):
        return not_in_future(self.cleaned_data.get("admitted_on"))

    def clean_official_on(self):
        return not_in_future(self.cleaned_data.get("official_on"))

    def clean_arrived_on(self):
        return not_in_future(self.cleaned_data.get("arrived_on"))


# --- views ----------------------------------------------------------------------------------------


def _writable_person(request, pk: int) -> Person:
    """The person if the user may see them (404) and write (403)."""
    return get_writable(Person.objects.select_related("cell"), request.user, pk=pk)


def _person_url(person: Person) -> str:
    return reverse("person", args=[person.pk]) + "#member-events-heading"


def _done(request, person: Person, message: str):
    messages.success(request, message)
    url = _person_url(person)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _render(request, context: dict[str, Any]):
    """The form alone for htmx requests, the page otherwise (same context)."""
    return render_page_or_partial(request, "web/members/page.html", "web/steps/_form.html", context)


def _refuse(form: forms.Form, exc: Refused, renamed: dict[str, str] | None = None) -> None:
    """The refusal's messages on the fields they concern (with the rules' citations);
    ``renamed``: the form's names of the rules' fields where they differ."""
    if not exc.findings:
        for message in exc.messages:
            form.add_error(None, message)
        return
    for finding in exc.findings:
        form.add_error(
            _field_of(finding, form, renamed or {}), f"{finding.message} — {finding.citation}"
        )


def _field_of(finding: Finding, form: forms.Form, renamed: dict[str, str]) -> str | None:
    for prefix, name in _FINDING_FIELDS:
        name = renamed.get(name, name)
        if finding.code.startswith(prefix) and name in form.fields:
            return name
    return None


def _kind_from(request) -> MemberEventKind:
    value = request.POST.get(KIND_PARAM) or request.GET.get(KIND_PARAM) or ""
    try:
        kind = MemberEventKind(value)
    except ValueError as exc:
        raise Http404 from exc
    if kind is K.CORRECTION:
        raise Http404
    return kind


@login_required
def record_event(request, pk: int):
    person = _writable_person(request, pk)
    kind = _kind_from(request)
    record = services.member_record(person)
    kwargs = {"kind": kind, "person": person, "user": request.user, "record": record}
    if request.method == "POST":
        form = MemberEventForm(request.POST, **kwargs)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                event = services.record_event(
                    person,
                    kind,
                    cd["date"],
                    actor=request.user,
                    expected_seq=cd["seq"],
                    **form.event_kwargs(),
                )
            except Refused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    person,
                    _("Đã ghi “%(kind)s” ngày %(date)s.")
                    % {"kind": _(KIND_LABELS[kind]), "date": f"{event.date:%d/%m/%Y}"},
                )
    else:
        form = MemberEventForm(**kwargs)
    action = f"{reverse('member_event', args=[person.pk])}?{KIND_PARAM}={kind.value}"
    context = {
        "person": person,
        "form": form,
        "title": _(KIND_LABELS[kind]),
        "intro": _intro(kind, person, record),
        "action": action,
        "submit_label": _("Ghi biến động"),
        "cancel_url": _person_url(person),
        "danger": kind not in TRANSFER_KINDS,
    }
    return _render(request, context)


def _intro(kind: MemberEventKind, person: Person, record: MemberRecord) -> str:
    if kind is K.TRANSFER:
        return _(
            "Chuyển sinh hoạt đảng chính thức sang một chi bộ trong phạm vi của bạn. Chi bộ "
            "ngoài phạm vi: cấp ủy cấp trên chung của hai đơn vị ghi; nơi đến không dùng hệ "
            "thống này: ghi “Chuyển sinh hoạt đảng đi”."
        )
    if kind is K.TRANSFER_IN and record.facts.standing is Standing.TRANSFERRED_OUT:
        return _("Đảng viên trở lại sinh hoạt tại một chi bộ trong hệ thống.")
    if kind is K.EXPELLED:
        return _("Chỉ áp dụng với đảng viên chính thức; đảng viên dự bị thì xóa tên.")
    if kind is K.DECEASED:
        return _("Đảng viên thôi được tính từ ngày từ trần.")
    if kind in (K.RESIGNED, K.STRUCK_OFF):
        return _("Đảng viên thôi được tính từ ngày của quyết định.")
    return ""


@login_required
def correct_event(request, pk: int):
    person = _writable_person(request, pk)
    record = services.member_record(
        person, events=MemberEvent.objects.visible_to(request.user).filter(person=person)
    )
    raw = request.POST.get(EVENT_PARAM) or request.GET.get(EVENT_PARAM) or ""
    event = next((e for e in record.events if str(e.pk) == raw), None)
    if event is None:
        raise Http404
    if request.method == "POST":
        form = CorrectionForm(request.POST, record=record)
        if form.is_valid():
            try:
                services.correct_event(
                    event,
                    form.cleaned_data["reason"],
                    actor=request.user,
                    expected_seq=form.cleaned_data["seq"],
                )
            except Refused as exc:
                _refuse(form, exc)
            else:
                return _done(
                    request,
                    person,
                    _("Đã đính chính “%(kind)s” ngày %(date)s.")
                    % {"kind": _(KIND_LABELS[event.kind_enum]), "date": f"{event.date:%d/%m/%Y}"},
                )
    else:
        form = CorrectionForm(record=record)
    title = _("Đính chính “%(kind)s” ngày %(date)s") % {
        "kind": _(KIND_LABELS[event.kind_enum]),
        "date": f"{event.date:%d/%m/%Y}",
    }
    context = {
        "person": person,
        "form": form,
        "title": title,
        "intro": "; ".join(_details(event))
        or _(
            "Biến động được đính chính không còn hiệu lực; thông tin đảng viên trở lại như trước."
        ),
        "action": f"{reverse('member_event_correct', args=[person.pk])}?{EVENT_PARAM}={event.pk}",
        "submit_label": _("Ghi đính chính"),
        "cancel_url": _person_url(person),
        "danger": True,
    }
    return _render(request, context)


@login_required
def receive_member(request):
    """A member transferred in from outside the installation who is not on record yet: the
    person and the transfer in, in one transaction."""
    require_writer(request.user)
    if request.method == "POST":
        form = ReceiveMemberForm(request.POST, user=request.user)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                with transaction.atomic():
                    person = form.save(commit=False)
                    person.member_status = MemberStatus.NONE
                    person.save()
                    services.record_event(
                        person,
                        K.TRANSFER_IN,
                        cd["arrived_on"],
                        actor=request.user,
                        to_cell=person.cell,
                        outside=cd["outside"],
                        number=cd["number"],
                        issued_by=cd["issued_by"],
                        reason=cd["reason"],
                        admitted_on=cd["admitted_on"],
                        official_on=cd["official_on"],
                        card_number=cd["card_number"],
                    )
            except Refused as exc:
                form.instance.pk = None
                _refuse(form, exc, {"date": "arrived_on", "to_cell": "cell"})
            except IntegrityError:
                form.instance.pk = None
                form.integrity_error()
            else:
                return _done(
                    request,
                    person,
                    _("Đã tiếp nhận đảng viên %(name)s chuyển đến ngày %(date)s.")
                    % {"name": person.full_name, "date": f"{cd['arrived_on']:%d/%m/%Y}"},
                )
    else:
        form = ReceiveMemberForm(user=request.user)
    context = {
        "form": form,
        "title": _("Tiếp nhận đảng viên chuyển đến"),
        "intro": _(
            "Đảng viên chuyển sinh hoạt đảng chính thức từ một tổ chức đảng ngoài hệ thống, chưa "
            "có trong ptdv. Người đã có trong ptdv: ghi “Chuyển sinh hoạt đảng đến” trên trang "
            "của người đó."
        ),
        "action": reverse("member_receive"),
        "submit_label": _("Tiếp nhận đảng viên"),
        "duplicates": form.duplicates,
        "cccd_holder": form.cccd_holder,
    }
    return _render(request, context)


urlpatterns = [
    path("nguoi/<int:pk>/bien-dong/", record_event, name="member_event"),
    path("nguoi/<int:pk>/bien-dong/dinh-chinh/", correct_event, name="member_event_correct"),
    path("dang-vien/tiep-nhan/", receive_member, name="member_receive"),
]
