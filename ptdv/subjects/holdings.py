"""What ptdv holds on one person, for an access request: the sections of the export.

:func:`gather` reads, for a person the user may see, every field of the person's record, the
records merged into it, the candidacies and their events, the mentoring (given and received) and
the mentor reports about them, the member events and spells, the corrections history, the
person's requests to this register and the account linked to them — every query through
``visible_to``, so rows of organisations outside the user's subtree are left out (the export
says so, without saying whether there are any).

Nobody else's personal data is written: other people (mentors, introducers, the people the
person mentors, the users who recorded a step) are never named; an introducer's letter says
"giấy giới thiệu", a mentoring row gives dates and the cell only. The CCCD is masked as in every
export (``ptdv.masking``: its first and last three digits), in the corrections history
too; the person knows their own number.

Bounded: each section reads at most :data:`MAX_ROWS` rows (one query per section, never one per
row); a longer section says how many rows it holds and that only the first are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.accounts.models import User
from ptdv.masking import mask_cccd, mask_text
from ptdv.members.models import OPEN_END, MemberEvent, MemberSpell
from ptdv.people.models import Person, PersonChange
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport, deadline_label
from ptdv.rules.facts import paper_description
from ptdv.rules.stages import Step

from .models import SubjectRequest

#: Rows read per section, at most.
MAX_ROWS = 5000
#: Fields of the person's record that are the system's own bookkeeping, not data about them.
INTERNAL_FIELDS = frozenset({"id", "search_name", "sort_key", "merged_into"})


@dataclass(frozen=True)
class Column:
    header: Any
    width: float = 20
    #: "text", "date", "int".
    kind: str = "text"


@dataclass
class Section:
    key: str
    title: Any
    columns: tuple[Column, ...]
    rows: list[list[Any]] = field(default_factory=list)
    #: Rows the section holds in all (more than ``len(rows)`` when cut at :data:`MAX_ROWS`).
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Holdings:
    person: Person
    generated_at: datetime
    organisation: Any
    sections: list[Section]

    @property
    def notes(self) -> list[str]:
        scope = (
            _(
                "Các hồ sơ, bước, giúp đỡ và biến động chỉ gồm những gì thuộc phạm vi "
                "%(organisation)s; thông tin cá nhân và lịch sử đính chính của người này được "
                "ghi đầy đủ."
            )
            % {"organisation": self.organisation.name}
            if self.organisation is not None
            else _("Gồm dữ liệu của toàn hệ thống.")
        )
        return [
            scope,
            _(
                "Không ghi dữ liệu cá nhân của người khác (người giúp đỡ, người giới thiệu, người "
                "được giúp đỡ, người ghi dữ liệu)."
            ),
        ]


def _bounded(queryset: models.QuerySet, make: Callable[[Any], list[Any]]) -> tuple[list, int]:
    """Rows of ``queryset`` (at most :data:`MAX_ROWS`) turned into lists, and the total."""
    found = list(queryset[: MAX_ROWS + 1])
    total = len(found)
    if total > MAX_ROWS:
        total = queryset.count()
        found = found[:MAX_ROWS]
    return [make(row) for row in found], total


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return str(_("Có") if value else _("Không"))


def _local(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%H:%M %d/%m/%Y}" if value else ""


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def field_value(instance: models.Model, model_field: models.Field) -> str:
    """A field of ``instance`` as a person reads it: labels for choices, names for links,
    dd/mm/yyyy dates, "Có"/"Không"."""
    if model_field.name == "cccd":  # masked, as in every export (ptdv/masking.py)
        return mask_cccd(getattr(instance, model_field.attname))
    if model_field.choices:
        value = getattr(instance, model_field.attname)
        return str(dict(model_field.flatchoices).get(value, value or ""))
    if model_field.is_relation:
        related = getattr(instance, model_field.name)
        return str(related) if related is not None else ""
    value = getattr(instance, model_field.attname)
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return _day(value)
    if value is None:
        return ""
    return str(value)


def person_fields() -> list[models.Field]:
    """Every field of the person's record but the system's bookkeeping."""
    return [f for f in Person._meta.concrete_fields if f.name not in INTERNAL_FIELDS]


def field_label(model_field: models.Field) -> str:
    """The field's name as the pages write it ("Số CCCD", "Ngày vào Đảng (lễ kết nạp)")."""
    if model_field.name == "created_at":
        return str(_("Ngày ghi vào hệ thống"))
    label = str(model_field.verbose_name)
    return label[:1].upper() + label[1:]


