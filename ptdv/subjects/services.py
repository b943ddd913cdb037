"""Writing the registers: every write checks its input, runs in one transaction and is refused
with a Vietnamese message naming the field when it may not be done (:class:`Refused`).

Requests: :func:`record_request`, :func:`record_request_step`, :func:`refresh_request_deadlines`.
A deletion request is carried out by the retention (``ptdv.retention.requests.erase_for_request``),
which answers it with :func:`record_request_step` in the erasure's transaction.
Incidents: :func:`record_incident`, :func:`change_incident`, :func:`record_incident_update`.

Races: a step or an update is recorded only against the version of the record its author saw
(a conditional ``UPDATE … WHERE version = seen``, which also protects SQLite); the second of two
simultaneous writes is told the record changed under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.pipeline.evaluation import working_calendar
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.data_protection import (
    REQUEST_KINDS,
    ProtectionRules,
    RequestState,
    check_step,
    derive_request,
    next_due,
    notification_due,
    request_deadlines,
    rules_for,
)

from .models import (
    Channel,
    DataCategory,
    Incident,
    IncidentUpdate,
    PeopleCategory,
    Requester,
    RequestStep,
    SubjectRequest,
)

#: No request or incident is older (the working-day calendar starts in 1950 too).
EARLIEST_DATE = date(2000, 1, 1)
#: Longest text kept in one field (a request, an answer, a description).
MAX_TEXT = 10_000
#: Open requests recomputed per statement when the calendar changes.
REFRESH_CHUNK = 500

CHANGED = (
    "Yêu cầu vừa được người khác cập nhật. Hãy tải lại trang, xem bước mới nhất rồi ghi lại nếu "
    "vẫn cần."
)
INCIDENT_CHANGED = (
    "Sự cố vừa được người khác cập nhật. Hãy tải lại trang, xem diễn biến mới nhất rồi ghi lại "
    "nếu vẫn cần."
)


class Refused(Exception):
    """A write that may not be done: ``message`` (Vietnamese) and the ``field`` it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def protection_rules(on: date) -> ProtectionRules:
    """The table in force on ``on``, with the numbers the installation set (settings)."""
    table = rules_for(on)
    raw = getattr(settings, "PTDV_SUBJECT_REQUEST_DAYS", None) or {}
    hours = getattr(settings, "PTDV_BREACH_NOTIFY_HOURS", None)
    if not raw and not hours:
        return table
    try:
        days = {str(k).strip(): int(str(v).strip()) for k, v in raw.items()}
        return table.with_values(days, int(hours) if hours else None)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"PTDV_SUBJECT_REQUEST_DAYS / PTDV_BREACH_NOTIFY_HOURS: {exc}"
        ) from exc


# --- requests -------------------------------------------------------------------------------


def _text(
    value: str, field: str, label: str, *, required: bool = True, max_length: int = MAX_TEXT
) -> str:
    """``value`` stripped; refused when required and empty, or longer than ``max_length``."""
    value = (value or "").strip()
    if required and not value:
        raise Refused(_("Hãy ghi %(label)s.") % {"label": label}, field)
    if len(value) > max_length:
        raise Refused(
            _("%(label)s dài quá %(n)s ký tự.") % {"label": label.capitalize(), "n": max_length},
            field,
        )
    return value


