"""Benchmark: recording one step (``services.record_step``), its queries and its time.

    .venv/bin/python benchmarks/write_path.py [--database-url URL] [--sample 200]

Builds a small province (``province_shape()`` with ``--members``/``--candidacies``…, defaults
below) into a fresh database, then, for a random sample of open candidacies at the stages whose
next step needs no papers (source → sympathiser, dossier → another paper, probationary → the new
members' class), records the step the way the form does, each in a transaction rolled back
afterwards so every sample starts from the same rows. It prints per step the median and p90
milliseconds, the queries (SAVEPOINT/RELEASE included) and how many times the candidacy's events
were read whole. The dry run (``services.preview_step``) is measured the same way.

Exits non-zero when a sample was refused for a reason other than the rules' findings, so a
broken write path cannot pass as fast.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

import common

SHAPE = {"members": 5_000, "candidacies": 1_500, "grassroots": 50, "cells": 250}
HISTORY = 'SELECT "pipeline_event"."id", "pipeline_event"."candidacy_id", "pipeline_event"."seq"'


class Rollback(Exception):
    pass


def main() -> int:
    p = common.parser(__doc__.splitlines()[0])
    for name, value in SHAPE.items():
        p.add_argument(f"--{name}", type=int, default=value)
    p.add_argument("--sample", type=int, default=200, help="candidacies per step (default 200)")
    args = p.parse_args()
    run = common.setup(args)
    shape = common.province_shape(args)
    counts, seconds = common.build(shape, args.today)
    print(f"built in {seconds:.1f} s: {counts}")

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from ptdv.pipeline import services
    from ptdv.pipeline.models import Candidacy
    from ptdv.rules.stages import Stage, Step

    cases = {
        Step.SYMPATHISER: (Stage.SOURCE, {"number": "01-NQ/CB"}),
        Step.DOSSIER_PAPER: (Stage.DOSSIER, {"data": {"kind": "application"}}),
        Step.NEW_MEMBER_CLASS: (Stage.PROBATIONARY, {"data": {}}),
    }
    rng = random.Random(20261206)
    rows = []
    failures = []
    for step, (stage, kwargs) in cases.items():
        ids = list(Candidacy.objects.filter(stage=stage).values_list("pk", flat=True))
        sample = rng.sample(ids, min(args.sample, len(ids)))
        for label, call in (("record_step", services.record_step), ("preview_step", None)):
            if label == "preview_step" and not hasattr(services, "preview_step"):
                continue
            times, queries, reads, refused = [], [], [], 0
            for pk in sample:
                candidacy = Candidacy.objects.get(pk=pk)
                on = max(candidacy.stage_since, args.today)
                connection.queries_log.clear()  # the log keeps 9,000 queries: count from empty
                try:
                    with transaction.atomic():
                        with CaptureQueriesContext(connection) as captured:
                            t0 = time.perf_counter()
                            if call is None:
                                services.preview_step(candidacy, step, on, **kwargs)
                            else:
                                call(candidacy, step, on, **kwargs)
                            times.append((time.perf_counter() - t0) * 1000)
                        raise Rollback
                except Rollback:
                    queries.append(len(captured))
                    reads.append(sum(1 for q in captured if q["sql"].startswith(HISTORY)))
                except services.StepRefused as exc:
                    if not exc.findings:
                        failures.append((pk, step, exc.messages))
                    refused += 1
            if not times:
                continue
            rows.append(
                (
                    f"{label}({step.value})",
                    len(times),
                    refused,
                    f"{statistics.median(times):.2f}",
                    f"{statistics.quantiles(times, n=10)[-1]:.2f}" if len(times) > 9 else "—",
                    f"{min(queries)}–{max(queries)}",
                    f"{min(reads)}–{max(reads)}",
                )
            )
            run.record(f"{label}.{step.value}.median_ms", round(statistics.median(times), 3))
            run.record(f"{label}.{step.value}.queries_max", max(queries))
    common.table(
        rows,
        ("call", "samples", "refused by rules", "median ms", "p90 ms", "queries", "history reads"),
    )
    run.finish()
    if failures:
        print(f"{len(failures)} samples refused outside the rules, e.g. {failures[:3]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
