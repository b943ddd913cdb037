"""The summaries kept with the events: one table of counts per organisation's subtree.

A page that shows a subtree's stages, deadlines, expiring papers or missing mentor reports (the
to-do page, the board's columns, the list's total) would count the candidacies under the
organisation's path: at a merged province (100,000 candidacies) or at the national root (a
million) that is a scan per request. :class:`Tally` keeps the answers instead: one row per
organisation, *kind*, *key* and *day*, counting the organisation's subtree (the organisation
itself included, so a cell's rows count its own).

========== ========================= =================================================
kind       key                       day
========== ========================= =================================================
stage      the stage                 :data:`NO_DAY`
due        the deadline's code       ``next_due`` of an open candidacy
expiry     the paper's code          ``expiry_due`` of an open candidacy
mentored   ""                        the start of a current assignment (no end) of a
                                     candidacy being helped (not closed, not official)
reported   ""                        for each month covered by a report of such an
                                     assignment, from the month of its start on: the
                                     later of the month's first day and the start
========== ========================= =================================================

So "overdue on *d*" is the sum of the ``due`` rows before *d*, "due soon" the sum from *d* to
seven days ahead, per code; "expiring" the ``expiry`` rows up to 30 days ahead. A mentor report
is missing this month for every current assignment started by today (the ``mentored`` rows up to
today) that no report covers (the ``reported`` rows from the month's first day to today: a
``reported`` row lies in the month it covers, on or after the assignment's start). None of these
answers needs a write when the day or the month turns.

- **Kept with the events.** Every write that changes what a candidacy counts for — its cell,
  stage, nearest deadline, earliest expiry, its current mentor and the months their reports cover
  (``services``: a new candidacy, a step, a correction, a transfer, a recomputed cache, a mentor
  assigned or ended, a report filed) — calls :func:`move` in its transaction: minus one for every
  entry the candidacy had at the old cell and its ancestors, plus one for every entry it has now,
  as one ``INSERT … ON CONFLICT DO UPDATE`` statement (PostgreSQL and SQLite), the rows in a fixed
  order so that two writers never wait on each other in a cycle.
- **Rebuilt from the rows.** :func:`rebuild` counts the candidacies, assignments and reports per
  cell (grouped queries) and rolls the counts up the tree by path prefix; ``ptdv manage
  rebuild_tallies`` runs it, and the bulk writers call it (the demo builder) or :func:`add_new`
  (an import's commit, for the new candidacies it inserts without the services).
- ``tests/pipeline/test_tallies.py`` checks that the tallies kept write by write equal the
  tallies rebuilt from the rows after random sequences of steps, corrections, transfers, exits,
  mentor assignments, ends and reports.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation, ancestor_paths
from ptdv.org.scope import ScopedQuerySet, scope_path
from ptdv.rules.months import add_months
from ptdv.rules.stages import CLOSED_STAGES

from .querysets import NOT_MENTORED

#: The day of the rows that have none (the stage counts): a unique key cannot hold a NULL.
NO_DAY = date(1, 1, 1)

STAGE = "stage"
DUE = "due"
EXPIRY = "expiry"
MENTORED = "mentored"
REPORTED = "reported"

_CLOSED = frozenset(s.value for s in CLOSED_STAGES)
#: Stages in which a mentor no longer helps (the mentor page's definition).
_NOT_MENTORED = frozenset(NOT_MENTORED)

#: What a candidacy counts for: (kind, key, day).
Entry = tuple[str, str, date]


@dataclass(frozen=True)
class Place:
    """A candidacy's place in the tallies: its cell and the entries it counts for there."""

    cell_id: int
    entries: tuple[Entry, ...]


