"""From the database to the pure rules: build the facts of a candidacy and evaluate them.

What each step's event carries in ``Event.data`` (dates as ISO strings):

- ``awareness_class`` / ``new_member_class``: ``certificate_date``, ``certificate_number``,
  ``class_name``.
- ``dossier_paper``: ``kind`` (see :data:`ptdv.rules.facts.PAPER_LABELS`), and by kind:
  ``subject`` and ``result`` (verification), ``introducer_id``, ``introducer_kind``
  (member, youth_union, trade_union), ``months_together``, ``same_grassroots`` (introducers),
  ``issuer`` (the written consent for an applicant over 60, ``over_age_consent``: its number is
  the event's ``number``).
- ``grassroots_resolution``: ``decision_extended`` (the +30 working days were granted).
- ``admission_decision``: ``received_on`` (the day the cell received the decision; the
  ceremony's 30 working days run from it, from the decision's date when absent).
- ``ceremony``: ``superior_consent`` (a late ceremony agreed by the direct superior).
- ``party_card``: ``card_number``. ``transfer``: ``from_cell``, ``to_cell``.
- Any step written by an import: ``imported`` (the import run's id). On ``cell_resolution`` it
  means the dossier was voted on before ptdv (``CandidacyFacts.dossier_on_paper``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings

from ptdv.org.models import Organisation
from ptdv.people.models import Person
from ptdv.people.outsiders import Sight, person_placeholder
from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.checks import evaluate
from ptdv.rules.facts import (
    CandidacyFacts,
    IntroducerFacts,
    MentorFacts,
    PaperFacts,
    PersonFacts,
    VoteFacts,
)
from ptdv.rules.findings import Evaluation
from ptdv.rules.stages import CandidacyState, EventFact, Step, derive

from .models import CalendarDay, Candidacy, Event, MentorAssignment


def event_facts(event: Event) -> EventFact:
    """The state machine's view of an event; a vote's figures travel in ``data["vote"]``."""
    data = dict(event.data or {})
    if event.step == Step.DOSSIER_PAPER and event.number:
        data.setdefault("number", event.number)
    if event.official_members is not None:
        data["vote"] = VoteFacts(
            event.official_members,
            event.present or 0,
            event.in_favour or 0,
            event.against or 0,
            event_id=event.pk,  # the findings name the vote to correct
        )
    return EventFact(
        id=event.pk,
        step=Step(event.step),
        date=event.date,
        data=data,
        voids=event.voids_id,
        passed=event.passed,
    )


@lru_cache(maxsize=4)
def _calendar(days: tuple[tuple[date, bool], ...]) -> WorkingCalendar:
    extra_off = [d for d, off in days if off]
    extra_off += [date.fromisoformat(d) for d in settings.PTDV_EXTRA_DAYS_OFF]
    extra_work = [d for d, off in days if not off]
    extra_work += [date.fromisoformat(d) for d in settings.PTDV_EXTRA_WORKING_DAYS]
    return WorkingCalendar(extra_days_off=extra_off, extra_working_days=extra_work)


def working_calendar() -> WorkingCalendar:
    """The working calendar: VN public holidays plus the days in :class:`CalendarDay`.

    The table is tiny (a few decreed days a year) and read on every call, so every process
    sees a change at once; the calendar built from it is cached per content.
    """
    return _calendar(tuple(CalendarDay.objects.order_by("date").values_list("date", "is_day_off")))


def _date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def build_facts(candidacy: Candidacy, state: CandidacyState | None = None) -> CandidacyFacts:
    """Everything the rules need about ``candidacy``, in a handful of queries."""
    if state is None:
        state = derive(
            event_facts(e) for e in Event.objects.filter(candidacy=candidacy).order_by("seq")
        )
    assignments = list(MentorAssignment.objects.filter(candidacy=candidacy).order_by("start"))
    people_ids = {a.mentor_id for a in assignments}
    people_ids |= {
        e.data["introducer_id"]
        for e in state.events
        if e.step is Step.DOSSIER_PAPER and e.data.get("introducer_id")
    }
    return assemble_facts(
        state,
        person=candidacy.person,
        attempt=candidacy.attempt,
        ancestors=candidacy.cell.ancestors_or_self(),
        assignments=assignments,
        people=people_by_id(people_ids),
    )


def people_by_id(ids: Iterable[int], *related: str) -> dict[int, Person]:
    """People by id, a record merged into another standing for the record it was merged into
    (events are never rewritten: an introducer's letter keeps the id it was written with)."""
    people = Person.all_records.select_related(*related)
    found = people.in_bulk(ids)
    kept_ids = {p.merged_into_id for p in found.values() if p.merged_into_id}
    kept = people.in_bulk(kept_ids) if kept_ids else {}
    return {pk: kept.get(p.merged_into_id, p) if p.merged_into_id else p for pk, p in found.items()}


@dataclass
class _FromEvents:
    """What the effective events say, step by step (the input of :func:`assemble_facts`)."""

    papers: list[PaperFacts] = field(default_factory=list)
    introducer_rows: list[dict[str, Any]] = field(default_factory=list)
    awareness: date | None = None
    new_member: date | None = None
    cell_vote: VoteFacts | None = None
    recognition_vote: VoteFacts | None = None
    decision_extended: bool = False
    decision_received_on: date | None = None
    ceremony_consent: bool = False
    dossier_on_paper: bool = False


def _read_events(state: CandidacyState) -> _FromEvents:
    out = _FromEvents()
    for e in state.events:
        if e.step is Step.DOSSIER_PAPER:
            kind = e.data.get("kind", "")
            out.papers.append(
                PaperFacts(
                    kind,
                    e.date,
                    subject=e.data.get("subject", ""),
                    result=e.data.get("result"),
                    number=str(e.data.get("number") or ""),
                    issuer=str(e.data.get("issuer") or ""),
                    event_id=e.id,
                )
            )
            if kind in ("introducer_letter", "union_resolution"):
                out.introducer_rows.append({**e.data, "date": e.date, "event_id": e.id})
        elif e.step is Step.AWARENESS_CLASS:
            out.awareness = _date(e.data.get("certificate_date")) or e.date
        elif e.step is Step.NEW_MEMBER_CLASS:
            out.new_member = _date(e.data.get("certificate_date")) or e.date
        elif e.step is Step.CELL_RESOLUTION:
            out.cell_vote = e.data.get("vote")
            out.dossier_on_paper = bool(e.data.get("imported"))
        elif e.step is Step.RECOGNITION_CELL_RESOLUTION:
            out.recognition_vote = e.data.get("vote")
        elif e.step is Step.GRASSROOTS_RESOLUTION:
            out.decision_extended = bool(e.data.get("decision_extended"))
        elif e.step is Step.ADMISSION_DECISION:
            out.decision_received_on = _date(e.data.get("received_on"))
        elif e.step is Step.CEREMONY:
            out.ceremony_consent = bool(e.data.get("superior_consent"))
    return out


def _introducers(
    rows: list[dict[str, Any]], people: dict[int, Person]
) -> tuple[IntroducerFacts, ...]:
    """The introducers named by the letters (a union's resolution names no person)."""
    out = []
    for r in rows:
        kind = r.get("introducer_kind") or (
            "member" if r["kind"] == "introducer_letter" else "youth_union"
        )
        introducer_id = r.get("introducer_id")
        who = people.get(introducer_id) if introducer_id is not None else None
        out.append(
            IntroducerFacts(
                person_id=who.pk if who else 0,
                name=who.full_name if who else r.get("name", "Ban chấp hành đoàn thể"),
                kind=kind,
                official_since=who.party_official_on if who else None,
                left_on=who.party_left_on if who else None,
                months_together=int(r.get("months_together") or 0),
                same_grassroots=bool(r.get("same_grassroots", True)),
                letter_date=r["date"],
                event_id=r.get("event_id"),
            )
        )
    return tuple(out)


def _mentors(
    assignments: list[MentorAssignment], people: dict[int, Person]
) -> tuple[MentorFacts, ...]:
    return tuple(
        MentorFacts(
            person_id=a.mentor_id,
            name=people[a.mentor_id].full_name,
            official_since=people[a.mentor_id].party_official_on,
            left_on=people[a.mentor_id].party_left_on,
            start=a.start,
            end=a.end,
        )
        for a in assignments
    )


def assemble_facts(
    state: CandidacyState,
    *,
    person: Person,
    attempt: int,
    ancestors: list[Organisation],
    assignments: list[MentorAssignment],
    people: dict[int, Person],
) -> CandidacyFacts:
    """The facts from objects already in memory (shared by pages and bulk builders)."""
    cell = ancestors[-1]
    read = _read_events(state)
    return CandidacyFacts(
        person=PersonFacts(
            birth_date=person.birth_date,
            education=person.general_education,
            in_exception_area=any(n.disadvantaged_area for n in ancestors),
            youth_union_member=person.youth_union_member,
            trade_union_member=person.trade_union_member,
            official_since=person.party_official_on if attempt > 1 else None,
            left_on=person.party_left_on if attempt > 1 else None,
        ),
        stage=state.stage,
        step_dates=dict(state.step_dates),
        failed_votes=dict(state.failed_votes),
        cell_is_grassroots=cell.is_grassroots,
        has_partial_committee=any(n.kind == "partial_committee" for n in ancestors),
        awareness_certificate_date=read.awareness,
        new_member_class_date=read.new_member,
        papers=tuple(read.papers),
        introducers=_introducers(read.introducer_rows, people),
        mentors=_mentors(assignments, people),
        cell_vote=read.cell_vote,
        recognition_vote=read.recognition_vote,
        decision_extended=read.decision_extended,
        decision_received_on=read.decision_received_on,
        ceremony_consent=read.ceremony_consent,
        dossier_on_paper=read.dossier_on_paper,
    )


def facts_seen_by(facts: CandidacyFacts, reader: Any) -> CandidacyFacts:
    """``facts`` as ``reader`` may read them: introducers and mentors outside the reader's subtree
    (a candidacy transferred from another branch) named by the placeholder, so that no finding
    names them (``people.outsiders``). Only the names change: the rules decide the same."""
    sight = Sight.of(
        reader,
        people=[i.person_id for i in facts.introducers] + [m.person_id for m in facts.mentors],
    )
    hidden = person_placeholder()
    introducers = tuple(
        i if not i.person_id or sight.sees_person(i.person_id) else replace(i, name=hidden)
        for i in facts.introducers
    )
    mentors = tuple(
        m if sight.sees_person(m.person_id) else replace(m, name=hidden) for m in facts.mentors
    )
    if introducers == facts.introducers and mentors == facts.mentors:
        return facts
    return replace(facts, introducers=introducers, mentors=mentors)


def evaluate_candidacy(
    candidacy: Candidacy, today: date, state: CandidacyState | None = None
) -> Evaluation:
    """Findings, deadlines and blockers of ``candidacy`` on ``today``.

    The returned evaluation also carries the ``calendar`` used, for counting days left.
    """
    calendar = working_calendar()
    evaluation = evaluate(build_facts(candidacy, state), calendar, today)
    evaluation.calendar = calendar  # type: ignore[attr-defined]
    return evaluation
