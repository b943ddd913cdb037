"""Pipeline board and the filtered list with its Excel export.

The three pages share :class:`ptdv.web.filters.CandidacyFilter` over
``Candidacy.objects.visible_to(request.user)``. Their query counts do not depend on the data:

- board: the counts per stage (the stage tallies kept with the events, or one aggregate when a
  filter they do not follow is set), one statement for the ids of the first cards of every
  column (``ORDER BY next_due, id LIMIT 12`` per stage, ``todo.first_ids``) and one for their
  rows;
- list: the total (the stage tallies, or a count that stops at :data:`COUNT_LIMIT`) and one page
  of rows by keyset pagination: the next page is the rows after the last one shown in the sort's
  order (``?after=<id>``), the previous one the rows before the first (``?before=<id>``), the
  last page the sort reversed (``?last=1``), each an ``ORDER BY … LIMIT 51`` whatever the page,
  plus the cursor row's sort columns read by its id (no name in the address). An old link with
  ``?page=N`` still shows that page (by offset) with cursor links from there;
- export: one streamed ``values_list`` query, every row.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ptdv.labels import choice_labels
from ptdv.people import sensitive
from ptdv.people.models import Person
from ptdv.pipeline import tallies
from ptdv.pipeline.labels import deadline_labels, stage_labels
from ptdv.pipeline.models import Candidacy
from ptdv.privacy.access import AccessKind, Counted, record
from ptdv.rules.due import due_state
from ptdv.rules.stages import CLOSED_STAGES, EXIT_STAGES, PROGRESS_STAGES
from ptdv.xlsx import xlsx_response

from ..export import CANDIDACY_FROZEN_COLUMNS, candidacy_columns, candidacy_rows
from ..filters import SORT_KEYS, CandidacyFilter, beyond, sort_order
from ..templatetags.rows import dmy_of, esc, link_prefix, row_labels
from ..toolkit import KeysetPage, cursor_param, render_page_or_partial
from .todo import first_ids

#: Cards shown per board column (the most urgent first); the list shows the rest.
CARDS_PER_COLUMN = 12
PAGE_SIZE = 50
#: The list counts the rows of a filter the stage tallies do not follow up to this many, and
#: then says "more than".
COUNT_LIMIT = 10_000

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


def _due_note(c, labels: dict[str, str]) -> str:
    """The deadline warning of a row: "Quá hạn", "Sắp đến hạn" or nothing."""
    if c.due_state == "overdue":
        return f'<span class="overdue">{labels["overdue"]}</span>'
    if c.due_state == "soon":
        return f'<span class="due-soon">{labels["soon"]}</span>'
    return ""


def board_cards(cards: list[Candidacy]) -> None:
    """Each card's markup (``card.html``), built once from ready values (``templatetags/rows``)."""
    to_candidacy = link_prefix("candidacy")
    deadlines = deadline_labels()
    labels = row_labels(
        overdue=_("Quá hạn"),
        soon=_("Sắp đến hạn"),
        due=_("Hạn"),
        days=_("ngày"),
        in_stage=_("ở giai đoạn này"),
    )
    for c in cards:
        state = c.due_state
        due = ""
        if c.next_due and c.closed_on is None:
            label = esc(deadlines.get(c.next_due_code, "")) or labels["due"]
            due = f'<div class="small">{label}: {dmy_of(c.next_due)} {_due_note(c, labels)}</div>'
        mark = " is-overdue" if state == "overdue" else " is-due-soon" if state == "soon" else ""
        c.html = SafeString(  # every value escaped above
            f'<li class="board-card{mark}"><a class="fw-semibold" href="{to_candidacy}{c.pk}/">'
            f"{esc(c.person.full_name)}</a>"
            f'<div class="small text-muted-strong">{esc(c.cell.name)}</div>'
            f'<div class="small">{c.days_in_stage} {labels["days"]} '
            f'<span class="visually-hidden">{labels["in_stage"]}</span></div>{due}</li>'
        )


def list_rows(rows: list[Candidacy], user) -> bool:
    """Each row's markup (``row.html``), built once from ready values (``templatetags/rows``);
    the ethnicity only for the roles that may see it (``people/sensitive.py``), which is
    returned for the table's head."""
    show_ethnicity = sensitive.may_see(user, "ethnicity")
    to_candidacy = link_prefix("candidacy")
    sexes = choice_labels(Person._meta.get_field("sex"))
    ethnicities = choice_labels(Person._meta.get_field("ethnicity"))
    stages = stage_labels()
    deadlines = deadline_labels()
    labels = row_labels(
        overdue=_("Quá hạn"),
        soon=_("Sắp đến hạn"),
        birth=_("Ngày sinh"),
        sex=_("Giới tính"),
        ethnicity=_("Dân tộc"),
        cell=_("Chi bộ"),
        stage=_("Giai đoạn"),
        since=_("Từ ngày"),
        days=_("Số ngày"),
        due=_("Hạn gần nhất"),
    )
    for c in rows:
        p = c.person
        birth = dmy_of(p.birth_date) if p.birth_date else ""
        ethnicity = (
            f'<td data-label="{labels["ethnicity"]}">'
            f"{esc(ethnicities.get(p.ethnicity, p.ethnicity))}</td>"
            if show_ethnicity
            else ""
        )
        due = (
            f'{dmy_of(c.next_due)}<br><small class="text-muted-strong">'
            f"{esc(deadlines.get(c.next_due_code, ''))}</small>"
            if c.next_due and c.closed_on is None
            else ""
        )
        c.html = SafeString(  # every value escaped above
            f'<tr><th scope="row"><a href="{to_candidacy}{c.pk}/">{esc(p.full_name)}</a></th>'
            f'<td class="text-nowrap" data-label="{labels["birth"]}">{birth}</td>'
            f'<td data-label="{labels["sex"]}">{esc(sexes.get(p.sex, p.sex))}</td>{ethnicity}'
            f'<td data-label="{labels["cell"]}">{esc(c.cell.name)}</td>'
            f'<td data-label="{labels["stage"]}">{esc(stages.get(c.stage, c.stage))}</td>'
            f'<td class="text-nowrap" data-label="{labels["since"]}">'
            f"{dmy_of(c.stage_since)}</td>"
            f'<td class="num" data-label="{labels["days"]}">{c.days_in_stage}</td>'
            f'<td class="ptdv-due" data-label="{labels["due"]}">{due}</td>'
            f'<td class="ptdv-state">{_due_note(c, labels)}</td></tr>'
        )
    return show_ethnicity


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


