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

from django.core.exceptions import PermissionDenied, ValidationError
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
        organisation = user.organisation
        if organisation.numchild == 0:
            # A leaf (most users are cells): the same rows by the indexed foreign key, which
            # SQLite can use where it cannot use an index for ``LIKE 'prefix%'``.
            return self.filter(**{self.model.SCOPE or "pk": organisation.pk})
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

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and request.user.can_write

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "SCOPE") and related.SCOPE is not None:
            base = kwargs.get("queryset")
            if base is None:
                base = related._default_manager.all()
            kwargs["queryset"] = base.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedTreeAdminMixin(ScopedAdminMixin):
    """The same for treebeard's ``TreeAdmin`` (the organisation tree).

    The tree admin lists root nodes, offers every node as a place for a new or moved node and
    moves nodes by drag and drop, all on the unscoped manager. Inside a subtree the top node is
    the user's own organisation, and nodes are placed and moved inside the subtree only.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        prefix = scope_path(request.user)
        top_level = hasattr(request, "_treebeard_parent_id") and not request._treebeard_parent_id
        if prefix and top_level and not self.is_filtered(request):
            # The tree's top level for this user: their own organisation, not the roots.
            return self.model._default_manager.filter(path=prefix)
        return queryset

    def children_view(self, request, parent_id):
        if not _visible_pk(self.model, request.user, parent_id):
            raise Http404  # outside the subtree looks like missing
        return super().children_view(request, parent_id)

    def move_node(self, request):
        prefix = scope_path(request.user)
        if prefix:
            node = _visible_pk(self.model, request.user, request.POST.get("node"))
            target = _visible_pk(self.model, request.user, request.POST.get("target"))
            if (
                node is None
                or target is None
                or node.path == prefix  # one's own organisation is moved from above
                or (target.path == prefix and request.POST.get("relation") != "child")
            ):
                raise PermissionDenied
        return super().move_node(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        prefix = scope_path(request.user)
        if "treebeard_ref_node" not in form.base_fields or not prefix:
            return form
        user = request.user

        class ScopedMoveNodeForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                ref = self.fields["treebeard_ref_node"]
                ref.queryset = ref.queryset.visible_to(user)
                if self.instance.pk is not None and self.instance.path == prefix:
                    # The user's own organisation keeps its place: only its fields change.
                    initial = self.initial.get("treebeard_ref_node")  # its parent or sibling
                    if initial is not None:
                        manager = self._meta.model._default_manager
                        ref.queryset = ref.queryset | manager.filter(pk=initial.pk)
                    ref.disabled = self.fields["treebeard_position"].disabled = True

            def clean(self):
                cleaned = super().clean()
                placing = {"treebeard_ref_node", "treebeard_position"}
                moved = self.instance._state.adding or placing & set(self.changed_data)
                ref = cleaned.get("treebeard_ref_node")
                inside = ref is not None and (
                    ref.path != prefix or cleaned.get("treebeard_position", "").endswith("child")
                )
                if moved and not inside:
                    raise ValidationError("Chỉ được đặt tổ chức đảng bên trong phạm vi của mình.")
                return cleaned

        return ScopedMoveNodeForm


def _visible_pk(model: type[models.Model], user: Any, pk: Any) -> models.Model | None:
    """The object ``pk`` of ``model`` if ``user`` may see it (``None`` for a malformed id too)."""
    try:
        return model._default_manager.visible_to(user).filter(pk=pk).first() if pk else None
    except (ValueError, TypeError):
        return None
