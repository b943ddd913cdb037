"""Search across people in the user's scope: by name (diacritics and case ignored) or by CCCD."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ptdv.people.models import MemberStatus, Person
from ptdv.people.search import MIN_CCCD_DIGITS, PersonQuery, search_people
from ptdv.pipeline.models import Candidacy

PER_PAGE = 50


@login_required
def search(request):
    query = PersonQuery.parse(request.GET.get("q"))
    page = None
    if query.is_searchable:
        visible_candidacies = Candidacy.objects.visible_to(request.user).order_by("-attempt")
        people = search_people(
            Person.objects.visible_to(request.user)
            .select_related("cell")
            .prefetch_related(
                Prefetch("candidacies", queryset=visible_candidacies, to_attr="visible_candidacies")
            ),
            query,
        )
        page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
        for person in page.object_list:
            person.current, person.status_label = current_status(person)
    context = {
        "q": query.text,
        "query": query,
        "page": page,
        "min_digits": MIN_CCCD_DIGITS,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "web/search/_results.html" if partial else "web/search/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def current_status(person: Person) -> tuple[Candidacy | None, str]:
    """The candidacy to link to (open, else the last attempt) and what to say about the person.

    Reads ``person.visible_candidacies`` (the user's candidacies of the person, last first).
    """
    candidacies = person.visible_candidacies
    latest = candidacies[0] if candidacies else None
    if latest is not None and latest.closed_on is None:
        return latest, latest.get_stage_display()
    if person.member_status != MemberStatus.NONE or latest is None:
        return latest, person.get_member_status_display()
    # Not a member and no open attempt: how the last attempt ended.
    return latest, _("Hồ sơ đã kết thúc: %(stage)s") % {"stage": latest.get_stage_display()}


urlpatterns = [path("tim-kiem/", search, name="search")]
