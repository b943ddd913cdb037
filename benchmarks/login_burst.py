"""Login under a burst: the production server's memory and latencies when many attempts arrive
at once.

Starts the production server (``ptdv serve --production``: waitress, 8 threads) on a fresh
database with 16 users, then fires 16 concurrent wrong logins (8 existing usernames with a wrong
password, 8 unknown usernames: Django hashes for those too) and then 16 concurrent right logins,
each from its own client with its own CSRF cookie. For each burst it reports the server process's
resident set at rest before the burst, its peak during the burst (``VmHWM``, reset to the
resident set before each burst through ``/proc/<pid>/clear_refs``), the answers' statuses and
the latencies of the POSTs.

It runs two servers one after the other on the same database:

- ``stock``: Django's own Argon2 hasher (100 MiB, 2 passes, 8 lanes per hash) and no bound —
  what ptdv did before (``--skip-stock`` leaves it out);
- ``ptdv``: ptdv's settings as they are (``ptdv.accounts.hashers``: RFC 9106's 64 MiB, 3 passes,
  4 lanes, at most ``PTDV_PASSWORD_HASH_CONCURRENCY`` hashes at a time).

Exits non-zero when, for ``ptdv``, the peak grows by more than the bound during a burst, or when
an answer is not what it should be (wrong login: the form again, 200; right login: 302). The
bound is ``concurrency × memory_cost`` (the most hashing can take at once: 2 × 64 MiB) plus
``--margin-mib`` (default 48 MiB) for the requests themselves: 8 waitress threads rendering the
login page and writing the session and django-axes' records (measured below as the growth of a
burst of 16 GETs of the login page, which hash nothing).

    .venv/bin/python benchmarks/login_burst.py
    .venv/bin/python benchmarks/login_burst.py --database-url postgres://postgres@127.0.0.1:5432/ptdv_bench --reset
"""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    NoRedirect,
    free_port,
    launch_server,
    parser,
    percentiles,
    section,
    setup,
    table,
)

USERS = 16
PASSWORD = "Sông-Hồng-2026-thử"
LOGIN = "/tai-khoan/dang-nhap/"
MIB = 2**20

#: The stock configuration: the same command, with Django's Argon2 hasher and no bound.
STOCK_LAUNCHER = """
import sys
import django
from django.conf import settings
django.setup()
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
from ptdv.cli import serve
serve(["--production", sys.argv[1]])
"""


# --- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str
    log: Path

    def status(self) -> dict[str, int]:
        """VmRSS and VmHWM of the server process, in bytes."""
        values = {}
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) * 1024
        return values

    def reset_peak(self) -> bool:
        try:
            with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start_server(name: str, tmpdir: Path) -> Server:
    address = f"127.0.0.1:{free_port()}"
    if name == "stock":
        command = [sys.executable, "-c", STOCK_LAUNCHER, address]
    else:
        command = [sys.executable, "-m", "ptdv.cli", "serve", "--production", address]
    log = tmpdir / f"server-{name}.log"
    process = launch_server(name, command, log, f"http://{address}{LOGIN}")
    return Server(name, process, f"http://{address}", log)


# --- the clients --------------------------------------------------------------------------------