def _cache(
    kind: str,
    received_on: date,
    state: RequestState,
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """The cached columns of a request in ``state`` (its deadlines with today's calendar)."""
    deadlines = request_deadlines(kind, received_on, calendar, protection_rules(received_on), state)
    acknowledge, answer = deadlines
    upcoming = next_due(deadlines) if state.is_open else None
    return {
        "status": state.status,
        "acknowledged_on": state.acknowledged_on,
        "answered_on": state.answered_on,
        "closed_on": state.closed_on,
        "extension_days": state.extension_days,
        "acknowledge_due": acknowledge.due,
        "answer_due": answer.due,
        "next_due": upcoming.due if upcoming else None,
        "next_due_code": upcoming.code if upcoming else "",
    }


def record_request(
    person: Person,
    *,
    kind: str,
    received_on: date,
    channel: str,
    text: str,
    requester: str = Requester.SELF,
    requester_name: str = "",
    requester_contact: str = "",
    actor=None,
    today: date | None = None,
) -> SubjectRequest:
    """Record a request of ``person`` received on ``received_on``, with its deadlines."""
    today = today or timezone.localdate()
    if kind not in REQUEST_KINDS:
        raise Refused(_("Hãy chọn loại yêu cầu."), "kind")
    if received_on > today:
        raise Refused(_("Ngày nhận không được sau hôm nay."), "received_on")
    if received_on < EARLIEST_DATE:
        raise Refused(
            _("Ngày nhận không được trước %(day)s.") % {"day": f"{EARLIEST_DATE:%d/%m/%Y}"},
            "received_on",
        )
    if channel not in Channel.values:
        raise Refused(_("Hãy chọn hình thức gửi yêu cầu."), "channel")
    if requester not in Requester.values:
        raise Refused(_("Hãy chọn người gửi yêu cầu."), "requester")
    requester_name = _text(
        requester_name,
        "requester_name",
        _("họ và tên người đại diện"),
        required=requester == Requester.REPRESENTATIVE,
        max_length=120,
    )
    if requester == Requester.SELF:
        requester_name = ""
    requester_contact = _text(
        requester_contact,
        "requester_contact",
        _("địa chỉ liên hệ để trả lời"),
        required=False,
        max_length=255,
    )
    text = _text(text, "text", _("nội dung yêu cầu"))
    cache = _cache(kind, received_on, RequestState(), working_calendar())
    return SubjectRequest.objects.create(
        person=person,
        kind=kind,
        received_on=received_on,
        channel=channel,
        requester=requester,
        requester_name=requester_name,
        requester_contact=requester_contact,
        text=text,
        recorded_by=actor,
        **cache,
    )


#: What the text of each step says (the acknowledgement needs none).
STEP_TEXT = {
    "extended": gettext_lazy("lý do gia hạn"),
    "answered": gettext_lazy("những việc đã làm"),
    "refused": gettext_lazy("căn cứ pháp lý của việc từ chối"),
    "closed": gettext_lazy("ghi chú khi đóng yêu cầu"),
}


def _steps(request: SubjectRequest) -> list[tuple[str, date, int]]:
    rows = RequestStep.objects.filter(request=request).order_by("seq")
    return [(s, d, n or 0) for s, d, n in rows.values_list("step", "date", "extension_days")]


def request_state(request: SubjectRequest) -> RequestState:
    return derive_request(_steps(request))


def record_request_step(
    request: SubjectRequest,
    step: str,
    on: date,
    text: str = "",
    *,
    version: int,
    extension_days: int = 0,
    actor=None,
    today: date | None = None,
) -> RequestStep:
    """Record ``step`` of ``request`` on ``on``, against the ``version`` its author saw."""
    today = today or timezone.localdate()
    label = STEP_TEXT.get(step)
    text = _text(text, "text", str(label or _("ghi chú")), required=label is not None)
    with transaction.atomic():
        locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if locked.version != version:
            raise Refused(_(CHANGED))
        steps = _steps(locked)
        state = derive_request(steps)
        rules = protection_rules(locked.received_on)
        problem = check_step(
            state, step, on, locked.received_on, today, rules, extension_days=extension_days
        )
        if problem:
            field, message = problem
            raise Refused(_(message), field)
        row = RequestStep.objects.create(
            request=locked,
            seq=version + 1,
            step=step,
            date=on,
            text=text,
            extension_days=extension_days if step == "extended" else None,
            actor=actor,
        )
        state = derive_request([*steps, (step, on, extension_days)])
        cache = _cache(locked.kind, locked.received_on, state, working_calendar())
        updated = SubjectRequest.objects.filter(pk=locked.pk, version=version).update(
            version=version + 1, **cache
        )
        if not updated:  # pragma: no cover - the lock above already serialises writers
            raise Refused(_(CHANGED))
    return row


def refresh_request_deadlines(requests: Iterable[SubjectRequest] | None = None) -> int:
    """Recompute the cached deadlines of the open requests (all, or ``requests``) with the
    current calendar and table; return how many changed."""
    calendar = working_calendar()
    queryset = SubjectRequest.objects.open().order_by("pk")
    if requests is not None:
        queryset = queryset.filter(pk__in=[r.pk for r in requests])
    changed = 0
    last = 0
    fields = ("acknowledge_due", "answer_due", "next_due", "next_due_code")
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:REFRESH_CHUNK])
        if not chunk:
            return changed
        last = chunk[-1].pk
        states = _states({r.pk for r in chunk})
        dirty = []
        for r in chunk:
            cache = _cache(r.kind, r.received_on, states.get(r.pk, RequestState()), calendar)
            if any(getattr(r, f) != cache[f] for f in fields):
                for f in fields:
                    setattr(r, f, cache[f])
                dirty.append(r)
        if dirty:
            SubjectRequest.objects.bulk_update(dirty, fields)
            changed += len(dirty)


