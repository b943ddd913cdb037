"""The one scoping mechanism: every query, page, export and admin list goes through it.

A user sees the subtree of the organisation tree rooted at their own organisation. Every scoped
model names, in ``SCOPE``, the lookup from itself to an :class:`~ptdv.org.models.Organisation`
(``""`` for the organisation itself); :meth:`ScopedQuerySet.visible_to` filters on that
organisation's materialised path, so a subtree is one indexed ``LIKE 'prefix%'``.

Views fetch single objects with :func:`get_visible_or_404`, so an outsider gets 404 whether the
object exists or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from ptdv.accounts.models import User


def scope_path(user: Any) -> str | None:
    """The path prefix a user may see: ``""`` for everything, ``None`` for nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    organisation_path = getattr(user, "organisation_path", None)
    if organisation_path:
        return organisation_path
    # A superuser without an organisation is the installation's administrator.
    return "" if user.is_superuser else None


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to a user's subtree."""

    def visible_to(self, user: User | Any) -> ScopedQuerySet:
        prefix = scope_path(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self
        return self.filter(**{scope_lookup(self.model): prefix})

    def in_subtree(self, path: str) -> ScopedQuerySet:
        """Rows under the organisation whose path is ``path`` (no user involved: reports)."""
        return self.filter(**{scope_lookup(self.model): path})


def scope_lookup(model: type[models.Model]) -> str:
    field = model.SCOPE  # type: ignore[attr-defined]
    return f"{field}__path__startswith" if field else "path__startswith"


def get_visible_or_404(queryset: models.QuerySet | type[models.Model], user: Any, **lookup):
    """Fetch one object the user may see; 404 otherwise (never reveals that it exists)."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


class ScopedAdminMixin:
    """The admin's face of the same mechanism: lists, forms and choices see only the subtree.

    Django's per-model permissions are replaced by the user's role: staff users with a writer
    role may change rows inside their subtree; read-only users may only view.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and request.user.can_write

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "SCOPE") and related.SCOPE is not None:
            base = kwargs.get("queryset")
            if base is None:
                base = related._default_manager.all()
            kwargs["queryset"] = base.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
