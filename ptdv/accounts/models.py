"""Users: each belongs to one organisation and has one role there."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ptdv.org.scope import ScopedQuerySet


class Role(models.TextChoices):
    CELL = "cell", _("Bí thư / chi ủy chi bộ")
    GRASSROOTS = "grassroots", _("Cán bộ tổ chức đảng ủy cơ sở")
    COMMITTEE = "committee", _("Ban thường vụ / ban tổ chức cấp ủy")
    VIEWER = "viewer", _("Chỉ xem")
    ADMIN = "admin", pgettext_lazy("role", "Quản trị")


#: Roles that may record steps, mentors and reports (inside their subtree).
WRITER_ROLES = frozenset({Role.CELL, Role.GRASSROOTS, Role.COMMITTEE, Role.ADMIN})
#: Roles that may read the audit log of their subtree.
AUDIT_READER_ROLES = frozenset({Role.COMMITTEE, Role.ADMIN})


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Sees the subtree rooted at ``organisation`` and nothing else."""

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("tổ chức đảng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("hồ sơ cá nhân"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        help_text=_("Đảng viên ứng với tài khoản: để xem và báo cáo những người mình giúp đỡ."),
    )

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    @cached_property
    def organisation_path(self) -> str | None:
        return self.organisation.path if self.organisation_id else None

    @property
    def can_write(self) -> bool:
        return self.is_active and (self.role in WRITER_ROLES or self.is_superuser)

    @property
    def can_read_audit(self) -> bool:
        return self.is_active and (self.role in AUDIT_READER_ROLES or self.is_superuser)
