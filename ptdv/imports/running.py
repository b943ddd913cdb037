"""Preview and commit of an import run (called by the background tasks, and by tests).

- :func:`preview` plans every row and stores the counts and each failing row's problems; it
  writes nothing else to the database, and keeps the plan of a run without failing rows beside
  the upload (``stored``). Progress (rows planned) is saved every chunk, so the page can show it.
- :func:`commit` writes, inside ONE transaction, the plan the preview kept beside the upload
  (``stored``): every chunk's basis checked first (the preview's questions asked again), then
  the rows written chunk by chunk — people, new candidacies with their events built in memory
  and their cache from :func:`ptdv.pipeline.bulk.fill_cache`, audit entries: ``COPY`` on
  PostgreSQL, ``bulk_create`` elsewhere (``inserts``); steps added to known candidacies through
  the pipeline's service. When the basis changed (or there is no kept plan) it plans the upload
  again, as the preview did, and the first failing row (the data changed since the preview)
  rolls everything back. Rows that change nothing write nothing, so importing the same file
  twice creates nothing new.
- The audit log gets one entry per person created and per person updated (written
  in bulk, with the run's number), besides the run's own entries.

Both stop at the caps of ``limits`` with the cap's message and nothing written: the whole file
is inspected first (:meth:`Reader.inspect`), rows, columns and cells are checked again while
reading, the preview stops planning once it has found ``PTDV_IMPORT_MAX_PROBLEMS`` problems (it
lists them), and each run has ``PTDV_IMPORT_MAX_SECONDS``. Every write to the run's row names the
worker's claim (``liveness``): a run swept as dead (or cancelled) meanwhile is left as it is.
The commit's outcome (status, counts) is written in its transaction, with the rows.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from ptdv.masking import mask_logged_value  # the audit log keeps the CCCD masked
from ptdv.members.imports import write_events as write_member_events
from ptdv.members.spells import rebuild as rebuild_spells
from ptdv.org.models import CELL_KINDS
from ptdv.people.models import Person
from ptdv.pipeline import tallies
from ptdv.pipeline.bulk import fill_cache
from ptdv.pipeline.evaluation import working_calendar
from ptdv.pipeline.models import Candidacy, Event
from ptdv.pipeline.services import record_imported_steps
from ptdv.pipeline.signals import histories_written_in_bulk
from ptdv.rules.stages import Stage, Step
from ptdv.rules.votes import VOTE_FIELDS

from . import inserts, stored
from . import limits as caps
from .kinds import KINDS
from .models import ImportProblem, ImportRun, ImportWarning, Status
from .planning import CHUNK, Planner
from .plans import MEMBER_FIELDS, Action, Problem, RowPlan, RowWarning
from .reading import FileError, Reader

log = logging.getLogger(__name__)
#: New candidacies counted into the summaries at once (``Writer._tally``).
TALLY_BATCH = 10_000


class Aborted(Exception):
    def __init__(self, plan: RowPlan, message: str):
        super().__init__(message)
        self.plan, self.message = plan, message


def reader_for(run: ImportRun, limits: caps.Limits | None = None) -> Reader:
    optional = {"cell"} if run.organisation.kind in CELL_KINDS else set()
    return Reader(run.file.path, run.file_name, KINDS[run.kind].columns, optional, limits)


class Deadline:
    """``PTDV_IMPORT_MAX_SECONDS`` for one preview or one commit, checked once per chunk."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self, row: int) -> None:
        if time.monotonic() > self.end:
            raise FileError(caps.too_slow(self.seconds, row))


def _progress(
    run: ImportRun, reader: Reader, plans: Iterable[RowPlan], deadline: Deadline
) -> Iterator[RowPlan]:
    """Pass the plans through, saving the row reached (and the rows in all) once per chunk."""
    for n, plan in enumerate(plans, start=1):
        if n % CHUNK == 0:
            deadline.check(plan.row)
            run.done_rows = plan.row
            run.total_rows = max(reader.total - 1, 0)
            run.save_held("done_rows", "total_rows")
        yield plan


class TooManyProblems(Exception):
    def __init__(self, row: int):
        super().__init__(row)
        self.row = row