class Tally(models.Model):
    """Candidacies of an organisation's subtree with one kind, key and day (derived: see the
    module)."""

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("tổ chức đảng")
    )
    kind = models.CharField(_("loại"), max_length=16)
    key = models.CharField(_("mã"), max_length=48, blank=True)
    day = models.DateField(_("ngày"), default=NO_DAY)
    count = models.IntegerField(_("số lượng"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "key", "day"], name="tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind} {self.key} {self.day}: {self.count}"


# --- what a candidacy counts for ------------------------------------------------------------


def is_mentored(stage: str) -> bool:
    """Whether a candidacy in ``stage`` is still being helped by its mentor."""
    return str(stage) not in _NOT_MENTORED


def candidacy_entries(candidacy: Any) -> tuple[Entry, ...]:
    """The stage, nearest deadline and earliest expiry a candidacy counts for, from its cached
    columns (an object or a dict of them: ``stage``, ``next_due``, ``next_due_code``,
    ``expiry_due``, ``expiry_code``)."""

    def get(name: str) -> Any:
        return candidacy[name] if isinstance(candidacy, dict) else getattr(candidacy, name)

    stage = str(get("stage"))
    entries: list[Entry] = [(STAGE, stage, NO_DAY)]
    if stage not in _CLOSED:
        if get("next_due") is not None:
            entries.append((DUE, str(get("next_due_code")), get("next_due")))
        if get("expiry_due") is not None:
            entries.append((EXPIRY, str(get("expiry_code")), get("expiry_due")))
    return tuple(entries)


def months_of(period: str, period_start: date) -> list[date]:
    """The first days of the months a report of ``period`` starting on ``period_start`` covers."""
    months = {"month": 1, "quarter": 3, "year": 12}[str(period)]
    return [add_months(period_start, i) for i in range(months)]


def mentor_entries(start: date, reports: Iterable[tuple[str, date]]) -> tuple[Entry, ...]:
    """What a current assignment starting on ``start`` counts for, its reports being
    ``(period, period_start)`` pairs: the ``mentored`` entry and one ``reported`` entry per month
    covered, from the month of the start on."""
    first = start.replace(day=1)
    months = {m for period, p_start in reports for m in months_of(period, p_start) if m >= first}
    return ((MENTORED, "", start), *((REPORTED, "", max(start, m)) for m in sorted(months)))


# --- kept with the events ---------------------------------------------------------------------


def move(before: Place | None, after: Place | None, ancestors: dict[int, list[int]]) -> None:
    """A candidacy counted for ``before`` now counts for ``after`` (``None``: for nothing).

    ``ancestors`` maps each cell id concerned to the ids of its ancestors and itself (the
    caller has read them for the rules already). One statement, none when nothing changes.
    """
    if before == after:
        return
    deltas: Counter[tuple[int, Entry]] = Counter()
    if before is not None:
        for organisation_id in ancestors[before.cell_id]:
            for entry in before.entries:
                deltas[(organisation_id, entry)] -= 1
    if after is not None:
        for organisation_id in ancestors[after.cell_id]:
            for entry in after.entries:
                deltas[(organisation_id, entry)] += 1
    _apply(deltas)


def add_new(candidacies: Iterable[Any]) -> None:
    """Candidacies inserted in bulk (an import's new candidacies, with their cached columns set
    and no mentor yet): plus one for each one's entries at its cell and ancestors, in one
    statement."""
    by_cell: Counter[tuple[int, Entry]] = Counter()
    for c in candidacies:
        for entry in candidacy_entries(c):
            by_cell[(c.cell_id, entry)] += 1
    if not by_cell:
        return
    cells = {cell_id for cell_id, _entry in by_cell}
    paths = dict(Organisation.objects.filter(pk__in=cells).values_list("pk", "path"))
    chains = _chains(paths.values())
    deltas: Counter[tuple[int, Entry]] = Counter()
    for (cell_id, entry), n in by_cell.items():
        for organisation_id in chains[paths[cell_id]]:
            deltas[(organisation_id, entry)] += n
    _apply(deltas)


def chain_of(cell: Organisation) -> list[int]:
    """The ids of a cell's ancestors and itself (one query)."""
    return _chains([cell.path])[cell.path]


def _chains(paths: Iterable[str]) -> dict[str, list[int]]:
    """Each path's ancestors-or-self ids (one query for all)."""
    paths = list(paths)
    wanted = {a for p in paths for a in ancestor_paths(p)}
    ids = dict(Organisation.objects.filter(path__in=wanted).values_list("path", "pk"))
    return {p: [ids[a] for a in ancestor_paths(p) if a in ids] for p in paths}


def _apply(deltas: Counter[tuple[int, Entry]]) -> None:
    rows = [
        (organisation_id, kind, str(key), day, n)
        for (organisation_id, (kind, key, day)), n in sorted(deltas.items())
        if n
    ]
    _write(rows, add=True)


#: Rows per statement when many are written (an import's new candidacies, a rebuild).
_BATCH = 5000
_COLUMNS = '("organisation_id", "kind", "key", "day", "count")'


def _write(rows: list[tuple[Any, ...]], *, add: bool) -> None:
    """Insert tally rows (organisation id, kind, key, day, count), as plain values: ``add``
    adds each count to the row's if it exists (the writers' deltas, in the order given, so that
    two writers take the rows' locks in the same order). On PostgreSQL one statement per
    :data:`_BATCH` rows with the columns as arrays (no parameter per value to bind); elsewhere
    a ``VALUES`` list per 1,000 rows (SQLite's limit on parameters)."""
    if not rows:
        return
    table = connection.ops.quote_name(Tally._meta.db_table)
    conflict = (
        f'ON CONFLICT ("organisation_id", "kind", "key", "day") DO UPDATE '
        f'SET "count" = {table}."count" + EXCLUDED."count"'
        if add
        else ""
    )
    postgresql = connection.vendor == "postgresql"
    size = _BATCH if postgresql else 1000
    with connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            batch = rows[first : first + size]
            if postgresql:
                cursor.execute(
                    f"INSERT INTO {table} {_COLUMNS} SELECT * FROM UNNEST(%s::bigint[], "
                    f"%s::varchar[], %s::varchar[], %s::date[], %s::integer[]) {conflict}",
                    [list(column) for column in zip(*batch, strict=True)],
                )
            else:
                values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {table} {_COLUMNS} VALUES {values} {conflict}",
                    [v for row in batch for v in row],
                )


