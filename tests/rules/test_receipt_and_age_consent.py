"""The ceremony counted from the day the cell receives the decision; an applicant over 60 with
the written consent; citations whose sub-item is unverified."""

from dataclasses import replace
from datetime import date

from ptdv.rules.checks import check_age, check_ceremony, deadlines, evaluate
from ptdv.rules.checks.probation import FROM_DECISION_DATE, ceremony_start
from ptdv.rules.dossier import ItemStatus, checklist
from ptdv.rules.facts import PAPER_LABELS, PaperFacts, paper_description
from ptdv.rules.findings import SUB_ITEM_UNVERIFIED, Citation, Severity
from ptdv.rules.rulesets import QD24_2021, QD232_2025, QD294_2025, RULE_SETS
from ptdv.rules.stages import Stage, Step

from .factories import CAL, GOOD_PAPERS, TODAY, dossier, person

RS = QD294_2025
DECIDED_ON = date(2026, 1, 5)
RECEIVED_ON = date(2026, 1, 12)


def codes(findings):
    return [f.code for f in findings]


def decided(**kw):
    base = dossier(stage=Stage.ADMISSION_DECIDED, step_dates={Step.ADMISSION_DECISION: DECIDED_ON})
    return replace(base, **kw)


def ceremony_deadline(facts):
    [dl] = [d for d in deadlines(facts, CAL) if d.code == "ceremony_due"]
    return dl


# --- the ceremony: 30 working days from the day the cell receives the decision ---------------
# QĐ 294-QĐ/TW (and QĐ 24, QĐ 232) mục 4.1: "Trong thời hạn 30 ngày làm việc, kể từ ngày nhận
# được quyết định kết nạp đảng viên của cấp ủy có thẩm quyền, chi bộ phải tổ chức lễ kết nạp".


def test_ceremony_deadline_runs_from_the_receipt_when_recorded():
    facts = decided(decision_received_on=RECEIVED_ON)
    assert ceremony_start(facts) == (RECEIVED_ON, True)
    dl = ceremony_deadline(facts)
    assert dl.due == CAL.add_working_days(RECEIVED_ON, 30)
    assert dl.label == "Chi bộ tổ chức lễ kết nạp"
    assert str(dl.citation) == "QĐ 294-QĐ/TW (2025), mục 4.1"


def test_ceremony_deadline_from_the_decision_says_so_when_no_receipt():
    facts = decided()
    assert ceremony_start(facts) == (DECIDED_ON, False)
    dl = ceremony_deadline(facts)
    assert dl.due == CAL.add_working_days(DECIDED_ON, 30)
    assert dl.label == (
        "Chi bộ tổ chức lễ kết nạp (tính từ ngày ra quyết định vì chưa ghi ngày nhận)"
    )
    assert FROM_DECISION_DATE in dl.label


def test_a_receipt_before_the_decision_is_not_used():
    facts = decided(decision_received_on=date(2026, 1, 2))
    assert ceremony_start(facts) == (DECIDED_ON, False)


def test_no_ceremony_deadline_before_the_decision():
    assert ceremony_start(dossier()) is None
    assert "ceremony_due" not in codes(deadlines(dossier(), CAL))


def test_late_ceremony_counted_from_the_receipt():
    from_decision = CAL.add_working_days(DECIDED_ON, 30)
    from_receipt = CAL.add_working_days(RECEIVED_ON, 30)
    day_after = CAL.add_working_days(from_decision, 1)
    assert from_decision < day_after <= from_receipt
    received = decided(decision_received_on=RECEIVED_ON)
    assert check_ceremony(received, RS, day_after, CAL) == []
    assert evaluate(received, CAL, day_after).blockers == []

    [late] = check_ceremony(decided(), RS, day_after, CAL)
    assert late.code == "ceremony.late_needs_consent"
    assert "tính từ ngày ra quyết định vì chưa ghi ngày nhận" in late.message
    assert "05/01/2026" in late.message

    after_receipt_due = CAL.add_working_days(from_receipt, 1)
    [late] = check_ceremony(received, RS, after_receipt_due, CAL)
    assert "kể từ ngày chi bộ nhận quyết định kết nạp (12/01/2026)" in late.message
    assert FROM_DECISION_DATE not in late.message
    assert codes(evaluate(received, CAL, after_receipt_due).blockers) == [
        "ceremony.late_needs_consent"
    ]


# --- an applicant over 60 ----------------------------------------------------------------------
# QĐ 24/232/294-QĐ/TW mục 1.1.2: "Việc kết nạp vào Đảng những người trên 60 tuổi do cấp ủy trực
# thuộc Trung ương xem xét, quyết định." HD 01-HD/TW (2021) mục 1.1 (HD 06-HD/TW (2025) carried
# over, unverified): "... được ban thường vụ cấp ủy trực thuộc Trung ương đồng ý bằng văn bản
# trước khi cấp ủy có thẩm quyền ra quyết định kết nạp."

OLD = person(birth_date=date(1960, 3, 1))  # 66 years on TODAY
CONSENT = PaperFacts(
    "over_age_consent",
    date(2026, 2, 20),
    number="123-CV/TU",
    issuer="Ban Thường vụ Tỉnh ủy Nghệ An",
)


