"""Benchmark: worst-case import files through the real worker, each refused or finished within
the caps, in bounded time and memory.

    .venv/bin/python benchmarks/import_limits.py                  # PostgreSQL if reachable
    .venv/bin/python benchmarks/import_limits.py --db sqlite
    .venv/bin/python benchmarks/import_limits.py --database-url postgres://…/empty_db --json f

The files (written part by part with ``zipfile``, as a hostile or broken exporter would):

- ``dimension``: a sheet that declares ``A1:G1000000`` and holds 10 rows;
- ``rows``: 1,000,000 rows (each failing: a birth date that does not exist), no dimension —
  the 720 kB file that wrote 257,000 problem rows and held the worker 14 minutes;
- ``problems``: 100,000 such rows (the row cap itself): the preview stops at 20,000 problems;
- ``strings``: 5,000,000 shared strings in 208 kB, declared (``uniqueCount``) — openpyxl took the
  worker to 530 MB;
- ``strings-lying``: 1,500,000 shared strings declaring 1,000 (counted while inflating);
- ``bomb``: a styles part inflating to 1 GiB (1 MB compressed);
- ``csv-rows``: a .csv of 1,000,000 failing rows (37 MB; the upload form reads it through);
- ``strings-at-cap``: exactly as many distinct shared strings as the cap allows (500,000), each
  as long as the table's size cap (32 MiB) then allows, in Vietnamese: accepted; the memory
  openpyxl takes at the caps, the preview finishing;
- ``normal``: a valid candidacies file (``--normal-rows``, 5,000 rows, as ``imports.py`` writes
  it): previewed, then committed — nothing regressed;
- ``killed``: the commit of that file with its worker killed (SIGKILL) once it has written a
  chunk; a worker started afterwards sweeps it: the run failed, its task record failed, nothing
  written; the file then uploaded again and committed.

Each file is uploaded as the page does (its run created, the upload form's cheap check timed,
the task queued) and run by a fresh worker process, ``ptdv worker --batch`` (``cli.worker``: the
startup sweep, then django-tasks' database worker), started by this script (``--child worker``).
Figures: the worker process's wall time and its peak resident set (``VmHWM`` of
``/proc/self/status``: the whole process, interpreter and Django included), the task's own time
(from its record), the run's outcome and message. The script exits non-zero if a file is not
refused (or finished) as expected, if a worker's peak exceeds 300 MB or its time 60 s, or if
the database holds other rows than expected.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import common
import imports as base

GOAL_MB = 300
GOAL_MIB = GOAL_MB * 1000**2 / 2**20
GOAL_S = 60.0
PG_DATABASE = "ptdv_bench_import_limits"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = {
    "/xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "/xl/sharedStrings.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
    "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
}  # fmt: skip
HEADERS = ("Họ và tên", "Ngày sinh", "Giới tính", "Giáo dục phổ thông", "Khu vực", "Chi bộ")
BAD_ROW = ("Nguyễn Văn Sai", "30/02/1990", "Nam", "12/12", "Nghỉ hưu", "Chi bộ thôn 01")


# --- the files ----------------------------------------------------------------------------------


def _letter(index: int) -> str:
    return chr(65 + index)


def write_xlsx(
    path: Path,
    rows,
    *,
    dimension: str | None = None,
    strings=None,
    declared: int | None = None,
    styles: tuple[int, int] | None = None,
) -> None:
    """A workbook written part by part. ``rows``: lists of shared string indexes (``int``) or
    inline texts (``str``); ``strings``: the shared strings' texts; ``styles``: a styles part of
    ``(size, piece)`` bytes of spaces, written in pieces (it inflates, it is never held)."""
    parts = ["/xl/workbook.xml", "/xl/worksheets/sheet1.xml"]
    relationships = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if strings is not None:
        parts.append("/xl/sharedStrings.xml")
        relationships.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        parts.append("/xl/styles.xml")
        relationships.append(("rId3", "styles", "styles.xml"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{TYPES[p]}"/>' for p in parts)
            + "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{OFFICE}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<workbook {MAIN} {RELS}><sheets><sheet name="Dữ liệu" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}">'
            + "".join(
                f'<Relationship Id="{i}" Type="{OFFICE}/{kind}" Target="{target}"/>'
                for i, kind, target in relationships
            )
            + "</Relationships>",
        )
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            size = f'<dimension ref="{dimension}"/>' if dimension else ""
            part.write(f"<worksheet {MAIN}>{size}<sheetData>".encode())
            batch = []
            for number, values in enumerate(rows, start=1):
                cells = "".join(
                    f'<c r="{_letter(i)}{number}" t="s"><v>{v}</v></c>'
                    if isinstance(v, int)
                    else f'<c r="{_letter(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values)
                )
                batch.append(f'<row r="{number}">{cells}</row>')
                if len(batch) == 10_000:
                    part.write("".join(batch).encode())
                    batch = []
            part.write("".join(batch).encode())
            part.write(b"</sheetData></worksheet>")
        if strings is not None:
            with package.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                count = f' count="{declared}" uniqueCount="{declared}"' if declared else ""
                part.write(f"<sst {MAIN}{count}>".encode())
                batch = []
                for text in strings:
                    batch.append(f"<si><t>{text}</t></si>")
                    if len(batch) == 100_000:
                        part.write("".join(batch).encode())
                        batch = []
                part.write("".join(batch).encode())
                part.write(b"</sst>")
        if styles is not None:
            total, piece = styles
            with package.open("xl/styles.xml", "w", force_zip64=True) as part:
                part.write(f"<styleSheet {MAIN}>".encode())
                blank = b" " * piece
                for _ in range(total // piece):
                    part.write(blank)
                part.write(b"</styleSheet>")


def bad_rows(count: int):
    """The header and ``count`` failing rows, as shared string indexes (Excel's way)."""
    yield list(range(len(HEADERS)))
    row = list(range(len(HEADERS), 2 * len(HEADERS)))
    for _ in range(count):
        yield row


def distinct_strings(count: int, size: int, seed: int = 2026):
    """``count`` distinct Vietnamese texts, ``<si><t>…</t></si>`` of ``size`` bytes or less."""
    rng = random.Random(seed)
    words = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Văn", "Thị", "Hữu", "Đức", "Ngọc",
             "Hòa", "Bình", "Minh", "Hương", "Tuấn", "Quỳnh", "Thôn", "xã", "huyện", "tỉnh")  # fmt: skip
    room = size - len("<si><t></t></si>")
    for n in range(count):
        text = f"{n:07d}"
        while True:
            word = rng.choice(words)
            if len(f"{text} {word}".encode()) > room:
                break
            text = f"{text} {word}"
        yield text