def _identity(person: Person) -> Section:
    rows = [[field_label(f), field_value(person, f)] for f in person_fields()]
    return Section(
        "identity",
        gettext_lazy("Thông tin cá nhân"),
        (Column(gettext_lazy("Thông tin"), 40), Column(gettext_lazy("Giá trị"), 60)),
        rows,
        len(rows),
    )


def _merged(person: Person, user) -> Section:
    queryset = (
        Person.all_records.visible_to(user)
        .filter(merged_into=person)
        .select_related("cell", "residence")
        .order_by("pk")
    )
    fields_ = [f for f in person_fields() if f.name not in ("merged_into",)]
    rows, total = _bounded(queryset, lambda p: [field_value(p, f) for f in fields_])
    columns = tuple(Column(field_label(f), 18) for f in fields_)
    return Section(
        "merged", gettext_lazy("Bản ghi trùng đã hợp nhất vào hồ sơ này"), columns, rows, total
    )


def _candidacies(candidacies: models.QuerySet) -> Section:
    def row(c: Candidacy) -> list[Any]:
        return [
            c.attempt,
            c.cell.name,
            c.opened_on,
            c.get_stage_display(),
            c.stage_since,
            c.closed_on,
            deadline_label(c.next_due_code) if c.closed_on is None else "",
            c.next_due if c.closed_on is None else None,
        ]

    rows, total = _bounded(candidacies.select_related("cell").order_by("attempt"), row)
    columns = (
        Column(gettext_lazy("Lần"), 6, "int"),
        Column(gettext_lazy("Chi bộ"), 30),
        Column(gettext_lazy("Ngày xác định nguồn"), 14, "date"),
        Column(gettext_lazy("Giai đoạn"), 30),
        Column(gettext_lazy("Vào giai đoạn từ ngày"), 14, "date"),
        Column(gettext_lazy("Ngày kết thúc"), 14, "date"),
        Column(gettext_lazy("Việc đến hạn"), 30),
        Column(gettext_lazy("Hạn gần nhất"), 14, "date"),
    )
    return Section("candidacies", gettext_lazy("Hồ sơ phát triển đảng viên"), columns, rows, total)


def describe_event(event: Event) -> str:
    """What an event carries, naming nobody: number, votes, paper, certificate, card, reason."""
    data = event.data or {}
    parts: list[str] = []
    if event.number:
        parts.append(_("Số %(number)s.") % {"number": event.number})
    if event.official_members is not None:
        parts.append(
            _(
                "Đảng viên chính thức %(members)s, có mặt %(present)s, tán thành %(for)s, "
                "không tán thành %(against)s."
            )
            % {
                "members": event.official_members,
                "present": event.present,
                "for": event.in_favour,
                "against": event.against,
            }
        )
    if event.step == Step.DOSSIER_PAPER:
        text = paper_description(data)
        if data.get("introducer_id") or data.get("introducer_kind"):
            text += _(" (giấy giới thiệu; cùng công tác %(months)s tháng)") % {
                "months": data.get("months_together", 0)
            }
        parts.append(text + ".")
    if data.get("certificate_number"):
        parts.append(_("Giấy chứng nhận số %(n)s.") % {"n": data["certificate_number"]})
    if data.get("certificate_date"):
        try:
            issued = f"{date.fromisoformat(str(data['certificate_date'])):%d/%m/%Y}"
        except ValueError:
            issued = str(data["certificate_date"])
        parts.append(_("Ngày cấp giấy chứng nhận: %(d)s.") % {"d": issued})
    if data.get("card_number"):
        parts.append(_("Thẻ đảng viên số %(n)s.") % {"n": data["card_number"]})
    if event.reason:
        parts.append(_("Lý do: %(reason)s") % {"reason": mask_text(event.reason)})
    return " ".join(parts)


def _events(candidacies: models.QuerySet) -> Section:
    def row(e: Event) -> list[Any]:
        voided = getattr(e, "voided_by", None) is not None
        return [
            e.candidacy.attempt,
            e.seq,
            e.get_step_display(),
            e.date,
            e.cell.name,
            describe_event(e),
            _yes_no(e.passed) if e.passed is not None else "",
            str(_("Đã được đính chính")) if voided else "",
            _local(e.recorded_at),
        ]

    queryset = (
        Event.objects.filter(candidacy__in=candidacies)
        .select_related("candidacy", "cell", "voided_by")
        .order_by("candidacy__attempt", "seq")
    )
    rows, total = _bounded(queryset, row)
    columns = (
        Column(gettext_lazy("Lần"), 6, "int"),
        Column(gettext_lazy("Thứ tự"), 8, "int"),
        Column(gettext_lazy("Bước"), 32),
        Column(gettext_lazy("Ngày"), 12, "date"),
        Column(gettext_lazy("Chi bộ"), 26),
        Column(gettext_lazy("Nội dung"), 60),
        Column(gettext_lazy("Đạt"), 8),
        Column(gettext_lazy("Đính chính"), 16),
        Column(gettext_lazy("Ghi lúc"), 18),
    )
    return Section("events", gettext_lazy("Các bước đã ghi"), columns, rows, total)


