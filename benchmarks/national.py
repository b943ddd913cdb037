"""The dashboard's figures at the national root: from the stage tallies, against the raw scan.

    .venv/bin/python benchmarks/national.py --database-url URL [--rounds 30] [--warmup 3]

On a database built by ``benchmarks/build_large.py`` (the nation, or a merged province), used
as it is, the counts of candidacies per stage that the dashboard shows:

- of the whole tree, for an account at the root (``tallies.stage_counts(user)``: one row per
  stage of the root), against ``Candidacy.objects.visible_to(user).stage_counts()`` (``GROUP BY
  stage`` over every candidacy of the subtree);
- of one province, the first under the root (``tallies.stage_counts_at(province)``), against
  the same ``GROUP BY stage`` over the candidacies under the province's path.

The two ways are timed in turns in one run (``--rounds`` rounds after ``--warmup`` untimed ones,
the order swapped every round); each answer of the tallies is compared with the scan's, and the
script exits 1 if they ever disagree. Printed: p50 and p95 of each way, the speed-up of the
tallies (scan p50 / tallies p50; the goal is at least 10×), the candidacies counted and the
load average.
"""

from __future__ import annotations

import sys
import time

import common

GOAL = 10


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=30, help="timed rounds (30)")
    p.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    args = p.parse_args()
    run = common.setup(args, existing=True)

    from ptdv.demo.levels import ensure_level_users
    from ptdv.org.models import OrgKind
    from ptdv.pipeline import tallies
    from ptdv.pipeline.models import Candidacy

    users = ensure_level_users()
    if not users:
        sys.exit("the database holds no organisation: build a dataset first")
    user, root = users[0]
    province = next((o for _u, o in users if o.kind == OrgKind.PROVINCE), root)
    print(f"root: {root.name} ({root.kind}); province: {province.name}")
    in_province = Candidacy.objects.filter(cell__path__startswith=province.path)
    cases = [
        (
            "nation (account at the root)",
            lambda: tallies.stage_counts(user),
            lambda: Candidacy.objects.visible_to(user).stage_counts(),
        ),
        (
            f"one province ({province.name})",
            lambda: tallies.stage_counts_at(province),
            lambda: in_province.stage_counts(),
        ),
    ]
    samples: dict[tuple[str, str], list[float]] = {}
    totals: dict[str, int] = {}
    disagreements: list[str] = []
    with common.section(f"{args.warmup} warm-up and {args.rounds} timed rounds, interleaved"):
        for r in range(args.warmup + args.rounds):
            for name, from_tallies, from_rows in cases:
                ways = [("tallies", from_tallies), ("scan", from_rows)]
                if r % 2:
                    ways.reverse()
                answers = {}
                for way, fn in ways:
                    t0 = time.perf_counter()
                    answers[way] = fn()
                    ms = (time.perf_counter() - t0) * 1000
                    if r >= args.warmup:
                        samples.setdefault((name, way), []).append(ms)
                if answers["tallies"] != answers["scan"]:
                    disagreements.append(f"round {r}, {name}: {answers}")
                totals[name] = sum(answers["scan"].values())
    rows, figures = [], {}
    for name, _t, _s in cases:
        tally = common.percentiles(samples[(name, "tallies")])
        scan = common.percentiles(samples[(name, "scan")])
        speedup = scan["p50"] / tally["p50"]
        figures[name] = {"candidacies": totals[name], "tallies_ms": tally, "scan_ms": scan,
                         "speedup_p50": round(speedup, 1)}  # fmt: skip
        rows.append((name, f"{totals[name]:,}", f"{tally['p50']:.2f}", f"{tally['p95']:.2f}",
                     f"{scan['p50']:.1f}", f"{scan['p95']:.1f}", f"{speedup:,.0f}×"))  # fmt: skip
    common.table(rows, ("counts per stage of", "candidacies", "tallies p50 ms", "p95",
                        "scan p50 ms", "p95", "speed-up"))  # fmt: skip
    slow = [name for name, f in figures.items() if f["speedup_p50"] < GOAL]
    print(f"   goal: the tallies at least {GOAL}× faster than the scan: "
          f"{'met' if not slow else 'NOT met for ' + ', '.join(slow)}")  # fmt: skip
    for line in disagreements[:10]:
        print(f"   !!! DISAGREE: {line}")
    print(f"   the tallies and the scan agree: {'no' if disagreements else 'yes'}, "
          f"{args.warmup + args.rounds} rounds")  # fmt: skip
    run.record("rounds", args.rounds)
    run.record("cases", figures)
    run.record("disagreements", len(disagreements))
    run.finish()
    if disagreements:
        sys.exit(1)


if __name__ == "__main__":
    main()
