"""The preview's plan, kept beside the upload for the commit (``ImportRun.plan_path``).

The preview decides what each row does (:class:`~.plans.RowPlan`); a run without failing rows
keeps those decisions in a compressed file of JSON lines, one line per chunk of the file's rows
(as the planner chunks them), with the **basis** of the chunk: a digest of what ptdv held about
the chunk's people when it was planned (``lookups.look_up``: who holds each CCCD, who has each
name and birth date, their candidacies and steps, their member events, who holds each
personal-history number), and in the first line a
digest of the subtree imported into (``tree.Subtree.digest``) and the preview's day.

The commit (``running.Writer``) reads the file instead of the upload and plans nothing: for
each chunk it asks the database the same batched questions and compares the digests. Equal, the
preview's decisions still hold and are written as they are, the people and candidacies they
name taken from the fresh answers (never from the file: it can name nobody outside what the
questions return). Different — somebody changed one of these people, took a CCCD or a
personal-history number, moved a cell since the preview — the commit plans the upload again
(:class:`Changed`), as it did before the plan was kept, and fails on the first row that no
longer passes.

The file holds the upload's personal data: it is deleted with the upload (``forget_file``, the
pruning, the sweep).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ptdv.members.imports import PlannedEvent
from ptdv.people.identity import CccdElsewhere
from ptdv.people.models import Person
from ptdv.pipeline.models import Candidacy
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Step

from .plans import Action, Known, NumberElsewhere, PlannedStep, RowPlan

#: The layout of the file; a file of another layout is not read (the upload is planned again).
FORMAT = 1
#: Foreign keys a row's changes may set, by the id kept in the file.
OBJECT_KEYS = ("cell", "residence")


class Changed(Exception):
    """What the preview's plan rests on changed (or the kept plan cannot be read): the commit
    plans the upload again."""


# --- values as JSON ---------------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    raise TypeError(f"not kept in an import's plan: {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$d" in obj:
        return date.fromisoformat(obj["$d"])
    return obj


_encode = json.JSONEncoder(default=_default, ensure_ascii=False, separators=(",", ":")).encode
_decode = json.JSONDecoder(object_hook=_hook).decode


# --- the basis: what ptdv held about a chunk's people -----------------------------------------

_PERSON_FIELDS = tuple(f.attname for f in Person._meta.concrete_fields)
_CANDIDACY_FIELDS = tuple(f.attname for f in Candidacy._meta.concrete_fields)


def _person(person: Person) -> tuple:
    return (*(getattr(person, f) for f in _PERSON_FIELDS), person.cell.path)


def basis(known: Known) -> str:
    """A digest of everything the planner read about one chunk's people."""
    holders = []
    for cccd, holder in sorted(known.by_cccd.items()):
        if isinstance(holder, CccdElsewhere):
            holders.append((cccd, "elsewhere"))
        else:
            holders.append((cccd, _person(holder)))
    names = [
        (key, [_person(p) for p in sorted(people, key=lambda p: p.pk)])
        for key, people in sorted(known.by_name.items())
    ]
    candidacies = [
        (
            person_id,
            [
                (
                    *(getattr(c, f) for f in _CANDIDACY_FIELDS),
                    c.cell.path,
                    sorted((str(s), d) for s, d in steps.items()),
                )
                for c, steps in history
            ],
        )
        for person_id, history in sorted(known.candidacies.items())
        if history
    ]
    members = sorted((pk, repr(m)) for pk, m in known.members.items())
    parts: tuple = (holders, names, candidacies, members)
    if known.by_history_number:  # a chunk without personal-history numbers: the digest as before
        parts += (
            [
                (number, "elsewhere" if isinstance(holder, NumberElsewhere) else _person(holder))
                for number, holder in sorted(known.by_history_number.items())
            ],
        )
    text = repr(parts)
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


# --- a row's plan, kept and read back ---------------------------------------------------------


def _pk(obj: Any) -> int | None:
    return obj.pk if obj is not None else None


def _row(plan: RowPlan) -> dict[str, Any]:
    changes = {
        k: (v.pk if v is not None else None) if k in OBJECT_KEYS else v
        for k, v in plan.changes.items()
    }
    out: dict[str, Any] = {
        "n": plan.row,
        "name": plan.name,
        "a": str(plan.action),
        "p": _pk(plan.person),
        "c": changes,
    }
    if plan.steps:
        out["s"] = [[str(s.step), s.on, s.number, s.data, s.votes, s.passed] for s in plan.steps]
    if plan.candidacy is not None:
        out["cd"] = plan.candidacy.pk
    if plan.attempt != 1:
        out["at"] = plan.attempt
    if plan.member_events:
        out["me"] = [
            [str(e.kind), e.date, e.cell_id, e.number, e.issued_by, e.reason, e.outside, e.data,
             e.before]
            for e in plan.member_events
        ]  # fmt: skip
    return out


