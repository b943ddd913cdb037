from dataclasses import FrozenInstanceError
from datetime import date
from fractions import Fraction

import pytest

from ptdv.rules.findings import Citation
from ptdv.rules.rulesets import (
    QD24_2021,
    QD232_2025,
    QD294_2025,
    RULE_SETS,
    RuleSet,
    education_rank,
    rule_set_for,
)


def test_rule_set_for_dates():
    assert rule_set_for(date(2019, 5, 1)) is QD24_2021  # before 2021-07-30: earliest
    assert rule_set_for(date(2021, 7, 29)) is QD24_2021
    assert rule_set_for(date(2021, 7, 30)) is QD24_2021
    assert rule_set_for(date(2025, 1, 19)) is QD24_2021
    assert rule_set_for(date(2025, 1, 20)) is QD232_2025
    assert rule_set_for(date(2025, 6, 30)) is QD232_2025
    assert rule_set_for(date(2025, 7, 1)) is QD294_2025
    assert rule_set_for(date(2030, 1, 1)) is QD294_2025


def test_three_sets_in_order_with_names():
    assert [rs.effective_from for rs in RULE_SETS] == sorted(rs.effective_from for rs in RULE_SETS)
    assert QD24_2021.name == "QĐ 24-QĐ/TW (30/7/2021) và HD 01-HD/TW (28/9/2021)"
    assert QD232_2025.name == "QĐ 232-QĐ/TW (20/01/2025)"
    assert QD294_2025.name == "QĐ 294-QĐ/TW (26/5/2025) và HD 06-HD/TW (09/6/2025)"


@pytest.mark.parametrize("rs", RULE_SETS, ids=lambda rs: rs.name)
def test_every_rule_has_a_source(rs):
    assert set(rs.sources) == set(RuleSet.rule_names())
    for name in RuleSet.rule_names():
        src = rs.source(name)
        assert isinstance(src.citation, Citation) and src.citation.document
        assert isinstance(src.verified, bool)
        assert src.source


def test_values():
    for rs in RULE_SETS:
        assert rs.min_age_months == 216
        assert rs.max_age_months == 720
        assert rs.vote_fraction == Fraction(2, 3)
        assert rs.decision_working_days == 60
        assert rs.decision_extension_working_days == 30
        assert rs.ceremony_working_days == 30
        assert rs.probation_months == 12
        assert rs.recognition_cell_working_days == 30
        assert rs.recognition_decision_working_days == 30
        assert rs.readmission_min_months == 36
        assert rs.max_failed_votes == 3
        assert rs.introducer_min_months == 12


def test_citations_differ_per_set():
    docs = {rs.cite("decision_working_days").document for rs in RULE_SETS}
    assert docs == {"QĐ 24-QĐ/TW (2021)", "QĐ 232-QĐ/TW (2025)", "QĐ 294-QĐ/TW (2025)"}
    assert str(QD294_2025.cite("ceremony_working_days")) == "QĐ 294-QĐ/TW (2025), mục 4.1"
    assert QD294_2025.cite("education_min_exception").document == "HD 06-HD/TW (2025)"
    assert QD232_2025.cite("education_min_exception").document == "HD 01-HD/TW (2021)"


def test_frozen():
    with pytest.raises(FrozenInstanceError):
        QD294_2025.min_age_months = 1  # type: ignore[misc]


def test_education_rank():
    assert (
        education_rank("primary")
        < education_rank("lower_secondary")
        <= education_rank("vocational")
    )
    with pytest.raises(KeyError):
        education_rank("phd")


# --- citations read in copies of the texts (docs/rules.md, "The rules") ----------------------


def test_two_introducers_are_cited_from_charter_article_4_clause_1():
    """Điều lệ Đảng, Điều 4 khoản 1: "Người vào Đảng phải: … Được hai đảng viên chính thức giới
    thiệu" (khoản 2 is "Người giới thiệu phải …", khoản 3 the cell's responsibility)."""
    for rs in RULE_SETS:
        assert str(rs.cite("introducers_required")) == "Điều lệ Đảng (2011), Điều 4 khoản 1"
        assert rs.source("introducers_required").verified
        assert rs.introducers_required == 2
        assert rs.cite("introducer_min_months").article == "Điều 4 khoản 2"


def test_two_thirds_of_the_cells_official_members_charter_article_4_clause_3():
    """Điều lệ Đảng, Điều 4 khoản 3: "khi được ít nhất hai phần ba số đảng viên chính thức trong
    chi bộ tán thành thì đề nghị lên cấp uỷ cấp trên"."""
    for rs in RULE_SETS:
        assert str(rs.cite("vote_fraction")) == "Điều lệ Đảng (2011), Điều 4 khoản 3"
        assert rs.source("vote_fraction").verified
        assert rs.vote_fraction == Fraction(2, 3)


def test_probation_and_its_mentor_charter_article_5_clause_1():
    """Điều lệ Đảng, Điều 5 khoản 1: "thời kỳ dự bị mười hai tháng, tính từ ngày chi bộ tổ chức lễ
    kết nạp … phân công đảng viên chính thức giúp đảng viên đó tiến bộ" (khoản 2 is the
    recognition vote, not the mentor)."""
    for rs in RULE_SETS:
        assert rs.cite("probation_months").article == "Điều 5 khoản 1"
        assert rs.probation_months == 12
        mentor = rs.source("mentor_must_be_official")
        assert mentor.verified and mentor.citation.article == "Điều 4 khoản 2, Điều 5 khoản 1"
        assert "Điều 5 khoản 2" not in str(mentor.citation)


def test_hd01_2021_sub_items_read_hd06_still_carried_over():
    """HD 01-HD/TW (2021) điểm 1.1 and 1.2 of mục 1 (over 60; education in special areas) are read;
    HD 06-HD/TW (2025) is not: its over-60 citation keeps the unread-sub-item flag and its values
    stay unverified, as do the dossier papers' validity (rules 5 and 10)."""
    for rs in (QD24_2021, QD232_2025):
        consent = rs.cite("over_max_age_needs_consent")
        assert consent.document == "HD 01-HD/TW (2021)" and consent.article == "mục 1.1"
        assert not consent.sub_item_unverified
        assert rs.cite("education_min_exception").article == "mục 1.2"
    assert QD294_2025.cite("over_max_age_needs_consent").sub_item_unverified
    for rule in ("over_max_age_needs_consent", "education_min_exception"):
        assert not QD294_2025.source(rule).verified
    for rs in RULE_SETS:
        for rule in ("awareness_certificate_valid_months", "dossier_papers_valid_months"):
            assert not rs.source(rule).verified and rs.cite(rule).sub_item_unverified


def test_the_2025_sets_verified_only_where_a_2025_text_was_read():
    """QĐ 294-QĐ/TW: only readmission (mục 3.5.1) was read; the other QĐ 294 / HD 06 values are
    carried over unverified. The Charter's rules are the same in every set."""
    verified_294 = {
        name
        for name in RuleSet.rule_names()
        if QD294_2025.source(name).verified
        and QD294_2025.cite(name).document in ("QĐ 294-QĐ/TW (2025)", "HD 06-HD/TW (2025)")
    }
    assert verified_294 == {"readmission_min_months"}
    for name in RuleSet.rule_names():
        if QD24_2021.cite(name).document == "Điều lệ Đảng (2011)":
            assert QD294_2025.source(name) == QD24_2021.source(name)
