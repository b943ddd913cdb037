"""Recording reads of personal data: one call, one INSERT, no other query.

Views call :func:`record` once per request that shows or takes out personal data::

    record(request, AccessKind.CANDIDACY, candidacy=candidacy)
    record(request, "cccd_reveal", person=person)
    rows = Counted(candidacy_rows(queryset, today))
    response = xlsx_response(..., rows=rows)
    record(request, AccessKind.LIST_EXPORT, filters=request.GET, count=rows.count)

Everything an entry holds is known before the call (ids already on the objects the view loaded,
the request's address and query), so recording is a single ``INSERT``: the organisation is taken
from the ids (``candidacy.cell_id``, ``person.cell_id``, the user's ``organisation_id``) and, when
only a path is given, as a subquery of that same statement. Filters are copied with every run of
nine or more digits masked (``001******457``): a full identity number never reaches the log.
On PostgreSQL the entry's commit does not wait for the disk (:func:`_asynchronous`).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.db import connections
from django.db.models import Subquery
from django.utils import timezone

from ptdv.masking import mask_grouped_numbers
from ptdv.org.models import Organisation

from .models import AccessEntry, AccessKind

__all__ = ["AccessKind", "Counted", "client_address", "record"]

#: Query parameters that say nothing about what was read.
IGNORED_PARAMETERS = frozenset({"page", "csrfmiddlewaretoken"})
#: Bounds of what an entry keeps of a query: parameters, values per parameter, characters.
MAX_PARAMETERS = 40
MAX_VALUES = 20
MAX_TEXT = 200


def _clean_text(value: Any) -> str:
    return mask_grouped_numbers(str(value)[: MAX_TEXT * 2])[:MAX_TEXT]


def clean_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """A bounded, masked copy of a query (a ``QueryDict`` or a mapping): one value as a string,
    several as a list; empty values and :data:`IGNORED_PARAMETERS` left out."""
    if not filters:
        return {}
    getlist = getattr(filters, "getlist", None)
    cleaned: dict[str, Any] = {}
    for key in list(filters.keys())[: MAX_PARAMETERS * 2]:
        if key in IGNORED_PARAMETERS:
            continue
        raw = getlist(key) if getlist else filters[key]
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            raw = [raw]
        values = [_clean_text(v) for v in list(raw)[:MAX_VALUES] if v not in (None, "")]
        if values:
            cleaned[_clean_text(key)] = values[0] if len(values) == 1 else values
        if len(cleaned) >= MAX_PARAMETERS:
            break
    return cleaned


def client_address(request) -> str | None:
    """The client's address as the audit log takes it (django-auditlog's middleware: the first
    ``X-Forwarded-For`` address, else ``REMOTE_ADDR``); ``None`` when it is not an address."""
    address = AuditlogMiddleware._get_remote_addr(request)
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _organisation(user, person, candidacy, organisation, org_path) -> Any:
    """The organisation an entry belongs to, as an id or a subquery (never a separate read)."""
    if organisation is not None:
        return _pk(organisation)
    if org_path is not None:
        return Subquery(Organisation.objects.filter(path=org_path).values("pk")[:1])
    if candidacy is not None and hasattr(candidacy, "cell_id"):
        return candidacy.cell_id
    if person is not None and hasattr(person, "cell_id"):
        return person.cell_id
    return getattr(user, "organisation_id", None)


def record(
    request,
    kind: AccessKind | str,
    *,
    person=None,
    candidacy=None,
    filters: Mapping[str, Any] | None = None,
    count: int | None = None,
    org_path: str | None = None,
    organisation=None,
) -> AccessEntry | None:
    """Write one read-log entry for ``request`` (one ``INSERT``); ``None`` when nobody is signed
    in (such a request reads nothing personal).

    - ``kind``: an :class:`AccessKind` (its value is accepted; an unknown kind is an error);
    - ``person`` / ``candidacy``: the record read, an instance or an id (a candidacy's entry
      names its person too, so searching by person finds it);
    - ``filters``: the query of a list, export or search (masked and bounded here);
    - ``count``: how many people were shown or exported (1 for a record's page);
    - ``organisation`` (instance or id) or ``org_path``: whose data it was; by default the
      candidacy's cell, else the person's cell, else the reader's organisation.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    kind = AccessKind(kind)
    person_id = _pk(person)
    if person_id is None and candidacy is not None:
        person_id = getattr(candidacy, "person_id", None)
    if count is None and (person is not None or candidacy is not None):
        count = 1
    values = {
        "at": timezone.now(),
        "user_id": user.pk,
        "remote_addr": client_address(request),
        "kind": kind.value,
        "person_id": person_id,
        "candidacy_id": _pk(candidacy),
        "filters": clean_filters(filters),
        "count": count,
    }
    organisation_id = _organisation(user, person, candidacy, organisation, org_path)
    entry_id, organisation_id = _insert(values, organisation_id, org_path)
    entry = AccessEntry(id=entry_id, organisation_id=organisation_id, **values)
    entry._state.adding = False
    entry._state.db = AccessEntry.objects.db
    return entry


def _insert(values: dict[str, Any], organisation_id: Any, org_path: str | None) -> tuple:
    """One ``INSERT … RETURNING`` written by hand: the ORM's ``create`` costs more than the
    statement itself (0.6 ms against 0.3 ms per entry on PostgreSQL here, docs/benchmarks.md).
    On PostgreSQL outside the caller's transaction, the statement also turns off waiting for
    the disk at its own commit (:func:`_asynchronous`)."""
    connection = connections[AccessEntry.objects.db]
    meta = AccessEntry._meta
    prepared = {
        **values,
        "at": connection.ops.adapt_datetimefield_value(values["at"]),
        "filters": json.dumps(values["filters"], ensure_ascii=False),
    }
    columns = [meta.get_field(name).column for name in prepared]
    params = list(prepared.values())
    if isinstance(organisation_id, Subquery):
        organisation_sql = (
            f"(SELECT {_quoted(connection, Organisation._meta.pk.column)} FROM "
            f"{_quoted(connection, Organisation._meta.db_table)} WHERE "
            f"{_quoted(connection, Organisation._meta.get_field('path').column)} = %s LIMIT 1)"
        )
        params.append(org_path)
    else:
        organisation_sql = "%s"
        params.append(organisation_id)
    columns.append(meta.get_field("organisation").column)
    names = ", ".join(_quoted(connection, column) for column in columns)
    placeholders = ", ".join(["%s"] * (len(columns) - 1) + [organisation_sql])
    returning = (
        f"RETURNING {_quoted(connection, meta.pk.column)}, "
        f"{_quoted(connection, meta.get_field('organisation').column)}"
    )
    table = _quoted(connection, meta.db_table)
    if _asynchronous():
        sql = (
            "WITH unhurried AS (SELECT set_config('synchronous_commit', 'off', true)) "
            f"INSERT INTO {table} ({names}) SELECT {placeholders} FROM unhurried {returning}"
        )
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def _quoted(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _asynchronous() -> bool:
    """Whether the entry's INSERT commits without waiting for the disk: on PostgreSQL, outside
    any transaction of the caller, unless ``PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT`` is on.

    PostgreSQL decides at commit time whether to wait for the write-ahead log to reach the disk,
    from the setting then in effect; the statement sets it for its own transaction only
    (``set_config(…, true)`` in a ``WITH``). Not waiting risks losing the last entries written
    before a crash of the database server — at most three times ``wal_writer_delay`` (0.6 s by
    default) — never the database's consistency nor any other data, whose commits still wait."""
    if getattr(settings, "PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT", False):
        return False
    connection = connections[AccessEntry.objects.db]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Counted:
    """An iterable that counts what has been taken from it (the rows an export wrote), so an
    export's entry says how many people it held without counting them in the database."""

    def __init__(self, iterable: Iterable):
        self._iterable = iterable
        self.count = 0

    def __iter__(self) -> Iterator:
        for item in self._iterable:
            self.count += 1
            yield item


class ReadLoggedAdminMixin:
    """A ``ModelAdmin`` of personal data whose record page and list write read-log entries, as
    the site's pages do. ``read_log_target(obj)`` names the record: ``{"person": …}`` or
    ``{"candidacy": …}`` (ids or instances)."""

    def read_log_target(self, obj) -> dict[str, Any]:  # pragma: no cover - each admin says
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        obj = context.get("original")
        if request.method == "GET" and response.status_code == 200 and obj is not None:
            record(request, AccessKind.ADMIN_RECORD, **self.read_log_target(obj))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            record(
                request,
                AccessKind.ADMIN_LIST,
                filters={"model": self.model._meta.label, **request.GET.dict()},
                count=len(changelist.result_list),
            )
        return response
