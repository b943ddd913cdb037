"""Benchmark: the read log's cost on the candidacy page and the list's Excel export.

    .venv/bin/python benchmarks/access_log.py [--database-url URL] [--pairs 200]
                                              [--export-pairs 20] [--prefill 1000000]

In one fresh database:

- builds the province (``province_shape()``: 20,000 candidacies, 100,000 members) and the demo
  users, and fills the read log with ``--prefill`` entries (a province's few months of reads:
  the INSERT then maintains indexes of that size, not of an empty table);
- for the province committee (``tinhuy``, the root: every candidacy), measures the busiest
  candidacy page and the list's Excel export of every open candidacy of the province, each
  request **with** the read log and **without** it (``access.record`` replaced by a no-op in the
  view's module), interleaved in pairs whose order alternates, after warm-up requests; the
  export's time includes reading the whole streamed workbook;
- counts the queries of one request of each page with and without the log: **the added queries
  must be exactly one INSERT into the read log, otherwise the script prints the difference and
  exits with status 1**; so does a logged request that did not write exactly one entry (the
  session's save, which the session timeout makes once a minute either way, is left out of the
  count);
- times ``access.record`` alone (the INSERT with its masking and address parsing), and on
  PostgreSQL the same with ``PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT`` on (the commit waiting for
  the disk).

The added time is given three ways: p50 with − p50 without, mean with − mean without, and the
median of the differences within each pair (the least sensitive to the machine's drift, since
both requests of a pair run back to back). The goal (≤ ``--goal`` %, 5) is judged on the median
of the pairs' ratios (with ÷ without − 1) and its distribution-free confidence interval
(``--confidence``, 95 %: order statistics of the binomial, no assumption on the noise's shape):

- upper bound ≤ goal: **met**;
- lower bound > goal: **not met**, the script exits with status 1;
- the interval straddles the goal: **undecided** (printed, not a failure: the noise of the machine
  is wider than the margin; run again with more ``--pairs``).
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from contextlib import nullcontext
from unittest import mock

import common

PAGES = {
    "candidacy page": "ptdv.web.views.candidacy.record",
    "list Excel export": "ptdv.web.views.board.record",
}


def median_interval(values: list[float], confidence: float) -> tuple[float, float, float]:
    """The median of ``values`` and a distribution-free ``confidence`` interval around it.

    The interval runs from the k-th smallest to the k-th largest value, k the largest rank with
    P(Binomial(n, ½) < k) ≤ (1 − confidence) / 2. With too few values for that, the whole range.
    """
    ordered = sorted(values)
    n = len(ordered)
    tail = (1 - confidence) / 2
    k, below = 0, 0.0
    while k < n // 2:
        below_next = below + math.comb(n, k) / 2**n
        if below_next > tail:
            break
        below, k = below_next, k + 1
    k = max(k, 1)
    return statistics.median(ordered), ordered[k - 1], ordered[n - k]


def signed_in(user):
    """A test client signed in as ``user`` (with the second factor passed where needed)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    try:
        from tests.base import pass_second_factor
    except ImportError:  # a tree without the multi-factor login
        return client
    pass_second_factor(client, user)
    return client


