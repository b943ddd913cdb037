"""The retention policy: which records are anonymised, and when.

A person's record is kept as long as its purpose needs it (Luật 91/2025/QH15, Điều 3 khoản 3;
erased for good after that, Điều 14). ptdv reads the purpose from the person's outcome:

- **kept**: anyone who is or was a party member (admitted by a ceremony, received from
  elsewhere, or recorded as a member: their data become the member's file, kept under the
  Party's rules — including a probationary member not recognised, a member who left, moved
  away or died, since the reports count them as members for that time); anyone with an open
  candidacy; anyone linked to a user account; a record with no outcome at all (no candidacy,
  never a member — nothing says its purpose is over);
- **anonymised**, ``PTDV_RETENTION_<OUTCOME>_YEARS`` years after the outcome, when the person's
  latest candidacy closed without admission and no later one is open:

  ============== ========================================================= ========= =====
  outcome        the candidacy's exit (``rules.stages.Stage``)             setting   years
  ============== ========================================================= ========= =====
  withdrawn      ``withdrawn`` (tự rút)                                    WITHDRAWN 5
  removed        ``removed_from_list`` (đưa ra khỏi danh sách: not         REMOVED   5
                 admitted, refused by a committee)
  moved_away     ``moved_away`` before the ceremony                        MOVED_AWAY 5
  deceased       ``deceased`` before the ceremony                          DECEASED  5
  merged         a second record of a person merged into another           MERGED    1
                 (from the day of the merge)
  ============== ========================================================= ========= =====

Why these defaults (they are the installation's decision: docs/privacy.md):

- **5 years** for a candidacy closed without admission: a congress term (nhiệm kỳ) is five
  years; the committees' targets, the term's report on party building and the inspections of the
  admission work (kiểm tra, giám sát) look back over the term, and a person who withdrew or was
  taken off the list is often considered again within it — their earlier attempt is then part of
  the assessment. Past the term nothing in the party's work needs the person's identity.
- **1 year** for a merged duplicate: everything it held moved to the record kept (which keeps its
  own policy); the duplicate stays only so that a wrong merge can be undone, and a wrong merge is
  found when the record is next worked on — the cells review their sources every year.

The settings are whole numbers of years, at least 1 (a record is never anonymised the day it
closes: a mistaken exit is corrected by a correction step, which needs the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from ptdv.accounts.models import User
from ptdv.members.models import MemberEvent, MemberSpell
from ptdv.people.models import MemberStatus, Person, PersonMerge
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.months import add_months
from ptdv.rules.stages import Stage, Step


class Outcome(StrEnum):
    """Why a record's purpose is over. Values are stored (``RetentionRun.by_outcome``, audit)."""

    WITHDRAWN = "withdrawn"
    REMOVED = "removed"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    MERGED = "merged"
    #: Erased before its time, answering the person's request for deletion (no setting: at once).
    REQUESTED = "requested"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.WITHDRAWN: gettext_noop("Tự rút khỏi danh sách"),
    Outcome.REMOVED: gettext_noop("Đưa ra khỏi danh sách, không được kết nạp"),
    Outcome.MOVED_AWAY: gettext_noop("Chuyển đi nơi khác trước khi được kết nạp"),
    Outcome.DECEASED: gettext_noop("Từ trần trước khi được kết nạp"),
    Outcome.MERGED: gettext_noop("Hồ sơ trùng đã hợp nhất vào hồ sơ khác"),
    Outcome.REQUESTED: gettext_noop("Xóa theo yêu cầu của người có dữ liệu"),
}

#: The exit stage of a candidacy → the outcome it gives (candidacies closed without admission).
STAGE_OUTCOMES: dict[Stage, Outcome] = {
    Stage.WITHDRAWN: Outcome.WITHDRAWN,
    Stage.REMOVED_FROM_LIST: Outcome.REMOVED,
    Stage.MOVED_AWAY: Outcome.MOVED_AWAY,
    Stage.DECEASED: Outcome.DECEASED,
}

#: outcome → (setting, default years). The settings module reads the same names from the
#: environment with the same defaults.
SETTINGS: dict[Outcome, tuple[str, int]] = {
    Outcome.WITHDRAWN: ("PTDV_RETENTION_WITHDRAWN_YEARS", 5),
    Outcome.REMOVED: ("PTDV_RETENTION_REMOVED_YEARS", 5),
    Outcome.MOVED_AWAY: ("PTDV_RETENTION_MOVED_AWAY_YEARS", 5),
    Outcome.DECEASED: ("PTDV_RETENTION_DECEASED_YEARS", 5),
    Outcome.MERGED: ("PTDV_RETENTION_MERGED_YEARS", 1),
}


