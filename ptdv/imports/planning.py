"""What each row of an import file would do: create, update, leave unchanged, or fail (and why).

The same planner serves the preview and the commit (which plans again, inside its transaction,
and writes what it planned), so the commit does exactly what the preview showed unless the data
changed in between. Rows are planned in chunks of :data:`CHUNK` with a few batched queries per
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

Candidacies: the stage reached is the last step with a date. The steps must follow the pipeline's
state machine and the organisation's route (``rules.stages``), in date order, none in the future;
the conditions on the person are checked on the cell's resolution day (age, education, awareness
certificate: ``rules.checks``) and the recognition vote after the 12 months of probation. A row
for a candidacy already in ptdv (same person, same source date) adds the steps it does not have;
a date that differs from the recorded one fails (corrections are made on the candidacy's page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ptdv.members.imports import Known as MemberKnown
from ptdv.members.imports import check_lifecycle
from ptdv.members.imports import lookup as member_lookup
from ptdv.org.models import CELL_KINDS, GRASSROOTS_KINDS, Organisation, Place
from ptdv.people.identity import CccdElsewhere, Identities, ProbeLimitReached
from ptdv.people.models import (
    LEGAL_BASIS_FIELDS,
    MEMBER_STATUSES,
    LegalBasis,
    MemberStatus,
    Person,
)
from ptdv.people.text import fold
from ptdv.people.validators import check_cccd_matches
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.checks import (
    check_age,
    check_awareness_certificate,
    check_education,
    check_recognition,
    votes_required,
)
from ptdv.rules.facts import CandidacyFacts, PersonFacts
from ptdv.rules.findings import Severity
from ptdv.rules.months import add_months, age_in_full_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import (
    PROGRESS,
    Stage,
    Step,
    TransitionError,
    next_stage,
    route_error,
)

from .columns import PERSON_COLUMNS, STEP_COLUMNS, VOTE_COLUMNS, CellError
from .kinds import KINDS
from .reading import FileError

CHUNK = 1000

#: Person fields an import may set (the others are computed or belong to the pipeline).
PERSON_FIELDS = tuple(c.key for c in PERSON_COLUMNS)
MEMBER_FIELDS = ("member_status", "party_admitted_on", "party_official_on", "party_card_number")
_DEFAULTS = {
    "ethnicity": "01",
    "religion": "none",
    "professional_level": "none",
    "theory_level": "none",
    "youth_union_member": False,
    "trade_union_member": False,
    "local_resident": False,
    "occupation": "",
    "address": "",
}


_HEADERS = {c.key: c.header for k in KINDS.values() for c in k.columns}
_STEP_HEADER = {spec.step: spec.date.header for spec in STEP_COLUMNS}


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    FAIL = "fail"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RowWarning:
    """A row to create that may be somebody already in ptdv (shown, not refused)."""

    row: int
    message: str
    person: Person


@dataclass
class PlannedStep:
    step: Step
    on: date
    number: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    votes: dict[str, int] | None = None
    passed: bool | None = None


@dataclass
class RowPlan:
    row: int
    name: str
    action: Action = Action.CREATE
    problems: list[Problem] = field(default_factory=list)
    #: The person in ptdv (update, unchanged), or ``None`` (create).
    person: Person | None = None
    #: Person fields to set: all of them for a new person, those that differ for an update.
    changes: dict[str, Any] = field(default_factory=dict)
    #: Candidacies: the steps to record (all of a new candidacy, the missing ones of a known one).
    steps: list[PlannedStep] = field(default_factory=list)
    candidacy: Candidacy | None = None
    attempt: int = 1
    warnings: list[RowWarning] = field(default_factory=list)
    #: Members: the member events to write (an arrival, a leaving; ``members.imports``).
    member_events: list = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row, _HEADERS.get(column, column), message))


@dataclass
class _Known:
    """What ptdv holds about the people of one chunk."""

    by_cccd: dict[str, Person | CccdElsewhere]
    by_name: dict[tuple[str, date], list[Person]]
    #: person id -> [(candidacy, {step: date} of its effective events)]
    candidacies: dict[int, list[tuple[Candidacy, dict[Step, date]]]]
    #: person id -> their member events and standing (members' files only)
    members: dict[int, MemberKnown] = field(default_factory=dict)


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
        subtree = Organisation.objects.filter(path__startswith=root.path)
        self.cells = list(subtree.filter(kind__in=CELL_KINDS))
        self._cells_by_id = {c.pk: c for c in self.cells}
        self._cells_by_key: dict[str, list[Organisation]] = defaultdict(list)
        for cell in self.cells:
            keys = {fold(cell.name), fold(cell.short_name)} | (
                {fold(cell.code)} if cell.code else set()
            )
            for key in keys - {""}:
                self._cells_by_key[key].append(cell)
        # Ancestors of every cell, from the subtree and the root's own ancestors (no query per row).
        above = Organisation.objects.filter(path__in=root.ancestor_paths())
        self._nodes = {o.path: o for o in [*above, *subtree]}
        grassroots = [o for o in self._nodes.values() if o.kind in GRASSROOTS_KINDS]
        self._places: dict[tuple[int, str], list[Place]] = defaultdict(list)
        for place in Place.objects.filter(organisation__in=grassroots):
            self._places[(place.organisation_id, fold(place.name))].append(place)
        self._seen_cccd: dict[str, int] = {}
        self._cell_memo: dict[str, tuple[Organisation | None, str]] = {}
        self._seen_name: dict[tuple[str, date], int] = {}

    # -- the organisation tree ------------------------------------------------------------

    def ancestors(self, cell: Organisation) -> list[Organisation]:
        return [self._nodes[p] for p in cell.ancestor_paths() if p in self._nodes]

    def ancestors_by_id(self, cell_id: int) -> list[Organisation]:
        return self.ancestors(self._cells_by_id[cell_id])

    def grassroots_of(self, cell: Organisation) -> Organisation | None:
        return next((n for n in reversed(self.ancestors(cell)) if n.is_grassroots), None)

    def _cell(self, plan: RowPlan, text: str | None) -> Organisation | None:
        if text is None:
            if self.root.kind in CELL_KINDS:
                return self.root
            plan.fail("cell", "Thiếu chi bộ.")
            return None
        if text not in self._cell_memo:  # a file names the same few cells on every row
            self._cell_memo[text] = self._find_cell(text)
        cell, problem = self._cell_memo[text]
        if problem:
            plan.fail("cell", problem)
        return cell

    def _find_cell(self, text: str) -> tuple[Organisation | None, str]:
        found = self._cells_by_key.get(fold(text), [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"Không có chi bộ “{text}” trong {self.root}."
        codes = ", ".join(c.code or str(c) for c in found[:4])
        return None, f"Có {len(found)} chi bộ tên “{text}”: ghi mã chi bộ ({codes})."

    # -- planning -------------------------------------------------------------------------

    def plan(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[RowPlan]:
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
                self._cell(plan, values["cell"])  # every problem of the row at once
            if plan.problems:
                plan.action = Action.FAIL
            out.append(plan)
        self._warn(out, known)
        return out

    def _warn(self, plans: list[RowPlan], known: _Known) -> None:
        """Rows that create a person with the same name, year of birth and cell as somebody of
        the organisation imported into (another birth date: not the same person by the rule
        above, but likely a typing difference) are shown before the user confirms."""
        new = [
            p
            for p in plans
            if p.action is not Action.FAIL and p.person is None and p.changes.get("cell")
        ]
        keys: dict[tuple[str, int, int], list[RowPlan]] = defaultdict(list)
        for p in new:
            key = (fold(p.changes["full_name"]), p.changes["birth_date"].year, p.changes["cell"].pk)
            keys[key].append(p)
        if not keys:
            return
        similar = self.identities.same_name_year_and_cell(keys)
        for key, people in similar.items():
            for plan, person in ((plan, person) for plan in keys[key] for person in people[:3]):
                plan.warnings.append(
                    RowWarning(
                        plan.row,
                        f"Có thể trùng với {person.full_name}, sinh "
                        f"{person.birth_date:%d/%m/%Y}, {person.cell} (cùng họ tên, năm sinh và "
                        "chi bộ, khác ngày sinh): nếu đúng là người đó, sửa ngày sinh trong tệp "
                        "hoặc trên trang của người đó trước khi nhập.",
                        person,
                    )
                )

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
        return plan, values

    def _known(self, rows: list[dict[str, Any]]) -> _Known:
        cccds = {v["cccd"] for v in rows if v.get("cccd")}
        pairs = {
            (fold(v["full_name"]), v["birth_date"])
            for v in rows
            if v.get("full_name") and v.get("birth_date")
        }
        by_cccd = self.identities.holders(cccds)
        by_name = self.identities.same_name_and_birth(pairs)
        candidacies: dict[int, list[tuple[Candidacy, dict[Step, date]]]] = defaultdict(list)
        ids = {p.pk for p in by_cccd.values() if isinstance(p, Person)}
        ids |= {p.pk for ps in by_name.values() for p in ps}
        if ids:
            found = {
                c.pk: c for c in Candidacy.objects.filter(person_id__in=ids).select_related("cell")
            }
            steps: dict[int, dict[Step, date]] = defaultdict(dict)
            events = (
                Event.objects.effective()
                .filter(candidacy_id__in=found)
                .order_by("candidacy_id", "seq")
                .values_list("candidacy_id", "step", "date", "passed")
            )
            for candidacy_id, step, on, passed in events:
                if passed is False:
                    continue
                steps[candidacy_id].setdefault(Step(step), on)
            for c in sorted(found.values(), key=lambda c: c.attempt):
                candidacies[c.person_id].append((c, steps[c.pk]))
        members: dict[int, MemberKnown] = {}
        if self.kind.code == "dang-vien":
            people = {p.pk: p for p in by_cccd.values() if isinstance(p, Person)}
            people |= {p.pk: p for ps in by_name.values() for p in ps}
            members = member_lookup(people.values())
        return _Known(by_cccd, by_name, candidacies, members)

    def _decide(self, plan: RowPlan, values: dict[str, Any], known: _Known) -> None:
        name, birth = values["full_name"], values["birth_date"]
        cccd = values.get("cccd")
        if birth > self.today:
            plan.fail("birth_date", f"Ngày sinh {birth:%d/%m/%Y} sau ngày hôm nay.")
        elif birth.year < 1900:
            plan.fail("birth_date", f"Ngày sinh {birth:%d/%m/%Y} không hợp lý.")
        if cccd:
            for message in check_cccd_matches(cccd, birth, values.get("sex")):
                plan.fail("cccd", message)
        cell = self._cell(plan, values.get("cell"))
        residence = None
        if cell is not None and values.get("residence"):
            grassroots = self.grassroots_of(cell)
            places = (
                self._places.get((grassroots.pk, fold(values["residence"])), [])
                if grassroots
                else []
            )
            if len(places) != 1:
                where = grassroots or cell
                plan.fail(
                    "residence",
                    f"Không có thôn, tổ dân phố “{values['residence']}” thuộc {where}."
                    if not places
                    else f"Có {len(places)} địa bàn tên “{values['residence']}” thuộc {where}.",
                )
            else:
                residence = places[0]
        # Duplicates inside the file come first: the commit sees earlier rows already written.
        key = (fold(name), birth)
        for seen, item, what in (
            (self._seen_cccd, cccd, "cùng số CCCD"),
            (self._seen_name, key, "cùng họ tên và ngày sinh"),
        ):
            if item and item in seen:
                plan.fail("cccd" if what == "cùng số CCCD" else "full_name",
                          f"Trùng với dòng {seen[item]} của tệp ({what}).")  # fmt: skip
        if cccd:
            self._seen_cccd.setdefault(cccd, plan.row)
        self._seen_name.setdefault(key, plan.row)
        if plan.problems:
            return
        person = self._match(plan, values, known)
        if plan.problems:
            return
        plan.person = person
        changes = {
            k: v for k, v in values.items() if k in PERSON_FIELDS and k not in ("cell", "residence")
        }
        changes["cell"] = cell
        if residence is not None:
            changes["residence"] = residence
        if person is None:
            plan.changes = {**_DEFAULTS, **changes}
            plan.action = Action.CREATE
        else:
            if not person.cell.path.startswith(self.root.path):
                plan.fail(
                    "cccd" if cccd else "full_name",
                    f"{person.full_name} (sinh {person.birth_date:%d/%m/%Y}) đã có trong ptdv, "
                    f"thuộc {person.cell}: ngoài {self.root}.",
                )
                return
            plan.changes = {k: v for k, v in changes.items() if _differs(person, k, v)}
            plan.action = Action.UPDATE if plan.changes else Action.UNCHANGED
        self._legal_basis(plan, values, person)
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
            self._member(plan, values, person, history, known)
        elif self.kind.code == "ho-so":
            self._candidacy(plan, values, person, history, cell)

    def _legal_basis(self, plan: RowPlan, values: dict[str, Any], person: Person | None) -> None:
        """The legal-basis columns checked together, with what the person already has, by the
        rule of the person page (consent with its date, scope and an earlier notice)."""
        given = [name for name in LEGAL_BASIS_FIELDS if name in values]
        if not given:
            return
        probe = Person(birth_date=values["birth_date"])
        for name in LEGAL_BASIS_FIELDS:
            setattr(probe, name, values[name] if name in values else getattr(person, name, None))
        probe.consent_scope = probe.consent_scope or ""
        probe.legal_basis = probe.legal_basis or LegalBasis.UNRECORDED
        for name, messages in probe.legal_basis_problems(self.today).items():
            for message in messages:
                plan.fail(name, message)

    def _match(self, plan: RowPlan, values: dict[str, Any], known: _Known) -> Person | None:
        name, birth, cccd = values["full_name"], values["birth_date"], values.get("cccd")
        same = known.by_name.get((fold(name), birth), [])
        if cccd and cccd in known.by_cccd:
            person = known.by_cccd[cccd]
            if isinstance(person, CccdElsewhere):
                try:
                    self.identities.refuse(person)
                except ProbeLimitReached as exc:
                    raise FileError(f"Dừng kiểm tra ở dòng {plan.row}: {exc.message}") from None
                plan.fail("cccd", person.message)
                return None
            if fold(person.full_name) != fold(name) or person.birth_date != birth:
                plan.fail(
                    "cccd",
                    f"Số CCCD {cccd} đã có trong ptdv cho người khác: {person.full_name}, sinh "
                    f"{person.birth_date:%d/%m/%Y}.",
                )
                return None
            return person
        if cccd:
            same_without = [p for p in same if not p.cccd]
            if len(same) > len(same_without):
                other = next(p for p in same if p.cccd)
                plan.fail(
                    "full_name",
                    f"Trùng họ tên và ngày sinh với {other.full_name} đã có trong ptdv (CCCD "
                    f"{other.cccd}, {other.cell}): kiểm tra lại số CCCD.",
                )
                return None
            same = same_without
        if len(same) > 1:
            plan.fail(
                "full_name",
                f"Có {len(same)} người cùng họ tên và ngày sinh trong ptdv: ghi số CCCD để phân biệt.",
            )
            return None
        return same[0] if same else None

    # -- members ----------------------------------------------------------------------------

    def _member(self, plan: RowPlan, values, person: Person | None, history, known) -> None:
        status = values["member_status"]
        admitted = values["party_admitted_on"]
        official = values.get("party_official_on")
        for key in ("party_admitted_on", "party_official_on"):
            if values.get(key) and values[key] > self.today:
                plan.fail(key, f"Ngày {values[key]:%d/%m/%Y} sau ngày hôm nay.")
        rule_set = rule_set_for(admitted)
        if age_in_full_months(values["birth_date"], admitted) < rule_set.min_age_months:
            plan.fail(
                "party_admitted_on",
                f"Chưa đủ {rule_set.min_age_months // 12} tuổi vào ngày vào Đảng "
                f"{admitted:%d/%m/%Y} ({rule_set.cite('min_age_months')}).",
            )
        if status == MemberStatus.OFFICIAL and official is None:
            plan.fail("party_official_on", "Đảng viên chính thức cần có ngày chính thức.")
        if status == MemberStatus.PROBATIONARY and official is not None:
            plan.fail("party_official_on", "Đảng viên dự bị chưa có ngày chính thức: để trống.")
        if official is not None:
            end = add_months(admitted, rule_set.probation_months)
            if official < end:
                plan.fail(
                    "party_official_on",
                    f"Ngày chính thức {official:%d/%m/%Y} trước khi hết "
                    f"{rule_set.probation_months} tháng dự bị ({end:%d/%m/%Y}).",
                )
        membership = {
            "member_status": status,
            "party_admitted_on": admitted,
            "party_official_on": official,
            "party_card_number": values.get("party_card_number", ""),
        }
        if plan.problems:
            return
        # Arrival from outside the installation, and leaving (members.imports): the events to
        # write and the membership they leave the person with.
        cell = plan.changes.get("cell")
        lifecycle = check_lifecycle(
            values,
            cell_id=cell.pk if cell is not None else None,
            today=self.today,
            known=known.members.get(person.pk) if person is not None else None,
        )
        for column, message in lifecycle.problems:
            plan.fail(column, message)
        if plan.problems:
            return
        membership |= lifecycle.fields
        plan.member_events = lifecycle.events
        recorded = known.members.get(person.pk) if person is not None else None
        if recorded is not None and recorded.existing and not lifecycle.events:
            # The member events recorded in ptdv (the file repeats them) decide the status.
            membership.pop("member_status")
            membership.pop("party_left_on", None)
        if person is not None:
            changed = {k: v for k, v in membership.items() if _differs(person, k, v)}
            if "party_card_number" not in values:
                changed.pop("party_card_number", None)
            pipeline = [c for c, _ in history if c.closed_on is None or c.stage in _MEMBER_STAGES]
            if changed and pipeline:
                plan.fail(
                    "member_status",
                    "Tình trạng đảng viên của người này do hồ sơ phát triển đảng viên trong ptdv "
                    "xác định: cập nhật bằng các bước trên trang hồ sơ.",
                )
                return
            plan.changes |= changed
            if changed and plan.action is Action.UNCHANGED:
                plan.action = Action.UPDATE
        else:
            plan.changes |= membership

    # -- candidacies ------------------------------------------------------------------------

    def _candidacy(self, plan: RowPlan, values, person: Person | None, history, cell) -> None:
        source = values["source_on"]
        matching = next(((c, s) for c, s in history if c.opened_on == source), None)
        open_ = next((c for c, _ in history if c.closed_on is None), None)
        known_steps: dict[Step, date] = {}
        if matching is not None:
            candidacy, known_steps = matching
            if not candidacy.cell.path.startswith(self.root.path):
                plan.fail("cell", f"Hồ sơ này thuộc {candidacy.cell}: ngoài {self.root}.")
                return
            plan.candidacy = candidacy
        elif open_ is not None:
            plan.fail(
                "source_on",
                f"Đang có hồ sơ khác chưa kết thúc (lần {open_.attempt}, xác định nguồn ngày "
                f"{open_.opened_on:%d/%m/%Y}).",
            )
            return
        elif person is not None and person.member_status in MEMBER_STATUSES:
            plan.fail("source_on", f"{person.full_name} đã là đảng viên.")
            return
        else:
            plan.attempt = 1 + max((c.attempt for c, _ in history), default=0)
        steps = self._steps(plan, values, known_steps, cell, person)
        if plan.problems:
            return
        plan.steps = steps
        if matching is None:
            plan.action = Action.UPDATE if person is not None else Action.CREATE
        elif steps:
            plan.action = Action.UPDATE

    def _steps(self, plan, values, known: dict[Step, date], cell, person) -> list[PlannedStep]:
        """The steps of the row, checked as a whole with those already recorded; returns the
        new ones."""
        imported = {"imported": self.run_id or True}
        given: dict[Step, PlannedStep] = {}
        for spec in STEP_COLUMNS:
            on = values.get(spec.date.key)
            if on is None:
                if spec.number is not None and values.get(spec.number.key):
                    plan.fail(spec.date.key, f"Có “{spec.number.header}” nhưng thiếu ngày.")
                continue
            step = PlannedStep(spec.step, on, data=dict(imported))
            number = values.get(spec.number.key, "") if spec.number else ""
            if spec.step is Step.AWARENESS_CLASS:
                step.data |= {"certificate_date": on.isoformat(), "certificate_number": number}
            elif spec.step is Step.PARTY_CARD:
                step.data["card_number"] = number
            else:
                step.number = number
            given[spec.step] = step
        if Step.CELL_RESOLUTION in given:
            vote = self._vote(plan, values, given[Step.CELL_RESOLUTION].on)
            given[Step.CELL_RESOLUTION].votes = vote
            given[Step.CELL_RESOLUTION].passed = True
        elif any(values.get(c.key) is not None for c in VOTE_COLUMNS):
            plan.fail(
                "cell_resolution_on",
                "Có số phiếu biểu quyết nhưng thiếu ngày chi bộ đề nghị kết nạp.",
            )
        if Step.RECOGNITION_CELL_RESOLUTION in given:
            given[Step.RECOGNITION_CELL_RESOLUTION].passed = True
        for step, on in known.items():
            if step in given and given[step].on != on:
                plan.fail(
                    _date_key(step),
                    f"Ngày trong tệp ({given[step].on:%d/%m/%Y}) khác ngày đã ghi trong ptdv "
                    f"({on:%d/%m/%Y}): sửa bằng “Đính chính” trên trang hồ sơ.",
                )
        if plan.problems:
            return []
        # A dossier voted on before ptdv: its application stands for the papers kept on paper.
        if (
            Step.CELL_RESOLUTION in given
            and Step.DOSSIER_PAPER not in given
            and Step.DOSSIER_PAPER not in known
        ):
            on = given[Step.CELL_RESOLUTION].on
            given[Step.DOSSIER_PAPER] = PlannedStep(
                Step.DOSSIER_PAPER, on, data={**imported, "kind": "application"}
            )
        if given.get(Step.DOSSIER_PAPER) is not None:
            given[Step.DOSSIER_PAPER].data.setdefault("kind", "application")
        all_dates = {**{s: p.on for s, p in given.items()}, **known}
        ancestors = self.ancestors(cell)
        for problem_key, message in check_history(
            all_dates,
            birth_date=values["birth_date"],
            education=values["general_education"],
            in_exception_area=any(n.disadvantaged_area for n in ancestors),
            cell_is_grassroots=cell.is_grassroots,
            has_partial_committee=any(n.kind == "partial_committee" for n in ancestors),
            vote=given[Step.CELL_RESOLUTION].votes if Step.CELL_RESOLUTION in given else None,
            today=self.today,
        ):
            plan.fail(problem_key, message)
        if plan.problems:
            return []
        return [given[s.step] for s in STEP_COLUMNS if s.step in given and s.step not in known]

    def _vote(self, plan: RowPlan, values, on: date) -> dict[str, int] | None:
        figures = {c.key: values.get(c.key) for c in VOTE_COLUMNS}
        if all(v is None for v in figures.values()):
            return None
        missing = [c.header for c in VOTE_COLUMNS if figures[c.key] is None]
        if missing:
            plan.fail(missing[0], "Cần ghi đủ bốn số liệu biểu quyết (hoặc để trống cả bốn).")
            return None
        return {
            "official_members": figures["vote_official"],
            "present": figures["vote_present"],
            "in_favour": figures["vote_in_favour"],
            "against": figures["vote_against"],
        }


def _date_key(step: Step) -> str:
    return next(spec.date.key for spec in STEP_COLUMNS if spec.step is step)


_MEMBER_STAGES = {
    Stage.PROBATIONARY,
    Stage.NEW_MEMBER_TRAINED,
    Stage.RECOGNITION_CELL_RESOLVED,
    Stage.OFFICIAL,
    Stage.CARD_ISSUED,
}


def _differs(person: Person, key: str, value: Any) -> bool:
    if key in ("cell", "residence"):
        return getattr(person, f"{key}_id") != (value.pk if value is not None else None)
    current = getattr(person, key)
    if key == "full_name":
        return current != value
    return (current or None) != (value or None) if isinstance(value, str) else current != value


# --- the history of a candidacy, checked as a whole ----------------------------------------


def check_history(
    dates: dict[Step, date],
    *,
    birth_date: date,
    education: str,
    in_exception_area: bool,
    cell_is_grassroots: bool,
    has_partial_committee: bool,
    vote: dict[str, int] | None,
    today: date,
) -> list[tuple[str, str]]:
    """``(column key, message)`` for every rule the steps' dates break (pure).

    - The steps follow the state machine (``next_stage``) and the route through the tree
      (``route_error``: the partial committee's appraisal where there is one, no grassroots
      resolution for a chi bộ cơ sở), each on or after the previous one, none after ``today``
      (Điều lệ Đảng, Điều 4; HD 06-HD/TW 2025, mục 3).
    - On the day of the cell's resolution: age, education and the awareness certificate
      (``check_age``, ``check_education``, ``check_awareness_certificate``), and two thirds of
      the cell's official members in favour when the vote's figures are given.
    - The recognition vote comes after the 12 months of probation (QĐ 294-QĐ/TW, mục 4.2 a).
    """
    out: list[tuple[str, str]] = []
    ordered = [spec.step for spec in STEP_COLUMNS if spec.step in dates]
    stage, previous = Stage.SOURCE, None
    for step in ordered:
        on, key = dates[step], _date_key(step)
        if on < birth_date:
            out.append((key, f"Ngày {on:%d/%m/%Y} trước ngày sinh."))
        if on > today:
            out.append((key, f"Ngày {on:%d/%m/%Y} sau ngày hôm nay."))
        if previous is not None and on < dates[previous]:
            out.append(
                (
                    key,
                    f"Ngày {on:%d/%m/%Y} trước “{_STEP_HEADER[previous]}” "
                    f"({dates[previous]:%d/%m/%Y}).",
                )
            )
        if step is Step.SOURCE:
            previous = step
            continue
        problem = route_error(
            stage, step, cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        )  # fmt: skip
        if problem:
            out.append((key, problem))
            break
        try:
            stage = next_stage(stage, step, passed=True)
        except TransitionError:
            expected = _expected_step(stage, cell_is_grassroots, has_partial_committee)
            out.append((key, f"Có ngày này nhưng thiếu “{_STEP_HEADER.get(expected, expected)}”."))
            break
        previous = step
    cell_day = dates.get(Step.CELL_RESOLUTION)
    if cell_day is not None:
        facts = CandidacyFacts(
            person=PersonFacts(birth_date, education, in_exception_area=in_exception_area),
            stage=Stage.DOSSIER,
            step_dates=dict(dates),
            awareness_certificate_date=dates.get(Step.AWARENESS_CLASS),
        )
        rule_set = rule_set_for(cell_day)
        for finding in (
            *check_age(facts, rule_set, cell_day),
            *check_education(facts, rule_set, cell_day),
            *check_awareness_certificate(facts, rule_set, cell_day),
        ):
            if finding.severity is Severity.ERROR:
                column = "general_education" if finding.code.startswith("education") else (
                    "awareness_class_on" if "certificate" in finding.code else "cell_resolution_on"
                )  # fmt: skip
                out.append((column, f"{finding.message} ({finding.citation})"))
        if vote is not None:
            out.extend(("vote_in_favour", m) for m in _vote_problems(vote, rule_set))
    if Step.RECOGNITION_CELL_RESOLUTION in dates and Step.CEREMONY in dates:
        facts = CandidacyFacts(
            person=PersonFacts(birth_date, education),
            stage=Stage.RECOGNITION_CELL_RESOLVED,
            step_dates=dict(dates),
        )
        day = dates[Step.RECOGNITION_CELL_RESOLUTION]
        for finding in check_recognition(facts, rule_set_for(day), day):
            if finding.code == "recognition.too_early":
                out.append(("recognition_cell_on", finding.message))
    return out


def _expected_step(stage: Stage, cell_is_grassroots: bool, has_partial_committee: bool) -> Step:
    for spec in STEP_COLUMNS:
        sources, _ = PROGRESS.get(spec.step, (frozenset(), None))
        if stage in sources and not route_error(
            stage,
            spec.step,
            cell_is_grassroots=cell_is_grassroots,
            has_partial_committee=has_partial_committee,
        ):
            return spec.step
    return Step.SOURCE


def _vote_problems(vote: dict[str, int], rule_set) -> list[str]:
    official, present = vote["official_members"], vote["present"]
    in_favour, against = vote["in_favour"], vote["against"]
    if present > official:
        return ["Số có mặt lớn hơn số đảng viên chính thức của chi bộ."]
    if in_favour + against > present:
        return ["Tổng số tán thành và không tán thành vượt quá số có mặt."]
    need = votes_required(official, rule_set)
    if in_favour < need:
        return [
            f"Chỉ {in_favour}/{official} đảng viên chính thức tán thành, cần ít nhất {need} (hai "
            f"phần ba): nghị quyết không được thông qua ({rule_set.cite('vote_fraction')})."
        ]
    return []
