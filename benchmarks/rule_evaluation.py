"""Benchmark 3: rule evaluation per candidacy, pure and with its queries.

    .venv/bin/python benchmarks/rule_evaluation.py [--database-url URL] [--sample 500]

Builds the province (``province_shape()``) into a fresh database, then:

1. prepares the facts of every candidacy in bulk (one query per table, then ``derive`` and
   ``assemble_facts`` in memory: the same functions ``build_facts`` calls), and checks on the
   sample that they equal what ``build_facts`` returns;
2. times ``evaluate(facts, calendar, today)`` alone over all candidacies (``--passes`` passes;
   the best is reported, with the time per stage of that pass), in µs per candidacy;
3. times ``evaluate_candidacy(candidacy, today)`` (the candidacy page's call: the working
   calendar, the events, the mentors, the ancestors and the introducers/mentors are read from
   the database, then ``evaluate``) over a random sample of ``--sample`` candidacies fetched with
   ``select_related("person", "cell")`` as the page does, and counts its queries.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import defaultdict

import common


def prepare_facts(candidacies):
    """Facts of every candidacy, with one query per table (not ``build_facts``' 4–5 each)."""
    from ptdv.org.models import Organisation
    from ptdv.people.models import Person
    from ptdv.pipeline.evaluation import assemble_facts, event_facts
    from ptdv.pipeline.models import Event, MentorAssignment
    from ptdv.rules.stages import Step, derive

    events = defaultdict(list)
    for e in Event.objects.order_by("candidacy_id", "seq").iterator(chunk_size=5000):
        events[e.candidacy_id].append(event_facts(e))
    assignments = defaultdict(list)
    for a in MentorAssignment.objects.order_by("start", "id").iterator(chunk_size=5000):
        assignments[a.candidacy_id].append(a)
    by_path = {o.path: o for o in Organisation.objects.all()}
    states = {c.pk: derive(events[c.pk]) for c in candidacies}
    people_ids = {a.mentor_id for rows in assignments.values() for a in rows}
    people_ids |= {
        e.data["introducer_id"]
        for state in states.values()
        for e in state.events
        if e.step is Step.DOSSIER_PAPER and e.data.get("introducer_id")
    }
    people = Person.objects.in_bulk(people_ids)
    facts = {}
    for c in candidacies:
        ancestors = [by_path[p] for p in c.cell.ancestor_paths() if p in by_path]
        facts[c.pk] = assemble_facts(
            states[c.pk],
            person=c.person,
            attempt=c.attempt,
            ancestors=ancestors,
            assignments=assignments[c.pk],
            people=people,
        )
    return facts


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--sample", type=int, default=500, help="candidacies for evaluate_candidacy")
    p.add_argument("--passes", type=int, default=3, help="passes of evaluate over all (3)")
    args = p.parse_args()
    run = common.setup(args)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ptdv.pipeline.evaluation import build_facts, evaluate_candidacy, working_calendar
    from ptdv.pipeline.models import Candidacy
    from ptdv.rules.checks import evaluate

    today = args.today
    with common.section("build the province"):
        counts, seconds = common.build(common.province_shape(args), today)
        print(f"   built in {seconds:.1f} s: {counts}")
        common.settle()

    with common.section("prepare the facts of every candidacy (bulk)"):
        t0 = time.perf_counter()
        candidacies = list(Candidacy.objects.select_related("person", "cell").order_by("id"))
        facts = prepare_facts(candidacies)
        prepare_s = time.perf_counter() - t0
        print(f"   {len(facts):,} candidacies in {prepare_s:.1f} s")
    calendar = working_calendar()
    n = len(facts)

    with common.section(f"evaluate(facts, calendar, today) over all {n:,} candidacies"):
        stage_of = {c.pk: c.stage for c in candidacies}
        passes = []
        for k in range(args.passes):
            per_stage: dict[str, list[float]] = defaultdict(list)
            t0 = time.perf_counter()
            for pk, f in facts.items():
                t = time.perf_counter()
                evaluate(f, calendar, today)
                per_stage[stage_of[pk]].append(time.perf_counter() - t)
            total = time.perf_counter() - t0
            passes.append((total, per_stage))
            print(f"   pass {k + 1}: {total:.2f} s, {total / n * 1e6:.1f} µs per candidacy")
        best_total, per_stage = min(passes, key=lambda p: p[0])
        rows = []
        for stage, samples in sorted(per_stage.items(), key=lambda kv: -statistics.fmean(kv[1])):
            rows.append(
                (
                    stage,
                    f"{len(samples):,}",
                    f"{statistics.fmean(samples) * 1e6:.1f}",
                    f"{sum(samples):.2f}",
                )
            )
        common.table(rows, ("stage", "candidacies", "µs each", "s total"))
    evaluate_us = best_total / n * 1e6

    sample_ids = sorted(random.Random(2026).sample(sorted(facts), min(args.sample, n)))
    with common.section(f"evaluate_candidacy(candidacy, today) over {len(sample_ids)} candidacies"):
        sample = list(Candidacy.objects.select_related("person", "cell").filter(pk__in=sample_ids))
        # The bulk facts are the page's facts.
        mismatched = [c.pk for c in sample if build_facts(c) != facts[c.pk]]
        if mismatched:
            print(f"   WARNING: bulk facts differ from build_facts for {mismatched[:10]}")
        for c in sample[:10]:  # warm-up
            evaluate_candidacy(c, today)
        timings = []
        for c in sample:
            t0 = time.perf_counter()
            evaluate_candidacy(c, today)
            timings.append((time.perf_counter() - t0) * 1e6)
        pure = []
        for c in sample:
            t0 = time.perf_counter()
            evaluate(facts[c.pk], calendar, today)
            pure.append((time.perf_counter() - t0) * 1e6)
        queries = []
        for c in sample:
            with CaptureQueriesContext(connection) as captured:
                evaluate_candidacy(c, today)
            queries.append(len(captured.captured_queries))
        full = common.percentiles(timings)
        print(
            f"   evaluate_candidacy: mean {full['mean']:.0f} µs, p50 {full['p50']:.0f} µs, "
            f"p95 {full['p95']:.0f} µs per candidacy"
        )
        print(
            f"   of which evaluate alone (same sample): mean {statistics.fmean(pure):.0f} µs; "
            f"queries and assembling the facts: {full['mean'] - statistics.fmean(pure):.0f} µs"
        )
        print(
            f"   queries per call: min {min(queries)}, max {max(queries)}, "
            f"mean {statistics.fmean(queries):.2f}"
        )

    print("\n== summary")
    print(f"   evaluate alone:       {evaluate_us:8.1f} µs per candidacy ({n:,} candidacies)")
    print(f"   evaluate_candidacy:   {full['mean']:8.1f} µs per candidacy (sample {len(sample)})")
    print(f"   bulk facts:           {prepare_s / n * 1e6:8.1f} µs per candidacy")
    run.record("build_s", round(seconds, 1))
    run.record("candidacies", n)
    run.record("prepare_facts_s", round(prepare_s, 2))
    run.record("evaluate_pass_s", [round(t, 3) for t, _ in passes])
    run.record("evaluate_us", round(evaluate_us, 1))
    run.record(
        "evaluate_us_by_stage",
        {s: round(statistics.fmean(v) * 1e6, 1) for s, v in per_stage.items()},
    )
    run.record("evaluate_candidacy_us", {k: round(v, 1) for k, v in full.items()})
    run.record("evaluate_same_sample_us", round(statistics.fmean(pure), 1))
    run.record("queries_per_evaluate_candidacy", [min(queries), max(queries)])
    run.record("facts_mismatches", len(mismatched))
    run.finish()


if __name__ == "__main__":
    main()
