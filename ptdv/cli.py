"""The ``ptdv`` command: the common jobs without knowing ``manage.py``.

ptdv demo            create the database and load the demo dataset (replaces it)
ptdv serve [ADDR]    run the web server (development server, with a background worker;
                     --production for waitress, --no-worker to start no worker)
ptdv worker          run the background worker (imports) — beside `serve --production`
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
    import django

    django.setup()
    from waitress import serve as waitress_serve

    from ptdv.wsgi import application

    host, _, port = address.rpartition(":")
    # Behind the TLS proxy: believe its X-Forwarded-Proto (HTTPS, for the redirect and secure
    # cookies) and X-Forwarded-For (the client's address, for django-axes and the audit log);
    # waitress strips both from anyone else.
    waitress_serve(
        application,
        host=host or "127.0.0.1",
        port=int(port),
        threads=8,
        trusted_proxy=os.environ.get("PTDV_TRUSTED_PROXY", "127.0.0.1"),
        trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for"},
    )


def _start_worker() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ptdv.cli", "worker", "--no-reload"])


def worker(args: list[str]) -> None:
    """django-tasks' database worker: takes queued tasks (imports) from the database.

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
