"""The reports: an index, one page per report with its Excel workbook, and the list behind
every figure (the "drill" page) with its Excel export.

- Every page reads the GET parameters through :class:`ReportForm`, always bound: what is missing
  takes its default (the user's own organisation, 1 January of this year to today, or today).
- The organisation is chosen among the user's visible organisations only; any other id is an
  invalid choice: the page shows the error and no figure, never a wider set.
- The figures come from :func:`ptdv.reports.figures.build`; the drill page lists
  :func:`ptdv.reports.figures.drill` intersected with the user's scope.
- Routes are generated from :data:`PAGES`: ``/bao-cao/<slug>/`` (``report_<kind>``),
  ``…/excel/`` (``report_<kind>_excel``), ``…/chi-tiet/`` (``report_<kind>_drill``) and
  ``…/chi-tiet/excel/`` (``report_<kind>_drill_excel``).
- An Excel address with nothing to export (invalid parameters, no figure chosen) shows the page
  with what is wrong instead of a file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.org.models import Organisation, OrgKind, PlaceKind
from ptdv.org.scope import scope_path
from ptdv.people.choices import ETHNICITIES, Sex
from ptdv.people.sensitive import Sensitive, blocked_drills, may_see  # lists by role
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.reports import charts, figures
from ptdv.reports.excel import period_text, sheet_title, write_report
from ptdv.reports.tables import INT, TEXT, Column, Report, Row, Table
from ptdv.xlsx import XLSX_MIME, xlsx_response
from ptdv.xlsx import Column as ExportColumn

from ..filters import OrganisationChoiceField, drill_down
from ..step_forms import EARLIEST_DATE, BootstrapMixin, date_field

PAGE_SIZE = 50
#: The latest date a report may name (a term's targets run to its last year's end).
LATEST_DATE = date(2100, 12, 31)
#: Party congresses every five years: the term 2025–2030, then 2030–2035…
TERM_YEARS, A_TERM_START = 5, 2025

PERIOD, SNAPSHOT, SNAPSHOT_SINCE = "period", "snapshot", "snapshot_since"


@dataclass(frozen=True)
class ReportPage:
    kind: str
    slug: str
    title: str
    description: str
    #: ``PERIOD`` (tu_ngay–den_ngay), ``SNAPSHOT`` (ngay) or ``SNAPSHOT_SINCE`` (tu_ngay, ngay).
    dates: str = PERIOD
    #: Offer the current term (2025–2030) among the quick periods.
    term: bool = False

    @property
    def url_name(self) -> str:
        return f"report_{self.kind}"

    @property
    def excel_name(self) -> str:
        return f"report_{self.kind}_excel"

    @property
    def drill_name(self) -> str:
        return f"report_{self.kind}_drill"

    @property
    def drill_excel_name(self) -> str:
        return f"report_{self.kind}_drill_excel"


PAGES: tuple[ReportPage, ...] = (
    ReportPage(
        "new_members",
        "dang-vien-moi",
        gettext_lazy("Kết nạp đảng viên mới"),
        gettext_lazy(
            "Số đảng viên được kết nạp trong kỳ và cơ cấu: nữ, đoàn viên, trẻ, dân tộc thiểu "
            "số, tôn giáo, người tại chỗ, trình độ."
        ),
        term=True,
    ),
    ReportPage(
        "members",
        "dang-vien",
        gettext_lazy("Đội ngũ đảng viên"),
        gettext_lazy("Số đảng viên tại một ngày, chính thức và dự bị, và cơ cấu đội ngũ."),
        dates=SNAPSHOT,
    ),
    ReportPage(
        "activity",
        "hoat-dong",
        gettext_lazy("Kết quả công tác phát triển đảng viên"),
        gettext_lazy(
            "Nguồn, cảm tình Đảng, học lớp nhận thức, nghị quyết chi bộ, quyết định kết nạp, "
            "kết nạp và công nhận chính thức trong kỳ."
        ),
        term=True,
    ),
    ReportPage(
        "structure",
        "to-chuc",
        gettext_lazy("Hệ thống tổ chức đảng"),
        gettext_lazy(
            "Tổ chức cơ sở đảng, chi bộ, đảng viên; thôn, trường học, trạm y tế có tổ chức "
            "đảng, so với đầu kỳ."
        ),
        dates=SNAPSHOT_SINCE,
    ),
    ReportPage(
        "funnel",
        "tien-trinh",
        gettext_lazy("Tiến trình qua các giai đoạn"),
        gettext_lazy(
            "Số người vào, chuyển tiếp, rời danh sách và còn chờ ở từng giai đoạn trong kỳ."
        ),
    ),
    ReportPage(
        "mentors",
        "giup-do",
        gettext_lazy("Đảng viên giúp đỡ"),
        gettext_lazy(
            "Phân công đảng viên giúp đỡ quần chúng; nhận xét đến hạn, đã nộp và còn thiếu."
        ),
    ),
    ReportPage(
        "targets",
        "chi-tieu",
        gettext_lazy("Thực hiện chỉ tiêu kết nạp"),
        gettext_lazy("Số kết nạp so với chỉ tiêu năm hoặc nhiệm kỳ đã đăng ký, theo từng đơn vị."),
        term=True,
    ),
)
BY_KIND = {page.kind: page for page in PAGES}


# --- dates ---------------------------------------------------------------------------------------


def current_term(today: date) -> tuple[int, int]:
    """The congress term containing ``today``'s year: (2025, 2030) for 2025 to 2029."""
    first = today.year - (today.year - A_TERM_START) % TERM_YEARS
    return first, first + TERM_YEARS


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def presets(page: ReportPage, today: date) -> list[tuple[str, dict[str, date]]]:
    """The quick choices of dates: (label, parameters)."""
    year = today.year
    if page.dates == SNAPSHOT:
        return [
            (_("Hôm nay"), {"ngay": today}),
            (_("Cuối năm %(year)s") % {"year": year - 1}, {"ngay": date(year - 1, 12, 31)}),
        ]
    if page.dates == SNAPSHOT_SINCE:
        first, _last = current_term(today)
        return [
            (_("Từ đầu năm đến nay"), {"tu_ngay": date(year, 1, 1), "ngay": today}),
            (
                _("Năm %(year)s") % {"year": year - 1},
                {"tu_ngay": date(year - 1, 1, 1), "ngay": date(year - 1, 12, 31)},
            ),
            (_("Từ đầu nhiệm kỳ đến nay"), {"tu_ngay": date(first, 1, 1), "ngay": today}),
        ]
    choices = [
        (_("Năm nay"), {"tu_ngay": date(year, 1, 1), "den_ngay": date(year, 12, 31)}),
        (
            _("Năm %(year)s") % {"year": year - 1},
            {"tu_ngay": date(year - 1, 1, 1), "den_ngay": date(year - 1, 12, 31)},
        ),
        (_("Quý này"), {"tu_ngay": _quarter_start(today), "den_ngay": today}),
        (_("8 tháng đầu năm"), {"tu_ngay": date(year, 1, 1), "den_ngay": date(year, 8, 31)}),
    ]
    if page.term:
        first, last = current_term(today)
        choices.append(
            (
                _("Nhiệm kỳ %(first)s–%(last)s") % {"first": first, "last": last},
                {"tu_ngay": date(first, 1, 1), "den_ngay": date(last, 12, 31)},
            )
        )
    return choices


