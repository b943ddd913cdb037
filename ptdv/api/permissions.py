"""Who may use the API: the same roles, scope and write checks as the pages.

- :class:`SignedIn`: any active, signed-in user, however they authenticated (a session or a
  personal token, "Khóa truy cập API"); what they read is scoped by each view's queryset
  (``visible_to``).
- :class:`ReadsRecords`: the resources of individuals' records (people, candidacies, their events,
  mentoring, imports) are closed to the data protection officer, as the pages are
  (``ptdv.privacy.officer``).
- Writes: :func:`writable` fetches the object through the scope (404 for an outsider, whether it
  exists or not), then checks the write (``web.toolkit.require_writer``: 403 for a read-only role)
  and the credential (:func:`credential_may_write`: 403 for a read-only token).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from ptdv.privacy.officer import reads_records
from ptdv.web.toolkit import WritePredicate, get_writable, require_writer


class SignedIn(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ReadsRecords(SignedIn):
    """Signed in, and a role that opens individuals' records (not the data protection officer)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and reads_records(request.user)


def credential_may_write(request) -> bool:
    """A read-only token (``request.auth.can_write`` false) never writes; a session may."""
    return getattr(request.auth, "can_write", True) is not False


def require_write(request, obj: Any = None, *, may_write: WritePredicate | None = None) -> None:
    """403 unless the user may write (on ``obj``) with the credential of this request."""
    require_writer(request.user, obj, may_write=may_write)
    if not credential_may_write(request):
        raise PermissionDenied


def writable(queryset, request, *, may_write: WritePredicate | None = None, **lookup):
    """The object if the user sees it (404) and may write on it with this credential (403)."""
    obj = get_writable(queryset, request.user, may_write=may_write, **lookup)
    if not credential_may_write(request):
        raise PermissionDenied
    return obj
