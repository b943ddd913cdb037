"""Benchmark: the per-page floor — the layout, the middleware and the rows' templates.

    .venv/bin/python benchmarks/floor.py [--database-url URL] [--requests 200] [--warmup 20]
                                         [--renders 200] [--language vi]

On the demo dataset (``demo_shape()``) and the demo users (``ptdv.demo.users``), in one fresh
database, it prints:

1. **Pages against the bare view**, for every demo user: ``/bench/bare/`` (a ``login_required``
   view returning "ok"), ``/bench/layout/`` (an empty page in ``base.html``: the layout alone),
   the account page, the person page (the lightest page with records) and the to-do page, sent
   round-robin (one request of each in turn, so the machine's drift falls on all of them alike)
   through ``django.test.Client`` signed in with the second factor passed; p50 / p95 in ms, the
   p50 as a multiple of the bare view's, and the queries of one more request.
2. **The queries the layout makes**: those of ``/bench/layout/`` that the bare view does not.
3. **The middleware's share**: the stack run with a probe between each pair of middleware, so
   each one's own time (before and after the view, and its ``process_view``) is read apart from
   the others'; for the bare view and the layout page of the cell secretary.
4. **The rows' templates**: the list (``web/board/_list.html``), the board
   (``web/board/_board.html``) and the to-do page (``web/todo/home.html``, in the layout)
   rendered from a prepared context (the view's own, captured once, its rows repeated to 50, or
   emptied), with no SQL — the run stops (exit 1) if a render queries the database. The cost of
   50 rows is the render with 50 rows less the render with none, both timed in turn, plus the
   building of the 50 rows' markup in the view (``board.list_rows``, ``board.board_cards``,
   ``todo.todo_rows``), timed in the same loop. With ``--before COMMIT`` the templates of that
   commit (read by ``git show``) are rendered in the same loop from the same contexts, so the
   figures before and after come from one run.

Pages are timed by the wall clock and by the thread's CPU time (with SQLite the queries run in
this thread too; the CPU time is what a busy machine's other processes do not lengthen); the
middleware's share and the renders by the CPU time unless ``--clock wall``.

Exit 1 when a page does not answer 200, a render makes a query, or the layout from its kept
frame differs from the layout rendered afresh (the CSRF token aside).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from itertools import cycle, islice

import common

#: Demo users, one per role (``ptdv.demo.users``).
USERS = [
    ("admin", "administrator, province"),
    ("tinhuy", "committee, province"),
    ("bantochuc", "committee, district"),
    ("dangbo_xa", "grassroots officer"),
    ("chibo", "cell secretary"),
    ("xem", "viewer, district"),
    ("baove", "data protection officer"),
]
ROWS = 50

# --- the benchmark's URLconf: the product's URLs, a bare view and an empty page ---------------

_empty_page = None


def _layout_view(request):
    global _empty_page
    from django.template import engines

    if _empty_page is None:
        _empty_page = engines["django"].from_string('{% extends "base.html" %}')
    from django.http import HttpResponse

    return HttpResponse(_empty_page.render({}, request))


def _urlpatterns():
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    return [
        path("bench/bare/", login_required(lambda request: HttpResponse("ok")), name="bench-bare"),
        path("bench/layout/", login_required(_layout_view), name="bench-layout"),
        path("", include("ptdv.urls")),
    ]


def __getattr__(name):  # the URLconf's ``urlpatterns``, built once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# --- probes between the middleware ---------------------------------------------------------------

#: The clock of the middleware's probes and of the templates' renders: the thread's CPU time
#: (``--clock cpu``, the default: what a busy machine's other processes do not lengthen; with
#: SQLite the queries run in this thread too) or the wall clock (``--clock wall``).
clock = time.thread_time
#: One request's probe marks: (probe index, "in" / "view" / "out", clock()).
MARKS: list[tuple[int, str, float]] = []
#: One request's queries: (start, end), clock().
SPANS: list[tuple[float, float]] = []


def timed_query(execute, sql, params, many, context):
    t0 = clock()
    try:
        return execute(sql, params, many, context)
    finally:
        SPANS.append((t0, clock()))


def sql_within(start: float, end: float) -> float:
    return sum(min(b, end) - max(a, start) for a, b in SPANS if a < end and b > start)


def _probe(index: int):
    class Probe:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            MARKS.append((index, "in", clock()))
            response = self.get_response(request)
            MARKS.append((index, "out", clock()))
            return response

        def process_view(self, request, view_func, view_args, view_kwargs):
            MARKS.append((index, "view", clock()))

    Probe.__name__ = Probe.__qualname__ = f"Probe{index}"
    return Probe


for _i in range(40):
    globals()[f"Probe{_i}"] = _probe(_i)


def probed_stack(middleware: list[str]) -> list[str]:
    """``middleware`` with a probe before each and one after the last."""
    module = "floor"  # this module (main() names itself so)
    stack = []
    for i, path in enumerate(middleware):
        stack += [f"{module}.Probe{i}", path]
    stack.append(f"{module}.Probe{len(middleware)}")
    return stack


def own_times(n: int) -> dict[str, float] | None:
    """Each middleware's own time (µs) in the last request's marks: middleware ``i`` lies between
    probe ``i`` and probe ``i + 1`` on the way in, on the way out, and in ``process_view``."""
    at = {(i, kind): t for i, kind, t in MARKS}
    if (0, "in") not in at or (n, "in") not in at:
        return None
    own = {}
    for i in range(n):
        segments = [(at[(i, "in")], at[(i + 1, "in")])]
        if (i, "out") in at and (i + 1, "out") in at:
            segments.append((at[(i + 1, "out")], at[(i, "out")]))
        if (i, "view") in at and (i + 1, "view") in at:
            segments.append((at[(i, "view")], at[(i + 1, "view")]))
        own[str(i)] = sum(b - a for a, b in segments) * 1e6
        own[f"{i} sql"] = sum(sql_within(a, b) for a, b in segments) * 1e6
    inner = at[(n, "out")] - at[(n, "in")]  # resolving, process_view, the view, its rendering
    inner_sql = sql_within(at[(n, "in")], at[(n, "out")])
    if (n, "view") in at and (0, "view") in at:
        inner -= at[(n, "view")] - at[(0, "view")]
        inner_sql -= sql_within(at[(0, "view")], at[(n, "view")])
    own["inner"] = inner * 1e6
    own["inner sql"] = inner_sql * 1e6
    own["stack"] = (at[(0, "out")] - at[(0, "in")]) * 1e6
    return own


# --- requests -------------------------------------------------------------------------------------


def signed_in(user):
    """A test client signed in as ``user`` with the second factor passed (as benchmarks/pages.py)."""
    from django.test import Client

    from ptdv.accounts import mfa

    client = Client()
    client.force_login(user)
    if mfa.second_step_needed(user):
        device = mfa.totp_device(user)
        if device is None:
            raise SystemExit(f"{user.username} needs a second factor and has no device")
        session = client.session
        mfa.mark_verified(session, device)
        session.save()
    return client


def get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url}: {response.status_code}, not the page")
    return response


def round_robin(client, urls: dict[str, str], warmup: int, requests: int) -> dict[str, dict]:
    """Wall-clock and CPU times (ms) of ``requests`` GETs of each URL, one of each in turn."""
    for _ in range(warmup):
        for url in urls.values():
            get(client, url)
    samples: dict[str, dict] = {name: {"wall": [], "cpu": []} for name in urls}
    for _ in range(requests):
        for name, url in urls.items():
            t0, c0 = time.perf_counter(), time.thread_time()
            get(client, url)
            samples[name]["cpu"].append((time.thread_time() - c0) * 1000)
            samples[name]["wall"].append((time.perf_counter() - t0) * 1000)
    return samples


def queries_of(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return [q["sql"] for q in captured.captured_queries]


def person_url(user) -> str | None:
    from ptdv.people.models import Person
    from ptdv.privacy.officer import reads_records

    if not reads_records(user):
        return None
    pk = Person.objects.visible_to(user).order_by("pk").values_list("pk", flat=True).first()
    return None if pk is None else f"/nguoi/{pk}/"


def pages(args, run) -> None:
    from ptdv.accounts.models import User

    results: dict[str, dict] = {}
    rows = []
    layout_sql: dict[str, list[str]] = {}
    for username, label in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"   {username}: no such demo user")
            continue
        client = signed_in(user)
        if args.language != "vi":
            client.cookies["django_language"] = args.language
        urls = {
            "bare": "/bench/bare/",
            "layout": "/bench/layout/",
            "account": "/tai-khoan/cua-toi/",
        }
        person = person_url(user)
        if person:
            urls["person"] = person
        urls["to-do"] = "/"
        samples = round_robin(client, urls, args.warmup, args.requests)
        bare = statistics.median(samples["bare"]["wall"])
        bare_cpu = statistics.median(samples["bare"]["cpu"])
        bare_sql = queries_of(client, urls["bare"])
        for name, url in urls.items():
            figures = common.percentiles(samples[name]["wall"])
            cpu = statistics.median(samples[name]["cpu"])
            sql = queries_of(client, url)
            if name == "layout":
                shape = {q.split(" WHERE ")[0] for q in bare_sql}
                layout_sql[username] = [q for q in sql if q.split(" WHERE ")[0] not in shape]
            results[f"{username} {name}"] = {
                "wall_p50": figures["p50"], "wall_p95": figures["p95"], "cpu_p50": cpu,
                "ratio_wall": figures["p50"] / bare, "ratio_cpu": cpu / bare_cpu,
                "queries": len(sql),
            }  # fmt: skip
            rows.append(
                (
                    f"{username} ({label})" if name == "bare" else "",
                    name,
                    f"{figures['p50']:.2f}",
                    f"{figures['p95']:.2f}",
                    f"{figures['p50'] / bare:.1f}×",
                    f"{cpu:.2f}",
                    f"{cpu / bare_cpu:.1f}×",
                    len(sql),
                )
            )
    common.table(
        rows,
        ("user", "page", "p50 ms", "p95 ms", "× bare", "CPU p50 ms", "CPU × bare", "queries"),
    )
    run.record("pages", results)
    print("\n   queries of the layout (the empty page's beyond the bare view's):")
    for username, sql in layout_sql.items():
        print(f"   {username}: {len(sql)}")
        for q in sql:
            print(f"      {q[:160]}")


def middleware_share(args, run) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from ptdv.accounts.models import User

    base = list(settings.MIDDLEWARE)
    user = User.objects.get(username="chibo")
    with override_settings(MIDDLEWARE=probed_stack(base)), connection.execute_wrapper(timed_query):
        client = signed_in(user)
        for url in ("/bench/bare/", "/bench/layout/"):
            per: dict[str, list[float]] = {}
            totals = []
            for k in range(args.warmup + args.requests):
                MARKS.clear()
                SPANS.clear()
                t0 = clock()
                get(client, url)
                total = (clock() - t0) * 1e6
                own = own_times(len(base))
                if own is None or k < args.warmup:
                    continue
                totals.append(total)
                for key, value in own.items():
                    per.setdefault(key, []).append(value)
            med = {key: statistics.median(v) for key, v in per.items()}
            whole = statistics.median(totals)
            run.record(f"middleware {url}", {
                "request_us": whole,
                **{path: med[str(i)] for i, path in enumerate(base)},
                "inner_us": med["inner"],
            })  # fmt: skip
            print(f"\n   {url} as chibo: {whole:.0f} µs a request (p50), of which:")
            rows = []
            for i, path in enumerate(base):
                t, q = med[str(i)], med[f"{i} sql"]
                rows.append((path, f"{t:.0f}", f"{q:.0f}", f"{t - q:.0f}", f"{t / whole:.0%}"))
            mw = sum(med[str(i)] for i in range(len(base)))
            mw_sql = sum(med[f"{i} sql"] for i in range(len(base)))
            rows.append(("all the middleware", f"{mw:.0f}", f"{mw_sql:.0f}", f"{mw - mw_sql:.0f}",
                         f"{mw / whole:.0%}"))  # fmt: skip
            t, q = med["inner"], med["inner sql"]
            rows.append(("resolving + view + render", f"{t:.0f}", f"{q:.0f}", f"{t - q:.0f}",
                         f"{t / whole:.0%}"))  # fmt: skip
            rest = whole - med["stack"]
            rows.append(
                ("handler, test client, probes", f"{rest:.0f}", "", "", f"{rest / whole:.0%}")
            )
            common.table(rows, ("middleware", "µs", "of it SQL", "without SQL", "share"))
            print(
                "   (the first to read request.user loads the session and the user: their "
                "queries fall in its time)"
            )


# --- the rows' templates --------------------------------------------------------------------------

#: Keys the context processors fill in again at each render.
PROCESSED = {
    "csrf_token",
    "request",
    "user",
    "perms",
    "messages",
    "DEFAULT_MESSAGE_LEVELS",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "LANGUAGE_BIDI",
    "True",
    "False",
    "None",
}


def captured_context(client, url: str, template: str) -> dict:
    """The context ``template`` was rendered with for ``url`` (Django's test instrumentation)."""
    from django.test.signals import template_rendered
    from django.test.utils import setup_test_environment, teardown_test_environment

    seen: dict = {}

    def keep(sender, template, context, **kwargs):
        if template.name == wanted and not seen:
            seen.update(context.flatten())

    wanted = template
    setup_test_environment()
    template_rendered.connect(keep)
    try:
        get(client, url)
    finally:
        template_rendered.disconnect(keep)
        teardown_test_environment()
    if not seen:
        sys.exit(f"{url} did not render {template}")
    return {k: v for k, v in seen.items() if k not in PROCESSED}


def repeated(rows: list, n: int) -> list:
    return list(islice(cycle(rows), n)) if rows else []


def list_contexts(ctx: dict) -> tuple[dict, dict]:
    from django.core.paginator import Paginator

    rows = list(ctx["page"].object_list)
    out = []
    for chosen in (repeated(rows, ROWS), []):
        page = Paginator(chosen, ROWS).get_page(1)
        out.append({**ctx, "page": page, "page_range": page.paginator.get_elided_page_range(1)})
    return out[0], out[1]


def board_contexts(ctx: dict) -> tuple[dict, dict]:
    cards = [c for col in ctx["columns"] for c in col["cards"]]
    chosen = iter(repeated(cards, ROWS))
    full, empty = [], []
    per_column = -(-ROWS // max(len(ctx["columns"]), 1))
    for col in ctx["columns"]:
        full.append({**col, "cards": list(islice(chosen, per_column))})
        empty.append({**col, "cards": []})
    return {**ctx, "columns": full}, {**ctx, "columns": empty}


def todo_contexts(ctx: dict) -> tuple[dict, dict]:
    """The deadline groups' rows repeated to 50 in one group (the certificates' rows have their
    own markup, ``expiry_html``: they are not mixed in)."""
    groups = ctx["overdue_groups"] + ctx["due_soon_groups"]
    rows = [c for g in groups for c in g["rows"]]
    if not rows:
        sys.exit("the to-do page shows no deadline: no rows to time")
    base = groups[0]
    full = {
        **ctx,
        "overdue_groups": [{**base, "rows": repeated(rows, ROWS), "count": ROWS}],
        "due_soon_groups": [],
        "expiring": {"count": 0, "rows": []},
        "missing_reports": [],
        "missing_count": 0,
    }
    empty = {**full, "overdue_groups": []}
    return full, empty


def list_build(ctx: dict, user) -> Callable[[], object]:
    from ptdv.web.views import board

    rows = list(ctx["page"].object_list)
    return lambda: board.list_rows(rows, user)


def board_build(ctx: dict, user) -> Callable[[], object]:
    from ptdv.web.views import board

    cards = [c for col in ctx["columns"] for c in col["cards"]]
    return lambda: board.board_cards(cards)


def todo_build(ctx: dict, user) -> Callable[[], object]:
    from ptdv.web.views import todo

    groups, today = ctx["overdue_groups"], ctx["today"]
    return lambda: todo.todo_rows(groups, [], [], today)


def before_template(commit: str, name: str):
    """The template ``name`` as it was at ``commit`` (``git show``), compiled by the engine."""
    import subprocess

    from django.template import engines

    source = subprocess.run(
        ["git", "show", f"{commit}:ptdv/web/templates/{name}"],
        cwd=common.REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return engines["django"].from_string(source)


def render_times(args, cases: dict[str, tuple[object, object]], request) -> dict[str, float]:
    """p50 (ms) of each case, in turn: ``(template, context)`` rendered, or ``(callable, None)``
    called; no query allowed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples: dict[str, list[float]] = {name: [] for name in cases}
    with CaptureQueriesContext(connection) as captured:
        for k in range(args.renders + 10):
            for name, (work, ctx) in cases.items():
                t0 = clock()
                if ctx is None:
                    work()
                else:
                    work.render(ctx, request)
                if k >= 10:
                    samples[name].append((clock() - t0) * 1000)
    if captured.captured_queries:
        print("   a render or a row's building queried the database:")
        for q in captured.captured_queries[:5]:
            print(f"      {q['sql'][:160]}")
        sys.exit(1)
    return {name: statistics.median(v) for name, v in samples.items()}


def templates(args, run) -> None:
    from django.template.loader import get_template
    from django.test import RequestFactory

    from ptdv.accounts.models import User

    user = User.objects.select_related("organisation").get(username="tinhuy")
    client = signed_in(user)
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    rows = []
    cases = [
        (
            "list",
            "/danh-sach/?sort=due",
            "web/board/list.html",
            "web/board/_list.html",
            list_contexts,
            list_build,
        ),
        (
            "board",
            "/tien-trinh/",
            "web/board/board.html",
            "web/board/_board.html",
            board_contexts,
            board_build,
        ),
        ("to-do", "/", "web/todo/home.html", "web/todo/home.html", todo_contexts, todo_build),
    ]
    for name, url, page, partial, prepare, build in cases:
        ctx = captured_context(client, url, page)
        full, empty = prepare(ctx)
        compiled = get_template(partial)
        timed = {
            "50 rows": (compiled, full),
            "no rows": (compiled, empty),
            "build": (build(full, user), None),
        }
        if args.before:
            old = before_template(args.before, partial)
            timed["before 50 rows"] = (old, full)
            timed["before no rows"] = (old, empty)
        times = render_times(args, timed, request)
        run.record(f"template {name}", times)
        cost = times["50 rows"] - times["no rows"] + times["build"]
        row = [
            name,
            partial,
            f"{times['no rows']:.2f}",
            f"{times['50 rows']:.2f}",
            f"{times['build']:.2f}",
            f"{cost:.2f}",
        ]
        if args.before:
            before = times["before 50 rows"] - times["before no rows"]
            row += [f"{before:.2f}", f"{before / cost:.1f}×" if cost > 0 else "—"]
        rows.append(tuple(row))
    from django.template import engines

    empty_page = engines["django"].from_string('{% extends "base.html" %}')
    samples = []
    for k in range(args.renders + 10):
        t0 = clock()
        empty_page.render({}, request)
        if k >= 10:
            samples.append((clock() - t0) * 1000)
    width = 8 if args.before else 6
    rows.append(
        ("layout", "base.html, empty page", f"{statistics.median(samples):.2f}")
        + ("",) * (width - 3)
    )
    run.record("template layout", statistics.median(samples))
    headers = ("page", "template", "no rows ms", f"{ROWS} rows ms", "build ms", f"{ROWS} rows cost")
    if args.before:
        headers += (f"before: {ROWS} rows cost", "before / now")
    common.table(rows, headers)
    print(
        f"   ({ROWS} rows cost: the render with {ROWS} rows less the render with none, plus the "
        "building of their markup in the view)"
    )
    same_layout(client, request)


#: A CSRF token in a page (masked anew for each request).
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+')


def same_layout(client, request) -> None:
    """The layout from its kept frame against the layout rendered afresh (the cache emptied):
    the same page but for the CSRF token, or exit 1."""
    from django.template import engines

    from ptdv.web.templatetags import layout

    page = engines["django"].from_string('{% extends "base.html" %}')
    page.render({}, request)  # keeps the frame
    kept = page.render({}, request)
    layout.clear()
    fresh = page.render({}, request)
    if _TOKEN.sub(r"\1…", kept) != _TOKEN.sub(r"\1…", fresh):
        sys.exit("the layout from its kept frame differs from the layout rendered afresh")
    print("   the layout from its kept frame is the layout rendered afresh (CSRF token aside)")


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="timed requests per page (200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed requests first (20)")
    p.add_argument("--renders", type=int, default=200, help="timed renders per template (200)")
    p.add_argument("--language", default="vi", help="the users' language (vi)")
    p.add_argument(
        "--before",
        metavar="COMMIT",
        help="also render the rows' templates of this commit, in the same loop (before / now)",
    )
    p.add_argument(
        "--only-templates",
        action="store_true",
        help="skip the pages and the middleware: the rows' templates only",
    )
    p.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="clock of the middleware's share and the renders (cpu: this thread's CPU time)",
    )
    args = p.parse_args()
    global clock
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    sys.modules.setdefault("floor", sys.modules[__name__])  # the URLconf and the probes
    run = common.setup(args)

    from django.test.utils import override_settings

    from ptdv.demo.builder import demo_shape

    with common.section("demo: build"):
        counts, seconds = common.build(demo_shape(), args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
    with override_settings(ROOT_URLCONF="floor"):
        if not args.only_templates:
            with common.section(f"pages against the bare view ({args.requests} rounds)"):
                pages(args, run)
            with common.section("the middleware's share (chibo)"):
                middleware_share(args, run)
        with common.section(f"the rows' templates ({args.renders} renders, no SQL)"):
            templates(args, run)
    run.finish()


if __name__ == "__main__":
    main()