class Writer:
    """Writes the plan of a preview, chunk by chunk, into a temporary file; :meth:`keep` puts it
    in place once the preview ends with no failing row, :meth:`drop` removes it otherwise."""

    def __init__(self, path: Path, header: dict[str, Any]):
        self.path = path
        self.temporary = path.with_name(path.name + "-tmp")
        self.file = gzip.open(  # noqa: SIM115 (closed by keep or drop)
            self.temporary, "wt", encoding="utf-8", compresslevel=1
        )
        self.file.write(_encode({"format": FORMAT, **header}) + "\n")
        self.rows = 0
        self.open = True

    def chunk(self, plans: list[RowPlan], known: Known) -> None:
        if not self.open:
            return
        if any(p.action is Action.FAIL for p in plans):
            self.drop()  # a run with a failing row is never committed
            return
        refs = [[p.lookup, _pk(p.person), _pk(p.candidacy)] for p in plans]
        self.file.write(_encode({"basis": basis(known), "refs": refs}) + "\n")
        self.file.write(_encode({"rows": [_row(p) for p in plans]}) + "\n")
        self.rows += len(plans)

    def keep(self) -> None:
        if not self.open:
            return
        self.file.write(_encode({"end": self.rows}) + "\n")
        self.file.close()
        self.open = False
        os.replace(self.temporary, self.path)

    def drop(self) -> None:
        if self.open:
            self.file.close()
            self.open = False
        self.temporary.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


class Check:
    """What one chunk of the kept plan rests on: its basis, the questions to ask again (each
    row's name, birth date and CCCD) and the people and candidacies its rows name."""

    def __init__(self, line: dict[str, Any]):
        self.basis: str = line["basis"]
        self.refs: list[list[Any]] = line["refs"]

    def lookup_rows(self) -> list[dict[str, Any]]:
        return [lookup for lookup, _person, _candidacy in self.refs]

    def holds(self, known: Known) -> None:
        """Raise :class:`Changed` unless ``known`` (the fresh answers) is what the chunk was
        planned on, and holds every person and candidacy its rows name."""
        if basis(known) != self.basis:
            raise Changed("what ptdv holds about these rows' people changed")
        people = {p.pk for p in known.by_cccd.values() if isinstance(p, Person)}
        people |= {p.pk for ps in known.by_name.values() for p in ps}
        for _lookup, person, candidacy in self.refs:
            if person is not None and person not in people:
                raise Changed(f"person {person} is not among the answers")
            if candidacy is not None and candidacy not in {
                c.pk for c, _ in known.candidacies.get(person, [])
            }:
                raise Changed(f"candidacy {candidacy} is not among the answers")


class Chunk:
    """One chunk of the kept plan: its rows as read."""

    def __init__(self, line: dict[str, Any]):
        self.rows: list[dict[str, Any]] = line["rows"]

    def people(self) -> set[int]:
        return {row["p"] for row in self.rows if row["p"] is not None}

    def candidacies(self) -> set[int]:
        return {row["cd"] for row in self.rows if "cd" in row}

    def plans(
        self, people: dict[int, Person], candidacies: dict[int, Candidacy], tree
    ) -> list[RowPlan]:
        """The rows' plans, with the people and candidacies they name (read again by id, once
        the checks found them among the answers) and their cells and places from ``tree``."""
        out = []
        for row in self.rows:
            plan = RowPlan(row=row["n"], name=row["name"], action=Action(row["a"]))
            if row["p"] is not None:
                plan.person = people.get(row["p"])
                if plan.person is None:
                    raise Changed(f"row {plan.row}: person {row['p']} not found again")
            changes = row["c"]
            for key in OBJECT_KEYS:
                if changes.get(key) is not None:
                    try:
                        changes[key] = tree.object_by_id(key, changes[key])
                    except KeyError:
                        raise Changed(f"row {plan.row}: no {key} {changes[key]}") from None
            plan.changes = changes
            plan.steps = [
                PlannedStep(Step(step), on, number, data, votes, passed)
                for step, on, number, data, votes, passed in row.get("s", ())
            ]
            if "cd" in row:
                plan.candidacy = candidacies.get(row["cd"])
                if plan.candidacy is None:
                    raise Changed(f"row {plan.row}: candidacy {row['cd']} not found again")
            plan.attempt = row.get("at", 1)
            plan.member_events = [
                PlannedEvent(MemberEventKind(kind), on, cell_id, number, issued_by, reason,
                             outside, data, before)
                for kind, on, cell_id, number, issued_by, reason, outside, data, before
                in row.get("me", ())
            ]  # fmt: skip
            out.append(plan)
        return out


class Reader:
    """The kept plan of a run: its header; :meth:`checks`, then :meth:`chunks` (each a pass
    over the file: the checks skip the rows, the chunks skip the checks)."""

    def __init__(self, path: Path):
        self.path = path
        with self._open() as file:
            try:
                self.header = _decode(file.readline())
            except ValueError as exc:
                raise Changed(f"plan not readable: {exc}") from None
        if self.header.get("format") != FORMAT:
            raise Changed("plan of another format")

    def _open(self):
        try:
            return gzip.open(self.path, "rt", encoding="utf-8")
        except OSError as exc:
            raise Changed(f"plan not readable: {exc}") from None

    def _lines(self, wanted: str) -> Iterator[dict[str, Any]]:
        """The lines that begin with key ``wanted`` (``{"basis"`` or ``{"rows"``), decoded."""
        prefix = '{"' + wanted + '"'
        with self._open() as file:
            try:
                file.readline()  # the header
                for text in file:
                    if text.startswith(prefix):
                        yield _decode(text)
                    elif text.startswith('{"end"'):
                        return
            except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
                raise Changed(f"plan not readable: {exc}") from None
        raise Changed("plan cut short")

    def checks(self) -> Iterator[Check]:
        for line in self._lines("basis"):
            yield Check(line)

    def chunks(self) -> Iterator[Chunk]:
        for line in self._lines("rows"):
            yield Chunk(line)
