"""The queries every report shares: a subtree and its units, effective events, members on a day,
stays in stages.

- A subtree is :meth:`ptdv.org.scope.ScopedQuerySet.in_subtree` (one indexed
  ``LIKE 'prefix%'`` on the materialised path), through the model's ``SCOPE`` or, where a report
  counts a row at another organisation, through that one (:func:`subtree`).
- Effective events: events not voided by a correction, corrections excluded
  (``Event.objects.effective()``), counted at the cell the candidacy belonged to on the day of
  the step (``Event.cell``).
- Members on a day ``d``: the spells (``members.MemberSpell``) with ``start <= d < end``, at the
  spell's cell.
- Stays in stages replayed from the effective events (:func:`ptdv.reports.funnel.replay`): the
  funnel reads the stays stored with the events (``reports.StageStay``); this replay is what the
  tests compare them with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, Substr

from ptdv.members.models import MemberSpell
from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.pipeline.models import Event
from ptdv.rules.stages import Step

from ..funnel import Stay, replay

STEPLEN = Organisation.steplen


# --- the subtree and its units ----------------------------------------------------------------


def subtree(queryset: QuerySet, organisation: Organisation, via: str | None = None) -> QuerySet:
    """The rows of ``queryset`` in ``organisation``'s subtree: through the model's ``SCOPE``
    (``in_subtree``), or through ``via`` where the report counts a row elsewhere — an event at
    the cell of its step (``"cell"``), not at its candidacy's cell of today."""
    return queryset.in_subtree(organisation.path, via=via)


def organisations(organisation: Organisation) -> QuerySet:
    """Every organisation of the subtree, the organisation itself included."""
    return Organisation.objects.in_subtree(organisation.path)


def units(organisation: Organisation) -> list[Organisation]:
    """The organisation's children, in tree order."""
    return list(organisations(organisation).filter(depth=organisation.depth + 1).order_by("path"))


def unit_of(organisation: Organisation, path: str) -> str:
    """The path of the child of ``organisation`` whose subtree holds ``path`` (its own path for
    rows of the organisation itself)."""
    return path[: len(organisation.path) + STEPLEN]


def unit_annotation(organisation: Organisation, lookup: str) -> Substr:
    """The path of the child unit a row belongs to (``lookup`` reaches the row's organisation;
    "" for organisations themselves)."""
    field = f"{lookup}__path" if lookup else "path"
    return Substr(field, 1, len(organisation.path) + STEPLEN)


def count_by_unit(
    queryset: QuerySet, organisation: Organisation, lookup: str, aggregates: Mapping
) -> dict[str, dict[str, int]]:
    """One grouped query: unit path → the ``aggregates`` of the unit's rows."""
    rows = (
        queryset.annotate(unit=unit_annotation(organisation, lookup))
        .values("unit")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("unit"): r for r in rows}


def people(queryset: QuerySet, person_lookup: str) -> QuerySet:
    """The people a queryset of events, candidacies, spells or assignments reaches."""
    return Person.objects.filter(pk__in=queryset.values(person_lookup))


class Yyyymmdd(Func):
    """A date as the integer yyyymmdd. SQLite: ``strftime`` (Django's date extracts there are
    Python functions called for every row, several times per row in the composition's
    conditions); elsewhere year × 10000 + month × 100 + day."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        (field,) = self.source_expressions
        expression = ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)
        return compiler.compile(expression)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%Y%%%%m%%%%d', %(expressions)s) AS integer)",
        )


def yyyymmdd(field: str):
    return Yyyymmdd(F(field))


# --- effective events -------------------------------------------------------------------------


def effective_events(organisation: Organisation, start: date, end: date, *q, **lookups):
    """Effective events dated from ``start`` to ``end`` at a cell of the subtree (the cell of
    the step), with the conditions ``q`` and ``lookups``."""
    events = Event.objects.effective().filter(*q, date__gte=start, date__lte=end, **lookups)
    return subtree(events, organisation, via="cell")


def ceremonies(organisation: Organisation, start: date, end: date) -> QuerySet:
    """Effective admission ceremonies between ``start`` and ``end`` in the subtree."""
    return effective_events(organisation, start, end, step=Step.CEREMONY)


# --- members on a day -------------------------------------------------------------------------


def spells_at(organisation: Organisation, on: date) -> QuerySet:
    """The spells running on ``on`` in the subtree's cells: one per member counted that day."""
    return MemberSpell.objects.on(on).in_subtree(organisation.path)


def members_at(organisation: Organisation, on: date) -> QuerySet:
    """Party members on ``on`` (admitted on or before, not left, counted in a cell of the
    subtree that day)."""
    return Person.objects.filter(pk__in=spells_at(organisation, on).values("person_id"))


# --- stays in stages --------------------------------------------------------------------------

#: Candidacies replayed per query (bounded memory, and under SQLite's limit of variables).
STAY_CHUNK = 5000


def stays(organisation: Organisation, end: date) -> list[Stay]:
    """Stays of the candidacies with a step in the subtree, each counted at the unit of the
    step that entered it (a stay entered elsewhere, before a transfer in, is not the subtree's).

    Events are read with their corrections and voided here (as ``Event.objects.effective()``
    does), by chunks of candidacies: one anti-join over the whole history misleads PostgreSQL's
    planner into a nested loop per event.
    """
    candidacies = sorted(
        Event.objects.filter(cell_id__in=organisations(organisation).values("pk"))
        .values_list("candidacy_id", flat=True)
        .order_by()
        .distinct()
    )
    unit_of_cell = {
        pk: unit_of(organisation, path)
        for pk, path in organisations(organisation).values_list("pk", "path")
    }
    found: list[Stay] = []
    for first in range(0, len(candidacies), STAY_CHUNK):
        chunk = candidacies[first : first + STAY_CHUNK]
        rows = list(
            Event.objects.filter(candidacy_id__in=chunk)
            .filter(Q(date__lte=end) | Q(step=Step.CORRECTION))
            .order_by("candidacy_id", "seq")
            .values_list("candidacy_id", "id", "step", "date", "passed", "voids_id", "cell_id")
        )
        voided = {voids for *_e, voids, _c in rows if voids is not None}
        steps = (
            (cid, unit_of_cell.get(cell), step, day, ok)
            for cid, pk, step, day, ok, _v, cell in rows
            if step != Step.CORRECTION and pk not in voided and day <= end
        )
        found += [stay for stay in replay(steps) if stay.unit is not None]
    return found
