"""The pure rules of member events: which kind follows which standing, dates, decisions, reasons,
and the spells a member's timeline gives (ptdv/rules/membership.py)."""

from __future__ import annotations

from datetime import date

import pytest

from ptdv.rules.membership import (
    ALLOWED,
    KIND_LABELS,
    MEMBERSHIP_RULES,
    MemberEventFact,
    MemberEventKind,
    MemberEventRequest,
    MemberFacts,
    MembershipRules,
    Spell,
    Standing,
    allowed_kinds,
    check_correction,
    check_event,
    spells,
    timeline,
)

K = MemberEventKind
TODAY = date(2026, 6, 30)
A, B, C = 11, 12, 13  # cell ids

MEMBER = MemberFacts(
    standing=Standing.MEMBER,
    admitted_on=date(2010, 5, 1),
    official_on=date(2011, 5, 1),
    cell_id=A,
)
PROBATIONARY = MemberFacts(standing=Standing.MEMBER, admitted_on=date(2026, 1, 10), cell_id=A)


def codes(facts, kind, on=date(2026, 3, 1), **kw) -> list[str]:
    return [f.code for f in check_event(facts, MemberEventRequest(kind, on, **kw), today=TODAY)]


def complete(kind: MemberEventKind) -> dict:
    """What a valid request of ``kind`` carries."""
    kw = {"number": "12-QĐ/HU", "reason": "Theo đơn"}
    if kind is K.TRANSFER:
        kw["to_cell_id"] = B
    if kind is K.TRANSFER_OUT:
        kw["outside"] = "Đảng bộ xã Tân Lập"
    if kind is K.TRANSFER_IN:
        kw |= {"to_cell_id": B, "outside": "Đảng bộ xã Tân Lập", "admitted_on": date(2000, 1, 1)}
    return kw


# --- standing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in K if k is not K.CORRECTION])
def test_a_member_may_record_everything_but_a_transfer_in(kind):
    found = codes(MEMBER, kind, **complete(kind))
    if kind is K.TRANSFER_IN:
        assert found == ["member.standing.member"]
    else:
        assert found == []


@pytest.mark.parametrize(
    "standing", [Standing.NOT_MEMBER, Standing.TRANSFERRED_OUT], ids=lambda s: s.value
)
def test_only_a_transfer_in_for_a_non_member_or_one_who_moved_away(standing):
    facts = MemberFacts(standing=standing, cell_id=A, last_date=date(2025, 1, 1))
    assert allowed_kinds(facts) == [K.TRANSFER_IN]
    assert codes(facts, K.TRANSFER_IN, **complete(K.TRANSFER_IN)) == []
    for kind in (K.TRANSFER, K.TRANSFER_OUT, K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.DECEASED):
        assert codes(facts, kind, **complete(kind)) == [f"member.standing.{standing.value}"]


@pytest.mark.parametrize("standing", [Standing.LEFT, Standing.EXPELLED, Standing.DECEASED])
def test_nothing_after_leaving_the_party_expulsion_or_death(standing):
    facts = MemberFacts(
        standing=standing,
        admitted_on=date(2000, 1, 1),
        official_on=date(2001, 1, 1),
        cell_id=A,
        last_date=date(2024, 4, 4),
    )
    assert allowed_kinds(facts) == []
    for kind in K:
        if kind is K.CORRECTION:
            continue
        found = check_event(
            facts, MemberEventRequest(kind, date(2025, 1, 1), **complete(kind)), today=TODAY
        )
        assert [f.code for f in found] == [f"member.standing.{standing.value}"]
        assert "04/04/2024" in found[0].message
    left = check_event(
        MemberFacts(standing=Standing.LEFT, last_date=date(2024, 4, 4)),
        MemberEventRequest(K.TRANSFER_IN, date(2025, 1, 1)),
        today=TODAY,
    )[0]
    assert "kết nạp lại" in left.message and "3.5" in str(left.citation)


