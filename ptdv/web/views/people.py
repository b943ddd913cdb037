"""The person page: identity, membership, every candidacy attempt, the people they help."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import render
from django.urls import path

from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy, MentorAssignment


@login_required
def person_detail(request, pk: int):
    person = get_visible_or_404(
        Person.objects.select_related("cell", "residence"), request.user, pk=pk
    )
    candidacies = list(
        Candidacy.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("cell")
        .order_by("attempt")
    )
    mentoring = list(
        MentorAssignment.objects.visible_to(request.user)
        .filter(mentor=person)
        .select_related("candidacy__person", "candidacy__cell")
        # Current assignments first, then the people helped in Vietnamese order.
        .order_by(F("end").desc(nulls_first=True), "candidacy__person__sort_key", "start", "pk")
    )
    has_open = any(c.closed_on is None for c in candidacies)
    context = {
        "person": person,
        "candidacies": candidacies,
        "open_candidacy": next((c for c in candidacies if c.closed_on is None), None),
        "mentoring": mentoring,
        "mentoring_now": sum(1 for a in mentoring if a.end is None),
        "can_open": (request.user.can_write and not has_open and not person.is_member),
    }
    return render(request, "web/people/person.html", context)


urlpatterns = [path("nguoi/<int:pk>/", person_detail, name="person")]
