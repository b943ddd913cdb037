"""The production server under a day's load: requests/s and latencies of N logged-in users.

    .venv/bin/python benchmarks/server_load.py --database-url postgres://postgres@127.0.0.1:5432/bench_srv \\
        [--users 50] [--requests 20] [--servers waitress,gthread,sync] [--rounds 2] [--province]

Builds the demo dataset (``demo_shape()``; ``--province`` for a small province, sized with
``--members`` etc.) and ``--users`` accounts cloned round-robin from the demo accounts of daily
work (their role and organisation; the same password; those whose role requires a second factor
get an authenticator app holding the demo's public secret and pass the code page with its current
code). Then, for each server of ``--servers``, ``--rounds`` times, interleaved (A, B, C, A, B, C):

- starts ``ptdv serve --production`` on a free loopback port as the production unit would:
  ``waitress`` (``--waitress``: one process, 8 threads), ``gthread`` (gunicorn,
  ``PTDV_WEB_WORKERS`` = cores processes × 4 threads) or ``sync`` (gunicorn, 2 × cores + 1
  single-threaded processes);
- logs every user in over HTTP (login form, then the code page when needed; 4 at a time, the
  password hash being bounded per process);
- one untimed pass of the mix per user (warm-up), then every user at once, each from its own
  thread with its own cookies, sends ``--requests`` requests of the daily mix, one after the
  other without pause (a closed loop: the busiest a user can be): the to-do page, the board, the
  list (overdue, by due date), a candidacy page, a person page, a live search (POST, as typed in
  the search box), a report page and, for the users who write, a step recorded (the cell's
  resolution on a sympathiser, POSTed as the step form sends it, on a candidacy of the user's own
  made for the run), each user starting the mix at another place;
- counts the lost writes: every step the server answered with its redirect must be in the
  database, once, and no other (exit 1 otherwise);
- measures requests/s over the timed phase, the latencies' p50/p95/p99, the errors (any answer
  but 200), the server's CPU seconds per request (all its processes, from ``/proc``) and the
  memory of each process after the run (RSS and PSS, from ``/proc/PID/smaps_rollup``: PSS
  shares the pages that gunicorn's workers share with each other fairly).

The clients run on the same machine and take CPU from the server: the requests/s are those of
server and clients together on the cores there are. Loopback only; bounded: users × requests.
Exits non-zero when any request errs or any write is lost, duplicated or stored unanswered.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import common

LOGIN = "/tai-khoan/dang-nhap/"
CODE = "/tai-khoan/xac-thuc/"
#: The demo accounts whose work the simulated users do (ptdv.demo.users).
DAILY = ["tinhuy", "bantochuc", "dangbo_xa", "chibo", "xem"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

#: name → (extra arguments, environment) of ``ptdv serve --production``.
SERVERS = {
    "waitress": (["--waitress"], {"PTDV_WEB_THREADS": "8"}),
    "gthread": ([], {"PTDV_WEB_WORKERS": str(CORES), "PTDV_WEB_THREADS": "4"}),
    "sync": ([], {"PTDV_WEB_WORKERS": str(2 * CORES + 1), "PTDV_WEB_THREADS": "1"}),
}


# --- the server ---------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        with suppress(OSError):  # the process has just ended
            todo += children(p)
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def memory_mib(pid: int) -> dict[str, float]:
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key.lower()] = int(rest.split()[0]) / 1024
    return values


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str
    log: Path

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start_server(name: str, tmpdir: Path) -> Server:
    extra, env = SERVERS[name]
    address = f"127.0.0.1:{common.free_port()}"
    command = [sys.executable, "-m", "ptdv.cli", "serve", "--production", address, *extra]
    log = tmpdir / f"server-{name}.log"
    process = common.launch_server(name, command, log, f"http://{address}{LOGIN}", env)
    return Server(name, process, f"http://{address}", log)


# --- the users ----------------------------------------------------------------------------------


@dataclass
class User:
    """One browser: its cookies, its account, its pages."""

    username: str
    needs_code: bool
    mix: list[tuple[str, str, str]]  # (page, method, path)
    base: str = ""
    #: Candidacies at the source stage made for this user's writes, taken one per write.
    pool: list[int] = field(default_factory=list)
    written: list[int] = field(default_factory=list)
    tried: list[int] = field(default_factory=list)
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    last_step: int = -1

    def __post_init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), common.NoRedirect()
        )

    def csrf_cookie(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def send(self, method: str, path: str, data: dict | None = None, htmx=False) -> tuple:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path}
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf_cookie()
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:  # 302/303 (not followed), 4xx, 5xx
            return error.code, error.read().decode(errors="replace"), error.headers

    def form_token(self, path: str) -> str:
        status, html, _ = self.send("GET", path)
        assert status == 200, (self.username, path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def log_in(self, password: str, code_of) -> None:
        token = self.form_token(LOGIN)
        form = {"csrfmiddlewaretoken": token, "username": self.username, "password": password}
        status, _, headers = self.send("POST", LOGIN, form)
        if status != 302:
            raise RuntimeError(f"{self.username}: login answered {status}")
        if self.needs_code:
            assert headers["Location"].startswith(CODE), headers["Location"]
            # A code is taken once: a user logging in again (the next round) waits for the
            # authenticator's next step.
            while int(time.time() // 30) <= self.last_step:
                time.sleep(0.5)
            self.last_step = int(time.time() // 30)
            token = self.form_token(CODE)
            status, _, headers = self.send(
                "POST", CODE, {"csrfmiddlewaretoken": token, "code": code_of()}
            )
            if status != 302:
                raise RuntimeError(f"{self.username}: the code page answered {status}")

    def request(self, item: tuple[str, str, str]) -> tuple[int, float]:
        _page, method, path = item
        t0 = time.perf_counter()
        if method == "SEARCH":  # the live search: POST as htmx sends it while one types
            status, _, _ = self.send("POST", "/tim-kiem/", {"q": path}, htmx=True)
        elif method == "STEP":  # the step form, as the browser posts it (no htmx)
            pk = self.pool.pop()  # enough for every round (make_users)
            self.tried.append(pk)
            form = {"date": path, "version": "1", "number": "", "mentor": ""}
            status, _, headers = self.send("POST", f"/ho-so/{pk}/ghi-buoc/?buoc=sympathiser", form)
            if status in (302, 303) and headers["Location"].startswith(f"/ho-so/{pk}/"):
                self.written.append(pk)
                status = 200  # the form's answer to a step written
        else:
            status, _, _ = self.send(method, path)
        return status, time.perf_counter() - t0


def make_users(count: int, writes: int) -> tuple[list[User], str]:
    """``count`` accounts cloned from the demo's daily accounts, with their pages; those who may
    write get ``writes`` candidacies of their own at the source stage."""
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse
    from django.utils import timezone

    from ptdv.accounts import mfa
    from ptdv.accounts.models import User as Account
    from ptdv.demo.users import DEMO_PASSWORD, enrol_demo_app
    from ptdv.pipeline.models import Candidacy
    from ptdv.web.views.report_form import PAGES

    password = make_password(DEMO_PASSWORD)  # one hash for every clone
    report = reverse(PAGES[0].url_name)
    users = []
    for i in range(count):
        model = Account.objects.get(username=DAILY[i % len(DAILY)])
        clone = Account.objects.create(
            username=f"tai{i + 1:03d}",
            first_name=model.first_name,
            organisation=model.organisation,
            role=model.role,
            password=password,
        )
        needs_code = mfa.is_required(clone)
        if needs_code:
            enrol_demo_app(clone)
        visible = Candidacy.objects.visible_to(clone).filter(closed_on__isnull=True)
        candidacy = visible.order_by("pk")[i // len(DAILY) % max(visible.count(), 1)]
        family = candidacy.person.search_name.split()[0]
        mix = [
            ("to-do", "GET", "/"),
            ("board", "GET", "/tien-trinh/"),
            ("list", "GET", "/danh-sach/?overdue=on&sort=due"),
            ("candidacy", "GET", f"/ho-so/{candidacy.pk}/"),
            ("person", "GET", f"/nguoi/{candidacy.person_id}/"),
            ("search", "SEARCH", family),
            ("report", "GET", report),
        ]
        user = User(clone.username, needs_code, mix)
        if writes and clone.can_write:
            user.pool = source_candidacies(clone, i, writes)
            user.mix.append(("step", "STEP", timezone.localdate().isoformat()))
        users.append(user)
    return users, DEMO_PASSWORD


def source_candidacies(account, i: int, count: int) -> list[int]:
    """``count`` new people at the source stage in a cell of ``account``'s subtree."""
    from datetime import date, timedelta

    from django.utils import timezone

    from ptdv.org.models import CELL_KINDS, Organisation
    from ptdv.people.models import Person
    from ptdv.pipeline import services

    cell = (
        Organisation.objects.filter(path__startswith=account.organisation.path, kind__in=CELL_KINDS)
        .order_by("path")
        .first()
    )
    opened = timezone.localdate() - timedelta(days=40)
    made = []
    for k in range(count):
        person = Person.objects.create(
            cell=cell,
            full_name=f"Nguyễn Văn Tải {i + 1} {k + 1}",
            birth_date=date(2000, 1, 1 + k % 28),
            sex="M",
            general_education="upper_secondary",
            sector="farmer",
        )
        made.append(services.open_candidacy(person, opened, cell=cell).pk)
    return made


