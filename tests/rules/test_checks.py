from dataclasses import replace
from datetime import date

import pytest

from ptdv.rules.checks import (
    check_age,
    check_awareness_certificate,
    check_ceremony,
    check_education,
    check_failed_votes,
    check_introducers,
    check_mentors,
    check_papers,
    check_papers_fresh,
    check_readmission,
    check_recognition,
    check_vote,
    deadlines,
    evaluate,
    next_step,
    recognition_effective_date,
    votes_required,
)
from ptdv.rules.facts import PaperFacts, VoteFacts
from ptdv.rules.findings import Severity
from ptdv.rules.rulesets import QD24_2021, QD232_2025, QD294_2025
from ptdv.rules.stages import Stage, Step

from .factories import CAL, GOOD_PAPERS, TODAY, dossier, member, mentor, person, union, vote

RS = QD294_2025


def codes(findings):
    return [f.code for f in findings]


# --- age --------------------------------------------------------------------------------


def test_age_exactly_18_on_the_day():
    f = dossier(person=person(birth_date=date(2008, 3, 15)))
    assert check_age(f, RS, date(2026, 3, 15)) == []
    [finding] = check_age(f, RS, date(2026, 3, 14))
    assert finding.code == "age.too_young" and finding.severity is Severity.ERROR
    assert "chưa đủ 18 tuổi" in finding.message and "15/03/2026" in finding.message


def test_age_born_29_february():
    f = dossier(person=person(birth_date=date(2008, 2, 29)))
    assert check_age(f, RS, date(2026, 2, 28)) == []
    assert codes(check_age(f, RS, date(2026, 2, 27))) == ["age.too_young"]


def test_age_60_years_and_a_month():
    f = dossier(person=person(birth_date=date(1966, 3, 15)))
    assert check_age(f, RS, date(2026, 3, 15)) == []  # exactly 60
    assert check_age(f, RS, date(2026, 4, 14)) == []  # 60 years, 0 full months more
    [finding] = check_age(f, RS, date(2026, 4, 15))  # 60 years and 1 month
    assert finding.code == "age.too_old"
    assert "60 năm 1 tháng" in finding.message


# --- education --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["lower_secondary", "upper_secondary", "vocational", "university", "doctor"]
)
def test_education_ok(code):
    assert check_education(dossier(person=person(education=code)), RS, TODAY) == []


def test_education_below_minimum():
    [f] = check_education(dossier(person=person(education="primary")), RS, TODAY)
    assert f.code == "education.below_minimum" and f.severity is Severity.ERROR
    assert "Trung học cơ sở" in f.message


def test_education_exception_area():
    p = person(education="primary", in_exception_area=True)
    [f] = check_education(dossier(person=p), RS, TODAY)
    assert f.code == "education.exception_applied" and f.severity is Severity.INFO
    p = person(education="none", in_exception_area=True)
    assert codes(check_education(dossier(person=p), RS, TODAY)) == [
        "education.below_exception_minimum"
    ]


def test_education_unknown_code():
    assert codes(check_education(dossier(person=person(education="phd")), RS, TODAY)) == [
        "education.unknown"
    ]


# --- awareness certificate -----------------------------------------------------------------


def test_certificate_valid_60_months():
    f = dossier(awareness_certificate_date=date(2021, 3, 10))
    assert check_awareness_certificate(f, RS, date(2026, 3, 10)) == []
    assert codes(check_awareness_certificate(f, RS, date(2026, 3, 11))) == ["certificate.expired"]


def test_certificate_missing_or_later():
    assert codes(
        check_awareness_certificate(dossier(awareness_certificate_date=None), RS, TODAY)
    ) == ["certificate.missing"]
    f = dossier(awareness_certificate_date=date(2026, 4, 1))
    assert codes(check_awareness_certificate(f, RS, TODAY)) == ["certificate.after_consideration"]


# --- introducers ------------------------------------------------------------------------


def test_two_good_members():
    assert check_introducers(dossier(), RS, TODAY) == []


