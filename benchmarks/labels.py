"""Label lookups of the daily-work pages: their time and how often a page asks for a label.

    .venv/bin/python benchmarks/labels.py [--database-url URL] [--requests 30] [--warmup 5]
                                          [--users tinhuy] [--province]

On the demo dataset (``demo_shape()``, 700 candidacies; ``--province`` for ``province_shape()``
with the sizes of ``--candidacies`` etc.), for each user (default: ``tinhuy``, the province
committee, who sees every candidacy) and each page — the to-do page, the board, the list, the
candidacy page and the person page — measures:

- the server time (``django.test.Client``, ``--warmup`` untimed then ``--requests`` timed
  ``GET``s; p50 and p95 in ms) and the median CPU time of the process per request (steadier
  than the wall time on a machine others share);
- in one more request, the calls of Django's ``Model._get_FIELD_display`` (every
  ``get_<field>_display()`` Django builds: a dict of the field's choices, each label translated,
  rebuilt at each call) and the time spent in them, and the calls of ``gettext`` (every
  translated string of the page, labels and template text alike).

The counters wrap the functions for that one request only, so the timed requests run unwrapped.

``--dump DIR`` writes each page's HTML, in Vietnamese and in English, to ``DIR`` (the CSRF
token blanked), to compare the pages of two versions of the code byte for byte.

Then, outside any request, the time of one call of each label method (``timeit``, the best of
seven rounds, in Vietnamese and in English): ``Candidacy.get_stage_display``,
``Event.get_step_display``, ``MentorReport.get_assessment_display``, ``deadline_label``, and
Django's own ``Person.get_ethnicity_display`` for comparison.
"""

from __future__ import annotations

import gc
import re
import statistics
import time
from pathlib import Path

import common


class Counter:
    """Calls of a function and the time spent in them (outermost calls only)."""

    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0
        self.depth = 0

    def wrap(self, fn):
        def counted(*args, **kwargs):
            self.calls += 1
            self.depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if not self.depth:
                    self.seconds += time.perf_counter() - t0

        return counted


def _display_methods():
    """(model, name, method) of every ``get_<field>_display`` of the installed models."""
    from django.apps import apps

    for model in apps.get_models():
        for f in model._meta.get_fields():
            name = f"get_{f.name}_display"
            for klass in model.__mro__:
                if name in klass.__dict__:
                    yield klass, name, klass.__dict__[name]
                    break


def counted_request(client, url: str) -> dict:
    """One request with the label calls and ``gettext`` counted."""
    from django.utils import translation

    from ptdv.pipeline import models as pipeline_models

    labels, texts = Counter(), Counter()
    trans = translation._trans
    trans.gettext  # noqa: B018 (the first access puts the real function on the instance)
    original_gettext = trans.__dict__["gettext"]
    originals = list({(k, n): m for k, n, m in _display_methods()}.items())
    for (klass, name), method in originals:

        def call(self, _method=method):
            return _method.__get__(self, type(self))()

        setattr(klass, name, labels.wrap(call))
    original_deadline = pipeline_models.deadline_label
    pipeline_models.deadline_label = labels.wrap(original_deadline)
    trans.gettext = texts.wrap(original_gettext)
    try:
        response = client.get(url)
    finally:
        for (klass, name), method in originals:
            setattr(klass, name, method)
        pipeline_models.deadline_label = original_deadline
        trans.gettext = original_gettext
    assert response.status_code == 200, (url, response.status_code)
    return {
        "label_calls": labels.calls,
        "label_ms": labels.seconds * 1000,
        "gettext_calls": texts.calls,
    }


def measure(client, url: str, warmup: int, requests: int) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples, cpu = [], []
    for _ in range(requests):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    figures = common.percentiles(samples)
    figures["cpu_p50"] = statistics.median(cpu)
    figures.update(counted_request(client, url))
    return figures


def signed_in(user):
    """A test client signed in as ``user``, the second factor passed where it is required."""
    from django.test import Client

    from tests.base import pass_second_factor

    client = Client()
    client.force_login(user)
    pass_second_factor(client, user)
    return client


