"""The digest: what the to-do page says to a user, counted and listed the same way.

The to-do page (``web/views/todo.py``) reads its counts from the summaries kept with the events
(:func:`ptdv.pipeline.tallies.todo_counts`) and its rows from the candidacy's cached deadlines;
"overdue" and "due soon" are :mod:`ptdv.rules.due`'s. The digest reads the same four things with
the same calls and the same horizons, for the same reader (the data protection officer reads no
candidate's record: :func:`ptdv.privacy.officer.reads_records`):

- deadlines overdue (``CandidacyQuerySet.overdue``) and due within :data:`DUE_SOON_DAYS` days
  (``due_soon``), each with its kind (``deadline_label``);
- certificates and dossier papers expired or expiring within :data:`EXPIRY_NOTICE_DAYS` days
  (``expiry_due``);
- mentor reports missing for this month (``MentorAssignment.missing_reports``), in the user's
  subtree;
- and, for a user linked to a member who mentors (``user.person``), their own missing reports,
  as the mentor page lists them.

Each part: its count and its first :data:`FIRST_N` rows, names and cells only (never a CCCD),
each with an absolute link built from ``PTDV_SITE_URL``. A fixed number of queries whatever the
subtree: :data:`MAX_QUERIES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext

from ptdv.people.models import Person
from ptdv.people.outsiders import person_placeholder
from ptdv.pipeline import tallies
from ptdv.pipeline.labels import deadline_label, stage_labels
from ptdv.pipeline.models import Candidacy, CandidacyQuerySet, MentorAssignment
from ptdv.pipeline.querysets import MentorAssignmentQuerySet
from ptdv.privacy.officer import reads_records
from ptdv.rules.due import DUE_SOON_DAYS, EXPIRY_NOTICE_DAYS, due_soon_until

#: Rows listed per part of the digest; the counts are whole.
FIRST_N = 10
#: Queries one user's digest may cost, whatever their subtree (benchmarks/digest.py checks it).
MAX_QUERIES = 8


@dataclass(frozen=True)
class Item:
    """One line of a part: who, where, what, when, and the page."""

    name: str
    cell: str
    what: str
    day: date | None
    url: str


@dataclass
class Part:
    key: str
    title: str
    count: int
    items: list[Item] = field(default_factory=list)
    url: str = ""

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


@dataclass
class Digest:
    user: Any
    today: date
    parts: list[Part]
    home_url: str
    preferences_url: str

    @property
    def empty(self) -> bool:
        return not any(p.count for p in self.parts)

    def counts(self) -> dict[str, int]:
        return {p.key: p.count for p in self.parts}


def site_url(path: str) -> str:
    """The absolute address of ``path`` on the configured site (``PTDV_SITE_URL``)."""
    return settings.PTDV_SITE_URL.rstrip("/") + path


def build(user: Any, today: date) -> Digest:
    """The digest of ``user`` on ``today`` (possibly empty: :attr:`Digest.empty`)."""
    reader = user if reads_records(user) else None
    candidacies = cast(CandidacyQuerySet, Candidacy.objects.visible_to(reader))
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    counts = tallies.todo_counts(  # the to-do page's counts: one query
        reader, today, due_soon_until=due_soon_until(today), expiry_until=horizon
    )
    stages = stage_labels()
    to_candidacy = reverse("candidacy", args=[0]).removesuffix("0/")
    parts: list[Part] = []

    def candidacy_items(rows, day_field: str, code_field: str) -> list[Item]:
        return [
            Item(
                name=c.person.full_name,
                cell=c.cell.name,
                what=deadline_label(getattr(c, code_field))
                or stages.get(c.stage, c.stage)
                or gettext("Việc khác"),
                day=getattr(c, day_field),
                url=site_url(f"{to_candidacy}{c.pk}/"),
            )
            for c in rows
        ]

    overdue = sum(counts.overdue.values())
    rows = _first(candidacies.overdue(today), "next_due") if overdue else []
    parts.append(
        Part(
            "overdue",
            gettext("Hồ sơ quá hạn"),
            overdue,
            candidacy_items(rows, "next_due", "next_due_code"),
            site_url(reverse("candidacy_list") + "?overdue=1"),
        )
    )
    soon = sum(counts.due_soon.values())
    rows = _first(candidacies.due_soon(today), "next_due") if soon else []
    parts.append(
        Part(
            "due_soon",
            gettext("Đến hạn trong %(days)s ngày tới") % {"days": DUE_SOON_DAYS},
            soon,
            candidacy_items(rows, "next_due", "next_due_code"),
            site_url(reverse("home")),
        )
    )
    expiring = candidacies.open().filter(expiry_due__lte=horizon)
    rows = _first(expiring, "expiry_due") if counts.expiring else []
    parts.append(
        Part(
            "expiring",
            gettext("Giấy tờ đã hoặc sắp hết hạn (trong %(days)s ngày)")
            % {"days": EXPIRY_NOTICE_DAYS},
            counts.expiring,
            candidacy_items(rows, "expiry_due", "expiry_code"),
            site_url(reverse("home")),
        )
    )
    month = f"{today:%m/%Y}"
    missing_rows: list[MentorAssignment] = []
    if counts.missing_reports > 0:
        missing = _assignments(reader).missing_reports(today)
        missing_rows = list(
            _assignment_rows(missing, reader).order_by(
                "candidacy__cell__path", "mentor__full_name", "pk"
            )[:FIRST_N]
        )
    parts.append(
        Part(
            "missing_reports",
            gettext("Chưa có báo cáo giúp đỡ tháng %(month)s") % {"month": month},
            max(counts.missing_reports, 0),
            [_assignment_item(a) for a in missing_rows],
            site_url(reverse("mentor") + "?missing=1"),
        )
    )
    if user.person_id is not None:
        # The mentor's own assignments, as the mentor page lists them (``visible_to(user)``).
        own = _assignments(user).missing_reports(today).filter(mentor_id=user.person_id)
        own_rows = list(
            _assignment_rows(own, user).order_by("candidacy__person__full_name", "pk")[
                : FIRST_N + 1
            ]
        )
        own_count = len(own_rows) if len(own_rows) <= FIRST_N else own.count()
        parts.append(
            Part(
                "own_reports",
                gettext("Báo cáo giúp đỡ của tôi chưa nộp tháng %(month)s") % {"month": month},
                own_count,
                [_assignment_item(a, own=True) for a in own_rows[:FIRST_N]],
                site_url(reverse("mentor")),
            )
        )
    return Digest(
        user=user,
        today=today,
        parts=parts,
        home_url=site_url(reverse("home")),
        preferences_url=site_url(reverse("reminders")),
    )


def _first(candidacies: CandidacyQuerySet, day_field: str) -> list[Candidacy]:
    """The first :data:`FIRST_N` rows, nearest day first (the to-do page's order)."""
    rows = candidacies.deadline_rows()
    return list(rows.order_by(day_field, "id")[:FIRST_N])


def _assignments(reader: Any) -> MentorAssignmentQuerySet:
    return cast(MentorAssignmentQuerySet, MentorAssignment.objects.visible_to(reader))


def _assignment_rows(queryset, reader: Any):
    """The rows, each knowing whether ``reader`` sees its mentor (``mentor_seen``): a mentor
    outside the reader's subtree (a transferred candidacy's) goes unnamed."""
    seen = Person.all_records.visible_to(reader).filter(pk=OuterRef("mentor_id"))
    return (
        queryset.select_related("mentor", "candidacy__person", "candidacy__cell")
        .only(
            "id",
            "mentor__full_name",
            "candidacy__person__full_name",
            "candidacy__cell__name",
        )
        .annotate(mentor_seen=Exists(seen))
    )


def _assignment_item(a: MentorAssignment, *, own: bool = False) -> Item:
    seen = own or getattr(a, "mentor_seen", False)  # ``own``: the reader is the mentor
    mentor = a.mentor.full_name if seen else person_placeholder()
    return Item(
        name=a.candidacy.person.full_name,
        cell=a.candidacy.cell.name,
        what=gettext("Người giúp đỡ: %(mentor)s") % {"mentor": mentor},
        day=None,
        url=site_url(reverse("mentor_report", args=[a.pk])),
    )
