"""Sự cố dữ liệu cá nhân: the breach register (Luật 91/2025/QH15 Điều 23; NĐ 356/2025/NĐ-CP
Điều 28: notify the competent authority within 72 hours of detection, with a written record).

- ``/su-co/``: the incidents of the user's subtree, open ones first by their notification
  deadline (``tinh_trang``: open, closed, all).
- ``/su-co/moi/``: record an incident (the data protection officer and the administrators).
- ``/su-co/<id>/``: an incident, its 72-hour clock, its history and its written record;
  ``…/sua/`` corrects its facts, ``…/bien-phap/``, ``…/thong-bao/`` and ``…/ket-thuc/`` record a
  measure, the notification and the end of handling; ``…/bien-ban.docx`` is the written record.

Everybody of the subtree reads; the data protection officer and the administrators write
(``ptdv.subjects.roles``); outsiders get 404. Their to-do page carries a banner while an
incident is open and not notified, with the hours left (:func:`todo_incidents`).
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.dossier.render import DOCX_MIME, DossierTemplateError
from ptdv.org.models import Organisation
from ptdv.org.scope import get_visible_or_404
from ptdv.rules.data_protection import hours_left
from ptdv.subjects.models import DataCategory, Incident, IncidentUpdate, PeopleCategory
from ptdv.subjects.record import file_name, render_record
from ptdv.subjects.roles import can_manage_incidents, can_read_registers
from ptdv.subjects.services import (
    EARLIEST_DATE,
    FACT_FIELDS,
    MAX_TEXT,
    IncidentFacts,
    Refused,
    change_incident,
    protection_rules,
    record_incident,
    record_incident_update,
)

from ..filters import OrganisationChoiceField
from ..step_forms import DATE_FORMATS, BootstrapMixin, DateInput

PAGE_SIZE = 50
#: Incidents shown in the to-do page's banner.
TODO_SHOWN = 20
#: Levels of the tree below the user's organisation offered for an incident.
ORGANISATION_DEPTH = 2
#: Organisations offered, at most (a province's committees, not its cells).
MAX_ORGANISATIONS = 1000
#: A moment as the two boxes send it ("05/03/2026 14:30", the date as the site's date boxes take
#: it) or as one value (an address, a script: "2026-03-05T14:30").
DATETIME_FORMATS = [
    *(f"{day} {time}" for day in DATE_FORMATS for time in ("%H:%M", "%H:%M:%S", "%Hh%M", "%H.%M")),
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
]

STATUS_FILTERS = {
    "dang-xu-ly": (gettext_lazy("Đang xử lý"), False),
    "da-ket-thuc": (gettext_lazy("Đã kết thúc"), True),
    "tat-ca": (gettext_lazy("Tất cả"), None),
}
#: The update forms: URL slug → kind.
UPDATE_KINDS = {
    "bien-phap": IncidentUpdate.Kind.MEASURE,
    "thong-bao": IncidentUpdate.Kind.NOTIFIED,
    "ket-thuc": IncidentUpdate.Kind.CLOSED,
}


class DateTimeBoxes(forms.MultiWidget):
    """A moment as two text boxes: the site's date box (dd/mm/yyyy, :class:`DateInput`) and a time
    box (HH:MM), side by side (``web/widgets/date_time.html``).

    Not the browser's ``datetime-local``, whose box follows the browser's locale (mm/dd/yyyy and
    AM/PM in an English browser) whatever the page's language. The field receives one text,
    "dd/mm/yyyy HH:MM" (or the single value posted under the field's own name)."""

    template_name = "web/widgets/date_time.html"

    def __init__(self, attrs=None):
        time = forms.TimeInput(format="%H:%M", attrs={"maxlength": "8", "inputmode": "numeric"})
        super().__init__((DateInput(), time), attrs)

    def decompress(self, value):
        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return [value.strftime("%d/%m/%Y"), value.strftime("%H:%M")]
        text = str(value or "").strip()
        for pattern in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return [moment.strftime("%d/%m/%Y"), moment.strftime("%H:%M")]
        day, _space, time = text.partition(" ")  # what was typed, kept as it was
        return [day or None, time or None]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name)
        day, time = (str(v or "").strip() for v in super().value_from_datadict(data, files, name))
        return f"{day} {time}".strip()

    def id_for_label(self, id_):
        """The field's label names the date box (the time box has its own ``aria-label``)."""
        return f"{id_}_0" if id_ else ""

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


