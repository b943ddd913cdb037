"""Demo accounts, one per role, all with the same password (printed by ``ptdv demo``).

The accounts whose role requires a second factor (``ptdv.accounts.mfa``: administrator,
committees, grassroots officer) come enrolled, with an authenticator app holding the demo's
public secret :data:`DEMO_TOTP_SECRET`: add it to an app to log in as them, or, in the
development profile (the quick start's), read the current code on the code page itself. The
other accounts log in with the password alone (their roles do not require it).
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

from django.db.models import Count, F, Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from ptdv.accounts import mfa
from ptdv.accounts.models import Role, User
from ptdv.org.models import Organisation, OrgKind
from ptdv.people.models import Person

DEMO_PASSWORD = "ptdv-demo-2026"
#: The demo's authenticator secret (Base32, as the apps take it): public, for the demo only.
DEMO_TOTP_SECRET = b32encode(unhexlify(mfa.DEMO_KEY)).decode()


def demo_totp_uri(username: str) -> str:
    """The ``otpauth://`` address of the demo secret for ``username`` (what the QR code holds)."""
    return mfa.new_totp(User(username=username), mfa.DEMO_KEY).config_url


def enrol_demo_app(user: User) -> TOTPDevice:
    """Give ``user`` an authenticator app holding the demo secret."""
    return TOTPDevice.objects.create(
        user=user, name=str(mfa.TOTP_NAME), key=mfa.DEMO_KEY, confirmed=True
    )


#: Shown beside the accounts that need a code after the password.
_MFA_NOTE = "cần mã xác thực hai lớp"


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
        ("baove", "Bảo vệ dữ liệu cá nhân huyện", district, Role.PRIVACY, False),
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
        label = role.label
        if mfa.is_required(user):
            enrol_demo_app(user)
            label = f"{label} ({_MFA_NOTE})"
        made.append((username, label, organisation.name))
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
        label = f"{Role.VIEWER.label} — người giúp đỡ"
        if mfa.is_required(user):  # PTDV_MFA_REQUIRED_FOR_ALL
            enrol_demo_app(user)
            label = f"{label} ({_MFA_NOTE})"
        made.append((user.username, label, mentor.cell.name))
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