def test_an_open_candidacy_records_its_own_steps():
    facts = MemberFacts(standing=Standing.MEMBER, admitted_on=date(2025, 1, 1), open_candidacy=2)
    assert allowed_kinds(facts) == []
    found = check_event(facts, MemberEventRequest(K.DECEASED, date(2026, 1, 1)), today=TODAY)
    assert [f.code for f in found] == ["member.open_candidacy"]
    assert "lần 2" in found[0].message and "trang hồ sơ" in found[0].message


def test_allowed_kinds_follow_the_table():
    assert set(allowed_kinds(MEMBER)) == ALLOWED[Standing.MEMBER]
    assert K.CORRECTION not in {k for kinds in ALLOWED.values() for k in kinds}


# --- dates ------------------------------------------------------------------------------------


def test_dates_not_in_the_future_not_before_admission_in_order():
    assert codes(MEMBER, K.DECEASED, date(2026, 7, 1)) == ["member.date.future"]
    assert codes(MEMBER, K.DECEASED, TODAY) == []
    assert codes(MEMBER, K.DECEASED, date(2010, 4, 30)) == ["member.date.before_admission"]
    assert codes(MEMBER, K.DECEASED, date(2010, 5, 1)) == []  # the day of the ceremony
    later = MemberFacts(**{**MEMBER.__dict__, "last_date": date(2020, 2, 2)})
    assert codes(later, K.DECEASED, date(2020, 2, 1)) == ["member.date.out_of_order"]
    assert codes(later, K.DECEASED, date(2020, 2, 2)) == []  # the same day is in order


def test_an_admission_date_is_needed():
    facts = MemberFacts(standing=Standing.MEMBER, cell_id=A)
    assert codes(facts, K.DECEASED) == ["member.admitted.missing"]
    incoming = MemberFacts(standing=Standing.NOT_MEMBER)
    request = complete(K.TRANSFER_IN) | {"admitted_on": None}
    assert codes(incoming, K.TRANSFER_IN, **request) == ["member.admitted.missing"]


def test_a_transfer_in_checks_the_papers_dates():
    incoming = MemberFacts(standing=Standing.NOT_MEMBER)
    base = complete(K.TRANSFER_IN)
    assert codes(incoming, K.TRANSFER_IN, date(1999, 12, 31), **base) == [
        "member.date.before_admission"
    ]
    assert codes(incoming, K.TRANSFER_IN, **base | {"official_on": date(1999, 1, 1)}) == [
        "member.official.before_admission"
    ]
    assert codes(incoming, K.TRANSFER_IN, **base | {"official_on": date(2027, 1, 1)}) == [
        "member.official.future"
    ]


# --- kinds -----------------------------------------------------------------------------------


def test_a_probationary_member_is_struck_off_not_expelled():
    found = check_event(
        PROBATIONARY,
        MemberEventRequest(K.EXPELLED, date(2026, 3, 1), **complete(K.EXPELLED)),
        today=TODAY,
    )
    assert [f.code for f in found] == ["member.expelled.probationary"]
    assert "xóa tên" in found[0].message
    assert found[0].citation == MEMBERSHIP_RULES.cite("expulsion_official_only")
    assert codes(PROBATIONARY, K.STRUCK_OFF, **complete(K.STRUCK_OFF)) == []
    # Official on the day of the decision: recognised the day before.
    recognised = MemberFacts(**{**PROBATIONARY.__dict__, "official_on": date(2026, 2, 28)})
    assert codes(recognised, K.EXPELLED, **complete(K.EXPELLED)) == []
    assert codes(recognised, K.EXPELLED, date(2026, 2, 27), **complete(K.EXPELLED)) == [
        "member.expelled.probationary"
    ]


def test_probationary_resignation_is_configurable():
    assert codes(PROBATIONARY, K.RESIGNED, **complete(K.RESIGNED)) == []
    strict = MembershipRules(
        name="thử",
        decision_required=MEMBERSHIP_RULES.decision_required,
        reason_required=MEMBERSHIP_RULES.reason_required,
        probationary_may_resign=False,
        sources=MEMBERSHIP_RULES.sources,
    )
    found = check_event(
        PROBATIONARY,
        MemberEventRequest(K.RESIGNED, date(2026, 3, 1), **complete(K.RESIGNED)),
        today=TODAY,
        rules=strict,
    )
    assert [f.code for f in found] == ["member.resigned.probationary"]


