"""The one scoping mechanism: every query, page, export and admin list goes through it.

A user sees the subtree of the organisation tree rooted at their own organisation. Every scoped
model names, in ``SCOPE``, the lookup from itself to an :class:`~ptdv.org.models.Organisation`
(``""`` for the organisation itself); :meth:`ScopedQuerySet.visible_to` filters on that
organisation's materialised path, so a subtree is one indexed ``LIKE 'prefix%'``.

Views fetch single objects with :func:`get_visible_or_404`, so an outsider gets 404 whether the
object exists or not.

The Django admin (:data:`admin_site`, ``/quan-tri/``) is the administrators' tool only and shows
the same subtree: :class:`ScopedAdminSite` lets in active users with the administrator role,
:class:`AdminAccessMixin` replaces Django's per-model permissions by the role and the scope, and
:class:`ScopedAdminMixin` filters lists, forms and choices.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _

# The scope asks a user object for ``is_authenticated``, ``is_active``, ``organisation``,
# ``organisation_path``, ``installation_wide`` and ``is_administrator`` only: it does not import
# ``accounts`` (whose ``User`` is scoped with :class:`ScopedQuerySet`), so the dependency is one
# way, accounts → org.


def scope_path(user: Any) -> str | None:
    """The path prefix a user may see: ``""`` for everything, ``None`` for nothing.

    A user sees their organisation's subtree. A user without an organisation sees the whole
    installation only when marked installation-wide (``User.installation_wide``), otherwise
    nothing — being a superuser does not widen anything.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    organisation_path = getattr(user, "organisation_path", None)
    if organisation_path:
        return organisation_path
    return "" if getattr(user, "installation_wide", False) else None


def is_installation_wide(user: Any) -> bool:
    """Sees every tree of the installation (and its installation-wide records)."""
    return scope_path(user) == ""


def is_administrator(user: Any) -> bool:
    """May enter the Django admin: an active administrator (role) who has a scope."""
    return bool(getattr(user, "is_administrator", False)) and scope_path(user) is not None


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to a user's subtree."""

    def visible_to(self, user: Any) -> ScopedQuerySet:
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

    def in_subtree(self, path: str, *, via: str | None = None) -> ScopedQuerySet:
        """Rows under the organisation whose path is ``path`` (no user involved: reports).

        ``via``: the lookup to the organisation that counts, where it is not the model's
        ``SCOPE`` (a report counts an event at the cell of its step: ``via="cell"``).
        """
        return self.filter(subtree_condition(path, via if via is not None else self.model.SCOPE))


def subtree_condition(path: str, via: str) -> Q:
    """The one subtree condition: the organisation reached by the lookup ``via`` (``""``: the
    row is an organisation) has ``path`` as a prefix of its path."""
    return Q(**{f"{via}__path__startswith" if via else "path__startswith": path})


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


# --- the admin ----------------------------------------------------------------------------------


class AdminAccessMixin:
    """Who may do what with a model in the admin: Django's per-model permissions (and the
    superuser's all-permissions) are replaced by the role and the scope.

    Administrators (:func:`is_administrator`) view; they add and change unless the model admin
    is ``read_only`` (rows written by the services, append-only or derived data); they delete
    only where ``deletable``. ``installation_wide_only`` models (the calendar, the task queue) are
    for installation-wide administrators alone.
    """

    read_only = False
    deletable = False
    installation_wide_only = False

    def has_module_permission(self, request):
        user = request.user
        return is_administrator(user) and (
            not self.installation_wide_only or is_installation_wide(user)
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self.has_module_permission(request)

    def has_add_permission(self, request, *args):  # inlines also pass the parent object
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.deletable and self.has_change_permission(request, obj)

    def get_queryset(self, request):
        # Rows of a model the user may not see are missing, like rows outside the subtree.
        queryset = super().get_queryset(request)
        return queryset if self.has_module_permission(request) else queryset.none()

    def get_actions(self, request):
        # Read-only data has no bulk actions either (Django's and third-party ones).
        return {} if self.read_only else super().get_actions(request)


class ScopedAdminMixin(AdminAccessMixin):
    """The admin's face of the scope: lists, forms and foreign-key choices see only the
    administrator's subtree; an object outside it is missing (the admin's own "does not exist")."""

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
                    raise ValidationError(
                        _("Chỉ được đặt tổ chức đảng bên trong phạm vi của mình.")
                    )
                return cleaned

        return ScopedMoveNodeForm


def _visible_pk(model: type[models.Model], user: Any, pk: Any) -> models.Model | None:
    """The object ``pk`` of ``model`` if ``user`` may see it (``None`` for a malformed id too)."""
    try:
        return model._default_manager.visible_to(user).filter(pk=pk).first() if pk else None
    except (ValueError, TypeError):
        return None


# --- the admin site -------------------------------------------------------------------------------


@cache
def _login_form():
    # Imported late: Django's authentication forms need the user model (apps ready).
    from django.contrib.admin.forms import AdminAuthenticationForm

    class AdministratorLoginForm(AdminAuthenticationForm):
        """Only administrators sign in here; the others are told the same as for a wrong
        password (the admin does not say which accounts exist)."""

        error_messages = {
            **AdminAuthenticationForm.error_messages,
            "invalid_login": _(
                "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản không phải tài khoản "
                "quản trị. Lưu ý: có phân biệt chữ hoa, chữ thường."
            ),
        }

        def confirm_login_allowed(self, user):
            super().confirm_login_allowed(user)  # active and, through the role, staff
            if not is_administrator(user):
                raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")

    return AdministratorLoginForm


class ScopedAdminSite(AdminSite):
    """``/quan-tri/``: the administrators' tool, scoped like every page of the site.

    Only active users with the administrator role and a scope enter (the others get the admin's
    login page, as Django does for non-staff users); every model admin registered here decides
    with :class:`AdminAccessMixin` and filters with :class:`ScopedAdminMixin`.
    """

    site_header = _("ptdv — Quản trị")
    site_title = "ptdv"
    index_title = _("Quản trị dữ liệu")

    @property
    def login_form(self):
        return _login_form()

    def has_permission(self, request):
        return is_administrator(request.user)

    def get_urls(self):
        urls = super().get_urls()
        # "View on site" redirects to an object's page: only for an object the administrator
        # sees (Django's shortcut looks the object up unscoped).
        for i, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[i] = path(
                    "r/<path:content_type_id>/<path:object_id>/",
                    self.admin_view(self.view_on_site),
                    name="view_on_site",
                )
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        from django.contrib.contenttypes.models import ContentType
        from django.contrib.contenttypes.views import shortcut

        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if (
            model_admin is None
            or not model_admin.has_view_permission(request)
            or model_admin.get_object(request, object_id) is None
        ):
            raise Http404
        return shortcut(request, content_type_id, object_id)


#: The admin site of ptdv (``ptdv/urls.py`` serves it at ``/quan-tri/``); every ``admin.py``
#: registers on it, never on Django's default ``admin.site``.
admin_site = ScopedAdminSite(name="admin")
