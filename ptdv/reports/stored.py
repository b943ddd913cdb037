"""Reports of periods that have ended, computed once and stored (``StoredReport``).

- :func:`build` is what the pages (the report and its workbook) call: a report whose last day
  (the period's end, or the snapshot's day) is before today is read from its stored JSON when
  there is one still valid, else computed by :func:`ptdv.reports.figures.build` and stored; a
  report of a period still running is always computed. The key is the report, the organisation
  (its whole subtree), the dates, the decimals and the language of the labels. At most
  :data:`MAX_STORED` are kept (the oldest go first).
- **The pipeline's events** are checked when a stored report is read, not when they are
  written, so a step costs no statement for it: a stored report keeps the last event id it had
  seen (``events_seen``), and one query on the events recorded since (a range of the primary
  key) tells whether one of them touches the period — dated on or before its last day, or a
  correction voiding such an event (a step recorded late, a correction), or, for the mentors'
  report, a transfer, which moves the candidacy's mentoring to its new cell. Then the report
  is computed again. This covers every writer of events, the services and an import's commit.
- **Other writes** delete the stored reports they may change (:func:`invalidate`: one
  ``DELETE`` on the index of ``end``): :mod:`ptdv.reports.signals` connects it to the saves
  made one row at a time — mentoring, member events, people's corrections and merges, the
  organisation tree, places, targets. Writes in bulk send no signal: their authors call
  :func:`invalidate` (docs/reports.md, "Stored reports").

A report is computed outside any lock; the events it saw are those committed when it began
(``events_seen`` is read first). A write still uncommitted then, whose event id is below one
committed already, is the one case the check misses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language

from ptdv.pipeline.models import Event
from ptdv.rules.stages import Step

from . import figures
from .models import StoredReport
from .tables import Cell, Chart, Column, Report, Row, Series, Table

#: A stored report still valid after this many newer events moves its ``events_seen`` on, so
#: the next check reads only the events recorded after.
SEEN_STEP = 1000
#: Stored reports kept at most (any unit, any dates may be asked for): past it, the tenth
#: computed longest ago is deleted.
MAX_STORED = 20_000

# --- a report as JSON ----------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, float):
        return {"f": value}
    return value


def _unvalue(value: Any) -> Any:
    if isinstance(value, dict):
        return Decimal(value["d"]) if "d" in value else float(value["f"])
    return value


def dump(report: Report) -> dict:
    """The report's tables, charts and notes as JSON (the organisation is the key's)."""
    return {
        "kind": report.kind,
        "title": report.title,
        "notes": list(report.notes),
        "tables": [
            {
                "title": t.title,
                "columns": [[c.label, c.kind, c.places] for c in t.columns],
                "rows": [
                    [
                        r.label,
                        [[_value(c.value), c.drill] for c in r.cells],
                        r.organisation_id,
                        r.level,
                        r.total,
                    ]
                    for r in t.rows
                ],
                "label_header": t.label_header,
                "note": t.note,
                "page_size": t.page_size,
            }
            for t in report.tables
        ],
        "charts": [
            {
                "kind": c.kind,
                "title": c.title,
                "labels": list(c.labels),
                "series": [[s.name, list(s.values)] for s in c.series],
                "percent": c.percent,
            }
            for c in report.charts
        ],
    }


def load(data: dict, organisation, *, start=None, end=None, on=None) -> Report:
    """The :class:`Report` :func:`dump` wrote."""
    return Report(
        kind=data["kind"],
        title=data["title"],
        organisation=organisation,
        start=start,
        end=end,
        on=on,
        notes=list(data["notes"]),
        tables=[
            Table(
                t["title"],
                [Column(label, kind, places) for label, kind, places in t["columns"]],
                [
                    Row(
                        label,
                        [Cell(_unvalue(value), drill) for value, drill in cells],
                        organisation_id=organisation_id,
                        level=level,
                        total=total,
                    )
                    for label, cells, organisation_id, level, total in t["rows"]
                ],
                label_header=t["label_header"],
                note=t["note"],
                page_size=t["page_size"],
            )
            for t in data["tables"]
        ],
        charts=[
            Chart(
                c["kind"],
                c["title"],
                list(c["labels"]),
                [Series(name, list(values)) for name, values in c["series"]],
                percent=c["percent"],
            )
            for c in data["charts"]
        ],
    )


# --- stored or computed ----------------------------------------------------------------------


def last_day(kind: str, *, start=None, end=None, on=None) -> date | None:
    """The last day a report's figures read."""
    return on if kind in figures.SNAPSHOTS else end


