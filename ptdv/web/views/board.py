"""Pipeline board and the filtered list with its Excel export.

The three pages share :class:`ptdv.web.filters.CandidacyFilter` over
``Candidacy.objects.visible_to(request.user)``. Their query counts do not depend on the data:

- board: one aggregate for the counts per stage, one query for the first cards of every column
  (``ROW_NUMBER() OVER (PARTITION BY stage ...)``);
- list: the paginator's count and one page of rows;
- export: one streamed ``values_list`` query.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ptdv.pipeline import tallies
from ptdv.pipeline.labels import stage_labels
from ptdv.pipeline.models import Candidacy
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.rules.due import due_state
from ptdv.rules.stages import CLOSED_STAGES, EXIT_STAGES, PROGRESS_STAGES
from ptdv.xlsx import xlsx_response

from ..export import CANDIDACY_FROZEN_COLUMNS, candidacy_columns, candidacy_rows
from ..filters import CandidacyFilter
from ..toolkit import render_page_or_partial

#: Cards shown per board column (the most urgent first); the list shows the rest.
CARDS_PER_COLUMN = 12
PAGE_SIZE = 50

#: Only what a card or a row shows (no wide person rows at province scale).
_SHOWN_FIELDS = (
    "id",
    "stage",
    "stage_since",
    "closed_on",
    "next_due",
    "next_due_code",
    "cell__name",
    "person__full_name",
    "person__birth_date",
    "person__sex",
    "person__ethnicity",
)


def _filterset(request) -> CandidacyFilter:
    """Always bound, so the defaults (open candidacies, sorted by name) apply to an empty query."""
    return CandidacyFilter(
        request.GET, queryset=Candidacy.objects.visible_to(request.user), request=request
    )


def _mark(candidacies, today) -> list[Candidacy]:
    """Days in stage and the deadline warning, computed from the cached columns."""
    marked = []
    for c in candidacies:
        is_open = c.closed_on is None
        c.days_in_stage = (today - c.stage_since).days
        c.due_state = due_state(c.next_due, today) if is_open else ""
        marked.append(c)
    return marked


def _stage_counts(filterset: CandidacyFilter, candidacies, user, stages: list) -> dict[str, int]:
    """The candidacies per stage of the board's columns: the stage tallies kept with the events
    when nothing but an organisation, the stages and the closed ones narrows the board (one row
    per stage, whatever the subtree's size), else counted from the filtered rows."""
    if filterset.narrows():
        return dict(candidacies.order_by().values_list("stage").annotate(n=Count("id")))
    chosen = filterset.chosen_organisation
    counts = tallies.stage_counts(user) if chosen is None else tallies.stage_counts_at(chosen)
    shown = {s.value for s in stages}
    if not filterset.shows_closed():  # the board lists open candidacies only
        shown -= {s.value for s in CLOSED_STAGES}
    return {stage: n for stage, n in counts.items() if stage in shown}


def _board_stages(filterset: CandidacyFilter) -> list:
    every = (*PROGRESS_STAGES, *EXIT_STAGES)
    selected = set(filterset.selected_stages())
    if selected:
        return [s for s in every if s.value in selected]
    return list(every if filterset.shows_closed() else PROGRESS_STAGES)


@login_required
def board(request):
    filterset = _filterset(request)
    today = filterset.today
    columns = []
    total = 0
    if filterset.is_valid():
        candidacies = filterset.qs
        stages = _board_stages(filterset)
        counts = _stage_counts(filterset, candidacies, request.user, stages)
        cards = (
            candidacies.filter(stage__in=[s.value for s in stages])
            .select_related("person", "cell")
            .only(*_SHOWN_FIELDS)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("stage")],
                    order_by=[F("next_due").asc(nulls_last=True), F("id").asc()],
                )
            )
            .filter(rank__lte=CARDS_PER_COLUMN)
            .order_by("stage", "rank")
        )
        labels = stage_labels()
        by_stage: dict[str, list[Candidacy]] = {}
        for card in _mark(cards, today):
            by_stage.setdefault(card.stage, []).append(card)
        for stage in stages:
            shown = by_stage.get(stage.value, [])
            count = counts.get(stage.value, 0)
            columns.append(
                {
                    "stage": stage.value,
                    "label": labels[stage.value],
                    "count": count,
                    "cards": shown,
                    "more": count > len(shown),
                }
            )
        total = sum(counts.values())
    context = {
        "form": filterset.form,
        "columns": columns,
        "total": total,
        "today": today,
        "skip": ("sort",),  # cards are always the most urgent first
        "errors": filterset.error_messages(),
    }
    return render_page_or_partial(request, "web/board/board.html", "web/board/_board.html", context)


@login_required
def candidacy_list(request):
    filterset = _filterset(request)
    valid = filterset.is_valid()
    candidacies = (
        filterset.qs.select_related("person", "cell").only(*_SHOWN_FIELDS)
        if valid
        else Candidacy.objects.none()
    )
    page = Paginator(candidacies, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _mark(page.object_list, filterset.today)
    context = {
        "form": filterset.form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "today": filterset.today,
        "described": filterset.describe() if valid else [],
        "skip": (),
        "errors": filterset.error_messages(),
    }
    return render_page_or_partial(request, "web/board/list.html", "web/board/_list.html", context)


@login_required
def candidacy_export(request):
    filterset = _filterset(request)
    if not filterset.is_valid():
        # The list shows what is wrong with the filters; no file for an invalid request.
        query = request.GET.urlencode()
        return redirect(reverse("candidacy_list") + (f"?{query}" if query else ""))
    today = filterset.today
    organisation = filterset.chosen_organisation or request.user.organisation
    info = [
        _("Tổ chức đảng: %(name)s") % {"name": organisation.name}
        if organisation is not None
        else _("Tổ chức đảng: toàn bộ"),
        _("Ngày xuất: %(date)s") % {"date": today.strftime("%d/%m/%Y")},
        _("Bộ lọc: %(filters)s") % {"filters": "; ".join(filterset.describe())},
    ]
    # The columns of sensitive items by role (people/sensitive.py); counted for the read log.
    rows = Counted(candidacy_rows(filterset.qs, today, user=request.user))
    response = xlsx_response(
        f"danh-sach-ho-so-{today:%Y-%m-%d}.xlsx",
        sheet_title=_("Danh sách hồ sơ"),
        title=_("DANH SÁCH HỒ SƠ PHÁT TRIỂN ĐẢNG VIÊN"),
        info=info,
        columns=candidacy_columns(request.user),
        rows=rows,
        frozen_columns=CANDIDACY_FROZEN_COLUMNS,
    )
    record(
        request,
        AccessKind.LIST_EXPORT,
        filters=request.GET,
        count=rows.count,
        organisation=organisation,
    )
    return response


urlpatterns = [
    path("tien-trinh/", board, name="board"),
    path("danh-sach/", candidacy_list, name="candidacy_list"),
    path("danh-sach/excel/", candidacy_export, name="candidacy_export"),
]
