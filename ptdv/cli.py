"""The ``ptdv`` command: the common jobs without knowing ``manage.py``.

ptdv demo            create the database and load the demo dataset (replaces it)
ptdv serve [ADDR]    run the web server (development server, with a background worker;
                     --no-worker to start no worker). --production: gunicorn, PTDV_WEB_WORKERS
                     processes (default: one per core) of PTDV_WEB_THREADS threads (default 4);
                     --production --waitress: waitress, one process (Windows: always)
ptdv worker          run the background worker (imports, the dossier's PDF, the daily reminders) —
                     beside `serve --production`
ptdv migrate         apply database migrations
ptdv check           system checks (add --deploy for the production profile)
ptdv createsuperuser create an administrator
ptdv backup FILE     write a backup (database rows and uploaded files) to FILE, encrypted with
                     the key of --key-file or PTDV_BACKUP_KEY(_FILE) (--new-key KEYFILE makes one)
ptdv restore FILE    replace all data with a backup's (asks first; --yes to skip asking)
ptdv retention --dry-run | --apply
                     anonymise the records of people never admitted, past the retention
                     period (docs/deployment.md: run it daily)
ptdv manage ARGS…    any Django management command
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

USAGE = __doc__


def _django(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ptdv", *argv])


def serve(args: list[str]) -> None:
    production = "--production" in args
    with_worker = "--no-worker" not in args
    args = [a for a in args if a not in ("--production", "--no-worker")]
    address = args[0] if args else "127.0.0.1:8000"
    if not production:
        # Development: one command runs the site and the worker that runs imports.
        # runserver's autoreloader runs this command again in a child (RUN_MAIN=true): the
        # worker is started once, by the parent.
        reloaded_child = os.environ.get("RUN_MAIN") == "true"
        worker = _start_worker() if with_worker and not reloaded_child else None
        try:
            _django(["runserver", address, *args[1:]])
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
        return
    options = production_options(args)
    import django

    django.setup()
    from ptdv.wsgi import application

    trusted_proxy = os.environ.get("PTDV_TRUSTED_PROXY", "127.0.0.1")
    if options.server == "waitress":
        from waitress import serve as waitress_serve

        # Behind the TLS proxy: believe its X-Forwarded-Proto (HTTPS, for the redirect and
        # secure cookies) and X-Forwarded-For (the client's address, for django-axes and the
        # audit log); waitress strips both from anyone else.
        waitress_serve(
            application,
            host=options.host,
            port=options.port,
            threads=options.threads,
            trusted_proxy=trusted_proxy,
            trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for"},
        )
        return
    _gunicorn(ProxyHeaders(application, trusted_proxy), options)


@dataclass(frozen=True)
class ProductionServer:
    """What ``ptdv serve --production`` runs (docs/deployment.md, "The app server")."""

    server: str  # "gunicorn" or "waitress"
    host: str
    port: int
    workers: int  # processes (waitress: always 1)
    threads: int  # per process; gunicorn: 1 = sync workers, more = gthread workers


def production_options(
    args: list[str], environ: Mapping[str, str] | None = None, cpus: int | None = None
) -> ProductionServer:
    """The production server from the command line and the environment.

    gunicorn (POSIX only) with ``PTDV_WEB_WORKERS`` processes, default one per core, each with
    ``PTDV_WEB_THREADS`` threads (gthread workers), default 4; ``PTDV_WEB_THREADS=1`` gives sync
    workers. ``--waitress`` (and Windows, where gunicorn does not run) keeps waitress: one
    process, ``PTDV_WEB_THREADS`` threads, default 8."""
    environ = os.environ if environ is None else environ
    cpus = cpus or os.cpu_count() or 1
    waitress = "--waitress" in args or sys.platform == "win32"
    rest = [a for a in args if a not in ("--production", "--no-worker", "--waitress")]
    unknown = [a for a in rest if a.startswith("-")]
    if unknown or len(rest) > 1:
        raise SystemExit(f"ptdv serve --production: không hiểu {' '.join(rest)}\n{USAGE}")
    host, _, port = (rest[0] if rest else "127.0.0.1:8000").rpartition(":")

    def number(name: str, default: int) -> int:
        value = environ.get(name, "").strip()
        if not value:
            return default
        if not value.isdigit() or int(value) < 1:
            raise SystemExit(f"{name}: cần một số nguyên dương, không phải {value!r}")
        return int(value)

    if waitress:
        return ProductionServer(
            "waitress", host or "127.0.0.1", int(port), 1, number("PTDV_WEB_THREADS", 8)
        )
    return ProductionServer(
        "gunicorn",
        host or "127.0.0.1",
        int(port),
        number("PTDV_WEB_WORKERS", cpus),
        number("PTDV_WEB_THREADS", 4),
    )


class ProxyHeaders:
    """What waitress's ``trusted_proxy`` does, for gunicorn: from the proxy, the client's address
    (the last ``X-Forwarded-For`` entry) becomes ``REMOTE_ADDR`` and ``X-Forwarded-Proto`` the
    scheme; from anyone else, every forwarding header is dropped, so Django, django-axes and the
    audit log never believe what a client says of itself."""

    KEPT = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")
    DROPPED = (
        "HTTP_FORWARDED",
        "HTTP_X_FORWARDED_HOST",
        "HTTP_X_FORWARDED_PORT",
        "HTTP_X_FORWARDED_BY",
    )

    def __init__(self, application, trusted_proxy: str):
        self.application = application
        self.trusted = {a.strip() for a in trusted_proxy.split(",") if a.strip()}

    def __call__(self, environ, start_response):
        for key in self.DROPPED:
            environ.pop(key, None)
        if environ.get("REMOTE_ADDR") in self.trusted:
            client = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
        else:
            for key in self.KEPT:
                environ.pop(key, None)
        return self.application(environ, start_response)


def _gunicorn(application, options: ProductionServer) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"{options.host}:{options.port}",
                "workers": options.workers,
                "threads": options.threads,
                "worker_class": "gthread" if options.threads > 1 else "sync",
                # Long enough for the largest import upload and a heavy report's Excel.
                "timeout": 120,
                "graceful_timeout": 30,
                # ProxyHeaders decides what to believe; gunicorn's own rules stay out of it.
                "forwarded_allow_ips": "",
                "accesslog": None,  # no request lines: they hold people's page addresses
                "errorlog": "-",
                "control_socket_disable": True,  # no socket in the service user's home
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    # The app is loaded here, before gunicorn forks its workers (they share its memory); no
    # database connection may be inherited by them.
    from django.db import connections

    connections.close_all()
    Server().run()


def _start_worker() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ptdv.cli", "worker", "--no-reload"])


def worker(args: list[str]) -> None:
    """django-tasks' database worker: takes queued tasks (imports, the dossier's PDF) from the database.

    First it sweeps the runs whose worker died (no heartbeat: marked failed, their task records
    too; docs/imports.md), then it sweeps again every minute from a thread, while it works —
    in the process that runs the tasks, not in the autoreloader's parent."""
    import django
    from django.conf import settings
    from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

    django.setup()
    reloads = "--batch" not in args and (
        "--reload" in args or ("--no-reload" not in args and settings.DEBUG)
    )
    if not reloads or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
        from ptdv.imports.liveness import Sweeper

        Sweeper.run_once()
        Sweeper().start()
        if "--batch" not in args:  # a long-lived worker: the day's reminder digests from
            # PTDV_REMINDER_HOUR, Vietnam time (docs/reminders.md)
            from ptdv.reminders.schedule import ReminderClock

            ReminderClock().start()
    _django(["db_worker", "--queue-name", "*", *args])


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ptdv.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    command, rest = argv[0], argv[1:]
    if command == "serve":
        serve(rest)
    elif command == "worker":
        worker(rest)
    elif command == "demo":
        _django(["migrate", "--no-input", "-v", "0"])
        _django(["load_demo", *rest])
    elif command == "manage":
        _django(rest)
    elif command in {"backup", "restore"}:
        if not rest:
            hint = " (hoặc --new-key TỆP_KHÓA)" if command == "backup" else ""
            print(f"ptdv {command}: thiếu tên tệp sao lưu{hint}\n{USAGE}", file=sys.stderr)
            sys.exit(2)
        _django([command, *rest])
    elif command in {
        "migrate",
        "check",
        "createsuperuser",
        "shell",
        "refresh_deadlines",
        "retention",  # the retention policy (ptdv/retention)
    }:
        _django([command, *rest])
    else:
        print(f"ptdv: lệnh không có: {command}\n{USAGE}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