def is_closed(kind: str, *, today: date, start=None, end=None, on=None) -> bool:
    """The report's period has ended: its last day is before today."""
    last = last_day(kind, start=start, end=end, on=on)
    return last is not None and last < today


def _key(kind, organisation, start, end, on, places) -> dict[str, Any]:
    last = last_day(kind, start=start, end=end, on=on)
    return {
        "kind": kind,
        "organisation": organisation,
        "start": start or last,
        "end": last,
        "places": places,
        "language": get_language() or "",
    }


def build(kind, organisation, *, start=None, end=None, on=None, today, places=1) -> Report:
    """The report as :func:`ptdv.reports.figures.build` computes it: stored once its period has
    ended, computed while it runs."""
    dates = {"start": start, "end": end, "on": on}
    if not is_closed(kind, today=today, **dates):
        return figures.build(kind, organisation, **dates, today=today, places=places)
    key = _key(kind, organisation, start, end, on, places)
    found = StoredReport.objects.filter(**key).values("pk", "payload", "events_seen").first()
    if found is not None:
        last, touched = events_since(kind, key["end"], found["events_seen"])
        if not touched:
            if last is not None and last - found["events_seen"] >= SEEN_STEP:
                StoredReport.objects.filter(pk=found["pk"]).update(events_seen=last)
            return load(found["payload"], organisation, **dates)
        StoredReport.objects.filter(pk=found["pk"]).delete()
    seen = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    report = figures.build(kind, organisation, **dates, today=today, places=places)
    store(key, report, seen)
    return report


def events_since(kind: str, last_day: date, seen: int) -> tuple[int | None, bool]:
    """The last event id recorded after ``seen``, and whether one of those events touches a
    report ``kind`` whose last day is ``last_day`` (one query on a range of the primary key)."""
    touching = Q(date__lte=last_day) | Q(voids__date__lte=last_day)
    if kind == "mentors":
        touching |= Q(step=Step.TRANSFER)
    found = Event.objects.filter(pk__gt=seen).aggregate(
        last=Max("pk"), touched=Count("pk", filter=touching)
    )
    return found["last"], bool(found["touched"])


def store(key: dict[str, Any], report: Report, seen: int) -> bool:
    """Keep ``report``, computed from the events up to ``seen``."""
    try:
        with transaction.atomic():
            StoredReport.objects.create(
                **key, payload=dump(report), events_seen=seen, computed_at=timezone.now()
            )
    except IntegrityError:  # stored meanwhile by another request
        return False
    if StoredReport.objects.count() > MAX_STORED:
        oldest = StoredReport.objects.order_by("computed_at", "pk").values_list("pk", flat=True)
        StoredReport.objects.filter(pk__in=list(oldest[: MAX_STORED // 10 or 1])).delete()
    return True


def invalidate(since: date | None = None, *, kinds: tuple[str, ...] | None = None) -> int:
    """Delete the stored reports whose last day is on or after ``since`` (``None``: every one),
    of ``kinds`` (``None``: every report). Returns the rows deleted."""
    rows = StoredReport.objects.all()
    if since is not None:
        rows = rows.filter(end__gte=since)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.delete()[0]


def invalidate_from(day: date | None, *, kinds: tuple[str, ...] | None = None) -> int:
    """:func:`invalidate` for a write dated ``day``: nothing is sent for a day from today on
    (no stored report reads it: they all end before today)."""
    if day is not None and day >= timezone.localdate():
        return 0
    return invalidate(day, kinds=kinds)
