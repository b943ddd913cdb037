"""Benchmark 1: build the province-scale dataset; time and peak memory.

    .venv/bin/python benchmarks/build_province.py [--database-url URL] [--tracemalloc]

Builds ``province_shape()`` (100,000 members, 20,000 candidacies, 1,000 grassroots
organisations, 5,000 cells by default) with ``Builder(shape, today).build()`` into a fresh,
migrated database, then prints:

- the build time (the ``build()`` call: tree, places, members, candidacies, events, mentors,
  reports, cached state), and the time of each phase;
- the peak resident set of the process (``ru_maxrss``), which includes the interpreter, Django
  and the database driver;
- with ``--tracemalloc``, the peak of Python allocations during the build. Tracing slows this
  allocation-heavy build about 4× and inflates ru_maxrss (the traces live in the process too),
  so the build time and ru_maxrss of record come from a run without the flag;
- the rows actually written, counted with SQL, next to the targets.
"""

from __future__ import annotations

import time
import tracemalloc

import common


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Python allocations and report their peak (the build runs ~4× slower: "
        "take the build time and ru_maxrss from a run without this flag)",
    )
    args = p.parse_args()
    run = common.setup(args)

    from ptdv.demo.builder import Builder

    shape = common.province_shape(args)
    print(
        f"province_shape(members={args.members:,}, candidacies={args.candidacies:,}, "
        f"grassroots={args.grassroots:,}, cells={args.cells:,}): {len(shape.districts)} districts"
    )
    rss_before = common.max_rss_mib()

    # Phase timings: wrap the builder's phases (no change to the builder itself).
    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0

        return wrapper

    b = Builder(shape, args.today)
    # Skip a phase the builder no longer has (it is refactored by others from time to time).
    for name in ("build_tree", "build_members", "build_candidacies", "_reports", "_cache"):
        if callable(getattr(b, name, None)):
            setattr(b, name, timed(name, getattr(b, name)))
    b.tree.save = timed("tree.save", b.tree.save)

    # Time spent in bulk_create / bulk_update per model (inside the phases above).
    from django.db.models.query import QuerySet

    bulk: dict[str, float] = {}

    def timed_bulk(method):
        original = getattr(QuerySet, method)

        def wrapper(self, *a, **kw):
            t0 = time.perf_counter()
            try:
                return original(self, *a, **kw)
            finally:
                key = f"{method} {self.model.__name__}"
                bulk[key] = bulk.get(key, 0.0) + time.perf_counter() - t0

        setattr(QuerySet, method, wrapper)

    timed_bulk("bulk_create")
    timed_bulk("bulk_update")

    with common.section("build"):
        if args.tracemalloc:
            tracemalloc.start()
        t0 = time.perf_counter()
        counts = b.build()
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        tracemalloc.stop()
    rss = common.max_rss_mib()
    label = "with tracemalloc on" if args.tracemalloc else "tracemalloc off"
    print(f"   build time: {seconds:.1f} s ({label})")
    if "build_candidacies" in phases:  # _reports and _cache run inside it
        phases["build_candidacies (events, mentors; without reports and cache)"] = (
            phases.pop("build_candidacies") - phases.get("_reports", 0) - phases.get("_cache", 0)
        )
    for name, value in phases.items():
        print(f"     {name:<62} {value:6.1f} s")
    print("   of which in bulk writes (Django's SQL building + the database):")
    for name, value in sorted(bulk.items(), key=lambda kv: -kv[1]):
        print(f"     {name:<62} {value:6.1f} s")
    if peak is not None:
        print(f"   tracemalloc peak: {peak:,.0f} MiB")
    print(f"   ru_maxrss: {rss:,.0f} MiB (before the build: {rss_before:,.0f} MiB)")
    print(f"   builder counts: {counts}")

    with common.section("rows in the database"):
        actual = common.actual_counts()
        targets = {
            "official members": args.members,
            "candidacies": args.candidacies,
            "grassroots (committees + chi bộ cơ sở)": args.grassroots,
            "cells (chi bộ trực thuộc + chi bộ cơ sở)": args.cells,
            "cells (chi bộ trực thuộc only)": args.cells,
        }
        rows = []
        for key, value in actual.items():
            target = targets.get(key)
            off = f"{(value - target) / target:+.1%}" if target else ""
            rows.append((key, f"{value:,}", f"{target:,}" if target else "", off))
        common.table(rows, ("rows", "actual", "target", "off by"))
        # People built as members: the builder's own count (the candidates promoted by their
        # events are official/probationary members too).
        print(f"   members built by build_members: {counts.get('members', 0):,}")

    run.record("shape_parameters", {k: getattr(args, k) for k in common.TARGETS})
    run.record("districts", len(shape.districts))
    run.record("build_s", round(seconds, 1))
    run.record("tracemalloc", args.tracemalloc)
    run.record("phases_s", {k: round(v, 1) for k, v in phases.items()})
    run.record("bulk_writes_s", {k: round(v, 1) for k, v in bulk.items()})
    run.record("tracemalloc_peak_mib", round(peak) if peak is not None else None)
    run.record("ru_maxrss_mib", round(rss))
    run.record("ru_maxrss_before_build_mib", round(rss_before))
    run.record("builder_counts", counts)
    run.record("actual_counts", actual)
    run.finish()


if __name__ == "__main__":
    main()