def test_introducer_too_short_message():
    f = dossier(introducers=(member(1, "Nguyễn Văn B", months_together=8), member(2, "Lê Văn D")))
    finding, insufficient = check_introducers(f, RS, TODAY)  # the other one alone: not enough
    assert insufficient.code == "introducers.insufficient"
    assert finding.code == "introducer.too_short"
    assert finding.message == (
        "Người giới thiệu Nguyễn Văn B chưa đủ 12 tháng cùng công tác với người vào Đảng (mới 8 "
        "tháng)."
    )
    f = dossier(introducers=(member(1, months_together=12), member(2)))
    assert check_introducers(f, RS, TODAY) == []


def test_introducer_not_official_left_other_grassroots():
    f = dossier(
        introducers=(
            member(1, "A", official_since=None),
            member(2, "B", official_since=date(2026, 2, 1)),  # official after the letter
            member(3, "C", left_on=date(2026, 3, 1)),
            member(4, "D", same_grassroots=False),
        )
    )
    got = codes(check_introducers(f, RS, TODAY))
    assert got.count("introducer.not_official") == 2
    assert "introducer.left" in got and "introducer.other_grassroots" in got


def test_introducer_letter_missing_and_expired():
    f = dossier(introducers=(member(1, letter_date=None), member(2, letter_date=date(2025, 3, 15))))
    got = codes(check_introducers(f, RS, date(2026, 3, 16)))
    assert got == [
        "introducer.letter_missing",
        "introducer.letter_expired",
        "introducers.insufficient",
    ]
    f = dossier(introducers=(member(1), member(2, letter_date=date(2025, 3, 16))))
    assert check_introducers(f, RS, date(2026, 3, 16)) == []  # valid through the same day


def test_youth_union_route():
    p = person(birth_date=date(2000, 1, 1), youth_union_member=True)
    assert check_introducers(dossier(person=p, introducers=(union(), member(1))), RS, TODAY) == []
    # Youth Union member of youth age introduced by two members: warning only.
    assert codes(check_introducers(dossier(person=p), RS, TODAY)) == ["introducers.youth_route"]
    # Only the union: insufficient.
    assert codes(check_introducers(dossier(person=p, introducers=(union(),)), RS, TODAY)) == [
        "introducers.insufficient"
    ]


def test_youth_union_route_over_30():
    p = person(birth_date=date(1995, 1, 1), youth_union_member=True)  # 31 on TODAY
    got = codes(check_introducers(dossier(person=p, introducers=(union(), member(1))), RS, TODAY))
    assert got == ["introducers.insufficient", "introducers.youth_over_age"]


def test_youth_age_boundary_30_years():
    p = person(birth_date=date(1996, 3, 16), youth_union_member=True)  # exactly 30 on TODAY
    assert check_introducers(dossier(person=p, introducers=(union(), member(1))), RS, TODAY) == []


def test_trade_union_route():
    p = person(trade_union_member=True)
    assert (
        check_introducers(
            dossier(person=p, introducers=(union("trade_union"), member(1))), RS, TODAY
        )
        == []
    )
    got = codes(
        check_introducers(dossier(introducers=(union("trade_union"), member(1))), RS, TODAY)
    )
    assert got == ["introducer.union_not_member", "introducers.insufficient"]


def test_introducer_duplicate_and_unknown_kind():
    f = dossier(introducers=(member(1), member(1), union("women_union")))
    got = codes(check_introducers(f, RS, TODAY))
    assert "introducer.duplicate" in got and "introducer.unknown_kind" in got
    assert "introducers.insufficient" in got


# --- votes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "members,need", [(1, 1), (3, 2), (5, 4), (6, 4), (9, 6), (10, 7), (11, 8), (30, 20)]
)
def test_votes_required(members, need):
    assert votes_required(members, RS) == need


def test_vote_nine_members_six_votes():
    assert check_vote(dossier(cell_vote=vote(9, 6)), RS, TODAY) == []
    [f] = check_vote(dossier(cell_vote=vote(9, 5)), RS, TODAY)
    assert f.code == "vote.below_two_thirds" and "cần ít nhất 6" in f.message


def test_vote_eleven_members_needs_eight():
    assert check_vote(dossier(cell_vote=vote(11, 8)), RS, TODAY) == []
    assert codes(check_vote(dossier(cell_vote=vote(11, 7)), RS, TODAY)) == ["vote.below_two_thirds"]


