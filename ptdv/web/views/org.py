"""Tổ chức: browse the user's subtree with member and candidate counts and places' coverage.

- The top is the user's own organisation; breadcrumbs never go above it.
- Counts per child are aggregated in one query each by the child's path prefix (treebeard's
  materialised path: ``steplen`` characters per level), so the page's queries do not grow with
  the number of children or people.
- A child is expanded in place with htmx (the unit URL answers with the children partial); the
  same URL is a full page without JavaScript.
- Places are scoped by their organisation (``Place.SCOPE``); a cell's users also see the places
  their cell covers (see ``PlaceQuerySet.serving``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.shortcuts import render
from django.urls import path

from ptdv.org.models import CELL_KINDS, Coverage, Organisation, Place
from ptdv.org.scope import get_visible_or_404, scope_path, subtree_condition
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy

from ..toolkit import render_page_or_partial, wants_partial

PER_PAGE = 50
STEPLEN = Organisation.steplen


def with_coverage_code(places):
    """Annotate ``coverage_code``: own cell, merged cell (shared with other places) or none."""
    sharing = (
        Place.objects.filter(cell_id=OuterRef("cell_id"))
        .order_by()
        .values("cell_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return places.annotate(
        places_in_cell=Subquery(sharing, output_field=IntegerField()),
        coverage_code=Case(
            When(cell__isnull=True, then=Value(Coverage.NONE.value)),
            When(places_in_cell__lte=1, then=Value(Coverage.OWN_CELL.value)),
            default=Value(Coverage.MERGED_CELL.value),
            output_field=CharField(),
        ),
    )


def subtree_counts(queryset, path_lookup: str, parent_path: str, depth: int) -> dict[str, int]:
    """Rows of ``queryset`` under ``parent_path``, counted per path prefix of depth ``depth``.

    ``path_lookup`` leads from the row to an organisation's path (``"cell__path"``). Rows whose
    organisation is the parent itself are counted under the parent's own path.
    """
    rows = (
        queryset.filter(**{f"{path_lookup}__startswith": parent_path})
        .annotate(prefix=Substr(path_lookup, 1, depth * STEPLEN))
        .order_by()
        .values_list("prefix")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _children_context(request, unit: Organisation | None) -> dict:
    """The children of ``unit`` (the roots for an administrator without organisation)."""
    user = request.user
    if unit is None:
        children = Organisation.objects.filter(depth=1)
        parent_path, depth = "", 1
    else:
        children = Organisation.objects.in_subtree(unit.path).filter(depth=unit.depth + 1)
        parent_path, depth = unit.path, unit.depth + 1
    page = Paginator(children.order_by("path"), PER_PAGE).get_page(request.GET.get("page"))
    members = subtree_counts(
        Person.objects.visible_to(user).members(), "cell__path", parent_path, depth
    )
    candidates = subtree_counts(
        Candidacy.objects.visible_to(user).open(), "cell__path", parent_path, depth
    )
    cells = subtree_counts(
        Organisation.objects.visible_to(user).filter(kind__in=CELL_KINDS),
        "path",
        parent_path,
        depth,
    )
    rows = [
        {
            "org": child,
            "members": members.get(child.path, 0),
            "candidates": candidates.get(child.path, 0),
            "cells": cells.get(child.path, 0),
        }
        for child in page.object_list
    ]
    own_path = unit.path if unit else None
    return {
        "unit": unit,
        "children": rows,
        "page": page,
        "totals": {
            "members": sum(members.values()),
            "candidates": sum(candidates.values()),
            "cells": sum(cells.values()),
            "direct_members": members.get(own_path, 0) if own_path else 0,
            "direct_candidates": candidates.get(own_path, 0) if own_path else 0,
        },
    }


def _places_context(request, unit: Organisation | None) -> dict:
    places = Place.objects.serving(request.user)
    if unit is not None:
        places = places.filter(
            subtree_condition(unit.path, "organisation") | subtree_condition(unit.path, "cell")
        )
    places = with_coverage_code(places)
    summary = dict(places.order_by().values_list("coverage_code").annotate(n=Count("pk")))
    listed = places.select_related("organisation", "cell").order_by(
        "organisation__path", F("cell__path").asc(nulls_last=True), "kind", "name", "pk"
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("places_page"))
    labels = dict(Coverage.choices)
    for place in page.object_list:
        place.coverage_label = labels[place.coverage_code]
    total = sum(summary.values())
    coverage = [
        {
            "code": code,
            "label": label,
            "count": summary.get(code, 0),
            "percent": round(100 * summary.get(code, 0) / total, 1) if total else None,
        }
        for code, label in Coverage.choices
    ]
    return {"places_page": page, "coverage": coverage, "places_total": total}


def _breadcrumbs(user, unit: Organisation | None) -> list[Organisation]:
    """From the user's own organisation down to ``unit`` (never above the user's top)."""
    if unit is None:
        return []
    top = scope_path(user) or ""
    start = max(len(top), STEPLEN)
    paths = [unit.path[:i] for i in range(start, len(unit.path) + 1, STEPLEN)]
    return list(Organisation.objects.filter(path__in=paths).order_by("path"))


def _render_unit(request, unit: Organisation | None):
    partial = wants_partial(request) and unit is not None
    context = _children_context(request, unit)
    if not partial:
        context |= _places_context(request, unit)
        context["breadcrumbs"] = _breadcrumbs(request.user, unit)
        context["is_top"] = unit is None or unit.path == (scope_path(request.user) or None)
    return render_page_or_partial(
        request, "web/org/unit.html", "web/org/_children.html", context, use_partial=partial
    )


@login_required
def org_tree(request):
    """The user's own organisation (for an administrator without one: the tree's roots)."""
    user = request.user
    prefix = scope_path(user)
    if prefix is None:
        return render(request, "web/org/no_organisation.html")
    unit = user.organisation if prefix else None
    return _render_unit(request, unit)


@login_required
def org_unit(request, pk: int):
    unit = get_visible_or_404(Organisation, request.user, pk=pk)
    return _render_unit(request, unit)


urlpatterns = [
    path("to-chuc/", org_tree, name="org_tree"),
    path("to-chuc/<int:pk>/", org_unit, name="org_unit"),
]
