"""Benchmark 4: server time of the daily-work pages, as a ratio to a bare authenticated view.

    .venv/bin/python benchmarks/pages.py [--database-url URL] [--requests 50] [--warmup 10]
                                         [--skip-demo] [--users tinhuy,bantochuc,chibo]
    .venv/bin/python benchmarks/pages.py --existing --database-url URL [--users cap_goc,…]

For the province dataset (``province_shape()``; ``--skip-demo`` leaves out the small demo run
first), in one fresh database:

- builds the dataset and the demo users (``ptdv.demo.users``);
- for each user — the province committee (``tinhuy``, the root: every candidacy), the district
  committee (``bantochuc``) and a cell secretary (``chibo``) — and each page of the issue: the
  to-do page, the board, the list with filters, the candidacy page, the person page and the
  search, sends ``--warmup`` requests then ``--requests`` timed ``GET``s through
  ``django.test.Client`` (the whole Django stack: middleware, session, view, template; no
  network) and counts the queries of one more request;
- measures ``/bench/bare/`` (a ``login_required`` view returning "ok", ``bench_urls.py``) in the
  same run and prints each page's p50 and p95 as a multiple of the bare view's p50.

The query count of a page must be the same on both datasets (it does not grow with the data).

With ``--existing``, on a database built before (``benchmarks/build_large.py``: the merged
province or the nation), used as it is — no build, no reset, no migration — the same pages are
measured for one account per level (``ptdv.demo.levels``: the root, a province, a district, a
grassroots committee and a cell; created, or moved to their organisation, where needed).
"""

from __future__ import annotations

import gc
import time

import common

USERS = [
    ("tinhuy", "province committee (root)"),
    ("bantochuc", "district committee"),
    ("chibo", "cell secretary"),
]


def signed_in(user):
    """A test client signed in as ``user``, with the second factor passed where the user's role
    needs one (the demo users are enrolled with an authenticator app): otherwise the site
    answers with the second step's page instead of the page measured."""
    from django.test import Client

    from ptdv.accounts import mfa

    client = Client()
    client.force_login(user)
    if mfa.second_step_needed(user):
        device = mfa.totp_device(user)
        if device is None:
            raise SystemExit(f"{user.username} needs a second factor and has no device")
        session = client.session
        mfa.mark_verified(session, device)
        session.save()
    return client