def test_over_60_without_consent_is_refused_saying_what_is_missing():
    [finding] = check_age(dossier(person=OLD), RS, TODAY)
    assert finding.code == "age.too_old" and finding.severity is Severity.ERROR
    assert "ban thường vụ cấp ủy trực thuộc Trung ương đồng ý bằng văn bản" in finding.message
    assert PAPER_LABELS["over_age_consent"] in finding.message
    assert "số, ngày và cấp ủy ban hành" in finding.message
    assert finding.citation == RS.cite("over_max_age_needs_consent")
    assert str(finding.citation) == f"HD 06-HD/TW (2025), mục 1.1 {SUB_ITEM_UNVERIFIED}"
    assert "age.too_old" in codes(evaluate(dossier(person=OLD), CAL, TODAY).blockers)


def test_over_60_with_the_consent_recorded_is_accepted():
    facts = dossier(person=OLD, papers=(*GOOD_PAPERS, CONSENT))
    [finding] = check_age(facts, RS, TODAY)
    assert finding.code == "age.over_max_with_consent"
    assert finding.severity is Severity.INFO
    assert "số 123-CV/TU ngày 20/02/2026 của Ban Thường vụ Tỉnh ủy Nghệ An" in finding.message
    assert evaluate(facts, CAL, TODAY).blockers == []


def test_an_undated_consent_does_not_count():
    facts = dossier(person=OLD, papers=(*GOOD_PAPERS, replace(CONSENT, received_on=None)))
    assert codes(check_age(facts, RS, TODAY)) == ["age.too_old"]


def test_the_consent_is_cited_from_the_guidance_of_each_rule_set():
    assert QD24_2021.cite("over_max_age_needs_consent").document == "HD 01-HD/TW (2021)"
    assert QD232_2025.cite("over_max_age_needs_consent").document == "HD 01-HD/TW (2021)"
    assert QD294_2025.cite("over_max_age_needs_consent").document == "HD 06-HD/TW (2025)"
    assert QD24_2021.source("over_max_age_needs_consent").verified
    assert not QD294_2025.source("over_max_age_needs_consent").verified


def test_checklist_asks_for_the_consent_only_for_an_applicant_over_60():
    assert "over_age_consent" not in [i.kind for i in checklist(dossier(), TODAY).items]

    [missing] = [
        i for i in checklist(dossier(person=OLD), TODAY).items if i.kind == "over_age_consent"
    ]
    assert missing.status is ItemStatus.MISSING
    assert codes(missing.findings) == ["age.too_old"]

    facts = dossier(person=OLD, papers=(*GOOD_PAPERS, CONSENT))
    [present] = [i for i in checklist(facts, TODAY).items if i.kind == "over_age_consent"]
    assert present.status is ItemStatus.PRESENT
    assert present.received_on == date(2026, 2, 20)
    assert present.detail == "Số 123-CV/TU. Ban Thường vụ Tỉnh ủy Nghệ An"


def test_consent_paper_description_names_the_issuer():
    data = {"kind": "over_age_consent", "issuer": "Ban Thường vụ Tỉnh ủy Nghệ An"}
    assert paper_description(data) == (
        f"{PAPER_LABELS['over_age_consent']}: Ban Thường vụ Tỉnh ủy Nghệ An"
    )


# --- citations whose sub-item was not read ----------------------------------------------------


def test_unverified_sub_item_is_a_flag_of_the_citation():
    assert str(Citation("HD 01-HD/TW (2021)", "mục 3")) == "HD 01-HD/TW (2021), mục 3"
    flagged = Citation("HD 01-HD/TW (2021)", "mục 3", sub_item_unverified=True)
    assert str(flagged) == "HD 01-HD/TW (2021), mục 3 (tiểu mục chưa đối chiếu)"


def test_only_unread_sub_items_carry_the_suffix():
    for rs in RULE_SETS:
        for name in rs.rule_names():
            citation = rs.cite(name)
            assert SUB_ITEM_UNVERIFIED not in citation.article, (rs.name, name)
        assert str(rs.cite("awareness_certificate_valid_months")).endswith(SUB_ITEM_UNVERIFIED)
        assert str(rs.cite("dossier_papers_valid_months")).endswith(SUB_ITEM_UNVERIFIED)
        assert not str(rs.cite("ceremony_working_days")).endswith(SUB_ITEM_UNVERIFIED)
        assert not str(rs.cite("min_age_months")).endswith(SUB_ITEM_UNVERIFIED)


def test_qd24_recognition_sub_items_are_numbered_4_2_1_to_4_2_3():
    # QĐ 24-QĐ/TW (2021) numbers the sub-items of mục 4.2 "4.2.1.", "4.2.2.", "4.2.3." (QĐ 29
    # (2016) had a), b), c)); the later sets carry the numbering over.
    assert QD24_2021.cite("recognition_cell_working_days").article == "mục 4.2.1"
    assert QD24_2021.cite("recognition_effective_at_probation_end").article == "mục 4.2.2"
    assert QD24_2021.cite("max_failed_votes").article == "mục 4.2.3"
    assert str(QD294_2025.cite("max_failed_votes")) == "QĐ 294-QĐ/TW (2025), mục 4.2.3"
