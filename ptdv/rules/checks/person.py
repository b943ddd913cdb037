"""Conditions on the applicant: age, education, the party-awareness certificate, readmission."""

from __future__ import annotations

from datetime import date

from ptdv.rules.facts import PAPER_LABELS, CandidacyFacts, PaperFacts
from ptdv.rules.findings import Finding
from ptdv.rules.months import add_months, age_in_full_months, full_months_between
from ptdv.rules.rulesets import EDUCATION_LABELS, RuleSet, education_rank

from ._text import INFO, E, _d, _ym


def check_age(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Age of the applicant on the day the cell considers the admission.

    - From a full 18 years to a full 60 years, counted in months: 216 ≤ age in full months ≤ 720
      (so 60 years and 1 month is over) — QĐ 24/232/294-QĐ/TW, mục 1.1.1.
    - Over 60: "do cấp ủy trực thuộc Trung ương xem xét, quyết định" (mục 1.1.2); HD 01-HD/TW
      (2021) / HD 06-HD/TW (2025) mục 1.1: only with the written consent of the standing
      committee of the committee directly under the Centre, given before the competent committee
      decides. With that consent recorded (a dossier paper ``over_age_consent``, dated, with its
      number and issuing committee) the age is accepted (information); without it, an error
      that says what is missing.
    """
    months = age_in_full_months(facts.person.birth_date, on)
    out: list[Finding] = []
    if months < rule_set.min_age_months:
        reach = add_months(facts.person.birth_date, rule_set.min_age_months)
        out.append(
            Finding(
                "age.too_young",
                E,
                f"Người vào Đảng chưa đủ {rule_set.min_age_months // 12} tuổi vào ngày {_d(on)} "
                f"(mới {_ym(max(months, 0))}); đủ tuổi từ ngày {_d(reach)}.",
                rule_set.cite("min_age_months"),
            )
        )
    elif months > rule_set.max_age_months:
        out.append(_over_max_age(facts, rule_set, on, months))
    return out


def over_age_consent(facts: CandidacyFacts) -> PaperFacts | None:
    """The latest dated written consent for an applicant over 60 in the dossier, if any."""
    dated = [p for p in facts.papers if p.kind == "over_age_consent" and p.received_on]
    return max(dated, key=lambda p: p.received_on or date.min) if dated else None


def _over_max_age(facts: CandidacyFacts, rule_set: RuleSet, on: date, months: int) -> Finding:
    years = rule_set.max_age_months // 12
    consent = over_age_consent(facts) if rule_set.over_max_age_needs_consent else None
    if consent is not None and consent.received_on is not None:
        number = f" số {consent.number}" if consent.number else ""
        issuer = f" của {consent.issuer}" if consent.issuer else ""
        return Finding(
            "age.over_max_with_consent",
            INFO,
            f"Người vào Đảng đã quá {years} tuổi vào ngày {_d(on)} ({_ym(months)}); đã có văn "
            f"bản đồng ý{number} ngày {_d(consent.received_on)}{issuer}.",
            rule_set.cite("over_max_age_needs_consent"),
        )
    return Finding(
        "age.too_old",
        E,
        f"Người vào Đảng đã quá {years} tuổi vào ngày {_d(on)} ({_ym(months)}); chỉ được xem "
        "xét khi ban thường vụ cấp ủy trực thuộc Trung ương đồng ý bằng văn bản trước khi cấp ủy "
        "có thẩm quyền ra quyết định kết nạp. Hồ sơ chưa có văn bản này: ghi giấy tờ “"
        f"{PAPER_LABELS['over_age_consent']}” với số, ngày và cấp ủy ban hành.",
        rule_set.cite("over_max_age_needs_consent"),
        paper_kind="over_age_consent",
    )


def check_education(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Education of the applicant.

    - Lower-secondary diploma (THCS) or higher — QĐ 24/232/294-QĐ/TW, mục 1.2.1.
    - In mountain, border, island, ethnic-minority or especially disadvantaged areas the minimum
      is ``education_min_exception`` (primary, per HD 01-HD/TW (2021) mục 1.2) — unverified for
      HD 06-HD/TW (2025).
    """
    code = facts.person.education
    try:
        rank = education_rank(code)
    except KeyError:
        return [
            Finding(
                "education.unknown",
                E,
                f"Trình độ học vấn “{code}” không hợp lệ.",
                rule_set.cite("education_min"),
            )
        ]
    general = education_rank(rule_set.education_min)
    if rank >= general:
        return []
    label = EDUCATION_LABELS.get(code, code)
    if facts.person.in_exception_area:
        minimum = education_rank(rule_set.education_min_exception)
        if rank >= minimum:
            return [
                Finding(
                    "education.exception_applied",
                    INFO,
                    f"Trình độ {label}: áp dụng quy định riêng cho vùng miền núi, biên giới, hải "
                    "đảo, "
                    "vùng đồng bào dân tộc thiểu số, vùng đặc biệt khó khăn.",
                    rule_set.cite("education_min_exception"),
                )
            ]
        return [
            Finding(
                "education.below_exception_minimum",
                E,
                f"Trình độ học vấn ({label}) thấp hơn mức tối thiểu "
                f"({EDUCATION_LABELS[rule_set.education_min_exception]}) áp dụng cho vùng đặc "
                "biệt.",
                rule_set.cite("education_min_exception"),
            )
        ]
    return [
        Finding(
            "education.below_minimum",
            E,
            f"Người vào Đảng phải tốt nghiệp {EDUCATION_LABELS[rule_set.education_min]} trở lên "
            f"(hiện: {label}).",
            rule_set.cite("education_min"),
        )
    ]


def check_awareness_certificate(
    facts: CandidacyFacts, rule_set: RuleSet, on: date
) -> list[Finding]:
    """The party-awareness class certificate (CN-NTVĐ).

    - Required before the cell considers the admission.
    - Valid ``awareness_certificate_valid_months`` (60) months: the cell must consider the
      admission on or before ``add_months(certificate date, 60)`` — unverified (HD 01/HD 06).
    """
    cert = facts.awareness_certificate_date
    cite = rule_set.cite("awareness_certificate_valid_months")
    if cert is None:
        return [
            Finding(
                "certificate.missing",
                E,
                "Chưa có giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng.",
                cite,
            )
        ]
    if cert > on:
        return [
            Finding(
                "certificate.after_consideration",
                E,
                f"Giấy chứng nhận học lớp nhận thức về Đảng ({_d(cert)}) cấp sau ngày chi bộ xét "
                f"({_d(on)}).",
                cite,
            )
        ]
    expiry = add_months(cert, rule_set.awareness_certificate_valid_months)
    if on > expiry:
        return [
            Finding(
                "certificate.expired",
                E,
                f"Giấy chứng nhận học lớp nhận thức về Đảng cấp ngày {_d(cert)} đã hết hạn "
                f"({rule_set.awareness_certificate_valid_months} tháng, đến {_d(expiry)}); phải "
                "học lại.",
                cite,
            )
        ]
    return []


def check_readmission(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Readmission of a former member.

    - At least ``readmission_min_months`` (36) months after leaving the party
      (QĐ 24/294-QĐ/TW mục 3.5.1 b); written consent of the provincial standing committee; only
      once. Categories that may never be readmitted (mục 3.5.2) are not in the facts.
    """
    left = facts.person.left_on
    if left is None:
        return []
    cite = rule_set.cite("readmission_min_months")
    months = full_months_between(left, on)
    if months < rule_set.readmission_min_months:
        return [
            Finding(
                "readmission.too_soon",
                E,
                f"Người xin kết nạp lại mới ra khỏi Đảng {_ym(max(months, 0))} (từ {_d(left)}); "
                f"phải sau ít nhất {rule_set.readmission_min_months} tháng "
                f"(từ ngày {_d(add_months(left, rule_set.readmission_min_months))}).",
                cite,
            )
        ]
    return [
        Finding(
            "readmission.needs_consent",
            INFO,
            "Kết nạp lại: cần ban thường vụ tỉnh ủy, thành ủy (hoặc tương đương) đồng ý bằng văn "
            "bản; "
            "chỉ kết nạp lại một lần và phải qua thời gian dự bị.",
            cite,
        )
    ]
