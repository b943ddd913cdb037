"""Every page a user can open, on a phone, in a browser set to English: none scrolls sideways, shows
English or a debug page, or fails.

The pages are those of ``ptdv.urls`` (the URL resolver, walked as ``tests/access/test_url_walk.py``
walks it), so a new page is walked without touching this file. Left out: the admin, the API,
downloads (Excel, Word, PDF, ZIP, calendars, import templates: by their addresses' names and
extensions, then by the answer's ``Content-Type`` and ``Content-Disposition``), the pages that
only answer a POST or the pickers' POSTs, htmx fragments (an answer that is not a whole page),
the login's steps and logging out. A parameter ``<pk>`` is filled with the first object of the
page's model that the user sees (``visible_to``); a page that does not answer 200 to the user
(403 for their role, a redirect) is not theirs and is passed. The step and correction forms the
candidacy page links to (``?buoc=…``, ``?su-kien=…``) are walked too.

For each role — the district's committee officer (``bantochuc``), a cell secretary (``chibo``),
the read-only user (``xem``) and the data protection officer (``baove``) — every page is opened
at 390×844 in one context of a browser whose locale and ``Accept-Language`` are American English,
with ``DEBUG`` on (as on a demo server), and fails, naming the page and the problem, on:

- a document wider than the screen (``scrollWidth > innerWidth + 1``), with the element that
  reaches furthest right;
- a server error (5xx);
- Django's debug pages (the yellow 404, the technical 500);
- the browser's own date or time boxes (``type=date``, ``datetime-local``…: its locale's order);
- English in the Vietnamese interface: the visible text, the title and the texts of attributes
  read aloud or shown (``placeholder``, ``title``, ``aria-label``, ``alt``, buttons' values) are
  searched for English words and phrases that have Vietnamese equivalents and Django's default
  English messages (:data:`ENGLISH`), minus the proper nouns and codes of :data:`ALLOWED`.

The login page is opened first, and an address and an object id that do not exist after the
walk (the site's 404, in Vietnamese). Once more at 1366×768, a sample of the committee officer's pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest

from tests.access.test_url_walk import (
    DOSSIER_DOWNLOADS,
    PAGE_QUERIES,
    PICKER_PAGES,
    POST_PAGES,
    Leaf,
    fill,
    leaves,
    route_model,
)

from .conftest import PHONE, TIMEOUT_MS, assert_no_violations, login, watch_policies

WIDE = {"width": 1366, "height": 768}
MISSING_ID = 98_765_432

#: The walk's users, by role (the demo users; the cell secretary and the committee officer sign in
#: with their authenticator app).
ROLES = {"committee": "bantochuc", "cell": "chibo", "viewer": "xem", "privacy": "baove"}

#: Not pages: logging in and out, the login's second step, changing the language (a POST).
NOT_PAGES = {"login", "logout", "mfa_verify", "mfa_enrol_login", "set_language"}
#: Downloads and fragments by name (the answer's headers are checked as well).
DOWNLOAD_NAME = re.compile(r"(_excel|_xlsx|_docx|_pdf|_zip|_csv|_download|_feed|_progress)$")
DOWNLOAD_ROUTE = re.compile(r"\.(xlsx|docx|pdf|zip|ics|csv|<str:extension>)$")

#: English words and phrases of an interface, each with a Vietnamese equivalent, and Django's own
#: English (its default form messages, its error and debug pages). Case matters: "No" as a word,
#: not "no" inside a code. Not the words that are Vietnamese names or words too ("Thu", "Mai",
#: "May", "Sang"…) nor "Mon", "Tue", "Thu", "Sat", "Sun".
ENGLISH_WORDS = [
    "Save", "Submit", "Cancel", "Next", "Previous", "Prev", "Search", "Filter", "Filters", "Page",
    "Name", "Date", "Delete", "Edit", "Add", "Remove", "Yes", "No", "None", "True", "False",
    "Back", "Close", "Open", "Show", "Hide", "More", "Less", "Loading", "Error", "Warning",
    "Required", "Optional", "Choose", "Select", "Upload", "Download", "Export", "Print", "Total",
    "Status", "Details", "Help", "Settings", "Home", "Logout", "Login", "Username", "Password",
    "Language", "Sign in", "Log in", "Log out", "Reset", "Clear", "Apply", "Confirm", "Continue",
    "Today", "Yesterday", "Tomorrow", "Unknown", "Other", "Actions", "Action", "Number",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
    "Dec", "Wed", "Fri", "AM", "PM",
    "the", "and", "of", "to", "is", "are", "not", "with", "this", "your", "please",
]  # fmt: skip
DJANGO_ENGLISH = [
    "This field is required", "Enter a valid", "Select a valid choice", "Ensure this value",
    "Not Found", "Page not found", "Forbidden", "Server Error", "Bad Request",
    "Method Not Allowed", "CSRF verification failed", "has already been", "already exists",
    "Traceback", "Using the URLconf", "Request Method", "Django Version", "DEBUG = True",
]  # fmt: skip
ENGLISH = re.compile(
    r"(?<![\w/.@-])(?:"
    + "|".join(re.escape(w) for w in sorted(ENGLISH_WORDS + DJANGO_ENGLISH, key=len, reverse=True))
    + r")(?![\w/@-])"
)
#: Proper nouns and codes that look English but are not the interface's words: none yet (the
#: rules' document codes, CCCD, Excel, PDF… are not in the lists above). A regex of what to
#: remove from the text before the search.
ALLOWED = re.compile(r"(?!x)x")

#: Django's debug pages (yellow 404, technical 500).
DEBUG_MARKERS = re.compile(
    r"You’re seeing this error because you have|You're seeing this error because you have"
    r"|Using the URLconf defined in|Request Method:|Exception Value:|Django Version:"
)

#: The page's texts the user sees or hears: the visible text, the title and the attributes.
TEXTS = """() => [
  document.body ? document.body.innerText : '',
  document.title,
  ...[...document.querySelectorAll('[placeholder], [title], [aria-label], img[alt], '
    + 'input[type=submit][value], input[type=button][value]')]
    .filter(e => !e.closest('[hidden], template'))
    .flatMap(e => ['placeholder', 'title', 'aria-label', 'alt', 'value']
      .filter(a => e.hasAttribute(a) && (a !== 'value' || e.matches('input[type=submit], input[type=button]')))
      .map(a => e.getAttribute(a))),
].join('\\n')"""

#: The document's width against the screen's and, when wider, the element reaching furthest right.
OVERFLOW = """() => {
  const width = document.scrollingElement.scrollWidth, screen = window.innerWidth;
  if (width <= screen + 1) return null;
  let widest = null, right = screen + 1;
  for (const e of document.body.querySelectorAll('*')) {
    const box = e.getBoundingClientRect();
    if (box.width && box.right + window.scrollX >= right) { widest = e; right = box.right + window.scrollX; }
  }
  const name = widest ? widest.tagName.toLowerCase() + (widest.id ? '#' + widest.id : '')
    + [...widest.classList].map(c => '.' + c).join('') : '?';
  const text = widest ? (widest.innerText || '').trim().slice(0, 60) : '';
  return `${width}px wide on a ${screen}px screen; widest: ${name} (right ${Math.round(right)}px) "${text}"`;
}"""


#: The candidacy page, and its links to its forms (the step forms by ``?buoc=``, corrections).
CANDIDACY = re.compile(r"^/ho-so/\d+/$")
FORM_LINKS = "main a[href*='/ghi-buoc/?'], main a[href*='/dinh-chinh/?']"


def english_in(text: str) -> list[str]:
    return sorted({m.group(0) for m in ENGLISH.finditer(ALLOWED.sub(" ", text))})


# --- the pages ------------------------------------------------------------------------------


def walked(leaf: Leaf) -> bool:
    """Whether ``leaf`` may be a page (the answer decides the rest)."""
    name = leaf.name or ""
    route = leaf.route
    return not (
        leaf.admin
        or route.startswith(("/api/", "/i18n/"))
        or not name
        or name in NOT_PAGES | POST_PAGES | PICKER_PAGES
        or name in DOSSIER_DOWNLOADS
        or DOWNLOAD_NAME.search(name)
        or DOWNLOAD_ROUTE.search(route)
    )


def sample_pk(model, user):
    """The first object of ``model`` that ``user`` sees, or ``None``."""
    from ptdv.people.models import Person
    from ptdv.pipeline.models import Candidacy

    rows = model._default_manager.all()
    if hasattr(rows, "visible_to"):
        rows = rows.visible_to(user)
    elif any(f.name == "user" for f in model._meta.fields):  # the user's own (API keys)
        rows = rows.filter(user=user)
    else:
        return None
    if model is Candidacy:  # an open candidacy: its forms have steps to offer
        from ptdv.rules.stages import CLOSED_STAGES

        rows = rows.exclude(stage__in=[s.value for s in CLOSED_STAGES]) or rows
    if model is Person:  # a member: the member pages' forms
        rows = rows.filter(party_official_on__isnull=False) or rows
    return rows.order_by("pk").values_list("pk", flat=True).first()


def page_urls(user) -> list[str]:
    """The addresses of the pages to try for ``user`` (each route once)."""
    from ptdv.people.models import PersonMerge

    urls: list[str] = []
    for leaf in leaves():
        if not walked(leaf):
            continue
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", leaf.route))
        query = PAGE_QUERIES.get(leaf.name or "", "")
        if not params:
            urls.append(leaf.route + query)
        elif params == {"pk"}:
            try:
                model = route_model(leaf.route)
            except KeyError:  # not yet in the URL walk's table of models: its own test covers it
                continue
            pk = sample_pk(model, user)
            if pk is not None:
                urls.append(fill(leaf.route, pk=pk) + query)
        elif params == {"pk", "merge"}:
            merge = PersonMerge.objects.visible_to(user).order_by("pk").first()
            if merge is not None:
                urls.append(fill(leaf.route, pk=merge.kept_id, merge=merge.pk))
    return list(dict.fromkeys(urls))


# --- the walk -------------------------------------------------------------------------------


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def fail(self, url: str, problem: str) -> None:
        self.problems.append(f"{url}: {problem}")


def is_page(answer) -> bool:
    """A whole HTML page (not a file, JSON or an htmx fragment)."""
    headers = answer.headers
    if "attachment" in headers.get("content-disposition", ""):
        return False
    if not headers.get("content-type", "").startswith("text/html"):
        return False
    return "<html" in answer.text()[:2000].lower()


def check_page(page, url: str, walk: Walk, *, expected: int = 200) -> None:
    """Open ``url`` (already known to be a page) and record what is wrong with it."""
    response = page.goto(url, wait_until="load")
    status = response.status if response is not None else 0
    if status >= 500 or status != expected:
        walk.fail(url, f"answered {status}, not {expected}")
    html = page.content()
    if DEBUG_MARKERS.search(html) or page.locator("#traceback, #technical").count():
        walk.fail(url, "Django's debug page")
    if page.locator("html").get_attribute("lang") != "vi":
        walk.fail(url, f"<html lang={page.locator('html').get_attribute('lang')!r}>, not vi")
    # The browser's own date and time boxes follow its locale (mm/dd/yyyy here): the site's are
    # text boxes (dd/mm/yyyy, HH:MM).
    native = page.locator(
        "input[type=date], input[type=datetime-local], input[type=time], input[type=month]"
    )
    if native.count():
        names = [native.nth(i).get_attribute("name") for i in range(native.count())]
        walk.fail(url, f"the browser's date boxes (its locale's order): {names}")
    found = english_in(page.evaluate(TEXTS))
    if found:
        walk.fail(url, f"English: {found}")
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        walk.fail(url, overflow)
    walk.pages.append(url)


def walk_role(page, username: str, password: str, *, every: int = 1) -> Walk:
    """Sign in as ``username`` and check every ``every``-th page they can open."""
    from ptdv.accounts.models import User

    walk = Walk()
    check_page(page, "/tai-khoan/dang-nhap/", walk)
    login(page, username, password)
    assert urlparse(page.url).path == "/", f"{username} is not signed in: {page.url}"
    user = User.objects.get(username=username)
    urls = page_urls(user)[::every]
    for url in urls:
        answer = page.request.get(url, max_redirects=0)
        if answer.status >= 500:
            walk.fail(url, f"answered {answer.status}")
        elif answer.status == 200 and is_page(answer):
            check_page(page, url, walk)
            if CANDIDACY.match(url):
                # The forms the candidacy page offers (each step, each correction), as pages.
                forms = page.eval_on_selector_all(
                    FORM_LINKS, "links => links.map(a => a.pathname + a.search)"
                )
                urls.extend(u for u in dict.fromkeys(forms) if u not in urls)
    # The site's 404: an address of nothing, an object of nothing (the data protection officer
    # does not open candidacies: 403 whether there is one or not).
    check_page(page, "/khong-co-trang-nay/", walk, expected=404)
    check_page(page, f"/ho-so/{MISSING_ID}/", walk, expected=403 if user.role == "privacy" else 404)
    return walk


@pytest.fixture
def english_context(server, browser, settings):
    """A context of a browser set to American English (its locale, hence its Accept-Language),
    on a server with ``DEBUG`` on (as on a demo server: Django's debug pages would show)."""
    settings.DEBUG = True
    context = browser.new_context(
        viewport=PHONE,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
        base_url=server,
    )
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_policies(context)
    yield context
    context.close()
    assert_no_violations(violations)


def report(walk: Walk, who: str) -> str:
    return f"{len(walk.problems)} problem(s) on {who}'s pages:\n" + "\n".join(walk.problems)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_on_a_phone_in_vietnamese(english_context, demo, role):
    page = english_context.new_page()
    walk = walk_role(page, ROLES[role], demo.password)
    assert not walk.problems, report(walk, ROLES[role])
    # The walk found the pages (a filter gone wrong would pass with none).
    assert len(walk.pages) >= 10, f"only {len(walk.pages)} pages walked for {role}: {walk.pages}"


def test_a_sample_on_a_desktop(english_context, demo):
    page = english_context.new_page()
    page.set_viewport_size(WIDE)
    walk = walk_role(page, ROLES["committee"], demo.password, every=3)
    assert not walk.problems, report(walk, ROLES["committee"])
    assert len(walk.pages) >= 8, walk.pages


def test_the_english_detector():
    """What the walk calls English, and what it does not."""
    assert english_in("Save · Trang sau · No") == ["No", "Save"]
    assert english_in("This field is required.") == ["This field is required"]
    assert english_in("Page 2 of 5") == ["Page", "of"]
    assert english_in("Nguyễn Văn Nam, QĐ 294-QĐ/TW (2025), mục 3.1; CCCD 011******966") == []
    assert english_in("Tháng 11/2026 · Xem tất cả · Excel · PDF") == []
    assert english_in("ptdv-demo@example.org /to-chuc/") == []


def test_the_walk_sees_an_english_interface(english_context, demo):
    """The checks on a page the user has switched to English (the language cookie): the walk's
    detector finds the interface's English words there, so its silence on the Vietnamese pages
    means something."""
    from django.conf import settings

    page = english_context.new_page()
    login(page, ROLES["committee"], demo.password)
    english_context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": page.url}]
    )
    walk = Walk()
    check_page(page, "/danh-sach/", walk)
    assert any("English:" in problem for problem in walk.problems), walk.problems