# --- the form ------------------------------------------------------------------------------------


def default_organisation(user) -> Organisation | None:
    """The user's own organisation (an administrator without one: the first root)."""
    if user.organisation_id is not None:
        return user.organisation
    if scope_path(user) == "":
        return Organisation.objects.filter(depth=1).order_by("path").first()
    return None


class ReportForm(BootstrapMixin, forms.Form):
    """The unit, the dates and the decimals of a report; bound with defaults for what is missing.

    Only the date fields of the page's kind are kept (``tu_ngay``/``den_ngay``, ``ngay``, or
    ``tu_ngay``/``ngay``).
    """

    to_chuc = OrganisationChoiceField(
        label=gettext_lazy("Tổ chức đảng"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Tổ chức được chọn và các tổ chức trực thuộc."),
    )
    tu_ngay = date_field(gettext_lazy("Từ ngày"))
    den_ngay = date_field(gettext_lazy("Đến ngày"))
    ngay = date_field(gettext_lazy("Tại ngày"))
    chu_so = forms.TypedChoiceField(
        label=gettext_lazy("Làm tròn tỷ lệ (%)"),
        choices=[(1, gettext_lazy("1 chữ số thập phân")), (2, gettext_lazy("2 chữ số thập phân"))],
        coerce=int,
    )

    def __init__(self, params, *, page: ReportPage, user, organisation: Organisation, today):
        self.page, self.user, self.today = page, user, today
        defaults = self.defaults(organisation)
        given = {k: params.get(k, "").strip() for k in defaults}
        super().__init__({k: given[k] or v for k, v in defaults.items()})
        field = self.fields["to_chuc"]
        field.queryset = Organisation.objects.visible_to(user).only(
            "id", "name", "depth", "path", "numchild", "kind"
        )
        field.base_depth = user.organisation.depth if user.organisation_id else 1
        for name in set(self.fields) - set(defaults):
            del self.fields[name]
        self.style()

    def defaults(self, organisation: Organisation) -> dict[str, str]:
        start = date(self.today.year, 1, 1).isoformat()
        values = {"to_chuc": str(organisation.pk), "chu_so": "1"}
        if self.page.dates == PERIOD:
            values |= {"tu_ngay": start, "den_ngay": self.today.isoformat()}
        elif self.page.dates == SNAPSHOT:
            values |= {"ngay": self.today.isoformat()}
        else:
            values |= {"tu_ngay": start, "ngay": self.today.isoformat()}
        return values

    def _clean_day(self, name: str) -> date:
        value = self.cleaned_data[name]
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Ngày phải từ %(first)s đến %(last)s.")
                % {"first": f"{EARLIEST_DATE:%d/%m/%Y}", "last": f"{LATEST_DATE:%d/%m/%Y}"}
            )
        return value

    def clean_tu_ngay(self):
        return self._clean_day("tu_ngay")

    def clean_den_ngay(self):
        return self._clean_day("den_ngay")

    def clean_ngay(self):
        value = self._clean_day("ngay")
        if value > self.today:
            raise forms.ValidationError(_("Ngày lấy số liệu không được sau hôm nay."))
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu_ngay"), cleaned.get("den_ngay") or cleaned.get("ngay")
        if start is not None and end is not None and end < start:
            field = "den_ngay" if "den_ngay" in self.fields else "ngay"
            self.add_error(
                field,
                _("Ngày cuối kỳ phải từ ngày đầu kỳ (%(start)s) trở đi.")
                % {"start": f"{start:%d/%m/%Y}"},
            )
        return cleaned

    # --- what the views read ---------------------------------------------------------------------

    @property
    def organisation(self) -> Organisation:
        return self.cleaned_data["to_chuc"]

    def dates(self) -> dict[str, date | None]:
        """``start``, ``end`` and ``on`` for :mod:`ptdv.reports.figures`."""
        cd = self.cleaned_data
        return {"start": cd.get("tu_ngay"), "end": cd.get("den_ngay"), "on": cd.get("ngay")}

    def params(self, **changes) -> dict[str, str]:
        """The report's GET parameters (dates as yyyy-mm-dd), with ``changes``."""
        cd = self.cleaned_data
        params = {"to_chuc": str(cd["to_chuc"].pk)}
        for name in ("tu_ngay", "den_ngay", "ngay"):
            if cd.get(name) is not None:
                params[name] = cd[name].isoformat()
        params["chu_so"] = str(cd["chu_so"])
        params.update({k: str(v) for k, v in changes.items()})
        return params

    def error_messages(self) -> list[str]:
        """Each error as "label: message"."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages += [f"{label}: {e}" if label else str(e) for e in errors]
        return messages

    def prepare_display(self) -> None:
        """Before rendering: valid dates shown as the date inputs read them (yyyy-mm-dd, even when
        typed dd/mm/yyyy), and the organisation's choices limited to a drill-down."""
        if self.is_valid():
            self.data = {**self.data, **self.params()}
        self._limit_choices()

    def _limit_choices(self) -> None:
        """The way from the user's organisation down to the chosen one, and its children: a
        province's thousands of units never fill the select (validation accepts them all)."""
        field = self.fields["to_chuc"]
        chosen = self.cleaned_data.get("to_chuc") if self.is_valid() else None
        root = self.user.organisation
        rows = drill_down(field.queryset, root, chosen or root)
        field.widget.choices = [(o.pk, field.label_from_instance(o)) for o in rows]


