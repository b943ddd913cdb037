"""Places (villages, schools, health stations) and the cells that served them on a day, from the
places' history (``PlaceCell``): the structure report's coverage and the structure targets."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from ptdv.org.models import Coverage, Organisation, Place, PlaceCell, PlaceKind
from ptdv.org.scope import subtree_condition

from .queries import organisations, subtree, unit_of

COVERED_KINDS = (PlaceKind.VILLAGE, PlaceKind.SCHOOL, PlaceKind.HEALTH_STATION)

#: place id → [(since, cell id or None)], in order.
History = dict[int, list[tuple[date, int | None]]]
#: organisation id → (founded on, dissolved on).
Lifetimes = dict[int, tuple[date | None, date | None]]


def coverage_on(organisation: Organisation, on: date) -> dict[int, tuple[str, str, str]]:
    return coverage(organisation, [on])[on]


def coverage(
    organisation: Organisation, days: list[date]
) -> dict[date, dict[int, tuple[str, str, str]]]:
    """For each day: place id → (kind, unit path, coverage), from the places' history.

    A place is served on a day by the cell of its latest history row dated on or before it
    (none before its first row, nor when that cell is not alive that day: founded later or
    dissolved); the cell is its own when it serves no other place that day —
    places of every kind and of any subtree count (a merged cell may serve several communes).
    """
    places = {
        pk: (kind, unit_of(organisation, path))
        for pk, kind, path in subtree(
            Place.objects.filter(kind__in=COVERED_KINDS), organisation
        ).values_list("pk", "kind", "organisation__path")
    }
    history, lifetimes = _history(organisation)
    result = {}
    for day in days:
        serving = _serving(history, lifetimes, day)
        shared: dict[int, int] = defaultdict(int)
        for cell_id in serving.values():
            if cell_id is not None:
                shared[cell_id] += 1
        found = {}
        for place_id, (kind, unit) in places.items():
            cell_id = serving.get(place_id)
            if cell_id is None:
                value = Coverage.NONE
            else:
                value = Coverage.OWN_CELL if shared[cell_id] <= 1 else Coverage.MERGED_CELL
            found[place_id] = (kind, unit, value.value)
        result[day] = found
    return result


def _history(organisation: Organisation) -> tuple[History, Lifetimes]:
    """The history of the subtree's places and of the places elsewhere that its cells (or the
    cells outside that serve its places) served at some time, and the lifetimes of every cell
    these rows name."""
    history: History = defaultdict(list)
    for place_id, since, cell_id in (
        subtree(PlaceCell.objects.all(), organisation)
        .order_by("place_id", "since", "pk")
        .values_list("place_id", "since", "cell_id")
    ):
        history[place_id].append((since, cell_id))
    cells = {cell for rows in history.values() for _since, cell in rows if cell is not None}
    lifetimes: Lifetimes = {
        pk: (founded, dissolved)
        for pk, founded, dissolved in organisations(organisation).values_list(
            "pk", "founded_on", "dissolved_on"
        )
    }
    inside = set(lifetimes)
    outside_cells = sorted(cells - inside)
    # Places elsewhere served at some time by one of these cells (rare: a merged cell across
    # units): their rows count in the cells' sharing.
    elsewhere = (
        PlaceCell.objects.filter(
            subtree_condition(organisation.path, "cell") | Q(cell_id__in=outside_cells)
        )
        .exclude(subtree_condition(organisation.path, "place__organisation"))
        .values("place_id")
    )
    for place_id, since, cell_id in (
        PlaceCell.objects.filter(place_id__in=elsewhere)
        .order_by("place_id", "since", "pk")
        .values_list("place_id", "since", "cell_id")
    ):
        history[place_id].append((since, cell_id))
    # The lifetimes of the cells outside the subtree that any of these rows names.
    named = {cell for rows in history.values() for _since, cell in rows if cell is not None}
    lifetimes |= {
        pk: (founded, dissolved)
        for pk, founded, dissolved in Organisation.objects.filter(
            pk__in=sorted(named - inside)
        ).values_list("pk", "founded_on", "dissolved_on")
    }
    return history, lifetimes


def _serving(history: History, lifetimes: Lifetimes, day: date) -> dict[int, int | None]:
    """Place id → the cell serving it on ``day`` (``None``: no cell)."""

    def alive(cell_id: int) -> bool:
        founded, dissolved = lifetimes.get(cell_id, (None, None))
        return (founded is None or founded <= day) and (dissolved is None or dissolved > day)

    serving = {}
    for place_id, rows in history.items():
        cell_id = None
        for since, cell in rows:
            if since > day:
                break
            cell_id = cell
        # A cell not yet founded or already dissolved serves nobody that day.
        serving[place_id] = cell_id if cell_id is not None and alive(cell_id) else None
    return serving