# --- rebuilt from the rows --------------------------------------------------------------------


def counted_from_rows() -> Counter[tuple[str, Entry]]:
    """Every count from the candidacies, assignments and reports, per organisation path."""
    from .models import Candidacy, MentorAssignment, MentorReport

    per_cell: Counter[tuple[str, Entry]] = Counter()
    rows = Candidacy.objects.order_by()
    for path, stage, n in rows.values_list("cell__path", "stage").annotate(n=models.Count("pk")):
        per_cell[(path, (STAGE, stage, NO_DAY))] += n
    open_rows = rows.exclude(stage__in=_CLOSED)
    for kind, code, day in (
        (DUE, "next_due_code", "next_due"),
        (EXPIRY, "expiry_code", "expiry_due"),
    ):
        grouped = (
            open_rows.filter(**{f"{day}__isnull": False})
            .values_list("cell__path", code, day)
            .annotate(n=models.Count("pk"))
        )
        for path, key, on, n in grouped:
            per_cell[(path, (kind, key, on))] += n
    current = MentorAssignment.objects.order_by().filter(end__isnull=True)
    current = current.exclude(candidacy__stage__in=_NOT_MENTORED)
    assignments = list(current.values_list("pk", "start", "candidacy__cell__path"))
    reports: defaultdict[int, list[tuple[str, date]]] = defaultdict(list)
    for assignment_id, period, period_start in MentorReport.objects.filter(
        assignment__in=current
    ).values_list("assignment_id", "period", "period_start"):
        reports[assignment_id].append((period, period_start))
    for pk, start, path in assignments:
        for entry in mentor_entries(start, reports[pk]):
            per_cell[(path, entry)] += 1
    counts: Counter[tuple[str, Entry]] = Counter()
    for (path, entry), n in per_cell.items():
        for ancestor in ancestor_paths(path):
            counts[(ancestor, entry)] += n
    return counts


