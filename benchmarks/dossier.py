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
   with a message when ``soffice`` is missing;
4. the same PDF as the background job makes it (``jobs.produce``, for the demo's committee user
   ``tinhuy``): total time and the time until its first progress is written (what the page
   shows after the first poll), its pages; the job and ``render_pdf`` must give the same number
   of pages, else the script exits non-zero;
5. with ``--templates-before DIR`` (the .docx templates of an earlier commit, e.g.
   ``git archive <commit> ptdv/dossier/templates_docx/default | tar -x -C DIR``), the PDF with
   those templates and with the current ones, interleaved run by run: time and pages of each.
"""

from __future__ import annotations

import re
import statistics
import sys
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


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF written by LibreOffice (its page objects; no PDF library needed)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def background(candidacy, user) -> tuple[float, float, bytes]:
    """One background job run in this process: (seconds, seconds to the first progress, PDF)."""
    import uuid

    from ptdv.dossier import jobs

    job_id = str(uuid.uuid4())
    first: list[float] = []
    write = jobs.write_progress

    def timed(*args, **kwargs):
        if not first:
            first.append(time.perf_counter())
        write(*args, **kwargs)

    jobs.write_progress = timed
    try:
        t0 = time.perf_counter()
        jobs.produce(job_id, candidacy.pk, user.pk)
        seconds = time.perf_counter() - t0
    finally:
        jobs.write_progress = write
    path = jobs.pdf_path(job_id)
    pdf = path.read_bytes()
    path.unlink()
    jobs.progress_path(job_id).unlink(missing_ok=True)
    return seconds, first[0] - t0, pdf


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, default=1000, help="candidacies in the batch (1000)")
    p.add_argument("--repeat-zip", type=int, default=5, help="runs of one .zip (5)")
    p.add_argument("--repeat-pdf", type=int, default=3, help="runs of one PDF (3)")
    p.add_argument(
        "--templates-before",
        help="a folder of earlier .docx templates to compare with the current ones (PDF)",
    )
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
        run.record("one_pdf_pages", pdf_pages(pdf))

        from ptdv.accounts.models import User

        user = User.objects.get(username="tinhuy")
        with common.section("the same PDF as the background job makes it (jobs.produce)"):
            runs = [background(candidacy, user) for _ in range(args.repeat_pdf)]
            job_s = statistics.median(r[0] for r in runs)
            first_ms = statistics.median(r[1] for r in runs) * 1000
            pages = {pdf_pages(r[2]) for r in runs}
            print(
                "   runs (s): "
                + ", ".join(f"{r[0]:.2f}" for r in runs)
                + f"; first progress after {first_ms:.0f} ms (median); pages {sorted(pages)}"
            )
        rows.append((f"1 dossier PDF, background job ({pdf_pages(pdf)} pages)", f"{job_s:.2f} s",
                     f"first progress {first_ms:.0f} ms"))  # fmt: skip
        run.record("job_pdf_s", [round(r[0], 2) for r in runs])
        run.record("job_first_progress_ms", round(first_ms, 1))
        if pages != {pdf_pages(pdf)}:
            print(f"DISAGREE: the job's PDF has {pages} pages, render_pdf's {pdf_pages(pdf)}")
            sys.exit(1)

        if args.templates_before:
            from django.test import override_settings

            label = {None: "current", args.templates_before: "before"}
            with common.section(f"PDF with the templates of {args.templates_before} and now"):
                seen: dict[str, list[tuple[float, int]]] = {"before": [], "current": []}
                for _ in range(args.repeat_pdf):
                    for folder in (args.templates_before, None):
                        with override_settings(PTDV_DOSSIER_TEMPLATE_DIR=folder):
                            t0 = time.perf_counter()
                            out = render_pdf(build_dossier(candidacy, today).applicable)
                            seen[label[folder]].append((time.perf_counter() - t0, pdf_pages(out)))
                for name, values in seen.items():
                    median = statistics.median(v[0] for v in values)
                    pages = sorted({v[1] for v in values})
                    print(f"   {name}: runs (s) " + ", ".join(f"{v[0]:.2f}" for v in values)
                          + f"; pages {pages}")  # fmt: skip
                    rows.append((f"1 dossier PDF, {name} templates", f"{median:.2f} s",
                                 f"{pages[0]} pages"))  # fmt: skip
                    run.record(f"templates_{name}_pdf_s", [round(v[0], 2) for v in values])
                    run.record(f"templates_{name}_pages", pages)

    print("\n== summary")
    common.table(rows, ("measure", "time", "note"))
    run.finish()


if __name__ == "__main__":
    main()