def _filter_count(filterset: CandidacyFilter, valid: bool) -> int:
    """The filters set (the sort aside), for the button that folds them on a phone."""
    if not valid:
        return 0
    cleaned = filterset.form.cleaned_data
    return sum(1 for name, value in cleaned.items() if name != "sort" and value not in _UNSET)


_UNSET: tuple[object, ...] = (None, "", [], False)


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
        # The first cards of each column: ORDER BY next_due, id LIMIT per stage, one statement.
        ids = first_ids(
            [
                candidacies.filter(stage=s.value).order_by(F("next_due").asc(nulls_last=True), "id")
                for s in stages
                if counts.get(s.value, 0) > 0
            ],
            CARDS_PER_COLUMN,
        )
        by_id = Candidacy.objects.select_related("person", "cell").only(*_SHOWN_FIELDS)
        found = by_id.in_bulk(ids)
        cards = [found[pk] for pk in ids if pk in found]
        labels = stage_labels()
        by_stage: dict[str, list[Candidacy]] = {}
        marked = _mark(cards, today)
        board_cards(marked)
        for card in marked:
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
        "filter_count": _filter_count(filterset, filterset.is_valid()),
        "columns": columns,
        "total": total,
        "today": today,
        "skip": ("sort",),  # cards are always the most urgent first
        "errors": filterset.error_messages(),
    }
    return render_page_or_partial(request, "web/board/board.html", "web/board/_board.html", context)


def _list_total(filterset: CandidacyFilter, user) -> tuple[int, bool]:
    """The rows the list's filters select: the stage tallies when only what they follow is set
    (as the board's counts), else a count that stops after :data:`COUNT_LIMIT` rows."""
    if not filterset.narrows():
        counts = _stage_counts(filterset, None, user, _board_stages(filterset))
        return sum(counts.values()), False
    n = filterset.qs.order_by()[: COUNT_LIMIT + 1].count()
    return min(n, COUNT_LIMIT), n > COUNT_LIMIT


def _list_page(request, filterset: CandidacyFilter) -> KeysetPage:
    code = filterset.sort_code
    rows = filterset.qs.select_related("person", "cell").only(*_SHOWN_FIELDS)
    page = KeysetPage()
    page.count, page.more_than = _list_total(filterset, request.user)
    after, before = cursor_param(request, "after"), cursor_param(request, "before")
    position = None
    if after or before:
        # The cursor row's sort columns, read within the user's scope: an id outside it, or
        # gone, is the first page.
        columns = [lookup for lookup, _nullable in SORT_KEYS[code]]
        position = filterset.queryset.filter(pk=after or before).values_list(*columns).first()
    if position is not None and after:
        fetched = list(rows.filter(beyond(code, position))[: PAGE_SIZE + 1])
        page.object_list = fetched[:PAGE_SIZE]
        page.has_previous, page.has_next = True, len(fetched) > PAGE_SIZE
        return page
    if (position is not None and before) or request.GET.get("last") == "1":
        reverse = rows.order_by(*sort_order(code, reverse=True))
        if position is not None:
            reverse = reverse.filter(beyond(code, position, forward=False))
        fetched = list(reverse[: PAGE_SIZE + 1])
        if fetched or position is None:
            page.object_list = fetched[:PAGE_SIZE][::-1]
            page.has_previous, page.has_next = len(fetched) > PAGE_SIZE, position is not None
            return page
    number = cursor_param(request, "page")
    start = (number - 1) * PAGE_SIZE if number and number <= COUNT_LIMIT // PAGE_SIZE else 0
    fetched = list(rows[start : start + PAGE_SIZE + 1])  # an old ?page=N link: its rows
    page.object_list = fetched[:PAGE_SIZE]
    page.has_previous, page.has_next = start > 0, len(fetched) > PAGE_SIZE
    return page


@login_required
def candidacy_list(request):
    filterset = _filterset(request)
    valid = filterset.is_valid()
    page = _list_page(request, filterset) if valid else KeysetPage()
    page.object_list = _mark(page.object_list, filterset.today)
    show_ethnicity = list_rows(page.object_list, request.user)
    context = {
        "form": filterset.form,
        "filter_count": _filter_count(filterset, valid),
        "page": page,
        "show_ethnicity": show_ethnicity,
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
