"""The dossier checklist: present, missing, expired, per stage, with the rules' citations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ptdv.rules.dossier import ADMISSION, RECOGNITION, ItemStatus, checklist
from ptdv.rules.facts import PAPER_LABELS, PaperFacts
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import Stage, Step
from tests.rules.factories import GOOD_PAPERS, TODAY, dossier, member


def by_label(items):
    return {i.label: i for i in items}


def test_complete_dossier_is_complete():
    result = checklist(dossier(), TODAY)
    assert result.phase == ADMISSION
    assert result.on == TODAY
    assert result.complete, [(i.label, i.status, i.findings) for i in result.items]
    labels = [i.label for i in result.items]
    assert labels[0] == "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng"
    assert PAPER_LABELS["application"] in labels
    assert "Kết quả thẩm tra lý lịch (người vào Đảng)" in labels
    assert f"{PAPER_LABELS['introducer_letter']}: Nguyễn Văn B" in labels
    assert not result.missing and not result.expired and not result.problems


def test_missing_papers_carry_the_checks_message_and_citation():
    facts = dossier(papers=GOOD_PAPERS[:1], introducers=(), awareness_certificate_date=None)
    result = checklist(facts, TODAY)
    missing = by_label(result.missing)
    assert set(missing) >= {
        "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
        PAPER_LABELS["personal_history"],
        PAPER_LABELS["verification"],
        PAPER_LABELS["comments"],
        "Người giới thiệu",
    }
    history = missing[PAPER_LABELS["personal_history"]]
    rs = rule_set_for(TODAY)
    assert history.citation == rs.cite("dossier_papers_valid_months")
    assert history.findings[0].message == f"Hồ sơ còn thiếu: {PAPER_LABELS['personal_history']}."
    assert missing["Người giới thiệu"].findings[0].code == "introducers.insufficient"
    assert by_label(result.present)[PAPER_LABELS["application"]].received_on == date(2026, 1, 5)


def test_expired_comments_and_letters():
    rs = rule_set_for(TODAY)
    old = date(2024, 12, 1)  # more than 12 months before TODAY
    papers = (*GOOD_PAPERS[:3], PaperFacts("comments", old))
    facts = dossier(papers=papers, introducers=(member(1, "Nguyễn Văn B", letter_date=old),))
    result = checklist(facts, TODAY)
    expired = by_label(result.expired)
    comments = expired[PAPER_LABELS["comments"]]
    assert comments.expires_on == date(2025, 12, 1)
    assert comments.findings[0].code == "papers.expired"
    assert comments.citation == rs.cite("dossier_papers_valid_months")
    letter = expired[f"{PAPER_LABELS['introducer_letter']}: Nguyễn Văn B"]
    assert letter.findings[0].code == "introducer.letter_expired"
    # Only one member introducer: not enough.
    assert by_label(result.missing)["Người giới thiệu"].status is ItemStatus.MISSING


def test_expired_certificate_and_pending_verification_and_short_introducer():
    papers = (
        *GOOD_PAPERS[:2],
        PaperFacts("verification", date(2026, 2, 1), subject="father", result=None),
        GOOD_PAPERS[3],
    )
    facts = dossier(
        papers=papers,
        awareness_certificate_date=date(2020, 1, 1),
        introducers=(member(1, "Nguyễn Văn B", months_together=8), member(2, "Lê Văn D")),
    )
    result = checklist(facts, TODAY)
    items = by_label(result.items)
    cert = items["Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng"]
    assert cert.status is ItemStatus.EXPIRED
    assert cert.expires_on == date(2025, 1, 1)
    verification = items["Kết quả thẩm tra lý lịch (cha)"]
    assert verification.status is ItemStatus.PROBLEM
    assert verification.detail == "Kết luận: chưa có kết luận"
    short = items[f"{PAPER_LABELS['introducer_letter']}: Nguyễn Văn B"]
    assert short.status is ItemStatus.PROBLEM
    assert "chưa đủ 12 tháng" in short.findings[0].message
    assert short.citation == rule_set_for(TODAY).cite("introducer_min_months")
    assert items[f"{PAPER_LABELS['introducer_letter']}: Lê Văn D"].is_ok


def test_after_the_cell_resolution_the_papers_are_checked_on_its_date():
    cell_on = date(2026, 2, 20)
    later = date(2027, 6, 1)  # papers would have expired by then
    facts = dossier(stage=Stage.CELL_RESOLVED, step_dates={Step.CELL_RESOLUTION: cell_on})
    result = checklist(facts, later)
    assert result.on == cell_on
    assert result.complete


def test_probation_needs_the_new_member_certificate():
    facts = dossier(stage=Stage.PROBATIONARY, step_dates={Step.CEREMONY: date(2025, 4, 10)})
    result = checklist(facts, TODAY)
    assert result.phase == RECOGNITION
    assert [i.status for i in result.items] == [ItemStatus.MISSING]
    trained = replace(facts, stage=Stage.NEW_MEMBER_TRAINED, new_member_class_date=date(2025, 8, 1))
    assert checklist(trained, TODAY).complete


def test_nothing_required_once_official_or_closed():
    for stage in (Stage.OFFICIAL, Stage.CARD_ISSUED, Stage.WITHDRAWN):
        result = checklist(dossier(stage=stage), TODAY)
        assert result.phase == ""
        assert result.items == []
        assert not result.complete


def test_a_letter_made_again_is_listed_once_with_its_new_date():
    old = member(1, letter_date=date(2024, 12, 1))
    f = dossier(introducers=(old, member(2, "Lê Văn D"), member(1, letter_date=date(2026, 2, 1))))
    items = [i for i in checklist(f, TODAY).items if i.kind == "introducer_letter"]
    assert [(i.received_on, i.status.value) for i in items] == [
        (date(2026, 1, 10), "present"),
        (date(2026, 2, 1), "present"),
    ]
