"""Benchmark 4: server time of the daily-work pages, as a ratio to a bare authenticated view.

    .venv/bin/python benchmarks/pages.py [--database-url URL] [--requests 50] [--warmup 10]
                                         [--skip-demo] [--users tinhuy,bantochuc,chibo]

For the province dataset (``province_shape()``; ``--skip-demo`` leaves out the small demo run
first), in one fresh database:

- builds the dataset and the demo users (``ptdv.demo.users``);
- for each user — the province committee (``tinhuy``, the root: every candidacy), the district
  committee (``bantochuc``) and a cell secretary (``chibo``) — and each page of the issue: the
  to-do page, the board, the list with filters, the candidacy page, the person page and the
  search, sends ``--warmup`` requests then ``--requests`` timed ``GET``s through
  ``django.test.Client`` (the whole Django stack: middleware, session, view, template; no
  network) and counts the queries of one more request;
- measures ``/bench/bare/`` (a ``login_required`` view returning "ok", ``bench_urls.py``) in the
  same run and prints each page's p50 and p95 as a multiple of the bare view's p50.

The query count of a page must be the same on both datasets (it does not grow with the data).
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
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    figures = common.percentiles(samples)
    figures["queries"] = len(captured.captured_queries)
    figures["bytes"] = len(response.content)
    return figures


def pages_for(user) -> list[tuple[str, str]]:
    """(page, URL) for ``user``: records chosen inside the user's subtree, the busiest ones."""
    from django.db.models import Count

    from ptdv.pipeline.models import Candidacy
    from ptdv.rules.stages import Stage

    visible = Candidacy.objects.visible_to(user)
    busiest = (
        visible.filter(closed_on__isnull=True)
        .annotate(n=Count("events"))
        .order_by("-n", "pk")
        .values_list("pk", "person_id", "person__search_name")
        .first()
    )
    candidacy_pk, person_pk, folded = busiest
    family, *rest = folded.split()
    query = " ".join([family, *rest[:1]])  # "nguyen van": many matches, as typed
    return [
        ("to-do", "/"),
        ("board", "/tien-trinh/"),
        ("list, filtered", f"/danh-sach/?stage={Stage.DOSSIER.value}&sex=F&sort=name"),
        ("list, overdue", "/danh-sach/?overdue=on&sort=due"),
        ("candidacy page", f"/ho-so/{candidacy_pk}/"),
        ("person page", f"/nguoi/{person_pk}/"),
        ("search", f"/tim-kiem/?q={query.replace(' ', '+')}"),
    ]


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
        gc.collect()
        common.settle()

    results: dict[str, dict] = {}
    with common.section(f"{name}: pages ({args.warmup} warm-up, {args.requests} timed)"):
        bare_client = Client()
        bare_client.force_login(User.objects.get(username="tinhuy"))
        bare = measure(bare_client, "/bench/bare/", args.warmup, args.requests)
        results["bare"] = bare
        rows = []
        for username, _label in USERS:
            if username not in args.users:
                continue
            user = User.objects.select_related("organisation").get(username=username)
            client = Client()
            client.force_login(user)
            seen = Candidacy.objects.visible_to(user).count()
            for page, url in pages_for(user):
                r = measure(client, url, args.warmup, args.requests)
                r["url"] = url
                results[f"{username} {page}"] = r
                rows.append(
                    (
                        f"{username} ({seen:,})",
                        page,
                        f"{r['p50']:.2f}",
                        f"{r['p95']:.2f}",
                        f"{r['p50'] / bare['p50']:.1f}×",
                        f"{r['p95'] / bare['p50']:.1f}×",
                        r["queries"],
                        f"{r['bytes'] / 1024:.0f}",
                    )
                )
        # Same run, same client: the bare view again, to show the machine did not drift.
        again = measure(bare_client, "/bench/bare/", args.warmup, args.requests)
        results["bare again"] = again
        rows.append(("", "bare view", f"{bare['p50']:.2f}", f"{bare['p95']:.2f}", "1.0×", "",
                     bare["queries"], ""))  # fmt: skip
        rows.append(("", "bare view (again)", f"{again['p50']:.2f}", f"{again['p95']:.2f}",
                     f"{again['p50'] / bare['p50']:.1f}×", "", again["queries"], ""))  # fmt: skip
        common.table(
            rows,
            ("user (candidacies)", "page", "p50 ms", "p95 ms", "p50/bare", "p95/bare",
             "queries", "KiB"),
        )  # fmt: skip
    run.record(name, {"build_s": round(seconds, 1), "counts": counts, "requests": results})
    return results


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=50, help="timed requests per page (50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    p.add_argument("--skip-demo", action="store_true", help="province dataset only")
    p.add_argument("--users", default=",".join(u for u, _ in USERS), help="users to measure")
    args = p.parse_args()
    args.users = set(args.users.split(","))
    run = common.setup(args)

    from django.test.utils import override_settings

    from ptdv.demo.builder import demo_shape

    datasets = [] if args.skip_demo else [("demo", demo_shape())]
    datasets.append(("province", common.province_shape(args)))
    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
        results = {name: bench_dataset(name, shape, args, run) for name, shape in datasets}

    if len(datasets) == 2:
        print("\n== query counts per page: demo → province (must not grow with the data)")
        grows = [
            key
            for key, r in results["province"].items()
            if key in results["demo"] and r["queries"] != results["demo"][key]["queries"]
        ]
        for key in grows:
            print(f"   GROWS: {key}: {results['demo'][key]['queries']} → "
                  f"{results['province'][key]['queries']}")  # fmt: skip
        if not grows:
            print("   same count on both datasets for every page")
    run.finish()


if __name__ == "__main__":
    main()