def _form(request, page: ReportPage) -> ReportForm | None:
    """The bound form (``None``: the user sees no organisation at all)."""
    organisation = default_organisation(request.user)
    if organisation is None:
        return None
    return ReportForm(
        request.GET,
        page=page,
        user=request.user,
        organisation=organisation,
        today=timezone.localdate(),
    )


def _build(form: ReportForm, page: ReportPage) -> Report | None:
    """The report, or ``None`` with the error on the form."""
    if not form.is_valid():
        return None
    try:
        return figures.build(
            page.kind,
            form.organisation,
            **form.dates(),
            today=form.today,
            places=form.cleaned_data["chu_so"],
        )
    except ValueError as error:  # the period the figures refuse (the form checks it first)
        form.add_error(None, str(error))
        return None


# --- showing a report ----------------------------------------------------------------------------


@dataclass
class ShownCell:
    text: str
    numeric: bool
    url: str = ""
    label: str = ""


@dataclass
class ShownRow:
    label: str
    url: str
    level: int
    total: bool
    cells: list[ShownCell]


def show_value(column: Column, value: Any) -> str:
    """A value as the page shows it: localised numbers, shares with their places, "—"."""
    if value is None or value == "":
        return "—"
    if column.kind == TEXT or isinstance(value, str):
        return str(value)
    if column.kind == INT or isinstance(value, int):
        return formats.number_format(value, 0)
    return formats.number_format(value, column.places)


