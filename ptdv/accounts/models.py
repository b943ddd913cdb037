"""Users: each belongs to one organisation and has one role there."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
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
    # The data protection officer (read log): "nhân sự bảo vệ dữ liệu cá nhân" as
    # Luật 91/2025/QH15 and Nghị định 356/2025/NĐ-CP name it. Reads the records of processing
    # (read log, audit log) of the subtree, not the people's records; writes nothing.
    PRIVACY = "privacy", _("Nhân sự bảo vệ dữ liệu cá nhân")


#: Roles that may record steps, mentors and reports (inside their subtree).
WRITER_ROLES = frozenset({Role.CELL, Role.GRASSROOTS, Role.COMMITTEE, Role.ADMIN})
#: Roles that may read the audit log of their subtree.
AUDIT_READER_ROLES = frozenset({Role.COMMITTEE, Role.ADMIN, Role.PRIVACY})
#: Roles that may read the read log (``privacy.AccessEntry``) of their subtree.
ACCESS_LOG_READER_ROLES = frozenset({Role.ADMIN, Role.PRIVACY})

#: An account sees one organisation's subtree, or (explicitly) the whole installation.
WIDE_WITH_ORGANISATION = _(
    "Tài khoản toàn hệ thống không thuộc tổ chức đảng nào: bỏ chọn tổ chức đảng, hoặc bỏ đánh "
    "dấu «toàn hệ thống»."
)


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """An administrator (``ptdv createsuperuser``): of the whole installation when created
        without an organisation, of that organisation's subtree otherwise."""
        extra_fields.setdefault("role", Role.ADMIN)
        if extra_fields.get("organisation") is None and extra_fields.get("organisation_id") is None:
            extra_fields.setdefault("installation_wide", True)
        return super().create_superuser(username, email, password, **extra_fields)


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
    installation_wide = models.BooleanField(
        _("toàn hệ thống"),
        default=False,
        help_text=_(
            "Chỉ cho tài khoản không thuộc tổ chức đảng nào: thấy mọi cây tổ chức của hệ thống, "
            "quản lý ngày nghỉ, làm bù và các bản ghi chung của hệ thống."
        ),
    )
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

    def clean(self):
        super().clean()
        if self.installation_wide and self.organisation_id is not None:
            raise ValidationError(WIDE_WITH_ORGANISATION)

    def save(self, *args, **kwargs):
        # The Django admin is the administrators' tool: ``is_staff`` follows the role, so that
        # Django and third-party code asking ``is_staff`` agree with ptdv's own rule.
        self.is_staff = self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)

    @cached_property
    def organisation_path(self) -> str | None:
        return self.organisation.path if self.organisation_id else None

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role in WRITER_ROLES

    @property
    def can_read_audit(self) -> bool:
        return self.is_active and self.role in AUDIT_READER_ROLES

    @property
    def can_read_access_log(self) -> bool:
        """May read the read log of their subtree (the data protection officer's page)."""
        return self.is_active and self.role in ACCESS_LOG_READER_ROLES

    @property
    def is_administrator(self) -> bool:
        """May enter the Django admin (``/quan-tri/``): an active user with the administrator
        role. What they see there is their scope, as everywhere else."""
        return self.is_active and self.role == Role.ADMIN


# --- personal API tokens ("Khóa truy cập API", ptdv/accounts/tokens.py) ---------------------------


class TokenScope(models.TextChoices):
    READ = "read", _("Chỉ xem")
    READ_WRITE = "read_write", _("Xem và ghi")


class ApiToken(models.Model):
    """A personal token for the REST API: its user's scope and role, read-only or read-write.

    The secret is never stored: only its SHA-256 digest and a short prefix that names the token
    (``tokens.py`` says why a plain digest is enough). Created and revoked by
    ``ptdv.accounts.tokens``; both are in the audit log, without the digest.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("tên khóa"), max_length=100)
    prefix = models.CharField(_("mã nhận diện"), max_length=16, unique=True)
    digest = models.CharField(_("mã băm"), max_length=64)
    scope = models.CharField(
        _("quyền"), max_length=16, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    last_used_at = models.DateTimeField(_("dùng gần nhất lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} (ptdv_{self.prefix}…)"

    @property
    def can_write(self) -> bool:
        """A read-write token of a user who may write now (a role changed since still counts)."""
        return self.scope == TokenScope.READ_WRITE and self.user.can_write

    def get_additional_data(self) -> dict:
        """The audit log's entry is in the token user's organisation's subtree."""
        user = self.user
        return {"org_path": user.organisation.path if user.organisation_id else ""}
