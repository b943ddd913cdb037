"""The API against its own schema: schemathesis generates requests from ``/api/schema/`` and sends
them to the site's WSGI application, as a writer and as a read-only user, each with a personal
token made here.

For every operation of the schema served (whatever resources it has today) and both users:

- no server error (``not_a_server_error``);
- every response is one the schema describes: its status code (or one of the answers every
  operation of the API may give — 401, 403, 404, 405, 429 — see :func:`documented_status`), its
  content type, and its body (``response_schema_conformance``).

And without credentials, every operation answers 401 in JSON, never a redirect to the login page.

The data are the test world and its other tree (``tests/base.py``) with a candidacy, a mentor
and a report in every cell (``populate``). Half of the generated requests name real objects in
their path and their organisation, candidacy or mentor parameters (inside the user's subtree or
outside it) instead of random ids, so that the answers about real records are checked too, not
only 404s.

Bounded: at most :data:`MODES` requests per operation, user and kind of data (the same ones every run:
``derandomize``), no deadline per request, no shrinking. A ``TransactionTestCase``: each request
commits as in production (a view that swallows a database error inside the test's transaction
would break every request after it, which production would not see).

Runs with the rest of the suite, on SQLite and in CI's PostgreSQL run (``.ci/run``).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import warnings
from itertools import product
from typing import Any

import schemathesis
from django.test import Client, TransactionTestCase, override_settings
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from ptdv.accounts import tokens
from ptdv.accounts.models import TokenScope
from ptdv.imports.models import ImportRun
from ptdv.org.models import Organisation, Place
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy, MentorAssignment
from ptdv.reports.models import Target
from ptdv.wsgi import application
from tests.base import build_other_tree, build_world, populate
from tests.imports.helpers import PERSON_HEADERS, make_run, xlsx_bytes

#: Requests per operation and user: valid data as the schema describes it, and data the schema
#: forbids (which must be refused with a documented answer, never a server error).
MODES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
#: Answers any operation may give besides those it documents: not signed in (401), refused
#: (403: a read-only user or token, the data protection officer), outside the subtree or
#: missing (404), a method the route does not have (405), too many requests (429).
GENERIC_STATUSES = {401, 403, 404, 405, 429}
#: Defects found in the resources and not corrected yet, by operation: the text of the failure
#: and what it is. Reported as a warning (in pytest's summary) instead of failing the run; any
#: other failure of the operation still fails it. Remove an entry once it is corrected.
KNOWN: dict[str, tuple[str, str]] = {}
#: A run of nine digits or more.
LONG_DIGITS = re.compile(r"\d{9,}")
#: Real objects for the ``{id}`` of each resource (by the path's first segment after /api/).
RESOURCES = {
    "to-chuc": Organisation,
    "dia-ban": Place,
    "nguoi": Person,
    "ho-so": Candidacy,
    "giup-do": MentorAssignment,
    "chi-tieu": Target,
    "nhap-du-lieu": ImportRun,
}
#: Real objects for the query parameters that name one.
PARAMETERS = {
    "to_chuc": Organisation,
    "organisation": Organisation,
    "cell": Organisation,
    "parent": Organisation,
    "candidacy": Candidacy,
    "mentor": Person,
}


def tame(value: Any) -> Any:
    """``value`` without control characters, at most 200 characters long and without a run of
    nine digits (lists item by item; integers modulo 10⁸)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value % 10**8 if abs(value) >= 10**8 else value
    if isinstance(value, float):
        return tame(int(value)) if abs(value) >= 10**8 else value
    if isinstance(value, str):
        text = "".join(c for c in value if unicodedata.category(c) != "Cc")[:200]
        return LONG_DIGITS.sub(lambda m: m[0][:8], text)
    if isinstance(value, list):
        return [tame(item) for item in value]
    if isinstance(value, dict):
        return {tame(key): tame(item) for key, item in value.items()}
    return value


