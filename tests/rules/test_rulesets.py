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