def shown_tables(
    report: Report, form: ReportForm, page: ReportPage, blocked: frozenset[str] = frozenset()
) -> list[dict]:
    """The report's tables with every value formatted and every count linked to its list (but
    the figures in ``blocked``)."""
    base, drill = reverse(page.url_name), reverse(page.drill_name)
    return [
        {
            "table": table,
            "rows": [_shown_row(table, row, form, base, drill, blocked) for row in table.rows],
        }
        for table in report.tables
    ]


def _shown_row(
    table: Table, row: Row, form: ReportForm, base: str, drill: str, blocked: frozenset[str]
) -> ShownRow:
    unit = row.organisation_id or form.organisation.pk
    unit_url = ""
    if row.organisation_id and row.organisation_id != form.organisation.pk:
        unit_url = f"{base}?{urlencode(form.params(to_chuc=row.organisation_id))}"
    cells = []
    for column, cell in zip(table.columns, row.cells, strict=False):
        shown = ShownCell(show_value(column, cell.value), column.kind != TEXT)
        if (
            cell.drill
            and cell.drill not in blocked
            and isinstance(cell.value, (int, float))
            and cell.value
        ):
            shown.url = f"{drill}?{urlencode(form.params(so_lieu=cell.drill, to_chuc=unit))}"
            shown.label = _("%(label)s — %(column)s: xem danh sách") % {
                "label": row.label,
                "column": column.label,
            }
        cells.append(shown)
    return ShownRow(row.label, unit_url, row.level, row.total, cells)


def _no_organisation(request):
    return render(request, "web/reports/no_organisation.html")


def _report_context(request, page: ReportPage, form: ReportForm, report: Report | None) -> dict:
    form.prepare_display()
    context = {
        "page": page,
        "pages": PAGES,
        "form": form,
        "report": report,
        "errors": form.error_messages(),
        "presets": [
            (label, f"?{urlencode(_preset_params(form, values))}")
            for label, values in presets(page, form.today)
        ],
        "today": form.today,
    }
    if report is not None:
        context |= {
            # No list behind a figure that would name people by a sensitive item the user's
            # role may not see (people/sensitive.py): the count stays.
            "tables": shown_tables(report, form, page, blocked_drills(request.user)),
            "charts": [(chart, charts.render(chart)) for chart in report.charts],
            "period": period_text(report),
            "query": urlencode(form.params()),
            "up_url": _up_url(request, form, page),
        }
    return context


def _preset_params(form: ReportForm, values: dict[str, date]) -> dict[str, str]:
    """A quick choice of dates for the unit and decimals in force (the defaults when invalid)."""
    dates = {k: v.isoformat() for k, v in values.items()}
    if not form.is_valid():
        return dates
    return {
        "to_chuc": str(form.organisation.pk),
        **dates,
        "chu_so": str(form.cleaned_data["chu_so"]),
    }


