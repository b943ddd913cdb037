"""Shared set-up of the benchmarks: a fresh database, Django, the datasets, figures.

Every benchmark script:

- takes ``--database-url`` (or the ``DATABASE_URL`` environment variable); without either it
  uses a fresh SQLite file in a temporary directory, removed at the end (``--keep`` keeps it);
- refuses a database that already has tables unless ``--reset`` is given (which drops every
  table of that database: never point it at data you want to keep);
- points ``PTDV_VAR_DIR`` at its own temporary directory, so the developer's ``./var`` (and the
  SQLite database in it) is never opened;
- runs ``migrate`` into the fresh database itself;
- runs with ``PTDV_PROFILE=development`` and ``DEBUG=false`` (no query log, as in production).

This module is imported before Django is configured: :func:`setup` does the configuring.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: The province the benchmarks are about (the brief's targets).
TARGETS = {"members": 100_000, "candidacies": 20_000, "grassroots": 1_000, "cells": 5_000}


# --- command line and database ----------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to build into (default: $DATABASE_URL, else a fresh SQLite file in a "
        "temporary directory). It must be empty, unless --reset.",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help="drop every table of a non-empty database first (DESTROYS its data)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary SQLite directory")
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="reference day of the dataset (default: today in Asia/Ho_Chi_Minh)",
    )
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return p


@dataclass
class Run:
    """One benchmark run: where it wrote, what it measured."""

    args: argparse.Namespace
    url: str
    vendor: str = ""
    tmpdir: Path | None = None
    figures: dict[str, Any] = field(default_factory=dict)

    def record(self, key: str, value: Any) -> None:
        self.figures[key] = value

    def finish(self) -> None:
        from django.db import connections

        connections.close_all()
        self.record("loadavg_at_end", [round(x, 2) for x in os.getloadavg()])
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        if self.args.json:
            payload = {"machine": machine(), "database": self.vendor, "figures": self.figures}
            self.args.json.write_text(
                json.dumps(payload, indent=2, ensure_ascii=False, default=str)
            )
            print(f"\nfigures written to {self.args.json}")
        if self.tmpdir is not None and self.args.keep:
            print(f"kept {self.tmpdir}")


def setup(args: argparse.Namespace, *, existing: bool = False) -> Run:
    """Configure Django on a fresh database and migrate it; with ``existing``, on the database
    as it is (built before, by ``build_large.py``): nothing dropped, nothing migrated."""
    tmpdir = Path(tempfile.mkdtemp(prefix="ptdv-bench-"))
    if not args.keep:  # also on errors and refusals
        atexit.register(shutil.rmtree, tmpdir, ignore_errors=True)
    url = args.database_url
    own_tmp_db = not url
    if own_tmp_db:
        url = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["PTDV_VAR_DIR"] = str(tmpdir)
    os.environ["PTDV_PROFILE"] = "development"
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ptdv.settings"
    os.environ["STATIC_ROOT"] = str(tmpdir / "static")
    os.environ["MEDIA_ROOT"] = str(tmpdir / "media")
    (tmpdir / "static").mkdir()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    run = Run(args=args, url=_masked(url), vendor=connection.vendor, tmpdir=tmpdir)
    tables = connection.introspection.table_names()
    if existing:
        _check_existing(run, tables)
    elif tables:
        if not args.reset:
            sys.exit(
                f"{run.url} already has {len(tables)} tables: the benchmarks need an empty "
                "database (pass --reset to drop them, which DESTROYS their data)."
            )
        _drop_everything(connection)
    if not existing:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        run.record("migrate_s", round(time.perf_counter() - t0, 2))
    if args.today is None:
        from django.utils import timezone

        args.today = timezone.localdate()
    print(f"database: {connection.vendor} {server_version()} — {run.url}")
    print(f"reference day: {args.today}; code: {git_revision()}")
    load = os.getloadavg()
    run.record("loadavg_at_start", [round(x, 2) for x in load])
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    return run


def _check_existing(run: Run, tables: list[str]) -> None:
    """The database must hold a dataset of the code's schema (no migration left to apply)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if own_tmp_database(run):
        sys.exit("--existing needs --database-url (or DATABASE_URL): the database to measure")
    if not tables:
        sys.exit(f"{run.url} is empty: build a dataset first (benchmarks/build_large.py)")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        sys.exit(f"{run.url} lacks migrations of the code ({names}…): rebuild the dataset")


def own_tmp_database(run: Run) -> bool:
    return run.tmpdir is not None and str(run.tmpdir) in run.url


def _drop_everything(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    elif connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        sys.exit(f"--reset does not know how to empty a {connection.vendor} database")


def _masked(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}" if ":" in credentials else url
    return url


def server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0].split()[0]
    if connection.vendor == "sqlite":
        return "SQLite " + sqlite3.sqlite_version
    return connection.vendor


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django

    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "commit": git_revision(),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "server": server_version(),
    }