def years() -> dict[Outcome, int]:
    """The years kept after each outcome, from the settings (checked: whole numbers ≥ 1)."""
    out = {}
    for outcome, (name, default) in SETTINGS.items():
        value = getattr(settings, name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ImproperlyConfigured(
                f"{name} phải là một số năm nguyên, ít nhất là 1 (đang là {value!r})."
            )
        out[outcome] = value
    return out


def cutoffs(today: date, kept: dict[Outcome, int] | None = None) -> dict[Outcome, date]:
    """Per outcome, the last outcome day that is due on ``today`` (``today`` less the years)."""
    kept = kept or years()
    return {outcome: add_months(today, -12 * n) for outcome, n in kept.items()}


@dataclass(frozen=True)
class Due:
    """A record due for anonymisation: why, and since when."""

    person_id: int
    outcome: Outcome
    #: The day of the outcome (the candidacy's end, or the day of the merge).
    outcome_on: date
    cell_id: int


def _kept_conditions(queryset):
    """``queryset`` of people less every record the policy keeps whatever its outcome."""
    person = OuterRef("pk")
    ceremonies = Event.objects.effective().filter(candidacy__person=person, step=Step.CEREMONY)
    return (
        queryset.filter(
            anonymised_at__isnull=True,
            member_status=MemberStatus.NONE,
            party_admitted_on__isnull=True,
        )
        .exclude(Exists(MemberSpell.objects.filter(person=person)))
        .exclude(Exists(MemberEvent._base_manager.filter(person=person)))
        .exclude(Exists(Candidacy.objects.filter(person=person, closed_on__isnull=True)))
        .exclude(Exists(User.objects.filter(person=person)))
        .exclude(Exists(ceremonies))
    )


def why_kept(person: Person) -> str | None:
    """Why ``person``'s record may not be erased now, even at their request (a Vietnamese
    message, to be translated at display), or ``None``: the same records the policy always
    keeps (:func:`_kept_conditions`), each with its reason."""
    if person.anonymised_at is not None:
        return gettext_noop("Hồ sơ này đã được ẩn danh: không còn dữ liệu cá nhân để xóa.")
    person_ref = {"person": person.pk}
    member = (
        person.member_status != MemberStatus.NONE
        or person.party_admitted_on is not None
        or MemberSpell.objects.filter(**person_ref).exists()
        or MemberEvent._base_manager.filter(**person_ref).exists()
        or Event.objects.effective().filter(candidacy__person=person, step=Step.CEREMONY).exists()
    )
    if member:
        return gettext_noop(
            "Người này là hoặc đã là đảng viên: hồ sơ được lưu theo quy định của Đảng về hồ sơ "
            "đảng viên, không xóa theo yêu cầu được. Hãy ghi bước «Từ chối yêu cầu» với căn cứ đó."
        )
    if Candidacy.objects.filter(person=person, closed_on__isnull=True).exists():
        return gettext_noop(
            "Người này đang có hồ sơ phát triển đảng viên chưa kết thúc: hãy ghi bước «Tự rút khỏi "
            "danh sách» (hoặc bước kết thúc phù hợp) trên hồ sơ trước, rồi mới xóa dữ liệu."
        )
    if User.objects.filter(person=person).exists():
        return gettext_noop(
            "Hồ sơ này gắn với một tài khoản người dùng: quản trị viên gỡ liên kết tài khoản "
            "trước, rồi mới xóa dữ liệu."
        )
    return None


def due(today: date, *, among: list[int] | None = None, kept=None) -> list[Due]:
    """The records due for anonymisation on ``today`` (``among``: only those ids), by id.

    Candidacy outcomes read the person's latest candidacy (highest attempt); merged duplicates
    the latest merge not undone. Records merged into a record due are due with it
    (:func:`merged_into`)."""
    limits = cutoffs(today, kept)
    latest = Candidacy.objects.filter(person=OuterRef("pk")).order_by("-attempt", "-pk")
    people = _kept_conditions(Person.objects.all()).annotate(
        last_stage=Subquery(latest.values("stage")[:1]),
        last_closed=Subquery(latest.values("closed_on")[:1]),
    )
    if among is not None:
        people = people.filter(pk__in=among)
    condition = Q()
    for stage, outcome in STAGE_OUTCOMES.items():
        condition |= Q(last_stage=stage.value, last_closed__lte=limits[outcome])
    found = [
        Due(pk, STAGE_OUTCOMES[Stage(stage)], closed, cell_id)
        for pk, stage, closed, cell_id in people.filter(condition)
        .order_by("pk")
        .values_list("pk", "last_stage", "last_closed", "cell_id")
    ]
    merged_limit = _end_of(limits[Outcome.MERGED])
    merges = PersonMerge.objects.filter(merged=OuterRef("pk"), undone_at__isnull=True).order_by(
        "-recorded_at", "-pk"
    )
    duplicates = _kept_conditions(Person.all_records.filter(merged_into__isnull=False)).annotate(
        merged_at=Subquery(merges.values("recorded_at")[:1])
    )
    if among is not None:
        duplicates = duplicates.filter(pk__in=among)
    found += [
        Due(pk, Outcome.MERGED, timezone.localdate(at), cell_id)
        for pk, at, cell_id in duplicates.filter(merged_at__lt=merged_limit)
        .order_by("pk")
        .values_list("pk", "merged_at", "cell_id")
    ]
    return sorted(found, key=lambda d: d.person_id)


def merged_into(ids: list[int]) -> list[Due]:
    """The records merged (directly or through another) into the records ``ids``, not yet
    anonymised: a duplicate goes with the record it was merged into."""
    out: list[Due] = []
    seen = set(ids)
    frontier = list(ids)
    while frontier:
        merges = {
            merged: at
            for merged, at in PersonMerge.objects.filter(
                kept_id__in=frontier, undone_at__isnull=True
            ).values_list("merged_id", "recorded_at")
        }
        rows = list(
            _kept_conditions(Person.all_records.filter(merged_into_id__in=frontier))
            .exclude(pk__in=seen)
            .values_list("pk", "cell_id")
        )
        frontier = []
        for pk, cell_id in rows:
            at = merges.get(pk)
            day = timezone.localdate(at) if at is not None else timezone.localdate()
            out.append(Due(pk, Outcome.MERGED, day, cell_id))
            seen.add(pk)
            frontier.append(pk)
    return out


def _end_of(day: date) -> datetime:
    """The first instant after ``day`` in the installation's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
