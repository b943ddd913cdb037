"""Yêu cầu của người có dữ liệu: the requests register (Luật 91/2025/QH15; NĐ 356/2025/NĐ-CP).

- ``/yeu-cau/``: the requests of the user's subtree, open ones first by their next deadline;
  filtered by status (``tinh_trang``) and kind (``loai``).
- ``/nguoi/<id>/du-lieu/``: a person's requests, the form to record a new one and the
  downloads of what ptdv holds on them (``views/person_data.py``).
- ``/nguoi/<id>/du-lieu/yeu-cau-moi/``: record a request (writers and the data protection
  officer).
- ``/yeu-cau/<id>/``: a request, its deadlines with their citations and its history;
  ``…/ghi-buoc/`` records the next step (the grassroots officer and the data protection
  officer); ``…/xoa-du-lieu/`` carries out a deletion request: what will be erased and what
  stays, then the record anonymised and the request answered (the grassroots officer).

Every view fetches through ``get_visible_or_404`` / ``visible_to`` (outsiders get 404); who may
do what is ``ptdv.subjects.roles``. The to-do page shows the requests due to the officers who
answer them (:func:`todo_requests`).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator
from django.db.models import BooleanField, Case, Count, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.pipeline.evaluation import working_calendar
from ptdv.privacy.access import AccessKind, record
from ptdv.retention.policy import why_kept
from ptdv.retention.requests import erase_for_request
from ptdv.rules.data_protection import (
    DEADLINE_LABELS,
    REQUEST_STEP_LABELS,
    allowed_steps,
    request_deadlines,
)
from ptdv.rules.due import DUE_SOON_DAYS, due_soon_until, due_state
from ptdv.subjects.models import (
    Channel,
    Requester,
    RequestKindChoices,
    RequestStep,
    SubjectRequest,
)
from ptdv.subjects.roles import (
    can_answer_requests,
    can_erase_for_request,
    can_export_person_data,
    can_read_registers,
    can_record_request,
)
from ptdv.subjects.services import (
    MAX_TEXT,
    Refused,
    protection_rules,
    record_request,
    record_request_step,
    request_state,
)

from ..step_forms import BootstrapMixin, date_field, not_in_future

PAGE_SIZE = 50
#: Requests shown per group on the to-do page.
TODO_SHOWN = 20

STATUS_FILTERS = {
    "dang-xu-ly": (gettext_lazy("Đang xử lý"), ("received", "acknowledged", "extended")),
    "da-tra-loi": (gettext_lazy("Đã trả lời, chưa đóng"), ("answered", "refused")),
    "da-dong": (gettext_lazy("Đã đóng"), ("closed",)),
    "tat-ca": (gettext_lazy("Tất cả"), None),
}


# --- forms --------------------------------------------------------------------------------


def _with_empty(choices, label) -> list:
    return [("", label), *choices]


class RequestForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Loại yêu cầu"),
        choices=_with_empty(RequestKindChoices.choices, gettext_lazy("— Chọn loại yêu cầu —")),
    )
    received_on = date_field(gettext_lazy("Ngày nhận yêu cầu"))
    channel = forms.ChoiceField(
        label=gettext_lazy("Hình thức gửi"),
        choices=_with_empty(Channel.choices, gettext_lazy("— Chọn hình thức —")),
    )
    requester = forms.ChoiceField(
        label=gettext_lazy("Người gửi yêu cầu"), choices=Requester.choices, initial=Requester.SELF
    )
    requester_name = forms.CharField(
        label=gettext_lazy("Họ và tên người đại diện"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Khi người đại diện hoặc người được ủy quyền gửi yêu cầu."),
    )
    requester_contact = forms.CharField(
        label=gettext_lazy("Địa chỉ liên hệ để trả lời"),
        max_length=255,
        required=False,
        help_text=gettext_lazy(
            "Địa chỉ, số điện thoại hoặc thư điện tử người đó muốn nhận trả lời."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Nội dung yêu cầu"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Ghi như người đó yêu cầu: dữ liệu nào, muốn làm gì."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.style()

    def clean_received_on(self):
        return not_in_future(self.cleaned_data.get("received_on"))

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("requester") == Requester.REPRESENTATIVE
            and not cleaned.get("requester_name", "").strip()
        ):
            self.add_error("requester_name", _("Hãy ghi họ và tên người đại diện."))
        return cleaned


class RequestStepForm(BootstrapMixin, forms.Form):
    """The next step of a request: the steps its status allows."""

    step = forms.ChoiceField(label=gettext_lazy("Bước"))
    date = date_field(gettext_lazy("Ngày thực hiện"))
    extension_days = forms.IntegerField(
        label=gettext_lazy("Số ngày làm việc gia hạn"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Chỉ khi gia hạn: một lần, không quá mức văn bản cho phép."),
    )
    text = forms.CharField(
        label=gettext_lazy("Nội dung"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Trả lời: những việc đã làm. Từ chối: căn cứ pháp lý. Gia hạn: lý do. Đóng: ghi chú."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, request_obj: SubjectRequest, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "version": request_obj.version})
        super().__init__(*args, **kwargs)
        steps = allowed_steps(request_obj.status)
        self.fields["step"].choices = [
            (s, _(label)) for s, label in REQUEST_STEP_LABELS.items() if s in steps
        ]
        maximum = protection_rules(request_obj.received_on).extension_working_days
        self.fields["extension_days"].max_value = maximum
        self.fields["extension_days"].validators.append(MaxValueValidator(maximum))
        self.fields["extension_days"].widget.attrs.update(min=1, max=maximum)
        self.style()

    def clean_date(self):
        return not_in_future(self.cleaned_data.get("date"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "extended" and not cleaned.get("extension_days"):
            self.add_error("extension_days", _("Hãy ghi số ngày làm việc gia hạn."))
        return cleaned


# --- the register -----------------------------------------------------------------------------


def _due_state(row: SubjectRequest, today: date) -> str:
    return due_state(row.next_due, today)


@login_required
def request_list(request):
    if not can_read_registers(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    status = request.GET.get("tinh_trang") or "dang-xu-ly"
    if status not in STATUS_FILTERS:
        status = "dang-xu-ly"
    kind = request.GET.get("loai") or ""
    if kind not in RequestKindChoices.values:
        kind = ""
    rows = SubjectRequest.objects.visible_to(request.user)
    statuses = STATUS_FILTERS[status][1]
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    if kind:
        rows = rows.filter(kind=kind)
    rows = rows.select_related("person", "person__cell").order_by(
        Case(When(next_due__isnull=True, then=Value(1)), default=Value(0)),
        "next_due",
        "-received_on",
        "-pk",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.due_state = _due_state(row, today)
        row.next_due_label = _(DEADLINE_LABELS[row.next_due_code]) if row.next_due_code else ""
    context = {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "status": status,
        "statuses": [(k, v[0]) for k, v in STATUS_FILTERS.items()],
        "kind": kind,
        "kinds": RequestKindChoices.choices,
        "today": today,
    }
    return render(request, "web/subject_requests/list.html", context)


# --- a person's requests and data -----------------------------------------------------------


def _person(request, pk: int) -> Person:
    person = get_visible_or_404(Person.objects.select_related("cell"), request.user, pk=pk)
    if not can_read_registers(request.user):
        raise PermissionDenied
    return person


@login_required
def person_data(request, pk: int):
    person = _person(request, pk)
    rows = list(
        SubjectRequest.objects.visible_to(request.user)
        .filter(person=person)
        .order_by("-received_on", "-pk")[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    record(request, AccessKind.SUBJECT_REQUESTS, person=person)
    today = timezone.localdate()
    for row in rows:
        row.due_state = _due_state(row, today)
    context = {
        "person": person,
        "rows": rows,
        "can_record": can_record_request(request.user),
        "can_export": can_export_person_data(request.user),
        "more": more,
    }
    return render(request, "web/subject_requests/person.html", context)


@login_required
def request_new(request, pk: int):
    person = _person(request, pk)
    if not can_record_request(request.user):
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = record_request(
                person,
                kind=data["kind"],
                received_on=data["received_on"],
                channel=data["channel"],
                requester=data["requester"],
                requester_name=data["requester_name"],
                requester_contact=data["requester_contact"],
                text=data["text"],
                actor=request.user,
            )
        except Refused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(
                request,
                _("Đã ghi yêu cầu. Hạn xác nhận đã nhận: %(ack)s; hạn trả lời: %(answer)s.")
                % {
                    "ack": f"{created.acknowledge_due:%d/%m/%Y}",
                    "answer": f"{created.answer_due:%d/%m/%Y}",
                },
            )
            return redirect("request_detail", created.pk)
    return render(request, "web/subject_requests/new.html", {"person": person, "form": form})


# --- a request ----------------------------------------------------------------------------------


def _request(request, pk: int) -> SubjectRequest:
    obj = get_visible_or_404(
        SubjectRequest.objects.select_related("person", "person__cell", "recorded_by"),
        request.user,
        pk=pk,
    )
    if not can_read_registers(request.user):
        raise PermissionDenied
    return obj


def _detail_context(request, obj: SubjectRequest, form: RequestStepForm | None) -> dict:
    today = timezone.localdate()
    calendar = working_calendar()
    rules = protection_rules(obj.received_on)
    deadlines = []
    for deadline in request_deadlines(
        obj.kind, obj.received_on, calendar, rules, request_state(obj)
    ):
        if obj.status == "closed" and deadline.done_on is None:
            continue
        deadlines.append(
            {
                "deadline": deadline,
                "label": _(deadline.label),
                "overdue": deadline.is_overdue(today),
                "late": deadline.was_late,
                "days_left": deadline.days_left(today, calendar) if deadline.is_open else None,
            }
        )
    steps = list(RequestStep.objects.filter(request=obj).select_related("actor").order_by("seq"))
    can_answer = can_answer_requests(request.user) and bool(allowed_steps(obj.status))
    if form is None and can_answer:
        form = RequestStepForm(request_obj=obj)
    return {
        "obj": obj,
        "person": obj.person,
        "deadlines": deadlines,
        "steps": steps,
        "form": form if can_answer else None,
        "rules": rules,
        "can_export": can_export_person_data(request.user) and obj.kind == "access",
        "can_erase": can_erase_for_request(request.user) and obj.kind == "deletion" and obj.is_open,
        # The data protection officer answers without opening the person's records.
        "export_elsewhere": (
            obj.kind == "access"
            and can_answer_requests(request.user)
            and not can_export_person_data(request.user)
        ),
    }


@login_required
def request_detail(request, pk: int):
    obj = _request(request, pk)
    record(request, AccessKind.SUBJECT_REQUESTS, person=obj.person_id)
    return render(request, "web/subject_requests/detail.html", _detail_context(request, obj, None))


@login_required
def request_step(request, pk: int):
    obj = _request(request, pk)
    if not can_answer_requests(request.user):
        raise PermissionDenied
    if not allowed_steps(obj.status):
        messages.info(request, _("Yêu cầu đã đóng: không ghi thêm bước được."))
        return redirect("request_detail", obj.pk)
    form = RequestStepForm(request.POST or None, request_obj=obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_request_step(
                obj,
                data["step"],
                data["date"],
                data["text"],
                version=data["version"],
                extension_days=data.get("extension_days") or 0,
                actor=request.user,
            )
        except Refused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(
                request,
                _("Đã ghi: %(step)s.") % {"step": _(REQUEST_STEP_LABELS[data["step"]])},
            )
            return redirect("request_detail", obj.pk)
    return render(request, "web/subject_requests/step.html", _detail_context(request, obj, form))


class EraseForm(BootstrapMixin, forms.Form):
    """Carry out a deletion request: the version seen and the confirmation that it is final."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Tôi hiểu rằng dữ liệu cá nhân của người này bị xóa vĩnh viễn, không khôi phục được."
        ),
        error_messages={"required": gettext_lazy("Hãy đánh dấu xác nhận trước khi xóa.")},
    )


