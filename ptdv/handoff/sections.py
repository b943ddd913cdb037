"""The rows of a hand-off: who was admitted, recognised as official and who left in a period,
under an organisation the user sees, with the fields of the national forms (docs/handoff.md).

- admitted: people of the subtree whose ``party_admitted_on`` (the ceremony) is in the period;
- official: people whose ``party_official_on`` is in the period, or whose recognition
  decision is dated in it (a decision that came after the probation's end);
- left: effective member events that end a membership in the installation
  (``rules.membership.ENDING_KINDS``: transfer out, resigned, struck off, expelled, deceased)
  dated in the period at a cell of the subtree, and the candidacies' exits of probationary
  members (not recognised, deceased after the ceremony).

Every query goes through ``visible_to(user)`` and the chosen organisation's subtree, so nobody
outside the user's subtree is read. At most :data:`MAX_ROWS` rows (:class:`TooManyRows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.members.models import MemberEvent
from ptdv.org.models import GRASSROOTS_KINDS, Organisation, ancestor_paths
from ptdv.people.models import MemberStatus, Person
from ptdv.people.sensitive import HIDDEN, Sensitive, may_see
from ptdv.people.validators import normalise_personal_history_number
from ptdv.pipeline.models import Event
from ptdv.rules.membership import ENDING_KINDS, KIND_LABELS, MemberEventKind
from ptdv.rules.stages import STEP_LABELS, Step

from . import checks
from .models import HandoffExport, Section

#: The largest hand-off, all sections together: the committees that admit (a district, a
#: grassroots committee) hand off hundreds a year, a province a few thousand per section; above
#: it the page asks for a smaller unit, period or fewer sections. 10,000 rows: about 5 s to
#: write the workbook (openpyxl, ~22 styled text cells a row), 0.3 s the CSV.
MAX_ROWS = 10_000
#: How many ids go into one ``IN (…)`` (SQLite's limit of variables is far above).
CHUNK = 900

SECTIONS: tuple[str, ...] = (Section.ADMITTED, Section.OFFICIAL, Section.LEFT)


@dataclass(frozen=True)
class Column:
    #: A lazy translation: the header in the language of the file's request.
    header: Any
    width: float
    kind: str = "text"


#: The columns shared by the three sections, in the order of the national system's form and
#: of the phiếu đảng viên (mẫu 2-HSĐV): see the mapping table in docs/handoff.md. Every value
#: is written as text (numbers keep their leading zeros, dates are dd/mm/yyyy).
COMMON_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("STT"), 6, "int"),
    Column(gettext_lazy("Số CCCD"), 15),
    Column(gettext_lazy("Mã tổ chức đảng (CSDL đảng viên)"), 20),
    Column(gettext_lazy("Chi bộ"), 28),
    Column(gettext_lazy("Đảng bộ cơ sở / chi bộ cơ sở"), 28),
    Column(gettext_lazy("Tình trạng đảng viên"), 18),
    Column(gettext_lazy("Số lý lịch"), 12),
    Column(gettext_lazy("Số thẻ đảng viên"), 12),
    Column(gettext_lazy("Họ và tên đang dùng"), 26),
    Column(gettext_lazy("Giới tính"), 8),
    Column(gettext_lazy("Ngày sinh"), 12),
    Column(gettext_lazy("Nơi cư trú"), 30),
    Column(gettext_lazy("Dân tộc"), 10),
    Column(gettext_lazy("Tôn giáo"), 12),
    Column(gettext_lazy("Nghề nghiệp"), 20),
    Column(gettext_lazy("Giáo dục phổ thông"), 16),
    Column(gettext_lazy("Chuyên môn, nghiệp vụ"), 16),
    Column(gettext_lazy("Lý luận chính trị"), 14),
    Column(gettext_lazy("Ngày vào Đảng"), 12),
    Column(gettext_lazy("Ngày chính thức"), 12),
    Column(gettext_lazy("Người giới thiệu"), 34),
)
#: The leaving section's own columns, after the common ones.
LEFT_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("Biến động"), 26),
    Column(gettext_lazy("Ngày biến động"), 12),
    Column(gettext_lazy("Số quyết định / giấy giới thiệu"), 16),
    Column(gettext_lazy("Cơ quan ban hành"), 24),
    Column(gettext_lazy("Chuyển đến tổ chức đảng"), 26),
)
PROBLEMS_COLUMN = Column(gettext_lazy("Cần bổ sung, sửa"), 50)
#: Columns of a sensitive item (``people.sensitive``), by index in :data:`COMMON_COLUMNS`.
SENSITIVE_COLUMNS = {12: Sensitive.ETHNICITY, 13: Sensitive.RELIGION}

SHEET_TITLES = {
    Section.ADMITTED: gettext_lazy("Kết nạp"),
    Section.OFFICIAL: gettext_lazy("Công nhận chính thức"),
    Section.LEFT: gettext_lazy("Chuyển đi, ra khỏi Đảng"),
}

UNION_INTRODUCERS = {
    "youth_union": gettext_lazy("Ban Chấp hành Đoàn cơ sở"),
    "trade_union": gettext_lazy("Ban Chấp hành Công đoàn cơ sở"),
}


def columns(section: str) -> tuple[Column, ...]:
    extra = LEFT_COLUMNS if section == Section.LEFT else ()
    return (*COMMON_COLUMNS, *extra, PROBLEMS_COLUMN)


def dmy(day: date | None) -> str:
    """A date as the national forms write it: dd/mm/yyyy (text)."""
    return f"{day:%d/%m/%Y}" if day else ""


class TooManyRows(Exception):
    def __init__(self, count: int):
        super().__init__(count)
        self.count = count

    @property
    def message(self) -> str:
        return _(
            "Có %(count)s dòng, quá %(cap)s dòng một lần bàn giao: chọn đơn vị nhỏ hơn hoặc kỳ "
            "ngắn hơn."
        ) % {"count": f"{self.count:,}".replace(",", "."), "cap": f"{MAX_ROWS:,}".replace(",", ".")}


@dataclass
class Row:
    """One person of one section: the values of :func:`columns` (without STT and the problems)
    and what is missing or wrong."""

    section: str
    person_id: int
    full_name: str
    cccd: str | None
    cell_id: int
    cell_name: str
    values: list[Any]
    problems: list[str] = field(default_factory=list)
    cell_has_code: bool = True

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass
class Handoff:
    organisation: Organisation
    start: date
    end: date
    sections: tuple[str, ...]
    rows: dict[str, list[Row]]
    #: People left out because an earlier hand-off carried them ("only new").
    already_sent: int = 0
    #: Cells of the rows without a national code (id → name), for the page's links.
    cells_without_code: dict[int, str] = field(default_factory=dict)

    def all_rows(self) -> Iterable[Row]:
        for section in self.sections:
            yield from self.rows.get(section, [])

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())

    @property
    def incomplete(self) -> int:
        return sum(1 for r in self.all_rows() if r.problems)


# --- what was sent before ------------------------------------------------------------------


def sent_before(organisation: Organisation) -> dict[str, set[int]]:
    """The people earlier hand-offs carried, per section: exports of the organisation, of one
    above it (which covered this subtree) and of one below it. Only used to leave people of the
    user's own subtree out; nothing of these exports is shown."""
    exports = HandoffExport.objects.filter(
        Q(organisation__path__startswith=organisation.path)
        | Q(organisation__path__in=ancestor_paths(organisation.path))
    ).values_list("people", flat=True)
    sent: dict[str, set[int]] = {s: set() for s in SECTIONS}
    for people in exports.iterator(chunk_size=200):
        for section, ids in (people or {}).items():
            sent.setdefault(section, set()).update(int(i) for i in ids)
    return sent


