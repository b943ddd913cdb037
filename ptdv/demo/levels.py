"""One account per level of a large dataset's tree, for the benchmarks of its pages.

The demo's accounts (``ptdv.demo.users``) sit at the root, the first district, its first
commune and a cell. A national dataset has two more levels that matter — the nation and a
province — so :func:`ensure_level_users` picks, in any dataset, the root, a province, a
district, a grassroots committee and a cell (each the first by path under the one before) and
makes sure an account of the right role belongs to each: created when missing, moved to the
organisation when it belongs elsewhere (a dataset rebuilt), left alone otherwise. The accounts
that need a second factor are enrolled with the demo's authenticator app, as the demo's are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ptdv.accounts import mfa
from ptdv.accounts.models import Role, User
from ptdv.org.models import Organisation, OrgKind

from .users import DEMO_PASSWORD, enrol_demo_app


@dataclass(frozen=True)
class Level:
    username: str
    label: str
    kind: tuple[str, ...]
    role: str


#: From the root down: the account, what it is, the kinds of organisation it may belong to.
LEVELS = [
    Level("cap_goc", "Cấp trên cùng (gốc cây)", (), Role.COMMITTEE),
    Level("cap_tinh", "Ban Tổ chức Tỉnh ủy", (OrgKind.PROVINCE,), Role.COMMITTEE),
    Level("cap_huyen", "Ban Tổ chức Huyện ủy", (OrgKind.DISTRICT,), Role.COMMITTEE),
    Level("cap_coso", "Cán bộ tổ chức Đảng ủy cơ sở", (OrgKind.GRASSROOTS_COMMITTEE,),
          Role.GRASSROOTS),
    Level("cap_chibo", "Bí thư chi bộ", (OrgKind.CELL,), Role.CELL),
]  # fmt: skip


def level_organisations() -> list[tuple[Level, Organisation]]:
    """Each level's organisation: the root, then the first of its kind (by path) under the one
    above (the root itself when it is of that kind: a province's dataset)."""
    root = Organisation.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return []
    chosen = [(LEVELS[0], root)]
    above = root
    for level in LEVELS[1:]:
        if above.kind in level.kind:
            node = above
        else:
            node = (
                Organisation.objects.filter(kind__in=level.kind, path__startswith=above.path)
                .order_by("path")
                .first()
            )
        if node is None:
            break
        chosen.append((level, node))
        above = node
    return chosen


def ensure_level_users() -> list[tuple[User, Organisation]]:
    """The accounts of :data:`LEVELS`, each belonging to its level's organisation (idempotent)."""
    made = []
    for level, organisation in level_organisations():
        user = User.objects.filter(username=level.username).first()
        if user is None:
            user = User(username=level.username, first_name=level.label)
            user.set_password(DEMO_PASSWORD)
        if user.pk is None or user.organisation_id != organisation.pk or user.role != level.role:
            user.organisation = organisation
            user.role = level.role
            user.save()
        if mfa.is_required(user) and mfa.totp_device(user) is None:
            enrol_demo_app(user)
        made.append((user, organisation))
    return made
