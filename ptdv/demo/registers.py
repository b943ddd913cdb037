"""The demo's personal-data registers: a few requests of people and an incident, so that the
requests and breach registers, their to-do entries and the written record have something to show.

Written through the registers' own services (``ptdv.subjects.services``), like a user's entries:
the deadlines are counted by the demo's working-day calendar, every step is checked.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ptdv.accounts.models import Role, User
from ptdv.org.models import OrgKind
from ptdv.people.models import MemberStatus, Person
from ptdv.subjects.models import Channel, DataCategory, IncidentUpdate, PeopleCategory
from ptdv.subjects.services import (
    IncidentFacts,
    record_incident,
    record_incident_update,
    record_request,
    record_request_step,
)


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def create_demo_registers(today: date) -> dict[str, int]:
    """Three requests of people of the demo cell secretary's cell (one to acknowledge, one being
    answered, one answered) and an incident of the grassroots organisation, detected the day
    before ``today``, with a first measure. Returns the counts written."""
    officer = User.objects.filter(role=Role.GRASSROOTS).order_by("username").first()
    secretary = User.objects.filter(role=Role.CELL).order_by("username").first()
    if officer is None or secretary is None:
        return {}
    # People who are not members (candidates, sources): of the secretary's cell if it has three,
    # else of the grassroots organisation.
    people = []
    for user in (secretary, officer):
        people = list(
            Person.objects.visible_to(user)
            .filter(member_status=MemberStatus.NONE)
            .order_by("pk")[:3]
        )
        if len(people) == 3:
            break
    made = {"requests": 0, "incidents": 0}
    if len(people) == 3:
        made["requests"] = _demo_requests(people, secretary, officer, today)
    made["incidents"] = _demo_incident(officer, secretary, today)
    return made


def _demo_requests(people: list[Person], secretary: User, officer: User, today: date) -> int:
    """Three requests: one to acknowledge, one being answered, one answered."""
    # Received yesterday by the cell: still to acknowledge.
    record_request(
        people[0],
        kind="correction",
        received_on=today - timedelta(days=1),
        channel=Channel.CELL,
        text="Đề nghị sửa nơi ở hiện nay: đã chuyển về thôn Nà Khoang từ tháng trước.",
        actor=secretary,
        today=today,
    )
    # Received a week ago, acknowledged two days later: the answer is due.
    asked = record_request(
        people[1],
        kind="access",
        received_on=today - timedelta(days=7),
        channel=Channel.LETTER,
        text="Xin bản sao những thông tin về tôi mà chi bộ và đảng ủy đang lưu.",
        actor=officer,
        today=today,
    )
    record_request_step(
        asked, "acknowledged", today - timedelta(days=5), version=0, actor=officer, today=today
    )
    # Received a month ago, acknowledged, answered.
    answered = record_request(
        people[2],
        kind="objection",
        received_on=today - timedelta(days=30),
        channel=Channel.IN_PERSON,
        text="Không đồng ý để số điện thoại của tôi ghi trong danh sách gửi các chi bộ khác.",
        actor=officer,
        today=today,
    )
    record_request_step(
        answered, "acknowledged", today - timedelta(days=29), version=0, actor=officer,
        today=today,
    )  # fmt: skip
    record_request_step(
        answered,
        "answered",
        today - timedelta(days=20),
        "Đã bỏ số điện thoại khỏi danh sách; trả lời bằng văn bản cho người yêu cầu.",
        version=1,
        actor=officer,
        today=today,
    )
    return 3


def _demo_incident(officer: User, secretary: User, today: date) -> int:
    """An incident of the officer's commune detected the day before ``today``, with a first
    measure (none when nobody may record it, or the officer's organisation is no commune)."""
    # Incidents are recorded by the data protection officer (or an administrator).
    keeper = (
        User.objects.filter(role__in=[Role.PRIVACY, Role.ADMIN])
        .order_by("-role", "username")
        .first()
    )
    commune = officer.organisation
    if keeper is not None and commune is not None and commune.kind == OrgKind.GRASSROOTS_COMMITTEE:
        now = min(timezone.now(), _moment(today, 17))
        detected = _moment(today - timedelta(days=1), 8)
        if detected < now:
            incident = record_incident(
                commune,
                IncidentFacts(
                    summary="Thất lạc sổ theo dõi quần chúng ưu tú của một chi bộ",
                    description=(
                        "Sổ ghi họ tên, ngày sinh, nơi ở và nhận xét về 14 quần chúng ưu tú "
                        "để quên tại hội trường thôn sau buổi sinh hoạt; chưa tìm thấy."
                    ),
                    detected_at=detected,
                    detected_by=f"Bí thư chi bộ ({secretary.organisation})",
                    occurred_at=detected - timedelta(hours=14),
                    people_count=14,
                    people_categories=[PeopleCategory.CANDIDATES],
                    data_categories=[DataCategory.IDENTITY, DataCategory.ADDRESS],
                    consequences="Thông tin cá nhân của quần chúng có thể bị người khác đọc.",
                ),
                actor=keeper,
                now=now,
            )
            record_incident_update(
                incident,
                IncidentUpdate.Kind.MEASURE,
                min(detected + timedelta(hours=3), now),
                "Đã hỏi ban quản lý hội trường và các đảng viên dự buổi sinh hoạt; "
                "nhắc các chi bộ không mang sổ ra khỏi trụ sở.",
                version=0,
                actor=keeper,
                now=now,
            )
            return 1
    return 0