def last_export(user, organisation: Organisation) -> HandoffExport | None:
    """The latest hand-off of this organisation the user may see."""
    return (
        HandoffExport.objects.visible_to(user)
        .filter(organisation=organisation)
        .select_related("created_by")
        .first()
    )


# --- building ------------------------------------------------------------------------------


def build(
    user,
    organisation: Organisation,
    start: date,
    end: date,
    sections: Sequence[str] = SECTIONS,
    *,
    only_new: bool = False,
) -> Handoff:
    """The hand-off's rows for ``user`` (who sees ``organisation``: the caller checked it)."""
    sections = tuple(s for s in SECTIONS if s in sections)
    people = Person.objects.visible_to(user).in_subtree(organisation.path)
    chosen: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    if Section.ADMITTED in sections:
        ids = people.filter(party_admitted_on__range=(start, end)).order_by(
            "party_admitted_on", "sort_key", "pk"
        )
        chosen[Section.ADMITTED] = [(pk, {}) for pk in ids.values_list("pk", flat=True)]
    if Section.OFFICIAL in sections:
        # Official from the end of probation, even when the decision came later (Điều lệ Đảng,
        # Điều 5): the official date in the period, or the decision dated in it (a late one).
        decided = (
            Event.objects.effective()
            .filter(step=Step.RECOGNITION_DECISION, date__range=(start, end))
            .values("candidacy__person_id")
        )
        ids = (
            people.filter(party_official_on__isnull=False)
            .filter(Q(party_official_on__range=(start, end)) | Q(pk__in=decided))
            .order_by("party_official_on", "sort_key", "pk")
        )
        chosen[Section.OFFICIAL] = [(pk, {}) for pk in ids.values_list("pk", flat=True)]
    if Section.LEFT in sections:
        chosen[Section.LEFT] = _leavings(user, organisation, start, end)
    already = 0
    if only_new:
        sent = sent_before(organisation)
        for section, entries in chosen.items():
            kept = [(pk, e) for pk, e in entries if pk not in sent.get(section, set())]
            already += len(entries) - len(kept)
            chosen[section] = kept
    total = sum(len(v) for v in chosen.values())
    if total > MAX_ROWS:
        raise TooManyRows(total)
    rows = _rows(user, chosen)
    handoff = Handoff(organisation, start, end, sections, rows, already_sent=already)
    for row in handoff.all_rows():
        if not row.cell_has_code:
            handoff.cells_without_code[row.cell_id] = row.cell_name
    return handoff


