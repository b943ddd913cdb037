"""The first screens: a home page of the user's subtree, a candidacy page and the audit log."""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from ptdv.org.scope import get_visible_or_404, scope_path
from ptdv.pipeline.evaluation import evaluate_candidacy
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules.facts import paper_description
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS, STEP_LABELS, Step

OVERDUE_SHOWN = 50


@login_required
def home(request):
    today = timezone.localdate()
    candidacies = Candidacy.objects.visible_to(request.user)
    counts = candidacies.stage_counts()
    rows = [
        (STAGE_LABELS[s], counts.get(s.value, 0), s in EXIT_STAGES)
        for s in (*PROGRESS_STAGES, *EXIT_STAGES)
    ]
    listed = candidacies.select_related("person", "cell").order_by("next_due", "id")
    overdue = listed.overdue(today)
    due_soon = listed.due_between(today, today + timedelta(days=7))
    context = {
        "today": today,
        "stage_rows": rows,
        "total": sum(counts.values()),
        "overdue_count": overdue.count(),
        "overdue": overdue[:OVERDUE_SHOWN],
        "due_soon": due_soon[:OVERDUE_SHOWN],
        "organisation": request.user.organisation,
    }
    return render(request, "web/home.html", context)


@login_required
def candidacy_detail(request, pk: int):
    candidacy = get_visible_or_404(
        Candidacy.objects.select_related("person", "cell", "person__residence"), request.user, pk=pk
    )
    today = timezone.localdate()
    events = list(
        Event.objects.filter(candidacy=candidacy)
        .select_related("actor", "cell", "voids")
        .order_by("seq")
    )
    voided = {e.voids_id for e in events if e.voids_id}
    evaluation = evaluate_candidacy(candidacy, today)
    mentors = (
        MentorAssignment.objects.filter(candidacy=candidacy)
        .select_related("mentor")
        .prefetch_related("reports")
        .order_by("start")
    )
    context = {
        "c": candidacy,
        "person": candidacy.person,
        "events": [
            (
                e,
                e.id in voided,
                STEP_LABELS[Step(e.step)],
                paper_description(e.data) if e.step == Step.DOSSIER_PAPER else "",
            )
            for e in events
        ],
        "next_step_label": STEP_LABELS.get(evaluation.next_step, ""),
        "other_findings": [f for f in evaluation.findings if f not in evaluation.blockers],
        "evaluation": evaluation,
        "deadlines": [
            (d, d.days_left(today, evaluation.calendar), d.is_overdue(today))
            for d in evaluation.deadlines
        ],
        "mentors": mentors,
        "today": today,
    }
    return render(request, "web/candidacy.html", context)


@login_required
def audit_log(request):
    """Changes within the user's subtree, newest first (committee and administrators only)."""
    if not request.user.can_read_audit:
        raise PermissionDenied
    prefix = scope_path(request.user)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if prefix is None:
        entries = entries.none()
    elif prefix:
        entries = entries.filter(additional_data__org_path__startswith=prefix)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"page": page})
