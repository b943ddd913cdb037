"""Search across people in the user's scope: by name (diacritics and case ignored) or by CCCD.

Neither a name nor a CCCD travels in an address. Addresses end up in the server's and the
proxy's access logs, the browser's history and the ``Referer`` header, and both are personal data
(the addresses of ptdv name ids only):

- The search boxes (the page's and the navigation bar's) POST, with the CSRF token.
- The text searched is kept in the session under a random token and answered with a redirect to
  ``/tim-kiem/?t=<token>`` (303); htmx's live search gets the results at once with
  ``HX-Push-Url`` set to that address. The results and their pages are reached by the token
  alone, which means nothing outside the user's session. The session keeps the last
  :data:`KEPT_QUERIES` searches; an older or foreign token says the search has expired.
- ``/tim-kiem/?q=<name>`` (an old bookmark, typed by hand) is answered with a redirect to its
  token's address, so the name leaves the address bar and the history; ``/tim-kiem/?q=<digits>``
  is not searched: the page asks for the number in the box instead.
- The page's title, which browsers keep in their history, names neither; the page repeats a
  number searched masked (``001******457``), and the box comes back empty after a number.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_htmx.http import push_url

from ptdv.masking import mask_cccd
from ptdv.people.models import MemberStatus, Person
from ptdv.people.search import MIN_CCCD_DIGITS, PersonQuery, search_people
from ptdv.pipeline.models import Candidacy
from ptdv.privacy.access import AccessKind, record

from ..toolkit import render_page_or_partial, wants_partial

PER_PAGE = 50
#: The session key of the searches, ``{token: text}``, oldest first.
SESSION_KEY = "ptdv_search_by_number"
#: How many searches a session keeps.
KEPT_QUERIES = 20
TOKEN_PARAM = "t"


def holds_number(query: PersonQuery) -> bool:
    """Whether the query holds digits (a CCCD or its beginning): never put in an address."""
    return bool(query.cccd)


def remember(request, text: str) -> str:
    """The token under which the session keeps ``text`` (the same token for the same text)."""
    kept: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    for token, kept_text in kept.items():
        if kept_text == text:
            return token
    token = secrets.token_urlsafe(9)
    kept[token] = text
    while len(kept) > KEPT_QUERIES:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept
    return token


def recall(request, token: str) -> str | None:
    kept = request.session.get(SESSION_KEY, {})
    return kept.get(token) if isinstance(kept, dict) else None


def address_of(request, query: PersonQuery) -> tuple[str, dict[str, str]]:
    """The search page's address for ``query`` and its parameters (before ``page``)."""
    params = {} if query.is_empty else {TOKEN_PARAM: remember(request, query.text)}
    url = reverse("search")
    return (f"{url}?{urlencode(params)}" if params else url), params


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("q")
def search(request):
    notice = ""
    if request.method == "POST":
        query = PersonQuery.parse(request.POST.get("q"))
        url, params = address_of(request, query)
        if not request.htmx:
            return HttpResponseRedirect(url, status=303)
        # Live search: the results now, and the address (without any number) in the bar.
        response = results(request, query, params, partial=True)
        return push_url(response, url)
    token = request.GET.get(TOKEN_PARAM)
    if token is not None:
        text = recall(request, token)
        query = PersonQuery.parse(text)
        params = {TOKEN_PARAM: token}
        if text is None:
            notice = _(
                "Kết quả tìm kiếm này không còn (phiên làm việc đã kết thúc hoặc đã tìm quá nhiều "
                "lần). Hãy nhập lại họ tên hoặc số CCCD."
            )
    else:
        query = PersonQuery.parse(request.GET.get("q"))
        params = {}
        if holds_number(query):
            query = PersonQuery.parse("")
            notice = _(
                "Để giữ kín số CCCD, số không được đưa vào địa chỉ trang. Hãy gõ số vào ô tìm kiếm "
                "dưới đây."
            )
        elif not query.is_empty:  # a name in the address: to its token's address
            return HttpResponseRedirect(address_of(request, query)[0], status=303)
    return results(request, query, params, partial=wants_partial(request), notice=notice)


def results(request, query: PersonQuery, params: dict[str, str], *, partial, notice=""):
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
        if holds_number(query):  # the read log: a search by number (masked), its result count
            found = page.object_list[0] if page.paginator.count == 1 else None
            record(
                request,
                AccessKind.CCCD_SEARCH,
                person=found,
                filters={"q": query.text},
                count=page.paginator.count,
            )
    context = {
        "q": query.text,
        # What the page repeats of the query: a number masked (ptdv/masking.py).
        "shown_q": mask_cccd(query.cccd) if holds_number(query) else query.text,
        "query": query,
        "by_number": holds_number(query),
        "page": page,
        "page_query": urlencode(params),
        # Where the language switch comes back to: never an address holding a number.
        "page_address": reverse("search") + (f"?{urlencode(params)}" if params else ""),
        "notice": notice,
        "min_digits": MIN_CCCD_DIGITS,
    }
    return render_page_or_partial(
        request, "web/search/search.html", "web/search/_results.html", context, use_partial=partial
    )


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
