"""The audit log of the user's subtree (committee, data protection officer, administrators)."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path

from ptdv.org.scope import scope_path
from ptdv.people.sensitive import audit_changes


@login_required
def audit_log(request):
    """Changes within the user's subtree, newest first (``User.can_read_audit``: the committee,
    the data protection officer and the administrators)."""
    if not request.user.can_read_audit:
        raise PermissionDenied
    prefix = scope_path(request.user)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if prefix is None:
        entries = entries.none()
    elif prefix:
        entries = entries.filter(additional_data__org_path__startswith=prefix)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:  # the CCCD masked, sensitive values by role (people/sensitive.py)
        entry.shown_changes = audit_changes(request.user, entry)
    return render(request, "web/audit.html", {"page": page})


urlpatterns = [path("nhat-ky/", audit_log, name="audit")]