def _up_url(request, form: ReportForm, page: ReportPage) -> str:
    """The same report for the parent unit, while it is inside the user's scope."""
    organisation = form.organisation
    top = scope_path(request.user) or ""
    if organisation.depth <= 1 or len(organisation.path) <= len(top):
        return ""
    parent = Organisation.objects.filter(path=organisation.path[: -Organisation.steplen]).first()
    if parent is None:
        return ""
    return f"{reverse(page.url_name)}?{urlencode(form.params(to_chuc=parent.pk))}"


@login_required
def report_index(request):
    return render(request, "web/reports/index.html", {"pages": PAGES})


@login_required
def report_page(request, kind: str):
    page = BY_KIND[kind]
    form = _form(request, page)
    if form is None:
        return _no_organisation(request)
    report = _build(form, page)
    return render(request, "web/reports/report.html", _report_context(request, page, form, report))


@login_required
def report_excel(request, kind: str):
    page = BY_KIND[kind]
    form = _form(request, page)
    if form is None:
        return _no_organisation(request)
    report = _build(form, page)
    if report is None:
        return render(
            request, "web/reports/report.html", _report_context(request, page, form, None)
        )
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_report(
        spool,
        report,
        today=form.today,
        author=request.user.get_full_name() or request.user.get_username(),
    )
    spool.seek(0)
    filename = f"bao-cao-{page.slug}-{form.today:%Y-%m-%d}.xlsx"
    record(request, AccessKind.REPORT_EXPORT, filters=request.GET, organisation=form.organisation)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME)


# --- the list behind a figure --------------------------------------------------------------------

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


def _drill(request, form: ReportForm, page: ReportPage, code: str) -> figures.Drill:
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


def _drill_context(request, page: ReportPage, form: ReportForm, code: str) -> dict:
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
    found = _drill(request, form, page, code)
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


@login_required
def drill_page(request, kind: str):
    page = BY_KIND[kind]
    form = _form(request, page)
    if form is None:
        return _no_organisation(request)
    form.is_valid()
    code = request.GET.get("so_lieu", "").strip()
    context = _drill_context(request, page, form, code)
    status = 403 if context.get("refused") else 200  # people/sensitive.py
    return render(request, "web/reports/drill.html", context, status=status)


@login_required
def drill_excel(request, kind: str):
    page = BY_KIND[kind]
    form = _form(request, page)
    if form is None:
        return _no_organisation(request)
    code = request.GET.get("so_lieu", "").strip()
    if not form.is_valid() or not code or code in blocked_drills(request.user):
        context = _drill_context(request, page, form, code)
        status = 403 if context.get("refused") else 200  # people/sensitive.py
        return render(request, "web/reports/drill.html", context, status=status)
    found = _drill(request, form, page, code)
    columns, rows = DRILL_EXPORTS[found.kind]
    if found.kind == "people":  # the columns of sensitive items by role (people/sensitive.py)
        columns, rows = person_export(request.user)
    period = period_text(Report(page.kind, "", form.organisation, **form.dates()))
    exported = Counted(rows(found.queryset))  # counted for the read log
    response = xlsx_response(
        f"danh-sach-{page.slug}-{code.replace(':', '-')}-{form.today:%Y-%m-%d}.xlsx",
        sheet_title=sheet_title(found.title),
        title=f"{page.title}: {found.title}".upper(),
        info=[
            _("Tổ chức đảng: %(name)s") % {"name": form.organisation.name},
            period,
            _("Ngày xuất: %(date)s") % {"date": f"{form.today:%d/%m/%Y}"},
        ],
        columns=columns,
        rows=exported,
        frozen_columns=2,
    )
    count = exported.count if found.kind == "people" else None  # the read log: people exported
    record(
        request,
        AccessKind.DRILL_EXPORT,
        filters=request.GET,
        count=count,
        organisation=form.organisation,
    )
    return response


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


# --- routes --------------------------------------------------------------------------------------


def _routes(page: ReportPage) -> list:
    prefix, kind = f"bao-cao/{page.slug}/", {"kind": page.kind}
    return [
        path(prefix, report_page, kind, name=page.url_name),
        path(f"{prefix}excel/", report_excel, kind, name=page.excel_name),
        path(f"{prefix}chi-tiet/", drill_page, kind, name=page.drill_name),
        path(f"{prefix}chi-tiet/excel/", drill_excel, kind, name=page.drill_excel_name),
    ]


urlpatterns = [
    path("bao-cao/", report_index, name="report_index"),
    *(route for page in PAGES for route in _routes(page)),
]