def git_revision() -> str:
    """The commit measured, ``+dirty`` when the working tree has uncommitted changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+dirty" if dirty else head


# --- datasets -----------------------------------------------------------------------------------


def province_shape(args: argparse.Namespace):
    from ptdv.demo.builder import province_shape as shape

    return shape(
        members=args.members,
        candidacies=args.candidacies,
        grassroots=args.grassroots,
        cells=args.cells,
    )


def add_shape_arguments(p: argparse.ArgumentParser) -> None:
    """Parameters passed to ``province_shape`` (the defaults are the brief's targets)."""
    for name, value in TARGETS.items():
        p.add_argument(
            f"--{name}",
            type=int,
            default=value,
            help=f"province_shape({name}=…), default {value:,}",
        )


def build(shape, today: date) -> tuple[dict[str, int], float]:
    """Build ``shape`` and create the demo users; returns the builder's counts and seconds."""
    from ptdv.demo.builder import Builder
    from ptdv.demo.users import create_demo_users

    t0 = time.perf_counter()
    counts = Builder(shape, today).build()
    seconds = time.perf_counter() - t0
    create_demo_users()
    return counts, seconds


def actual_counts() -> dict[str, int]:
    """What is in the database, counted with SQL (not what the builder says it wrote)."""
    from ptdv.org.models import CELL_KINDS, GRASSROOTS_KINDS, Organisation, OrgKind, Place
    from ptdv.people.models import MemberStatus, Person
    from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport

    orgs = Organisation.objects.all()
    return {
        "organisations": orgs.count(),
        "grassroots (committees + chi bộ cơ sở)": orgs.filter(kind__in=GRASSROOTS_KINDS).count(),
        "grassroots committees": orgs.filter(kind=OrgKind.GRASSROOTS_COMMITTEE).count(),
        "cells (chi bộ trực thuộc + chi bộ cơ sở)": orgs.filter(kind__in=CELL_KINDS).count(),
        "cells (chi bộ trực thuộc only)": orgs.filter(kind=OrgKind.CELL).count(),
        "partial committees": orgs.filter(kind=OrgKind.PARTIAL_COMMITTEE).count(),
        "places": Place.objects.count(),
        "people": Person.objects.count(),
        "official members": Person.objects.filter(member_status=MemberStatus.OFFICIAL).count(),
        "probationary members": Person.objects.filter(
            member_status=MemberStatus.PROBATIONARY
        ).count(),
        "candidacies": Candidacy.objects.count(),
        "open candidacies": Candidacy.objects.open().count(),
        "events": Event.objects.count(),
        "mentor assignments": MentorAssignment.objects.count(),
        "mentor reports": MentorReport.objects.count(),
    }


def settle() -> None:
    """After a bulk load into PostgreSQL: do now what autovacuum would do a little later.

    ``VACUUM (ANALYZE)`` gives the planner statistics and the visibility map of a database in
    steady state, and ``CHECKPOINT`` writes the load's dirty pages out. Without this,
    autovacuum and the checkpointer run during the measurements and, on 2 cores, slow them
    by up to 2×. Nothing is done on SQLite (Django never runs ANALYZE there).
    """
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        # Not a superuser: skip it, autovacuum's work is the larger part anyway.
        with suppress(DatabaseError):
            cursor.execute("CHECKPOINT")
    print(f"   VACUUM (ANALYZE) and CHECKPOINT: {time.perf_counter() - t0:.1f} s")


# --- figures ------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95, mean and min of ``samples`` (inclusive method: p95 of 50 samples is real)."""
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "n": len(samples),
        "min": min(samples),
        "p50": q[49],
        "p95": q[94],
        "mean": statistics.fmean(samples),
        "max": max(samples),
    }


def max_rss_mib() -> float:
    """Peak resident set of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_max_rss_mib() -> float:
    """The largest peak resident set of the child processes waited for so far."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def tree_rss_mib() -> float:
    """The resident set now of this process and its children (``/proc``: Linux)."""
    me, total = os.getpid(), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(entry.name) == me or int(fields[1]) == me:
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


class PeakSampler:
    """Samples :func:`tree_rss_mib` every ``interval`` seconds in a thread; ``peak`` in MiB."""

    def __init__(self, interval: float = 0.5):
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mib())
            self._stop.wait(interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mib())


def rss_mib() -> float:
    """The resident set of this process now (not its peak)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def hwm_mib() -> float:
    """The peak resident set of this process (``VmHWM``; reset by :func:`reset_hwm`)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_hwm() -> bool:
    """Reset ``VmHWM`` to the current resident set (Linux: "5" to ``/proc/self/clear_refs``).

    ``ru_maxrss`` cannot be reset and survives ``execve`` (getrusage(2)): a child started by a
    process that built the dataset starts with the builder's peak, so the peak of the workbook
    alone is read from ``VmHWM``."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


@contextmanager
def section(title: str):
    print(f"\n== {title}")
    t0 = time.perf_counter()
    yield
    print(f"   ({time.perf_counter() - t0:.1f} s)")


def table(rows: list[tuple], headers: tuple[str, ...]) -> None:
    cells = [tuple(str(c) for c in r) for r in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for k, r in enumerate(cells):
        padded = (
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        print("   " + "  ".join(padded))
        if k == 0:
            print("   " + "  ".join("-" * w for w in widths))


# --- a server in its own process (login_burst.py, server_load.py) -------------------------------


def free_port() -> int:
    """A free TCP port on the loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """An opener that hands redirects back to the caller instead of following them."""

    def redirect_request(self, *args, **kwargs):
        return None


def launch_server(
    name: str, command: list[str], log: Path, ready_url: str, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start ``command`` (a server writing to ``log``) and wait until ``ready_url`` answers 200:
    at most 60 s, else the run stops with the end of the log."""
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the {name} server stopped: see {log}\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(ready_url, timeout=5) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    process.wait(timeout=15)
    sys.exit(f"the {name} server did not answer within 60 s: see {log}")