def not_too_early(value: datetime | None) -> None:
    """A moment before the registers' first day is a typo (and year 1 would overflow when the
    time zone is applied): refused before anything compares it."""
    if value is not None and value.date() < EARLIEST_DATE:
        raise forms.ValidationError(
            _("Thời điểm không được trước %(day)s.") % {"day": f"{EARLIEST_DATE:%d/%m/%Y}"}
        )


def datetime_field(label, **kwargs) -> forms.DateTimeField:
    kwargs.setdefault(
        "help_text", gettext_lazy("Ngày/tháng/năm và giờ:phút, ví dụ 05/03/2026 và 14:30.")
    )
    kwargs.setdefault(
        "error_messages",
        {
            "invalid": gettext_lazy(
                "Không phải một thời điểm có thật: hãy viết ngày/tháng/năm và giờ:phút, ví dụ "
                "05/03/2026 và 14:30."
            )
        },
    )
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeBoxes,
        validators=[not_too_early],
        **kwargs,
    )


def _time_box_labels(form: forms.Form) -> None:
    """The time box's own name for screen readers (the field's label names the date box)."""
    for field in form.fields.values():
        if isinstance(field.widget, DateTimeBoxes):
            field.widget.widgets[1].attrs["aria-label"] = _("%(field)s: giờ và phút") % {
                "field": field.label
            }


def _checkboxes(form: forms.Form) -> None:
    """Bootstrap's classes on the category check boxes (``style`` knows single widgets only)."""
    for name in ("people_categories", "data_categories"):
        if name in form.fields:
            form.fields[name].widget.attrs["class"] = "form-check-input"


# --- forms ----------------------------------------------------------------------------------