def measure(client, url: str, warmup: int, requests: int) -> dict:
    """Every response must be the page itself (200): a redirect to the login or its second
    step would be measured instead of the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    for _ in range(warmup):
        get()
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        get()
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = get()
    figures = common.percentiles(samples)
    figures["queries"] = len(captured.captured_queries)
    figures["bytes"] = len(response.content)
    return figures


def chosen_record(user) -> tuple[int, int, str, bool] | None:
    """(candidacy, person, the person's folded name, open) for the candidacy and person pages:
    among the candidacies ``user`` sees whose person they see too, an open one with the most
    events, else any one with the most events; ``None`` when they see none."""
    from django.db.models import Count

    from ptdv.people.models import Person
    from ptdv.pipeline.models import Candidacy

    visible = Candidacy.objects.visible_to(user).filter(person__in=Person.objects.visible_to(user))
    for candidacies, is_open in ((visible.open(), True), (visible, False)):
        busiest = (
            candidacies.annotate(n=Count("events"))
            .order_by("-n", "pk")
            .values_list("pk", "person_id", "person__search_name")
            .first()
        )
        if busiest is not None:
            return (*busiest, is_open)
    return None


#: Searched for when the user sees no candidacy: a common family and middle name.
COMMON_NAME = "nguyen van"


def search_address(client, text: str) -> str:
    """The search page's address for ``text``: the box POSTs it and is answered with a redirect
    to an address holding a token, not the name (``/tim-kiem/?q=…`` is itself only a redirect)."""
    response = client.post("/tim-kiem/", {"q": text})
    assert response.status_code == 303, ("/tim-kiem/", response.status_code)
    return response["Location"]


def pages_for(user, client) -> list[tuple[str, str]]:
    """(page, URL) for ``user``: records chosen inside the user's subtree, the busiest ones.

    The candidacy and person pages are left out, with a line saying so, for a user who sees no
    candidacy."""
    from ptdv.rules.stages import Stage

    record = chosen_record(user)
    if record is None:
        print(f"   {user.username}: sees no candidacy: no candidacy page nor person page")
        query = COMMON_NAME
        records = []
    else:
        candidacy_pk, person_pk, folded, is_open = record
        if not is_open:
            print(f"   {user.username}: sees no open candidacy: the candidacy and person pages "
                  f"show closed candidacy {candidacy_pk}")  # fmt: skip
        family, *rest = folded.split() or COMMON_NAME.split()
        query = " ".join([family, *rest[:1]])  # "nguyen van": many matches, as typed
        records = [
            ("candidacy page", f"/ho-so/{candidacy_pk}/"),
            ("person page", f"/nguoi/{person_pk}/"),
        ]
    return [
        ("to-do", "/"),
        ("board", "/tien-trinh/"),
        ("list, filtered", f"/danh-sach/?stage={Stage.DOSSIER.value}&sex=F&sort=name"),
        ("list, overdue", "/danh-sach/?overdue=on&sort=due"),
        *records,
        ("search", search_address(client, query)),
    ]


def bench_dataset(name: str, shape, args, run) -> dict:
    from django.core.management import call_command

    from ptdv.pipeline.models import Candidacy

    with common.section(f"{name}: build"):
        if Candidacy.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
        counts, seconds = common.build(shape, args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        gc.collect()
        common.settle()
    users = [username for username, _label in USERS if username in args.users]
    results = measure_pages(name, users, args)
    run.record(name, {"build_s": round(seconds, 1), "counts": counts, "requests": results})
    return results


def measure_pages(name: str, usernames: list[str], args) -> dict[str, dict]:
    """Every page of each user, and the bare view before and after, in one run."""
    from ptdv.accounts.models import User
    from ptdv.pipeline.models import Candidacy

    results: dict[str, dict] = {}
    with common.section(f"{name}: pages ({args.warmup} warm-up, {args.requests} timed)"):
        bare_client = signed_in(User.objects.get(username=usernames[0]))
        bare = measure(bare_client, "/bench/bare/", args.warmup, args.requests)
        results["bare"] = bare
        rows = []
        for username in usernames:
            user = User.objects.select_related("organisation").get(username=username)
            client = signed_in(user)
            seen = Candidacy.objects.visible_to(user).count()
            for page, url in pages_for(user, client):
                r = measure(client, url, args.warmup, args.requests)
                r["url"] = url
                r["organisation"] = user.organisation.name
                results[f"{username} {page}"] = r
                rows.append(
                    (
                        f"{username} ({seen:,})",
                        page,
                        f"{r['p50']:.2f}",
                        f"{r['p95']:.2f}",
                        f"{r['p50'] / bare['p50']:.1f}×",
                        f"{r['p95'] / bare['p50']:.1f}×",
                        r["queries"],
                        f"{r['bytes'] / 1024:.0f}",
                    )
                )
        # Same run, same client: the bare view again, to show the machine did not drift.
        again = measure(bare_client, "/bench/bare/", args.warmup, args.requests)
        results["bare again"] = again
        rows.append(("", "bare view", f"{bare['p50']:.2f}", f"{bare['p95']:.2f}", "1.0×", "",
                     bare["queries"], ""))  # fmt: skip
        rows.append(("", "bare view (again)", f"{again['p50']:.2f}", f"{again['p95']:.2f}",
                     f"{again['p50'] / bare['p50']:.1f}×", "", again["queries"], ""))  # fmt: skip
        common.table(
            rows,
            ("user (candidacies)", "page", "p50 ms", "p95 ms", "p50/bare", "p95/bare",
             "queries", "KiB"),
        )  # fmt: skip
    return results


def bench_existing(args, run) -> None:
    """The pages of every level's account on the database as it is (``--existing``)."""
    from ptdv.demo.levels import ensure_level_users

    with common.section("the accounts of each level (created or moved where needed)"):
        users = ensure_level_users()
        for user, organisation in users:
            print(
                f"   {user.username:<10} {user.role:<11} {organisation.name} ({organisation.kind})"
            )
    wanted = [u.username for u, _o in users if not args.users or u.username in args.users]
    gc.collect()
    results = measure_pages("existing", wanted, args)
    run.record("existing", {"users": {u.username: o.name for u, o in users}, "requests": results})


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=50, help="timed requests per page (50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    p.add_argument("--skip-demo", action="store_true", help="province dataset only")
    p.add_argument("--users", default="", help="users to measure (default: every one)")
    p.add_argument(
        "--existing",
        action="store_true",
        help="measure the database as it is (built by build_large.py): no build, no reset; the "
        "accounts of the root, a province, a district, a grassroots committee and a cell",
    )
    args = p.parse_args()
    args.users = set(args.users.split(",")) if args.users else set()
    run = common.setup(args, existing=args.existing)

    from django.test.utils import override_settings

    if args.existing:
        with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
            bench_existing(args, run)
        run.finish()
        return
    args.users = args.users or {u for u, _ in USERS}

    from ptdv.demo.builder import demo_shape

    datasets = [] if args.skip_demo else [("demo", demo_shape())]
    datasets.append(("province", common.province_shape(args)))
    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
        results = {name: bench_dataset(name, shape, args, run) for name, shape in datasets}

    if len(datasets) == 2:
        print("\n== query counts per page: demo → province (must not grow with the data)")
        grows = [
            key
            for key, r in results["province"].items()
            if key in results["demo"] and r["queries"] != results["demo"][key]["queries"]
        ]
        for key in grows:
            print(f"   GROWS: {key}: {results['demo'][key]['queries']} → "
                  f"{results['province'][key]['queries']}")  # fmt: skip
        if not grows:
            print("   same count on both datasets for every page")
    run.finish()


if __name__ == "__main__":
    main()
