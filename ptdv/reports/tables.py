"""What a report is made of, whatever shows it: the page, the workbook and the charts.

A :class:`Report` is a title, the unit and the period it covers, and :class:`Table` s of
:class:`Row` s; every cell holding a count names the figure behind it (``drill``), so the page
links it to the people (or organisations, or places) it counts. Charts are :class:`Chart`
specifications drawn by :mod:`ptdv.reports.charts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

#: Column kinds: how a value is shown and written to Excel.
INT, PERCENT, DAYS, TEXT, DECIMAL = "int", "percent", "days", "text", "decimal"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = INT
    #: Decimal places of a percentage (or decimal) column.
    places: int = 1


@dataclass
class Cell:
    value: int | Decimal | float | str | None
    #: The figure's code for the drill-down page (``None``: nothing to list).
    drill: str | None = None


@dataclass
class Row:
    label: str
    cells: list[Cell]
    #: The organisation the row is about (a unit row links to the same report for it).
    organisation_id: int | None = None
    #: Indentation level of the label (a sub-item of the row above).
    level: int = 0
    #: A total row is shown bold.
    total: bool = False


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[Row]
    #: Label of the first (row label) column.
    label_header: str = ""
    note: str = ""
    #: A long list: the page shows this many rows (not total rows) at a time, with links to the
    #: others, and its total rows on every page; the workbook has every row (``None``: all).
    page_size: int | None = None


@dataclass
class Series:
    name: str
    values: list[int | float | None]


@dataclass
class Chart:
    #: "bar" (vertical), "hbar" (horizontal), "pie", "funnel".
    kind: str
    title: str
    labels: list[str]
    series: list[Series]
    #: Values are percentages (axis 0–100).
    percent: bool = False


@dataclass
class Report:
    #: One of :data:`ptdv.reports.figures.REPORTS`.
    kind: str
    title: str
    organisation: Any  # ptdv.org.models.Organisation
    #: The period covered (flow reports) …
    start: date | None = None
    end: date | None = None
    #: … or the date of a snapshot (members, structure).
    on: date | None = None
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, drill: str) -> int | Decimal | float | str | None:
        """The value of the first cell whose drill code is ``drill`` (for tests and charts)."""
        for table in self.tables:
            for row in table.rows:
                for cell in row.cells:
                    if cell.drill == drill:
                        return cell.value
        raise KeyError(drill)
