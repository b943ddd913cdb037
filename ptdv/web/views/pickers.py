"""The pickers' matches: what a picker's text box lists as one types (``ptdv/web/pickers.py``).

- ``/chon/to-chuc/`` (POST): units of the user's subtree — cells not dissolved, or any unit —
  whose name or parents' names hold the words typed, in tree order.
- ``/chon/dia-ban/`` (POST): places a person may live in (a residence), by their name or their
  grassroots organisation's.
- The people picker of the candidacy forms (mentors, introducers) is ``/chon/nguoi/`` in
  ``views/steps.py``: its answers name people, and that module's pages are closed to the data
  protection officer.

Both answer POST only: what is typed may be a name or a CCCD, which never travels in an address
(see ``views/search.py``). Writers only (the pickers are on forms that write); at most
:data:`~ptdv.web.pickers.SHOWN` rows, the others counted. Nothing outside the user's subtree is
read, so nothing of it can be listed, counted or hinted at.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..pickers import (
    ANY_ORGANISATION,
    ORGANISATION_KINDS,
    search_organisations,
    search_places,
    text_name,
)
from ..toolkit import require_writer

KIND_PARAM = "loai"
EXCLUDE_PARAM = "bo"
_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def field_name(request) -> str:
    """The form field a picker fills (its list's id is built from it)."""
    name = request.POST.get("field", "")
    if not _FIELD.match(name):
        raise Http404
    return name


def typed(request, field: str) -> str:
    """What was typed in the picker's box (``<field>-tim``)."""
    return request.POST.get(text_name(field), "")


def render_results(request, field: str, results, *, noun: str, empty: str):
    more = ""
    if results.more:
        more = _("và %(n)s %(noun)s khác: gõ thêm để thu hẹp.") % {"n": results.more, "noun": noun}
    if not results.total:
        status = empty
    elif more:
        status = _("%(shown)s trong %(total)s kết quả: gõ thêm để thu hẹp.") % {
            "shown": len(results.rows),
            "total": results.total,
        }
    else:
        status = _("%(n)s kết quả.") % {"n": results.total}
    return render(
        request,
        "web/pickers/_results.html",
        {
            "rows": results.rows,
            "more": more,
            "status": status,
            "empty": empty,
            "listbox_id": f"id_{field}_listbox",
        },
    )


@login_required
@require_POST
@sensitive_post_parameters()  # what is typed: a name, a CCCD
def organisations(request):
    require_writer(request.user)
    field = field_name(request)
    kind = request.POST.get(KIND_PARAM, ANY_ORGANISATION)
    if kind not in ORGANISATION_KINDS:
        raise Http404
    raw = request.POST.get(EXCLUDE_PARAM, "")
    exclude = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    results = search_organisations(request.user, kind, typed(request, field), exclude=exclude)
    return render_results(
        request, field, results, noun=_("đơn vị"), empty=_("Không tìm thấy đơn vị nào.")
    )


@login_required
@require_POST
@sensitive_post_parameters()  # what is typed: a name, a CCCD
def places(request):
    """A person's residence: villages, schools… of the subtree and those its cells cover."""
    require_writer(request.user)
    field = field_name(request)
    results = search_places(request.user, typed(request, field))
    return render_results(
        request, field, results, noun=_("địa bàn"), empty=_("Không tìm thấy địa bàn nào.")
    )


urlpatterns = [
    path("chon/to-chuc/", organisations, name="picker_organisations"),
    path("chon/dia-ban/", places, name="picker_places"),
]
