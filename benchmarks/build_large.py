"""Build a merged province or the nation into an empty PostgreSQL database; print the figures.

    .venv/bin/python benchmarks/build_large.py --shape province|nation --database-url URL
                                               [--reset] [--json FILE] [--today DAY] [--scale F]

- ``--shape province``: ``merged_province_shape()`` — 500,000 members, 100,000 candidacies,
  ~25,000 cells, ~5,000 grassroots organisations — and five years of history
  (``benchmarks/history.py``, ``--per-year`` admissions a year, 22,500 by default: the
  100,000-member province's 4,500 scaled);
- ``--shape nation``: ``nation_shape()`` — 34 provinces under one national root, 5.6 million
  members, a million candidacies in every stage, ~52,000 grassroots organisations — built one
  province after the other (``ptdv.demo.large.build_nation``), each dropped from memory once
  written.

Both are written by ``ptdv.demo.large.LargeBuilder`` (the demo builder's generators, the rows
copied with ``COPY``), end with the stage tallies rebuilt (``tallies.rebuild()``), ``VACUUM
(ANALYZE)`` and ``CHECKPOINT``, and the demo users (``ptdv.demo.users``). Printed: the time of
each phase, the rows in the database (counted with SQL), the peak resident set of the process
(``ru_maxrss``), the database's size and the load average at the start and the end (the machine
is shared: say under what load a figure was measured). ``--scale`` builds a fraction of the
shape (trial runs). The goal of the national build: at most 20 minutes and 4 GB.
"""

from __future__ import annotations

import os
import resource
import sys
import time

import common

PER_YEAR = 22_500


def scaled(value: int, scale: float) -> int:
    return max(1, round(value * scale))


def build_province(args, run, phases: dict[str, float]) -> dict:
    import history
    from django.db import transaction

    from ptdv.demo.copywriter import CopyWriter, copy_bulk_creates
    from ptdv.demo.large import build_province as build
    from ptdv.demo.large import finish
    from ptdv.demo.shapes import province_shape

    s = args.scale
    shape = province_shape(
        members=scaled(500_000, s),
        candidacies=scaled(100_000, s),
        grassroots=scaled(5_000, s),
        cells=scaled(25_000, s),
    )
    print(f"merged province: {len(shape.districts)} districts, scale {s}")
    writer = CopyWriter()
    t0 = time.perf_counter()
    builder, counts = build(shape, args.today, writer)
    phases.update({f"province: {k}": v for k, v in builder.phases.items()})
    print(f"   province built in {time.perf_counter() - t0:.1f} s; ru_maxrss "
          f"{common.max_rss_mib():,.0f} MiB")  # fmt: skip
    t0 = time.perf_counter()
    # In one transaction, its keys not checked row by row at the commit (unreferenced() checks
    # them all at the end).
    with copy_bulk_creates(writer), transaction.atomic(), writer.trusted():
        added, _seconds = history.add_history(builder, per_year=scaled(args.per_year, s))
    phases["history (five years)"] = time.perf_counter() - t0
    print(f"   history added in {phases['history (five years)']:.1f} s: {added}")
    del builder
    problems = history.check()
    for problem in problems[:20]:
        print(f"   !!! INCONSISTENT: {problem}")
    print(f"   replayed 300 history candidacies from the database: {len(problems)} differences")
    run.record("history_differences", len(problems))
    t0 = time.perf_counter()
    counts["tallies"] = finish(writer)
    phases["stage tallies rebuilt"] = time.perf_counter() - t0
    run.record("rows_copied", writer.rows)
    return counts