class Problems:
    """The problems of a preview, stored in batches; stops the preview (``TooManyProblems``)
    once more than ``limit`` are found, keeping the first ``limit`` (the cap holds across the
    chunks of the file, not per chunk)."""

    def __init__(self, run: ImportRun, limit: int):
        self.run, self.limit = run, limit
        self.found = 0
        self.batch: list[ImportProblem] = []

    def add(self, name: str, problems: list[Problem]) -> None:
        room = self.limit - self.found
        for p in problems[:room]:
            self.batch.append(
                ImportProblem(
                    run=self.run, row=p.row, column=p.column, name=name[:255], message=p.message
                )
            )
        self.found += len(problems)
        if len(self.batch) >= CHUNK or self.found > self.limit:
            self.flush()
        if self.found > self.limit:
            raise TooManyProblems(problems[0].row)

    def flush(self) -> None:
        ImportProblem.objects.bulk_create(self.batch)
        self.batch = []


class Warnings:
    """The rows that may be people already in ptdv, stored in batches; past ``limit`` they
    are counted, not stored."""

    def __init__(self, run: ImportRun, limit: int):
        self.run, self.limit = run, limit
        self.found = 0
        self.batch: list[ImportWarning] = []

    def add(self, name: str, warnings: list[RowWarning]) -> None:
        for w in warnings:
            if self.found < self.limit:
                self.batch.append(
                    ImportWarning(
                        run=self.run, row=w.row, name=name[:255], message=w.message,
                        person=w.person,
                    )
                )  # fmt: skip
            self.found += 1
        if len(self.batch) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        ImportWarning.objects.bulk_create(self.batch)
        self.batch = []


def _store_problems(run: ImportRun, plans: Iterable[tuple[str, list[Problem]]]) -> None:
    problems = Problems(run, caps.current().problems)
    for name, found in plans:
        problems.add(name, found)
    problems.flush()


def preview(run: ImportRun, today: date | None = None) -> ImportRun:
    today = today or timezone.localdate()
    limits = caps.current()
    deadline = Deadline(limits.seconds)
    run.begin(Status.PREVIEWING, (Status.QUEUED, Status.PREVIEWING), done_rows=0)
    ImportProblem.objects.filter(run=run).delete()
    ImportWarning.objects.filter(run=run).delete()
    counts: Counter[str] = Counter()
    problems = Problems(run, limits.problems)
    warnings = Warnings(run, limits.problems)
    reader = reader_for(run, limits)
    kept: stored.Writer | None = None
    try:
        reader.inspect()  # the whole file against the caps, before any row is planned
        run.total_rows = max(reader.total - 1, 0)
        run.save_held("total_rows")
        planner = Planner(run.kind, run.organisation, today, run.pk)
        kept = _keep_plan(run, planner, today)
        plans = planner.plan(reader, on_chunk=kept.chunk if kept is not None else None)
        for plan in _progress(run, reader, plans, deadline):
            counts[plan.action] += 1
            if plan.problems:
                problems.add(plan.name, plan.problems)
            if plan.warnings:
                warnings.add(plan.name, plan.warnings)
        problems.flush()
        warnings.flush()
    except FileError as exc:
        if kept is not None:
            kept.drop()
        ImportProblem.objects.filter(run=run).delete()
        return run.mark_failed(str(exc), Status.PREVIEWING)
    except TooManyProblems as exc:
        if kept is not None:
            kept.drop()
        # The problems found so far are listed; the counts would be partial: not shown.
        run.failures = counts[Action.FAIL]
        run.done_rows = exc.row
        return run.mark_failed(caps.too_many_problems(limits.problems, exc.row), Status.PREVIEWING)
    except BaseException:
        if kept is not None:
            kept.drop()
        raise
    if kept is not None:
        if counts[Action.FAIL]:
            kept.drop()
        else:
            kept.keep()
    run.mark_previewed(
        creates=counts[Action.CREATE],
        updates=counts[Action.UPDATE],
        unchanged=counts[Action.UNCHANGED],
        failures=counts[Action.FAIL],
        warnings=warnings.found,
        ignored_columns=reader.layout.ignored if reader.layout else [],
    )
    return run


def _keep_plan(run: ImportRun, planner: Planner, today: date) -> stored.Writer | None:
    """The file the preview's plan is kept in, for the commit (``stored``)."""
    path = run.plan_path
    if path is None:
        return None
    return stored.Writer(path, _plan_header(run, planner, today))


def _plan_header(run: ImportRun, planner: Planner, today: date) -> dict:
    """What a kept plan was made for: the run, its kind and organisation, the day of the
    preview and the subtree as it was then."""
    return {
        "run": run.pk,
        "kind": run.kind,
        "organisation": run.organisation_id,
        "today": today.isoformat(),
        "tree": planner.tree.digest(),
    }