def test_vote_counts_official_members_not_present():
    # 8 of 9 present, 6 in favour: enough (2/3 of 9 official members).
    assert check_vote(dossier(cell_vote=vote(9, 6, present=8, against=2)), RS, TODAY) == []
    # 6 present all in favour of 10: 6 < 7.
    assert codes(check_vote(dossier(cell_vote=vote(10, 6, present=6)), RS, TODAY)) == [
        "vote.below_two_thirds"
    ]


def test_vote_inconsistent_or_missing():
    assert codes(check_vote(dossier(cell_vote=vote(9, 6, present=10)), RS, TODAY)) == [
        "vote.inconsistent"
    ]
    assert codes(check_vote(dossier(cell_vote=vote(9, 6, present=7, against=2)), RS, TODAY)) == [
        "vote.inconsistent"
    ]
    assert codes(check_vote(dossier(cell_vote=vote(0, 0)), RS, TODAY)) == ["vote.inconsistent"]
    assert codes(check_vote(dossier(), RS, TODAY)) == ["vote.missing"]
    f = dossier(recognition_vote=vote(9, 5))
    assert codes(check_vote(f, RS, TODAY, Step.RECOGNITION_CELL_RESOLUTION)) == [
        "vote.below_two_thirds"
    ]


def test_failed_votes():
    f = dossier(failed_votes={Step.CELL_RESOLUTION: 3})
    [w] = check_failed_votes(f, RS, TODAY)
    assert w.severity is Severity.WARNING
    assert check_failed_votes(dossier(failed_votes={Step.CELL_RESOLUTION: 2}), RS, TODAY) == []
    f = dossier(
        stage=Stage.PROBATIONARY,
        failed_votes={Step.RECOGNITION_CELL_RESOLUTION: 3, Step.CELL_RESOLUTION: 5},
    )
    [e] = check_failed_votes(f, RS, TODAY)
    assert e.code == "votes.recognition_failed_repeatedly" and e.severity is Severity.ERROR


# --- papers -----------------------------------------------------------------------------


def test_papers_complete():
    assert check_papers(dossier(), RS, TODAY) == []
    assert check_papers_fresh(dossier(), RS, TODAY) == []


def test_papers_missing_and_verification():
    f = dossier(
        papers=(
            PaperFacts("application", date(2026, 1, 5)),
            PaperFacts("personal_history", None),
            PaperFacts("verification", date(2026, 2, 1), subject="bố", result=None),
            PaperFacts("verification", date(2026, 2, 1), subject="mẹ", result="issue"),
        )
    )
    got = check_papers(f, RS, TODAY)
    assert codes(got) == [
        "papers.missing",
        "papers.missing",
        "papers.verification_pending",
        "papers.verification_issue",
    ]
    assert got[0].message == "Hồ sơ còn thiếu: Lý lịch của người xin vào Đảng."
    assert "(bố)" in got[2].message


def test_papers_expire_after_12_months():
    f = dossier(papers=(PaperFacts("comments", date(2025, 3, 16)),))
    assert check_papers_fresh(f, RS, date(2026, 3, 16)) == []
    assert codes(check_papers_fresh(f, RS, date(2026, 3, 17))) == ["papers.expired"]
    # Letters given as papers are ignored when the introducers are recorded…
    old_letter = PaperFacts("introducer_letter", date(2024, 1, 1))
    assert check_papers_fresh(dossier(papers=(old_letter,)), RS, TODAY) == []
    # …and checked when they are not.
    assert codes(check_papers_fresh(dossier(papers=(old_letter,), introducers=()), RS, TODAY)) == [
        "papers.expired"
    ]


# --- mentors, readmission -----------------------------------------------------------------


def test_mentors():
    assert check_mentors(dossier(), RS, TODAY) == []
    f = dossier(mentors=(mentor(official_since=date(2024, 9, 1)),))
    assert codes(check_mentors(f, RS, TODAY)) == ["mentor.not_official"]
    f = dossier(mentors=(mentor(left_on=date(2026, 1, 1)),))
    assert codes(check_mentors(f, RS, TODAY)) == ["mentor.left", "mentor.none"]
    f = dossier(mentors=(mentor(end=date(2025, 1, 1)),))
    assert codes(check_mentors(f, RS, TODAY)) == ["mentor.none"]
    assert check_mentors(dossier(stage=Stage.CELL_RESOLVED, mentors=()), RS, TODAY) == []