def build_nation(args, run, phases: dict[str, float]) -> dict:
    from ptdv.demo.copywriter import CopyWriter
    from ptdv.demo.large import build_nation as build
    from ptdv.demo.large import finish
    from ptdv.demo.shapes import PROVINCES, nation_shape

    s = args.scale
    shape = nation_shape(
        members=scaled(5_600_000, s),
        candidacies=scaled(1_000_000, s),
        grassroots=scaled(52_000, s),
        cells=scaled(280_000, s),
        provinces=args.provinces or PROVINCES,
    )
    print(f"nation: {len(shape.provinces)} provinces, scale {s}")
    writer = CopyWriter()
    started = time.perf_counter()

    def progress(i, counts) -> None:
        print(f"   province {i + 1:>2}/{len(shape.provinces)}: "
              f"{counts.get('members', 0):,} members, "
              f"{counts.get('candidacies', 0):,} candidacies; "
              f"{time.perf_counter() - started:,.0f} s; RSS {common.rss_mib():,.0f} MiB, "
              f"peak {common.max_rss_mib():,.0f} MiB, of a process building a province "
              f"{common.children_max_rss_mib():,.0f} MiB; load {os.getloadavg()[0]:.2f}",
              flush=True)  # fmt: skip

    built = build(shape, args.today, writer, progress, workers=args.workers)
    phases.update({f"provinces: {k}": v for k, v in built.items()})
    t0 = time.perf_counter()
    counts: dict = {"tallies": finish(writer)}
    phases["stage tallies rebuilt"] = time.perf_counter() - t0
    run.record("rows_copied", writer.rows)
    return counts


def database_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--shape", choices=("province", "nation"), required=True)
    p.add_argument("--scale", type=float, default=1.0, help="build this fraction of the shape")
    p.add_argument("--provinces", type=int, default=0, help="nation: provinces (34)")
    p.add_argument(
        "--workers", type=int, default=1, help="nation: processes building provinces side by side"
    )
    p.add_argument(
        "--per-year", type=int, default=PER_YEAR, help=f"province: admissions a year ({PER_YEAR:,})"
    )
    p.add_argument(
        "--no-check",
        action="store_true",
        help="skip the check that every foreign key copied names a row",
    )
    args = p.parse_args()
    run = common.setup(args)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the large datasets are built on PostgreSQL (--database-url)")

    from ptdv.demo.users import create_demo_users

    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    sampler = common.PeakSampler()
    with common.section(f"build: {args.shape}"), sampler:
        if args.shape == "province":
            counts = build_province(args, run, phases)
        else:
            counts = build_nation(args, run, phases)
        t1 = time.perf_counter()
        create_demo_users()
        phases["demo users"] = time.perf_counter() - t1
        if not args.no_check:
            from ptdv.demo.large import unreferenced

            t1 = time.perf_counter()
            orphans = unreferenced()
            phases["foreign keys checked (anti-joins)"] = time.perf_counter() - t1
            run.record("unreferenced", orphans)
            for name, n in orphans.items():
                print(f"   !!! {n:,} rows of {name} name no row")
            print(f"   foreign keys checked: {'all name a row' if not orphans else 'BROKEN'}")
        t1 = time.perf_counter()
        common.settle()
        phases["VACUUM (ANALYZE), CHECKPOINT"] = time.perf_counter() - t1
    total = time.perf_counter() - t0
    cpu = sum(
        getattr(resource.getrusage(who), kind)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for kind in ("ru_utime", "ru_stime")
    )
    rss = common.max_rss_mib()
    children = common.children_max_rss_mib()
    size = database_size()
    with common.section("figures"):
        common.table([(k, f"{v:,.1f}") for k, v in phases.items()], ("phase", "seconds"))
        print(f"   total: {total:,.1f} s ({total / 60:.1f} min); CPU time of the builder's "
              f"processes (the database's apart): {cpu:,.0f} s")  # fmt: skip
        print(
            f"   peak resident set: {sampler.peak:,.0f} MiB (this process and its children, "
            f"sampled every 0.5 s); ru_maxrss {rss:,.0f} MiB, of a child {children:,.0f} MiB"
        )
        print(f"   database size: {size / 2**30:.2f} GiB")
    with common.section("rows in the database"):
        actual = common.actual_counts()
        common.table([(k, f"{v:,}") for k, v in actual.items()], ("rows", "actual"))
    run.record("shape", args.shape)
    run.record("scale", args.scale)
    run.record("total_s", round(total, 1))
    run.record("builder_cpu_s", round(cpu, 1))
    run.record("phases_s", {k: round(v, 1) for k, v in phases.items()})
    run.record("peak_rss_mib", round(sampler.peak))
    run.record("ru_maxrss_mib", round(rss))
    run.record("children_ru_maxrss_mib", round(children))
    run.record("workers", getattr(args, "workers", 1))
    run.record("database_bytes", size)
    run.record("builder_counts", counts)
    run.record("actual_counts", actual)
    run.finish()
    if run.figures.get("unreferenced"):
        sys.exit(1)


if __name__ == "__main__":
    main()
