"""Benchmark: importing a 100,000-row .xlsx (preview and commit) against openpyxl's bare read.

    .venv/bin/python benchmarks/imports.py                  # PostgreSQL if reachable, else SQLite
    .venv/bin/python benchmarks/imports.py --db sqlite --rows 20000
    .venv/bin/python benchmarks/imports.py --kinds ho-so,nguoi --profile 10000 --json out.json

The issue's goal: preview and commit of a 100,000-row file within 3× the time of openpyxl's bare
read-only pass over the same file, and within 300 MB of memory.

What it does:

1. A fresh database: with ``--db postgres`` (the default when a server answers on
   127.0.0.1:5432) the database ``ptdv_bench_import`` (``--pg-database``) is created (user
   ``postgres``, trust authentication) and dropped at the end (``--keep`` keeps it; an existing
   one is refused unless ``--reset``, which drops it even if another run is using it); with
   ``--db sqlite`` a file in a temporary directory; or any ``--database-url`` (empty, or
   ``--reset``, as in the other scripts). ``migrate`` is run.
2. A grassroots committee ("Đảng bộ xã Hòa An", in a district of a province) with ``--cells``
   (50) cells "Chi bộ thôn 01"… (codes HA-01…), and a user of the committee (role
   ``grassroots``), who imports into the committee.
3. A workbook written with openpyxl's write-only mode: ``--rows`` (100,000) rows of the
   candidacies kind (``ho-so``) with the template's headers (``CANDIDACY_COLUMNS``, only those
   filled): distinct people (valid CCCD agreeing with sex and year of birth; name + birth date
   unique), born 1975–2004, "12/12", farmers, a cell by name (80 %) or code (20 %), and a mix of
   stages: 40 % source only, 30 % up to the awareness class (with its certificate number), 20 %
   up to the cell's resolution (number and vote) and the grassroots resolution, 10 % up to the
   ceremony (decision date and number, ceremony within 25 calendar days). Dates obey the import's
   rules on the reference day ``--today`` (2026-12-01). The sheet is then given the
   ``<dimension>`` element that Excel writes and the write-only mode omits (``--no-dimension``:
   without it; openpyxl then parses the sheet once more to find its size, and ptdv may not
   know the total for its progress bar). With ``--kinds ho-so,nguoi`` also a people file
   (``nguoi``) of other people.
4. Each phase in a fresh child process (``python benchmarks/imports.py --child …``), so that its
   memory is its own: (a) the bare pass, ``load_workbook(path, read_only=True, data_only=True)``
   and every row of the sheet with ``values_only=True`` (no Django in that process);
   (b) ``running.preview(run, today=…)``; (c) ``running.commit(run, today=…)`` of the previewed
   run; (a') the bare pass again, right after the commit (the ratios are against the mean of
   (a) and (a'): a shared machine's load drifts over the minutes of a run); (d) a second run
   with the same file, previewed (every row unchanged). Time: wall time of
   the call alone (after imports, ``django.setup()`` and the connection). Memory: the child's
   peak resident set during the call, ``VmHWM`` of ``/proc/self/status`` after resetting it to the
   resident set just before the call (``clear_refs``); so it includes the interpreter, Django
   and the driver (the whole worker) — ``ru_maxrss`` is not used, it can carry the parent's peak
   across ``fork``/``execve``. Queries are counted and timed with ``connection.execute_wrapper``
   ("SQL s": the time inside ``cursor.execute``, i.e. the database, the round trips and the
   driver, not Django building the SQL or the model instances). "ins s": the time inside
   ``imports.inserts.insert`` (the commit's people, candidacies, events and audit entries:
   ``COPY`` on PostgreSQL, which does not pass through ``cursor.execute``; ``bulk_create`` on
   SQLite). The commit writes the plan the preview kept beside the upload (``imports.stored``).
5. The counts of the preview (creates, failures), then the rows written (people, candidacies by
   stage, events, audit entries), checked against the file.
6. With ``--profile N``: a further file of N other people, previewed then committed under
   ``cProfile`` (each in a child), and the 25 functions of most cumulative time of each.

Unlike the other scripts it never runs ``git`` (the commit is not printed).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import common

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "ptdv_bench_import"
GOAL_RATIO = 3.0
GOAL_MB = 300
GOAL_MIB = GOAL_MB * 1000**2 / 2**20  # 286.1 MiB
#: What the run found wrong (a count that disagrees with the file, a run not committed): the
#: script exits 1 when there is any.
FAULTS: list[str] = []
TODAY = date(2026, 12, 1)
FARMER = "Nông dân, lao động tự do ở nông thôn"
COMMITTEE_CODE = "HA"

# --- the people of the file --------------------------------------------------------------------

FAMILY = (
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 4), ("Võ", 3), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Đinh", 1), ("Trịnh", 1), ("Đào", 1), ("Mai", 1),
)  # fmt: skip
MIDDLE = {
    "M": ("Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Ngọc",
          "Đình", "Bá", "Trọng", "Anh", "Quốc", "Tiến", "Mạnh"),
    "F": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng", "Phương", "Mai",
          "Diệu", "Bảo", "Khánh", "Thùy", "Hoài", "Tuyết", "Quỳnh"),
}  # fmt: skip
GIVEN = {
    "M": ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang",
          "Khánh", "Kiên", "Long", "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài",
          "Thắng", "Thành", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Lộc", "Toàn",
          "Hưng", "Đông", "Thịnh", "Lâm", "Duy", "Trí", "Tâm", "Hậu"),
    "F": ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan",
          "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh",
          "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Uyên", "Vân", "Yến", "Hồng", "Ly", "Nhi",
          "Tâm", "Thư", "Hiền", "Duyên", "Hậu", "Ánh", "Xuân"),
}  # fmt: skip
OCCUPATIONS = ("Làm ruộng", "Chăn nuôi", "Lao động tự do", "Buôn bán nhỏ", "Trồng rau màu",
               "Nuôi trồng thủy sản", "Làm vườn")  # fmt: skip
#: The stages of the file and their share: (stage, last step filled, weight).
STAGE_MIX = (("source", 40), ("awareness", 30), ("cell", 20), ("ceremony", 10))
#: Earliest source day per stage (older files hold the candidacies that went further).
EARLIEST_SOURCE = {
    "source": date(2022, 1, 1),
    "awareness": date(2020, 1, 1),
    "cell": date(2018, 1, 1),
    "ceremony": date(2017, 1, 1),
}

#: The columns a candidacies file fills, by key (headers from CANDIDACY_COLUMNS), in order.
PERSON_KEYS = (
    "full_name", "birth_date", "sex", "cccd", "ethnicity", "religion", "general_education",
    "occupation", "sector", "youth_union_member", "cell",
)  # fmt: skip
STEP_KEYS = (
    "source_on", "sympathiser_on", "awareness_class_on", "awareness_certificate",
    "cell_resolution_on", "cell_resolution_number", "vote_official", "vote_present",
    "vote_in_favour", "vote_against", "grassroots_resolution_on", "grassroots_resolution_number",
    "admission_decision_on", "admission_decision_number", "ceremony_on",
)  # fmt: skip


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29/02
        return d.replace(year=d.year + years, day=28)


class People:
    """Distinct fictional people: CCCD serials and (name, birth date) pairs never repeat, also
    across the files of one run of the script. Names are compared folded, as the import does
    ("Nguyễn Văn Hùng" and "Nguyễn Văn Hưng" born the same day would be one person twice)."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.serial = 0
        from ptdv.people.text import fold

        self.fold = fold
        self.seen: set[tuple[str, date]] = set()
        self.families = [f for f, w in FAMILY for _ in range(w)]
        self.first_day = date(1975, 1, 1).toordinal()
        self.last_day = date(2004, 12, 31).toordinal()

    def person(self) -> tuple[str, date, str, str]:
        rng = self.rng
        sex = "M" if rng.random() < 0.52 else "F"
        while True:
            words = [rng.choice(self.families), rng.choice(MIDDLE[sex])]
            if rng.random() < 0.3:
                words.append(rng.choice(MIDDLE[sex]))
            words.append(rng.choice(GIVEN[sex]))
            if len(set(words)) < len(words):
                continue
            name = " ".join(words)
            birth = date.fromordinal(rng.randint(self.first_day, self.last_day))
            key = (self.fold(name), birth)
            if key not in self.seen:
                self.seen.add(key)
                break
        self.serial += 1
        century = (birth.year // 100 - 19) * 2 + (0 if sex == "M" else 1)
        cccd = f"001{century}{birth.year % 100:02d}{self.serial:06d}"
        return name, birth, sex, cccd


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def steps_for(rng: random.Random, stage: str, birth: date, today: date) -> dict | None:
    """The steps' dates of one candidacy that obeys the import's rules, or None (draw again)."""
    offsets = {"source_on": timedelta(0)}
    offsets["sympathiser_on"] = _days(rng, 20, 120)
    offsets["awareness_class_on"] = offsets["sympathiser_on"] + _days(rng, 20, 150)
    offsets["cell_resolution_on"] = offsets["awareness_class_on"] + _days(rng, 60, 500)
    offsets["grassroots_resolution_on"] = offsets["cell_resolution_on"] + _days(rng, 5, 20)
    offsets["admission_decision_on"] = offsets["grassroots_resolution_on"] + _days(rng, 10, 45)
    # Within 30 working days of the decision: 25 calendar days is at most 19 working days.
    offsets["ceremony_on"] = offsets["admission_decision_on"] + _days(rng, 3, 25)
    last = {
        "source": "source_on",
        "awareness": "awareness_class_on",
        "cell": "grassroots_resolution_on",
        "ceremony": "ceremony_on",
    }[stage]
    keys = list(offsets)[: list(offsets).index(last) + 1]
    earliest = max(EARLIEST_SOURCE[stage], add_years(birth, 16))
    if "cell_resolution_on" in keys:  # full 18 years on the cell's resolution day (+ margin)
        earliest = max(
            earliest, add_years(birth, 18) + timedelta(days=2) - offsets["cell_resolution_on"]
        )
    latest = today - offsets[last]
    if earliest > latest:
        return None
    source = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
    return {k: source + offsets[k] for k in keys}


def candidacy_rows(people: People, n: int, cells: list[tuple[str, str]], today: date):
    """``n`` rows (dicts by column key) of the candidacies kind."""
    rng = people.rng
    stages = [s for s, w in STAGE_MIX for _ in range(w)]
    for number in range(1, n + 1):
        stage = stages[(number * 37) % len(stages)] if n >= 100 else rng.choice(stages)
        while True:
            name, birth, sex, cccd = people.person()
            dates = steps_for(rng, stage, birth, today)
            if dates is not None:
                break
        row = _person_values(rng, name, birth, sex, cccd, cells)
        row.update(dates)
        if "awareness_class_on" in dates:
            row["awareness_certificate"] = f"{rng.randint(1, 2999):04d}/GCN-TTCT"
        if "cell_resolution_on" in dates:
            official = rng.randint(9, 40)
            present = official - rng.randint(0, 2)
            against = rng.randint(0, 1)
            row |= {
                "cell_resolution_number": f"{rng.randint(1, 40):02d}-NQ/CB",
                "vote_official": official,
                "vote_present": present,
                "vote_in_favour": present - against,
                "vote_against": against,
                "grassroots_resolution_number": f"{rng.randint(1, 300)}-NQ/ĐU",
            }
        if "admission_decision_on" in dates:
            row["admission_decision_number"] = f"{rng.randint(100, 3000)}-QĐ/HU"
        yield stage, row


def people_rows(people: People, n: int, cells: list[tuple[str, str]]):
    rng = people.rng
    for _ in range(n):
        yield "person", _person_values(rng, *people.person(), cells)


def _person_values(rng, name, birth, sex, cccd, cells) -> dict:
    cell_name, cell_code = rng.choice(cells)
    return {
        "full_name": name,
        "birth_date": birth,
        "sex": "Nam" if sex == "M" else "Nữ",
        "cccd": cccd,
        "ethnicity": "Kinh" if rng.random() < 0.9 else rng.choice(("Tày", "Mường", "Thái")),
        "religion": "Không" if rng.random() < 0.85 else "Phật giáo",
        "general_education": "12/12",
        "occupation": rng.choice(OCCUPATIONS),
        "sector": FARMER,
        "youth_union_member": "Có" if birth.year >= 1991 else "Không",
        "cell": cell_code if rng.random() < 0.2 else cell_name,
    }


def write_file(
    path: Path, kind: str, rows, columns, dimension: bool = True
) -> tuple[Counter, list[str]]:
    """Write the rows with openpyxl's write-only workbook; returns the stages and headers.

    With ``dimension``, the sheet then gets the ``<dimension ref="A1:…"/>`` that Excel,
    LibreOffice and WPS write and openpyxl's write-only mode leaves out (without it, openpyxl
    parses the whole sheet once more to find its size, and ptdv knows no total for the progress
    bar)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    by_key = {c.key: c for c in columns}
    keys = [k for k in (*PERSON_KEYS, *(STEP_KEYS if kind == "ho-so" else ())) if k in by_key]
    headers = ["STT", *(by_key[k].header for k in keys)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Dữ liệu")
    sheet.append(headers)
    stages: Counter = Counter()
    for n, (stage, row) in enumerate(rows, start=1):
        stages[stage] += 1
        sheet.append([n, *(row.get(k) for k in keys)])
    workbook.save(path)
    if dimension:
        add_dimension(path, f"A1:{get_column_letter(len(headers))}{sum(stages.values()) + 1}")
    return stages, headers


def add_dimension(path: Path, ref: str) -> None:
    import zipfile

    sheet = "xl/worksheets/sheet1.xml"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet:
                assert b"<dimension" not in data
                element = f'<dimension ref="{ref}"/><sheetViews>'.encode()
                data = data.replace(b"<sheetViews>", element, 1)
            dst.writestr(item, data)
    tmp.replace(path)


# --- database ----------------------------------------------------------------------------------


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # any failure means "not here"
        return False


def create_pg_database(reset: bool, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            if not reset:
                sys.exit(
                    f"database {name} already exists (in use by another run, or left by a run "
                    "with --keep): pass --reset to drop and recreate it, or --pg-database"
                )
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"dropped database {name}")


def setup(args) -> common.Run:
    """Like ``common.setup`` (fresh database, environment, migrate), without git."""
    tmpdir = Path(tempfile.mkdtemp(prefix="ptdv-bench-import-"))
    if not args.keep:
        atexit.register(shutil.rmtree, tmpdir, ignore_errors=True)
    url = args.database_url
    if not url:
        if args.db == "auto":
            args.db = "postgres" if pg_reachable() else "sqlite"
            print(f"--db auto: {args.db}")
        if args.db == "postgres":
            url = create_pg_database(args.reset, args.pg_database)
            if not args.keep:
                atexit.register(drop_pg_database, args.pg_database)
        else:
            url = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ.update(
        DATABASE_URL=url,
        PTDV_VAR_DIR=str(tmpdir),
        PTDV_PROFILE="development",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="ptdv.settings",
        STATIC_ROOT=str(tmpdir / "static"),
        MEDIA_ROOT=str(tmpdir / "media"),
    )
    (tmpdir / "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    run = common.Run(args=args, url=common._masked(url), vendor=connection.vendor, tmpdir=tmpdir)
    tables = connection.introspection.table_names()
    if tables:
        if not args.reset:
            sys.exit(
                f"{run.url} already has {len(tables)} tables: the benchmarks need an empty "
                "database (pass --reset to drop them, which DESTROYS their data)."
            )
        common._drop_everything(connection)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    run.record("migrate_s", round(time.perf_counter() - t0, 2))
    print(f"database: {connection.vendor} {common.server_version()} — {run.url}")
    print(f"reference day (today of the import): {args.today}")
    load = os.getloadavg()
    run.record("loadavg_at_start", [round(x, 2) for x in load])
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    return run


def build_tree(cells: int):
    """Province → district → grassroots committee → ``cells`` cells; a user of the committee."""
    from ptdv.accounts.models import Role, User
    from ptdv.org.models import Organisation, OrgKind

    def child(parent, **fields):
        return Organisation.objects.add_child(Organisation.objects.get(pk=parent.pk), fields)

    province = Organisation.objects.add_root(
        {"name": "Đảng bộ tỉnh Thử Nghiệm", "kind": OrgKind.PROVINCE, "code": "TN"}
    )
    district = child(province, name="Đảng bộ huyện Núi Xanh", kind=OrgKind.DISTRICT, code="NX")
    district.competent_committee = district
    district.direct_superior = district
    district.save()
    committee = child(
        district, name="Đảng bộ xã Hòa An", kind=OrgKind.GRASSROOTS_COMMITTEE, code=COMMITTEE_CODE
    )
    made = []
    for i in range(1, cells + 1):
        cell = child(
            committee,
            name=f"Chi bộ thôn {i:02d}",
            kind=OrgKind.CELL,
            code=f"{COMMITTEE_CODE}-{i:02d}",
        )
        made.append((cell.name, cell.code))
    user = User(
        username="nhap_lieu_xa", organisation=committee, role=Role.GRASSROOTS, is_staff=True
    )
    user.set_unusable_password()
    user.save()
    return Organisation.objects.get(pk=committee.pk), user, made


def new_run(kind: str, organisation, user, path: Path):
    from django.core.files import File

    from ptdv.imports.models import ImportRun

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    run = ImportRun(
        kind=kind,
        organisation=organisation,
        created_by=user,
        file_name=path.name,
        sha256=digest,
    )
    with path.open("rb") as f:
        run.file.save(path.name, File(f), save=False)
    run.save()
    return run


# --- the child processes -----------------------------------------------------------------------


def child(args) -> dict:
    """One phase in this fresh process; returns its figures (printed as one JSON line)."""
    profiler = None
    queries = [0, 0.0]  # count, seconds inside cursor.execute (driver and database)
    copy_s = [0.0]  # seconds inside imports.inserts.insert (COPY or bulk_create, and the rows)
    if args.child == "bare":
        from openpyxl import load_workbook

        def phase():
            workbook = load_workbook(args.path, read_only=True, data_only=True)
            rows = 0
            for _row in workbook.worksheets[0].iter_rows(values_only=True):
                rows += 1
            workbook.close()
            return {"rows": rows}

        wrapper = None
    else:
        import django

        django.setup()
        from django.db import connection

        from ptdv.imports import running
        from ptdv.imports.models import ImportRun

        run = ImportRun.objects.select_related("organisation", "created_by").get(pk=args.run_id)
        connection.ensure_connection()

        def count(execute, sql, params, many, context):
            queries[0] += 1
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries[1] += time.perf_counter() - t0

        def phase():
            done = (
                running.preview(run, today=args.today)
                if args.child == "preview"
                else running.commit(run, today=args.today)
            )
            return {
                "status": done.status,
                "total_rows": done.total_rows,
                "creates": done.creates,
                "updates": done.updates,
                "unchanged": done.unchanged,
                "failures": done.failures,
                "message": done.message,
            }

        wrapper = connection.execute_wrapper(count)
        # COPY goes through psycopg's own cursor, not cursor.execute: timed apart.
        from ptdv.imports import inserts

        real_insert = inserts.insert

        def timed_insert(*a, **k):
            t0 = time.perf_counter()
            try:
                return real_insert(*a, **k)
            finally:
                copy_s[0] += time.perf_counter() - t0

        inserts.insert = timed_insert
    if args.profile_out:
        import cProfile

        profiler = cProfile.Profile()
    gc.collect()
    rss0 = common.rss_mib()
    reset = common.reset_hwm()
    if wrapper is not None:
        wrapper.__enter__()
    t0 = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = phase()
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - t0
    if wrapper is not None:
        wrapper.__exit__(None, None, None)
    hwm = common.hwm_mib()
    if profiler is not None:
        profiler.dump_stats(args.profile_out)
    return {
        **result,
        "seconds": round(seconds, 2),
        "queries": queries[0],
        "sql_s": round(queries[1], 2),
        "insert_s": round(copy_s[0], 2),
        "rss_before_mib": round(rss0, 1),
        "peak_mib": round(hwm, 1) if reset else None,
        "growth_mib": round(hwm - rss0, 1) if reset else None,
    }


def run_child(args, phase: str, path: Path, run_id: int | None = None, profile_out=None) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        phase,
        "--path",
        str(path),
        "--today",
        str(args.today),
        *(["--run-id", str(run_id)] if run_id else []),
        *(["--profile-out", str(profile_out)] if profile_out else []),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode or line is None:
        print(out.stdout[-3000:], out.stderr[-6000:])
        sys.exit(f"the {phase} child failed (exit {out.returncode})")
    return json.loads(line[7:])


# --- the parent ---------------------------------------------------------------------------------


def problems_of(run_id: int, limit: int = 10) -> list[tuple]:
    from ptdv.imports.models import ImportProblem

    return list(
        ImportProblem.objects.filter(run_id=run_id).values_list("row", "column", "message")[:limit]
    )


def database_counts() -> dict:
    from auditlog.models import LogEntry
    from django.db.models import Count

    from ptdv.people.models import Person
    from ptdv.pipeline.models import Candidacy, Event

    return {
        "people": Person.objects.count(),
        "probationary members": Person.objects.filter(member_status="probationary").count(),
        "candidacies": Candidacy.objects.count(),
        "candidacies by stage": dict(
            Candidacy.objects.values_list("stage").annotate(n=Count("id")).order_by("stage")
        ),
        "events": Event.objects.count(),
        "audit entries": LogEntry.objects.count(),
    }


def expected_events(stages: Counter) -> int:
    # source; + sympathiser, class; + papers (added), cell, grassroots; + decision, ceremony
    per = {"source": 1, "awareness": 3, "cell": 6, "ceremony": 8, "person": 0}
    return sum(per[s] * n for s, n in stages.items())


def measure_kind(args, run, kind: str, people: People, cells, organisation, user) -> dict:
    from django.db import connections

    from ptdv.imports.columns import CANDIDACY_COLUMNS, PERSON_COLUMNS

    tag = kind
    path = run.tmpdir / f"{kind}-{args.rows}.xlsx"
    with common.section(f"[{tag}] write {args.rows:,} rows with openpyxl (write-only)"):
        t0 = time.perf_counter()
        if kind == "ho-so":
            rows = candidacy_rows(people, args.rows, cells, args.today)
            stages, headers = write_file(path, kind, rows, CANDIDACY_COLUMNS, args.dimension)
        else:
            rows = people_rows(people, args.rows, cells)
            stages, headers = write_file(path, kind, rows, PERSON_COLUMNS, args.dimension)
        write_s = time.perf_counter() - t0
        size = path.stat().st_size
        print(
            f"   {size / 2**20:.1f} MiB, {len(headers)} columns, in {write_s:.1f} s; rows by "
            f"stage: {dict(stages)}"
        )
        print("   headers: " + " | ".join(headers))
    out: dict = {
        "rows": args.rows,
        "file_mib": round(size / 2**20, 2),
        "columns": headers,
        "stages": dict(stages),
        "write_s": round(write_s, 1),
    }
    first = new_run(kind, organisation, user, path)
    connections.close_all()

    phases = {}
    with common.section(f"[{tag}] (a) openpyxl bare read-only pass (child process)"):
        phases["bare"] = run_child(args, "bare", path)
        print(f"   {phases['bare']}")
    with common.section(f"[{tag}] (b) preview (child process)"):
        phases["preview"] = run_child(args, "preview", path, first.pk)
        print(f"   {phases['preview']}")
    p = phases["preview"]
    if (p["creates"], p["failures"]) != (args.rows, 0):
        FAULTS.append(f"{kind}: preview {p['creates']:,} creates, {p['failures']:,} failures")
        print(f"   !!! expected {args.rows:,} creates and 0 failures; first problems:")
        for problem in problems_of(first.pk):
            print(f"      {problem}")
    if p["failures"]:
        print("   the commit would write nothing (a failing row aborts it): not measured")
        out["phases"] = phases
        return out
    before = database_counts()
    with common.section(f"[{tag}] (c) commit (child process)"):
        phases["commit"] = run_child(args, "commit", path, first.pk)
        print(f"   {phases['commit']}")
    c = phases["commit"]
    if c["status"] != "committed":
        FAULTS.append(f"{kind}: commit {c['status']}")
        print(f"   !!! commit failed: {c['message']}; problems: {problems_of(first.pk)}")
    with common.section(f"[{tag}] (a') openpyxl bare read-only pass again (child process)"):
        # Around the commit: the machine's load changes over minutes, the ratios use the mean.
        phases["bare_again"] = run_child(args, "bare", path)
        print(f"   {phases['bare_again']}")
    after = database_counts()
    written = {
        k: after[k] - before[k]
        if isinstance(after[k], int)
        else {s: n - before[k].get(s, 0) for s, n in after[k].items() if n != before[k].get(s, 0)}
        for k in after
    }
    print(f"   written: {json.dumps(written, ensure_ascii=False)}")
    want_events = expected_events(stages)
    checks = {
        "people": (written["people"], args.rows),
        "candidacies": (written["candidacies"], args.rows if kind == "ho-so" else 0),
        "events": (written["events"], want_events),
    }
    for name, (got, want) in checks.items():
        flag = "ok" if got == want else "!!! MISMATCH"
        if got != want:
            FAULTS.append(f"{kind}: {name} {got:,} written, {want:,} expected")
        print(f"   {name}: {got:,} written, {want:,} expected — {flag}")
    out["written"] = written
    out["checks"] = {k: {"got": g, "want": w} for k, (g, w) in checks.items()}
    common.settle()  # what autovacuum would do after the load, before the next upload
    with common.section(f"[{tag}] (d) the same file again: preview (child process)"):
        again = new_run(kind, organisation, user, path)
        connections.close_all()
        phases["preview_again"] = run_child(args, "preview", path, again.pk)
        print(f"   {phases['preview_again']}")
    a = phases["preview_again"]
    if (a["unchanged"], a["creates"], a["updates"], a["failures"]) != (args.rows, 0, 0, 0):
        FAULTS.append(f"{kind}: the same file again is not all unchanged")
        print(f"   !!! expected {args.rows:,} unchanged; first problems: {problems_of(again.pk)}")
    out["phases"] = phases
    return out


def profile_kind(args, run, people: People, cells, organisation, user) -> dict:
    """Preview and commit of a fresh ``--profile`` rows file under cProfile."""
    import pstats
    from io import StringIO

    from django.db import connections

    from ptdv.imports.columns import CANDIDACY_COLUMNS

    n = args.profile
    path = run.tmpdir / f"profile-ho-so-{n}.xlsx"
    rows = candidacy_rows(people, n, cells, args.today)
    write_file(path, "ho-so", rows, CANDIDACY_COLUMNS, args.dimension)
    target = new_run("ho-so", organisation, user, path)
    connections.close_all()
    out = {}
    for phase in ("preview", "commit"):
        stats_file = run.tmpdir / f"profile-{phase}.pstats"
        with common.section(f"profile: {phase} of {n:,} rows under cProfile (child process)"):
            figures = run_child(args, phase, path, target.pk, profile_out=stats_file)
            print(f"   {figures}")
            buffer = StringIO()
            stats = pstats.Stats(str(stats_file), stream=buffer)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)
            print(buffer.getvalue())
            if args.keep:
                print(f"   kept {stats_file} (python -m pstats)")
        out[phase] = figures
    return out


def summary(args, run, results: dict) -> None:
    print(f"\n== summary ({run.vendor}, {args.rows:,} rows, today {args.today})")
    rows = []
    for kind, result in results.items():
        phases = result["phases"]
        bares = [phases[k]["seconds"] for k in ("bare", "bare_again") if k in phases]
        bare = sum(bares) / len(bares)
        for key, label in (
            ("bare", "(a) openpyxl read-only pass"),
            ("bare_again", "(a') the same, after (c)"),
            ("preview", "(b) preview"),
            ("commit", "(c) commit"),
            ("preview_again", "(d) preview, same file again"),
        ):
            if key not in phases:
                continue
            f = phases[key]
            ratio = f["seconds"] / bare if bare else float("nan")
            outcome = (
                f"{f['rows']:,} rows"
                if key in ("bare", "bare_again")
                else f"{f['status']}: {f['creates']:,} new, {f['updates']:,} upd, "
                f"{f['unchanged']:,} same, {f['failures']:,} fail"
            )
            rows.append(
                (
                    f"{kind} {label}",
                    f"{f['seconds']:.1f}",
                    f"{ratio:.2f}×"
                    + (" !" if not key.startswith("bare") and ratio > GOAL_RATIO else ""),
                    f"{f['peak_mib']:.0f}" + (" !" if f["peak_mib"] > GOAL_MIB else ""),
                    f"{f['rss_before_mib']:.0f}",
                    f"{f['growth_mib']:+.0f}",
                    f"{f['queries']:,}",
                    f"{f['sql_s']:.1f}",
                    f"{f.get('insert_s', 0):.1f}",
                    f"{args.rows / f['seconds']:,.0f}",
                    outcome,
                )
            )
    headers = ("phase", "s", "× (a)", "peak MiB", "before", "Δ MiB", "queries", "SQL s", "ins s")
    common.table(rows, (*headers, "rows/s", "result"))
    print(
        "   × (a): against the mean of (a) and (a'), the bare pass before and after the commit.\n"
        f"   goal: (b), (c) ≤ {GOAL_RATIO:.0f}× (a); peak ≤ {GOAL_MB} MB = {GOAL_MIB:.0f} MiB "
        "(! marks a miss). peak = VmHWM of the child during the call (whole process); "
        "before = its resident set just before the call; SQL s = time inside cursor.execute; "
        "ins s = time inside imports.inserts.insert (COPY on PostgreSQL: not in SQL s)."
    )


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.set_defaults(today=TODAY)
    for action in p._actions:
        if action.dest == "today":
            action.help = f"the import's today (default {TODAY}: the file's dates are before it)"
    p.add_argument(
        "--db",
        choices=("auto", "postgres", "sqlite"),
        default="auto",
        help="without --database-url: postgres (database --pg-database on 127.0.0.1:5432, "
        "created and dropped), sqlite (a temporary file), or auto (postgres if it answers)",
    )
    p.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help=f"the database --db postgres creates ({PG_DATABASE}); --reset drops it first, "
        "killing another run that uses it",
    )
    p.add_argument("--rows", type=int, default=100_000, help="rows of the file (100,000)")
    p.add_argument("--cells", type=int, default=50, help="cells of the committee (50)")
    p.add_argument(
        "--kinds", default="ho-so", help="kinds measured, comma-separated: ho-so, nguoi (ho-so)"
    )
    p.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile the preview and the commit of an N-row candidacies file (cProfile)",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed of the people (2026)")
    p.add_argument(
        "--no-dimension",
        dest="dimension",
        action="store_false",
        help="leave the sheet without <dimension> (as openpyxl's write-only mode writes it)",
    )
    hidden = argparse.SUPPRESS
    p.add_argument("--child", choices=("bare", "preview", "commit"), help=hidden)
    p.add_argument("--path", type=Path, help=hidden)
    p.add_argument("--run-id", type=int, help=hidden)
    p.add_argument("--profile-out", type=Path, help=hidden)
    args = p.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args), default=str, ensure_ascii=False))
        return
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if set(kinds) - {"ho-so", "nguoi"}:
        p.error("--kinds: ho-so and/or nguoi")

    run = setup(args)
    with common.section(f"organisation tree ({args.cells} cells) and the importing user"):
        organisation, user, cells = build_tree(args.cells)
        print(f"   {organisation} ({organisation.code}), {len(cells)} cells, user {user}")
    people = People(args.seed)
    results = {}
    run.record("rows", args.rows)
    run.record("today", str(args.today))
    run.record("results", results)
    for kind in kinds:
        results[kind] = measure_kind(args, run, kind, people, cells, organisation, user)
        if args.json:  # so far, in case a later phase fails
            args.json.write_text(json.dumps(run.figures, indent=2, ensure_ascii=False, default=str))
    summary(args, run, results)
    if args.profile:
        run.record("profile", profile_kind(args, run, people, cells, organisation, user))
    run.record("faults", FAULTS)
    finish(run)
    if FAULTS:
        sys.exit("faults: " + "; ".join(FAULTS))


def finish(run: common.Run) -> None:
    """``Run.finish`` without ``common.machine()`` (which asks git for the commit)."""
    import platform
    import sqlite3

    import django
    from django.db import connections

    connections.close_all()
    load = os.getloadavg()
    run.record("loadavg_at_end", [round(x, 2) for x in load])
    print(f"load average at the end: {load[0]:.2f}")
    if run.args.json:
        machine = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "sqlite": sqlite3.sqlite_version,
        }
        payload = {"machine": machine, "database": run.vendor, "figures": run.figures}
        run.args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        print(f"figures written to {run.args.json}")
    if run.tmpdir is not None and run.args.keep:
        print(f"kept {run.tmpdir}")


if __name__ == "__main__":
    main()