def test_readmission():
    p = person(official_since=date(2010, 1, 1), left_on=date(2023, 3, 17))
    assert codes(check_readmission(dossier(person=p), RS, TODAY)) == ["readmission.too_soon"]
    p = person(official_since=date(2010, 1, 1), left_on=date(2023, 3, 16))
    assert codes(check_readmission(dossier(person=p), RS, TODAY)) == ["readmission.needs_consent"]
    assert check_readmission(dossier(), RS, TODAY) == []


# --- ceremony, recognition ------------------------------------------------------------------


def test_ceremony_within_30_working_days():
    decided = dossier(
        stage=Stage.ADMISSION_DECIDED, step_dates={Step.ADMISSION_DECISION: date(2026, 1, 5)}
    )
    due = CAL.add_working_days(date(2026, 1, 5), 30)
    assert check_ceremony(decided, RS, due, CAL) == []
    assert codes(check_ceremony(decided, RS, date(2026, 3, 2), CAL)) == [
        "ceremony.late_needs_consent"
    ]
    consented = replace(decided, ceremony_consent=True)
    assert codes(check_ceremony(consented, RS, date(2026, 3, 2), CAL)) == [
        "ceremony.late_with_consent"
    ]
    ev = evaluate(decided, CAL, date(2026, 3, 2))
    assert codes(ev.blockers) == ["ceremony.late_needs_consent"]
    assert evaluate(consented, CAL, date(2026, 3, 2)).blockers == []


def test_recognition_effective_date():
    f = dossier(stage=Stage.PROBATIONARY, step_dates={Step.CEREMONY: date(2024, 2, 29)})
    assert recognition_effective_date(f) == date(2025, 2, 28)
    f = dossier(stage=Stage.PROBATIONARY, step_dates={Step.CEREMONY: date(2025, 3, 10)})
    assert recognition_effective_date(f) == date(2026, 3, 10)
    assert recognition_effective_date(dossier()) is None


def test_recognition_conditions():
    f = dossier(
        stage=Stage.NEW_MEMBER_TRAINED,
        step_dates={Step.CEREMONY: date(2025, 3, 10), Step.NEW_MEMBER_CLASS: date(2025, 6, 1)},
        new_member_class_date=date(2025, 6, 1),
    )
    assert check_recognition(f, RS, date(2026, 3, 10)) == []
    assert codes(check_recognition(f, RS, date(2026, 3, 9))) == ["recognition.too_early"]
    g = replace(f, stage=Stage.PROBATIONARY, new_member_class_date=None)
    assert codes(check_recognition(g, RS, date(2026, 3, 10))) == ["recognition.no_new_member_class"]
    ev = evaluate(f, CAL, date(2026, 3, 9))
    assert codes(ev.blockers) == ["recognition.too_early"]
    assert ev.next_step is Step.RECOGNITION_CELL_RESOLUTION


# --- deadlines --------------------------------------------------------------------------


def test_deadlines_use_the_rule_set_of_the_starting_step():
    f = dossier(
        stage=Stage.PROBATIONARY,
        step_dates={
            Step.CELL_RESOLUTION: date(2024, 12, 2),
            Step.ADMISSION_DECISION: date(2025, 2, 10),
            Step.CEREMONY: date(2025, 7, 15),
        },
        awareness_certificate_date=date(2023, 1, 1),
    )
    by = {d.code: d for d in deadlines(f, CAL)}
    assert by["decision_due"].citation.document == "QĐ 24-QĐ/TW (2021)"
    assert by["decision_due"].due == CAL.add_working_days(date(2024, 12, 2), 60)
    assert by["decision_due"].done_on == date(2025, 2, 10)
    assert by["ceremony_due"].citation.document == "QĐ 232-QĐ/TW (2025)"
    assert by["ceremony_due"].done_on == date(2025, 7, 15)
    assert by["ceremony_due"].was_late
    assert by["probation_end"].due == date(2026, 7, 15)
    assert by["probation_end"].citation == QD294_2025.cite("probation_months")
    assert by["recognition_cell_due"].due == CAL.add_working_days(date(2026, 7, 15), 30)
    assert by["recognition_cell_due"].done_on is None
    assert by["certificate_expiry"].due == date(2028, 1, 1)
    assert by["certificate_expiry"].done_on == date(2024, 12, 2)
    assert by["papers_expiry"].done_on == date(2024, 12, 2)
    assert "recognition_decision_due" not in by


