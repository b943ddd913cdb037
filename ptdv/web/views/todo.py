"""Việc cần làm: the landing page of the user's subtree.

- Deadlines overdue and due in the next days, from the candidacy's cached ``next_due`` /
  ``next_due_code``, grouped by kind (one query for the counts, one for the first rows of every
  group, with a window function).
- Awareness certificates and dossier papers that have expired or expire soon, for candidacies
  that have not yet reached the cell's admission resolution (which consumes them): a query on
  the events, with the validity of each rule set in force on the paper's date.
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
    CharField,
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, NullIf, RowNumber
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext

from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.facts import EXPIRING_PAPER_KINDS, PAPER_LABELS
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RULE_SETS, rule_set_for
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS, Stage, Step

from .mentor import missing_reports, period_label, period_starts

#: Rows shown per group; the rest is one click away.
SHOWN = 50
#: "Due soon": from today to this many days ahead.
DUE_SOON_DAYS = 7
#: Certificates and papers are announced this many days before they expire.
EXPIRY_NOTICE_DAYS = 30
#: Stages in which the awareness certificate and the dossier papers still wait for the cell's
#: admission resolution (which consumes them).
BEFORE_CELL_RESOLUTION = (Stage.AWARENESS_TRAINED.value, Stage.DOSSIER.value)


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    candidacies = Candidacy.objects.visible_to(user)
    counts = candidacies.stage_counts()
    stage_rows = [
        (s.value, gettext(STAGE_LABELS[s]), counts.get(s.value, 0), s in EXIT_STAGES)
        for s in (*PROGRESS_STAGES, *EXIT_STAGES)
    ]
    overdue, due_soon = deadline_groups(candidacies, today)
    # The events of the user's candidacies waiting for the cell's resolution (scoped through
    # the candidacies: the database starts from the few waiting candidacies).
    events = waiting_events(candidacies)
    missing = missing_reports(MentorAssignment.objects.visible_to(user), today)
    missing_rows = list(
        missing.select_related("mentor", "candidacy__person", "candidacy__cell").order_by(
            "candidacy__cell__path", "mentor__full_name", "pk"
        )[:SHOWN]
    )
    context = {
        "today": today,
        "organisation": user.organisation,
        "stage_rows": stage_rows,
        "total": sum(counts.values()),
        "overdue_groups": overdue,
        "overdue_count": sum(g["count"] for g in overdue),
        "due_soon_groups": due_soon,
        "due_soon_count": sum(g["count"] for g in due_soon),
        "due_soon_days": DUE_SOON_DAYS,
        "due_soon_end": today + timedelta(days=DUE_SOON_DAYS),
        "certificates": expiring_certificates(events, today),
        "papers": expiring_papers(events, today),
        "expiry_notice_days": EXPIRY_NOTICE_DAYS,
        "missing_reports": missing_rows,
        "missing_count": missing.count(),
        "month_label": period_label("month", period_starts(today)["month"]),
        "shown": SHOWN,
    }
    return render(request, "web/todo/home.html", context)


# --- deadlines (cached on the candidacy) ------------------------------------------------------


def deadline_groups(candidacies: QuerySet, today: date) -> tuple[list[dict], list[dict]]:
    """Overdue and due-soon candidacies, per kind of deadline: count and the first rows."""
    due = candidacies.open().filter(
        next_due__isnull=False, next_due__lte=today + timedelta(days=DUE_SOON_DAYS)
    )
    is_overdue = Case(
        When(next_due__lt=today, then=Value(True)),
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
            "label": gettext(DEADLINE_LABELS[code])
            if code in DEADLINE_LABELS
            else gettext("Việc khác"),
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


# --- certificates and papers (read from the events) -------------------------------------------


def last_start_expiring_by(horizon: date, months: int) -> date:
    """The latest date ``d`` with ``add_months(d, months) <= horizon``."""
    d = add_months(horizon, -months)
    while add_months(d + timedelta(days=1), months) <= horizon:
        d += timedelta(days=1)
    return d


def expiring_filter(field: str, rule: str, horizon: date) -> Q:
    """``field`` (a date) + the validity ``rule`` of the rule set in force on it <= ``horizon``.

    Each rule set applies to the dates from its ``effective_from`` to the next one's (the first
    also to every earlier date), as :func:`rule_set_for` chooses them.
    """
    q = Q()
    for i, rs in enumerate(RULE_SETS):
        months = getattr(rs, rule)
        part = Q(**{f"{field}__lte": last_start_expiring_by(horizon, months)})
        if i > 0:
            part &= Q(**{f"{field}__gte": rs.effective_from})
        if i + 1 < len(RULE_SETS):
            part &= Q(**{f"{field}__lt": RULE_SETS[i + 1].effective_from})
        q |= part
    return q


def waiting_events(candidacies: QuerySet) -> QuerySet:
    """Effective events of ``candidacies`` (scoped) that still wait for the cell's resolution."""
    waiting = candidacies.filter(stage__in=BEFORE_CELL_RESOLUTION, closed_on__isnull=True)
    return Event.objects.effective().filter(candidacy_id__in=waiting.values("pk"))


def _expiring(events: QuerySet, rule: str, today: date, label) -> dict:
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    events = events.filter(expiring_filter("made_on", rule, horizon))
    rows = []
    for e in events.select_related("candidacy__person", "candidacy__cell").order_by(
        "made_on", "pk"
    )[:SHOWN]:
        expires = add_months(e.made_on, getattr(rule_set_for(e.made_on), rule))
        rows.append(
            {
                "candidacy": e.candidacy,
                "what": label(e),
                "made_on": e.made_on,
                "expires": expires,
                "expired": expires < today,
            }
        )
    return {"count": events.count(), "rows": rows}


def expiring_certificates(events: QuerySet, today: date) -> dict:
    """Awareness certificates (CN-NTVĐ) expired or expiring soon, cell resolution not yet held."""
    certificate_date = Cast(
        NullIf(KeyTextTransform("certificate_date", "data"), Value("", output_field=CharField())),
        DateField(),
    )
    certificates = events.filter(step=Step.AWARENESS_CLASS)
    certificates = certificates.annotate(
        made_on=Coalesce(certificate_date, F("date"), output_field=DateField())
    )
    return _expiring(
        certificates,
        "awareness_certificate_valid_months",
        today,
        lambda e: gettext("Giấy chứng nhận nhận thức về Đảng"),
    )


def expiring_papers(events: QuerySet, today: date) -> dict:
    """Introducers' letters, union resolutions and comments expired or expiring soon."""
    papers = events.filter(step=Step.DOSSIER_PAPER, data__kind__in=sorted(EXPIRING_PAPER_KINDS))
    papers = papers.annotate(made_on=F("date"))
    return _expiring(
        papers,
        "dossier_papers_valid_months",
        today,
        lambda e: PAPER_LABELS.get(e.data.get("kind", ""), gettext("Giấy tờ")),
    )


urlpatterns = [path("", home, name="home")]
