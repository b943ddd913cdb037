"""Who is who, and what a user may learn of it: the one rule for identity look-ups.

Every question of the kind "is this person already in ptdv?" — the new-source form, the person
corrections, the import's planner, the merge — goes through :class:`Identities`, built for the
user who asks. The answers follow the scope (``org.scope``):

- People inside the user's subtree are found by CCCD, by folded name and birth date, and as
  likely duplicates, and may be named and linked to.
- People outside it do not exist for the user: no name, birth date, cell or CCCD of theirs is
  ever shown, and a name-and-birth-date match outside the subtree is no match.
- Only the uniqueness of the CCCD (one number, one citizen) forces an answer about somebody
  outside: the number is refused with :class:`CccdElsewhere`, which says that the number is
  registered in another organisation and names the committee above both to ask — never whose it
  is. Each such refusal is audited (on the asker's side, and on the holder's side for the people
  who keep that record) and counted: past :data:`probe_limit` different numbers in
  :data:`probe_window`, the asker is refused (:class:`ProbeLimitReached`) until the window moves on.
- The personal-history number (số lý lịch đảng viên) is unique too: a number held outside is
  refused with :class:`HistoryNumberElsewhere`, audited and counted the same way (its own count,
  the same limit and window).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, TypeVar

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from ptdv.org.models import Organisation
from ptdv.org.scope import scope_path

from .models import Person
from .text import fold

#: The audit entries of refusals carry this in ``additional_data["event"]``.
PROBE_EVENT = "cccd_registered_elsewhere"
#: The same, for a personal-history number held elsewhere.
HISTORY_NUMBER_PROBE_EVENT = "history_number_elsewhere"


@dataclass(frozen=True)
class _Kind:
    """A kind of identifier whose uniqueness forces an answer about somebody outside."""

    event: str
    #: The key of the number's keyed hash in the audit entries.
    hash_key: str
    #: Mixed into the hash (empty for the CCCD: the entries written before still count).
    salt: str


KINDS = {
    "cccd": _Kind(PROBE_EVENT, "cccd_hash", ""),
    "personal_history_number": _Kind(HISTORY_NUMBER_PROBE_EVENT, "number_hash", "phn:"),
}


def probe_limit() -> int:
    """Different numbers registered elsewhere a user may be told of per window."""
    return int(getattr(settings, "PTDV_CCCD_ELSEWHERE_LIMIT", 20))


def probe_window() -> timedelta:
    return timedelta(hours=float(getattr(settings, "PTDV_CCCD_ELSEWHERE_WINDOW_HOURS", 24)))


@dataclass(frozen=True)
class CccdElsewhere:
    """A CCCD held by somebody the asker may not see. Says whom to ask, never whose it is."""

    kind: ClassVar[str] = "cccd"
    cccd: str
    #: The lowest organisation above both the asker's and the holder's (``None``: different
    #: trees — the installation's administrator).
    contact: Organisation | None

    @property
    def message(self) -> str:
        if self.contact is not None:
            return gettext(
                "Số CCCD %(cccd)s đã được đăng ký cho một người thuộc tổ chức đảng khác trong "
                "ptdv. ptdv không cho biết người đó là ai: hãy liên hệ %(contact)s (cấp ủy quản "
                "lý cả hai tổ chức) để kiểm tra."
            ) % {"cccd": self.cccd, "contact": self.contact.name}
        return gettext(
            "Số CCCD %(cccd)s đã được đăng ký cho một người thuộc tổ chức đảng khác trong ptdv. "
            "ptdv không cho biết người đó là ai: hãy liên hệ quản trị hệ thống để kiểm tra."
        ) % {"cccd": self.cccd}

    @property
    def number(self) -> str:
        return self.cccd


@dataclass(frozen=True)
class HistoryNumberElsewhere:
    """A personal-history number held by a record the asker may not name: somebody outside the
    subtree, or a record merged into another. Says nothing of whom (``holder`` is for the
    holder's audit entry only)."""

    kind: ClassVar[str] = "personal_history_number"
    number: str
    holder: Person | None = field(default=None, compare=False, repr=False)

    @property
    def message(self) -> str:
        return gettext(
            "Số lý lịch đảng viên %(number)s đã được ghi cho một người khác trong ptdv: hãy đối "
            "chiếu lại với phiếu đảng viên, hoặc hỏi cấp ủy cấp trên."
        ) % {"number": self.number}


def history_number_held_by(number: str, holder: Person) -> str:
    """The answer when a personal-history number is held by ``holder``, whom the asker sees."""
    return gettext(
        "Số lý lịch đảng viên %(number)s đã được ghi cho %(name)s, sinh %(birth)s, %(cell)s."
    ) % {
        "number": number,
        "name": holder.full_name,
        "birth": f"{holder.birth_date:%d/%m/%Y}",
        "cell": holder.cell.name,
    }


Elsewhere = CccdElsewhere | HistoryNumberElsewhere
E = TypeVar("E", CccdElsewhere, HistoryNumberElsewhere)


class ProbeLimitReached(Exception):
    """The user has been told of too many numbers registered elsewhere lately."""

    def __init__(self, limit: int, window: timedelta, kind: str = "cccd"):
        hours = round(window.total_seconds() / 3600)
        if kind == "personal_history_number":
            text = gettext(
                "Bạn đã nhập %(limit)s số lý lịch đảng viên đã được ghi cho người ở tổ chức khác "
                "trong %(hours)s giờ qua: ptdv tạm dừng kiểm tra số lý lịch đảng viên cho tài "
                "khoản này. Hãy liên hệ cấp ủy cấp trên để kiểm tra các số này, rồi thử lại sau."
            )
        else:
            text = gettext(
                "Bạn đã nhập %(limit)s số CCCD đã đăng ký ở tổ chức khác trong %(hours)s giờ qua: "
                "ptdv tạm dừng kiểm tra số CCCD cho tài khoản này. Hãy liên hệ cấp ủy cấp trên "
                "để kiểm tra các số này, rồi thử lại sau."
            )
        super().__init__(text % {"limit": limit, "hours": hours})
        self.message = str(self)


@dataclass(frozen=True)
class Duplicate:
    """A person inside the user's subtree who may be the same as the one being entered."""

    person: Person
    #: Why: "cccd", "name_birth" (folded name and birth date), "name_year_cell".
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list[str]:
        labels = {
            "cccd": gettext("cùng số CCCD"),
            "name_birth": gettext("cùng họ tên và ngày sinh"),
            "name_year_cell": gettext("cùng họ tên, năm sinh và chi bộ"),
        }
        return [labels[r] for r in self.reasons]


@dataclass
class Identities:
    """Identity look-ups as ``user`` may see them (``prefix``: the visible subtree's path).

    Without a user (internal jobs, tests), ``prefix`` says what is visible and refusals are
    neither audited nor counted.
    """

    user: Any = None
    prefix: str | None = None
    #: Where the question is asked, for the audit log ("Thêm nguồn", "Nhập dữ liệu: …").
    context: str = ""
    #: The organisation asking (its path): whom to ask is the committee above it and the
    #: holder. By default the user's own organisation.
    asker_path: str | None = None
    _told: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        if self.prefix is None:
            self.prefix = scope_path(self.user) if self.user is not None else ""
        if self.prefix is None:  # an inactive or unscoped user sees nothing
            self.prefix = "\0"

    # -- what is visible ------------------------------------------------------------------

    def visible(self, person: Person) -> bool:
        return person.cell.path.startswith(self.prefix)

    def _people(self):
        people = Person.objects.select_related("cell")
        return people.in_subtree(self.prefix) if self.prefix else people

    # -- CCCD: the one place where somebody outside is spoken of ----------------------------

    def holders(
        self, cccds: Iterable[str], *, exclude: int | None = None
    ) -> dict[str, Person | CccdElsewhere]:
        """Who holds each of these numbers: the person (visible) or :class:`CccdElsewhere`.

        An ``CccdElsewhere`` answer is not yet a refusal: the caller calls :meth:`refuse` when it
        shows it (which audits and counts it).
        """
        wanted = {c for c in cccds if c}
        if not wanted:
            return {}
        found: dict[str, Person | CccdElsewhere] = {}
        people = Person.all_records.select_related("cell").filter(cccd__in=wanted)
        if exclude is not None:
            people = people.exclude(pk=exclude)
        for person in people:
            found[person.cccd] = (
                person
                if self.visible(person) and person.merged_into_id is None
                else self._elsewhere(person)
            )
        return found

    def _elsewhere(self, holder: Person) -> CccdElsewhere:
        mine = self._asker_path()
        theirs = holder.cell.path
        step = Organisation.steplen
        common = ""
        for i in range(step, min(len(mine), len(theirs)) + 1, step):
            if mine[:i] != theirs[:i]:
                break
            common = mine[:i]
        contact = Organisation.objects.filter(path=common).first() if common else None
        return _Refusable(holder.cccd, contact, holder)

    def _asker_path(self) -> str:
        if self.asker_path is not None:
            return self.asker_path
        organisation = getattr(self.user, "organisation", None)
        return organisation.path if organisation is not None else (self.prefix or "")

    def refuse(self, answer: E) -> E:
        """Record that ``answer`` (a CCCD or a personal-history number held by somebody
        outside) is shown to the user: audited and counted, each kind on its own count.

        Raises :class:`ProbeLimitReached` when the user was told of too many numbers of that
        kind lately (the answer is then not shown).
        """
        if self.user is None or not getattr(self.user, "pk", None):
            return answer
        kind = KINDS[answer.kind]
        digest = _digest(kind.salt + answer.number)
        told = self._recently_told(answer.kind)
        if digest not in told and len(told) >= probe_limit():
            raise ProbeLimitReached(probe_limit(), probe_window(), answer.kind)
        told.add(digest)
        holder = getattr(answer, "holder", None)
        content_type = ContentType.objects.get_for_model(Person)
        asker_path = self._asker_path()
        note = {"event": kind.event, kind.hash_key: digest, "context": self.context[:200]}
        if answer.kind == "cccd":
            label = gettext("Số CCCD đã đăng ký ở tổ chức khác: …%(tail)s")
        else:
            label = gettext("Số lý lịch đảng viên đã ghi cho người ở tổ chức khác: …%(tail)s")
        entries = [
            LogEntry(
                content_type=content_type,
                object_pk="",
                object_repr=label % {"tail": answer.number[-3:]},
                action=LogEntry.Action.ACCESS,
                changes={},
                changes_text="",
                actor=self.user,
                additional_data={"org_path": asker_path, **note},
            )
        ]
        if holder is not None:
            # The holder's side learns that the number of one of its people was typed elsewhere.
            entries.append(
                LogEntry(
                    content_type=content_type,
                    object_pk=str(holder.pk),
                    object_id=holder.pk,
                    object_repr=str(holder)[:255],
                    action=LogEntry.Action.ACCESS,
                    changes={},
                    changes_text="",
                    actor=self.user,
                    additional_data={"org_path": holder.cell.path, **note},
                )
            )
        LogEntry.objects.bulk_create(entries)
        return answer

    def _recently_told(self, kind: str) -> set[str]:
        """The hashes of the numbers of ``kind`` the user was told of within the window."""
        if kind not in self._told:
            since = timezone.now() - probe_window()
            entries = LogEntry.objects.filter(
                actor=self.user,
                action=LogEntry.Action.ACCESS,
                timestamp__gte=since,
                additional_data__event=KINDS[kind].event,
                object_pk="",
            ).values_list("additional_data", flat=True)
            key = KINDS[kind].hash_key
            self._told[kind] = {(d or {}).get(key, "") for d in entries} - {""}
        return self._told[kind]

    # -- names and birth dates: inside the subtree only -------------------------------------

    def same_name_and_birth(
        self, pairs: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], list[Person]]:
        """Visible people by ``(folded name, birth date)``."""
        pairs = sorted(set(pairs))
        out: dict[tuple[str, date], list[Person]] = defaultdict(list)
        if not pairs:
            return out
        # In the order they were recorded: a message naming one of them names the same one on
        # every database.
        matches = self._people().filter(pk__in=_same_name_and_birth(pairs)).order_by("pk")
        for person in matches:
            out[(person.search_name, person.birth_date)].append(person)
        return out

    def same_name_year_and_cell(
        self, rows: Iterable[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Person]]:
        """Visible people by ``(folded name, birth year, cell id)``: likely duplicates of rows
        that would create a person (the same name and birth date is a match, not a warning)."""
        rows = set(rows)
        out: dict[tuple[str, int, int], list[Person]] = defaultdict(list)
        names = sorted({name for name, _, _ in rows})
        if not names:
            return out
        for person in self._people().filter(pk__in=_same_name(names)).order_by("pk"):
            key = (person.search_name, person.birth_date.year, person.cell_id)
            if key in rows:
                out[key].append(person)
        return out

    def likely_duplicates(
        self,
        full_name: str,
        birth_date: date | None,
        *,
        cccd: str | None = None,
        cell: Organisation | None = None,
        exclude: int | None = None,
        limit: int = 10,
    ) -> list[Duplicate]:
        """Visible people who may be the person being entered: the same CCCD; the same folded
        name and birth date; the same folded name, birth year and cell."""
        name = fold(full_name or "")
        conditions = Q(pk__in=[])
        if cccd:
            conditions |= Q(cccd=cccd)
        if name and birth_date is not None:
            conditions |= Q(search_name=name, birth_date=birth_date)
            if cell is not None:
                conditions |= Q(
                    search_name=name,
                    cell=cell,
                    birth_date__gte=date(birth_date.year, 1, 1),
                    birth_date__lte=date(birth_date.year, 12, 31),
                )
        people = self._people().filter(conditions)
        if exclude is not None:
            people = people.exclude(pk=exclude)
        out = []
        for person in people.order_by("sort_key", "pk")[:limit]:
            reasons = []
            if cccd and person.cccd == cccd:
                reasons.append("cccd")
            if person.search_name == name and person.birth_date == birth_date:
                reasons.append("name_birth")
            elif person.search_name == name and cell is not None and person.cell_id == cell.pk:
                reasons.append("name_year_cell")
            out.append(Duplicate(person, tuple(reasons)))
        return out


