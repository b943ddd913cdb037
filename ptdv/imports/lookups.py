"""What ptdv holds about the people of one chunk of rows, in a few batched queries: who holds
each CCCD, who has each name and birth date (as the importing user may learn it: ``Identities``),
their candidacies with the dates of their effective steps, and for a members' file their member
events and who holds each personal-history number (số lý lịch đảng viên)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from ptdv.members.imports import Known as MemberKnown
from ptdv.members.imports import lookup as member_lookup
from ptdv.people.identity import Identities
from ptdv.people.models import Person
from ptdv.people.text import fold
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.stages import Step

from .plans import History, Known, NumberElsewhere


def look_up(identities: Identities, rows: list[dict[str, Any]], *, members: bool) -> Known:
    cccds = {v["cccd"] for v in rows if v.get("cccd")}
    pairs = {
        (fold(v["full_name"]), v["birth_date"])
        for v in rows
        if v.get("full_name") and v.get("birth_date")
    }
    by_cccd = identities.holders(cccds)
    by_name = identities.same_name_and_birth(pairs)
    people = {p.pk: p for p in by_cccd.values() if isinstance(p, Person)}
    people |= {p.pk: p for ps in by_name.values() for p in ps}
    candidacies = _candidacies(set(people)) if people else defaultdict(list)
    known_members: dict[int, MemberKnown] = member_lookup(people.values()) if members else {}
    numbers = {v["personal_history_number"] for v in rows if v.get("personal_history_number")}
    by_number = history_number_holders(identities, numbers)
    return Known(by_cccd, by_name, candidacies, known_members, by_number)


def history_number_holders(
    identities: Identities, numbers: set[str]
) -> dict[str, Person | NumberElsewhere]:
    """Who holds each of these personal-history numbers, in one query: the person, when the
    import may name them (of the organisation imported into, not merged into another), else
    :class:`NumberElsewhere` (refused through ``Identities.refuse``). Every record counts (``Person.all_records``): the number is unique
    over all of them."""
    if not numbers:
        return {}
    found: dict[str, Person | NumberElsewhere] = {}
    holders = Person.all_records.select_related("cell").filter(
        personal_history_number__in=sorted(numbers)
    )
    for person in holders.order_by("pk"):
        number = person.personal_history_number
        visible = identities.visible(person) and person.merged_into_id is None
        found[number] = person if visible else NumberElsewhere(number, holder=person)
    return found


def _candidacies(person_ids: set[int]) -> dict[int, History]:
    """Each person's candidacies (by attempt) with ``{step: date}`` of their effective steps
    (the first of each step; a step voted down does not count)."""
    out: dict[int, History] = defaultdict(list)
    found = {
        c.pk: c for c in Candidacy.objects.filter(person_id__in=person_ids).select_related("cell")
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
        out[c.person_id].append((c, steps[c.pk]))
    return out