def per_call() -> list[tuple[str, str, float]]:
    """(label, language, µs per call) of the label methods."""
    import timeit

    from django.utils import translation

    from ptdv.people.models import Person
    from ptdv.pipeline.models import Candidacy, Event, MentorReport, deadline_label

    c = Candidacy.objects.exclude(next_due_code="").select_related("person").first()
    e, r, p = Event.objects.first(), MentorReport.objects.first(), Person.objects.first()
    calls = [
        ("Candidacy.get_stage_display", c.get_stage_display),
        ("Event.get_step_display", e.get_step_display),
        ("MentorReport.get_assessment_display", r.get_assessment_display),
        ("deadline_label", lambda: deadline_label(c.next_due_code)),
        ("Person.get_ethnicity_display (Django's)", p.get_ethnicity_display),
    ]
    rows = []
    for language in ("vi", "en"):
        with translation.override(language):
            for name, call in calls:
                timer = timeit.Timer(call)
                n, _ = timer.autorange()
                best = min(timer.repeat(repeat=7, number=n)) / n
                rows.append((name, language, best * 1e6))
    return rows


def dump(client, url: str, stem: Path) -> None:
    """The page's HTML in Vietnamese and in English, the CSRF token blanked."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for language, headers in (("vi", {}), ("en", {"HTTP_ACCEPT_LANGUAGE": "en"})):
        html = client.get(url, **headers).content.decode()
        html = re.sub(r"(csrfmiddlewaretoken.{0,20}?)[A-Za-z0-9]{32,}", r"\1…", html)
        html = re.sub(r'("X-CSRFToken": ")[A-Za-z0-9]{32,}', r"\1…", html)
        Path(f"{stem}.{language}.html").write_text(html)


def pages_for(user) -> list[tuple[str, str]]:
    from django.db.models import Count

    from ptdv.pipeline.models import Candidacy

    busiest = (
        Candidacy.objects.visible_to(user)
        .filter(closed_on__isnull=True)
        .annotate(n=Count("events"))
        .order_by("-n", "pk")
        .values_list("pk", "person_id")
        .first()
    )
    candidacy_pk, person_pk = busiest
    return [
        ("to-do", "/"),
        ("board", "/tien-trinh/"),
        ("list", "/danh-sach/"),
        ("candidacy page", f"/ho-so/{candidacy_pk}/"),
        ("person page", f"/nguoi/{person_pk}/"),
        ("mentoring", "/giup-do/"),
    ]


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    common.add_shape_arguments(p)
    p.add_argument("--requests", type=int, default=30, help="timed requests per page (30)")
    p.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    p.add_argument("--users", default="tinhuy", help="users to measure (tinhuy)")
    p.add_argument("--province", action="store_true", help="province_shape() instead of demo")
    p.add_argument("--dump", type=Path, help="write every page's HTML (vi, en) to this folder")
    args = p.parse_args()
    run = common.setup(args)

    from ptdv.accounts.models import User
    from ptdv.demo.builder import demo_shape

    shape = common.province_shape(args) if args.province else demo_shape()
    with common.section("build"):
        counts, seconds = common.build(shape, args.today)
        print(f"   built in {seconds:.1f} s: {counts}")
        gc.collect()
        common.settle()

    results: dict[str, dict] = {}
    rows = []
    with common.section(f"pages ({args.warmup} warm-up, {args.requests} timed)"):
        for username in args.users.split(","):
            user = User.objects.select_related("organisation").get(username=username)
            client = signed_in(user)
            for page, url in pages_for(user):
                r = measure(client, url, args.warmup, args.requests)
                r["url"] = url
                if args.dump:
                    dump(client, url, args.dump / f"{username}-{page.replace(' ', '-')}")
                results[f"{username} {page}"] = r
                rows.append(
                    (
                        username,
                        page,
                        f"{r['p50']:.2f}",
                        f"{r['p95']:.2f}",
                        f"{r['cpu_p50']:.2f}",
                        r["label_calls"],
                        f"{r['label_ms']:.2f}",
                        r["gettext_calls"],
                    )
                )
        common.table(
            rows,
            (
                "user",
                "page",
                "p50 ms",
                "p95 ms",
                "CPU p50 ms",
                "label calls",
                "their ms",
                "gettext",
            ),
        )
    with common.section("one call of each label method (µs, best of 7)"):
        calls = per_call()
        common.table([(n, lang, f"{us:.2f}") for n, lang, us in calls], ("call", "lang", "µs"))
    run.record(
        "labels",
        {
            "build_s": round(seconds, 1),
            "counts": counts,
            "requests": results,
            "per_call_us": [list(c) for c in calls],
        },
    )
    run.finish()


if __name__ == "__main__":
    main()
