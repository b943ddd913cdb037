"""The whole identity number on demand: the person page's "Hiện số đầy đủ".

The person page shows the number masked (``001******457``) to everybody. The roles whose work
needs the whole number (``people.sensitive.may_reveal_cccd``) reveal it with a POST — htmx swaps
the masked number for the whole one in place; without JavaScript a small page shows it — and each
reveal is written to the read log (``privacy.access.record``, kind ``cccd_reveal``) before the
number leaves the server. A GET reveals nothing (405): a prefetch or a crawler cannot reveal, and
the address names nothing but the person's id.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.views.decorators.http import require_POST

from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.people.sensitive import may_reveal_cccd
from ptdv.privacy.access import AccessKind, record

from ..toolkit import render_page_or_partial


@login_required
@require_POST
def person_cccd(request, pk: int):
    person = get_visible_or_404(Person.objects.select_related("cell"), request.user, pk=pk)
    if not may_reveal_cccd(request.user):
        raise PermissionDenied
    revealed = bool(person.cccd)
    if revealed:
        record(request, AccessKind.CCCD_REVEAL, person=person)
    context = {"person": person, "revealed": revealed}
    return render_page_or_partial(request, "web/people/cccd.html", "web/people/_cccd.html", context)


urlpatterns = [path("nguoi/<int:pk>/so-cccd/", person_cccd, name="person_cccd")]