def test_decision_extension_adds_30_working_days():
    f = dossier(
        stage=Stage.GRASSROOTS_RESOLVED, step_dates={Step.CELL_RESOLUTION: date(2025, 12, 20)}
    )
    [d] = [d for d in deadlines(f, CAL) if d.code == "decision_due"]
    assert d.due == date(2026, 3, 23)
    [e] = [
        d for d in deadlines(replace(f, decision_extended=True), CAL) if d.code == "decision_due"
    ]
    assert e.due == CAL.add_working_days(date(2026, 3, 23), 30)


def test_exit_closes_open_deadlines():
    f = dossier(
        stage=Stage.WITHDRAWN,
        step_dates={Step.CELL_RESOLUTION: date(2026, 1, 5), Step.WITHDRAWN: date(2026, 2, 2)},
    )
    assert all(d.done_on is not None for d in deadlines(f, CAL))
    assert evaluate(f, CAL, TODAY).findings == []
    assert evaluate(f, CAL, TODAY).next_step is None


def test_recognition_decision_deadline():
    f = dossier(
        stage=Stage.RECOGNITION_CELL_RESOLVED,
        step_dates={
            Step.CEREMONY: date(2025, 3, 10),
            Step.RECOGNITION_CELL_RESOLUTION: date(2026, 3, 12),
        },
        new_member_class_date=date(2025, 6, 1),
        recognition_vote=vote(9, 7),
    )
    by = {d.code: d for d in deadlines(f, CAL)}
    assert by["recognition_cell_due"].done_on == date(2026, 3, 12)
    assert by["recognition_decision_due"].due == CAL.add_working_days(date(2026, 3, 12), 30)
    ev = evaluate(f, CAL, TODAY)
    assert ev.blockers == []
    assert "recognition.effective_date" in codes(ev.findings)
    assert ev.next_deadline == by["recognition_decision_due"]
    late = evaluate(f, CAL, date(2026, 6, 1))
    assert "recognition_decision_due.overdue" in codes(late.findings)


# --- evaluate ---------------------------------------------------------------------------


def test_evaluate_complete_dossier_has_no_blockers():
    ev = evaluate(dossier(), CAL, TODAY)
    assert ev.blockers == []
    assert ev.findings == []
    assert ev.next_step is Step.CELL_RESOLUTION


def test_evaluate_dossier_blockers():
    f = dossier(
        person=person(birth_date=date(2008, 6, 1)),
        awareness_certificate_date=None,
        introducers=(member(1, "Nguyễn Văn B", months_together=8),),
        papers=(),
    )
    ev = evaluate(f, CAL, TODAY)
    got = codes(ev.blockers)
    for code in (
        "age.too_young",
        "certificate.missing",
        "introducer.too_short",
        "introducers.insufficient",
        "papers.missing",
    ):
        assert code in got
    assert all(b.severity is Severity.ERROR for b in ev.blockers)


def test_evaluate_after_cell_uses_the_cell_date():
    # Age 18 reached before the cell date; the vote fails two thirds.
    f = dossier(
        stage=Stage.CELL_RESOLVED,
        person=person(birth_date=date(2008, 1, 10)),
        step_dates={Step.CELL_RESOLUTION: date(2026, 1, 12)},
        cell_vote=vote(9, 5),
    )
    ev = evaluate(f, CAL, TODAY)
    assert codes(ev.blockers) == ["vote.below_two_thirds"]
    assert ev.next_step is Step.GRASSROOTS_RESOLUTION
    assert ev.next_deadline.code == "decision_due"
    assert (
        evaluate(replace(f, has_partial_committee=True), CAL, TODAY).next_step
        is Step.PARTIAL_APPRAISAL
    )
    assert (
        evaluate(replace(f, cell_is_grassroots=True), CAL, TODAY).next_step
        is Step.ADMISSION_DECISION
    )


