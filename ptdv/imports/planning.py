"""What each row of an import file would do: create, update, leave unchanged, or fail (and why).

The preview's plan is kept for the commit (``stored``), which writes it as it is while ptdv
answers the planner's questions as it did; otherwise the commit plans again with this planner,
inside its transaction, so it does exactly what the preview showed unless the data changed in
between. Rows are planned in chunks of :data:`CHUNK` with a few batched queries per
chunk, so time grows linearly and memory stays flat with the file's length.

Who is who (a person is never created twice), as the importing user may learn it
(``people.identity``: nothing about a person outside the user's subtree is ever shown):

- A CCCD found in the user's subtree is that person, if the name and birth date agree; otherwise
  the row fails (the number belongs to somebody else). A CCCD registered outside the user's
  subtree fails the row with a message that names no one (audited, and limited per user: past
  the limit the whole file stops).
- Without a CCCD match, the same name and birth date in the user's subtree is that person —
  unless both have different CCCDs (the row fails: a duplicate to check by hand) or several
  people match (fails too). People outside the user's subtree are never matched by name.
- Two rows of the file with the same CCCD, or the same name and birth date, are one person twice:
  the later row fails.
- A person found in ptdv must belong to a cell under the organisation imported into.
- A personal-history number (số lý lịch đảng viên, members' files) is one person's: a number
  another record holds fails the row, naming the holder only when of the organisation imported
  into (else nothing is said of whom); the same number on two rows of the file fails the later.

Candidacies: the stage reached is the last step with a date. The steps must follow the pipeline's
state machine and the organisation's route (``rules.stages``), in date order, none in the future;
the conditions on the person are checked on the cell's resolution day (age, education, awareness
certificate: ``rules.checks``) and the recognition vote after the 12 months of probation. A row
for a candidacy already in ptdv (same person, same source date) adds the steps it does not have;
a date that differs from the recorded one fails (corrections are made on the candidacy's page).

The parts: :class:`Planner` here (the rows in chunks, each row through its parts),
``person_rows.py`` (a person's row: its checks, who it is, what it changes, the likely
duplicates), ``member_rows.py`` (a members' row), ``candidacy_rows.py`` (a candidacy's row and
its steps), ``history.py`` (a candidacy's history checked as a whole, pure), ``lookups.py`` (one
chunk's batched queries), ``tree.py`` (the subtree's cells, ancestors and places) and
``plans.py`` (what is said of a row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from ptdv.org.models import CELL_KINDS, Organisation
from ptdv.people.identity import Identities

from .candidacy_rows import CandidacyRows
from .columns import CellError
from .history import check_history
from .kinds import KINDS
from .lookups import look_up
from .member_rows import plan_member
from .person_rows import PersonRows
from .plans import (
    MEMBER_FIELDS,
    PERSON_FIELDS,
    Action,
    Known,
    PlannedStep,
    Problem,
    RowPlan,
    RowWarning,
)
from .tree import Subtree

__all__ = [
    "CHUNK",
    "KINDS",
    "MEMBER_FIELDS",
    "PERSON_FIELDS",
    "Action",
    "PlannedStep",
    "Planner",
    "Problem",
    "RowPlan",
    "RowWarning",
    "check_history",
]

CHUNK = 1000
#: What ``lookups.look_up`` reads of a row (kept with the plan, for the commit's same questions).
LOOKUP_KEYS = ("full_name", "birth_date", "cccd", "personal_history_number")


class Planner:
    """Plans the rows of one file for one kind, into the subtree of ``root``, as ``user`` (the
    run's author when not given) may see the people already in ptdv."""

    def __init__(
        self,
        kind: str,
        root: Organisation,
        today: date,
        run_id: int | None = None,
        user: Any = None,
    ):
        self.kind, self.root, self.today, self.run_id = KINDS[kind], root, today, run_id
        if user is None and run_id is not None:
            from .models import ImportRun

            user = (
                ImportRun.objects.select_related("created_by__organisation")
                .get(pk=run_id)
                .created_by
            )
        # What the run's messages may name: the organisation imported into. Whoever may see
        # the run (its page is scoped by that organisation) may see these people; the user's
        # wider subtree is not named, since a user of that organisation may read the run too.
        self.identities = Identities(
            user,
            prefix=root.path,
            asker_path=root.path,
            context=f"Nhập dữ liệu (lần nhập {run_id})" if run_id else "Nhập dữ liệu",
        )
        self.tree = Subtree(root)
        self.cells = self.tree.cells
        self.people = PersonRows(self.identities, self.tree, today)
        self.candidacies = CandidacyRows(self.tree, today, run_id)
        self._on_chunk: Callable[[list[RowPlan], Known], None] | None = None

    # -- the organisation tree ------------------------------------------------------------

    def ancestors(self, cell: Organisation) -> list[Organisation]:
        return self.tree.ancestors(cell)

    def ancestors_by_id(self, cell_id: int) -> list[Organisation]:
        return self.tree.ancestors_by_id(cell_id)

    def grassroots_of(self, cell: Organisation) -> Organisation | None:
        return self.tree.grassroots_of(cell)

    # -- planning -------------------------------------------------------------------------

    def plan(
        self,
        rows: Iterable[tuple[int, dict[str, Any]]],
        on_chunk: Callable[[list[RowPlan], Known], None] | None = None,
    ) -> Iterator[RowPlan]:
        """Each row's plan, in order; ``on_chunk`` is given each chunk's plans and what ptdv held
        about its people (the preview keeps them for the commit: ``stored``)."""
        self._on_chunk = on_chunk
        chunk: list[tuple[int, dict[str, Any]]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield from self._plan_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._plan_chunk(chunk)

    def _plan_chunk(self, chunk: list[tuple[int, dict[str, Any]]]) -> list[RowPlan]:
        parsed = [self._parse(number, raw) for number, raw in chunk]
        known = self._known([values for _, values in parsed])
        out = []
        for plan, values in parsed:
            if not plan.problems:
                self._decide(plan, values, known)
            elif "cell" in values:
                self.people.cell(plan, values["cell"])  # every problem of the row at once
            if plan.problems:
                plan.action = Action.FAIL
            out.append(plan)
        self.people.warn(out, known)
        if self._on_chunk is not None:
            self._on_chunk(out, known)
        return out

    def _parse(self, number: int, raw: dict[str, Any]) -> tuple[RowPlan, dict[str, Any]]:
        plan = RowPlan(row=number, name=str(raw.get("full_name") or ""))
        values: dict[str, Any] = {}
        for column in self.kind.columns:
            value = raw.get(column.key)
            if value is None:
                if column.required and not (column.key == "cell" and self.root.kind in CELL_KINDS):
                    plan.fail(column.key, "Thiếu giá trị bắt buộc.")
                continue
            try:
                values[column.key] = column.parse(value)
            except CellError as exc:
                plan.fail(column.key, str(exc))
        if "full_name" in values:
            plan.name = values["full_name"]
        plan.lookup = {k: values[k] for k in LOOKUP_KEYS if k in values}
        return plan, values

    def known(self, rows: list[dict[str, Any]]) -> Known:
        """What ptdv holds about these rows' people (their ``RowPlan.lookup``)."""
        return self._known(rows)

    def _known(self, rows: list[dict[str, Any]]) -> Known:
        return look_up(self.identities, rows, members=self.kind.code == "dang-vien")

    # -- a person's row -------------------------------------------------------------------

    def _decide(self, plan: RowPlan, values: dict[str, Any], known: Known) -> None:
        """A row without problems of its cells: the person's part, then the kind's."""
        people = self.people
        cell, residence = people.check_row(plan, values)
        if plan.problems:
            return
        person = people.match(plan, values, known)
        if plan.problems:
            return
        people.changes(plan, values, person, cell, residence)
        if plan.problems:
            return
        people.history_number(plan, values, person, known)
        if plan.problems:
            return
        people.legal_basis(plan, values, person)
        if plan.problems:
            return
        history = known.candidacies.get(person.pk, []) if person else []
        if "cell" in plan.changes and person is not None:
            open_ = [c for c, _ in history if c.closed_on is None]
            if open_:
                plan.fail(
                    "cell",
                    f"Đang có hồ sơ phát triển đảng viên ở {open_[0].cell}: đổi chi bộ bằng bước "
                    "“Chuyển sinh hoạt” trên trang hồ sơ.",
                )
                return
        if self.kind.code == "dang-vien":
            plan_member(plan, values, person, history, known, today=self.today)
        elif self.kind.code == "ho-so":
            self.candidacies.plan(plan, values, person, history, cell)
