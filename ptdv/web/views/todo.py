"""Việc cần làm: the landing page of the user's subtree.

Every count comes from the summaries kept with the events (``pipeline.tallies``, one query
whatever the subtree's size); the rows shown, 50 per group, from index-friendly queries
(``ORDER BY next_due, id LIMIT 50`` per kind of deadline, all kinds in one statement).

- Deadlines overdue and due in the next days, from the candidacy's cached ``next_due`` /
  ``next_due_code``, grouped by kind.
- Awareness certificates and dossier papers that have expired or expire soon, for candidacies
  that have not yet reached the cell's admission resolution (which consumes them): the
  candidacy's cached ``expiry_due`` (the rules' earliest open ``certificate_expiry`` /
  ``papers_expiry`` deadline, each with the rule set in force on the paper's date).
- Mentor reports not filed for this month.
- Counts per stage, each linking to the board filtered on that stage.

The number of queries does not depend on the number of rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from ptdv.pipeline import tallies
from ptdv.pipeline.labels import deadline_label, stage_labels
from ptdv.pipeline.models import Candidacy, MentorAssignment
from ptdv.pipeline.querysets import covering_periods
from ptdv.privacy.officer import reads_records
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.due import DUE_SOON_DAYS, EXPIRY_NOTICE_DAYS, due_soon_until
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES

from ..templatetags.rows import dmy_of, esc, link_prefix, row_labels
from .incidents import todo_incidents  # the breach register's 72-hour clock
from .mentor import period_label
from .subject_requests import todo_requests  # requests of the person due

#: Rows shown per group; the rest is one click away.
SHOWN = 50


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    # The data protection officer sees no candidate's deadlines (privacy/officer.py).
    reads = reads_records(user)
    reader = user if reads else None
    candidacies = Candidacy.objects.visible_to(reader)
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    counts = tallies.todo_counts(  # kept with the events: one query
        reader, today, due_soon_until=due_soon_until(today), expiry_until=horizon
    )
    labels = stage_labels()
    stage_rows = [
        (s.value, labels[s.value], counts.stages.get(s.value, 0), s in EXIT_STAGES)
        for s in (*PROGRESS_STAGES, *EXIT_STAGES)
    ]
    overdue, due_soon = deadline_groups(candidacies, today, counts)
    missing_rows = []
    if counts.missing_reports > 0:
        missing = MentorAssignment.objects.visible_to(reader).missing_reports(today)
        missing_rows = list(
            missing.select_related("mentor", "candidacy__person", "candidacy__cell")
            .only(
                "id",
                "mentor__full_name",
                "candidacy__person__full_name",
                "candidacy__cell__name",
            )
            .order_by("candidacy__cell__path", "mentor__full_name", "pk")[:SHOWN]
        )
    expiring_block = expiring(candidacies, today, counts.expiring)
    todo_rows(overdue, due_soon, expiring_block["rows"], today)
    context = {
        "today": today,
        # Requests register and breach register: None for the roles they don't concern.
        "requests_due": todo_requests(user, today),
        "incidents_due": todo_incidents(user, timezone.now()),
        "organisation": user.organisation,
        "stage_rows": stage_rows,
        "total": sum(counts.stages.values()),
        "overdue_groups": overdue,
        "overdue_count": sum(g["count"] for g in overdue),
        "due_soon_groups": due_soon,
        "due_soon_count": sum(g["count"] for g in due_soon),
        "due_soon_days": DUE_SOON_DAYS,
        "due_soon_end": due_soon_until(today),
        "expiring": expiring_block,
        "expiry_notice_days": EXPIRY_NOTICE_DAYS,
        "missing_reports": missing_rows,
        "missing_count": counts.missing_reports,
        "month_label": period_label("month", covering_periods(today)["month"]),
        "shown": SHOWN,
        "reads_records": reads,
    }
    return render(request, "web/todo/home.html", context)


# --- rows built once (templatetags/rows.py) ----------------------------------------------------


def todo_rows(overdue: list[dict], due_soon: list[dict], expiring_rows: list, today: date) -> None:
    """Each row's markup, built once from ready values: ``c.due_html`` for the deadline groups
    (overdue or due soon), ``c.expiry_html`` for the certificates and papers. A table row on a
    desktop, a compact card under 576 px (site.css, ``.ptdv-cards``)."""
    to_candidacy = link_prefix("candidacy")
    stages = stage_labels()
    labels = row_labels(
        overdue=gettext("Quá hạn"),
        today=gettext("Hôm nay"),
        expired=gettext("Đã hết hạn"),
        expiring=gettext("Sắp hết hạn"),
        cell=gettext("Chi bộ"),
        stage=gettext("Giai đoạn"),
        due=gettext("Hạn"),
        paper=gettext("Giấy tờ"),
        expiry=gettext("Hết hạn"),
    )
    late_note = f' <span class="badge text-bg-danger">{labels["overdue"]}</span>'
    today_note = f' <span class="badge text-bg-warning">{labels["today"]}</span>'
    for groups, late in ((overdue, True), (due_soon, False)):
        for group in groups:
            for c in group["rows"]:
                note = late_note if late else today_note if c.next_due == today else ""
                c.due_html = SafeString(  # every value escaped here
                    f'<tr><th scope="row"><a href="{to_candidacy}{c.pk}/">'
                    f"{esc(c.person.full_name)}</a></th>"
                    f'<td data-label="{labels["cell"]}">{esc(c.cell.name)}</td>'
                    f'<td data-label="{labels["stage"]}">{esc(stages.get(c.stage, c.stage))}</td>'
                    f'<td data-label="{labels["due"]}" class="{"overdue" if late else "due-soon"}">'
                    f"{dmy_of(c.next_due)}{note}</td></tr>"
                )
    expired_note = f'<span class="badge text-bg-danger">{labels["expired"]}</span>'
    expiring_note = f'<span class="badge text-bg-warning">{labels["expiring"]}</span>'
    for c in expiring_rows:
        c.expiry_html = SafeString(  # every value escaped here
            f'<tr><th scope="row"><a href="{to_candidacy}{c.pk}/">{esc(c.person.full_name)}</a>'
            f'<br><small class="text-body-secondary">{esc(c.cell.name)}</small></th>'
            f'<td data-label="{labels["paper"]}">{esc(deadline_label(c.expiry_code))}</td>'
            f'<td data-label="{labels["expiry"]}" class="{"overdue" if c.expired else "due-soon"}">'
            f"{dmy_of(c.expiry_due)} "
            f"{expired_note if c.expired else expiring_note}</td></tr>"
        )


# --- deadlines (cached on the candidacy, counted in the summaries) ----------------------------


def deadline_groups(
    candidacies: QuerySet, today: date, counts: tallies.TodoCounts
) -> tuple[list[dict], list[dict]]:
    """Overdue and due-soon candidacies, per kind of deadline: the count kept in the summaries
    and the first rows, oldest deadline first."""
    soon_end = due_soon_until(today)
    order = {code: i for i, code in enumerate(DEADLINE_LABELS)}
    groups: dict[tuple[str, bool], dict] = {}
    parts = []
    for late, side in ((True, counts.overdue), (False, counts.due_soon)):
        for code in sorted(side, key=lambda c: (order.get(c, len(order)), c)):
            groups[(code, late)] = {
                "code": code,
                "label": deadline_label(code) or gettext("Việc khác"),
                "count": side[code],
                "rows": [],
            }
            due = (
                {"next_due__lt": today}
                if late
                else {"next_due__gte": today, "next_due__lte": soon_end}
            )
            parts.append(
                candidacies.open().filter(next_due_code=code, **due).order_by("next_due", "id")
            )
    rows = first_rows(parts)
    for c in rows:
        group = groups.get((c.next_due_code, c.next_due is not None and c.next_due < today))
        if group is not None:
            group["rows"].append(c)
    return (
        [g for (_code, late), g in groups.items() if late],
        [g for (_code, late), g in groups.items() if not late],
    )


def first_ids(parts: list[QuerySet], n: int) -> list[int]:
    """The ids of the first ``n`` rows of each ordered queryset of ``parts``, in one statement:
    ``SELECT … ORDER BY … LIMIT n`` per part, joined by ``UNION ALL`` (each part walks its own
    index and stops), in the parts' order. The to-do page's groups, the board's columns."""
    if not parts:
        return []
    sqls, params = [], []
    for i, part in enumerate(parts):
        query = part.values_list("id", flat=True)[:n].query
        try:
            sql, part_params = query.get_compiler(using=part.db).as_sql()
        except EmptyResultSet:  # a part that can match nothing (``none()``)
            continue
        sqls.append(f"SELECT * FROM ({sql}) AS part{i}")
        params.extend(part_params)
    if not sqls:
        return []
    with connections[parts[0].db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sqls), params)
        return [row[0] for row in cursor.fetchall()]


def first_rows(parts: list[QuerySet]) -> list[Candidacy]:
    """The first :data:`SHOWN` candidacies of each part (:func:`first_ids`), then the rows with
    their person and cell in a second statement, in the parts' order."""
    ids = first_ids(parts, SHOWN)
    by_id = Candidacy.objects.deadline_rows().in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


# --- certificates and papers (cached on the candidacy, counted in the summaries) --------------


def expiring(candidacies: QuerySet, today: date, count: int) -> dict:
    """Candidacies whose awareness certificate or a dossier paper has expired or expires soon,
    before the cell's admission resolution (``Candidacy.expiry_due``, the earliest open
    ``certificate_expiry`` / ``papers_expiry`` deadline of the rules): the count kept in the
    summaries and the first rows."""
    rows: list[Candidacy] = []
    if count > 0:
        horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
        due = candidacies.open().filter(expiry_due__lte=horizon)
        rows = list(due.deadline_rows().order_by("expiry_due", "id")[:SHOWN])
    for c in rows:
        c.expired = c.expiry_due is not None and c.expiry_due < today
    return {"count": count, "rows": rows}


urlpatterns = [path("", home, name="home")]
