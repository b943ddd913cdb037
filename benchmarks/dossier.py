"""Benchmark: the dossier forms as .zip and as PDF.

    .venv/bin/python benchmarks/dossier.py [--database-url URL] [--people 1000]

Builds the demo dataset (``demo_shape()``) into a fresh database, then measures, with the
public API the download views call (``build_dossier`` then ``render_zip`` / ``render_pdf`` of
``dossier.applicable``):

1. one person's whole dossier as .zip (median of ``--repeat-zip`` runs, 5), for a candidacy at
   the most advanced stage available (card issued, else official, …);
2. the dossiers of the first ``--people`` candidacies by pk (all of them if fewer), each as its
   .zip, gathered into one stored (uncompressed) outer .zip in memory: total time, time per
   person, then the tracemalloc peak in a second, separate pass (tracemalloc slows Python down,
   so the timed pass runs without it), and the growth of ru_maxrss;
3. one person's dossier as PDF through LibreOffice (median of ``--repeat-pdf`` runs, 3); skipped
   with a message when ``soffice`` is missing.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
import zipfile
from io import BytesIO

import common

#: Most advanced first.
STAGE_PREFERENCE = (
    "card_issued",
    "official",
    "recognition_cell_resolved",
    "new_member_trained",
    "probationary",
    "admission_decided",
    "grassroots_resolved",
    "partial_appraised",
    "cell_resolved",
    "dossier",
)


def pick_candidacy(today):
    from ptdv.pipeline.models import Candidacy

    qs = Candidacy.objects.select_related("person", "cell").order_by("id")
    for stage in STAGE_PREFERENCE:
        c = qs.filter(stage=stage).first()
        if c is not None:
            return c
    return qs.first()


def one_zip(candidacy, today) -> bytes:
    from ptdv.dossier.forms import build_dossier
    from ptdv.dossier.render import render_zip

    return render_zip(build_dossier(candidacy, today).applicable)


def batch(candidacies, today) -> tuple[int, int]:
    """Every candidacy's dossier .zip into one stored outer .zip; returns (bytes, forms)."""
    from ptdv.dossier.forms import build_dossier
    from ptdv.dossier.render import render_zip

    out = BytesIO()
    forms = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for c in candidacies:
            dossier = build_dossier(c, today)
            documents = dossier.applicable
            forms += len(documents)
            archive.writestr(f"{c.pk:06d}-{dossier.base_name}.zip", render_zip(documents))
    return len(out.getvalue()), forms


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, default=1000, help="candidacies in the batch (1000)")
    p.add_argument("--repeat-zip", type=int, default=5, help="runs of one .zip (5)")
    p.add_argument("--repeat-pdf", type=int, default=3, help="runs of one PDF (3)")
    args = p.parse_args()
    run = common.setup(args)

    from ptdv.demo.builder import demo_shape
    from ptdv.dossier.forms import build_dossier
    from ptdv.dossier.render import render_pdf, soffice
    from ptdv.pipeline.models import Candidacy

    today = args.today
    with common.section("build the demo dataset"):
        counts, seconds = common.build(demo_shape(), today)
        print(f"   built in {seconds:.1f} s: {counts}")
        common.settle()

    rows = []
    candidacy = pick_candidacy(today)
    with common.section(f"one dossier as .zip (candidacy {candidacy.pk}, {candidacy.stage})"):
        forms = len(build_dossier(candidacy, today).applicable)
        one_zip(candidacy, today)  # warm-up (imports, template files in the page cache)
        timings = []
        for _ in range(args.repeat_zip):
            t0 = time.perf_counter()
            content = one_zip(candidacy, today)
            timings.append(time.perf_counter() - t0)
        zip_ms = statistics.median(timings) * 1000
        print(
            f"   {forms} forms, {len(content) / 1024:.0f} KiB; runs (ms): "
            + ", ".join(f"{t * 1000:.0f}" for t in timings)
        )
    rows.append(
        (f"1 dossier .zip ({forms} forms, median of {args.repeat_zip})", f"{zip_ms:.0f} ms", "")
    )
    run.record("one_zip", {"candidacy": candidacy.pk, "stage": candidacy.stage, "forms": forms})
    run.record("one_zip_ms", [round(t * 1000, 1) for t in timings])
    run.record("one_zip_median_ms", round(zip_ms, 1))
    run.record("one_zip_kib", round(len(content) / 1024, 1))

    candidacies = list(
        Candidacy.objects.select_related("person", "cell").order_by("id")[: args.people]
    )
    n = len(candidacies)
    with common.section(f"{n:,} dossiers as .zip (first {args.people:,} candidacies by pk)"):
        rss_before = common.max_rss_mib()
        t0 = time.perf_counter()
        size, total_forms = batch(candidacies, today)
        batch_s = time.perf_counter() - t0
        rss_growth = common.max_rss_mib() - rss_before
        print(
            f"   {batch_s:.1f} s, {batch_s / n * 1000:.0f} ms per person; {total_forms:,} forms, "
            f"{size / 1024 / 1024:.1f} MiB; ru_maxrss grew by {rss_growth:.0f} MiB"
        )
        tracemalloc.start()
        t0 = time.perf_counter()
        batch(candidacies, today)
        traced_s = time.perf_counter() - t0
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"   tracemalloc pass: {traced_s:.1f} s, peak {peak / 1024 / 1024:.1f} MiB")
    rows.append(
        (
            f"{n:,} dossiers .zip ({total_forms:,} forms, {size / 1024 / 1024:.1f} MiB)",
            f"{batch_s:.1f} s",
            f"{batch_s / n * 1000:.0f} ms/person",
        )
    )
    rows.append(
        (
            f"  memory of the {n:,}",
            f"{peak / 1024 / 1024:.0f} MiB",
            f"tracemalloc peak; ru_maxrss +{rss_growth:.0f} MiB",
        )
    )
    run.record("batch_people", n)
    run.record("batch_forms", total_forms)
    run.record("batch_mib", round(size / 1024 / 1024, 2))
    run.record("batch_s", round(batch_s, 2))
    run.record("batch_ms_per_person", round(batch_s / n * 1000, 1))
    run.record("batch_tracemalloc_peak_mib", round(peak / 1024 / 1024, 1))
    run.record("batch_ru_maxrss_growth_mib", round(rss_growth, 1))

    if soffice() is None:
        print("\n== one dossier as PDF: skipped, LibreOffice (soffice) is not installed")
        rows.append(("1 dossier PDF", "skipped", "no soffice"))
    else:
        with common.section(f"one dossier as PDF through LibreOffice ({soffice()})"):
            timings = []
            for _ in range(args.repeat_pdf):
                t0 = time.perf_counter()
                pdf = render_pdf(build_dossier(candidacy, today).applicable)
                timings.append(time.perf_counter() - t0)
            pdf_s = statistics.median(timings)
            print(
                f"   {len(pdf) / 1024:.0f} KiB; runs (s): " + ", ".join(f"{t:.2f}" for t in timings)
            )
        rows.append(
            (f"1 dossier PDF ({forms} forms, median of {args.repeat_pdf})", f"{pdf_s:.2f} s", "")
        )
        run.record("one_pdf_s", [round(t, 2) for t in timings])
        run.record("one_pdf_median_s", round(pdf_s, 2))
        run.record("one_pdf_kib", round(len(pdf) / 1024, 1))

    print("\n== summary")
    common.table(rows, ("measure", "time", "note"))
    run.finish()


if __name__ == "__main__":
    main()
