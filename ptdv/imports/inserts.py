"""Rows of the commit inserted in bulk: PostgreSQL's ``COPY`` there, Django's ``bulk_create``
elsewhere (SQLite).

``bulk_create`` builds one ``INSERT`` of thousands of parameters per batch: at 100,000 people,
candidacies and audit entries and 330,000 events most of the commit went into Django preparing
each value and psycopg splitting and adapting the statement. :func:`insert` writes the same
columns with psycopg 3's ``cursor.copy`` instead, each value as ``bulk_create`` would send it:

- every concrete field but the id, read from its ``attname``; a foreign key set as an object
  whose id was given later (a new person's, a new candidacy's) takes that id, as
  ``bulk_create`` does;
- ``auto_now_add`` / ``auto_now`` dates through the field's ``pre_save`` (set on the object);
- JSON through the field's encoder (PostgreSQL parses the text into ``jsonb``);
- any other kind of field through its ``get_db_prep_save``.

With ``ids=True`` the ids are taken from the table's sequence first (one query) and set on the
objects, so that rows inserted later can name them (events their candidacy) and the objects are
saved instances, as after ``bulk_create``. ``tests/imports/test_copy.py`` checks that both paths
write the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)

#: Field classes whose Python value is what the database receives (the driver adapts it).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.DateField,  # DateTimeField too: aware datetimes are sent as they are
    models.BooleanField,
    models.IntegerField,
    models.ForeignKey,
)


def build(model: type[M], values: dict[str, Any], related: dict[str, Any] | None = None) -> M:
    """A new instance of ``model`` from ``values`` by attribute name (``cell_id``), the other
    fields at their defaults, and ``related`` objects cached (``cell``: an Organisation whose id
    is ``values["cell_id"]``) — as ``model(**kwargs)`` would make it, without its per-field
    work (no ``pre_init``/``post_init`` receiver is connected to the models built here: the
    equivalence test compares the rows)."""
    constant, computed = _defaults(model)
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(constant)
    for name, default in computed:
        if name not in values:
            state[name] = default()
    state.update(values)
    obj._state = ModelState()
    for name, target in (related or {}).items():
        model._meta.get_field(name).set_cached_value(obj, target)
    return obj


@cache
def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """A model's default values: those shared by every instance (immutable), and those made
    for each (a callable default, a mutable one)."""
    constant: dict[str, Any] = {}
    computed: list[tuple[str, Any]] = []
    for field in model._meta.concrete_fields:
        default = field.get_default()
        if (field.has_default() and callable(field.default)) or isinstance(
            default, dict | list | set
        ):
            computed.append((field.attname, field.get_default))
        else:
            constant[field.attname] = default
    return constant, computed


def use_copy() -> bool:
    return connection.vendor == "postgresql"


def insert(model: type[models.Model], objs: Sequence[models.Model], *, ids: bool = False) -> None:
    """Insert ``objs`` (new instances of ``model``) in one ``COPY`` on PostgreSQL, by
    ``bulk_create`` elsewhere. ``ids``: set the objects' ids (``bulk_create`` always does)."""
    if not objs:
        return
    if not use_copy():
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if ids:
        _give_ids(model, objs)
        fields.insert(0, meta.pk)
    plain = [f for f in fields if _is_plain(f)]
    json_fields = [f for f in fields if isinstance(f, models.JSONField)]
    other = [f for f in fields if f not in plain and f not in json_fields]
    read_plain = attrgetter(*[f.attname for f in plain])
    prepare = _preparer(fields)
    encoders = [(f.attname, f.encoder().encode if f.encoder else _JSON.encode) for f in json_fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*plain, *json_fields, *other])
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor (Django's wrapper has no copy)
        with raw.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                prepare(obj)
                row = [*read_plain(obj)] if len(plain) > 1 else [read_plain(obj)]
                for attname, encode in encoders:
                    value = getattr(obj, attname)
                    row.append(None if value is None else encode(value))
                for field in other:
                    row.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
                copy.write_row(row)
    db = connection.alias
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db


def _give_ids(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk


def _is_plain(field: models.Field) -> bool:
    return isinstance(field, _PLAIN)


def _preparer(fields: list[models.Field]):
    """What ``bulk_create`` does to an object before reading it: a foreign key set as an object
    that got its id later takes that id; ``auto_now(_add)`` dates are set."""
    related = [f for f in fields if isinstance(f, models.ForeignKey)]
    dated = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]

    def prepare(obj: models.Model) -> None:
        for field in related:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                target = getattr(obj, field.name)
                if target is not None:
                    setattr(obj, field.attname, target.pk)
        for field in dated:
            field.pre_save(obj, True)

    return prepare


_JSON = json.JSONEncoder()