@login_required
def request_erase(request, pk: int):
    """A deletion request carried out: the page says what is erased and what stays (or why the
    record is kept); the POST anonymises the record and records the answer, in one transaction."""
    obj = _request(request, pk)
    if not can_erase_for_request(request.user):
        raise PermissionDenied
    if obj.kind != "deletion":
        raise Http404
    if not obj.is_open:
        messages.info(request, _("Yêu cầu đã được trả lời hoặc đã đóng: không xóa dữ liệu nữa."))
        return redirect("request_detail", obj.pk)
    kept = why_kept(obj.person)
    form = EraseForm(request.POST or None, initial={"version": obj.version})
    if request.method == "POST" and kept is None and form.is_valid():
        try:
            erase_for_request(obj, version=form.cleaned_data["version"], actor=request.user)
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Đã xóa dữ liệu cá nhân của người này và ghi bước «%(step)s».")
                % {"step": _(REQUEST_STEP_LABELS["answered"])},
            )
            return redirect("request_detail", obj.pk)
    context = {"obj": obj, "person": obj.person, "kept": _(kept) if kept else "", "form": form}
    return render(request, "web/subject_requests/erase.html", context)


# --- the to-do page -------------------------------------------------------------------------------


def todo_requests(user, today: date) -> dict | None:
    """The requests of ``user``'s subtree whose next deadline is past or within
    :data:`DUE_SOON_DAYS`, for the officers who answer them (``None`` for the others): two
    queries (the counts, the first rows)."""
    if not can_answer_requests(user):
        return None
    horizon = due_soon_until(today)
    due = SubjectRequest.objects.visible_to(user).open().filter(next_due__lte=horizon)
    late = Case(When(next_due__lt=today, then=Value(True)), default=Value(False),
                output_field=BooleanField())  # fmt: skip
    counts = dict(due.order_by().annotate(late=late).values_list("late").annotate(n=Count("id")))
    shown = due.select_related("person", "person__cell").order_by("next_due", "pk")
    overdue = list(shown.filter(next_due__lt=today)[:TODO_SHOWN])
    soon = list(shown.filter(next_due__gte=today)[:TODO_SHOWN])
    for row in (*overdue, *soon):
        row.next_due_label = _(DEADLINE_LABELS[row.next_due_code]) if row.next_due_code else ""
    return {
        "overdue": overdue,
        "overdue_count": counts.get(True, 0),
        "soon": soon,
        "soon_count": counts.get(False, 0),
        "soon_days": DUE_SOON_DAYS,
        "today": today,
    }


urlpatterns = [
    path("yeu-cau/", request_list, name="request_list"),
    path("yeu-cau/<int:pk>/", request_detail, name="request_detail"),
    path("yeu-cau/<int:pk>/ghi-buoc/", request_step, name="request_step"),
    path("yeu-cau/<int:pk>/xoa-du-lieu/", request_erase, name="request_erase"),
    path("nguoi/<int:pk>/du-lieu/", person_data, name="person_data"),
    path("nguoi/<int:pk>/du-lieu/yeu-cau-moi/", request_new, name="request_new"),
]