def routes_to_the_api(path: str) -> bool:
    """Whether a view of the API answers ``path``. A path that no route matches (an id that is
    not a whole number, in the negative data) gets the site's 404 page, not the API's answer:
    only the absence of a server error is checked then."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func.__module__.startswith(("ptdv.api.", "rest_framework.", "drf_spectacular."))


def documented_status(ctx, response, case) -> bool | None:
    """The status code is one the operation documents, or one of :data:`GENERIC_STATUSES`."""
    documented = {str(code) for code in (case.operation.definition.raw.get("responses") or {})}
    status = response.status_code
    if "default" in documented or str(status) in documented or f"{str(status)[0]}XX" in documented:
        return True
    if status in GENERIC_STATUSES:
        return True
    raise Failure(
        operation=case.operation.label,
        title="Undocumented HTTP status code",
        message=f"Received: {status}; documented: {', '.join(sorted(documented))}",
    )


CHECKS = [
    not_a_server_error,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
]


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="ptdv-schemathesis-"))
class SchemaConformance(TransactionTestCase):
    """The data and the run; the tests, one per user, are in the classes below (two classes, so
    that a parallel run gives them a worker each)."""

    def setUp(self) -> None:
        self.world = build_world()
        populate(self.world)
        other = build_other_tree()
        # An import run waiting in each tree (their pages and the list).
        content = xlsx_bytes(PERSON_HEADERS, [])
        make_run(self.world.users.cell, self.world.org.A1, "nguoi", content)
        make_run(other.users.cell, other.org.QX1, "nguoi", content)
        self.ids = {
            model: list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            for model in {*RESOURCES.values(), *PARAMETERS.values()}
        }
        self.schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

    def operations(self) -> list:
        found = [result.ok() for result in self.schema.get_all_operations()]
        self.assertTrue(found, "the schema has no operation")
        return found

    def within_the_guards(self, case) -> None:
        """What the site refuses before any view, for every page alike, is left out of the
        generated addresses and bodies: control characters and query values over
        ``PTDV_MAX_QUERY_PARAM_LENGTH`` (``RequestGuardMiddleware``'s 400 page), and runs of nine
        digits or more (the suite fails on any address holding one: ``tests/privacy``), which no
        id of the tests reaches (ids of at most 8 digits)."""
        for params in (case.query, case.path_parameters, case.headers, case.cookies):
            if params:
                tamed = tame(dict(params))
                params.clear()
                params.update(tamed)
        if isinstance(case.body, dict | list | str):
            case.body = tame(case.body)

    def real_ids(self, case, data) -> None:
        """Half the time, the path's ``{id}`` and the parameters naming an object get real ids."""
        if not data.draw(st.booleans(), label="real ids"):
            return
        segment = case.operation.path.removeprefix("/api/").split("/")[0]
        model = RESOURCES.get(segment)
        if model is not None and self.ids[model] and "id" in (case.path_parameters or {}):
            case.path_parameters["id"] = data.draw(st.sampled_from(self.ids[model]), label="id")
        for name, model in PARAMETERS.items():
            if self.ids[model] and name in (case.query or {}):
                case.query[name] = data.draw(st.sampled_from(self.ids[model]), label=name)

    def run_operations(self, user, scope: str) -> None:
        text = tokens.create_token(user, name="schemathesis", scope=scope, days=7).text
        headers = {"Authorization": f"Bearer {text}"}
        failures: list[str] = []
        for operation, mode in product(self.operations(), MODES):

            @settings(
                max_examples=MODES[mode],
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
            def check(case, data: Any) -> None:
                self.within_the_guards(case)
                self.real_ids(case, data)
                response = case.call(headers=headers)
                routed = routes_to_the_api(case.formatted_path)
                checks = CHECKS if routed else [not_a_server_error]
                case.validate_response(response, checks=checks, headers=headers)

            try:
                check()
            # Every operation is tried; the failures are listed below (schemathesis reports a
            # check's failures as a FailureGroup, a BaseExceptionGroup).
            except (Exception, FailureGroup) as failed:
                found = f"{operation.label} ({mode.value}): {failed}"
                known = KNOWN.get(operation.label)
                if known is not None and known[0] in str(failed):
                    warnings.warn(f"known: {known[1]}\n{found}", stacklevel=1)
                else:
                    failures.append(found)
        self.assertEqual(failures, [], "\n\n".join(failures))


class WithoutCredentialsTests(SchemaConformance):
    def test_every_operation_answers_401_in_json_never_a_redirect(self):
        client = Client()
        for operation in self.operations():
            url = operation.path.replace("{id}", str(self.ids[Candidacy][0]))
            with self.subTest(operation=operation.label):
                response = client.generic(operation.method.upper(), url)
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="api"')
                self.assertIn("detail", response.json())


class WriterTests(SchemaConformance):
    def test_as_a_writer(self):
        self.run_operations(self.world.users.grassroots, TokenScope.READ_WRITE)


class ReadOnlyTests(SchemaConformance):
    def test_as_a_read_only_user(self):
        self.run_operations(self.world.users.viewer, TokenScope.READ)