def _mentored(candidacies: models.QuerySet) -> Section:
    queryset = (
        MentorAssignment.objects.filter(candidacy__in=candidacies)
        .select_related("candidacy")
        .order_by("candidacy__attempt", "start", "pk")
    )
    rows, total = _bounded(
        queryset, lambda a: [a.candidacy.attempt, a.start, a.end, mask_text(a.end_reason)]
    )
    columns = (
        Column(gettext_lazy("Lần"), 6, "int"),
        Column(gettext_lazy("Từ ngày"), 12, "date"),
        Column(gettext_lazy("Đến ngày"), 12, "date"),
        Column(gettext_lazy("Lý do kết thúc"), 40),
    )
    return Section("mentored", gettext_lazy("Được phân công giúp đỡ"), columns, rows, total)


def _reports(candidacies: models.QuerySet) -> Section:
    queryset = (
        MentorReport.objects.filter(assignment__candidacy__in=candidacies)
        .select_related("assignment__candidacy")
        .order_by("assignment__candidacy__attempt", "period_start", "pk")
    )

    def row(r: MentorReport) -> list[Any]:
        return [
            r.assignment.candidacy.attempt,
            r.get_period_display(),
            r.period_start,
            r.get_assessment_display(),
            mask_text(r.text),
            r.filed_on,
        ]

    rows, total = _bounded(queryset, row)
    columns = (
        Column(gettext_lazy("Lần"), 6, "int"),
        Column(gettext_lazy("Kỳ"), 10),
        Column(gettext_lazy("Đầu kỳ"), 12, "date"),
        Column(gettext_lazy("Đánh giá"), 20),
        Column(gettext_lazy("Nội dung nhận xét"), 60),
        Column(gettext_lazy("Ngày báo cáo"), 12, "date"),
    )
    return Section("reports", gettext_lazy("Nhận xét của người giúp đỡ"), columns, rows, total)


def _mentoring(person: Person, user) -> Section:
    queryset = (
        MentorAssignment.objects.visible_to(user)
        .filter(mentor=person)
        .select_related("candidacy__cell")
        .annotate(report_count=models.Count("reports"))
        .order_by("start", "pk")
    )
    rows, total = _bounded(
        queryset,
        lambda a: [a.candidacy.cell.name, a.start, a.end, mask_text(a.end_reason), a.report_count],
    )
    columns = (
        Column(gettext_lazy("Chi bộ"), 30),
        Column(gettext_lazy("Từ ngày"), 12, "date"),
        Column(gettext_lazy("Đến ngày"), 12, "date"),
        Column(gettext_lazy("Lý do kết thúc"), 40),
        Column(gettext_lazy("Số báo cáo đã nộp"), 12, "int"),
    )
    return Section(
        "mentoring", gettext_lazy("Giúp đỡ người khác (không ghi tên)"), columns, rows, total
    )


def _member_events(person: Person, user) -> Section:
    queryset = (
        MemberEvent.objects.visible_to(user)
        .filter(person=person)
        .select_related("cell", "to_cell", "voided_by")
        .order_by("seq")
    )

    def row(e: MemberEvent) -> list[Any]:
        voided = getattr(e, "voided_by", None) is not None
        return [
            e.seq,
            e.get_kind_display(),
            e.date,
            e.number,
            e.issued_by,
            e.cell.name if e.cell_id else "",
            e.to_cell.name if e.to_cell_id else "",
            e.outside,
            mask_text(e.reason),
            str(_("Đã được đính chính")) if voided else "",
        ]

    rows, total = _bounded(queryset, row)
    columns = (
        Column(gettext_lazy("Thứ tự"), 8, "int"),
        Column(gettext_lazy("Biến động"), 24),
        Column(gettext_lazy("Ngày"), 12, "date"),
        Column(gettext_lazy("Số quyết định / giấy giới thiệu"), 20),
        Column(gettext_lazy("Cơ quan ban hành"), 24),
        Column(gettext_lazy("Chi bộ"), 26),
        Column(gettext_lazy("Chuyển đến chi bộ"), 26),
        Column(gettext_lazy("Tổ chức đảng ngoài hệ thống"), 26),
        Column(gettext_lazy("Lý do"), 40),
        Column(gettext_lazy("Đính chính"), 16),
    )
    return Section("member_events", gettext_lazy("Biến động đảng viên"), columns, rows, total)


