"""Demo accounts, one per role, all with the same password (printed by ``ptdv demo``)."""

from __future__ import annotations

from django.db.models import Count, F, Q

from ptdv.accounts.models import Role, User
from ptdv.org.models import Organisation, OrgKind
from ptdv.people.models import Person

DEMO_PASSWORD = "ptdv-demo-2026"


def create_demo_users() -> list[tuple[str, str, str]]:
    root = Organisation.objects.filter(depth=1).order_by("path").first()
    district = Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("path").first()
    commune = (
        Organisation.objects.filter(
            kind=OrgKind.GRASSROOTS_COMMITTEE, path__startswith=district.path
        )
        .order_by("path")
        .first()
    )
    cell = (
        Organisation.objects.filter(kind=OrgKind.CELL, path__startswith=commune.path)
        .order_by("path")
        .first()
    )
    # The administrator belongs to the province: they see its tree, on the site and in the admin
    # (``/quan-tri/``, administrators only). The calendar of days off is for an installation-wide
    # administrator (``ptdv createsuperuser``).
    accounts = [
        ("admin", "Quản trị hệ thống", root, Role.ADMIN, True),
        ("tinhuy", "Ban Tổ chức Tỉnh ủy", root, Role.COMMITTEE, False),
        ("bantochuc", "Ban Tổ chức Huyện ủy", district, Role.COMMITTEE, False),
        ("dangbo_xa", "Cán bộ tổ chức Đảng ủy xã", commune, Role.GRASSROOTS, False),
        ("chibo", "Bí thư chi bộ", cell, Role.CELL, False),
        ("xem", "Người xem", district, Role.VIEWER, False),
    ]
    made = []
    for username, label, organisation, role, superuser in accounts:
        user = User(
            username=username,
            first_name=label,
            organisation=organisation,
            role=role,
            is_superuser=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        made.append((username, role.label, organisation.name))
    mentor = demo_mentor(cell)
    if mentor is not None:
        # A mentor who signs in: read-only, linked to their own member record, so the "Giúp đỡ"
        # page shows the people they help and lets them file their reports.
        user = User(
            username="giupdo",
            first_name=mentor.full_name,
            organisation=mentor.cell,
            role=Role.VIEWER,
            person=mentor,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        made.append((user.username, f"{Role.VIEWER.label} — người giúp đỡ", mentor.cell.name))
    return made


def demo_mentor(cell: Organisation) -> Person | None:
    """The official member helping the most people of their own cell now (in ``cell`` if any).

    Only mentees in the mentor's own cell count: the account belongs to that cell and sees
    nothing outside it.
    """
    current = Q(mentoring__end__isnull=True, mentoring__candidacy__cell=F("cell"))
    mentors = (
        Person.objects.annotate(helped=Count("mentoring", filter=current))
        .filter(helped__gt=0)
        .order_by("-helped", "pk")
    )
    return mentors.filter(cell=cell).first() or mentors.first()
