"""Việc cần làm: the landing page of the user's subtree."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import EXIT_STAGES, PROGRESS_STAGES, STAGE_LABELS

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


urlpatterns = [path("", home, name="home")]
