"""Việc cần làm: the landing page of the user's subtree.

- Deadlines overdue and due in the next days, from the candidacy's cached ``next_due`` /
  ``next_due_code``, grouped by kind (one query for the counts, one for the first rows of every
  group, with a window function).
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
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext

from ptdv.pipeline import tallies
from ptdv.pipeline.labels import deadline_label, stage_labels
from ptdv.pipeline.models import Candidacy, MentorAssignment, overdue_on
from ptdv.pipeline.querysets import covering_periods
from ptdv.privacy.officer import reads_records
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.due import DUE_SOON_DAYS, due_soon_until
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES

from .incidents import todo_incidents  # the breach register's 72-hour clock
from .mentor import period_label
from .subject_requests import todo_requests  # requests of the person due

#: Rows shown per group; the rest is one click away.
SHOWN = 50
#: Certificates and papers are announced this many days before they expire.
EXPIRY_NOTICE_DAYS = 30


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    # The data protection officer sees no candidate's deadlines (privacy/officer.py).
    reads = reads_records(user)
    candidacies = Candidacy.objects.visible_to(user if reads else None)
    counts = tallies.stage_counts(user if reads else None)  # kept with the events
    labels = stage_labels()
    stage_rows = [
        (s.value, labels[s.value], counts.get(s.value, 0), s in EXIT_STAGES)
        for s in (*PROGRESS_STAGES, *EXIT_STAGES)
    ]
    overdue, due_soon = deadline_groups(candidacies, today)
    missing = MentorAssignment.objects.visible_to(user if reads else None).missing_reports(today)
    missing_rows = list(
        missing.select_related("mentor", "candidacy__person", "candidacy__cell").order_by(
            "candidacy__cell__path", "mentor__full_name", "pk"
        )[:SHOWN]
    )
    context = {
        "today": today,
        # Requests register and breach register: None for the roles they don't concern.
        "requests_due": todo_requests(user, today),
        "incidents_due": todo_incidents(user, timezone.now()),
        "organisation": user.organisation,
        "stage_rows": stage_rows,
        "total": sum(counts.values()),
        "overdue_groups": overdue,
        "overdue_count": sum(g["count"] for g in overdue),
        "due_soon_groups": due_soon,
        "due_soon_count": sum(g["count"] for g in due_soon),
        "due_soon_days": DUE_SOON_DAYS,
        "due_soon_end": due_soon_until(today),
        "expiring": expiring(candidacies, today),
        "expiry_notice_days": EXPIRY_NOTICE_DAYS,
        "missing_reports": missing_rows,
        "missing_count": missing.count(),
        "month_label": period_label("month", covering_periods(today)["month"]),
        "shown": SHOWN,
        "reads_records": reads,
    }
    return render(request, "web/todo/home.html", context)


# --- deadlines (cached on the candidacy) ------------------------------------------------------


def deadline_groups(candidacies: QuerySet, today: date) -> tuple[list[dict], list[dict]]:
    """Overdue and due-soon candidacies, per kind of deadline: count and the first rows."""
    due = candidacies.open().filter(next_due__isnull=False, next_due__lte=due_soon_until(today))
    is_overdue = Case(
        When(overdue_on(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    tallies = (
        due.order_by()
        .annotate(is_overdue=is_overdue)
        .values_list("next_due_code", "is_overdue")
        .annotate(n=Count("id"))
    )
    rows = (
        due.annotate(
            is_overdue=is_overdue,
            rank=Window(
                RowNumber(),
                partition_by=[F("next_due_code"), is_overdue],
                order_by=[F("next_due").asc(), F("id").asc()],
            ),
        )
        .filter(rank__lte=SHOWN)
        .select_related("person", "cell")
        .order_by("next_due", "id")
    )
    groups: dict[tuple[str, bool], dict] = {}
    for code, late, n in tallies:
        groups[(code, bool(late))] = {
            "code": code,
            "label": deadline_label(code) or gettext("Việc khác"),
            "count": n,
            "rows": [],
        }
    for c in rows:
        group = groups.get((c.next_due_code, bool(c.is_overdue)))
        if group is not None:
            group["rows"].append(c)
    order = {code: i for i, code in enumerate(DEADLINE_LABELS)}

    def section(late: bool) -> list[dict]:
        picked = [g for (code, is_late), g in groups.items() if is_late == late]
        return sorted(picked, key=lambda g: (order.get(g["code"], len(order)), g["code"]))

    return section(True), section(False)


# --- certificates and papers (cached on the candidacy) ---------------------------------------


def expiring(candidacies: QuerySet, today: date) -> dict:
    """Candidacies whose awareness certificate or a dossier paper has expired or expires soon,
    before the cell's admission resolution (``Candidacy.expiry_due``, the earliest open
    ``certificate_expiry`` / ``papers_expiry`` deadline of the rules): count and first rows."""
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    due = candidacies.open().filter(expiry_due__lte=horizon)
    rows = list(due.select_related("person", "cell").order_by("expiry_due", "id")[:SHOWN])
    for c in rows:
        c.expired = c.expiry_due < today
    return {"count": due.count(), "rows": rows}


urlpatterns = [path("", home, name="home")]
