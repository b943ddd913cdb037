"""Benchmark: the reminders' digest for every user of the province dataset.

    .venv/bin/python benchmarks/digest.py [--database-url URL] [--reset]
                                          [--cell-users 1000] [--mentor-users 200]
                                          [--max-queries N] [--existing]

In one fresh database (``province_shape()``, the brief's province: 20,000 candidacies, 5,000
cells), or with ``--existing`` on a database built before:

1. builds the dataset and the demo users, then gives accounts to the people who would read
   the digest: one per grassroots organisation (the commune's officer), one per cell for the
   first ``--cell-users`` cells (the cell secretary) and one linked to the mentor of each of
   the first ``--mentor-users`` current assignments (``user.person``), every account with an
   e-mail address;
2. builds every user's digest (``ptdv.reminders.digest.build``) with its queries counted:
   total and per-user time (p50, p95, max), queries per user — **exit 1** when a user's digest
   costs more than ``--max-queries`` (default ``digest.MAX_QUERIES``);
3. sends the day's digests (``ptdv.reminders.sending.run``) into Django's in-memory mail
   backend: time, mails, users with nothing to say, queries per user handled; then a second run
   of the same day, which must send nothing (**exit 1** otherwise);
4. times the calendar feed (``ptdv.reminders.feed.calendar``) of the province's root user, a
   district's and a cell's: events and milliseconds.
"""

from __future__ import annotations

import sys
import time

import common


def make_readers(cell_users: int, mentor_users: int) -> int:
    """Accounts for the grassroots organisations, the first cells and the first mentors."""
    from ptdv.accounts.models import Role, User
    from ptdv.org.models import CELL_KINDS, GRASSROOTS_KINDS, Organisation
    from ptdv.pipeline.models import MentorAssignment

    made = []
    for org in Organisation.objects.filter(kind__in=GRASSROOTS_KINDS).order_by("path"):
        made.append(User(username=f"coso_{org.pk}", organisation=org, role=Role.GRASSROOTS))
    cells = Organisation.objects.filter(kind__in=CELL_KINDS).order_by("path")[:cell_users]
    for org in cells:
        made.append(User(username=f"chibo_{org.pk}", organisation=org, role=Role.CELL))
    mentors = (
        MentorAssignment.objects.filter(end__isnull=True)
        .select_related("candidacy__cell")
        .order_by("pk")
        .values_list("mentor_id", "candidacy__cell_id")
    )
    seen: set[int] = set()
    for mentor_id, cell_id in mentors:
        if len(seen) >= mentor_users:
            break
        if mentor_id in seen or User.objects.filter(person_id=mentor_id).exists():
            continue
        seen.add(mentor_id)
        made.append(
            User(
                username=f"giupdo_{mentor_id}",
                organisation_id=cell_id,
                role=Role.VIEWER,
                person_id=mentor_id,
            )
        )
    for user in made:
        user.email = f"{user.username}@ptdv.example.vn"
        user.set_unusable_password()
    User.objects.bulk_create(made, batch_size=1000)
    User.objects.filter(email="").update(email="demo@ptdv.example.vn")
    return len(made)


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--cell-users", type=int, default=1000, help="cell accounts (1000)")
    p.add_argument("--mentor-users", type=int, default=200, help="mentor accounts (200)")
    p.add_argument("--max-queries", type=int, default=None, help="per user (digest.MAX_QUERIES)")
    p.add_argument("--existing", action="store_true", help="measure a database built before")
    args = p.parse_args()
    run = common.setup(args, existing=args.existing)

    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy
    from ptdv.reminders import digest, feed, sending

    limit = args.max_queries or digest.MAX_QUERIES
    if not args.existing:
        with common.section("build"):
            counts, seconds = common.build(common.province_shape(args), args.today)
            print(f"   built in {seconds:.1f} s: {counts}")
            made = make_readers(args.cell_users, args.mentor_users)
            print(f"   {made:,} reader accounts added")
            common.settle()
    today = timezone.localdate()
    users = list(
        User.objects.filter(is_active=True).select_related("organisation", "person").order_by("pk")
    )
    print(f"   candidacies: {Candidacy.objects.count():,}; users: {len(users):,}; day {today}")
    failed = False

    with common.section(f"every user's digest ({len(users):,} users)"):
        seconds, queries, over = [], [], []
        slowest = ("", 0.0)
        with_something = 0
        t_all = time.perf_counter()
        for user in users:
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                built = digest.build(user, today)
                seconds.append(time.perf_counter() - t0)
            n = len(captured.captured_queries)
            if seconds[-1] > slowest[1]:
                slowest = (user.username, seconds[-1])
            queries.append(n)
            with_something += not built.empty
            if n > limit:
                over.append((user.username, n))
        total = time.perf_counter() - t_all
        f = common.percentiles([s * 1000 for s in seconds])
        print(
            f"   total {total:.2f} s; per user p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, "
            f"max {max(seconds) * 1000:.1f} ms ({slowest[0]}); {with_something:,} with something "
            "to say"
        )
        print(f"   queries per user: max {max(queries)}, limit {limit}")
        run.record(
            "digest_build",
            {
                "users": len(users),
                "with_something": with_something,
                "total_s": round(total, 2),
                "per_user_ms": f,
                "max_queries": max(queries),
                "limit": limit,
            },
        )
        for username, n in over[:20]:
            print(f"   OVER THE LIMIT: {username}: {n} queries")
        failed |= bool(over)

    backend = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend), common.section("sending the day's digests"):
        mail.outbox = []
        executed = [0]

        def count(execute, sql, params, many, context):
            executed[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            t0 = time.perf_counter()
            result = sending.run(today, seconds=3600)
            first = time.perf_counter() - t0
        handled = result.sent + result.nothing + result.failed
        per_user = executed[0] / max(handled, 1)
        print(
            f"   first run: {first:.2f} s; {result.sent:,} sent, {result.nothing:,} with nothing, "
            f"{result.failed} failed; {per_user:.1f} queries per user handled"
        )
        t0 = time.perf_counter()
        again = sending.run(today, seconds=3600)
        second = time.perf_counter() - t0
        print(f"   second run the same day: {second:.2f} s; {again.sent} sent")
        run.record(
            "sending",
            {
                "first_run_s": round(first, 2),
                "sent": result.sent,
                "nothing": result.nothing,
                "failed": result.failed,
                "queries_per_user": round(per_user, 1),
                "second_run_s": round(second, 2),
                "second_run_sent": again.sent,
                "mails_in_outbox": len(mail.outbox),
            },
        )
        if again.sent or result.failed or len(mail.outbox) != result.sent:
            print("   SENT TWICE OR FAILED")
            failed = True

    with common.section("calendar feeds"):
        rows = []
        for username in ("admin", "bantochuc", "chibo"):
            user = User.objects.select_related("organisation").filter(username=username).first()
            if user is None:
                continue
            samples = []
            for _ in range(5):
                t0 = time.perf_counter()
                body = feed.calendar(user, today)
                samples.append((time.perf_counter() - t0) * 1000)
            events = body.count(b"BEGIN:VEVENT")
            f = common.percentiles(samples)
            rows.append((username, events, f"{f['p50']:.0f}", f"{len(body) / 1024:.0f}"))
            run.record(f"feed_{username}", {"events": events, "ms": f, "bytes": len(body)})
        common.table(rows, ("user", "events", "p50 ms", "KiB"))

    run.finish()
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
