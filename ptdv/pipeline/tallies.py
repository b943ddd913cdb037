"""How many candidacies each organisation's subtree holds in each stage, kept with the events.

A page that shows the stages of a subtree (the to-do page's counts, the board's columns) would
count every candidacy under the organisation's path: at a merged province (100,000 candidacies)
or at the national root (a million) that is a scan per request. :class:`StageTally` keeps the
answer instead: one row per organisation and stage, counting the candidacies of the
organisation's subtree (the organisation itself included, so a cell's row counts its own).

- **Kept with the events.** Every write that changes a candidacy's cached stage or cell
  (``services``: a new candidacy, a step, a correction, a transfer, a recomputed cache) calls
  :func:`move` in its transaction: minus one at the old cell and its ancestors, plus one at the
  new ones, as one ``INSERT … ON CONFLICT DO UPDATE`` statement (PostgreSQL and SQLite), the
  rows in a fixed order so that two writers never wait on each other in a cycle.
- **Rebuilt from the rows.** :func:`rebuild` counts the candidacies per cell and stage (one
  grouped query) and rolls the counts up the tree by path prefix; ``ptdv manage rebuild_tallies``
  runs it, and the bulk writers (the demo builder, an import's commit) call it, or
  :func:`add_new`, after they insert candidacies without the services.
- ``tests/pipeline/test_tallies.py`` checks that the tallies kept step by step equal the tallies
  rebuilt from the rows after random sequences of steps, corrections, transfers and exits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation, ancestor_paths
from ptdv.org.scope import ScopedQuerySet, scope_path

#: A candidacy's place in the tallies: (cell id, stage).
Place = tuple[int, str]


class StageTally(models.Model):
    """The candidacies of an organisation's subtree in one stage (derived: see the module)."""

    SCOPE = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("tổ chức đảng")
    )
    stage = models.CharField(_("giai đoạn"), max_length=32)
    count = models.IntegerField(_("số hồ sơ"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("số hồ sơ theo giai đoạn")
        verbose_name_plural = _("số hồ sơ theo giai đoạn")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "stage"], name="stage_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.stage}: {self.count}"


def stage_counts(user: Any) -> dict[str, int]:
    """The candidacies per stage that ``user`` sees (``Candidacy.objects.visible_to(user)
    .stage_counts()``, read from the tallies: one row per stage of the user's organisation, or
    of the roots for an installation-wide user)."""
    prefix = scope_path(user)
    if prefix is None:
        return {}
    if prefix == "":
        top = StageTally.objects.filter(organisation__depth=1)
    else:
        top = StageTally.objects.filter(organisation_id=user.organisation_id)
    rows = top.filter(count__gt=0).order_by().values_list("stage").annotate(n=models.Sum("count"))
    return {stage: int(n) for stage, n in rows}


def stage_counts_at(organisation: Organisation) -> dict[str, int]:
    """The candidacies per stage under ``organisation`` (one row per stage)."""
    rows = StageTally.objects.filter(organisation=organisation, count__gt=0)
    return dict(rows.values_list("stage", "count"))


def move(
    before: Place | None,
    after: Place | None,
    ancestors: dict[int, list[int]],
) -> None:
    """A candidacy left ``before`` and is now at ``after`` (``None``: it did not exist).

    ``ancestors`` maps each cell id concerned to the ids of its ancestors and itself (the
    caller has read them for the rules already).
    """
    if before == after:
        return
    deltas: Counter[tuple[int, str]] = Counter()
    if before is not None:
        for organisation_id in ancestors[before[0]]:
            deltas[(organisation_id, before[1])] -= 1
    if after is not None:
        for organisation_id in ancestors[after[0]]:
            deltas[(organisation_id, after[1])] += 1
    _apply(deltas)


def add_new(candidacies: Iterable[Any]) -> None:
    """Candidacies inserted in bulk (an import's new candidacies, with their cached columns set):
    plus one at each one's cell and ancestors, in one statement."""
    by_cell = Counter((c.cell_id, str(c.stage)) for c in candidacies)
    if not by_cell:
        return
    cells = {cell_id for cell_id, _stage in by_cell}
    paths = dict(Organisation.objects.filter(pk__in=cells).values_list("pk", "path"))
    chains = _chains(paths.values())
    deltas: Counter[tuple[int, str]] = Counter()
    for (cell_id, stage), n in by_cell.items():
        for organisation_id in chains[paths[cell_id]]:
            deltas[(organisation_id, stage)] += n
    _apply(deltas)


def _chains(paths: Iterable[str]) -> dict[str, list[int]]:
    """Each path's ancestors-or-self ids (one query for all)."""
    wanted = {a for p in paths for a in ancestor_paths(p)}
    ids = dict(Organisation.objects.filter(path__in=wanted).values_list("path", "pk"))
    return {p: [ids[a] for a in ancestor_paths(p) if a in ids] for p in paths}


def _apply(deltas: Counter[tuple[int, str]]) -> None:
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    table = connection.ops.quote_name(StageTally._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list[int | str] = [
        v for (organisation_id, stage), n in rows for v in (organisation_id, str(stage), n)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("organisation_id", "stage", "count") VALUES {values} '
            f'ON CONFLICT ("organisation_id", "stage") DO UPDATE '
            f'SET "count" = {table}."count" + EXCLUDED."count"',
            params,
        )


def rebuild() -> int:
    """Every tally from the candidacies (in one transaction; on PostgreSQL the table is locked
    against the writers meanwhile). Returns the number of rows written."""
    from .models import Candidacy

    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(StageTally._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        per_cell = (
            Candidacy.objects.order_by()
            .values_list("cell__path", "stage")
            .annotate(n=models.Count("pk"))
        )
        counts: Counter[tuple[str, str]] = Counter()
        for path, stage, n in per_cell:
            for ancestor in ancestor_paths(path):
                counts[(ancestor, stage)] += n
        ids = dict(
            Organisation.objects.filter(path__in={p for p, _ in counts}).values_list("path", "pk")
        )
        StageTally.objects.all().delete()
        made = StageTally.objects.bulk_create(
            (
                StageTally(organisation_id=ids[path], stage=stage, count=n)
                for (path, stage), n in sorted(counts.items())
                if path in ids
            ),
            batch_size=5000,
        )
    return len(made)
