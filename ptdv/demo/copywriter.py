"""Rows written with PostgreSQL's ``COPY``: the large datasets' writer.

``bulk_create`` builds one ``INSERT … VALUES`` statement per batch and reads the new ids back;
for millions of rows most of the time goes into building the SQL and the parameters. The
:class:`CopyWriter` writes the same rows with ``COPY … FROM STDIN`` (psycopg 3
``cursor.copy``): it takes the ids from the table's sequence itself, a block at a time, sets
them on the instances (as ``bulk_create`` does, so later rows can refer to them) and sends each
row's values as ``bulk_create`` would have computed them (``pre_save`` and
``get_db_prep_save``; plain columns are read straight from the instance).

:func:`copy_bulk_creates` routes the ``bulk_create`` calls made inside it to a writer, so the
demo builder's own code (``ptdv.demo.builder``) writes through ``COPY`` unchanged. On another
database than PostgreSQL the writer falls back on ``bulk_create``.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections, models
from django.db.models.query import QuerySet
from django.utils import timezone

#: Rows per chunk when the rows come from an iterator.
CHUNK = 50_000


class Written(Sequence):
    """The rows copied from an iterator: their number, not the rows (let go once copied)."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        raise TypeError("the rows were copied by chunks and let go: only their number is kept")


class CopyWriter:
    """Writes model instances with ``COPY``; counts the rows written per table."""

    def __init__(self, using: str = "default"):
        self.using = using
        self.rows: dict[str, int] = {}
        self._plans: dict[type[models.Model], _Plan] = {}

    @property
    def connection(self):
        return connections[self.using]

    @property
    def is_postgresql(self) -> bool:
        return self.connection.vendor == "postgresql"

    def allocate(self, model: type[models.Model], n: int) -> Iterator[int]:
        """``n`` new ids of ``model``'s table, taken from its sequence (in one statement, each
        with ``nextval``: another writer's inserts may take ids in between, never the same)."""
        if n <= 0:
            return iter(())
        meta = model._meta
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, n],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        return iter(ids)

    def _plan(self, model: type[models.Model]) -> _Plan:
        plan = self._plans.get(model)
        if plan is None:
            plan = self._plans[model] = _Plan(model, self.connection)
        return plan

    def write(self, model: type[models.Model], objs: Iterable[models.Model]) -> Sequence:
        """Insert ``objs`` (their ids set, from the sequence where they had none); returns them.

        Given an iterator rather than a list (``tallies.rebuild()`` hands ``bulk_create`` a
        generator of millions of rows at the national root), the rows are copied by chunks of
        :data:`CHUNK` and let go: what is returned then only knows how many were written."""
        if self.is_postgresql and not isinstance(objs, list | tuple):
            written, rows = 0, iter(objs)
            for chunk in iter(lambda: list(itertools.islice(rows, CHUNK)), []):
                written += len(self.write(model, chunk))
            return Written(written)
        objs = list(objs)
        if not objs:
            return objs
        if not self.is_postgresql:
            made = _original_bulk_create(model._base_manager.using(self.using), objs)
            self._count(model, len(made))
            return made
        plan = self._plan(model)
        pk = plan.pk
        new_ids = self.allocate(model, sum(1 for o in objs if o.__dict__[pk] is None))
        for obj in objs:
            if obj.__dict__[pk] is None:
                obj.__dict__[pk] = next(new_ids)
        now = timezone.now()
        today, stamp = datetime.date.today(), now.isoformat()
        day = today.isoformat()
        with self.connection.cursor() as cursor, cursor.cursor.copy(plan.statement) as copy:
            lines = []
            for obj in objs:
                values = obj.__dict__
                # A related object saved after it was assigned: its id now (what
                # ``_prepare_related_fields_for_save`` does before an insert).
                cached = obj._state.fields_cache
                for name, attname, target in plan.relations:
                    related = cached.get(name)
                    if related is not None:
                        related_pk = related.__dict__[target]
                        if related_pk is None:
                            raise ValueError(f"{model.__name__}.{name}: unsaved related object")
                        values[attname] = related_pk
                for attname, moment in plan.stamped:
                    values[attname] = now if moment else today
                lines.append(plan.line(values, stamp, day))
                if len(lines) == 2000:
                    copy.write("".join(lines))
                    lines = []
            if lines:
                copy.write("".join(lines))
        for obj in objs:
            obj._state.adding = False
            obj._state.db = self.using
        self._count(model, len(objs))
        return objs

    def copy_rows(self, model: type[models.Model], names: list[str], rows: Iterable[tuple]) -> int:
        """Insert plain rows (no instances) into ``names`` (field names) of ``model``: their
        ids from the sequence."""
        rows = list(rows)
        if not rows:
            return 0
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        if not self.is_postgresql:
            made = _original_bulk_create(
                model._base_manager.using(self.using),
                [model(**{f.attname: v for f, v in zip(fields, row, strict=True)}) for row in rows],
            )
            self._count(model, len(made))
            return len(made)
        quote = self.connection.ops.quote_name
        ids = self.allocate(model, len(rows))
        columns = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
        with self.connection.cursor() as cursor:
            statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row((next(ids), *row))
        self._count(model, len(rows))
        return len(rows)

    def update(self, model: type[models.Model], objs: Iterable[models.Model], fields) -> int:
        """``bulk_update(objs, fields)``: the new values copied into a temporary table, then one
        ``UPDATE … FROM`` (``bulk_update``'s ``CASE WHEN`` grows with the square of a batch)."""
        objs = list(objs)
        if not objs:
            return 0
        if not self.is_postgresql:
            return _original_bulk_update(model._base_manager.using(self.using), objs, fields)
        quote = self.connection.ops.quote_name
        meta = model._meta
        targets = [meta.get_field(name) for name in fields]
        table = quote(meta.db_table)
        pk = quote(meta.pk.column)
        columns = [quote(f.column) for f in targets]
        temp = quote(f"copy_update_{meta.db_table}")
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                f"SELECT {pk}, {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {temp} ({pk}, {', '.join(columns)}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(
                        [obj.pk]
                        + [f.get_db_prep_save(getattr(obj, f.attname), self.connection)
                           for f in targets]
                    )  # fmt: skip
            assignments = ", ".join(f"{c} = {temp}.{c}" for c in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {temp} WHERE {table}.{pk} = {temp}.{pk}"
            )
            cursor.execute(f"DROP TABLE {temp}")
        return len(objs)

    @contextmanager
    def trusted(self) -> Iterator[None]:
        """Within the block (inside a transaction), the foreign keys are not checked row by row:
        the rows come from one builder that refers only to rows it wrote (the test compares them
        with the ORM's). ``session_replication_role`` needs a superuser: otherwise the checks
        run as usual."""
        if not self.is_postgresql:
            yield
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = bool(cursor.fetchone()[0])
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                yield
            finally:
                if superuser:
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    def _count(self, model: type[models.Model], n: int) -> None:
        table = model._meta.db_table
        self.rows[table] = self.rows.get(table, 0) + n


