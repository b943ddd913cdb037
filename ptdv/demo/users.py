"""Demo accounts, one per role, all with the same password (printed by ``ptdv demo``)."""

from __future__ import annotations

from ptdv.accounts.models import Role, User
from ptdv.org.models import Organisation, OrgKind

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
            is_staff=True,
            is_superuser=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        made.append((username, role.label, organisation.name))
    return made
