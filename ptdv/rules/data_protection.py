"""Deadlines of personal data protection: the person's requests and the breach notification.

Pure Python (no Django), like the rest of ``ptdv.rules``: values are data of a
:class:`ProtectionRules` table named after the documents that set them, each with a
:class:`~ptdv.rules.rulesets.RuleSource` (citation, verified or not, where it was read). The
installation may replace any number (``ProtectionRules.with_values``; the setting
``PTDV_SUBJECT_REQUEST_DAYS`` and ``PTDV_BREACH_NOTIFY_HOURS``), which is recorded in the source's
note. Sources and their status: ``docs/data-subjects.md``.

Requests of the person (*yêu cầu của chủ thể dữ liệu*), counted in working days from the day the
request was received (``WorkingCalendar.add_working_days``: the day of receipt is not counted):

- ``acknowledge``: tell the person the request was received (and how it will be handled): 2;
- ``access`` (provide the data) and ``correction``: 10;
- ``withdrawal`` (of consent), ``restriction`` and ``objection`` (to processing): 15;
- ``deletion``: 20;
- ``extension``: the answer's deadline may be extended once, by at most this many working days
  (15), with a reason given to the person.

Answering or refusing a request within the acknowledgement's deadline also acknowledges it.

A request moves through these steps (:func:`allowed_steps`): received → acknowledged →
(extended) → answered or refused → closed; closing ends it at any point (the person withdrew the
request, or it was answered outside ptdv), with a note.

Breach (*vi phạm quy định bảo vệ dữ liệu cá nhân*): notify the competent authority within 72
hours of detection (:func:`notification_due`), in clock hours, weekends included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from .findings import Citation, Deadline
from .i18n import gettext_noop
from .rulesets import RuleSource

if TYPE_CHECKING:  # pragma: no cover
    from .calendar import WorkingCalendar

__all__ = [
    "ACKNOWLEDGE",
    "ANSWER",
    "CLOSED_STATUSES",
    "DEADLINE_LABELS",
    "DONE_STATUSES",
    "LAW91_2026",
    "OPEN_STATUSES",
    "PROTECTION_RULES",
    "REQUEST_KINDS",
    "REQUEST_KIND_LABELS",
    "REQUEST_STATUS_LABELS",
    "REQUEST_STEPS",
    "REQUEST_STEP_LABELS",
    "ProtectionRules",
    "RequestState",
    "allowed_steps",
    "check_step",
    "derive_request",
    "hours_left",
    "next_due",
    "notification_due",
    "request_deadlines",
    "rules_for",
]

RequestKind = Literal["access", "correction", "restriction", "objection", "withdrawal", "deletion"]
RequestStep = Literal["acknowledged", "extended", "answered", "refused", "closed"]

#: The kinds of request, in the order of the law's list of rights.
REQUEST_KIND_LABELS: dict[str, str] = {
    "access": gettext_noop("Truy cập, cung cấp dữ liệu"),
    "correction": gettext_noop("Chỉnh sửa dữ liệu"),
    "withdrawal": gettext_noop("Rút lại sự đồng ý"),
    "restriction": gettext_noop("Hạn chế xử lý dữ liệu"),
    "objection": gettext_noop("Phản đối xử lý dữ liệu"),
    "deletion": gettext_noop("Xóa dữ liệu"),
}
REQUEST_KINDS: tuple[str, ...] = tuple(REQUEST_KIND_LABELS)

#: What happened to a request, one step at a time.
REQUEST_STEP_LABELS: dict[str, str] = {
    "acknowledged": gettext_noop("Xác nhận đã nhận yêu cầu"),
    "extended": gettext_noop("Gia hạn trả lời"),
    "answered": gettext_noop("Đã thực hiện yêu cầu"),
    "refused": gettext_noop("Từ chối yêu cầu"),
    "closed": gettext_noop("Đóng yêu cầu"),
}
REQUEST_STEPS: tuple[str, ...] = tuple(REQUEST_STEP_LABELS)

#: Where a request stands (derived from its steps).
REQUEST_STATUS_LABELS: dict[str, str] = {
    "received": gettext_noop("Mới tiếp nhận"),
    "acknowledged": gettext_noop("Đã xác nhận, đang xử lý"),
    "extended": gettext_noop("Đã gia hạn, đang xử lý"),
    "answered": gettext_noop("Đã thực hiện"),
    "refused": gettext_noop("Đã từ chối"),
    "closed": gettext_noop("Đã đóng"),
}
#: Still to be answered: the deadlines run.
OPEN_STATUSES = frozenset({"received", "acknowledged", "extended"})
#: Answered or refused, not yet closed: no deadline runs.
DONE_STATUSES = frozenset({"answered", "refused"})
CLOSED_STATUSES = frozenset({"closed"})

#: Deadline codes (``Deadline.code``).
ACKNOWLEDGE = "request_acknowledge"
ANSWER = "request_answer"
DEADLINE_LABELS: dict[str, str] = {
    ACKNOWLEDGE: gettext_noop("Xác nhận đã nhận yêu cầu"),
    ANSWER: gettext_noop("Trả lời yêu cầu"),
}

_STEPS_FROM: dict[str, frozenset[str]] = {
    "received": frozenset({"acknowledged", "answered", "refused", "closed"}),
    "acknowledged": frozenset({"extended", "answered", "refused", "closed"}),
    "extended": frozenset({"answered", "refused", "closed"}),
    "answered": frozenset({"closed"}),
    "refused": frozenset({"closed"}),
    "closed": frozenset(),
}


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectionRules:
    """The numbers of personal data protection in force from ``effective_from``.

    - ``acknowledge_working_days``: acknowledge a request.
    - ``answer_working_days``: answer a request, per kind (``access``, ``correction``…).
    - ``extension_working_days``: the most a single extension adds to the answer's deadline.
    - ``breach_notify_hours``: notify the competent authority of a breach, from detection.
    - ``sources``: one :class:`RuleSource` per value; keys ``acknowledge``, each kind,
      ``extension``, ``breach_notify``.
    """

    name: str
    documents: tuple[str, ...]
    effective_from: date
    acknowledge_working_days: int
    answer_working_days: Mapping[str, int]
    extension_working_days: int
    breach_notify_hours: int
    sources: Mapping[str, RuleSource] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False, repr=False
    )

    def answer_days(self, kind: str) -> int:
        """Working days to answer a request of ``kind`` (``KeyError`` for an unknown kind)."""
        return self.answer_working_days[kind]

    def cite(self, key: str) -> Citation:
        return self.sources[key].citation

    def with_values(
        self,
        days: Mapping[str, int] | None = None,
        breach_notify_hours: int | None = None,
    ) -> ProtectionRules:
        """The same table with numbers set by the installation.

        ``days`` maps ``acknowledge``, ``extension`` or a request kind to working days. An
        unknown key or a negative number raises ``ValueError`` (a typo in a setting must not be
        ignored). Each replaced value keeps its citation; its note says the installation set it.
        """
        days = dict(days or {})
        known = {"acknowledge", "extension", *REQUEST_KINDS}
        unknown = sorted(set(days) - known)
        if unknown:
            raise ValueError(
                f"Không có thời hạn tên {', '.join(unknown)}; dùng: {', '.join(sorted(known))}."
            )
        for key, value in days.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Thời hạn {key} phải là số ngày làm việc, không âm: {value!r}.")
        if breach_notify_hours is not None and (
            not isinstance(breach_notify_hours, int) or breach_notify_hours <= 0
        ):
            raise ValueError(f"Số giờ thông báo vi phạm phải dương: {breach_notify_hours!r}.")
        answer = dict(self.answer_working_days)
        sources = dict(self.sources)
        changed: dict[str, int] = {}
        for key, value in days.items():
            if key == "acknowledge":
                old = self.acknowledge_working_days
            elif key == "extension":
                old = self.extension_working_days
            else:
                old = answer[key]
                answer[key] = value
            if value != old:
                changed[key] = value
        if breach_notify_hours is not None and breach_notify_hours != self.breach_notify_hours:
            changed["breach_notify"] = breach_notify_hours
        for key, value in changed.items():
            source = sources[key]
            sources[key] = replace(
                source,
                note=(source.note + " " if source.note else "")
                + f"Cài đặt của hệ thống: {value} (thay cho giá trị theo văn bản).",
            )
        return replace(
            self,
            acknowledge_working_days=days.get("acknowledge", self.acknowledge_working_days),
            answer_working_days=MappingProxyType(answer),
            extension_working_days=days.get("extension", self.extension_working_days),
            breach_notify_hours=breach_notify_hours or self.breach_notify_hours,
            sources=MappingProxyType(sources),
        )


_LAW91 = "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15"
_ND356 = "Nghị định 356/2025/NĐ-CP"
_U_ND356_TEXT = (
    "https://wincolaw.com.vn/vi/nghi-dinh-356-2025-nd-cp-ngay-31-12-2025-huong-dan-luat-bao-ve-"
    "du-lieu-ca-nhan.html"
)
_U_FRASERS = (
    "https://www.frasersvn.com/vi/legal-updates-and-publications/the-next-chapter-in-data-"
    "protection-new-decree-guiding-the-personal-data-protection-law"
)
_U_CDLAF = (
    "https://cdlaf.vn/en/rights-of-personal-data-subjects-and-methods-of-obtaining-consent-"
    "under-decree-no-356-2025-nd-cp/"
)
_U_ND13_BREACH = (
    "https://thuvienphapluat.vn/chinh-sach-phap-luat-moi/vn/ho-tro-phap-luat/tu-van-phap-luat/"
    "64996/huong-dan-thong-bao-vi-pham-quy-dinh-ve-bao-ve-du-lieu-ca-nhan"
)
_ISSUE = "yêu cầu nghiệp vụ của ptdv (tóm tắt các nghĩa vụ, chưa đối chiếu văn bản gốc)"


def _s(doc: str, article: str, source: str, note: str = "") -> RuleSource:
    # Nothing here was read in the text of the law or of the decree itself: unverified.
    return RuleSource(Citation(doc, article), False, source, note)


def _sources_2026() -> dict[str, RuleSource]:
    rights = f"{_LAW91}, Điều 4, 10, 14; {_ND356}"
    return {
        "acknowledge": _s(
            rights,
            "NĐ 356 Điều 5",
            _U_FRASERS,
            "Bản tóm tắt: phản hồi trong 02 ngày làm việc kể từ ngày nhận được yêu cầu (NĐ 13 "
            "trước đây: 72 giờ).",
        ),
        "access": _s(
            rights, "NĐ 356 Điều 5", _U_CDLAF, "Bản tóm tắt: hoàn thành trong 10–20 ngày."
        ),
        "correction": _s(rights, "NĐ 356 Điều 5", _U_CDLAF, "Như trên."),
        "withdrawal": _s(
            rights,
            "NĐ 356 Điều 5",
            _U_CDLAF,
            "Bản tóm tắt: hoàn thành thủ tục dừng xử lý trong 15 ngày (không ghi rõ ngày làm "
            "việc); 20 ngày khi phải yêu cầu bên xử lý hoặc bên thứ ba dừng xử lý.",
        ),
        "restriction": _s(rights, "NĐ 356 Điều 5", _U_CDLAF, "Như trên."),
        "objection": _s(rights, "NĐ 356 Điều 5", _U_CDLAF, "Như trên."),
        "deletion": _s(rights, "NĐ 356 Điều 5", _ISSUE),
        "extension": _s(
            _ND356,
            "Điều 5",
            _U_CDLAF,
            "Bản tóm tắt: tùy tính chất, mức độ phức tạp, được gia hạn một lần, tối đa 15 ngày, "
            "và phải thông báo cho chủ thể dữ liệu.",
        ),
        "breach_notify": _s(
            f"{_LAW91}, Điều 23; {_ND356}",
            "NĐ 356 Điều 28",
            _ISSUE,
            "Thông báo cho cơ quan chuyên trách bảo vệ dữ liệu cá nhân (Bộ Công an) chậm nhất 72 "
            "giờ kể từ khi phát hiện; NĐ 13/2023 (đã hết hiệu lực) tính từ khi xảy ra vi phạm, "
            f"theo Mẫu số 03 ({_U_ND13_BREACH}). Nội dung Điều 28 chưa đọc được: {_U_ND356_TEXT}",
        ),
    }


LAW91_2026 = ProtectionRules(
    name="Luật 91/2025/QH15 và Nghị định 356/2025/NĐ-CP (từ 01/01/2026)",
    documents=(
        "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 ngày 26/6/2025",
        "Nghị định 356/2025/NĐ-CP ngày 31/12/2025",
    ),
    effective_from=date(2026, 1, 1),
    acknowledge_working_days=2,
    answer_working_days=MappingProxyType(
        {
            "access": 10,
            "correction": 10,
            "withdrawal": 15,
            "restriction": 15,
            "objection": 15,
            "deletion": 20,
        }
    ),
    extension_working_days=15,
    breach_notify_hours=72,
    sources=MappingProxyType(_sources_2026()),
)

#: Every table, oldest first (the first is also used before its ``effective_from``).
PROTECTION_RULES: tuple[ProtectionRules, ...] = (LAW91_2026,)


def rules_for(d: date, tables: tuple[ProtectionRules, ...] = PROTECTION_RULES) -> ProtectionRules:
    """The table in force on ``d`` (the day a request was received, the day a breach was
    detected): the latest with ``effective_from <= d``, else the earliest."""
    chosen = tables[0]
    for table in tables:
        if table.effective_from <= d:
            chosen = table
        else:
            break
    return chosen


# --- requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestState:
    """Where a request stands after its steps (see :func:`derive_request`)."""

    status: str = "received"
    #: The first step that told the person the request was received (acknowledged, answered,
    #: refused or closed).
    acknowledged_on: date | None = None
    #: Answered or refused.
    answered_on: date | None = None
    closed_on: date | None = None
    #: Working days added to the answer's deadline by the extension (0: not extended).
    extension_days: int = 0
    #: Date of the latest step (a new step may not be earlier).
    last_on: date | None = None

    @property
    def is_open(self) -> bool:
        """The answer is still due."""
        return self.status in OPEN_STATUSES


def derive_request(steps: list[tuple[str, date, int]]) -> RequestState:
    """The state after ``steps``: ``(step, date, extension_days)`` in the order recorded
    (``extension_days`` is read on an ``extended`` step only)."""
    state = RequestState()
    for step, on, days in steps:
        acknowledged = state.acknowledged_on or on
        if step == "acknowledged":
            state = replace(state, status="acknowledged", acknowledged_on=acknowledged)
        elif step == "extended":
            state = replace(state, status="extended", extension_days=days)
        elif step in ("answered", "refused"):
            state = replace(state, status=step, acknowledged_on=acknowledged, answered_on=on)
        elif step == "closed":
            state = replace(
                state,
                status="closed",
                acknowledged_on=acknowledged,
                answered_on=state.answered_on or on,
                closed_on=on,
            )
        else:
            raise ValueError(f"unknown request step {step!r}")
        state = replace(state, last_on=on)
    return state


def allowed_steps(status: str) -> frozenset[str]:
    """The steps that may follow a request in ``status``."""
    return _STEPS_FROM[status]


def check_step(
    state: RequestState,
    step: str,
    on: date,
    received_on: date,
    today: date,
    rules: ProtectionRules,
    *,
    extension_days: int = 0,
) -> tuple[str, str] | None:
    """Why ``step`` on ``on`` may not be recorded: ``(field, message)`` — the field it concerns
    (``step``, ``date``, ``extension_days``) and a Vietnamese message —, or ``None``."""
    if step not in REQUEST_STEP_LABELS:
        return "step", gettext_noop("Bước không hợp lệ.")
    if step not in allowed_steps(state.status):
        return "step", gettext_noop(
            "Bước này không thực hiện được ở tình trạng hiện tại của yêu cầu."
        )
    if on > today:
        return "date", gettext_noop("Ngày không được sau hôm nay.")
    if on < received_on:
        return "date", gettext_noop("Ngày không được trước ngày nhận yêu cầu.")
    if state.last_on is not None and on < state.last_on:
        return "date", gettext_noop("Ngày không được trước bước đã ghi gần nhất.")
    if step == "extended":
        if state.extension_days:
            return "step", gettext_noop("Yêu cầu chỉ được gia hạn một lần.")
        if not 1 <= extension_days <= rules.extension_working_days:
            return "extension_days", gettext_noop(
                "Số ngày gia hạn phải từ 1 đến mức tối đa văn bản cho phép."
            )
    return None


def request_deadlines(
    kind: str,
    received_on: date,
    calendar: WorkingCalendar,
    rules: ProtectionRules | None = None,
    state: RequestState | None = None,
) -> tuple[Deadline, Deadline]:
    """The acknowledgement's and the answer's deadlines of a request of ``kind`` received on
    ``received_on``, counted in working days (``calendar``), with the table in force on that
    day unless ``rules`` is given; ``state`` marks them done and adds the extension.

    ``KeyError`` for an unknown ``kind``.
    """
    rules = rules or rules_for(received_on)
    state = state or RequestState()
    answer_days = rules.answer_days(kind) + state.extension_days
    acknowledge = Deadline(
        code=ACKNOWLEDGE,
        label=DEADLINE_LABELS[ACKNOWLEDGE],
        due=calendar.add_working_days(received_on, rules.acknowledge_working_days),
        citation=rules.cite("acknowledge"),
        done_on=state.acknowledged_on,
    )
    answer = Deadline(
        code=ANSWER,
        label=DEADLINE_LABELS[ANSWER],
        due=calendar.add_working_days(received_on, answer_days),
        citation=rules.cite(kind),
        done_on=state.answered_on,
    )
    return acknowledge, answer


def next_due(deadlines: tuple[Deadline, ...] | list[Deadline]) -> Deadline | None:
    """The earliest deadline still open, or ``None``."""
    open_ = [d for d in deadlines if d.is_open]
    return min(open_, key=lambda d: d.due) if open_ else None


# --- breaches ---------------------------------------------------------------------------------


def notification_due(detected_at: datetime, rules: ProtectionRules | None = None) -> datetime:
    """The moment by which the competent authority must be notified of a breach detected at
    ``detected_at`` (an aware datetime): ``breach_notify_hours`` clock hours later."""
    rules = rules or rules_for(detected_at.date())
    return detected_at + timedelta(hours=rules.breach_notify_hours)


def hours_left(due: datetime, now: datetime) -> int:
    """Whole hours from ``now`` to ``due``, rounded down: 0 in the last hour, negative once
    past (−1 in the first hour after ``due``)."""
    return math.floor((due - now).total_seconds() / 3600)
