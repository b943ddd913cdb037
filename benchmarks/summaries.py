"""Benchmark: the summaries kept with the events — the to-do page, the board and the list.

    .venv/bin/python benchmarks/summaries.py [--database-url URL] [--reset]
                                             [--candidacies 100000] [--requests 30] [--warmup 5]
                                             [--existing]

In one fresh database (``province_shape()``; ``--candidacies 100000`` for a merged province),
or with ``--existing`` on a database built before (by this script, or by ``build_large.py``: then
the accounts of ``ptdv.demo.levels`` are measured):

1. builds the dataset and the demo users (``ptdv.demo.users``);
2. checks the summaries (``pipeline.tallies``): those the builder left equal those rebuilt from
   the rows, and for every demo user and several days the to-do page's counts read from them
   equal the counts from the rows (the querysets' definitions), and the list's total from the
   stage tallies equals its rows' count — **exit 1** when one differs;
3. times, sent round-robin (one request of each in turn, so the machine's drift falls on all
   alike) through ``django.test.Client`` for every demo user: the bare view (``/bench/bare/``),
   the to-do page, the board, the list's first page, its last page (``?last=1``), the page after
   the first (``?after=``), an old numbered link (``?page=150``) and a list filtered beyond what
   the tallies follow (a bounded count); p50 / p95 in ms, the p50 as a multiple of the bare
   view's, and the queries of one more request;
4. times in the process, interleaved, the to-do page's counts read from the summaries against
   the same counts from the rows (how the page counted before), for the root user;
5. on PostgreSQL, prints the plans (``EXPLAIN ANALYZE``) of the to-do page's first-rows
   statement and of its counts, for the root user.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import timedelta
from itertools import cycle, islice

import common

#: Demo users, one per role (``ptdv.demo.users``).
USERS = ["admin", "tinhuy", "bantochuc", "dangbo_xa", "chibo", "xem", "baove"]


def counts_from_rows(user, today):
    from ptdv.pipeline import tallies
    from ptdv.pipeline.models import Candidacy, MentorAssignment

    candidacies = Candidacy.objects.visible_to(user)

    def per_code(rows) -> dict[str, int]:
        return dict(Counter(rows.values_list("next_due_code", flat=True)))

    return tallies.TodoCounts(
        stages=candidacies.stage_counts(),
        overdue=per_code(candidacies.overdue(today)),
        due_soon=per_code(candidacies.due_soon(today)),
        expiring=candidacies.open().filter(expiry_due__lte=today + timedelta(days=30)).count(),
        missing_reports=MentorAssignment.objects.visible_to(user).missing_reports(today).count(),
    )


def counts_kept(user, today):
    from ptdv.pipeline import tallies
    from ptdv.rules.due import due_soon_until

    return tallies.todo_counts(
        user, today, due_soon_until=due_soon_until(today), expiry_until=today + timedelta(days=30)
    )


def list_page(user, query: dict):
    """The list's first page for ``user`` (the view's own functions, no response)."""
    from django.test import RequestFactory

    from ptdv.web.views import board

    request = RequestFactory().get("/danh-sach/", query)
    request.user = user
    filterset = board._filterset(request)
    if not filterset.is_valid():
        return board.KeysetPage()
    return board._list_page(request, filterset)


def check(users, today) -> list[str]:
    """Every disagreement between the summaries and the rows."""
    from ptdv.pipeline import tallies
    from ptdv.pipeline.tallies import Tally

    problems = []
    left = {(t.organisation_id, t.kind, t.key, t.day): t.count for t in Tally.objects.all()}
    tallies.rebuild()
    rebuilt = {(t.organisation_id, t.kind, t.key, t.day): t.count for t in Tally.objects.all()}
    if {k: v for k, v in left.items() if v} != rebuilt:
        problems.append("the summaries left by the builder differ from those rebuilt")
    for user in users:
        for day in (today - timedelta(days=40), today, today + timedelta(days=17)):
            kept, rows = counts_kept(user, day), counts_from_rows(user, day)
            if kept != rows:
                problems.append(f"{user.username} on {day}: kept {kept} != rows {rows}")
    return problems


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=30, help="timed requests per page (30)")
    p.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    p.add_argument("--existing", action="store_true", help="measure a database built before")
    args = p.parse_args()
    run = common.setup(args, existing=args.existing)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone
    from pages import signed_in  # benchmarks/pages.py: the client with the second factor

    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy

    if not args.existing:
        with common.section("build"):
            counts, seconds = common.build(common.province_shape(args), args.today)
            print(f"   built in {seconds:.1f} s: {counts}")
            common.settle()

    users = list(User.objects.select_related("organisation").filter(username__in=USERS))
    users.sort(key=lambda u: USERS.index(u.username))
    if not users:  # a dataset of build_large.py: one account per level of the tree
        from ptdv.demo.levels import ensure_level_users

        users = [user for user, _organisation in ensure_level_users()]
    print(f"   candidacies: {Candidacy.objects.count():,}")
    today = timezone.localdate()
    failed = False
    with common.section("the summaries against the rows"):
        problems = check(users, today)
        for line in problems:
            print(f"   DIFFERS: {line}")
        if not problems:
            print(
                f"   kept == rebuilt; to-do counts equal the rows' for {len(users)} users × 3 days"
            )
        failed |= bool(problems)
        for user in users:
            total = list_page(user, {"include_closed": "on"}).count
            rows = Candidacy.objects.visible_to(user).count()
            if total != rows:
                print(f"   DIFFERS: list total of {user.username}: {total} != {rows}")
                failed = True

    title = f"pages, round-robin ({args.warmup} warm-up, {args.requests} timed)"
    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"), common.section(title):
        rows = []
        results = {}
        for user in users:
            client = signed_in(user)
            after = list_page(user, {}).next_after
            pages = [
                ("bare view", "/bench/bare/"),
                ("to-do", "/"),
                ("board", "/tien-trinh/"),
                ("list, first page", "/danh-sach/"),
                ("list, next page", f"/danh-sach/?after={after}"),
                ("list, last page", "/danh-sach/?last=1"),
                ("list, old ?page=150", "/danh-sach/?page=150"),
                ("list, sex=F (bounded count)", "/danh-sach/?sex=F&sort=due"),
            ]
            # The data protection officer's role reads no candidacy list (403): left out.
            pages = [(n, url) for n, url in pages if client.get(url).status_code != 403]
            samples: dict[str, list[float]] = {name: [] for name, _ in pages}
            for _name, url in islice(cycle(pages), args.warmup * len(pages)):
                client.get(url)
            for name, url in islice(cycle(pages), args.requests * len(pages)):
                t0 = time.perf_counter()
                response = client.get(url)
                samples[name].append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    print(f"   {user.username} {url}: {response.status_code}")
                    failed = True
            bare = common.percentiles(samples["bare view"])["p50"]
            for name, url in pages:
                with CaptureQueriesContext(connection) as captured:
                    client.get(url)
                f = common.percentiles(samples[name])
                results[f"{user.username} {name}"] = {**f, "queries": len(captured)}
                rows.append((user.username, name, f"{f['p50']:.1f}", f"{f['p95']:.1f}",
                             f"{f['p50'] / bare:.1f}×", len(captured)))  # fmt: skip
        common.table(rows, ("user", "page", "p50 ms", "p95 ms", "p50/bare", "queries"))
        run.record("pages", results)

    with common.section("to-do counts: summaries against rows (root user, in process)"):
        root = users[0]
        timed: dict[str, list[float]] = {"summaries": [], "rows": []}
        for name in islice(cycle(timed), 2 * args.requests):
            t0 = time.perf_counter()
            (counts_kept if name == "summaries" else counts_from_rows)(root, today)
            timed[name].append((time.perf_counter() - t0) * 1000)
        for name, values in timed.items():
            f = common.percentiles(values)
            print(f"   {name:10} p50 {f['p50']:8.2f} ms   p95 {f['p95']:8.2f} ms")
        run.record("todo_counts", {k: common.percentiles(v) for k, v in timed.items()})

    if connection.vendor == "postgresql":
        with common.section("plans (root user)"):
            from ptdv.pipeline import tallies
            from ptdv.rules.due import due_soon_until
            from ptdv.web.views import todo

            root = users[0]
            kept = counts_kept(root, today)
            with CaptureQueriesContext(connection) as captured:
                todo.deadline_groups(Candidacy.objects.visible_to(root), today, kept)
                tallies.todo_counts(
                    root, today, due_soon_until=due_soon_until(today),
                    expiry_until=today + timedelta(days=30),
                )  # fmt: skip
            with connection.cursor() as cursor:
                for q in captured.captured_queries:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + q["sql"])
                    print("   " + q["sql"][:160] + " …")
                    for (line,) in cursor.fetchall():
                        print("      " + line)
    run.finish()
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
