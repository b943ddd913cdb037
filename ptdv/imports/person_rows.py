"""A person's row, whatever the kind of file: the row checked on its own (birth date, CCCD, cell,
place of residence, the same person twice in the file, a personal-history number twice in the
file), who it is in ptdv (as the importing user may learn it: ``people.identity``), what it
changes, its legal basis, whether its personal-history number is somebody else's, and the rows
that may be somebody already in ptdv."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from ptdv.org.models import CELL_KINDS, Organisation, Place
from ptdv.people.identity import (
    CccdElsewhere,
    Identities,
    ProbeLimitReached,
    history_number_held_by,
)
from ptdv.people.models import LEGAL_BASIS_FIELDS, LegalBasis, Person
from ptdv.people.text import fold
from ptdv.people.validators import check_cccd_matches

from .plans import (
    DEFAULTS,
    PERSON_FIELDS,
    Action,
    Known,
    NumberElsewhere,
    RowPlan,
    RowWarning,
    differs,
)
from .reading import FileError
from .tree import Subtree


class PersonRows:
    """The person part of the rows of one file (it remembers the rows seen, for duplicates)."""

    def __init__(self, identities: Identities, tree: Subtree, today: date):
        self.identities, self.tree, self.root, self.today = identities, tree, tree.root, today
        self._seen_cccd: dict[str, int] = {}
        self._seen_name: dict[tuple[str, date], int] = {}
        self._seen_history_number: dict[str, int] = {}

    def cell(self, plan: RowPlan, text: str | None) -> Organisation | None:
        if text is None:
            if self.root.kind in CELL_KINDS:
                return self.root
            plan.fail("cell", "Thiếu chi bộ.")
            return None
        cell, problem = self.tree.cell(text)
        if problem:
            plan.fail("cell", problem)
        return cell

    def warn(self, plans: list[RowPlan], known: Known) -> None:
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

    def check_row(
        self, plan: RowPlan, values: dict[str, Any]
    ) -> tuple[Organisation | None, Place | None]:
        """The row on its own: the birth date, the CCCD against it, the cell and the place of
        residence, and rows of the file that are the same person."""
        name, birth = values["full_name"], values["birth_date"]
        cccd = values.get("cccd")
        if birth > self.today:
            plan.fail("birth_date", f"Ngày sinh {birth:%d/%m/%Y} sau ngày hôm nay.")
        elif birth.year < 1900:
            plan.fail("birth_date", f"Ngày sinh {birth:%d/%m/%Y} không hợp lý.")
        if cccd:
            for message in check_cccd_matches(cccd, birth, values.get("sex")):
                plan.fail("cccd", message)
        cell = self.cell(plan, values.get("cell"))
        residence = None
        if cell is not None and values.get("residence"):
            residence = self._residence(plan, cell, values["residence"])
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
        number = values.get("personal_history_number")
        if number:
            if number in self._seen_history_number:
                plan.fail(
                    "personal_history_number",
                    f"Trùng với dòng {self._seen_history_number[number]} của tệp (cùng số lý lịch "
                    "đảng viên): mỗi số chỉ của một người.",
                )
            self._seen_history_number.setdefault(number, plan.row)
        return cell, residence

    def history_number(
        self, plan: RowPlan, values: dict[str, Any], person: Person | None, known: Known
    ) -> None:
        """The row's personal-history number, if another record holds it: the row fails. A
        holder of the organisation imported into is named (as on the person page); of anybody
        else nothing is said but that the number is taken (the number is unique in ptdv), and
        that answer is audited and counted as a CCCD held elsewhere is: past the limit, the file
        stops."""
        number = values.get("personal_history_number")
        holder = known.by_history_number.get(number) if number else None
        if holder is None or (person is not None and holder == person):
            return
        if isinstance(holder, NumberElsewhere):
            try:
                message = self.identities.refuse(holder).message
            except ProbeLimitReached as exc:
                raise FileError(f"Dừng kiểm tra ở dòng {plan.row}: {exc.message}") from None
        else:
            message = history_number_held_by(number, holder)
        plan.fail("personal_history_number", message)

    def _residence(self, plan: RowPlan, cell: Organisation, text: str) -> Place | None:
        grassroots = self.tree.grassroots_of(cell)
        places = self.tree.places(grassroots, text) if grassroots else []
        if len(places) == 1:
            return places[0]
        where = grassroots or cell
        plan.fail(
            "residence",
            f"Không có thôn, tổ dân phố “{text}” thuộc {where}."
            if not places
            else f"Có {len(places)} địa bàn tên “{text}” thuộc {where}.",
        )
        return None

    def changes(
        self,
        plan: RowPlan,
        values: dict[str, Any],
        person: Person | None,
        cell: Organisation | None,
        residence: Place | None,
    ) -> None:
        """Create (every field) or update (the fields that differ) the person, who must be of
        the subtree imported into."""
        plan.person = person
        changes = {
            k: v for k, v in values.items() if k in PERSON_FIELDS and k not in ("cell", "residence")
        }
        changes["cell"] = cell
        if residence is not None:
            changes["residence"] = residence
        if person is None:
            plan.changes = {**DEFAULTS, **changes}
            plan.action = Action.CREATE
            return
        if not person.cell.path.startswith(self.root.path):
            plan.fail(
                "cccd" if values.get("cccd") else "full_name",
                f"{person.full_name} (sinh {person.birth_date:%d/%m/%Y}) đã có trong ptdv, "
                f"thuộc {person.cell}: ngoài {self.root}.",
            )
            return
        plan.changes = {k: v for k, v in changes.items() if differs(person, k, v)}
        plan.action = Action.UPDATE if plan.changes else Action.UNCHANGED

    def legal_basis(self, plan: RowPlan, values: dict[str, Any], person: Person | None) -> None:
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

    def match(self, plan: RowPlan, values: dict[str, Any], known: Known) -> Person | None:
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