def _states(ids: set[int]) -> dict[int, RequestState]:
    by_request: dict[int, list[tuple[str, date, int]]] = {}
    rows = (
        RequestStep.objects.filter(request_id__in=ids)
        .order_by("request_id", "seq")
        .values_list("request_id", "step", "date", "extension_days")
    )
    for pk, step, on, days in rows:
        by_request.setdefault(pk, []).append((step, on, days or 0))
    return {pk: derive_request(steps) for pk, steps in by_request.items()}


# --- incidents ------------------------------------------------------------------------------


@dataclass
class IncidentFacts:
    """What is recorded about an incident (the form's cleaned data)."""

    summary: str
    description: str
    detected_at: datetime
    detected_by: str
    occurred_at: datetime | None = None
    people_count: int | None = None
    people_categories: list[str] | None = None
    data_categories: list[str] | None = None
    consequences: str = ""
    measures: str = ""


#: The facts that may be corrected, in the order the history lists them.
FACT_FIELDS = (
    "summary",
    "description",
    "occurred_at",
    "detected_at",
    "detected_by",
    "people_count",
    "people_categories",
    "data_categories",
    "consequences",
)


def _clean_facts(facts: IncidentFacts, now: datetime) -> dict[str, Any]:
    summary = _text(facts.summary, "summary", _("tóm tắt sự cố"), max_length=200)
    description = _text(facts.description, "description", _("diễn biến sự cố"))
    detected_by = _text(
        facts.detected_by, "detected_by", _("người, bộ phận phát hiện"), max_length=255
    )
    if facts.detected_at is None:
        raise Refused(_("Hãy ghi thời điểm phát hiện."), "detected_at")
    # Dates first (no time zone arithmetic: year 1 would overflow it), then the comparisons.
    if facts.detected_at.date() < EARLIEST_DATE:
        raise Refused(_("Thời điểm phát hiện quá xa trong quá khứ."), "detected_at")
    if facts.occurred_at is not None and facts.occurred_at.date() < EARLIEST_DATE:
        raise Refused(_("Thời điểm xảy ra quá xa trong quá khứ."), "occurred_at")
    if facts.detected_at > now:
        raise Refused(_("Thời điểm phát hiện không được sau lúc này."), "detected_at")
    if facts.occurred_at is not None and facts.occurred_at > facts.detected_at:
        raise Refused(_("Thời điểm xảy ra không được sau thời điểm phát hiện."), "occurred_at")
    if facts.people_count is not None and facts.people_count < 0:
        raise Refused(_("Số người bị ảnh hưởng không được âm."), "people_count")
    people = list(dict.fromkeys(facts.people_categories or ()))
    if any(code not in PeopleCategory.values for code in people):
        raise Refused(_("Nhóm người bị ảnh hưởng không hợp lệ."), "people_categories")
    data = list(dict.fromkeys(facts.data_categories or ()))
    if not data:
        raise Refused(_("Hãy chọn ít nhất một loại dữ liệu bị ảnh hưởng."), "data_categories")
    if any(code not in DataCategory.values for code in data):
        raise Refused(_("Loại dữ liệu bị ảnh hưởng không hợp lệ."), "data_categories")
    return {
        "summary": summary,
        "description": description,
        "occurred_at": facts.occurred_at,
        "detected_at": facts.detected_at,
        "detected_by": detected_by,
        "people_count": facts.people_count,
        "people_categories": people,
        "data_categories": data,
        "consequences": _text(
            facts.consequences, "consequences", _("hậu quả, nguy cơ"), required=False
        ),
    }


def record_incident(
    organisation: Organisation, facts: IncidentFacts, *, actor=None, now: datetime | None = None
) -> Incident:
    """Record an incident of ``organisation``; its notification deadline runs from detection."""
    now = now or timezone.now()
    values = _clean_facts(facts, now)
    measures = _text(facts.measures, "measures", _("biện pháp đã thực hiện"), required=False)
    due = notification_due(
        values["detected_at"], protection_rules(timezone.localdate(values["detected_at"]))
    )
    return Incident.objects.create(
        organisation=organisation,
        measures=measures,
        notify_due=due,
        recorded_by=actor,
        **values,
    )