def _spells(person: Person, user) -> Section:
    queryset = (
        MemberSpell.objects.visible_to(user)
        .filter(person=person)
        .select_related("cell")
        .order_by("start", "pk")
    )
    rows, total = _bounded(
        queryset,
        lambda s: [
            s.cell.name,
            s.start,
            None if s.end == OPEN_END else s.end,
        ],
    )
    columns = (
        Column(gettext_lazy("Chi bộ"), 30),
        Column(gettext_lazy("Từ ngày"), 12, "date"),
        Column(gettext_lazy("Đến trước ngày"), 14, "date"),
    )
    return Section("spells", gettext_lazy("Quá trình sinh hoạt đảng"), columns, rows, total)


def _changes(person: Person) -> Section:
    labels = {f.name: field_label(f) for f in Person._meta.concrete_fields}
    labels["merged"] = str(_("Hồ sơ trùng"))

    def row(change: PersonChange) -> list[Any]:
        changed = "; ".join(
            f"{labels.get(name, name)}: {old or '—'} → {new or '—'}"
            for name, (old, new) in (change.changes or {}).items()
        )
        # A corrected CCCD is in the history too: every identity-like number masked.
        return [_local(change.recorded_at), change.get_kind_display(), mask_text(changed),
                mask_text(change.reason)]  # fmt: skip

    queryset = PersonChange.objects.filter(person=person).order_by("recorded_at", "pk")
    rows, total = _bounded(queryset, row)
    columns = (
        Column(gettext_lazy("Lúc"), 18),
        Column(gettext_lazy("Loại"), 22),
        Column(gettext_lazy("Thay đổi"), 60),
        Column(gettext_lazy("Lý do"), 40),
    )
    return Section("changes", gettext_lazy("Lịch sử đính chính, hợp nhất"), columns, rows, total)


def _requests(person: Person, user) -> Section:
    queryset = (
        SubjectRequest.objects.visible_to(user).filter(person=person).order_by("received_on", "pk")
    )
    rows, total = _bounded(
        queryset,
        lambda r: [
            r.get_kind_display(),
            r.received_on,
            r.get_channel_display(),
            r.get_status_display(),
            r.answered_on,
            r.closed_on,
        ],
    )
    columns = (
        Column(gettext_lazy("Loại yêu cầu"), 26),
        Column(gettext_lazy("Ngày nhận"), 12, "date"),
        Column(gettext_lazy("Hình thức gửi"), 20),
        Column(gettext_lazy("Tình trạng"), 22),
        Column(gettext_lazy("Ngày trả lời"), 12, "date"),
        Column(gettext_lazy("Ngày đóng"), 12, "date"),
    )
    return Section("requests", gettext_lazy("Yêu cầu về dữ liệu cá nhân"), columns, rows, total)


def _account(person: Person, user) -> Section:
    queryset = User.objects.visible_to(user).filter(person=person).select_related("organisation")
    rows, total = _bounded(
        queryset,
        lambda u: [
            u.username,
            u.get_role_display(),
            u.organisation.name if u.organisation_id else "",
            _local(u.date_joined),
            _local(u.last_login),
            _yes_no(u.is_active),
        ],
    )
    columns = (
        Column(gettext_lazy("Tên đăng nhập"), 20),
        Column(gettext_lazy("Vai trò"), 26),
        Column(gettext_lazy("Tổ chức đảng"), 30),
        Column(gettext_lazy("Ngày tạo"), 18),
        Column(gettext_lazy("Đăng nhập gần nhất"), 18),
        Column(gettext_lazy("Đang hoạt động"), 12),
    )
    return Section("account", gettext_lazy("Tài khoản người dùng"), columns, rows, total)


def gather(person: Person, user, now: datetime | None = None) -> Holdings:
    """Everything ptdv holds on ``person`` (visible to ``user``), section by section."""
    candidacies = Candidacy.objects.visible_to(user).filter(person=person)
    builders: Iterable[Callable[[], Section]] = (
        lambda: _identity(person),
        lambda: _merged(person, user),
        lambda: _candidacies(candidacies),
        lambda: _events(candidacies),
        lambda: _mentored(candidacies),
        lambda: _reports(candidacies),
        lambda: _mentoring(person, user),
        lambda: _member_events(person, user),
        lambda: _spells(person, user),
        lambda: _changes(person),
        lambda: _requests(person, user),
        lambda: _account(person, user),
    )
    return Holdings(
        person=person,
        generated_at=now or timezone.now(),
        organisation=user.organisation if user.organisation_id else None,
        sections=[build() for build in builders],
    )
