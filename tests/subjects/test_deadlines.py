"""The legal deadlines of the person's requests and of a breach notification (pure Python).

Counted with the Vietnamese working-day calendar: a request received on Friday 24/04/2026, before
the Hùng Kings' holiday (Sunday 26/04, its day off moved to Monday 27/04) and 30/4–1/5, is due
for acknowledgement on Wednesday 29/04 (Tuesday 28 is day 1), not on Tuesday 28/04.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.data_protection import (
    ACKNOWLEDGE,
    ANSWER,
    LAW91_2026,
    REQUEST_KINDS,
    RequestState,
    allowed_steps,
    check_step,
    derive_request,
    hours_left,
    next_due,
    notification_due,
    request_deadlines,
    rules_for,
)

CAL = WorkingCalendar()
FRIDAY_BEFORE_HOLIDAY = date(2026, 4, 24)


def test_acknowledgement_after_a_friday_before_a_holiday():
    acknowledge, answer = request_deadlines("access", FRIDAY_BEFORE_HOLIDAY, CAL)
    # Saturday 25, Sunday 26 (Giỗ Tổ), Monday 27 (its day off) are not working days.
    assert not any(CAL.is_working_day(date(2026, 4, d)) for d in (25, 26, 27))
    assert acknowledge.code == ACKNOWLEDGE
    assert acknowledge.due == date(2026, 4, 29)
    # 10 working days: 28, 29 April; 4–8 May; 11, 12, 13 May (30/4 and 1/5 are holidays).
    assert answer.code == ANSWER
    assert answer.due == date(2026, 5, 13)
    assert CAL.working_days_between(FRIDAY_BEFORE_HOLIDAY, answer.due) == 10


def test_each_kind_has_its_number_of_working_days():
    expected = {"access": 10, "correction": 10, "withdrawal": 15, "restriction": 15,
                "objection": 15, "deletion": 20}  # fmt: skip
    assert set(expected) == set(REQUEST_KINDS)
    for kind, days in expected.items():
        acknowledge, answer = request_deadlines(kind, FRIDAY_BEFORE_HOLIDAY, CAL)
        assert CAL.working_days_between(FRIDAY_BEFORE_HOLIDAY, acknowledge.due) == 2
        assert CAL.working_days_between(FRIDAY_BEFORE_HOLIDAY, answer.due) == days, kind
        assert answer.citation == LAW91_2026.cite(kind)


def test_a_request_received_before_tet():
    # Friday 13/02/2026, then Tết from Monday 16 to Friday 20: acknowledged by Tuesday 24.
    acknowledge, deletion = request_deadlines("deletion", date(2026, 2, 13), CAL)
    assert acknowledge.due == date(2026, 2, 24)
    assert CAL.working_days_between(date(2026, 2, 13), deletion.due) == 20
    assert deletion.due == date(2026, 3, 20)  # 23–27 Feb, 2–6, 9–13, 16–20 March


def test_decreed_days_off_move_the_deadlines():
    extra = WorkingCalendar(extra_days_off=[date(2026, 4, 28)])
    acknowledge, _ = request_deadlines("access", FRIDAY_BEFORE_HOLIDAY, extra)
    assert acknowledge.due == date(2026, 5, 4)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
       st.sampled_from(REQUEST_KINDS))  # fmt: skip
def test_deadlines_are_working_days_after_receipt(received, kind):
    acknowledge, answer = request_deadlines(kind, received, CAL)
    for deadline in (acknowledge, answer):
        assert deadline.due > received
        assert CAL.is_working_day(deadline.due)
    assert acknowledge.due <= answer.due
    assert CAL.working_days_between(received, answer.due) == LAW91_2026.answer_days(kind)


def test_steps_mark_deadlines_done_and_an_extension_moves_the_answer():
    received = date(2026, 3, 2)  # a Monday
    state = derive_request([("acknowledged", date(2026, 3, 3), 0)])
    acknowledge, answer = request_deadlines("access", received, CAL, state=state)
    assert acknowledge.done_on == date(2026, 3, 3) and not acknowledge.was_late
    assert answer.is_open
    assert next_due((acknowledge, answer)) is answer
    extended = derive_request([("acknowledged", date(2026, 3, 3), 0),
                               ("extended", date(2026, 3, 10), 15)])  # fmt: skip
    _, later = request_deadlines("access", received, CAL, state=extended)
    assert CAL.working_days_between(received, later.due) == 25
    assert extended.status == "extended"


def test_an_answer_within_the_acknowledgement_deadline_acknowledges():
    state = derive_request([("answered", date(2026, 3, 3), 0)])
    assert state.status == "answered"
    assert state.acknowledged_on == state.answered_on == date(2026, 3, 3)
    assert not state.is_open
    acknowledge, answer = request_deadlines("correction", date(2026, 3, 2), CAL, state=state)
    assert next_due((acknowledge, answer)) is None


def test_a_late_acknowledgement_is_late():
    state = derive_request([("acknowledged", date(2026, 3, 9), 0)])
    acknowledge, _ = request_deadlines("access", date(2026, 3, 2), CAL, state=state)
    assert acknowledge.due == date(2026, 3, 4)
    assert acknowledge.was_late


def test_the_steps_follow_each_other():
    assert allowed_steps("received") == {"acknowledged", "answered", "refused", "closed"}
    assert allowed_steps("acknowledged") == {"extended", "answered", "refused", "closed"}
    assert allowed_steps("answered") == {"closed"}
    assert allowed_steps("closed") == frozenset()
    received, today = date(2026, 3, 2), date(2026, 3, 20)
    fresh = RequestState()
    ok = check_step(fresh, "acknowledged", date(2026, 3, 3), received, today, LAW91_2026)
    assert ok is None
    assert check_step(fresh, "extended", date(2026, 3, 3), received, today, LAW91_2026)[0] == (
        "step"
    )
    assert check_step(fresh, "answered", date(2026, 3, 1), received, today, LAW91_2026)[0] == (
        "date"
    )
    assert check_step(fresh, "answered", date(2026, 3, 21), received, today, LAW91_2026)[0] == (
        "date"
    )
    acknowledged = derive_request([("acknowledged", date(2026, 3, 5), 0)])
    earlier = check_step(acknowledged, "answered", date(2026, 3, 4), received, today, LAW91_2026)
    assert earlier == ("date", "Ngày không được trước bước đã ghi gần nhất.")
    too_long = check_step(acknowledged, "extended", date(2026, 3, 6), received, today,
                          LAW91_2026, extension_days=16)  # fmt: skip
    assert too_long[0] == "extension_days"
    assert check_step(acknowledged, "extended", date(2026, 3, 6), received, today, LAW91_2026,
                      extension_days=15) is None  # fmt: skip
    twice = derive_request([("acknowledged", date(2026, 3, 5), 0),
                            ("extended", date(2026, 3, 6), 5)])  # fmt: skip
    assert check_step(twice, "extended", date(2026, 3, 7), received, today, LAW91_2026,
                      extension_days=5)[0] == "step"  # fmt: skip
    closed = derive_request([("closed", date(2026, 3, 5), 0)])
    assert closed.closed_on == closed.answered_on == closed.acknowledged_on == date(2026, 3, 5)
    assert check_step(closed, "answered", date(2026, 3, 6), received, today, LAW91_2026)


def test_the_table_is_cited_unverified_and_configurable():
    assert rules_for(date(2020, 1, 1)) is LAW91_2026  # the earliest table before its start
    assert rules_for(date(2026, 6, 1)) is LAW91_2026
    for key in ("acknowledge", "extension", "breach_notify", *REQUEST_KINDS):
        source = LAW91_2026.sources[key]
        assert source.verified is False  # no copy of the texts was read
        assert "91/2025/QH15" in source.citation.document or "356/2025" in (
            source.citation.document
        )
    changed = LAW91_2026.with_values({"access": 12, "acknowledge": 3}, breach_notify_hours=48)
    assert changed.answer_days("access") == 12 and changed.answer_days("deletion") == 20
    assert changed.acknowledge_working_days == 3 and changed.breach_notify_hours == 48
    assert "Cài đặt của hệ thống: 12" in changed.sources["access"].note
    assert "Cài đặt" not in changed.sources["deletion"].note
    assert LAW91_2026.answer_days("access") == 10  # the original is unchanged
    _, answer = request_deadlines("access", FRIDAY_BEFORE_HOLIDAY, CAL, changed)
    assert CAL.working_days_between(FRIDAY_BEFORE_HOLIDAY, answer.due) == 12
    with pytest.raises(ValueError, match="acess"):
        LAW91_2026.with_values({"acess": 10})
    with pytest.raises(ValueError):
        LAW91_2026.with_values({"access": -1})
    with pytest.raises(ValueError):
        LAW91_2026.with_values(breach_notify_hours=0)


def test_the_breach_clock():
    detected = datetime(2026, 5, 1, 22, 15, tzinfo=UTC)  # a holiday: hours are clock hours
    due = notification_due(detected)
    assert due == detected + timedelta(hours=72)
    assert hours_left(due, detected) == 72
    assert hours_left(due, detected + timedelta(hours=71, minutes=30)) == 0
    assert hours_left(due, due) == 0
    assert hours_left(due, due + timedelta(minutes=1)) == -1
    assert hours_left(due, due + timedelta(hours=5, minutes=1)) == -6
    shorter = LAW91_2026.with_values(breach_notify_hours=24)
    assert notification_due(detected, shorter) == detected + timedelta(hours=24)


def test_the_module_is_pure_python():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import ptdv.rules.data_protection, sys; "
        "bad = sorted(m for m in sys.modules if m.startswith('django')); assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