def _shown(value: Any) -> Any:
    """A value as the history shows it (JSON): dates and times in Vietnamese order."""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%H:%M %d/%m/%Y}"
    if value is None:
        return ""
    return value


def _bump(incident: Incident, version: int) -> None:
    """Take the next version (the conditional UPDATE that refuses a concurrent writer)."""
    if not Incident.objects.filter(pk=incident.pk, version=version).update(version=version + 1):
        raise Refused(_(INCIDENT_CHANGED))
    incident.version = version + 1


def _next_seq(incident: Incident) -> int:
    last = (
        IncidentUpdate.objects.filter(incident=incident)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return (last or 0) + 1


def change_incident(
    incident: Incident,
    facts: IncidentFacts,
    *,
    version: int,
    actor=None,
    now: datetime | None = None,
) -> IncidentUpdate | None:
    """Correct the facts of an open incident; the history keeps what changed. ``None`` when
    nothing changed."""
    now = now or timezone.now()
    values = _clean_facts(facts, now)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.version != version:
            raise Refused(_(INCIDENT_CHANGED))
        if locked.closed_at is not None:
            raise Refused(_("Sự cố đã kết thúc xử lý: không sửa được nữa."))
        changes = {
            name: [_shown(getattr(locked, name)), _shown(values[name])]
            for name in FACT_FIELDS
            if getattr(locked, name) != values[name]
        }
        if not changes:
            return None
        _bump(locked, version)
        for name, value in values.items():
            setattr(locked, name, value)
        if "detected_at" in changes:
            locked.notify_due = notification_due(
                locked.detected_at, protection_rules(timezone.localdate(locked.detected_at))
            )
        locked.save()
        return IncidentUpdate.objects.create(
            incident=locked,
            seq=_next_seq(locked),
            kind=IncidentUpdate.Kind.CHANGED,
            at=now,
            data=changes,
            actor=actor,
        )


def record_incident_update(
    incident: Incident,
    kind: str,
    at: datetime,
    text: str = "",
    *,
    version: int,
    data: Mapping[str, str] | None = None,
    actor=None,
    now: datetime | None = None,
) -> IncidentUpdate:
    """Record a measure, the notification of the authority or the end of handling."""
    now = now or timezone.now()
    data = dict(data or {})
    if kind not in (
        IncidentUpdate.Kind.MEASURE,
        IncidentUpdate.Kind.NOTIFIED,
        IncidentUpdate.Kind.CLOSED,
    ):
        raise Refused(_("Loại cập nhật không hợp lệ."), "kind")
    if at is None:
        raise Refused(_("Hãy ghi thời điểm."), "at")
    if at.date() < EARLIEST_DATE:
        raise Refused(_("Thời điểm quá xa trong quá khứ."), "at")
    if at > now:
        raise Refused(_("Thời điểm không được sau lúc này."), "at")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.version != version:
            raise Refused(_(INCIDENT_CHANGED))
        if locked.closed_at is not None:
            raise Refused(_("Sự cố đã kết thúc xử lý: không ghi thêm được."))
        if at < locked.detected_at:
            raise Refused(_("Thời điểm không được trước thời điểm phát hiện sự cố."), "at")
        stored: dict[str, str] = {}
        if kind == IncidentUpdate.Kind.MEASURE:
            text = _text(text, "text", _("biện pháp đã thực hiện"))
        elif kind == IncidentUpdate.Kind.NOTIFIED:
            if locked.notified_at is not None:
                raise Refused(_("Đã ghi việc thông báo cơ quan có thẩm quyền."))
            to = _text(data.get("to"), "to", _("cơ quan được thông báo"), max_length=255)
            reference = _text(
                data.get("reference"),
                "reference",
                _("số, ký hiệu văn bản thông báo"),
                required=False,
                max_length=100,
            )
            late = at > locked.notify_due
            text = _text(text, "text", _("lý do thông báo muộn"), required=late)
            stored = {"to": to, "reference": reference}
            locked.notified_at = at
            locked.notified_to = to
            locked.notification_reference = reference
            locked.late_reason = text if late else ""
        else:
            label = (
                _("kết quả xử lý")
                if locked.notified_at is not None
                else _("kết quả xử lý và lý do không thông báo cơ quan có thẩm quyền")
            )
            text = _text(text, "text", label)
            locked.closed_at = at
        _bump(locked, version)
        locked.save()
        return IncidentUpdate.objects.create(
            incident=locked,
            seq=_next_seq(locked),
            kind=kind,
            at=at,
            text=text,
            data=stored,
            actor=actor,
        )