def _leavings(user, organisation, start, end) -> list[tuple[int, dict[str, Any]]]:
    """(person id, what the event says) for each leaving in the period, in date order."""
    found: list[tuple[date, int, int, dict[str, Any]]] = []
    events = (
        MemberEvent.objects.effective()
        .visible_to(user)
        .in_subtree(organisation.path, via="cell")
        .filter(kind__in=[k.value for k in ENDING_KINDS], date__range=(start, end))
        .values_list("pk", "person_id", "kind", "date", "number", "issued_by", "outside")
    )
    for pk, person_id, kind, day, number, issued_by, outside in events.iterator(chunk_size=2000):
        found.append(
            (
                day,
                person_id,
                pk,
                {
                    "kind": _(KIND_LABELS[MemberEventKind(kind)]),
                    "date": day,
                    "number": number,
                    "issued_by": issued_by,
                    "outside": outside if kind == MemberEventKind.TRANSFER_OUT else "",
                },
            )
        )
    # A probationary member not recognised (xóa tên) or deceased: the candidacy's exit.
    exits = (
        Event.objects.effective()
        .visible_to(user)
        .in_subtree(organisation.path, via="cell")
        .filter(step__in=[Step.NOT_RECOGNISED, Step.DECEASED], date__range=(start, end))
        .filter(candidacy__person__party_admitted_on__isnull=False)
        .filter(candidacy__person__party_admitted_on__lte=F("date"))
        .values_list("pk", "candidacy__person_id", "step", "date", "number")
    )
    for pk, person_id, step, day, number in exits.iterator(chunk_size=2000):
        found.append(
            (
                day,
                person_id,
                -pk,
                {
                    "kind": _(STEP_LABELS[Step(step)]),
                    "date": day,
                    "number": number,
                    "issued_by": "",
                    "outside": "",
                },
            )
        )
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    return [(person_id, data) for _day, person_id, _pk, data in found]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _rows(user, chosen: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, list[Row]]:
    ids = sorted({pk for entries in chosen.values() for pk, _data in entries})
    people: dict[int, Person] = {}
    for part in _chunks(ids):
        for person in (
            Person.objects.visible_to(user).filter(pk__in=part).select_related("cell", "residence")
        ):
            people[person.pk] = person
    grassroots = _grassroots_names({p.cell.path for p in people.values()})
    introducers = _introducers(user, list(people))
    hidden = {i for i, item in SENSITIVE_COLUMNS.items() if not may_see(user, item)}
    rows: dict[str, list[Row]] = {}
    for section, entries in chosen.items():
        out = rows[section] = []
        for pk, data in entries:
            person = people.get(pk)
            if person is None:  # not visible after all (a race with a transfer): left out
                continue
            out.append(_row(section, person, data, grassroots, introducers.get(pk, []), hidden))
    return rows