def test_evaluate_decision_overdue_warning():
    f = dossier(
        stage=Stage.GRASSROOTS_RESOLVED,
        step_dates={Step.CELL_RESOLUTION: date(2025, 10, 1)},
        cell_vote=vote(9, 9),
    )
    ev = evaluate(f, CAL, TODAY)
    [w] = [x for x in ev.findings if x.code == "decision_due.overdue"]
    assert w.severity is Severity.WARNING and w not in ev.blockers


@pytest.mark.parametrize(
    "stage,step",
    [
        (Stage.SOURCE, Step.SYMPATHISER),
        (Stage.SYMPATHISER, Step.AWARENESS_CLASS),
        (Stage.AWARENESS_TRAINED, Step.DOSSIER_PAPER),
        (Stage.PARTIAL_APPRAISED, Step.GRASSROOTS_RESOLUTION),
        (Stage.ADMISSION_DECIDED, Step.CEREMONY),
        (Stage.PROBATIONARY, Step.NEW_MEMBER_CLASS),
        (Stage.OFFICIAL, Step.PARTY_CARD),
        (Stage.CARD_ISSUED, None),
    ],
)
def test_next_step(stage, step):
    assert next_step(dossier(stage=stage)) is step


def test_evaluate_every_stage_runs():
    for stage in Stage:
        ev = evaluate(dossier(stage=stage), CAL, TODAY)
        assert set(ev.blockers) <= set(ev.findings)


def test_rule_set_changes_citation_not_value():
    f = dossier(person=person(education="primary"))
    assert check_education(f, QD24_2021, TODAY)[0].citation.document == "QĐ 24-QĐ/TW (2021)"
    assert check_education(f, QD232_2025, TODAY)[0].citation.document == "QĐ 232-QĐ/TW (2025)"


def test_speed_20000_candidacies():
    import time

    facts = [
        dossier(),
        dossier(
            stage=Stage.CELL_RESOLVED,
            step_dates={Step.CELL_RESOLUTION: date(2026, 1, 12)},
            cell_vote=vote(9, 7),
        ),
        dossier(stage=Stage.PROBATIONARY, step_dates={Step.CEREMONY: date(2025, 3, 10)}),
    ]
    evaluate(facts[0], CAL, TODAY)
    t = time.perf_counter()
    for i in range(6000):
        evaluate(facts[i % 3], CAL, TODAY)
    per = (time.perf_counter() - t) / 6000
    assert per < 0.001


# --- introducers: letters replaced, letters not counted (Điều lệ Đảng Điều 4 khoản 1; HD 01 mục 3)


def test_a_bad_letter_does_not_block_when_two_valid_introducers_are_recorded():
    """Điều lệ Đảng, Điều 4 khoản 1: two official members who qualify introduce. A third letter
    from a member who does not qualify is not counted: a warning that says so and which record
    to correct, not an error that blocks the vote."""
    bad = member(3, "Phạm Văn E", months_together=6, event_id=31)
    f = dossier(introducers=(bad, member(1, event_id=32), member(2, "Lê Văn D", event_id=33)))
    [finding] = check_introducers(f, RS, TODAY)
    assert finding.code == "introducer.too_short"
    assert finding.severity is Severity.WARNING
    assert finding.event_id == 31
    assert "không được tính vào số người giới thiệu" in finding.message
    assert str(finding.citation) == str(RS.cite("introducer_min_months"))


def test_a_bad_letter_blocks_while_the_valid_ones_are_not_enough():
    bad = member(3, "Phạm Văn E", months_together=6, event_id=31)
    got = check_introducers(dossier(introducers=(bad, member(1, event_id=32))), RS, TODAY)
    assert [(f.code, f.severity, f.event_id) for f in got] == [
        ("introducer.too_short", Severity.ERROR, 31),
        ("introducers.insufficient", Severity.ERROR, None),
    ]
    assert got[1].paper_kind == "introducer_letter"  # what to record to get out
    assert got[1].citation == RS.cite("introducers_required")