def rebuild() -> int:
    """Every tally from the rows (in one transaction; on PostgreSQL the table is locked against
    the writers meanwhile). Returns the number of rows written."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(Tally._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        counts = counted_from_rows()
        ids = dict(
            Organisation.objects.filter(path__in={p for p, _ in counts}).values_list("path", "pk")
        )
        Tally.objects.all().delete()
        # Plain rows, not model instances: a nation's millions of tallies.
        rows = [
            (ids[path], kind, str(key), day, n)
            for (path, (kind, key, day)), n in sorted(counts.items())
            if path in ids and n
        ]
        del counts
        _write(rows, add=False)
    return len(rows)


# --- read by the pages ------------------------------------------------------------------------


def _top(user: Any) -> models.QuerySet[Tally] | None:
    """The rows of the user's organisation, or of the roots for an installation-wide user."""
    prefix = scope_path(user)
    if prefix is None:
        return None
    if prefix == "":
        return Tally.objects.filter(organisation__depth=1)
    return Tally.objects.filter(organisation_id=user.organisation_id)


def stage_counts(user: Any) -> dict[str, int]:
    """The candidacies per stage that ``user`` sees (``Candidacy.objects.visible_to(user)
    .stage_counts()``, read from the tallies: one row per stage of the user's organisation, or
    of the roots for an installation-wide user)."""
    top = _top(user)
    if top is None:
        return {}
    rows = (
        top.filter(kind=STAGE, count__gt=0)
        .order_by()
        .values_list("key")
        .annotate(n=models.Sum("count"))
    )
    return {stage: int(n) for stage, n in rows}


def stage_counts_at(organisation: Organisation) -> dict[str, int]:
    """The candidacies per stage under ``organisation`` (one row per stage)."""
    rows = Tally.objects.filter(organisation=organisation, kind=STAGE, count__gt=0)
    return dict(rows.values_list("key", "count"))


@dataclass
class TodoCounts:
    """What the to-do page counts, read from the tallies in one query."""

    stages: dict[str, int]
    #: Open candidacies whose nearest deadline is overdue / due soon, per deadline code.
    overdue: dict[str, int]
    due_soon: dict[str, int]
    #: Open candidacies whose certificate or a paper expires by the notice's horizon.
    expiring: int
    #: Current assignments with no report covering this month.
    missing_reports: int


def todo_counts(user: Any, today: date, *, due_soon_until: date, expiry_until: date) -> TodoCounts:
    """The to-do page's counts for ``user`` on ``today`` (one query)."""
    counts = TodoCounts({}, {}, {}, 0, 0)
    top = _top(user)
    if top is None:
        return counts
    month_start = today.replace(day=1)
    wanted = (
        Q(kind=STAGE)
        | Q(kind=DUE, day__lte=due_soon_until)
        | Q(kind=EXPIRY, day__lte=expiry_until)
        | Q(kind=MENTORED, day__lte=today)
        | Q(kind=REPORTED, day__gte=month_start, day__lte=today)
    )
    bucket = Case(
        When(kind=DUE, day__lt=today, then=Value("overdue")),
        When(kind=DUE, then=Value("soon")),
        default=Value(""),
        output_field=models.CharField(),
    )
    rows = (
        top.filter(wanted)
        .order_by()
        .annotate(bucket=bucket)
        .values_list("kind", "key", "bucket")
        .annotate(n=Sum("count"))
    )
    for kind, key, where, n in rows:
        n = int(n or 0)
        if kind == STAGE:
            if n:
                counts.stages[key] = counts.stages.get(key, 0) + n
        elif kind == DUE:
            side = counts.overdue if where == "overdue" else counts.due_soon
            if n:
                side[key] = side.get(key, 0) + n
        elif kind == EXPIRY:
            counts.expiring += n
        elif kind == MENTORED:
            counts.missing_reports += n
        elif kind == REPORTED:
            counts.missing_reports -= n
    return counts


def tree_moved(sender: Any, **kwargs: Any) -> None:
    """Organisations moved in the tree (treebeard's ``path_updated``, sent for each subtree whose
    paths were rewritten): every summary is rebuilt once, when the move's transaction commits
    (nothing if it rolls back). A move is an administrator's rare act; rolling up only the moved
    subtree would need the old and new ancestors of every candidacy under it, for little gain."""
    queued: list[tuple[Any, ...]] = connection.run_on_commit if connection.in_atomic_block else []
    if not any(entry[1] is _rebuild_after_move for entry in queued):  # (savepoints, func, robust)
        transaction.on_commit(_rebuild_after_move)


def _rebuild_after_move() -> None:
    rebuild()