@pytest.mark.parametrize("kind", [K.RESIGNED, K.STRUCK_OFF, K.EXPELLED])
def test_exits_need_a_reason_and_a_decision_number(kind):
    found = check_event(
        MEMBER, MemberEventRequest(kind, date(2026, 3, 1), reason="  "), today=TODAY
    )
    assert [f.code for f in found] == ["member.reason.missing", "member.number.missing"]
    assert KIND_LABELS[kind] in found[0].message
    assert "quyết định" in found[1].message


def test_a_death_needs_neither():
    assert codes(MEMBER, K.DECEASED) == []


def test_transfers_need_the_letter_and_where_to():
    assert codes(MEMBER, K.TRANSFER) == ["member.number.missing", "member.to_cell.missing"]
    found = check_event(MEMBER, MemberEventRequest(K.TRANSFER, date(2026, 3, 1)), today=TODAY)
    assert "giấy giới thiệu sinh hoạt đảng" in found[0].message
    assert codes(MEMBER, K.TRANSFER, number="1", to_cell_id=A) == ["member.to_cell.same"]
    assert codes(MEMBER, K.TRANSFER_OUT, number="1") == ["member.outside.missing"]
    incoming = MemberFacts(standing=Standing.NOT_MEMBER)
    assert codes(incoming, K.TRANSFER_IN, number="1", admitted_on=date(2000, 1, 1)) == [
        "member.to_cell.missing",
        "member.outside.missing",
    ]


def test_every_rule_has_a_source_and_a_citation():
    assert set(MEMBERSHIP_RULES.sources) == set(MembershipRules.rule_names())
    for name in MembershipRules.rule_names():
        source = MEMBERSHIP_RULES.sources[name]
        assert source.citation.document and source.source
    assert MEMBERSHIP_RULES.sources["expulsion_official_only"].verified
    assert not MEMBERSHIP_RULES.sources["probationary_may_resign"].verified


def test_corrections():
    assert (
        check_correction(is_last=True, already_voided=False, later_candidacy=None, reason="x") == []
    )
    found = check_correction(is_last=False, already_voided=False, later_candidacy=3, reason=" ")
    assert [f.code for f in found] == [
        "member.correction.not_last",
        "member.correction.candidacy",
        "member.correction.reason",
    ]
    found = check_correction(is_last=False, already_voided=True, later_candidacy=None, reason="x")
    assert [f.code for f in found] == ["member.correction.voided"]


def test_correction_is_not_checked_as_an_event():
    with pytest.raises(ValueError):
        check_event(MEMBER, MemberEventRequest(K.CORRECTION, date(2026, 1, 1)), today=TODAY)


# --- spells ----------------------------------------------------------------------------------


def event(seq, kind, day, cell=A, to_cell=None, admitted_before=date(2010, 5, 1)):
    return MemberEventFact(seq, kind, day, cell, to_cell, admitted_before)


def test_a_member_from_before_the_installation():
    assert spells(timeline(admitted_on=date(2010, 5, 1), left_on=None, cell_id=A)) == [
        Spell(A, date(2010, 5, 1), None, "admitted")
    ]
    assert spells(timeline(admitted_on=date(2010, 5, 1), left_on=date(2020, 1, 1), cell_id=A)) == [
        Spell(A, date(2010, 5, 1), date(2020, 1, 1), "admitted", "left")
    ]
    assert spells(timeline(admitted_on=None, left_on=None, cell_id=A)) == []


def test_member_events_move_and_end_the_spells():
    events = [
        event(1, K.TRANSFER, date(2015, 3, 3), A, B),
        event(2, K.TRANSFER, date(2018, 1, 1), B, C),
        event(3, K.DECEASED, date(2021, 9, 9), C),
    ]
    # The person's fields now (the cell C, left on the day of death) are not read: the first
    # event says where and since when the person was a member.
    found = spells(
        timeline(
            admitted_on=date(2010, 5, 1), left_on=date(2021, 9, 9), cell_id=C, member_events=events
        )
    )
    assert found == [
        Spell(A, date(2010, 5, 1), date(2015, 3, 3), "admitted", "transfer"),
        Spell(B, date(2015, 3, 3), date(2018, 1, 1), "transfer", "transfer"),
        Spell(C, date(2018, 1, 1), date(2021, 9, 9), "transfer", "deceased"),
    ]