def test_a_letter_made_again_replaces_the_expired_one():
    """HD 01-HD/TW mục 3: an expired letter "phải làm lại"; the new letter of the same member
    replaces the old one, which is neither checked nor a duplicate."""
    old = member(1, letter_date=date(2024, 12, 1), event_id=11)
    new = member(1, letter_date=date(2026, 2, 1), event_id=12)
    got = check_introducers(dossier(introducers=(old, member(2, "Lê Văn D"), new)), RS, TODAY)
    assert [(f.code, f.severity, f.event_id) for f in got] == [
        ("introducer.replaced", Severity.INFO, 11)
    ]
    # Before the new letter: the expired one says what to record and which event it is.
    [expired, insufficient] = check_introducers(
        dossier(introducers=(old, member(2, "Lê Văn D"))), RS, TODAY
    )
    assert (expired.code, expired.event_id, expired.paper_kind) == (
        "introducer.letter_expired",
        11,
        "introducer_letter",
    )
    assert insufficient.code == "introducers.insufficient"


def test_the_same_letter_recorded_twice_is_a_warning_on_the_extra_record():
    first, again = member(1, event_id=11), member(1, event_id=12)
    got = check_introducers(dossier(introducers=(first, again, member(2, "Lê Văn D"))), RS, TODAY)
    assert [(f.code, f.severity, f.event_id) for f in got] == [
        ("introducer.duplicate", Severity.WARNING, 11)
    ]


def test_a_new_union_resolution_replaces_the_old_one():
    p = person(birth_date=date(2000, 1, 1), youth_union_member=True)
    old = union(letter_date=date(2024, 12, 1), event_id=21)
    new = union(letter_date=date(2026, 2, 1), event_id=22)
    got = check_introducers(dossier(person=p, introducers=(old, new, member(1))), RS, TODAY)
    assert codes(got) == ["introducer.replaced"]


def test_comments_made_again_replace_the_expired_ones():
    """HD 01-HD/TW mục 3: the summary of comments "phải làm lại" after 12 months; the new one
    counts, the old one is not reported."""
    old = PaperFacts("comments", date(2024, 12, 1), event_id=41)
    [expired] = check_papers_fresh(dossier(papers=(old,)), RS, TODAY)
    assert (expired.code, expired.event_id, expired.paper_kind) == (
        "papers.expired",
        41,
        "comments",
    )
    new = PaperFacts("comments", date(2026, 2, 1), event_id=42)
    assert check_papers_fresh(dossier(papers=(old, new)), RS, TODAY) == []


def test_a_verification_concluded_later_replaces_the_pending_one():
    pending = PaperFacts("verification", date(2026, 1, 5), subject="applicant", event_id=51)
    f = dossier(papers=(*GOOD_PAPERS[:2], pending, GOOD_PAPERS[3]))
    [finding] = check_papers(f, RS, TODAY)
    assert (finding.code, finding.event_id) == ("papers.verification_pending", 51)
    assert check_papers(dossier(papers=(pending, *GOOD_PAPERS)), RS, TODAY) == []


def test_missing_papers_name_the_paper_to_record():
    f = dossier(papers=GOOD_PAPERS[1:])
    [finding] = check_papers(f, RS, TODAY)
    assert (finding.code, finding.paper_kind) == ("papers.missing", "application")


def test_a_vote_below_two_thirds_names_its_event():
    f = dossier(stage=Stage.CELL_RESOLVED, cell_vote=VoteFacts(9, 9, 5, 4, event_id=61))
    [finding] = check_vote(f, RS, TODAY)
    assert (finding.code, finding.event_id) == ("vote.below_two_thirds", 61)


def test_the_expiry_deadline_follows_the_letter_made_again():
    old = member(1, letter_date=date(2024, 12, 1))
    new = member(1, letter_date=date(2026, 2, 1))
    f = dossier(introducers=(old, member(2, "Lê Văn D"), new))
    [papers] = [d for d in deadlines(f, CAL) if d.code == "papers_expiry"]
    assert papers.due == date(2027, 1, 10)  # member 2's letter of 10/01/2026, not the old one