def build_files(folder: Path, args, cells) -> dict[str, dict]:
    """Every file, with what it must come to."""
    from ptdv.imports import limits
    from ptdv.imports.columns import CANDIDACY_COLUMNS

    caps = limits.current()
    texts = [*HEADERS, *BAD_ROW]
    files: dict[str, dict] = {}

    def add(name, label, kind, expect, message, make, suffix=".xlsx"):
        path = folder / f"{name}{suffix}"
        t0 = time.perf_counter()
        make(path)
        files[name] = {
            "label": label,
            "path": path,
            "kind": kind,
            "expect": expect,
            "message": message,
            "bytes": path.stat().st_size,
            "inflated": (
                sum(i.file_size for i in zipfile.ZipFile(path).infolist())
                if suffix == ".xlsx"
                else path.stat().st_size
            ),
            "write_s": round(time.perf_counter() - t0, 1),
        }
        f = files[name]
        print(f"   {name}: {f['bytes'] / 1024:,.0f} kB, {f['inflated'] / 2**20:,.1f} MiB "
              f"inflated ({f['write_s']} s)")  # fmt: skip

    add("dimension", "dimension A1:G1000000, 10 rows", "nguoi", "failed",
        limits.declared_rows(1_000_000, caps.rows),
        lambda p: write_xlsx(p, bad_rows(9), strings=texts, declared=len(texts),
                             dimension="A1:G1000000"))  # fmt: skip
    add("rows", "1,000,000 failing rows, no dimension", "nguoi", "failed",
        limits.too_many_rows(caps.rows),
        lambda p: write_xlsx(p, bad_rows(1_000_000), strings=texts, declared=len(texts)))  # fmt: skip
    add("problems", f"{caps.rows:,} failing rows (the row cap)", "nguoi", "failed",
        limits.too_many_problems(caps.problems, caps.problems + 2),
        lambda p: write_xlsx(p, bad_rows(caps.rows), strings=texts, declared=len(texts)))  # fmt: skip
    add("strings", "5,000,000 shared strings, declared", "nguoi", "failed",
        limits.too_many_shared_strings(caps.shared_strings, 5_000_000),
        lambda p: write_xlsx(p, bad_rows(2), strings=("a" for _ in range(5_000_000)),
                             declared=5_000_000))  # fmt: skip
    add("strings-lying", "1,500,000 shared strings declaring 1,000", "nguoi", "failed",
        limits.too_many_shared_strings(caps.shared_strings),
        lambda p: write_xlsx(p, bad_rows(2), strings=(["a"] * 1_500_000), declared=1_000))  # fmt: skip
    add("bomb", "a styles part inflating to 1 GiB", "nguoi", "failed",
        limits.inflated_too_large(caps.xlsx_bytes),
        lambda p: write_xlsx(p, bad_rows(2), strings=texts, declared=len(texts),
                             styles=(2**30, 2**20)))  # fmt: skip

    def csv_rows(path):
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(",".join(HEADERS) + "\r\n")
            line = ",".join(("Sai", *BAD_ROW[1:5], "01")) + "\r\n"  # 37 bytes
            for _ in range(1_000_000 // 10_000):
                f.write(line * 10_000)

    add("csv-rows", "a .csv of 1,000,000 failing rows", "nguoi", "failed",
        limits.too_many_rows(caps.rows), csv_rows, suffix=".csv")  # fmt: skip
    at_cap = caps.shared_strings

    # As many strings as the cap allows, each as long as the table's size cap then allows.
    each = (caps.xlsx_strings_bytes - 1024) // at_cap

    def strings_at_cap(path):
        rows = [list(range(len(HEADERS))), *([list(range(len(HEADERS), 2 * len(HEADERS)))] * 3)]
        more = distinct_strings(at_cap - len(texts), each)
        write_xlsx(path, rows, strings=[*texts, *more], declared=at_cap)

    add("strings-at-cap", f"{at_cap:,} distinct shared strings of ≤ {each} bytes (the caps)",
        "nguoi", "previewed", "", strings_at_cap)  # fmt: skip

    def normal(path):
        people = base.People(args.seed)
        rows = base.candidacy_rows(people, args.normal_rows, cells, args.today)
        base.write_file(path, "ho-so", rows, CANDIDACY_COLUMNS, True)

    add("normal", f"{args.normal_rows:,} valid candidacies", "ho-so", "previewed", "", normal)
    return files


# --- the worker child ---------------------------------------------------------------------------


def child_worker(args) -> None:
    """``ptdv worker --batch`` in this process (the environment is the parent's); prints its
    wall time and peak resident set."""
    t0 = time.perf_counter()
    import django

    django.setup()
    from django.conf import settings

    if args.stale is not None:
        settings.PTDV_IMPORT_STALE_SECONDS = args.stale
    from ptdv import cli

    cli.worker(["--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0"])
    print("RESULT " + json.dumps({"seconds": round(time.perf_counter() - t0, 2),
                                  "peak_mib": round(common.hwm_mib(), 1)}))  # fmt: skip


def run_worker(args, kill_when=None, stale: int | None = None) -> dict:
    """A fresh worker process until it has run every queued task; ``kill_when()`` true: SIGKILL."""
    from django.db import connections

    connections.close_all()
    cmd = [sys.executable, __file__, "--child", "worker"]
    if stale is not None:
        cmd += ["--stale", str(stale)]
    t0 = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    peak = 0.0
    while process.poll() is None:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:  # it has just ended
            pass
        if kill_when is not None and kill_when():
            os.kill(process.pid, signal.SIGKILL)
            killed = True
        if time.perf_counter() - t0 > args.timeout:
            os.kill(process.pid, signal.SIGKILL)
            print(f"   !!! worker killed after {args.timeout} s")
        time.sleep(0.05)
    out, err = process.communicate()
    seconds = time.perf_counter() - t0
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    result = json.loads(line[7:]) if line else {}
    if not killed and (process.returncode or line is None):
        print(out[-2000:], err[-4000:])
    return {
        "returncode": process.returncode,
        "killed": killed,
        "seconds": round(result.get("seconds", seconds), 2),
        "peak_mib": max(result.get("peak_mib", 0.0), round(peak, 1)),
    }


# --- the parent ---------------------------------------------------------------------------------


def upload(path: Path, kind: str, organisation, user):
    """As the upload page does: the form's cheap check (timed), the run, its preview queued."""
    from ptdv.imports import limits
    from ptdv.imports.kinds import KINDS
    from ptdv.imports.reading import FileError, inspect
    from ptdv.imports.tasks import preview_import

    caps = limits.current()
    t0 = time.perf_counter()
    with path.open("rb") as f:
        try:
            if path.stat().st_size > caps.upload_bytes:
                raise FileError(limits.too_large_upload(caps.upload_bytes))
            inspect(f, path.name, KINDS[kind].columns, caps, deep=False)
            form = "passes"
        except FileError as exc:
            form = str(exc)
    form_ms = round((time.perf_counter() - t0) * 1000, 1)
    run = base.new_run(kind, organisation, user, path)
    result = preview_import.enqueue(run.pk)
    type(run).objects.filter(pk=run.pk).update(task_id=str(result.id))
    return run, form, form_ms


def outcome(run) -> dict:
    from django_tasks_db.models import DBTaskResult

    from ptdv.imports.models import ImportProblem

    run.refresh_from_db()
    task = DBTaskResult.objects.filter(pk=run.task_id).first()
    task_s = None
    if task is not None and task.started_at and task.finished_at:
        task_s = round((task.finished_at - task.started_at).total_seconds(), 2)
    return {
        "status": run.status,
        "message": run.message,
        "creates": run.creates,
        "failures": run.failures,
        "problems": ImportProblem.objects.filter(run=run).count(),
        "task_status": task.status if task else None,
        "task_s": task_s,
    }


def confirm(run) -> None:
    """As "Xác nhận nhập" does: the run to committing, its commit queued."""
    from ptdv.imports.models import ImportRun, Status
    from ptdv.imports.tasks import commit_import

    ImportRun.objects.filter(pk=run.pk, status=Status.PREVIEWED).update(
        status=Status.COMMITTING, done_rows=0
    )
    result = commit_import.enqueue(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))


