"""Benchmark: the retention policy on the province dataset; every report the same before and after.

    .venv/bin/python benchmarks/retention.py [--database-url URL] [--batch-size 200]
                                             [--after-years 6] [--year 2025]

In one fresh database:

- builds ``province_shape()`` (100,000 members, 20,000 candidacies, 1,000 grassroots
  organisations, 5,000 cells) plus five years of history (``history.py``: about 4,500
  admissions a year, withdrawals and removals from the list, members not recognised, moved away or
  deceased during probation, transfers, voided ceremonies, quarterly mentors' reports), and
  rebuilds the members' spells;
- writes free text where the application would (a note on every fourth source step, the exits'
  reasons), so that the erasing has work to do;
- computes every report (``figures.build`` for the seven kinds) for the province, the district and
  the grassroots organisation with the most candidacies closed without admission, over the last
  full calendar year and over the whole history (snapshots on their last days), and the size of
  every list behind the grassroots organisation's figures over the whole history;
- ``ptdv retention --dry-run`` (``apply(dry_run=True)``) and then ``--apply`` as of the reference
  day plus ``--after-years`` (6: every closure of the history is then past its five years), each
  timed, the apply with the peak resident set of the process during it (``VmHWM``, reset first)
  and the peak of Python allocations of the dry run (tracemalloc);
- applies it again (nothing left to do: the idempotent second run), timed;
- computes every report and list again: **any difference of figures is printed and the script
  exits with status 1**; so does a record due that was not anonymised or a record anonymised
  that was not due. A report whose rows are the same but two rows that tie on its sort key
  (say, two mentors of the same name with as many missing reports) come in another order is
  printed as such and is not a failure: the figures are the same.

Without ``--database-url`` the database is a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections import Counter
from datetime import date

import common
import history


def snapshot(report) -> tuple:
    """Everything a report shows, as plain values (tables, charts, notes)."""
    return (
        [
            (
                str(t.title),
                [
                    (str(r.label), [(c.value, c.drill) for c in r.cells], r.organisation_id)
                    for r in t.rows
                ],
            )
            for t in report.tables
        ],
        [
            (str(c.title), [str(x) for x in c.labels], [list(s.values) for s in c.series])
            for c in report.charts
        ],
        [str(n) for n in report.notes],
    )


def scopes(policy_day: date):
    """The province, and the district and grassroots organisation with the most records due."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from ptdv.org.models import GRASSROOTS_KINDS, Organisation
    from ptdv.retention import policy

    due = [d.person_id for d in policy.due(policy_day)]
    root = Organisation.objects.get(depth=1)
    from ptdv.people.models import Person

    def busiest(depth: int, kinds=None) -> Organisation:
        rows = (
            Person.objects.filter(pk__in=due)
            .annotate(unit=Substr("cell__path", 1, depth * Organisation.steplen))
            .values("unit")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        for row in rows:
            org = Organisation.objects.get(path=row["unit"])
            if kinds is None or org.kind in kinds:
                return org
        return root

    return [root, busiest(2), busiest(3, GRASSROOTS_KINDS)]


def periods(args) -> list[tuple[date, date]]:
    first = history.year_windows(args.today, args.years)[-1][0]
    return [(date(args.year, 1, 1), date(args.year, 12, 31)), (first, args.today)]


def all_reports(orgs, args) -> dict:
    from django.utils import translation

    from ptdv.reports.figures import REPORTS, SNAPSHOTS, build

    out = {}
    with translation.override("vi"):
        for org in orgs:
            for kind in REPORTS:
                for start, end in periods(args):
                    kwargs = (
                        {"on": end, "start": start}
                        if kind in SNAPSHOTS
                        else {"start": start, "end": end}
                    )
                    report = build(kind, org, today=args.today, **kwargs)
                    out[(org.name, kind, str(start), str(end))] = snapshot(report)
    return out


def list_sizes(org, args) -> dict:
    """The number of rows of the list behind every figure of ``org``'s reports."""
    from django.utils import translation

    from ptdv.reports.figures import REPORTS, SNAPSHOTS, build, drill

    start, end = periods(args)[-1]
    out = {}
    with translation.override("vi"):
        for kind in REPORTS:
            kwargs = (
                {"on": end, "start": start} if kind in SNAPSHOTS else {"start": start, "end": end}
            )
            report = build(kind, org, today=args.today, **kwargs)
            codes = {c.drill for t in report.tables for r in t.rows for c in r.cells if c.drill}
            for code in sorted(codes):
                try:
                    found = drill(kind, org, code, today=args.today, **kwargs)
                except KeyError:
                    continue
                out[(kind, code)] = found.queryset.count()
    return out


def add_free_text() -> dict:
    """Notes on source steps and reasons on exits, as the application writes them."""
    from django.db.models import QuerySet

    from ptdv.pipeline.models import Event

    sources = list(
        Event.objects.filter(step="source").order_by("pk").values_list("pk", flat=True)[::4]
    )
    for first in range(0, len(sources), 5000):
        QuerySet.update(
            Event.objects.filter(pk__in=sources[first : first + 5000]),
            data={"note": "Con của đảng viên, gia đình ở thôn Đông"},
        )
    exits = QuerySet.update(
        Event.objects.filter(step__in=["withdrawn", "removed_from_list"]),
        reason="Hoàn cảnh gia đình",
    )
    return {"source_notes": len(sources), "exit_reasons": exits}


def canonical(snap: tuple) -> tuple:
    """A report's snapshot with each table's rows and each chart's points sorted: the same
    figures whatever the order of rows that tie on the report's sort key."""
    tables, charts, notes = snap
    return (
        [(title, sorted(rows, key=repr)) for title, rows in tables],
        [
            (title, sorted(zip(labels, *series, strict=True), key=repr))
            for title, labels, series in charts
        ],
        notes,
    )


def first_difference(before: tuple, after: tuple) -> str:
    """The first table row or chart that differs, for the message."""
    for (title, rows_b), (_t, rows_a) in zip(before[0], after[0], strict=False):
        for i, (b, a) in enumerate(zip(rows_b, rows_a, strict=False)):
            if b != a:
                return f"table {title!r}, row {i + 1}: {b} → {a}"
        if len(rows_b) != len(rows_a):
            return f"table {title!r}: {len(rows_b)} rows → {len(rows_a)}"
    return "charts or notes"


def compare(label: str, before: dict, after: dict) -> tuple[int, int]:
    """Differences of figures (failures) and of the order of tied rows only (reported)."""
    keys = [key for key in before if before[key] != after.get(key)]
    keys += [key for key in after if key not in before]
    figures, order = [], []
    for key in keys:
        b, a = before.get(key), after.get(key)
        same = isinstance(b, tuple) and isinstance(a, tuple) and canonical(b) == canonical(a)
        (order if same else figures).append(key)
    for key in figures[:20]:
        b, a = before.get(key), after.get(key)
        detail = first_difference(b, a) if isinstance(b, tuple) and isinstance(a, tuple) else ""
        print(f"   !!! {label}: figures differ: {key} {detail or f'{b} → {a}'}")
    for key in order[:20]:
        print(f"   {label}: same figures, rows that tie in another order: {key} "
              f"(first: {first_difference(before[key], after[key])})")  # fmt: skip
    print(f"   {label}: {len(before):,} compared, {len(figures)} with other figures, "
          f"{len(order)} with the same figures in another order")  # fmt: skip
    return len(figures), len(order)


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    history.add_arguments(p)
    p.add_argument("--batch-size", type=int, default=200, help="records per transaction (200)")
    p.add_argument(
        "--after-years",
        type=int,
        default=6,
        help="apply the policy this many years after the reference day (6)",
    )
    p.add_argument("--year", type=int, help="the full year compared (default: the last one)")
    args = p.parse_args()
    run = common.setup(args)
    if args.year is None:
        args.year = args.today.year - 1
    policy_day = date(args.today.year + args.after_years, args.today.month, 1)

    with common.section("build: province + five years of history"):
        _counts, base_s, extra, extra_s = history.build(args)
        from ptdv.members.spells import rebuild

        t0 = time.perf_counter()
        spells = rebuild()
        print(f"   {spells:,} members' spells in {time.perf_counter() - t0:.1f} s")
        text = add_free_text()
        print(f"   free text: {text}")
        common.settle()
    run.record("build_s", round(base_s, 1))
    run.record("history_s", round(extra_s, 1))
    run.record("history", extra)
    with common.section("dataset"):
        actual = common.actual_counts()
        common.table([(k, f"{v:,}") for k, v in actual.items()], ("rows", "count"))
        run.record("actual_counts", actual)

    from ptdv.people.models import Person
    from ptdv.retention import policy
    from ptdv.retention.anonymise import apply

    with common.section(f"scopes and reports before (policy applied as of {policy_day})"):
        orgs = scopes(policy_day)
        for org in orgs:
            print(f"   scope: {org.name}")
        t0 = time.perf_counter()
        before = all_reports(orgs, args)
        lists_before = list_sizes(orgs[2], args)
        print(f"   {len(before)} reports and {len(lists_before)} lists in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    due = {d.person_id: d.outcome.value for d in policy.due(policy_day)}
    print(f"\n   due on {policy_day}: {len(due):,} records {dict(Counter(due.values()))}")

    with common.section("dry run (tracemalloc)"):
        tracemalloc.start()
        t0 = time.perf_counter()
        dry = apply(policy_day, dry_run=True)
        dry_s = time.perf_counter() - t0
        _current, dry_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"   {dry.total:,} due; {dry_s:.2f} s; Python allocations peak "
              f"{dry_peak / 2**20:.1f} MiB")  # fmt: skip

    with common.section(f"apply, {args.batch_size} records per transaction"):
        rss_before = common.rss_mib()
        reset = common.reset_hwm()
        t0 = time.perf_counter()
        result = apply(policy_day, batch_size=args.batch_size)
        apply_s = time.perf_counter() - t0
        peak = common.hwm_mib()
        print(f"   {result.total:,} anonymised in {apply_s:.1f} s "
              f"({result.total / apply_s:,.0f} records/s); {dict(result.by_outcome)}")  # fmt: skip
        print(f"   resident set: {rss_before:,.0f} MiB before, peak {peak:,.0f} MiB during "
              f"({peak - rss_before:+,.0f} MiB){'' if reset else ' (VmHWM not reset)'}")  # fmt: skip

    with common.section("apply again (idempotent)"):
        t0 = time.perf_counter()
        again = apply(policy_day, batch_size=args.batch_size)
        again_s = time.perf_counter() - t0
        print(f"   {again.total:,} anonymised in {again_s:.2f} s")

    failures = 0
    with common.section("reports after"):
        after = all_reports(orgs, args)
        lists_after = list_sizes(orgs[2], args)
        report_failures, reordered = compare("reports", before, after)
        list_failures, _ = compare("lists behind the figures", lists_before, lists_after)
        failures += report_failures + list_failures
        anonymised = set(
            Person.all_records.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
        )
        missing, extra_ = set(due) - anonymised, anonymised - set(due)
        print(f"   due and not anonymised: {len(missing)}; anonymised and not due: {len(extra_)}")
        failures += len(missing) + len(extra_) + again.total

    run.record("policy_day", str(policy_day))
    run.record("due", len(due))
    run.record("due_by_outcome", dict(Counter(due.values())))
    run.record("dry_run_s", round(dry_s, 2))
    run.record("dry_run_python_peak_mib", round(dry_peak / 2**20, 1))
    run.record("apply_s", round(apply_s, 1))
    run.record("apply_records_per_s", round(result.total / apply_s))
    run.record("apply_rss_before_mib", round(rss_before))
    run.record("apply_rss_peak_mib", round(peak))
    run.record("second_apply_s", round(again_s, 2))
    run.record("reports_compared", len(before))
    run.record("lists_compared", len(lists_before))
    run.record("reports_differing", report_failures)
    run.record("reports_reordered_only", reordered)
    run.record("lists_differing", list_failures)
    run.record("failures", failures)
    run.finish()
    if failures:
        print(f"\n!!! {failures} failures")
        sys.exit(1)


if __name__ == "__main__":
    main()
