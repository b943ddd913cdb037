"""The list behind a figure: what :func:`ptdv.reports.figures.drill` counts, intersected with
the user's scope, and the columns and rows of its Excel export (streamed rows, no model
instances)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.models import OrgKind, PlaceKind
from ptdv.people.choices import ETHNICITIES, Sex
from ptdv.people.sensitive import Sensitive, blocked_drills, may_see  # lists by role
from ptdv.reports import figures
from ptdv.reports.excel import period_text
from ptdv.reports.tables import Report
from ptdv.xlsx import Column as ExportColumn

from .report_form import ReportForm, ReportPage

PAGE_SIZE = 50

#: What each kind of list shows (``only`` keeps the rows narrow at province scale).
_PERSON_FIELDS = ("id", "full_name", "birth_date", "sex", "ethnicity", "cell__name",
                  "party_admitted_on", "sort_key")  # fmt: skip
_ORGANISATION_FIELDS = ("id", "name", "kind", "founded_on", "dissolved_on", "path", "depth")
_PLACE_FIELDS = ("id", "name", "kind", "organisation__name", "cell__name")


#: The lists behind the figures by ethnicity and religion name people: for the roles that may see
#: those items only (people/sensitive.py).
DRILL_REFUSED = gettext_lazy(
    "Danh sách này nêu tên từng người theo dân tộc hoặc tôn giáo, là dữ liệu cá nhân nhạy cảm: "
    "vai trò của bạn chỉ xem được con số tổng hợp trên báo cáo."
)


def scoped_drill(request, form: ReportForm, page: ReportPage, code: str) -> figures.Drill:
    """The figure's list within the user's scope; 404 for an unknown figure."""
    try:
        found = figures.drill(page.kind, form.organisation, code, **form.dates(), today=form.today)
    except KeyError as error:
        raise Http404 from error
    queryset = found.queryset
    if found.kind == "people":
        queryset = (
            queryset.visible_to(request.user)
            .select_related("cell")
            .only(*_PERSON_FIELDS)
            .order_by("sort_key", "pk")
        )
    elif found.kind == "organisations":
        queryset = queryset.visible_to(request.user).only(*_ORGANISATION_FIELDS).order_by("path")
    else:
        # A cell reads the places it serves too (see PlaceQuerySet.serving).
        queryset = (
            queryset.serving(request.user)
            .select_related("organisation", "cell")
            .only(*_PLACE_FIELDS)
            .order_by("organisation__path", "name", "pk")
        )
    found.queryset = queryset
    return found


def drill_context(request, page: ReportPage, form: ReportForm, code: str) -> dict:
    context = {
        "page": page,
        "form": form,
        "code": code,
        "errors": form.error_messages(),
        "today": form.today,
    }
    if not code:
        context["errors"].append(_("Chưa chọn số liệu: hãy bấm vào một số trên trang báo cáo."))
    elif code in blocked_drills(request.user):  # a list naming people by ethnicity or religion
        context["errors"].append(DRILL_REFUSED)
        context["refused"] = True
    if context["errors"]:
        return context
    found = scoped_drill(request, form, page, code)
    page_obj = Paginator(found.queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    dates = form.dates()
    context |= {
        "drill": found,
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2),
        "first_number": page_obj.start_index(),
        "period": period_text(Report(page.kind, "", form.organisation, **dates)),
        "report_url": f"{reverse(page.url_name)}?{urlencode(form.params())}",
        "query": urlencode(form.params(so_lieu=code)),
    }
    return context


# --- the drill exports (streamed rows, no model instances) ----------------------------------------

PERSON_COLUMNS = (
    ExportColumn(gettext_lazy("STT"), 6, "int"),
    ExportColumn(gettext_lazy("Họ và tên"), 28),
    ExportColumn(gettext_lazy("Ngày sinh"), 12, "date"),
    ExportColumn(gettext_lazy("Giới tính"), 9),
    ExportColumn(gettext_lazy("Dân tộc"), 12),
    ExportColumn(gettext_lazy("Chi bộ"), 32),
    ExportColumn(gettext_lazy("Ngày vào Đảng"), 12, "date"),
)
ORGANISATION_COLUMNS = (
    ExportColumn(gettext_lazy("STT"), 6, "int"),
    ExportColumn(gettext_lazy("Tổ chức đảng"), 40),
    ExportColumn(gettext_lazy("Loại"), 24),
    ExportColumn(gettext_lazy("Ngày thành lập"), 12, "date"),
    ExportColumn(gettext_lazy("Ngày giải thể / sáp nhập"), 12, "date"),
)
PLACE_COLUMNS = (
    ExportColumn(gettext_lazy("STT"), 6, "int"),
    ExportColumn(gettext_lazy("Địa bàn"), 32),
    ExportColumn(gettext_lazy("Loại"), 20),
    ExportColumn(gettext_lazy("Thuộc tổ chức cơ sở đảng"), 32),
    ExportColumn(gettext_lazy("Chi bộ phụ trách"), 32),
)
CHUNK = 2000


#: The people's columns of a sensitive item (``people.sensitive``), by index.
PERSON_SENSITIVE_COLUMNS = {4: Sensitive.ETHNICITY}


def person_export(user) -> tuple[tuple[ExportColumn, ...], Callable]:
    """The people's columns and rows for ``user``: without those the role may not see."""
    hidden = {i for i, item in PERSON_SENSITIVE_COLUMNS.items() if not may_see(user, item)}
    if not hidden:
        return PERSON_COLUMNS, person_rows

    def rows(queryset) -> Iterator[list]:
        for row in person_rows(queryset):
            yield [value for i, value in enumerate(row) if i not in hidden]

    return tuple(c for i, c in enumerate(PERSON_COLUMNS) if i not in hidden), rows


def person_rows(queryset) -> Iterator[list]:
    sexes = {value: str(label) for value, label in Sex.choices}
    ethnicities = {value: str(label) for value, label in ETHNICITIES}
    values = queryset.values_list(
        "full_name", "birth_date", "sex", "ethnicity", "cell__name", "party_admitted_on"
    )
    for number, (name, birth, sex, ethnicity, cell, admitted) in enumerate(
        values.iterator(chunk_size=CHUNK), 1
    ):
        yield [number, name, birth, sexes.get(sex, sex), ethnicities.get(ethnicity, ethnicity),
               cell, admitted]  # fmt: skip


def organisation_rows(queryset) -> Iterator[list]:
    kinds = {value: str(label) for value, label in OrgKind.choices}
    values = queryset.values_list("name", "kind", "founded_on", "dissolved_on")
    for number, (name, kind, founded, dissolved) in enumerate(values.iterator(chunk_size=CHUNK), 1):
        yield [number, name, kinds.get(kind, kind), founded, dissolved]


def place_rows(queryset) -> Iterator[list]:
    kinds = {value: str(label) for value, label in PlaceKind.choices}
    values = queryset.values_list("name", "kind", "organisation__name", "cell__name")
    for number, (name, kind, organisation, cell) in enumerate(values.iterator(chunk_size=CHUNK), 1):
        yield [number, name, kinds.get(kind, kind), organisation, cell or _("Chưa có chi bộ")]


DRILL_EXPORTS = {
    "people": (PERSON_COLUMNS, person_rows),
    "organisations": (ORGANISATION_COLUMNS, organisation_rows),
    "places": (PLACE_COLUMNS, place_rows),
}