@dataclass
class Client:
    """One browser: its own cookies, the login form's CSRF token."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.token = ""

    def get_form(self) -> None:
        with self.opener.open(self.base + LOGIN, timeout=60) as response:
            html = response.read().decode()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post_login(self, username: str, password: str) -> tuple[int, float]:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.token, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + LOGIN, data=data, headers={"Referer": self.base + LOGIN}
        )
        t0 = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:  # 302 (not followed), 429, 503
            error.read()
            status = error.code
        return status, time.perf_counter() - t0


@dataclass
class Burst:
    statuses: list[int]
    latencies: list[float]
    rest_rss: int
    peak: int
    peak_reset: bool

    @property
    def growth(self) -> int:
        return self.peak - self.rest_rss


def burst(server: Server, credentials: list[tuple[str, str]], *, post: bool = True) -> Burst:
    """One request per credential, all released at once; the server's memory around it."""
    clients = [Client(server.base) for _ in credentials]
    for client in clients:
        client.get_form()
    time.sleep(0.5)  # let the server settle after the GETs
    rest = server.status()["VmRSS"]
    peak_reset = server.reset_peak()
    gate = threading.Barrier(len(clients))
    outcomes: list[tuple[int, float] | None] = [None] * len(clients)

    def run(i: int) -> None:
        gate.wait()
        if post:
            outcomes[i] = clients[i].post_login(*credentials[i])
        else:
            t0 = time.perf_counter()
            clients[i].get_form()
            outcomes[i] = (200, time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    peak = server.status()["VmHWM"]
    done = [o for o in outcomes if o is not None]
    return Burst(
        statuses=[o[0] for o in done],
        latencies=[o[1] for o in done],
        rest_rss=rest,
        peak=peak,
        peak_reset=peak_reset,
    )


# --- the run ------------------------------------------------------------------------------------


def make_users(hasher) -> list[str]:
    from axes.models import AccessAttempt, AccessLog

    from ptdv.accounts.models import Role, User

    encoded = hasher.encode(PASSWORD, hasher.salt())  # one hash, the same for every user
    names = [f"dangnhap{i:02d}" for i in range(1, USERS + 1)]
    User.objects.filter(username__in=names).delete()
    User.objects.bulk_create(
        User(username=n, first_name="Người thử", role=Role.VIEWER, password=encoded) for n in names
    )
    AccessAttempt.objects.all().delete()
    AccessLog.objects.all().delete()
    return names


def measure(name: str, run, margin_mib: float) -> dict:
    from django.contrib.auth import hashers as django_hashers

    from ptdv.accounts import hashers

    if name == "stock":
        hasher = django_hashers.Argon2PasswordHasher()
    else:
        hasher = hashers.Argon2PasswordHasher()
    names = make_users(hasher)
    wrong = [(n, "sai-mat-khau-thu") for n in names[: USERS // 2]] + [
        (f"khong-co-{i:02d}", "sai-mat-khau-thu") for i in range(USERS // 2)
    ]
    right = [(n, PASSWORD) for n in names]

    server = start_server(name, run.tmpdir)
    try:
        # Warm-up: the templates, the hasher's library, one hash of each kind.
        warm = Client(server.base)
        warm.get_form()
        warm.post_login("khong-co-ai", "sai")
        warm = Client(server.base)
        warm.get_form()
        warm.post_login(names[0], PASSWORD)
        from axes.models import AccessAttempt

        AccessAttempt.objects.all().delete()
        started = server.status()
        pages = burst(server, [("", "")] * USERS, post=False)
        wrong_burst = burst(server, wrong)
        right_burst = burst(server, right)
        after = server.status()
    finally:
        server.stop()

    memory_cost = getattr(hasher, "memory_cost", 0) * 1024
    if name == "stock":
        bound = None
    else:
        from django.conf import settings

        bound = settings.PTDV_PASSWORD_HASH_CONCURRENCY * memory_cost + margin_mib * MIB
    result = {
        "hasher": f"m={memory_cost // MIB} MiB, t={hasher.time_cost}, p={hasher.parallelism}",
        "rss_after_warm_up_mib": started["VmRSS"] / MIB,
        "peak_after_warm_up_mib": started["VmHWM"] / MIB,
        "rss_at_end_mib": after["VmRSS"] / MIB,
        "bound_mib": bound / MIB if bound else None,
        "bursts": {},
    }
    for label, b, expected in (
        ("16 GET login page", pages, 200),
        ("16 wrong logins", wrong_burst, 200),
        ("16 right logins", right_burst, 302),
    ):
        result["bursts"][label] = {
            "statuses": {str(s): b.statuses.count(s) for s in sorted(set(b.statuses))},
            "expected_status": expected,
            "all_expected": len(b.statuses) == USERS and set(b.statuses) == {expected},
            "rss_before_mib": b.rest_rss / MIB,
            "peak_during_mib": b.peak / MIB,
            "growth_mib": b.growth / MIB,
            "peak_reset": b.peak_reset,
            "latency_s": percentiles(b.latencies),
        }
    return result


def main() -> None:
    p = parser(__doc__.split("\n\n")[0])
    p.add_argument("--skip-stock", action="store_true", help="measure ptdv's settings only")
    p.add_argument(
        "--margin-mib",
        type=float,
        default=48.0,
        help="what the requests themselves may add to the peak, beside the hashes (default 48)",
    )
    args = p.parse_args()
    run = setup(args)
    from django.conf import settings

    print(
        f"waitress 8 threads; {USERS} clients; hashing permits: "
        f"{settings.PTDV_PASSWORD_HASH_CONCURRENCY}, wait {settings.PTDV_PASSWORD_HASH_WAIT_SECONDS} s"
    )
    failures = []
    for name in ([] if args.skip_stock else ["stock"]) + ["ptdv"]:
        with section(f"{name}: ptdv serve --production"):
            result = measure(name, run, args.margin_mib)
        run.record(name, result)
        print(f"   hasher: {result['hasher']}")
        print(
            f"   after warm-up: RSS {result['rss_after_warm_up_mib']:.0f} MiB, "
            f"peak so far {result['peak_after_warm_up_mib']:.0f} MiB; "
            f"RSS at the end {result['rss_at_end_mib']:.0f} MiB"
        )
        rows = []
        for label, b in result["bursts"].items():
            lat = b["latency_s"]
            rows.append(
                (
                    label,
                    " ".join(f"{k}×{v}" for k, v in b["statuses"].items()),
                    f"{b['rss_before_mib']:.0f}",
                    f"{b['peak_during_mib']:.0f}",
                    f"{b['growth_mib']:+.0f}",
                    f"{lat['p50']:.2f}",
                    f"{lat['p95']:.2f}",
                    f"{lat['max']:.2f}",
                )
            )
            if not b["peak_reset"]:
                print("   (VmHWM could not be reset: the peak includes the warm-up)")
            if not b["all_expected"] and name == "ptdv":
                failures.append(f"{name}, {label}: statuses {b['statuses']}")
        table(
            rows,
            ("burst", "answers", "RSS before", "peak", "growth", "p50 s", "p95 s", "max s"),
        )
        if result["bound_mib"] is not None:
            worst = max(b["growth_mib"] for b in result["bursts"].values())
            verdict = "within" if worst <= result["bound_mib"] else "OVER"
            print(
                f"   largest growth {worst:.0f} MiB — {verdict} the bound of "
                f"{result['bound_mib']:.0f} MiB (permits × memory cost + margin)"
            )
            if worst > result["bound_mib"]:
                failures.append(f"{name}: peak grew {worst:.0f} MiB > {result['bound_mib']:.0f}")
    run.finish()
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