def lost_writes(users: list[User]) -> dict:
    """The steps answered as written against the sympathiser events in the database."""
    from ptdv.pipeline.models import Event

    answered = [pk for u in users for pk in u.written]
    tried = [pk for u in users for pk in u.tried]
    stored = list(
        Event.objects.filter(candidacy_id__in=tried, step="sympathiser").values_list(
            "candidacy_id", flat=True
        )
    )
    return {
        "writes_answered": len(answered),
        "writes_stored": len(stored),
        "lost": len(set(answered) - set(stored)),
        "unanswered_but_stored": len(set(stored) - set(answered)),
        "duplicated": len(stored) - len(set(stored)),
    }


def current_code() -> str:
    from django_otp.oath import TOTP

    from ptdv.accounts import mfa

    return f"{TOTP(bytes.fromhex(mfa.DEMO_KEY)).token():06d}"


# --- one measurement ----------------------------------------------------------------------------


def measure(name: str, users: list[User], password: str, requests: int, tmpdir: Path) -> dict:
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()
    server = start_server(name, tmpdir)
    try:
        for user in users:
            user.base = server.base
            user.jar.clear()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: u.log_in(password, current_code), users))
        login_s = time.perf_counter() - t0
        for user in users:  # warm-up: each page once per user, untimed
            for item in user.mix:
                status, _ = user.request(item)
                if status != 200:
                    raise RuntimeError(f"warm-up {user.username} {item}: {status}")
        outcomes: dict[str, list[tuple[int, float, str]]] = {u.username: [] for u in users}
        gate = threading.Barrier(len(users) + 1)

        def work(k: int, user: User) -> None:
            gate.wait()
            for n in range(requests):
                item = user.mix[(k + n) % len(user.mix)]
                try:
                    status, seconds = user.request(item)
                except OSError as error:
                    status, seconds = 0, float("nan")
                    print(f"   {user.username} {item[0]}: {error}")
                outcomes[user.username].append((status, seconds, item[0]))

        threads = [threading.Thread(target=work, args=(k, u)) for k, u in enumerate(users)]
        for thread in threads:
            thread.start()
        pids = server.pids()
        cpu0 = cpu_seconds(pids)
        gate.wait()
        t0, own0 = time.perf_counter(), os.times()
        for thread in threads:
            thread.join(timeout=600)
        wall, own = time.perf_counter() - t0, os.times()
        clients_cpu = own.user + own.system - own0.user - own0.system
        load = os.getloadavg()[0]
        cpu = cpu_seconds(server.pids()) - cpu0
        memory = [memory_mib(pid) | {"pid": pid} for pid in server.pids()]
    finally:
        server.stop()
    writes = lost_writes(users)
    for user in users:
        user.written.clear()
        user.tried.clear()
    done = [o for per_user in outcomes.values() for o in per_user]
    latencies = [o[1] for o in done if o[0] == 200]
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    by_page = {}
    for page in dict.fromkeys(o[2] for o in done):
        samples = [o[1] for o in done if o[2] == page and o[0] == 200]
        by_page[page] = round(statistics.median(samples) * 1000, 1) if samples else None
    workers = memory[1:] if len(memory) > 1 else memory  # gunicorn: the master first
    return {
        "server": name,
        "requests": len(done),
        "errors": sum(1 for o in done if o[0] != 200),
        "statuses": sorted({o[0] for o in done}),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(done) / wall, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_request": round(cpu / len(done) * 1000, 1),
        "server_cores_busy": round(cpu / wall, 2),
        "clients_cores_busy": round(clients_cpu / wall, 2),
        "loadavg_1min": round(load, 2),
        "login_s": round(login_s, 1),
        "processes": len(memory),
        "worker_rss_mib": round(statistics.fmean(m["rss"] for m in workers), 1),
        "worker_pss_mib": round(statistics.fmean(m["pss"] for m in workers), 1),
        "total_pss_mib": round(sum(m["pss"] for m in memory), 1),
        "p50_ms_by_page": by_page,
        **writes,
    }


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--requests", type=int, default=20, help="requests per user (timed)")
    p.add_argument("--servers", default="waitress,gthread,sync", help=", ".join(SERVERS))
    p.add_argument("--rounds", type=int, default=2, help="each server this many times, in turn")
    p.add_argument(
        "--province", action="store_true", help="province_shape(--members …) instead of the demo"
    )
    p.add_argument(
        "--no-writes", action="store_true", help="pages only (no step recorded in the mix)"
    )
    args = p.parse_args()
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        sys.exit(f"unknown servers: {', '.join(sorted(unknown))} (known: {', '.join(SERVERS)})")
    run = common.setup(args)
    from ptdv.demo.builder import demo_shape

    with common.section("build"):
        shape = common.province_shape(args) if args.province else demo_shape()
        counts, seconds = common.build(shape, args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        # Writes per user: one in the warm-up and one per pass of the mix, for every run.
        per_run = args.requests // 8 + 2
        writes = 0 if args.no_writes else per_run * args.rounds * len(servers)
        users, password = make_users(args.users, writes)
        common.settle()
    from django.db import connections

    connections.close_all()  # the servers are other processes; this one only reads /proc
    print(
        f"{args.users} users × {args.requests} requests, servers {servers}, "
        f"{args.rounds} round(s), {CORES} cores"
    )
    results = []
    for round_no in range(1, args.rounds + 1):
        for name in servers:
            with common.section(f"round {round_no}: {name}"):
                r = measure(name, users, password, args.requests, run.tmpdir)
            r["round"] = round_no
            results.append(r)
            print(
                f"   {r['requests_per_s']} req/s; p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
                f"p99 {r['p99_ms']} ms; errors {r['errors']}; server CPU "
                f"{r['server_cpu_ms_per_request']} ms/request ({r['server_cores_busy']} cores, "
                f"clients {r['clients_cores_busy']}, load average {r['loadavg_1min']}); "
                f"{r['processes']} process(es), {r['worker_pss_mib']} MiB PSS per worker; "
                f"steps written {r['writes_answered']}, stored {r['writes_stored']}, "
                f"lost {r['lost']}, unanswered but stored {r['unanswered_but_stored']}, "
                f"duplicated {r['duplicated']}"
            )
    run.record("runs", results)
    common.table(
        [
            (
                r["round"],
                r["server"],
                r["requests"],
                r["errors"],
                r["requests_per_s"],
                r["p50_ms"],
                r["p95_ms"],
                r["p99_ms"],
                r["server_cpu_ms_per_request"],
                r["server_cores_busy"],
                r["processes"],
                r["worker_rss_mib"],
                r["worker_pss_mib"],
                r["total_pss_mib"],
            )
            for r in results
        ],
        (
            "round",
            "server",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU ms/req",
            "cores",
            "procs",
            "RSS/worker",
            "PSS/worker",
            "PSS total",
        ),
    )
    print("\n   p50 ms by page (last round):")
    for r in results[-len(servers) :]:
        print(f"   {r['server']}: {r['p50_ms_by_page']}")
    run.finish()
    errors = sum(r["errors"] for r in results)
    lost = sum(r["lost"] + r["duplicated"] + r["unanswered_but_stored"] for r in results)
    if errors:
        print(f"\nFAILED: {errors} request(s) answered other than 200")
    if lost:
        print(f"\nFAILED: {lost} write(s) lost, duplicated or stored unanswered")
    if errors or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
