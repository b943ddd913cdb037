"""A row of a members' file (members admitted before ptdv): the membership dates checked by the
rule set of the admission day, the arrival and leaving columns (``members.imports``), the
personal-history number, and what the row changes of a person already in ptdv."""

from __future__ import annotations

from datetime import date
from typing import Any

from ptdv.members.imports import check_lifecycle
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.months import add_months, age_in_full_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Stage

from .plans import Action, History, Known, RowPlan, differs

#: Stages at which the candidacy, not the file, decides a person's membership.
MEMBER_STAGES = {
    Stage.PROBATIONARY,
    Stage.NEW_MEMBER_TRAINED,
    Stage.RECOGNITION_CELL_RESOLVED,
    Stage.OFFICIAL,
    Stage.CARD_ISSUED,
}


def plan_member(
    plan: RowPlan,
    values: dict[str, Any],
    person: Person | None,
    history: History,
    known: Known,
    *,
    today: date,
) -> None:
    _check_dates(plan, values, today)
    membership = {
        "member_status": values["member_status"],
        "party_admitted_on": values["party_admitted_on"],
        "party_official_on": values.get("party_official_on"),
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
        today=today,
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
    if person is None:
        plan.changes |= membership
    else:
        _update_membership(plan, values, person, history, membership)
    _history_number(plan, values, person)


def _history_number(plan: RowPlan, values: dict[str, Any], person: Person | None) -> None:
    """Số lý lịch đảng viên: a person's record, not a membership field the pipeline decides; an
    empty cell keeps the number ptdv has (its uniqueness: ``PersonRows.history_number``)."""
    number = values.get("personal_history_number")
    if plan.problems or not number:
        return
    if person is None:
        plan.changes["personal_history_number"] = number
    elif differs(person, "personal_history_number", number):
        plan.changes["personal_history_number"] = number
        if plan.action is Action.UNCHANGED:
            plan.action = Action.UPDATE


def _check_dates(plan: RowPlan, values: dict[str, Any], today: date) -> None:
    """The dates of admission and of becoming official: not in the future, old enough on the
    admission day, official after the probation (by the rule set of the admission day)."""
    status = values["member_status"]
    admitted = values["party_admitted_on"]
    official = values.get("party_official_on")
    for key in ("party_admitted_on", "party_official_on"):
        if values.get(key) and values[key] > today:
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


def _update_membership(
    plan: RowPlan,
    values: dict[str, Any],
    person: Person,
    history: History,
    membership: dict[str, Any],
) -> None:
    """A person already in ptdv: the membership fields that differ, unless a candidacy in
    ptdv decides them."""
    changed = {k: v for k, v in membership.items() if differs(person, k, v)}
    if "party_card_number" not in values:
        changed.pop("party_card_number", None)
    pipeline = [c for c, _ in history if c.closed_on is None or c.stage in MEMBER_STAGES]
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
