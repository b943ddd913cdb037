"""Benchmark: the REST API's lists and details, as a ratio to a bare DRF view, at province scale.

    .venv/bin/python benchmarks/api.py [--database-url URL] [--requests 50] [--warmup 10]
                                       [--members 100000 --candidacies 20000 …]

For the province dataset (``province_shape()``, or a smaller one with the shape's options) in one
fresh database, and the demo users (``ptdv.demo.users``): for the province committee
(``tinhuy``, the root: every candidacy), a district committee (``bantochuc``) and a cell
secretary (``chibo``), each endpoint below is asked ``--warmup`` times, then ``--requests``
times **interleaved** with a bare DRF view (``/bench/api-bare/``: the same authentication,
permission and throttling, no query of its own, ``{"ok": true}``), through ``django.test.Client``
signed in with a session (the whole stack: middleware, session, DRF, serializer; no network).
Each endpoint's p50 and p95 are printed as multiples of the bare view's p50 measured beside it,
and its queries counted on one more request.

The query count of each endpoint must not exceed :data:`QUERY_BOUNDS` (fixed whatever the
data: tests/api/test_api.py checks that the counts do not grow); the script exits with status 1
when one does.
"""

from __future__ import annotations

import gc
import os
import sys
import time

import common

USERS = ["tinhuy", "bantochuc", "chibo"]

#: The most queries each endpoint may cost (session and user included), whatever the data.
QUERY_BOUNDS = {
    "bare": 5,
    "organisations": 5,
    "organisations, next page": 6,
    "people": 5,
    "candidacies": 5,
    "candidacies, filtered": 5,
    "candidacies, next page": 6,
    "candidacy": 12,
    "candidacy events": 8,
    "person": 6,
    "mentoring": 5,
    "report (activity)": 12,
}


def bare_view():
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from ptdv.api.permissions import SignedIn

    class Bare(APIView):
        permission_classes = [SignedIn]

        def get(self, request):
            return Response({"ok": True})

    return Bare.as_view()


def urlpatterns_with_bare():
    from django.urls import include, path

    return [
        path("bench/api-bare/", bare_view(), name="bench-api-bare"),
        path("", include("ptdv.urls")),
    ]


def signed_in(user):
    """A test client signed in as ``user``, past the second factor (benchmarks/pages.py)."""
    sys.path.insert(0, str(common.REPO / "benchmarks"))
    from pages import signed_in as pages_signed_in

    return pages_signed_in(user)


def endpoints(user, client) -> list[tuple[str, str]]:
    """(name, URL) for ``user``: the busiest record they see for the details."""
    from pages import chosen_record

    from ptdv.rules.stages import Stage

    first = client.get("/api/to-chuc/?limit=50").json()
    listed = client.get("/api/ho-so/?limit=50").json()
    found = [
        ("organisations", "/api/to-chuc/?limit=50"),
        ("people", "/api/nguoi/?limit=50"),
        ("candidacies", "/api/ho-so/?limit=50"),
        ("candidacies, filtered", f"/api/ho-so/?stage={Stage.DOSSIER.value}&sex=F&limit=50"),
        ("mentoring", "/api/giup-do/?limit=50"),
        ("report (activity)", "/api/bao-cao/hoat-dong/"),
    ]
    if first["next"]:
        found.append(("organisations, next page", first["next"]))
    if listed["next"]:
        found.append(("candidacies, next page", listed["next"]))
    record = chosen_record(user)
    if record is not None:
        candidacy, person, _folded, _open = record
        found += [
            ("candidacy", f"/api/ho-so/{candidacy}/"),
            ("candidacy events", f"/api/ho-so/{candidacy}/su-kien/"),
            ("person", f"/api/nguoi/{person}/"),
        ]
    return found


def timed(client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:200])
    return elapsed


def queries_of(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def measure(client, url: str, warmup: int, requests: int) -> tuple[dict, dict]:
    """The endpoint and the bare view, one request of each in turn."""
    bare_url = "/bench/api-bare/"
    for _ in range(warmup):
        timed(client, url)
        timed(client, bare_url)
    own, bare = [], []
    for _ in range(requests):
        own.append(timed(client, url))
        bare.append(timed(client, bare_url))
    return common.percentiles(own), common.percentiles(bare)


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=50, help="timed requests per endpoint (50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    args = p.parse_args()
    # The throttle still runs (for the bare view as for the endpoints) but never refuses.
    os.environ.setdefault("PTDV_API_RATE_READ", "1000000/min")
    run = common.setup(args)

    from django.test.utils import override_settings

    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy

    with common.section("build"):
        counts, seconds = common.build(common.province_shape(args), args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        gc.collect()
        common.settle()
    run.record("build", {"seconds": round(seconds, 1), "counts": counts})

    module = sys.modules[__name__]
    module.urlpatterns = urlpatterns_with_bare()  # type: ignore[attr-defined]
    over: list[str] = []
    rows = []
    results: dict[str, dict] = {}
    with (
        override_settings(ROOT_URLCONF=__name__),
        common.section(f"endpoints ({args.warmup} warm-up, {args.requests} timed, interleaved)"),
    ):
        for username in USERS:
            user = User.objects.select_related("organisation").get(username=username)
            client = signed_in(user)
            seen = Candidacy.objects.visible_to(user).count()
            bare_queries = queries_of(client, "/bench/api-bare/")
            if bare_queries > QUERY_BOUNDS["bare"]:
                over.append(f"{username} bare: {bare_queries} > {QUERY_BOUNDS['bare']}")
            for name, url in endpoints(user, client):
                own, bare = measure(client, url, args.warmup, args.requests)
                queries = queries_of(client, url)
                bound = QUERY_BOUNDS[name]
                if queries > bound:
                    over.append(f"{username} {name}: {queries} queries > {bound}")
                results[f"{username} {name}"] = {
                    "url": url, "own": own, "bare": bare, "queries": queries,
                    "bare_queries": bare_queries,
                }  # fmt: skip
                rows.append((
                    f"{username} ({seen:,})", name, f"{own['p50']:.2f}", f"{own['p95']:.2f}",
                    f"{bare['p50']:.2f}", f"{own['p50'] / bare['p50']:.1f}×",
                    f"{own['p95'] / bare['p50']:.1f}×", f"{queries} / {bound}",
                ))  # fmt: skip
        common.table(
            rows,
            ("user (candidacies)", "endpoint", "p50 ms", "p95 ms", "bare p50 ms", "p50/bare",
             "p95/bare", "queries / bound"),
        )  # fmt: skip
    run.record("endpoints", results)
    run.finish()
    if over:
        print("\nquery counts over their bound:")
        for line in over:
            print(f"   {line}")
        sys.exit(1)
    print("\nevery query count within its bound")


if __name__ == "__main__":
    main()