class IncidentForm(BootstrapMixin, forms.Form):
    organisation = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Tổ chức có dữ liệu bị ảnh hưởng hoặc nơi xảy ra sự cố."),
    )
    summary = forms.CharField(label=gettext_lazy("Tóm tắt sự cố"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Diễn biến"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Chuyện gì đã xảy ra, bằng cách nào. Không ghi tên hay số CCCD của người bị ảnh hưởng."
        ),
    )
    occurred_at = datetime_field(gettext_lazy("Thời điểm xảy ra (nếu biết)"), required=False)
    detected_at = datetime_field(gettext_lazy("Thời điểm phát hiện"))
    detected_by = forms.CharField(label=gettext_lazy("Người, bộ phận phát hiện"), max_length=255)
    people_count = forms.IntegerField(
        label=gettext_lazy("Số người bị ảnh hưởng (ước tính)"),
        min_value=0,
        max_value=100_000_000,
        required=False,
        help_text=gettext_lazy("Để trống nếu chưa xác định được."),
    )
    people_categories = forms.MultipleChoiceField(
        label=gettext_lazy("Nhóm người bị ảnh hưởng"),
        choices=PeopleCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    data_categories = forms.MultipleChoiceField(
        label=gettext_lazy("Loại dữ liệu bị ảnh hưởng"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    consequences = forms.CharField(
        label=gettext_lazy("Hậu quả, nguy cơ"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measures = forms.CharField(
        label=gettext_lazy("Biện pháp đã thực hiện"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Các biện pháp sau này ghi thêm ở trang của sự cố."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, incident: Incident | None = None, **kwargs):
        if incident is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(incident, name) for name in FACT_FIELDS}
                | {
                    "occurred_at": _local(incident.occurred_at),
                    "detected_at": _local(incident.detected_at),
                    "version": incident.version,
                },
            )
        super().__init__(*args, **kwargs)
        if incident is not None:  # a correction: the organisation and first measures stay
            del self.fields["organisation"]
            del self.fields["measures"]
        else:
            del self.fields["version"]
            field = self.fields["organisation"]
            base = user.organisation.depth if user.organisation_id else 1
            queryset = Organisation.objects.visible_to(user).filter(
                depth__lte=base + ORGANISATION_DEPTH
            )
            ids = list(queryset.order_by("path").values_list("pk", flat=True)[:MAX_ORGANISATIONS])
            field.queryset = Organisation.objects.filter(pk__in=ids).order_by("path")
            field.base_depth = base
            if not self.is_bound and user.organisation_id:
                self.initial.setdefault("organisation", user.organisation_id)
            field.error_messages["invalid_choice"] = _(
                "Chỉ chọn tổ chức của mình hoặc tổ chức trực thuộc."
            )
        self.style()
        _checkboxes(self)
        _time_box_labels(self)

    def full_clean(self):
        super().full_clean()
        _checkboxes(self)

    def facts(self) -> IncidentFacts:
        data = self.cleaned_data
        return IncidentFacts(
            summary=data["summary"],
            description=data["description"],
            detected_at=data["detected_at"],
            detected_by=data["detected_by"],
            occurred_at=data.get("occurred_at"),
            people_count=data.get("people_count"),
            people_categories=list(data.get("people_categories") or ()),
            data_categories=list(data.get("data_categories") or ()),
            consequences=data.get("consequences", ""),
            measures=data.get("measures", ""),
        )


class IncidentUpdateForm(BootstrapMixin, forms.Form):
    """A measure, the notification or the end of handling (fields by ``kind``)."""

    at = datetime_field(gettext_lazy("Thời điểm"))
    to = forms.CharField(
        label=gettext_lazy("Cơ quan được thông báo"),
        max_length=255,
        help_text=gettext_lazy(
            "Cơ quan chuyên trách bảo vệ dữ liệu cá nhân (Bộ Công an) hoặc cơ quan khác có thẩm "
            "quyền."
        ),
    )
    reference = forms.CharField(
        label=gettext_lazy("Số, ký hiệu văn bản thông báo"), max_length=100, required=False
    )
    text = forms.CharField(
        label=gettext_lazy("Nội dung"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    LABELS = {
        IncidentUpdate.Kind.MEASURE: gettext_lazy("Biện pháp đã thực hiện"),
        IncidentUpdate.Kind.NOTIFIED: gettext_lazy("Lý do thông báo muộn (nếu quá hạn)"),
        IncidentUpdate.Kind.CLOSED: gettext_lazy(
            "Kết quả xử lý (và lý do không thông báo, nếu chưa thông báo)"
        ),
    }

    def __init__(self, *args, kind: str, incident: Incident, **kwargs):
        now = timezone.localtime().replace(second=0, microsecond=0)
        kwargs.setdefault("initial", {"at": now.strftime("%Y-%m-%dT%H:%M"),
                                      "version": incident.version})  # fmt: skip
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != IncidentUpdate.Kind.NOTIFIED:
            del self.fields["to"]
            del self.fields["reference"]
        else:
            self.fields["text"].required = False
        self.fields["text"].label = self.LABELS[kind]
        self.style()
        _time_box_labels(self)


def _local(value: datetime | None) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else None


def _add_refusal(form: forms.Form, refused: Refused) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


# --- the register ---------------------------------------------------------------------------


def clock(incident: Incident, now: datetime) -> dict:
    """The 72-hour clock of ``incident`` as pages show it."""
    left = hours_left(incident.notify_due, now)
    return {
        "running": incident.awaiting_notification,
        "hours_left": left,
        "hours_over": -left if left < 0 else 0,
        "overdue": incident.awaiting_notification and left < 0,
    }


@login_required
def incident_list(request):
    if not can_read_registers(request.user):
        raise PermissionDenied
    now = timezone.now()
    status = request.GET.get("tinh_trang") or "dang-xu-ly"
    if status not in STATUS_FILTERS:
        status = "dang-xu-ly"
    closed = STATUS_FILTERS[status][1]
    rows = Incident.objects.visible_to(request.user)
    if closed is not None:
        rows = rows.filter(closed_at__isnull=not closed)
    # Open and not notified first, most urgent first (NULLs first on every database).
    rows = rows.select_related("organisation").order_by(
        F("closed_at").asc(nulls_first=True),
        F("notified_at").asc(nulls_first=True),
        "notify_due",
        "-pk",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.clock = clock(row, now)
    context = {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "status": status,
        "statuses": [(k, v[0]) for k, v in STATUS_FILTERS.items()],
        "can_manage": can_manage_incidents(request.user),
    }
    return render(request, "web/incidents/list.html", context)


def _incident(request, pk: int) -> Incident:
    """The incident, in the user's subtree (else 404), for a role that reads the register
    (else 403)."""
    incident = get_visible_or_404(
        Incident.objects.select_related("organisation", "recorded_by"), request.user, pk=pk
    )
    if not can_read_registers(request.user):
        raise PermissionDenied
    return incident


def _managed(request, pk: int) -> Incident:
    incident = _incident(request, pk)
    if not can_manage_incidents(request.user):
        raise PermissionDenied
    return incident


@login_required
def incident_new(request):
    if not can_manage_incidents(request.user):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = record_incident(
                form.cleaned_data["organisation"], form.facts(), actor=request.user
            )
        except Refused as refused:
            _add_refusal(form, refused)
        else:
            messages.success(
                request,
                _("Đã ghi sự cố. Hạn thông báo cơ quan có thẩm quyền: %(due)s.")
                % {"due": f"{timezone.localtime(incident.notify_due):%H:%M %d/%m/%Y}"},
            )
            return redirect("incident_detail", incident.pk)
    return render(request, "web/incidents/form.html", {"form": form, "incident": None})


#: The labels of the coded facts, for the history of corrections.
CATEGORY_LABELS = {
    "people_categories": dict(PeopleCategory.choices),
    "data_categories": dict(DataCategory.choices),
}


def _fact_value(name: str, value) -> str:
    """A corrected fact's value as the history shows it: categories by their labels."""
    if value in (None, "", []):
        return "∅"
    if isinstance(value, list):
        labels = CATEGORY_LABELS.get(name, {})
        return "; ".join(str(labels.get(code, code)) for code in value)
    return str(value)


def changed_facts(update: IncidentUpdate) -> list[tuple[str, str, str]]:
    """(the fact's label, before, after) for each fact a correction changed."""
    rows = []
    for name, values in (update.data or {}).items():
        try:
            label = str(Incident._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a fact no longer in the model: its stored name
            label = name
        before, after = [*values, None, None][:2] if isinstance(values, list) else (None, None)
        rows.append(
            (label[:1].upper() + label[1:], _fact_value(name, before), _fact_value(name, after))
        )
    return rows


@login_required
def incident_detail(request, pk: int):
    incident = _incident(request, pk)
    now = timezone.now()
    updates = list(
        IncidentUpdate.objects.filter(incident=incident).select_related("actor").order_by("seq")
    )
    for update in updates:
        update.changed = changed_facts(update) if update.kind == IncidentUpdate.Kind.CHANGED else []
    rules = protection_rules(timezone.localdate(incident.detected_at))
    context = {
        "incident": incident,
        "clock": clock(incident, now),
        "updates": updates,
        "can_manage": can_manage_incidents(request.user) and incident.is_open,
        "rules": rules,
        "source": rules.sources["breach_notify"],
    }
    return render(request, "web/incidents/detail.html", context)


@login_required
def incident_edit(request, pk: int):
    incident = _managed(request, pk)
    if not incident.is_open:
        messages.info(request, _("Sự cố đã kết thúc xử lý: không sửa được nữa."))
        return redirect("incident_detail", incident.pk)
    form = IncidentForm(request.POST or None, user=request.user, incident=incident)
    if request.method == "POST" and form.is_valid():
        try:
            change = change_incident(
                incident, form.facts(), version=form.cleaned_data["version"], actor=request.user
            )
        except Refused as refused:
            _add_refusal(form, refused)
        else:
            if change is None:
                messages.info(request, _("Không có thông tin nào thay đổi."))
            else:
                messages.success(request, _("Đã sửa thông tin sự cố."))
            return redirect("incident_detail", incident.pk)
    context = {"form": form, "incident": incident}
    return render(request, "web/incidents/form.html", context)


@login_required
def incident_update(request, pk: int, kind: str):
    incident = _managed(request, pk)
    if not incident.is_open:
        messages.info(request, _("Sự cố đã kết thúc xử lý: không ghi thêm được."))
        return redirect("incident_detail", incident.pk)
    if kind == IncidentUpdate.Kind.NOTIFIED and incident.notified_at is not None:
        messages.info(request, _("Đã ghi việc thông báo cơ quan có thẩm quyền."))
        return redirect("incident_detail", incident.pk)
    form = IncidentUpdateForm(request.POST or None, kind=kind, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_incident_update(
                incident,
                kind,
                data["at"],
                data.get("text", ""),
                version=data["version"],
                data={"to": data.get("to", ""), "reference": data.get("reference", "")},
                actor=request.user,
            )
        except Refused as refused:
            _add_refusal(form, refused)
        else:
            messages.success(
                request, _("Đã ghi: %(what)s.") % {"what": IncidentUpdate.Kind(kind).label}
            )
            return redirect("incident_detail", incident.pk)
    context = {
        "form": form,
        "incident": incident,
        "kind": kind,
        "kind_label": IncidentUpdate.Kind(kind).label,
        "clock": clock(incident, timezone.now()),
    }
    return render(request, "web/incidents/update.html", context)


@login_required
def incident_record(request, pk: int):
    incident = _incident(request, pk)
    try:
        content = render_record(incident)
    except DossierTemplateError as error:
        message = _(
            "Mẫu biên bản %(file)s không dùng được, hãy báo quản trị viên thay hoặc bỏ tệp này."
        ) % {"file": error.path.name}
        return render(
            request,
            "web/incidents/problem.html",
            {"incident": incident, "message": message},
            status=500,
        )
    response = HttpResponse(content, content_type=DOCX_MIME)
    response["Content-Disposition"] = content_disposition_header(True, file_name(incident))
    return response


# --- the to-do page -------------------------------------------------------------------------------


def todo_incidents(user, now: datetime) -> dict | None:
    """Open incidents of ``user``'s subtree whose authority is not yet notified, most urgent
    first, for the data protection officer and the administrators (``None`` for the others):
    two queries."""
    if not can_manage_incidents(user):
        return None
    waiting = Incident.objects.visible_to(user).filter(
        closed_at__isnull=True, notified_at__isnull=True
    )
    rows = list(waiting.select_related("organisation").order_by("notify_due", "pk")[:TODO_SHOWN])
    count = waiting.count()
    for row in rows:
        row.clock = clock(row, now)
    return {"rows": rows, "count": count}


urlpatterns = [
    path("su-co/", incident_list, name="incident_list"),
    path("su-co/moi/", incident_new, name="incident_new"),
    path("su-co/<int:pk>/", incident_detail, name="incident_detail"),
    path("su-co/<int:pk>/sua/", incident_edit, name="incident_edit"),
    path("su-co/<int:pk>/bien-ban.docx", incident_record, name="incident_record"),
    *(
        path(f"su-co/<int:pk>/{slug}/", incident_update, {"kind": kind}, name="incident_update")
        for slug, kind in UPDATE_KINDS.items()
    ),
]
