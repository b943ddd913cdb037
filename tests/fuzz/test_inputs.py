"""No input gives a server error: every page's query parameters and every form's fields, fuzzed.

The pages are found by walking the URL resolver (a new page is fuzzed without touching this
file), filled with ids of objects the user may see. For each page the parameter names are those
its HTML offers (inputs of its forms, query strings of its links) plus a few every page might be
sent; values come from Hypothesis: any text (NUL, control and invisible characters, right-to-left
overrides, very long strings, markup), numbers far outside any range, malformed and extreme
dates. Forms that write are POSTed with their own field names. The assertion is the only one
that matters here: never a 500 (the test client re-raises server errors), on SQLite and
PostgreSQL alike.

The number of examples per role is ``PTDV_FUZZ_EXAMPLES`` (default 120); the run is derandomised,
so CI sees the same inputs every time.
"""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.access.test_url_walk import fill, leaves
from tests.base import build_world, each_document_converted_once, populate

EXAMPLES = int(os.environ.get("PTDV_FUZZ_EXAMPLES", "120"))
#: Parameters any page may be sent, whatever it offers.
COMMON_PARAMS = ("page", "q", "to_chuc", "so_lieu", "buoc", "su-kien", "phan-cong", "so", "loai")
#: Pages not fuzzed: they end the session or only redirect elsewhere.
SKIPPED = {"logout", "set_language", "login", "password_change", "password_change_done"}
#: Forms of the page layout that end the session or change the language, not fuzzed.
SKIPPED_ACTIONS = ("/tai-khoan/dang-xuat/", "/i18n/setlang/")
#: Links to forms chosen by a query parameter (the steps of a candidacy).
WRITE_LINK = re.compile(r"/ho-so/\d+/(ghi-buoc|dinh-chinh|giup-do)/\?")
MAX_LINKED_PAGES = 40

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "-" + "9" * 25,
    "2026-02-30",
    "31/02/2026",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "1900-01-01",
    "x" * 5000,
    "Nguyễn Văn A",
    "001099012345",
    "on",
    "true",
    "[]",
    "{}",
]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)


class _Inputs(HTMLParser):
    """What a page offers: its GET forms' input names and its links' query keys; its POST forms
    with each field's initial value (a valid starting point to change a few fields of); its links
    with a query string (steps chosen by ``?buoc=…``)."""

    def __init__(self):
        super().__init__()
        self.get: set[str] = set()
        self.post: dict[str, dict[str, str]] = {}
        self.links: set[str] = set()
        self._form: tuple[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        in_post = self._form is not None and self._form[0] == "post"
        fields = self.post.get(self._form[1]) if in_post else None
        if tag == "form":
            self._form = ((attrs.get("method") or "get").lower(), attrs.get("action") or "")
            if self._form[0] == "post":
                self.post.setdefault(self._form[1], {})
        elif tag in ("input", "select", "textarea") and attrs.get("name"):
            name = attrs["name"]
            if fields is None:
                self.get.add(name)
            elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs or name not in fields:
                    fields[name] = attrs.get("value") or "on"
            else:
                fields.setdefault(name, attrs.get("value") or "")
            self._select = name if tag == "select" and fields is not None else None
        elif tag == "option" and self._select and fields is not None:
            if "selected" in attrs or not fields.get(self._select):
                fields[self._select] = attrs.get("value") or ""
        elif tag == "a" and attrs.get("href") and "?" in attrs["href"]:
            self.get |= {key for key, _ in parse_qsl(urlsplit(attrs["href"]).query)}
            if attrs["href"].startswith("/"):
                self.links.add(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-fuzz-"))
class FuzzTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enterClassContext(each_document_converted_once())  # each example: the same PDF

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.made = populate(cls.world)

    # -- the pages of a user, with what each offers ------------------------------------------

    def pages(self, user) -> list[tuple[str, set[str], dict[str, dict[str, str]]]]:
        """``(url, GET parameter names, {POST action: {field: initial value}})`` of the site's
        pages, and of the write pages their links lead to (a step chosen by ``?buoc=…``)."""
        from ptdv.org.scope import scope_path

        self.client.force_login(user)
        urls = []
        for leaf in leaves():
            if leaf.model_admin is not None or leaf.name in SKIPPED:
                continue
            url = self.url_for(leaf, user, scope_path(user))
            if url is not None:
                urls.append(url)
        out, seen, linked = [], set(), 0
        while urls:
            url = urls.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = self.client.get(url)
            found = _Inputs()
            if response.get("Content-Type", "").startswith("text/html"):
                found.feed(response.content.decode())
            posts = {
                action or url: fields
                for action, fields in found.post.items()
                if not any(skip in (action or url) for skip in SKIPPED_ACTIONS)
            }
            out.append((url, found.get | set(COMMON_PARAMS), posts))
            for link in sorted(found.links):
                if WRITE_LINK.search(link) and link not in seen and linked < MAX_LINKED_PAGES:
                    urls.append(link)
                    linked += 1
        return out

    def url_for(self, leaf, user, prefix) -> str | None:
        from tests.access.test_url_walk import route_model

        params = set(re.findall(r"<(?:\w+:)?(\w+)>", leaf.route))
        if not params:
            return leaf.route
        if params == {"kind", "extension"}:
            return fill(leaf.route, kind="nguoi", extension="xlsx")
        if params != {"pk"}:
            return None
        model = route_model(leaf.route)
        manager = model._default_manager
        # Scoped records by the one scope; one's own API tokens by their owner.
        rows = (
            manager.visible_to(user)
            if hasattr(manager, "visible_to")
            else manager.filter(user=user)
        )
        row = rows.order_by("pk").first()
        return fill(leaf.route, pk=row.pk) if row is not None else None

    # -- the runs ----------------------------------------------------------------------------

    def fuzz(self, role: str) -> None:
        user = getattr(self.world.users, role)
        pages = self.pages(user)
        self.assertGreater(len(pages), 40)

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=st.data())
        def run(data):
            self.client.force_login(user)
            url, get_names, posts = data.draw(st.sampled_from(pages), label="page")
            names = sorted(get_names)
            query = data.draw(
                st.dictionaries(st.sampled_from(names), values, max_size=4), label="query"
            )
            response = self.client.get(url, query)
            self.assertLess(response.status_code, 500, (url, query))
            if posts:
                action = data.draw(st.sampled_from(sorted(posts)), label="action")
                initial = posts[action]
                names = sorted(set(initial) - {"csrfmiddlewaretoken"}) or ["x"]
                changed = data.draw(
                    st.dictionaries(st.sampled_from(names), values, max_size=3), label="changed"
                )
                form = {**initial, **changed}
                form.pop("csrfmiddlewaretoken", None)
                response = self.client.post(action, form)
                self.assertLess(response.status_code, 500, (action, form))

        run()

    def test_cell_secretary(self):
        self.fuzz("cell")

    def test_grassroots_officer(self):
        self.fuzz("grassroots")

    def test_committee(self):
        self.fuzz("committee")

    def test_viewer(self):
        self.fuzz("viewer")

    def test_administrator(self):
        self.fuzz("admin")