@dataclass(frozen=True)
class _Refusable(CccdElsewhere):
    """A :class:`CccdElsewhere` that still knows its holder, for the holder's audit entry only."""

    holder: Person | None = field(default=None, compare=False, repr=False)


def _digest(number: str) -> str:
    """A keyed hash of a number: the audit log counts numbers without keeping them."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:32]


def _same_name(names: list[str]) -> RawSQL:
    """Ids of the people with one of these folded names, through the name's own index (a join
    with a VALUES list, for the reason given in :func:`_same_name_and_birth`)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    values = ", ".join(["(%s)"] * len(names))
    sql = f"SELECT p.id FROM {table} p JOIN (VALUES {values}) AS v ON p.search_name = v.column1"
    return RawSQL(sql, names)


def _same_name_and_birth(pairs: list[tuple[str, date]]) -> RawSQL:
    """Ids of the people with one of these (folded name, birth date) pairs.

    A join with a VALUES list, answered by the (search_name, birth_date) index: the obvious
    ``search_name IN (…) AND birth_date IN (…)`` is planned by PostgreSQL through the trigram
    index of the search box, seconds per 1,000 names once the table is large.
    """
    table = connection.ops.quote_name(Person._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(pairs))
    sql = (
        f"SELECT p.id FROM {table} p JOIN (VALUES {values}) AS v "
        "ON p.search_name = v.column1 AND p.birth_date = v.column2"
    )
    return RawSQL(sql, [x for pair in pairs for x in pair])
