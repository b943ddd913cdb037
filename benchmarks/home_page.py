"""Benchmark 2: the home page (counts per stage, overdue and due-soon lists of the user's subtree).

    .venv/bin/python benchmarks/home_page.py [--database-url URL] [--requests 50] [--warmup 10]

For each dataset, the demo (``demo_shape()``) then the province (``province_shape()``), in the
same fresh database (flushed in between):

- builds the dataset and the demo users (``ptdv.demo.users``);
- logs in with ``django.test.Client.force_login`` as the province committee (``tinhuy``, the
  root of the tree: every candidacy), the district committee (``bantochuc``) and a cell
  secretary (``chibo``, one cell);
- sends ``--warmup`` requests, then ``--requests`` timed ``GET /``; the time is the wall time of
  ``Client.get`` (the whole Django stack: middleware, session, view, template; no network);
- counts the queries of one more request with ``CaptureQueriesContext``, and replays each of
  them on the raw cursor (best of 5, rows fetched) to show where the database time goes
  (``--explain`` also prints their plans);
- does the same for ``/bench/bare/``, a ``login_required`` view returning "ok" (defined in
  ``benchmarks/bench_urls.py``), and prints home / bare.

The query count must be the same on both datasets: the page does a fixed number of queries.
On PostgreSQL the script runs ``VACUUM (ANALYZE)`` and ``CHECKPOINT`` after each bulk load
(see ``common.settle``: otherwise autovacuum runs during the measurements); on SQLite nothing.
"""

from __future__ import annotations

import gc
import time

import common

USERS = [
    ("tinhuy", "province committee (root)"),
    ("bantochuc", "district committee"),
    ("chibo", "cell secretary"),
]


def measure(client, url: str, warmup: int, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    figures = common.percentiles(samples)
    figures["queries"] = len(captured.captured_queries)
    figures["sql"] = [q["sql"] for q in captured.captured_queries]
    figures["query_ms"] = [replay_ms(sql) for sql in figures["sql"]]
    figures["bytes"] = len(response.content)
    return figures


def replay_ms(sql: str, repeat: int = 5) -> float:
    """Best time of ``repeat`` runs of one captured query on the raw DB-API cursor, rows
    fetched (SQLite computes rows as they are fetched, so timing ``execute`` alone is not
    enough; the best of a few runs leaves out the noise of other processes)."""
    from django.db import connection

    best = float("inf")
    cursor = connection.connection.cursor()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            best = min(best, (time.perf_counter() - t0) * 1000)
    finally:
        cursor.close()
    return best


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    cursor = connection.connection.cursor()
    try:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if connection.vendor == "sqlite":
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(r[0] for r in rows)


def bench_dataset(name: str, shape, args, run) -> dict:
    from django.core.management import call_command
    from django.test import Client

    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy

    with common.section(f"{name}: build"):
        if Candidacy.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
        counts, seconds = common.build(shape, args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        # The builder's objects are garbage now: collect them, so that the requests do not pay
        # for them (a server process would never have had them).
        gc.collect()
        print(f"   objects tracked by the garbage collector: {len(gc.get_objects()):,}")
        common.settle()

    results: dict[str, dict] = {}
    with common.section(f"{name}: GET / ({args.warmup} warm-up, {args.requests} timed)"):
        for username, label in USERS:
            user = User.objects.select_related("organisation").get(username=username)
            client = Client()
            client.force_login(user)
            home = measure(client, "/", args.warmup, args.requests)
            home["user"] = f"{username} ({label}, {user.organisation.name})"
            home["visible_candidacies"] = Candidacy.objects.visible_to(user).count()
            results[username] = home
        client = Client()
        client.force_login(User.objects.get(username="tinhuy"))
        results["bare"] = measure(client, "/bench/bare/", args.warmup, args.requests)

    bare = results["bare"]
    rows = []
    for username, label in USERS:
        r = results[username]
        rows.append(
            (
                f"{username} — {label}",
                f"{r['visible_candidacies']:,}",
                f"{r['p50']:.2f}",
                f"{r['p95']:.2f}",
                f"{r['p50'] / bare['p50']:.1f}×",
                r["queries"],
                f"{sum(r['query_ms']):.1f}",
            )
        )
    rows.append(
        (
            "bare login_required view",
            "",
            f"{bare['p50']:.2f}",
            f"{bare['p95']:.2f}",
            "1.0×",
            bare["queries"],
            f"{sum(bare['query_ms']):.1f}",
        )
    )
    common.table(
        rows,
        ("user", "candidacies", "p50 ms", "p95 ms", "p50/bare", "queries", "SQL ms*"),
    )
    for username in ("tinhuy", "chibo"):
        r = results[username]
        print(f"   queries of GET / for {username} (best of 5 replays, ms; SQL truncated):")
        for ms, sql in zip(r["query_ms"], r["sql"], strict=True):
            print(f"     {ms:7.2f}  {' '.join(sql.split())[:110]}")
            if args.explain and "pipeline_candidacy" in sql:
                for line in explain(sql).splitlines():
                    print(f"                {line}")
    run.record(name, {"build_s": round(seconds, 1), "counts": counts, "requests": results})
    return results


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=50, help="timed requests per user (50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    p.add_argument("--skip-province", action="store_true", help="demo dataset only")
    p.add_argument("--explain", action="store_true", help="print the plans of the page's queries")
    args = p.parse_args()
    run = common.setup(args)

    from django.test.utils import override_settings

    from ptdv.demo.builder import demo_shape

    datasets = [("demo", demo_shape())]
    if not args.skip_province:
        datasets.append(("province", common.province_shape(args)))
    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
        results = {name: bench_dataset(name, shape, args, run) for name, shape in datasets}

    print("\n== query count of GET / per dataset (must not grow with the data)")
    names = [name for name, _ in datasets]
    rows = [(f"{u} — {label}", *(results[n][u]["queries"] for n in names)) for u, label in USERS]
    rows.append(("bare view", *(results[n]["bare"]["queries"] for n in names)))
    common.table(rows, ("user", *names))
    if len(names) == 2:
        grows = any(
            results["demo"][u]["queries"] != results["province"][u]["queries"] for u, _ in USERS
        )
        print("   GROWS with the data" if grows else "   same count on both datasets")
    run.finish()


if __name__ == "__main__":
    main()
