"""A person's record corrected, and two records of one person merged (and un-merged).

These writes reach past the person's row: a correction recomputes the open candidacy's cached
stage and deadlines and says what it changed for its rules; a merge moves candidacies, mentoring
and the linked account, and is refused when the duplicate has member events. They live here, in
the lowest app that sees the pipeline and the member events alike; what needs neither (the
correctable fields, the refusal, a value as the history shows it) is
:mod:`ptdv.people.services`.

- :func:`correct_person`: identity and background fields (name, birth date, sex, CCCD, ethnicity,
  religion, education, residence, occupation, unions…) corrected with a reason, in one
  transaction: the row (locked), a :class:`~ptdv.people.models.PersonChange` for the person's
  history and the audit entry (with the reason); the open candidacy's cached stage and deadlines
  are recomputed and what the correction changed for its rules is returned
  (:class:`CorrectionResult`). Membership fields and the cell are never corrected here: they follow
  the pipeline's events.
- :func:`merge_people` / :func:`unmerge_people`: two records of one person made one (candidacies,
  mentoring, the linked account and the CCCD move to the record kept; the other record stays,
  marked as merged, with its audit history) and, by a later correction, made two again.

Callers check the CCCD's uniqueness through :mod:`ptdv.people.identity` (which decides what the
user may be told); the database's unique constraint remains the last word on a race.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db import transaction
from django.db.models import F, Field, Max
from django.utils import timezone
from django.utils.translation import gettext

from ptdv.accounts.models import User
from ptdv.people.models import MEMBER_STATUSES, MemberStatus, Person, PersonChange, PersonMerge
from ptdv.people.services import (
    CORRECTABLE,
    MEMBERSHIP,
    PersonRefused,
    refuse_anonymised,
    shown,
)
from ptdv.people.validators import check_cccd_matches
from ptdv.pipeline.evaluation import build_facts, evaluate_candidacy
from ptdv.pipeline.models import Candidacy, MentorAssignment
from ptdv.pipeline.services import refresh_candidacy
from ptdv.rules.checks import check_age, check_education
from ptdv.rules.months import age_in_full_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Step

from .models import MemberEvent


@dataclass
class CorrectionResult:
    change: PersonChange
    #: What the correction changed for the open candidacy's rules and deadlines, in words.
    effects: list[str] = field(default_factory=list)


# --- corrections -----------------------------------------------------------------------------


def correct_person(
    person: Person, values: dict[str, Any], reason: str, *, actor=None, today: date | None = None
) -> CorrectionResult:
    """Correct ``values`` (a subset of :data:`~ptdv.people.services.CORRECTABLE`) of ``person``
    with ``reason``."""
    reason = (reason or "").strip()
    if not reason:
        raise PersonRefused([gettext("Cần ghi lý do đính chính.")])
    unknown = set(values) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"not correctable here: {sorted(unknown)}")
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        refuse_anonymised(locked)
        changes = {
            name: (getattr(locked, name), value)
            for name, value in values.items()
            if _value(getattr(locked, name)) != _value(value)
        }
        if not changes:
            raise PersonRefused([gettext("Không có thông tin nào thay đổi.")])
        candidacy = (
            Candidacy.objects.select_related("cell").filter(person=locked, closed_on__isnull=True)
        ).first()
        before = _assessment(candidacy, today) if candidacy else None
        for name, (_, new) in changes.items():
            setattr(locked, name, new)
        if locked.cccd:
            problems = check_cccd_matches(locked.cccd, locked.birth_date, locked.sex)
            if problems:
                raise PersonRefused(problems)
        _set_reason(locked, reason)  # the audit entry carries it (accounts.audit)
        locked.save()
        change = PersonChange.objects.create(
            person=locked,
            kind=PersonChange.Kind.CORRECTION,
            changes={
                name: [shown(locked, name, old), shown(locked, name, new)]
                for name, (old, new) in changes.items()
            },
            reason=reason,
            actor=actor,
        )
        effects: list[str] = []
        if candidacy is not None and before is not None:
            refresh_candidacy(candidacy)
            candidacy.refresh_from_db()
            after = _assessment(candidacy, today)
            effects = _effects(candidacy, locked, changes, before, after)
    person.refresh_from_db()
    return CorrectionResult(change, effects)


@dataclass
class _Assessment:
    findings: dict[str, str]
    next_due: date | None
    next_due_label: str


def _assessment(candidacy: Candidacy, today: date) -> _Assessment:
    evaluation = evaluate_candidacy(candidacy, today)
    return _Assessment(
        {
            f.code: f"{f.message} ({f.citation})"
            for f in evaluation.findings
            if f.severity != "info"
        },
        candidacy.next_due,
        candidacy.next_due_label,
    )


def _effects(
    candidacy: Candidacy,
    person: Person,
    changes: dict[str, tuple[Any, Any]],
    before: _Assessment,
    after: _Assessment,
) -> list[str]:
    """The correction's consequences for the open candidacy, as sentences."""
    out: list[str] = []
    facts = build_facts(candidacy)
    cell_day = facts.step_dates.get(Step.CELL_RESOLUTION)
    day = cell_day or timezone.localdate()
    if "birth_date" in changes:
        months = age_in_full_months(person.birth_date, day)
        what = (
            gettext("Tuổi vào ngày chi bộ xét (%(day)s)")
            if cell_day
            else gettext("Tuổi hôm nay (%(day)s)")
        ) % {"day": f"{day:%d/%m/%Y}"}
        out.append(
            gettext("%(what)s: %(years)s tuổi %(months)s tháng.")
            % {"what": what, "years": months // 12, "months": months % 12}
        )
    if cell_day and ({"birth_date", "general_education"} & set(changes)):
        # The cell has voted already: does the corrected record still meet the conditions of
        # that day? (QĐ 294-QĐ/TW, mục 1.1–1.2, through the rules' own checks.)
        rule_set = rule_set_for(cell_day)
        for finding in (
            *check_age(facts, rule_set, cell_day),
            *check_education(facts, rule_set, cell_day),
        ):
            if finding.is_error:
                out.append(
                    gettext("Vào ngày chi bộ xét (%(day)s): %(message)s (%(citation)s)")
                    % {
                        "day": f"{cell_day:%d/%m/%Y}",
                        "message": finding.message,
                        "citation": finding.citation,
                    }
                )
    for code, message in after.findings.items():
        if code not in before.findings:
            out.append(gettext("Mới: %(message)s") % {"message": message})
    for code, message in before.findings.items():
        if code not in after.findings:
            out.append(gettext("Không còn: %(message)s") % {"message": message})
    if (before.next_due, before.next_due_label) != (after.next_due, after.next_due_label):
        out.append(
            gettext("Hạn gần nhất: %(before)s → %(after)s.")
            % {"before": _due(before), "after": _due(after)}
        )
    return out


def _due(assessment: _Assessment) -> str:
    if assessment.next_due is None:
        return gettext("không có")
    return f"{assessment.next_due:%d/%m/%Y} ({assessment.next_due_label})"


def _value(value: Any) -> Any:
    """Values compared as stored: "" and None are the same text, objects by id."""
    if hasattr(value, "pk"):
        return value.pk
    return value if value not in ("", None) else None


def _set_reason(person: Person, reason: str) -> None:
    """The reason the audit entry of the next save carries (``accounts/audit.py``)."""
    person._change_reason = reason  # type: ignore[attr-defined]


# --- merging two records of one person ------------------------------------------------------


def merge_people(kept: Person, merged: Person, reason: str, *, actor=None) -> PersonMerge:
    """Make ``merged`` (a second record of the same person) part of ``kept``.

    - Refused when the two cannot be one person: different CCCDs, different birth dates or
      sexes, both members with different memberships, two open candidacies, both linked to an
      account.
    - Moved to ``kept``: the candidacies (attempts numbered again by their source date, so "lần
      1, 2…" stay in order), the mentoring of others, the linked account, the CCCD if ``kept``
      has none, the membership fields if only ``merged`` has them. ``merged`` stays (its audit
      history too), marked ``merged_into``: gone from lists, searches and reports.
    - Everything moved is recorded in the :class:`PersonMerge`, so :func:`unmerge_people` can put
      it back; both records' histories get a :class:`PersonChange`.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PersonRefused([gettext("Cần ghi lý do hợp nhất.")])
    if kept.pk == merged.pk:
        raise PersonRefused([gettext("Chọn hai hồ sơ khác nhau.")])
    with transaction.atomic():
        kept, merged = _lock_pair(kept, merged)
        candidacies, accounts = _refuse_unmergeable(kept, merged)
        moved, taken = _what_moves(kept, merged, candidacies, accounts)
        _move(kept, merged, candidacies, moved, taken, reason)
        merge = _record_merge(kept, merged, moved, taken, reason, actor)
        latest = Candidacy.objects.filter(person=kept).order_by("-attempt").first()
        if latest is not None:
            refresh_candidacy(latest)  # the person's membership and cell follow it again
    return merge


def _lock_pair(kept: Person, merged: Person) -> tuple[Person, Person]:
    """Both records locked, in the order of their ids (two merges of one pair wait, never
    deadlock); refused when either was merged meanwhile or is gone."""
    first, second = sorted([kept.pk, merged.pk])
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .select_related("cell")
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise PersonRefused([gettext("Một trong hai hồ sơ đã được hợp nhất hoặc không còn.")])
    return locked[kept.pk], locked[merged.pk]


def _refuse_unmergeable(kept: Person, merged: Person) -> tuple[list[Candidacy], list[User]]:
    """Refused unless the two can be one record; their candidacies (locked, in order of their
    source date) and linked accounts otherwise."""
    refuse_anonymised(kept, merged)
    _check_mergeable(kept, merged)
    if MemberEvent._base_manager.filter(person=merged).exists():
        # Member events are append-only and name their person: they stay where they are.
        raise PersonRefused(
            [
                gettext(
                    "Hồ sơ trùng có biến động đảng viên (chuyển sinh hoạt, ra khỏi Đảng…): "
                    "hãy giữ hồ sơ đó và hợp nhất hồ sơ này vào nó."
                )
            ]
        )
    candidacies = list(
        Candidacy.objects.select_for_update()
        .filter(person__in=[kept, merged])
        .order_by("opened_on", "attempt", "pk")
    )
    open_ = [c for c in candidacies if c.closed_on is None]
    if len(open_) > 1:
        raise PersonRefused(
            [gettext("Cả hai hồ sơ đều đang có hồ sơ phát triển đảng viên chưa kết thúc.")]
        )
    accounts = list(User.objects.filter(person__in=[kept, merged]))
    if len(accounts) > 1:
        raise PersonRefused([gettext("Cả hai hồ sơ đều gắn với một tài khoản đăng nhập.")])
    return candidacies, accounts


def _what_moves(
    kept: Person, merged: Person, candidacies: list[Candidacy], accounts: list[User]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the merge moves, as :attr:`PersonMerge.moved` records it (so that it can be put
    back), and the fields ``kept`` takes from ``merged`` (the CCCD, the membership)."""
    moved: dict[str, Any] = {
        "candidacies": [[c.pk, c.person_id, c.attempt] for c in candidacies],
        "mentoring": list(
            MentorAssignment.objects.filter(mentor=merged).values_list("pk", flat=True)
        ),
        "account": accounts[0].pk if accounts and accounts[0].person_id == merged.pk else None,
        "kept_fields": {},
        "merged_fields": {},
    }
    taken: dict[str, Any] = {}
    if merged.cccd and not kept.cccd:
        taken["cccd"] = merged.cccd
    if _has_membership(merged) and not _has_membership(kept):
        taken |= {name: getattr(merged, name) for name in MEMBERSHIP}
    moved["kept_fields"] = {name: _json(getattr(kept, name)) for name in taken}
    moved["merged_fields"] = {name: _json(getattr(merged, name)) for name in ("cccd", *MEMBERSHIP)}
    return moved, taken


def _move(
    kept: Person,
    merged: Person,
    candidacies: list[Candidacy],
    moved: dict[str, Any],
    taken: dict[str, Any],
    reason: str,
) -> None:
    """The candidacies, mentoring and account moved to ``kept``, which takes ``taken``;
    ``merged`` gives up what moved and is marked merged into ``kept``."""
    # Attempts numbered again in order of their source date: a temporary offset first, so
    # the (person, attempt) constraint never sees two rows with one number.
    offset = _attempt_offset(kept, merged)
    Candidacy.objects.filter(pk__in=[c.pk for c in candidacies]).update(
        attempt=F("attempt") + offset
    )
    for number, c in enumerate(candidacies, start=1):
        Candidacy.objects.filter(pk=c.pk).update(person=kept, attempt=number)
    MentorAssignment.objects.filter(mentor=merged).update(mentor=kept)
    if moved["account"]:
        User.objects.filter(pk=moved["account"]).update(person=kept)
    # The merged record gives up what moved (its CCCD would otherwise stay unique to it).
    merged.cccd = None
    for name in MEMBERSHIP:
        setattr(merged, name, cast(Field, Person._meta.get_field(name)).get_default())
    merged.merged_into = kept
    _set_reason(merged, reason)
    merged.save()
    for name, value in taken.items():
        setattr(kept, name, value)
    _set_reason(kept, reason)
    kept.save()


def _record_merge(
    kept: Person,
    merged: Person,
    moved: dict[str, Any],
    taken: dict[str, Any],
    reason: str,
    actor: Any,
) -> PersonMerge:
    """The :class:`PersonMerge` and a :class:`PersonChange` in both records' histories."""
    merge = PersonMerge.objects.create(
        kept=kept, merged=merged, reason=reason, moved=moved, actor=actor
    )
    summary = {
        "merged": ["—", f"{merged.full_name}, {merged.birth_date:%d/%m/%Y}"],
        **{
            name: [shown(kept, name, None), shown(kept, name, value)]
            for name, value in taken.items()
        },
    }
    for person in (kept, merged):
        PersonChange.objects.create(
            person=person,
            kind=PersonChange.Kind.MERGE,
            changes=summary,
            reason=reason,
            merge=merge,
            actor=actor,
        )
    return merge


def unmerge_people(merge: PersonMerge, reason: str, *, actor=None) -> PersonMerge:
    """Undo ``merge``: the merged record and what moved with it come back as they were."""
    reason = (reason or "").strip()
    if not reason:
        raise PersonRefused([gettext("Cần ghi lý do hủy hợp nhất.")])
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise PersonRefused([gettext("Việc hợp nhất này đã được hủy.")])
        kept = Person.objects.select_for_update().get(pk=merge.kept_id)
        merged = Person.all_records.select_for_update().get(pk=merge.merged_id)
        refuse_anonymised(kept, merged)
        later = PersonMerge.objects.filter(
            kept=kept, undone_at__isnull=True, pk__gt=merge.pk
        ).exists()
        if later:
            raise PersonRefused([gettext("Hãy hủy các lần hợp nhất sau vào hồ sơ này trước.")])
        moved = merge.moved
        recorded = {pk for pk, _, _ in moved["candidacies"]}
        newer = Candidacy.objects.filter(person=kept).exclude(pk__in=recorded)
        if newer.exists():
            raise PersonRefused(
                [
                    gettext(
                        "Đã có hồ sơ phát triển đảng viên mới sau khi hợp nhất: không thể hủy "
                        "hợp nhất tự động."
                    )
                ]
            )
        offset = _attempt_offset(kept, merged)
        Candidacy.objects.filter(pk__in=recorded).update(attempt=F("attempt") + offset)
        for pk, person_id, attempt in moved["candidacies"]:
            Candidacy.objects.filter(pk=pk).update(person_id=person_id, attempt=attempt)
        MentorAssignment.objects.filter(pk__in=moved["mentoring"]).update(mentor=merged)
        if moved.get("account"):
            User.objects.filter(pk=moved["account"]).update(person=merged)
        for name, value in moved["kept_fields"].items():
            setattr(kept, name, _unjson(name, value))
        _set_reason(kept, reason)
        kept.save()
        merged.merged_into = None
        for name, value in moved["merged_fields"].items():
            setattr(merged, name, _unjson(name, value))
        _set_reason(merged, reason)
        merged.save()
        merge.undone_at, merge.undone_by, merge.undo_reason = timezone.now(), actor, reason
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        for person in (kept, merged):
            PersonChange.objects.create(
                person=person,
                kind=PersonChange.Kind.UNMERGE,
                changes={"merged": [f"{merged.full_name}, {merged.birth_date:%d/%m/%Y}", "—"]},
                reason=reason,
                merge=merge,
                actor=actor,
            )
        for person in (kept, merged):
            latest = Candidacy.objects.filter(person=person).order_by("-attempt").first()
            if latest is not None:
                refresh_candidacy(latest)
    return merge


def _attempt_offset(kept: Person, merged: Person) -> int:
    """Attempt numbers are moved out of the way by this much before being numbered again, so
    the ``(person, attempt)`` constraint never sees two rows with one number: above both the
    highest attempt and the count of the candidacies numbered again."""
    rows = Candidacy.objects.filter(person__in=[kept, merged])
    return 1 + (rows.aggregate(top=Max("attempt"))["top"] or 0) + rows.count()


def _check_mergeable(kept: Person, merged: Person) -> None:
    problems = []
    if kept.cccd and merged.cccd and kept.cccd != merged.cccd:
        problems.append(gettext("Hai hồ sơ có số CCCD khác nhau: không phải cùng một người."))
    if kept.birth_date != merged.birth_date:
        problems.append(
            gettext(
                "Hai hồ sơ có ngày sinh khác nhau (%(a)s và %(b)s): đính chính ngày sinh trước "
                "khi hợp nhất."
            )
            % {"a": f"{kept.birth_date:%d/%m/%Y}", "b": f"{merged.birth_date:%d/%m/%Y}"}
        )
    if kept.sex != merged.sex:
        problems.append(gettext("Hai hồ sơ có giới tính khác nhau: đính chính trước khi hợp nhất."))
    if (
        _has_membership(kept)
        and _has_membership(merged)
        and any(getattr(kept, name) != getattr(merged, name) for name in MEMBERSHIP)
    ):
        problems.append(
            gettext(
                "Cả hai hồ sơ đều có đảng tịch, khác nhau: kiểm tra ngày vào Đảng, ngày chính "
                "thức và số thẻ trước khi hợp nhất."
            )
        )
    if problems:
        raise PersonRefused(problems)


def _has_membership(person: Person) -> bool:
    return (
        person.member_status in MEMBER_STATUSES
        or person.member_status == MemberStatus.LEFT
        or (person.party_admitted_on is not None)
    )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _unjson(name: str, value: Any) -> Any:
    if value is not None and Person._meta.get_field(name).get_internal_type() == "DateField":
        return date.fromisoformat(value)
    return value