def _write_progress(run: ImportRun, row: int) -> None:
    path = run.progress_path
    if path is not None:
        temporary = path.with_suffix(".progress-tmp")
        temporary.write_text(str(row))
        temporary.replace(path)  # readers never see a half-written number


def _clear_progress(run: ImportRun) -> None:
    path = run.progress_path
    if path is not None:
        path.unlink(missing_ok=True)


def commit(run: ImportRun, actor=None, today: date | None = None) -> ImportRun:
    """Write the run's file, all or nothing. ``run`` must have been previewed without failures.

    The run's row is updated first thing in the transaction (so PostgreSQL locks it: a sweep
    cannot mark it failed while the transaction lives) and its outcome written last, with the
    rows: either both are committed or neither."""
    today = today or timezone.localdate()
    actor = actor or run.created_by
    limits = caps.current()
    run.begin(Status.COMMITTING, (Status.PREVIEWED, Status.COMMITTING), done_rows=0)
    try:
        with set_actor(actor), transaction.atomic():
            run.save_held("status")  # holds the run's row until the end of the transaction
            counts = Writer(run, actor, today, limits).write()
            run.mark_committed(
                creates=counts[Action.CREATE],
                updates=counts[Action.UPDATE],
                unchanged=counts[Action.UNCHANGED],
            )
    except Aborted as exc:
        _clear_progress(run)
        ImportProblem.objects.filter(run=run).delete()
        _store_problems(run, [(exc.plan.name, exc.plan.problems)])
        run.failures = 1
        return run.mark_failed(exc.message, Status.COMMITTING)
    except FileError as exc:
        _clear_progress(run)
        return run.mark_failed(str(exc), Status.COMMITTING)
    except IntegrityError:
        _clear_progress(run)
        log.exception("import %s: integrity error", run.pk)
        return run.mark_failed(
            "Dữ liệu vừa được người khác thay đổi (trùng số CCCD, số lý lịch đảng viên hoặc hồ sơ "
            "đang mở): không có gì được ghi. Hãy tải tệp lên để kiểm tra lại.",
            Status.COMMITTING,
        )
    _clear_progress(run)
    # What was written is in the records and the audit log; the personal data of the upload
    # is not kept longer than needed.
    run.forget_file()
    return run