def fetch(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def timed(client, url: str, *, logged: bool, target: str) -> float:
    disabled = mock.patch(target, return_value=None) if not logged else nullcontext()
    with disabled:
        t0 = time.perf_counter()
        fetch(client, url)
        return (time.perf_counter() - t0) * 1000


def queries(client, url: str, *, logged: bool, target: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    disabled = mock.patch(target, return_value=None) if not logged else nullcontext()
    with disabled, CaptureQueriesContext(connection) as captured:
        fetch(client, url)
    return without_session_save([q["sql"] for q in captured.captured_queries])


def without_session_save(queries: list[str]) -> list[str]:
    """``queries`` without the session's save, which the session timeout makes once a minute of
    activity (``SessionTimeoutMiddleware``), with or without the read log: its UPDATE or INSERT
    and the transaction or savepoint around it (Django logs ``BEGIN`` and ``COMMIT``). Left out
    of the comparison, or a request that happened to save its session would count as queries
    added or removed."""
    opening = ("BEGIN", "SAVEPOINT")
    closing = ("COMMIT", "RELEASE SAVEPOINT", "ROLLBACK")
    drop: set[int] = set()
    for i, sql in enumerate(queries):
        if sql.startswith(("UPDATE", "INSERT")) and '"django_session"' in sql[:40]:
            drop.add(i)
            if i > 0 and queries[i - 1].startswith(opening):
                drop.add(i - 1)
            if i + 1 < len(queries) and queries[i + 1].startswith(closing):
                drop.add(i + 1)
    return [sql for i, sql in enumerate(queries) if i not in drop]


def prefill(count: int, user, candidacies: list[tuple[int, int, int]]) -> float:
    """``count`` read-log entries spread over the last months, in bulk (not through the views)."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from ptdv.privacy.models import AccessEntry, AccessKind

    now = timezone.now()
    kinds = [AccessKind.CANDIDACY, AccessKind.PERSON, AccessKind.DOSSIER_ZIP]
    t0 = time.perf_counter()
    batch = []
    for i in range(count):
        candidacy, person, cell = candidacies[i % len(candidacies)]
        kind = kinds[i % len(kinds)]
        batch.append(
            AccessEntry(
                at=now - timedelta(seconds=(count - i) * 7),
                user_id=user.pk,
                remote_addr=f"10.0.0.{i % 250 + 1}",
                kind=kind.value,
                person_id=person,
                candidacy_id=candidacy if kind != AccessKind.PERSON else None,
                count=1,
                organisation_id=cell,
            )
        )
        if len(batch) == 50_000:
            with transaction.atomic():
                AccessEntry.objects.bulk_create(batch, batch_size=5000)
            batch = []
    if batch:
        with transaction.atomic():
            AccessEntry.objects.bulk_create(batch, batch_size=5000)
    return time.perf_counter() - t0


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--pairs", type=int, default=200, help="candidacy-page pairs (200)")
    p.add_argument("--export-pairs", type=int, default=20, help="export pairs (20)")
    p.add_argument("--warmup", type=int, default=3, help="untimed requests of each kind (3)")
    p.add_argument("--prefill", type=int, default=1_000_000, help="read-log rows first")
    p.add_argument("--record-calls", type=int, default=2000, help="record() calls timed alone")
    p.add_argument("--goal", type=float, default=5.0, help="added time allowed, %% (5)")
    p.add_argument("--confidence", type=float, default=0.95, help="of the median's interval (0.95)")
    args = p.parse_args()
    run = common.setup(args)

    from django.db.models import Count
    from django.test import RequestFactory

    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy
    from ptdv.privacy import access
    from ptdv.privacy.models import AccessEntry, AccessKind

    failures: list[str] = []
    with common.section("province: build"):
        counts, seconds = common.build(common.province_shape(args), args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        run.record("build_s", round(seconds, 1))

    user = User.objects.select_related("organisation").get(username="tinhuy")
    visible = Candidacy.objects.visible_to(user)
    with common.section(f"read log: {args.prefill:,} entries first"):
        sample = list(visible.values_list("pk", "person_id", "cell_id")[:5000])
        seconds = prefill(args.prefill, user, sample)
        print(f"   written in {seconds:.1f} s")
        run.record("prefill", {"rows": args.prefill, "s": round(seconds, 1)})
    gc.collect()
    common.settle()

    busiest = (
        visible.filter(closed_on__isnull=True)
        .annotate(n=Count("events"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    urls = {"candidacy page": f"/ho-so/{busiest}/", "list Excel export": "/danh-sach/excel/"}
    pairs = {"candidacy page": args.pairs, "list Excel export": args.export_pairs}
    client = signed_in(user)
    results: dict[str, dict] = {}
    rows = []
    for page, url in urls.items():
        target = PAGES[page]
        with common.section(f"{page}: {url} ({pairs[page]} interleaved pairs)"):
            for _ in range(args.warmup):
                timed(client, url, logged=True, target=target)
                timed(client, url, logged=False, target=target)
            with_log: list[float] = []
            without: list[float] = []
            paired: list[float] = []  # with − without, within each pair
            ratios: list[float] = []  # 100 × (with ÷ without − 1), within each pair
            entries_before = AccessEntry.objects.count()
            for i in range(pairs[page]):
                order = (True, False) if i % 2 == 0 else (False, True)
                pair = {}
                for logged in order:
                    pair[logged] = timed(client, url, logged=logged, target=target)
                with_log.append(pair[True])
                without.append(pair[False])
                paired.append(pair[True] - pair[False])
                ratios.append(100 * (pair[True] / pair[False] - 1))
            written = AccessEntry.objects.count() - entries_before
            if written != pairs[page]:
                failures.append(f"{page}: {pairs[page]} logged requests wrote {written} entries")
            q_with = queries(client, url, logged=True, target=target)
            q_without = queries(client, url, logged=False, target=target)
            added = [
                q for q in q_with if q not in q_without or q_with.count(q) > q_without.count(q)
            ]
            # The entry's INSERT (on PostgreSQL behind a WITH that sets its commit not to wait).
            inserts = [
                q for q in q_with
                if q.upper().startswith(("INSERT", "WITH")) and "INSERT INTO \"privacy_accessentry\"" in q
            ]  # fmt: skip
            if len(q_with) - len(q_without) != 1 or len(inserts) != 1:
                failures.append(
                    f"{page}: {len(q_without)} queries without the read log, {len(q_with)} with it "
                    f"(added: {added}; without: {[q[:60] for q in q_without]}; "
                    f"with: {[q[:60] for q in q_with]})"
                )
            w, wo = common.percentiles(with_log), common.percentiles(without)
            added_p50 = w["p50"] - wo["p50"]
            added_mean = w["mean"] - wo["mean"]
            added_paired = statistics.median(paired)
            ratio, low, high = median_interval(ratios, args.confidence)
            verdict = "met" if high <= args.goal else "NOT met" if low > args.goal else "undecided"
            if verdict == "NOT met":
                failures.append(
                    f"{page}: added time {ratio:+.1f} % (median of {len(ratios)} pairs, "
                    f"{100 * args.confidence:.0f} % interval {low:+.1f} … {high:+.1f} %) "
                    f"over the goal of {args.goal:g} %"
                )
            results[page] = {
                "url": url,
                "with": w,
                "without": wo,
                "queries_with": len(q_with),
                "queries_without": len(q_without),
                "added_p50_ms": added_p50,
                "added_mean_ms": added_mean,
                "added_p50_pct": 100 * added_p50 / wo["p50"],
                "added_mean_pct": 100 * added_mean / wo["mean"],
                "added_paired_median_ms": added_paired,
                "added_paired_median_pct": 100 * added_paired / wo["p50"],
                "ratio_median_pct": ratio,
                "ratio_interval_pct": [low, high],
                "confidence": args.confidence,
                "goal_pct": args.goal,
                "verdict": verdict,
                "entries_written": written,
            }
            rows.append((
                page, f"{wo['p50']:.1f} / {wo['p95']:.1f}", f"{w['p50']:.1f} / {w['p95']:.1f}",
                f"{added_p50:+.2f} ({100 * added_p50 / wo['p50']:+.1f} %)",
                f"{added_mean:+.2f} ({100 * added_mean / wo['mean']:+.1f} %)",
                f"{added_paired:+.2f} ({100 * added_paired / wo['p50']:+.1f} %)",
                f"{ratio:+.1f} % [{low:+.1f}, {high:+.1f}] {verdict}",
                f"{len(q_without)} → {len(q_with)}",
            ))  # fmt: skip

    with common.section(f"access.record alone ({args.record_calls} calls)"):
        candidacy = Candidacy.objects.select_related("person").get(pk=busiest)
        request = RequestFactory().get("/", {"stage": "dossier", "q": "001090123457"})
        request.user = user
        samples = []
        for _ in range(args.record_calls):
            t0 = time.perf_counter()
            access.record(request, AccessKind.CANDIDACY, candidacy=candidacy, filters=request.GET)
            samples.append((time.perf_counter() - t0) * 1000)
        alone = common.percentiles(samples)
        print(f"   p50 {alone['p50']:.3f} ms, p95 {alone['p95']:.3f} ms")
        results["record alone"] = alone
        if run.vendor == "postgresql":
            from django.test.utils import override_settings

            samples = []
            with override_settings(PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT=True):
                for _ in range(args.record_calls):
                    t0 = time.perf_counter()
                    access.record(
                        request, AccessKind.CANDIDACY, candidacy=candidacy, filters=request.GET
                    )
                    samples.append((time.perf_counter() - t0) * 1000)
            waiting = common.percentiles(samples)
            print(
                f"   committed waiting for the disk: p50 {waiting['p50']:.3f} ms, "
                f"p95 {waiting['p95']:.3f} ms"
            )
            results["record alone, synchronous commit"] = waiting
        last = AccessEntry.objects.latest("pk")
        if "001090123457" in str(last.filters) or last.filters.get("q") != "001******457":
            failures.append(f"the number was not masked in the read log: {last.filters}")

    print("\n== the read log's cost (ms; p50 / p95; added = with − without)")
    common.table(
        rows,
        (
            "page", "without", "with", "added p50", "added mean", "added, paired median",
            f"pairs' ratio: median [{100 * args.confidence:.0f} % interval], ≤ {args.goal:g} %",
            "queries",
        ),
    )  # fmt: skip
    results["entries_at_end"] = AccessEntry.objects.count()
    run.record("read_log", results)
    run.finish()
    if failures:
        print("\nFAILED:")
        for failure in failures:
            print(f"   {failure}")
        sys.exit(1)
    print("   added queries: exactly one INSERT per request, one entry per logged request")


if __name__ == "__main__":
    main()
