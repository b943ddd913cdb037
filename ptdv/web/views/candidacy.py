"""The candidacy page: identity, stage, timeline, dossier, deadlines, findings, next step."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from ptdv.org.scope import get_visible_or_404
from ptdv.pipeline.evaluation import evaluate_candidacy
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules.facts import paper_description
from ptdv.rules.stages import STEP_LABELS, Step

OVERDUE_SHOWN = 50


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


urlpatterns = [path("ho-so/<int:pk>/", candidacy_detail, name="candidacy")]
