"""Anonymising the records due under the retention policy (:mod:`ptdv.retention.policy`).

What is erased, for good (there is no copy to go back to; backups are the installation's: see
docs/deployment.md), and what is kept so that every report gives the same figures as before:

- the person (:data:`PERSON_ERASED`): the name becomes :data:`PSEUDONYM` (``Người đã ẩn danh
  #<id>``: the same record reads the same in every list, and the id says nothing of the person);
  the birth date keeps its year only (1 January, as Vietnamese records write a birth of unknown
  day and month); the CCCD, the address, the residence, the occupation, the ethnicity, the
  religion, the card number and the personal-history number are erased. Kept: sex, education,
  professional and theory level, sector, the union and local-resident flags, the cell, the
  membership fields (empty: a member is never anonymised), the legal basis and its dates (the
  evidence that the processing was lawful). No report reads the erased fields of these people:
  the composition of new members and of members (women, young, ethnic minority, religious…)
  counts ceremonies and members' spells only, and the policy keeps everyone who ever had one
  (``policy._kept_conditions``);
- their candidacies' events keep their step, date, cell, numbers and votes — what the reports
  and the state machine read — and the data keys of :data:`EVENT_DATA_KEPT`; the rest of the
  data (notes, certificate numbers, the verification's result) and the reason are erased;
- their mentors' reports keep their period and assessment, their text is erased; the mentoring's
  end reason is erased;
- the history of corrections (``PersonChange``) keeps which field changed, not the values of
  erased fields nor the reason; a merge's reason and the CCCD it moved are erased;
- the import's warnings that named them lose the name and the message;
- their requests in the requests register keep their kind, dates and steps (the evidence that
  they were answered); the text, the requester's name and contact and the answers' texts are
  erased;
- the audit log: every entry of the person, their candidacies, events, mentoring and mentors'
  reports is rewritten the same way (the name in the entry's title, the values of erased fields,
  the events' data and reasons, the reports' text, the stored copy of the object, the reason of a
  correction, the keyed hash of a CCCD) — who changed what and when stays;
- one new audit entry per record says it was anonymised, under which outcome and policy, with no
  personal data.

Each batch is one transaction that locks its people and checks again that they are due (a
candidacy reopened since the list was made keeps its person); anonymised records are skipped, so
a run can be repeated or resumed (idempotent).

:func:`erase_on_request` does the same to one record at once, answering the person's request for
deletion (``ptdv.subjects``), when the policy would not keep it whatever its outcome
(:func:`policy.why_kept`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from ptdv.imports.models import ImportWarning
from ptdv.people.models import Person, PersonChange, PersonMerge
from ptdv.people.text import fold, sort_key
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.reports import stored as stored_reports
from ptdv.subjects.models import RequestStep, SubjectRequest

from . import policy
from .models import RetentionRun
from .policy import Due, Outcome

logger = logging.getLogger(__name__)

#: The name of an anonymised record (stored data, in Vietnamese like every record).
PSEUDONYM = "Người đã ẩn danh #{pk}"
#: What replaces an erased text where one is needed (audit values, reports' text, reasons).
ERASED = "(đã xóa theo chính sách lưu trữ)"

#: The person's fields erased (their values in the audit log and the history too).
PERSON_ERASED = (
    "full_name",
    "search_name",
    "sort_key",
    "birth_date",
    "cccd",
    "address",
    "residence",
    "occupation",
    "ethnicity",
    "religion",
    "party_card_number",
    "personal_history_number",
)
#: Keys of an event's ``data`` that are kept: what the state machine, the rules and the reports
#: read, and nothing that names or describes the person (``note``, ``certificate_number``,
#: ``result``, ``card_number``… are dropped).
EVENT_DATA_KEPT = frozenset(
    {
        "kind",
        "subject",
        "to_cell",
        "from_cell",
        "introducer_kind",
        "introducer_id",
        "months_together",
        "same_grassroots",
        "superior_consent",
        "decision_extended",
        "certificate_date",
        "class_name",
        "imported",
    }
)
#: Audit log values of these fields are erased, per model.
AUDIT_ERASED: dict[type[models.Model], frozenset[str]] = {
    Person: frozenset({*PERSON_ERASED, "residence_id"}),
    Event: frozenset({"reason"}),  # and ``data``: sanitised, see _event_data
    MentorAssignment: frozenset({"end_reason"}),
    MentorReport: frozenset({"text"}),
    SubjectRequest: frozenset({"text", "requester_name", "requester_contact"}),
    RequestStep: frozenset({"text"}),
}
#: Keys of a person's audit entries' ``additional_data`` that are dropped (free text, a keyed
#: hash of the CCCD or of the personal-history number).
ADDITIONAL_DROPPED = ("reason", "cccd_hash", "number_hash")

#: The fields emptied (the audit entry of the anonymisation lists them).
CLEARED = ("cccd", "address", "residence", "occupation", "ethnicity", "religion")

DEFAULT_BATCH = 200


@dataclass
class Result:
    """What a run did (or, dry, would do)."""

    today: date
    dry_run: bool
    by_outcome: Counter = field(default_factory=Counter)
    run: RetentionRun | None = None

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())


def apply(
    today: date | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Anonymise every record due on ``today`` (default: today), ``batch_size`` records per
    transaction; with ``dry_run`` count them and write nothing. ``progress`` is called with the
    running count after each batch."""
    today = today or timezone.localdate()
    kept = policy.years()
    result = Result(today=today, dry_run=dry_run)
    due = policy.due(today, kept=kept)
    if dry_run:
        result.by_outcome.update(d.outcome.value for d in due)
        return result
    run = RetentionRun.objects.create(today=today, policy={k.value: v for k, v in kept.items()})
    result.run = run
    try:
        for first in range(0, len(due), batch_size):
            batch = due[first : first + batch_size]
            done = anonymise_batch([d.person_id for d in batch], today, kept=kept, run=run)
            result.by_outcome.update(d.outcome.value for d in done)
            if progress is not None:
                progress(result.total)
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.anonymised = result.total
        run.by_outcome = dict(result.by_outcome)
        run.save()
        logger.info(
            "retention: %s records anonymised for %s (%s)",
            result.total,
            today,
            ", ".join(f"{k}={v}" for k, v in sorted(result.by_outcome.items())) or "none",
        )
    return result


