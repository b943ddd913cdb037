"""What the data protection officer (``Role.PRIVACY``) may open on the site.

The officer audits the processing of the subtree's personal data: who read what (the read log,
``/bao-ve-du-lieu/truy-cap/``), who changed what (the audit log, ``/nhat-ky/``), and the records
kept about the processing itself. Doing so needs the records *about* reads and changes, not the
candidates' records: following data minimisation (Luật 91/2025/QH15, Điều 3) and access to
sensitive data limited by role (Nghị định 356/2025/NĐ-CP, Điều 4 khoản 2), the officer does not
browse individuals' records — the pages of :data:`RECORD_VIEW_MODULES` and :data:`RECORD_VIEWS`
answer a 403 page saying so. The officer keeps the to-do page (without the candidates' deadlines),
the organisation tree, the reports' figures (counts, without the lists behind them), the targets
and the account pages.

The rule is kept by :class:`OfficerMiddleware`, on the view that a URL resolves to (its module and
name), so a new page added to one of those modules is closed to the officer without more code.
The API's views are in none of them (the API closes its records' resources with its own
permission, ``ptdv.api.permissions.ReadsRecords``): should a refusal happen under the API's
prefix, it is a 403 in the API's JSON, not the page.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from ptdv.accounts import json_errors
from ptdv.accounts.json_errors import is_api_request
from ptdv.accounts.models import Role

#: Modules whose every page shows or takes out individuals' records.
RECORD_VIEW_MODULES = frozenset(
    {
        "ptdv.web.views.board",  # board, list, list export
        "ptdv.web.views.search",  # search by name or CCCD
        "ptdv.web.views.people",  # person page, corrections, merges
        "ptdv.web.views.candidacy",  # candidacy page
        "ptdv.web.views.steps",  # step forms, new source
        "ptdv.web.views.dossier",  # dossier forms
        "ptdv.web.views.mentor",  # mentoring and mentor reports
        "ptdv.web.views.members",  # member events
        "ptdv.web.views.imports",  # imports (files of people, their problems)
        "ptdv.web.views.handoff",  # the hand-off to the national database (its rows, its file)
    }
)
#: Single pages of other modules that list individuals: the people behind a report's figure.
RECORD_VIEWS = frozenset(
    {
        "ptdv.web.views.reports.drill_page",
        "ptdv.web.views.reports.drill_excel",
    }
)


def reads_records(user) -> bool:
    """Whether ``user``'s role opens individuals' records (every role but the officer's)."""
    return getattr(user, "role", None) != Role.PRIVACY


def is_record_view(view_func) -> bool:
    module = getattr(view_func, "__module__", "")
    name = f"{module}.{getattr(view_func, '__name__', '')}"
    return module in RECORD_VIEW_MODULES or name in RECORD_VIEWS


class OfficerMiddleware:
    """Answers the officer's requests for a page of :func:`is_record_view` with a 403 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or reads_records(user):
            return None
        if not is_record_view(view_func):
            return None
        if is_api_request(request):  # the API keeps its own rule (``ReadsRecords``)
            return json_errors.detail(
                403,
                _(
                    "Vai trò «Nhân sự bảo vệ dữ liệu cá nhân» giám sát việc xử lý dữ liệu mà "
                    "không xem hồ sơ của từng người."
                ),
            )
        return render(request, "web/privacy/not_for_officer.html", status=403)