def people_count() -> int:
    from ptdv.people.models import Person

    return Person.objects.count()


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.set_defaults(today=base.TODAY)
    p.add_argument(
        "--db",
        choices=("auto", "postgres", "sqlite"),
        default="auto",
        help="without --database-url: postgres (database --pg-database on 127.0.0.1:5432, "
        "created and dropped), sqlite (a temporary file), or auto (postgres if it answers)",
    )
    p.add_argument("--pg-database", default=PG_DATABASE, help=f"(default {PG_DATABASE})")
    p.add_argument("--normal-rows", type=int, default=5_000, help="rows of the normal file")
    p.add_argument("--cells", type=int, default=50, help="cells of the committee (50)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--timeout", type=float, default=600, help="kill a worker after (s)")
    p.add_argument("--only", default="", help="comma-separated file names (default: all)")
    hidden = argparse.SUPPRESS
    p.add_argument("--child", choices=("worker",), help=hidden)
    p.add_argument("--stale", type=int, default=None, help=hidden)
    args = p.parse_args()
    if args.child:
        child_worker(args)
        return

    run = base.setup(args)
    from ptdv.imports.models import ImportRun, Status

    with common.section(f"organisation tree ({args.cells} cells) and the importing user"):
        organisation, user, cells = base.build_tree(args.cells)
    with common.section("the files"):
        files = build_files(run.tmpdir, args, cells)
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    results: dict[str, dict] = {}
    run.record("results", results)
    failures: list[str] = []

    def check(name: str, figures: dict, expect: str, message: str = "") -> None:
        problems = []
        if figures["status"] != expect:
            problems.append(f"status {figures['status']}, expected {expect}")
        if message and figures["message"] != message:
            problems.append(f"message {figures['message']!r}, expected {message!r}")
        if figures["peak_mib"] > GOAL_MIB:
            problems.append(f"peak {figures['peak_mib']} MiB > {GOAL_MB} MB")
        if figures["seconds"] > GOAL_S:
            problems.append(f"{figures['seconds']} s > {GOAL_S:.0f} s")
        figures["ok"] = not problems
        if problems:
            failures.append(f"{name}: " + "; ".join(problems))
            print(f"   !!! {name}: " + "; ".join(problems))

    for name, f in files.items():
        if only and name not in only:
            continue
        with common.section(f"[{name}] {f['label']}: uploaded, previewed by a worker"):
            target, form, form_ms = upload(f["path"], f["kind"], organisation, user)
            worker = run_worker(args)
            figures = {**worker, **outcome(target), "form": form, "form_ms": form_ms,
                       "bytes": f["bytes"], "inflated": f["inflated"]}  # fmt: skip
            check(name, figures, f["expect"], f["message"])
            if name == "normal" and (figures["creates"], figures["failures"]) != (
                args.normal_rows,
                0,
            ):
                failures.append(f"normal: {figures['creates']} creates, {figures['failures']} fail")
            results[name] = figures
            print(f"   {json.dumps(figures, ensure_ascii=False)}")
        if name != "normal":
            continue
        before = people_count()
        with common.section("[normal] commit, its worker killed once it has written a chunk"):
            confirm(target)
            progress = ImportRun.objects.get(pk=target.pk).progress_path
            killed = run_worker(args, kill_when=progress.exists)
            figures = {**killed, **outcome(target)}
            figures["people_written"] = people_count() - before
            print(f"   {json.dumps(figures, ensure_ascii=False)}")
            if not killed["killed"] or figures["status"] != Status.COMMITTING:
                failures.append("killed: the worker was not killed mid-commit")
            results["killed"] = figures
        with common.section("[normal] a worker started afterwards sweeps the dead commit"):
            time.sleep(3)
            swept = run_worker(args, stale=2)
            figures = {**swept, **outcome(target)}
            figures["people_written"] = people_count() - before
            expected = Status.FAILED, "FAILED", 0
            got = figures["status"], figures["task_status"], figures["people_written"]
            print(f"   {json.dumps(figures, ensure_ascii=False)}")
            if got != expected:
                failures.append(f"sweep: {got}, expected {expected}")
            check("sweep", figures, Status.FAILED)
            results["sweep"] = figures
        with common.section("[normal] uploaded again: previewed, committed"):
            again, _, _ = upload(f["path"], f["kind"], organisation, user)
            run_worker(args)
            confirm(again)
            worker = run_worker(args)
            figures = {**worker, **outcome(again)}
            figures["people_written"] = people_count() - before
            check("commit", figures, Status.COMMITTED)
            if figures["people_written"] != args.normal_rows:
                failures.append(f"commit wrote {figures['people_written']} people")
            results["commit"] = figures
            print(f"   {json.dumps(figures, ensure_ascii=False)}")

    summary(results)
    run.record("failures", failures)
    base.finish(run)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"\nall files refused or finished as expected, each worker ≤ {GOAL_MB} MB and ≤ "
          f"{GOAL_S:.0f} s")  # fmt: skip


def summary(results: dict) -> None:
    rows = []
    for name, r in results.items():
        form = r.get("form", "")
        rows.append((
            name,
            r["status"],
            f"{r['seconds']:.1f}",
            "" if r.get("task_s") is None else f"{r['task_s']:.1f}",
            f"{r['peak_mib']:.0f}",
            f"{r.get('problems', 0):,}",
            "refused" if form and form != "passes" else form,
            "" if "form_ms" not in r else f"{r['form_ms']:.0f}",
            (r.get("message") or "")[:70],
        ))  # fmt: skip
    print("\n== summary")
    common.table(rows, ("file", "outcome", "worker s", "task s", "peak MiB", "problems",
                        "at upload", "upload ms", "message"))  # fmt: skip
    print(f"   goal: each worker ≤ {GOAL_S:.0f} s and ≤ {GOAL_MB} MB ({GOAL_MIB:.0f} MiB), "
          "peak = VmHWM of the whole worker process")  # fmt: skip


if __name__ == "__main__":
    main()