class Writer:
    """Writes the run's kept plan, or plans its rows again, inside the caller's transaction."""

    def __init__(self, run: ImportRun, actor, today: date, limits: caps.Limits | None = None):
        self.run, self.actor, self.today = run, actor, today
        self.limits = limits or caps.current()
        self.deadline = Deadline(self.limits.seconds)
        self.calendar = working_calendar()
        self.person_type = ContentType.objects.get_for_model(Person)
        self._plan_anew()

    def _plan_anew(self) -> None:
        """A fresh planner (for the kept plan's questions, or to plan the upload again)."""
        self.planner = Planner(self.run.kind, self.run.organisation, self.today, self.run.pk)
        self._untallied: list[Candidacy] = []
        #: The cells' paths (the audit entries' ``org_path``), without a query per person.
        self._paths = {c.pk: c.path for c in self.planner.cells}

    def write(self) -> Counter[str]:
        """The preview's kept plan written as it is, while what it rests on is unchanged;
        otherwise (or without a kept plan) the upload planned again and written."""
        path = self.run.plan_path
        if path is not None and path.exists():
            try:
                with transaction.atomic():  # a savepoint: undone if the plan no longer holds
                    return self._write_kept(path)
            except stored.Changed as exc:
                log.info("import %s: planned again (%s)", self.run.pk, exc)
                self._plan_anew()
        return self._write_planned()

    def _write_kept(self, path) -> Counter[str]:
        """The kept plan: every chunk checked first (the same questions asked again, before
        this commit writes anything: its own rows would only slow the questions down, and
        cannot change their answers — a row of the file that is somebody of an earlier row
        failed the preview), then written chunk by chunk."""
        kept = stored.Reader(path)
        made_for = {k: kept.header.get(k) for k in ("run", "kind", "organisation", "today")}
        expected = _plan_header(self.run, self.planner, self.today)
        if made_for != {k: expected[k] for k in made_for}:
            raise stored.Changed(f"plan made for {made_for}")
        if kept.header.get("tree") != expected["tree"]:
            raise stored.Changed("the subtree changed")
        rows = 0
        for check in kept.checks():
            rows += len(check.refs)
            if rows > self.limits.rows:
                raise FileError(caps.too_many_rows(self.limits.rows))
            check.holds(self.planner.known(check.lookup_rows()))
            self.deadline.check(rows)
        counts: Counter[str] = Counter()
        for chunk in kept.chunks():
            people = Person.objects.select_related("cell").in_bulk(chunk.people())
            candidacies = Candidacy.objects.select_related("cell").in_bulk(chunk.candidacies())
            plans = chunk.plans(people, candidacies, self.planner.tree)
            for plan in plans:
                if plan.action is Action.FAIL:
                    raise stored.Changed(f"row {plan.row} failed")
                counts[plan.action] += 1
            self.deadline.check(plans[0].row)
            self._write_chunk(plans)
        self._tally([], flush=True)
        return counts

    def _write_planned(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        chunk: list[RowPlan] = []
        reader = reader_for(self.run, self.limits)
        reader.inspect()
        for plan in self.planner.plan(reader):
            if plan.action is Action.FAIL:
                self._abort(plan)
            counts[plan.action] += 1
            chunk.append(plan)
            if len(chunk) == CHUNK:
                self.deadline.check(plan.row)
                self._write_chunk(chunk)
                chunk = []
        self._write_chunk(chunk)
        self._tally([], flush=True)
        return counts

    def _abort(self, first: RowPlan) -> None:
        raise Aborted(
            first,
            f"Dữ liệu đã thay đổi từ lúc kiểm tra: dòng {first.row} không nhập được. Không có gì "
            "được ghi; hãy tải tệp lên để kiểm tra lại.",
        )

    def _write_chunk(self, plans: list[RowPlan]) -> None:
        if not plans:
            return
        new_people: list[Person] = []
        updated: dict[int, tuple[Person, dict]] = {}
        for plan in plans:
            if plan.action is Action.UNCHANGED:
                continue
            if plan.person is None:
                person = _new_person(plan.changes)
                person.set_derived_fields()
                plan.person = person
                new_people.append(person)
            elif plan.changes:
                before = {k: _shown(getattr(plan.person, k)) for k in plan.changes}
                for field, value in plan.changes.items():
                    setattr(plan.person, field, value)
                plan.person.set_derived_fields()
                updated[plan.person.pk] = (plan.person, before)
        candidacies, (events, owners), admitted = self._new_candidacies(plans, updated)
        # PostgreSQL: COPY, the ids taken from the sequences first; SQLite: bulk_create.
        inserts.insert(Person, new_people, ids=True)
        if updated:
            fields = {f for _, before in updated.values() for f in before}
            fields |= {"search_name", "sort_key", "cell", *MEMBER_FIELDS, "party_left_on"}
            Person.objects.bulk_update([p for p, _ in updated.values()], sorted(fields))
        inserts.insert(Candidacy, candidacies, ids=True)
        for event, candidacy in zip(events, owners, strict=True):
            event.candidacy_id = candidacy.pk
        inserts.insert(Event, events)
        self._tally(candidacies)
        # The reports' stays of the new histories, and their stored results: an import may
        # write people, members and steps of any past period, so every stored one goes.
        histories_written_in_bulk.send(
            Candidacy, candidacy_ids=[c.pk for c in candidacies], since=None
        )
        for plan in plans:
            if plan.candidacy is not None and plan.steps:
                record_imported_steps(plan.candidacy, plan.steps, actor=self.actor)
        # Members who arrived or left: their events (and spells); the other people written in
        # bulk get their spells (where and while they count as members) here too. A person
        # created here has none unless admitted (by the file, or by their new candidacy's
        # ceremony): the others are not read again.
        with_events = [(plan.person, plan.member_events) for plan in plans if plan.member_events]
        write_member_events(with_events, actor=self.actor, run_id=self.run.pk)
        done = {person.pk for person, _ in with_events}
        others = {p.pk for p in new_people} | set(updated) | {c.person_id for c in candidacies}
        others -= {
            p.pk
            for p in new_people
            if p.party_admitted_on is None and p.party_left_on is None and id(p) not in admitted
        }
        if others - done:
            rebuild_spells(sorted(others - done))
        self._audit(new_people, updated)
        _write_progress(self.run, plans[-1].row)

    def _tally(self, candidacies: list[Candidacy], *, flush: bool = False) -> None:
        """The summaries kept with the events (``tallies.add_new``), given the new candidacies
        of several chunks at once: one statement per 10,000 candidacies, the counts of the
        organisations above the cells merged across chunks."""
        self._untallied += candidacies
        if self._untallied and (flush or len(self._untallied) >= TALLY_BATCH):
            tallies.add_new(self._untallied)
            self._untallied = []

    def _new_candidacies(
        self, plans, updated
    ) -> tuple[list[Candidacy], tuple[list[Event], list[Candidacy]], set[int]]:
        """The new candidacies and their events, their cache filled; and the people (by
        ``id()``) whose new candidacy reached the ceremony."""
        candidacies: list[Candidacy] = []
        events: list[Event] = []
        admitted: set[int] = set()
        owners: list[Candidacy] = []  # each event's candidacy (its id once inserted)
        actor_id = self.actor.pk if self.actor is not None else None
        for plan in plans:
            if self.run.kind != "ho-so" or plan.candidacy is not None or not plan.steps:
                continue
            person = plan.person
            cell = plan.changes.get("cell") or person.cell
            source = plan.steps[0].on
            candidacy = inserts.build(
                Candidacy,
                {
                    "person_id": person.pk,
                    "attempt": plan.attempt,
                    "cell_id": cell.pk,
                    "stage": Stage.SOURCE,
                    "stage_since": source,
                    "opened_on": source,
                },
                {"person": person, "cell": cell},
            )
            made = [
                _new_event(
                    seq=seq,
                    step=s.step,
                    date=s.on,
                    cell_id=cell.pk,
                    actor_id=actor_id,
                    number=s.number,
                    passed=s.passed,
                    data=s.data,
                    **{f: (s.votes or {}).get(f) for f in VOTE_FIELDS},
                )
                for seq, s in enumerate(plan.steps, start=1)
            ]
            fill_cache(
                candidacy,
                made,
                person,
                ancestors=self.planner.ancestors_by_id,
                calendar=self.calendar,
                opening_cell_id=cell.pk,
            )
            if person.pk is not None and person.pk not in updated:
                updated[person.pk] = (person, {})
            candidacies.append(candidacy)
            events.extend(made)
            owners.extend([candidacy] * len(made))
            if any(s.step is Step.CEREMONY for s in plan.steps):
                admitted.add(id(person))
        return candidacies, (events, owners), admitted

    def _audit(self, new_people, updated) -> None:
        note = {"import_run": self.run.pk, "file": self.run.file_name}
        entries = []
        # A new candidacy's events name the run (``data["imported"]``) and the user: no entry
        # of its own, which would double the rows written.
        for person in new_people:
            entries.append(self._entry(self.person_type, person, LogEntry.Action.CREATE, {}, note))
        for person, before in updated.values():
            changes = {
                f: [_logged(f, old), _logged(f, _shown(getattr(person, f)))]
                for f, old in before.items()
            }
            if changes:
                entries.append(
                    self._entry(self.person_type, person, LogEntry.Action.UPDATE, changes, note)
                )
        inserts.insert(LogEntry, entries)

    def _entry(self, content_type, obj, action, changes, note) -> LogEntry:
        path = self._paths.get(obj.cell_id)
        if path is None:
            cell = obj.cell
            path = cell.path if cell is not None else ""
        return inserts.build(
            LogEntry,
            {
                "content_type_id": content_type.pk,
                "object_pk": str(obj.pk),
                "object_id": obj.pk,
                "object_repr": str(obj)[:255],
                "action": action,
                "changes": changes,
                "changes_text": "",
                "actor_id": self.actor.pk if self.actor is not None else None,
                "additional_data": {"org_path": path, **note},
            },
        )


def _new_event(**values) -> Event:
    """A new event from its fields' values by attribute name (the candidacy's id is set once
    the candidacy has one): 330,000 of them in a large file."""
    return inserts.build(Event, values)


def _new_person(changes: dict) -> Person:
    """A new person with the row's fields (its cell and place of residence as objects)."""
    values, related = {}, {}
    for name, value in changes.items():
        if name in ("cell", "residence"):
            values[f"{name}_id"] = value.pk if value is not None else None
            related[name] = value
        else:
            values[name] = value
    return inserts.build(Person, values, related)


def _logged(field: str, value: str) -> str:
    """A value as the audit log keeps it: the CCCD masked, as auditlog masks it (accounts/audit.py)."""
    return mask_logged_value(value) if field == "cccd" else value


def _shown(value) -> str:
    """A value as the audit log shows it."""
    if value is None:
        return "None"
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