def test_out_and_back_in():
    events = [
        event(1, K.TRANSFER_OUT, date(2015, 3, 3), A),
        event(2, K.TRANSFER_IN, date(2019, 6, 1), B),
    ]
    found = spells(
        timeline(admitted_on=date(2010, 5, 1), left_on=None, cell_id=B, member_events=events)
    )
    assert found == [
        Spell(A, date(2010, 5, 1), date(2015, 3, 3), "admitted", "transfer_out"),
        Spell(B, date(2019, 6, 1), None, "transfer_in"),
    ]


def test_a_member_from_outside_counts_from_the_arrival():
    events = [event(1, K.TRANSFER_IN, date(2024, 2, 2), B, admitted_before=None)]
    found = spells(
        timeline(admitted_on=date(2001, 1, 1), left_on=None, cell_id=B, member_events=events)
    )
    assert found == [Spell(B, date(2024, 2, 2), None, "transfer_in")]


def test_a_candidacy_admits_moves_and_ends():
    steps = [
        ("source", date(2020, 1, 1), A, None),
        ("transfer", date(2020, 6, 1), A, B),  # before the ceremony: not a member's move
        ("ceremony", date(2021, 4, 4), B, None),
        ("transfer", date(2021, 8, 8), B, C),
        ("moved_away", date(2021, 9, 1), C, None),  # a member who moves away stays counted
    ]
    found = spells(
        timeline(admitted_on=date(2021, 4, 4), left_on=None, cell_id=C, candidacies=[steps])
    )
    assert found == [
        Spell(B, date(2021, 4, 4), date(2021, 8, 8), "admitted", "transfer"),
        Spell(C, date(2021, 8, 8), None, "transfer"),
    ]
    ended = [*steps[:3], ("not_recognised", date(2022, 5, 5), B, None)]
    assert spells(
        timeline(
            admitted_on=date(2021, 4, 4), left_on=date(2022, 5, 5), cell_id=B, candidacies=[ended]
        )
    ) == [Spell(B, date(2021, 4, 4), date(2022, 5, 5), "admitted", "not_recognised")]


def test_a_candidacy_then_member_events():
    steps = [("source", date(2020, 1, 1), A, None), ("ceremony", date(2021, 4, 4), A, None)]
    events = [event(1, K.TRANSFER, date(2024, 1, 1), A, B, date(2021, 4, 4))]
    assert spells(
        timeline(
            admitted_on=date(2021, 4, 4),
            left_on=None,
            cell_id=B,
            candidacies=[steps],
            member_events=events,
        )
    ) == [
        Spell(A, date(2021, 4, 4), date(2024, 1, 1), "admitted", "transfer"),
        Spell(B, date(2024, 1, 1), None, "transfer"),
    ]


def test_readmission_after_leaving():
    events = [event(1, K.RESIGNED, date(2015, 1, 1), A, admitted_before=date(2005, 1, 1))]
    steps = [("source", date(2019, 1, 1), B, None), ("ceremony", date(2020, 2, 2), B, None)]
    assert spells(
        timeline(
            admitted_on=date(2020, 2, 2),
            left_on=None,
            cell_id=B,
            candidacies=[steps],
            member_events=events,
        )
    ) == [
        Spell(A, date(2005, 1, 1), date(2015, 1, 1), "admitted", "resigned"),
        Spell(B, date(2020, 2, 2), None, "admitted"),
    ]


def test_a_move_on_the_day_of_the_start_and_to_the_same_cell():
    events = [
        event(1, K.TRANSFER, date(2010, 5, 1), A, B),
        event(2, K.TRANSFER, date(2011, 1, 1), B, B),
    ]
    assert spells(
        timeline(admitted_on=date(2010, 5, 1), left_on=None, cell_id=B, member_events=events)
    ) == [
        Spell(A, date(2010, 5, 1), date(2010, 5, 1), "admitted", "transfer"),
        Spell(B, date(2010, 5, 1), None, "transfer"),
    ]
