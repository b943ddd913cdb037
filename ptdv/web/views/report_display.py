"""A report as its page shows it: values formatted, counts linked to the list behind them,
charts rendered, the quick choices of dates and the way up to the parent unit.

The page stays bounded whatever the subtree (a merged province has hundreds of units under it):
a table longer than :data:`PAGE_ROWS` rows (one row per unit, per mentor) is shown a page at a
time, every such table of the page on the same ``page`` parameter (the units tables of a report
list the same units in the same order), its total rows on every page; a chart with more than
:data:`CHART_BARS` bars draws the largest of them. The workbook keeps every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _

from ptdv.org.models import Organisation
from ptdv.org.scope import scope_path
from ptdv.people.sensitive import blocked_drills  # lists by role
from ptdv.reports import charts
from ptdv.reports.excel import period_text
from ptdv.reports.numbers import shown
from ptdv.reports.tables import INT, TEXT, Chart, Column, Report, Row, Series, Table

from .report_form import PAGES, ReportForm, ReportPage, presets

#: Rows of a table shown at a time when it has more (a table's own ``page_size`` first).
PAGE_ROWS = 50
#: Bars of a chart drawn at most (the largest by its first series).
CHART_BARS = 30


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
    """A value as the page shows it: localised numbers with their thousands grouped (1.842),
    shares with their places (87,3), "—"."""
    if value is None or value == "":
        return "—"
    if column.kind == TEXT or isinstance(value, str):
        return str(value)
    if column.kind == INT or isinstance(value, int):
        return shown(value)
    return shown(value, column.places)


def shown_tables(
    report: Report,
    form: ReportForm,
    page: ReportPage,
    blocked: frozenset[str] = frozenset(),
    number: str | None = None,
) -> list[dict]:
    """The report's tables with every value formatted and every count linked to its list (but
    the figures in ``blocked``); a table with a ``page_size`` shows page ``number`` of its rows
    (``page_obj``, ``page_range``) and its total rows, which count them all."""
    base, drill = reverse(page.url_name), reverse(page.drill_name)
    shown = []
    for table in report.tables:
        rows, item = table.rows, {"table": table}
        listed = [r for r in rows if not r.total]
        size = table.page_size or (PAGE_ROWS if len(listed) > PAGE_ROWS else None)
        if size:
            page_obj = Paginator(listed, size).get_page(number)
            rows = [*page_obj.object_list, *(r for r in rows if r.total)]
            item |= {
                "page_obj": page_obj,
                "page_range": page_obj.paginator.get_elided_page_range(
                    page_obj.number, on_each_side=2
                ),
            }
        item["rows"] = [_shown_row(table, row, form, base, drill, blocked) for row in rows]
        shown.append(item)
    return shown


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


def bounded(chart: Chart) -> Chart:
    """The chart with its :data:`CHART_BARS` largest bars (by the first series, in their order),
    its title saying so; a chart with fewer is drawn as it is."""
    if len(chart.labels) <= CHART_BARS or not chart.series:
        return chart
    first = chart.series[0].values
    largest = sorted(range(len(first)), key=lambda i: (-(first[i] or 0), i))[:CHART_BARS]
    kept = sorted(largest)
    title = _("%(title)s (%(shown)s/%(all)s đơn vị có số lớn nhất)") % {
        "title": chart.title,
        "shown": len(kept),
        "all": len(chart.labels),
    }
    return Chart(
        chart.kind,
        title,
        [chart.labels[i] for i in kept],
        [Series(s.name, [s.values[i] for i in kept]) for s in chart.series],
        percent=chart.percent,
    )


def report_context(request, page: ReportPage, form: ReportForm, report: Report | None) -> dict:
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
            "tables": shown_tables(
                report, form, page, blocked_drills(request.user), request.GET.get("page")
            ),
            "charts": [(chart, charts.render(bounded(chart))) for chart in report.charts],
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