class NotErasable(Exception):
    """The record is kept whatever is asked (``message``: why, Vietnamese, untranslated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def erase_on_request(
    person_id: int, *, actor, request_id: int, today: date | None = None
) -> list[Due]:
    """Anonymise ``person_id``'s record now, answering their request ``request_id`` for
    deletion, with the duplicates merged into it; inside the caller's transaction (it locks
    the person). ``NotErasable`` when the policy keeps the record (a member, an open candidacy,
    an account, already anonymised)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        person = Person.all_records.select_for_update().get(pk=person_id)
        reason = policy.why_kept(person)
        if reason is not None:
            raise NotErasable(reason)
        due = [Due(person.pk, Outcome.REQUESTED, today, person.cell_id)]
        due += policy.merged_into([person.pk])
        kept = {**policy.years(), Outcome.REQUESTED: 0}
        _Batch(due, kept, None, actor=actor, extra={"subject_request": request_id}).write()
    return due


def anonymise_batch(
    ids: list[int], today: date, *, kept: dict | None = None, run: RetentionRun | None = None
) -> list[Due]:
    """Anonymise the records ``ids`` that are still due on ``today`` (and the duplicates merged
    into them), in one transaction; returns what was done."""
    with transaction.atomic():
        locked = list(
            Person.all_records.select_for_update()
            .filter(pk__in=ids, anonymised_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        due = policy.due(today, among=locked, kept=kept)
        due += policy.merged_into([d.person_id for d in due])
        if not due:
            return []
        _Batch(due, kept or policy.years(), run).write()
        # The reports stored for past periods name people (the mentors' report): none survives
        # an anonymisation.
        stored_reports.invalidate()
    return due


class _Batch:
    """The records of one batch and everything that names them."""

    def __init__(
        self,
        due: list[Due],
        kept: dict[Outcome, int],
        run: RetentionRun | None,
        *,
        actor=None,
        extra: dict | None = None,
    ):
        self.due = {d.person_id: d for d in due}
        self.actor = actor  # who erased on request (``None``: the scheduled policy)
        self.extra = extra or {}
        self.ids = sorted(self.due)
        self.kept = kept
        self.run = run
        self.now = timezone.now()
        self.people = {
            p.pk: p
            for p in Person.all_records.select_for_update()
            .filter(pk__in=self.ids)
            .select_related("cell")
        }
        self.candidacies = dict(
            Candidacy.objects.filter(person_id__in=self.ids).values_list("pk", "person_id")
        )
        self.attempts = dict(
            Candidacy.objects.filter(person_id__in=self.ids).values_list("pk", "attempt")
        )

    def write(self) -> None:
        with translation.override("vi"):
            self._people()
            events = self._events()
            assignments = self._mentoring()
            reports = list(
                MentorReport.objects.filter(assignment_id__in=assignments).values_list(
                    "pk", flat=True
                )
            )
            MentorReport.objects.filter(pk__in=reports).exclude(text=ERASED).update(text=ERASED)
            self._history()
            ImportWarning.objects.filter(person_id__in=self.ids).update(name="", message=ERASED)
            requests, steps = self._requests()
            self._audit(events, assignments, reports, requests, steps)
            self._audit_entries()

    # -- the records ----------------------------------------------------------------------

    def _people(self) -> None:
        for person in self.people.values():
            person.full_name = pseudonym(person.pk)
            person.search_name = fold(person.full_name)
            person.sort_key = sort_key(person.full_name)
            person.birth_date = person.birth_date.replace(month=1, day=1)
            person.cccd = None
            person.address = ""
            person.residence = None
            person.occupation = ""
            person.ethnicity = ""
            person.religion = ""
            person.party_card_number = ""
            person.personal_history_number = ""
            person.anonymised_at = self.now
        # bulk_update: no signal, so no audit entry carrying the old values (one is written
        # below, without them).
        Person.all_records.bulk_update(
            list(self.people.values()), [*PERSON_ERASED, "anonymised_at"], batch_size=500
        )

    def _events(self) -> list[int]:
        """Events' free text erased; returns the ids of every event of the candidacies."""
        rows = list(
            Event.objects.filter(candidacy_id__in=self.candidacies).values_list(
                "pk", "data", "reason"
            )
        )
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pk, data, reason in rows:
            kept = _event_data(data)
            if kept != (data or {}) or reason:
                groups[(json.dumps(kept, sort_keys=True), "")].append(pk)
        for (data, reason), pks in groups.items():
            # Events are append-only for the application (``EventQuerySet.update`` refuses);
            # erasing their free text under the retention policy is the one exception.
            models.QuerySet.update(
                Event.objects.filter(pk__in=pks), data=json.loads(data), reason=reason
            )
        return [pk for pk, _d, _r in rows]

    def _mentoring(self) -> list[int]:
        rows = list(
            MentorAssignment.objects.filter(candidacy_id__in=self.candidacies).values_list(
                "pk", "end_reason"
            )
        )
        MentorAssignment.objects.filter(pk__in=[pk for pk, reason in rows if reason]).update(
            end_reason=""
        )
        return [pk for pk, _reason in rows]

    def _requests(self) -> tuple[list[int], list[int]]:
        """The person's requests keep their kind, dates and steps (the evidence that they were
        answered); what the person wrote, who asked for them and how to reach them, and the
        answers' texts are erased. Returns the ids of the requests and of their steps."""
        requests = list(
            SubjectRequest.objects.filter(person_id__in=self.ids).values_list("pk", flat=True)
        )
        SubjectRequest.objects.filter(pk__in=requests).update(
            text=ERASED, requester_name="", requester_contact=""
        )
        steps = list(
            RequestStep.objects.filter(request_id__in=requests).values_list("pk", flat=True)
        )
        # Steps are append-only for the application; erasing their text under the retention
        # policy is the one exception, as for the events.
        models.QuerySet.update(
            RequestStep.objects.filter(pk__in=steps).exclude(text=""), text=ERASED
        )
        return requests, steps

    def _history(self) -> None:
        changes = list(PersonChange.objects.filter(person_id__in=self.ids))
        for change in changes:
            change.changes = {
                name: _erase_pair(value) if name in PERSON_ERASED or name == "merged" else value
                for name, value in (change.changes or {}).items()
            }
            change.reason = ERASED
        # PersonChange refuses save() on an existing row (append-only): a bulk UPDATE.
        PersonChange.objects.bulk_update(changes, ["changes", "reason"], batch_size=500)
        merges = list(
            PersonMerge.objects.filter(
                models.Q(kept_id__in=self.ids) | models.Q(merged_id__in=self.ids)
            )
        )
        for merge in merges:
            merge.reason = ERASED
            if merge.undo_reason:
                merge.undo_reason = ERASED
            moved = dict(merge.moved or {})
            for key in ("kept_fields", "merged_fields"):
                if isinstance(moved.get(key), dict) and moved[key].get("cccd"):
                    moved[key] = {**moved[key], "cccd": None}
            merge.moved = moved
        PersonMerge.objects.bulk_update(merges, ["reason", "undo_reason", "moved"], batch_size=500)

    # -- the audit log ----------------------------------------------------------------------

    def _audit(
        self,
        events: list[int],
        assignments: list[int],
        reports: list[int],
        requests: list[int],
        steps: list[int],
    ) -> None:
        names = {pk: pseudonym(pk) for pk in self.ids}
        mentors = {
            pk: (name, person_id)
            for pk, name, person_id in MentorAssignment.objects.filter(
                pk__in=assignments
            ).values_list("pk", "mentor__full_name", "candidacy__person_id")
        }

        def candidacy_repr(pk: int) -> str:
            return gettext("%(person)s (lần %(attempt)s)") % {
                "person": names[self.candidacies[pk]],
                "attempt": self.attempts[pk],
            }

        def assignment_repr(pk: int) -> str:
            mentor, person_id = mentors[pk]
            return gettext("%(mentor)s giúp đỡ %(person)s") % {
                "mentor": mentor,
                "person": names[person_id],
            }

        targets: list[tuple[type[models.Model], Iterable[int], Callable[[int], str] | None]] = [
            (Person, self.ids, lambda pk: names[pk]),
            (Candidacy, list(self.candidacies), candidacy_repr),
            (Event, events, None),
            (MentorAssignment, assignments, assignment_repr),
            (MentorReport, reports, None),
            (SubjectRequest, requests, None),
            (RequestStep, steps, None),
        ]
        changed: list[LogEntry] = []
        for model, pks, title in targets:
            content_type = ContentType.objects.get_for_model(model)
            keys = [str(pk) for pk in pks]
            for first in range(0, len(keys), 1000):
                for entry in LogEntry.objects.filter(
                    content_type=content_type, object_pk__in=keys[first : first + 1000]
                ):
                    if _rewrite(entry, model, title):
                        changed.append(entry)
        LogEntry.objects.bulk_update(
            changed,
            ["object_repr", "changes", "changes_text", "serialized_data", "additional_data"],
            batch_size=500,
        )

    def _audit_entries(self) -> None:
        """One entry per record anonymised: the outcome and the policy, no personal data."""
        content_type = ContentType.objects.get_for_model(Person)
        entries = []
        for pk in self.ids:
            d, person = self.due[pk], self.people[pk]
            entries.append(
                LogEntry(
                    content_type=content_type,
                    object_pk=str(pk),
                    object_id=pk,
                    object_repr=person.full_name,
                    action=LogEntry.Action.UPDATE,
                    changes={
                        "full_name": [ERASED, person.full_name],
                        "birth_date": [ERASED, str(person.birth_date.year)],
                        **{name: [ERASED, ""] for name in CLEARED},
                    },
                    changes_text="",
                    actor=self.actor,
                    timestamp=self.now,
                    additional_data={
                        "org_path": person.cell.path,
                        "event": "retention_anonymised",
                        "outcome": d.outcome.value,
                        "outcome_on": d.outcome_on.isoformat(),
                        "retention_years": self.kept[d.outcome],
                        "retention_run": self.run.pk if self.run else None,
                        **self.extra,
                    },
                )
            )
        LogEntry.objects.bulk_create(entries, batch_size=500)


def pseudonym(pk: int) -> str:
    return PSEUDONYM.format(pk=pk)


def _event_data(data: Any) -> dict:
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if key in EVENT_DATA_KEPT}


def _erase_pair(value: Any) -> Any:
    """An audit or history value pair ``[old, new]`` with both values erased (empty stays)."""
    if isinstance(value, list | tuple):
        return [ERASED if v not in (None, "", "None", "—") else v for v in value]
    if isinstance(value, dict):  # many-to-many changes: {"type": …, "objects": […]}
        return {k: _erase_pair(v) for k, v in value.items()}
    return ERASED


def _rewrite(entry: LogEntry, model, title: Callable[[int], str] | None) -> bool:
    """Erase in ``entry`` what names the person or copies an erased value; True if changed."""
    before = (
        entry.object_repr,
        entry.changes,
        entry.changes_text,
        entry.serialized_data,
        entry.additional_data,
    )
    if title is not None:
        entry.object_repr = title(int(entry.object_pk))
    erased = AUDIT_ERASED.get(model, frozenset())
    changes = entry.changes
    if isinstance(changes, str):  # older entries kept the JSON as text
        try:
            changes = json.loads(changes)
        except ValueError:
            changes = {}
    if isinstance(changes, dict):
        new = {}
        for name, value in changes.items():
            if name in erased:
                new[name] = _erase_pair(value)
            elif model is Event and name == "data":
                new[name] = _audit_event_data(value)
            else:
                new[name] = value
        entry.changes = new
    entry.changes_text = ""
    entry.serialized_data = None
    if model is Person and isinstance(entry.additional_data, dict):
        entry.additional_data = {
            k: v for k, v in entry.additional_data.items() if k not in ADDITIONAL_DROPPED
        }
    after = (
        entry.object_repr,
        entry.changes,
        entry.changes_text,
        entry.serialized_data,
        entry.additional_data,
    )
    return after != before


def _audit_event_data(value: Any) -> Any:
    """An event's ``data`` in an audit value pair (JSON text): only the kept keys."""
    if not isinstance(value, list | tuple):
        return ERASED
    out = []
    for item in value:
        if item in (None, "", "None"):
            out.append(item)
            continue
        try:
            parsed = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            out.append(ERASED)
            continue
        out.append(json.dumps(_event_data(parsed), sort_keys=True))
    return out