#: ``COPY``'s text format: backslash, tab and line ends escaped.
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


class _Plan:
    """How one model's instances become lines of ``COPY``'s text format: a function compiled
    once per model, reading each column's value from the instance's ``__dict__`` as
    ``bulk_create`` would send it (a choice as its value, a JSON column as ``json.dumps`` of
    it — the field's encoder, if any — a date in ISO format)."""

    def __init__(self, model: type[models.Model], connection):
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.generated]
        self.pk = meta.pk.attname
        self.relations = [
            (f.name, f.attname, f.target_field.attname)
            for f in fields
            if isinstance(f, models.ForeignKey)
        ]
        self.stamped = []
        expressions = []
        namespace: dict[str, Any] = {"N": _NULL, "E": _ESCAPE, "C": connection, "dumps": json.dumps}
        for i, f in enumerate(fields):
            value = f"d[{f.attname!r}]"
            automatic = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            if isinstance(f, models.DateTimeField) and automatic:
                self.stamped.append((f.attname, True))  # the moment of the write, for all rows
                expressions.append("stamp")
            elif isinstance(f, models.DateField) and automatic:
                self.stamped.append((f.attname, False))  # the day of the write
                expressions.append("day")
            elif isinstance(f, models.DateTimeField | models.DateField) and not automatic:
                expressions.append(f"(N if (v := {value}) is None else v.isoformat())")
            elif isinstance(f, models.BooleanField):
                expressions.append(f"(N if (v := {value}) is None else ('t' if v else 'f'))")
            elif isinstance(f, models.ForeignKey | models.IntegerField):
                expressions.append(f"(N if (v := {value}) is None else str(int(v)))")
            elif isinstance(f, models.CharField | models.TextField):
                expressions.append(f"(N if (v := {value}) is None else str(v).translate(E))")
            elif isinstance(f, models.JSONField):
                namespace[f"encoder{i}"] = f.encoder
                null = "N" if f.null else "'null'"
                expressions.append(
                    f"({null} if (v := {value}) is None else dumps(v, cls=encoder{i}).translate(E))"
                )
            else:  # as Django prepares it for the database, as text
                namespace[f"field{i}"] = f
                expressions.append(
                    f"(N if (v := field{i}.get_db_prep_save({value}, C)) is None "
                    "else str(v).translate(E))"
                )
        source = f"def line(d, stamp, day):\n    return '\\t'.join(({', '.join(expressions)},)) + '\\n'\n"
        exec(compile(source, f"<copy {meta.label}>", "exec"), namespace)
        self.line: Callable[[dict, str, str], str] = namespace["line"]
        columns = ", ".join(quote(f.column) for f in fields)
        self.statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"


_original_bulk_create = QuerySet.bulk_create
_original_bulk_update = QuerySet.bulk_update


@contextmanager
def copy_bulk_creates(writer: CopyWriter) -> Iterator[CopyWriter]:
    """Within the block, ``bulk_create`` (without its conflict options) and ``bulk_update`` on
    ``writer``'s database write with ``writer``: the builders' code stays the ORM's."""

    def bulk_create(queryset, objs, batch_size=None, **options):
        if options or queryset.db != writer.using:
            return _original_bulk_create(queryset, objs, batch_size=batch_size, **options)
        return writer.write(queryset.model, objs)

    def bulk_update(queryset, objs, fields, batch_size=None):
        if queryset.db != writer.using:
            return _original_bulk_update(queryset, objs, fields, batch_size=batch_size)
        return writer.update(queryset.model, objs, fields)

    QuerySet.bulk_create = bulk_create  # type: ignore[method-assign]
    QuerySet.bulk_update = bulk_update  # type: ignore[method-assign]
    try:
        yield writer
    finally:
        QuerySet.bulk_create = _original_bulk_create  # type: ignore[method-assign]
        QuerySet.bulk_update = _original_bulk_update  # type: ignore[method-assign]