def _row(section, person: Person, data, grassroots, introducers: list[str], hidden) -> Row:
    cell = person.cell
    residence = person.address or (person.residence.name if person.residence is not None else "")
    official = person.member_status == MemberStatus.OFFICIAL or section == Section.OFFICIAL
    number = personal_history_number(person)
    values: list[Any] = [
        person.cccd or "",
        cell.party_code or "",
        cell.name,
        grassroots.get(cell.path, ""),
        person.get_member_status_display(),
        number,
        person.party_card_number or "",
        person.full_name,
        person.get_sex_display(),
        dmy(person.birth_date),
        residence,
        person.get_ethnicity_display(),
        person.get_religion_display(),
        person.occupation,
        person.get_general_education_display(),
        person.get_professional_level_display(),
        person.get_theory_level_display(),
        dmy(person.party_admitted_on),
        dmy(person.party_official_on),
        "; ".join(introducers),
    ]
    for index in hidden:  # indexes of COMMON_COLUMNS, whose first (STT) is not in ``values``
        values[index - 1] = str(HIDDEN)
    if section == Section.LEFT:
        values += [
            data.get("kind", ""),
            dmy(data.get("date")),
            data.get("number", ""),
            data.get("issued_by", ""),
            data.get("outside", ""),
        ]
    problems = [
        *checks.cccd_problems(person.cccd),
        *checks.party_code_problems(cell.name, cell.party_code),
        *checks.personal_history_problems(number),
        *checks.card_problems(
            person.party_card_number, official=official and section != Section.LEFT
        ),
        *checks.membership_problems(
            admitted_on=person.party_admitted_on,
            official_on=person.party_official_on,
            introducers=introducers,
            section=section,
        ),
    ]
    return Row(
        section,
        person.pk,
        person.full_name,
        person.cccd,
        cell.pk,
        cell.name,
        values,
        problems,
        cell_has_code=bool(cell.party_code),
    )


def personal_history_number(person: Person) -> str:
    """Số lý lịch đảng viên (``Person.personal_history_number``, corrected on the person page);
    empty when the record has none."""
    return normalise_personal_history_number(person.personal_history_number)


def _grassroots_names(cell_paths: set[str]) -> dict[str, str]:
    """Each cell's grassroots organisation's name (itself for a chi bộ cơ sở), one query."""
    wanted = {p for path in cell_paths for p in ancestor_paths(path)}
    units = {
        path: (kind, name)
        for path, kind, name in Organisation.objects.filter(path__in=wanted).values_list(
            "path", "kind", "name"
        )
    }
    names = {}
    for path in cell_paths:
        for p in reversed(ancestor_paths(path)):
            kind, name = units.get(p, ("", ""))
            if kind in GRASSROOTS_KINDS:
                names[path] = name
                break
    return names


def _introducers(user, person_ids: list[int]) -> dict[int, list[str]]:
    """The introducers of each person's latest candidacy: the members whose letter is in the
    dossier (their name when the user sees them) and the union committee that introduced them."""
    letters: dict[int, tuple[int, list[Any]]] = {}  # person -> (candidacy, introducers)
    for part in _chunks(person_ids):
        events = (
            Event.objects.effective()
            .filter(step=Step.DOSSIER_PAPER, candidacy__person_id__in=part)
            .order_by("candidacy_id", "seq")
            .values_list("candidacy__person_id", "candidacy_id", "data")
        )
        for person_id, candidacy_id, data in events:
            kind = (data or {}).get("kind")
            if kind not in ("introducer_letter", "union_resolution"):
                continue
            seen = letters.get(person_id)
            if seen is None or seen[0] != candidacy_id:
                if seen is not None and seen[0] > candidacy_id:
                    continue
                seen = letters[person_id] = (candidacy_id, [])
            who = data.get("introducer_id") if kind == "introducer_letter" else None
            entry = who if who is not None else data.get("introducer_kind", "")
            if entry and entry not in seen[1]:
                seen[1].append(entry)
    member_ids = {e for _c, entries in letters.values() for e in entries if isinstance(e, int)}
    names: dict[int, str] = {}
    for part in _chunks(sorted(member_ids)):
        names.update(
            Person.all_records.visible_to(user).filter(pk__in=part).values_list("pk", "full_name")
        )
    out: dict[int, list[str]] = {}
    for person_id, (_candidacy, entries) in letters.items():
        shown = []
        for entry in entries:
            if isinstance(entry, int):
                if entry in names:
                    shown.append(names[entry])
            elif entry in UNION_INTRODUCERS:
                shown.append(str(UNION_INTRODUCERS[entry]))
        out[person_id] = shown
    return out
