"""The rules as pure functions over :mod:`ptdv.rules.facts` (no Django, no I/O).

Each ``check_*`` function takes ``(facts, rule_set, on)`` — ``on`` is the day the rule is
applied to (usually the day the cell considers, or considered, the matter) — and returns a list
of :class:`~ptdv.rules.findings.Finding`. :func:`deadlines` computes the deadlines from the
dates of the steps, each with the rule set in force on the date of the step that starts it.
:func:`evaluate` puts everything together for the current stage and the next step.

The rules and their sources are listed in ``docs/rules.md``; the values live in
:mod:`ptdv.rules.rulesets`.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.facts import (
    EXPIRING_PAPER_KINDS,
    PAPER_LABELS,
    REQUIRED_PAPER_KINDS,
    CandidacyFacts,
    VoteFacts,
)
from ptdv.rules.findings import Deadline, Evaluation, Finding, Severity
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.months import add_months, age_in_full_months, full_months_between
from ptdv.rules.rulesets import EDUCATION_LABELS, RuleSet, education_rank, rule_set_for
from ptdv.rules.stages import CLOSED_STAGES, Stage, Step
from ptdv.rules.stages import next_step as stages_next_step
from ptdv.rules.votes import VOTE_FIELDS, vote_errors, votes_required

__all__ = [
    "admission_checks",
    "check_age",
    "check_awareness_certificate",
    "check_ceremony",
    "check_education",
    "check_failed_votes",
    "check_introducers",
    "check_mentors",
    "check_papers",
    "check_papers_fresh",
    "check_readmission",
    "check_recognition",
    "check_vote",
    "deadlines",
    "evaluate",
    "next_step",
    "probation_end",
    "recognition_effective_date",
    "votes_required",
]

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_EXIT_STEPS = (
    Step.WITHDRAWN,
    Step.REMOVED_FROM_LIST,
    Step.NOT_RECOGNISED,
    Step.MOVED_AWAY,
    Step.DECEASED,
)


def _d(d: date) -> str:
    """A date as Vietnamese readers write it: 05/03/2026."""
    return d.strftime("%d/%m/%Y")


def _ym(months: int) -> str:
    """A duration in months as "x tuổi y tháng"-style text: "17 năm 11 tháng"."""
    y, m = divmod(months, 12)
    if y and m:
        return f"{y} năm {m} tháng"
    return f"{y} năm" if y else f"{m} tháng"


def _official_on(official_since: date | None, left_on: date | None, d: date) -> bool:
    return official_since is not None and official_since <= d and (left_on is None or left_on > d)


# --- conditions on the applicant ------------------------------------------------------------


def check_age(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Age of the applicant on the day the cell considers the admission.

    - From a full 18 years to a full 60 years, counted in months: 216 ≤ age in full months ≤ 720
      (so 60 years and 1 month is over) — QĐ 24/232/294-QĐ/TW, mục 1.1.1.
    - Over 60: only by the committee directly under the Centre — mục 1.1.2; reported as an error
      that the competent committee must lift with that written consent.
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
        out.append(
            Finding(
                "age.too_old",
                E,
                f"Người vào Đảng đã quá {rule_set.max_age_months // 12} tuổi vào ngày {_d(on)} "
                f"({_ym(months)}); chỉ được xem xét khi ban thường vụ cấp ủy trực thuộc Trung ương "
                "đồng ý bằng văn bản.",
                rule_set.cite("max_age_months"),
            )
        )
    return out


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


# --- introducers --------------------------------------------------------------------------

_KIND_LABELS = {
    "member": gettext_noop("đảng viên chính thức"),
    "youth_union": gettext_noop("Ban Chấp hành Đoàn cơ sở"),
    "trade_union": gettext_noop("Ban Chấp hành Công đoàn cơ sở"),
}


def check_introducers(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """The introducers of the applicant, on the day the cell considers the admission.

    - Two official members; or, for a Youth Union member of youth age (≤ 30 years), the
      grassroots Youth Union committee plus one official member; or, where there is no Youth
      Union, the grassroots Trade Union committee plus one official member (Điều lệ Đảng, Điều 4
      khoản 2; QĐ mục 3).
    - A member introducer must be an official member (on the date of the letter and on ``on``)
      and have worked, studied or lived with the applicant ≥ 12 months under the same grassroots
      organisation (Điều lệ Đảng, Điều 4 khoản 2: "ít nhất một năm").
    - The letter / union resolution expires ``dossier_papers_valid_months`` (12) months after its
      date if the cell has not considered the dossier (unverified; HD 01/HD 06).
    """
    p = facts.person
    out: list[Finding] = []
    cite_n = rule_set.cite("introducers_required")
    cite_m = rule_set.cite("introducer_min_months")
    cite_p = rule_set.cite("dossier_papers_valid_months")
    seen: set[tuple[str, int]] = set()
    members = youth = trade = 0
    for intro in facts.introducers:
        key = (intro.kind, intro.person_id)
        if key in seen:
            out.append(
                Finding(
                    "introducer.duplicate",
                    E,
                    f"Người giới thiệu {intro.name} được ghi hai lần.",
                    cite_n,
                )
            )
            continue
        seen.add(key)
        if intro.kind == "member":
            members += 1
            when = intro.letter_date or on
            if not _official_on(intro.official_since, None, min(when, on)):
                out.append(
                    Finding(
                        "introducer.not_official",
                        E,
                        f"Người giới thiệu {intro.name} chưa là đảng viên chính thức khi giới "
                        "thiệu.",
                        cite_m,
                    )
                )
            if intro.left_on is not None and intro.left_on <= on:
                out.append(
                    Finding(
                        "introducer.left",
                        E,
                        f"Người giới thiệu {intro.name} đã ra khỏi Đảng hoặc chuyển đi từ ngày "
                        f"{_d(intro.left_on)}.",
                        cite_m,
                    )
                )
            if intro.months_together < rule_set.introducer_min_months:
                out.append(
                    Finding(
                        "introducer.too_short",
                        E,
                        f"Người giới thiệu {intro.name} chưa đủ {rule_set.introducer_min_months} "
                        "tháng "
                        f"cùng công tác với người vào Đảng (mới {intro.months_together} tháng).",
                        cite_m,
                    )
                )
            if not intro.same_grassroots:
                out.append(
                    Finding(
                        "introducer.other_grassroots",
                        E,
                        f"Người giới thiệu {intro.name} không cùng tổ chức cơ sở đảng với người "
                        "vào Đảng.",
                        cite_m,
                    )
                )
            doc = "Giấy giới thiệu"
        elif intro.kind in ("youth_union", "trade_union"):
            if intro.kind == "youth_union":
                youth += 1
                if not p.youth_union_member:
                    out.append(
                        Finding(
                            "introducer.union_not_member",
                            E,
                            "Người vào Đảng không là đoàn viên nên Ban Chấp hành Đoàn cơ sở "
                            "không thể giới thiệu.",
                            cite_n,
                        )
                    )
            else:
                trade += 1
                if not p.trade_union_member:
                    out.append(
                        Finding(
                            "introducer.union_not_member",
                            E,
                            "Người vào Đảng không là đoàn viên công đoàn nên Ban Chấp hành Công "
                            "đoàn cơ sở "
                            "không thể giới thiệu.",
                            cite_n,
                        )
                    )
            doc = "Nghị quyết giới thiệu"
        else:
            out.append(
                Finding(
                    "introducer.unknown_kind",
                    E,
                    f"Loại người giới thiệu “{intro.kind}” không hợp lệ.",
                    cite_n,
                )
            )
            continue
        who = intro.name if intro.kind == "member" else _KIND_LABELS[intro.kind]
        if intro.letter_date is None:
            out.append(
                Finding("introducer.letter_missing", E, f"Chưa có {doc.lower()} của {who}.", cite_n)
            )
        else:
            expiry = add_months(intro.letter_date, rule_set.dossier_papers_valid_months)
            if on > expiry:
                out.append(
                    Finding(
                        "introducer.letter_expired",
                        E,
                        f"{doc} của {who} ngày {_d(intro.letter_date)} đã quá "
                        f"{rule_set.dossier_papers_valid_months} tháng (hết hạn {_d(expiry)}); "
                        "phải làm lại.",
                        cite_p,
                    )
                )
    youth_age = age_in_full_months(p.birth_date, on) <= rule_set.youth_max_age_months
    ok = (
        members >= rule_set.introducers_required
        or (youth >= 1 and members >= 1 and p.youth_union_member and youth_age)
        or (trade >= 1 and members >= 1 and p.trade_union_member)
    )
    if not ok:
        out.append(
            Finding(
                "introducers.insufficient",
                E,
                "Chưa đủ người giới thiệu: cần hai đảng viên chính thức, hoặc Ban Chấp hành Đoàn "
                "cơ sở "
                "(với đoàn viên trong độ tuổi thanh niên) hay Ban Chấp hành Công đoàn cơ sở cùng "
                "một đảng "
                f"viên chính thức (hiện có {members} đảng viên"
                + (", Đoàn cơ sở" if youth else "")
                + (", Công đoàn cơ sở" if trade else "")
                + ").",
                cite_n,
            )
        )
    elif p.youth_union_member and youth_age and youth == 0:
        out.append(
            Finding(
                "introducers.youth_route",
                W,
                "Người vào Đảng là đoàn viên trong độ tuổi thanh niên: theo Điều lệ Đảng cần Ban "
                "Chấp hành "
                "Đoàn cơ sở và một đảng viên chính thức giới thiệu.",
                cite_n,
            )
        )
    if youth and not youth_age:
        out.append(
            Finding(
                "introducers.youth_over_age",
                W,
                f"Người vào Đảng đã quá độ tuổi thanh niên ({rule_set.youth_max_age_months // 12} "
                "tuổi): "
                "Ban Chấp hành Đoàn cơ sở không còn là người giới thiệu phù hợp.",
                cite_n,
            )
        )
    return out


# --- dossier papers -----------------------------------------------------------------------


def check_papers(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers the dossier must hold before the cell votes (HD 01/HD 06, mục 3; HD 12-HD/BTCTW).

    - Application (1-KNĐ), personal history (2-KNĐ), verification of the personal history,
      summary of comments (5-KNĐ) — missing or undated papers are errors.
    - A verification still pending (``result is None``) is an error; one with an issue found is
      a warning for the cell and the committee to weigh.
    - Introducers' letters and union resolutions: see :func:`check_introducers`.
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    present = {p.kind for p in facts.papers if p.received_on is not None}
    for kind in REQUIRED_PAPER_KINDS:
        if kind not in present:
            out.append(
                Finding("papers.missing", E, f"Hồ sơ còn thiếu: {PAPER_LABELS[kind]}.", cite)
            )
    for paper in facts.papers:
        if paper.kind != "verification" or paper.received_on is None:
            continue
        subject = f" ({paper.subject})" if paper.subject else ""
        if paper.result is None:
            out.append(
                Finding(
                    "papers.verification_pending",
                    E,
                    f"Thẩm tra lý lịch{subject} chưa có kết luận.",
                    cite,
                )
            )
        elif paper.result == "issue":
            out.append(
                Finding(
                    "papers.verification_issue",
                    W,
                    f"Thẩm tra lý lịch{subject} phát hiện vấn đề cần chi bộ và cấp ủy xem xét.",
                    cite,
                )
            )
    return out


def check_papers_fresh(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Papers that expire if the cell has not considered the dossier in time.

    - Comments (and, when no introducers are recorded, letters and union resolutions given as
      papers) are valid ``dossier_papers_valid_months`` (12) months from their date: the cell
      must consider the dossier on or before ``add_months(date, 12)`` (unverified; HD 01/HD 06).
    - Letters of recorded introducers are checked by :func:`check_introducers`.
    """
    cite = rule_set.cite("dossier_papers_valid_months")
    out: list[Finding] = []
    for paper in facts.papers:
        if paper.kind not in EXPIRING_PAPER_KINDS or paper.received_on is None:
            continue
        if paper.kind != "comments" and facts.introducers:
            continue
        expiry = add_months(paper.received_on, rule_set.dossier_papers_valid_months)
        if on > expiry:
            out.append(
                Finding(
                    "papers.expired",
                    E,
                    f"{PAPER_LABELS[paper.kind]} ngày {_d(paper.received_on)} đã quá "
                    f"{rule_set.dossier_papers_valid_months} tháng (hết hạn {_d(expiry)}) mà chi "
                    "bộ "
                    "chưa xét; phải làm lại.",
                    cite,
                )
            )
    return out


# --- votes --------------------------------------------------------------------------------


def check_vote(
    facts: CandidacyFacts, rule_set: RuleSet, on: date, step: Step = Step.CELL_RESOLUTION
) -> list[Finding]:
    """A cell vote (admission or recognition).

    - At least two thirds of the cell's *official* members (not of those present) must approve
      (Điều lệ Đảng, Điều 4 khoản 3 and Điều 5; QĐ mục 4.2 c): 9 members → 6, 11 → 8.
    - The numbers must be consistent: present ≤ members, for + against ≤ present.
    """
    vote: VoteFacts | None = (
        facts.cell_vote if step is Step.CELL_RESOLUTION else facts.recognition_vote
    )
    cite = rule_set.cite("vote_fraction")
    what = "kết nạp" if step is Step.CELL_RESOLUTION else "công nhận đảng viên chính thức"
    if vote is None:
        return [Finding("vote.missing", W, f"Chưa ghi kết quả biểu quyết {what} của chi bộ.", cite)]
    figures = dict(zip(VOTE_FIELDS, (vote.official_members, vote.present, vote.in_favour,
                                      vote.against), strict=True))  # fmt: skip
    if vote.official_members == 0 or vote_errors(figures):
        return [
            Finding(
                "vote.inconsistent",
                E,
                f"Số liệu biểu quyết {what} không hợp lệ (đảng viên chính thức "
                f"{vote.official_members}, "
                f"có mặt {vote.present}, tán thành {vote.in_favour}, không tán thành "
                f"{vote.against}).",
                cite,
            )
        ]
    need = votes_required(vote.official_members, rule_set)
    if vote.in_favour < need:
        return [
            Finding(
                "vote.below_two_thirds",
                E,
                f"Biểu quyết {what}: chỉ {vote.in_favour}/{vote.official_members} đảng viên chính "
                "thức "
                f"tán thành, cần ít nhất {need} (hai phần ba).",
                cite,
            )
        ]
    return []


def check_failed_votes(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Repeated votes without two thirds.

    - After ``max_failed_votes`` (3) votes on recognising a probationary member without two
      thirds, the matter goes to the direct superior committee and the competent committee
      (QĐ mục 4.2 c): error, the cell does not vote again.
    - The same count for admission votes is reported as a warning (the text speaks of
      recognition; applying it to admission is an analogy).
    - Only the vote of the current stage counts.
    """
    out: list[Finding] = []
    cite = rule_set.cite("max_failed_votes")
    limit = rule_set.max_failed_votes
    if facts.stage in (Stage.AWARENESS_TRAINED, Stage.DOSSIER):
        n = facts.failed_votes.get(Step.CELL_RESOLUTION, 0)
        if n >= limit:
            out.append(
                Finding(
                    "votes.admission_failed_repeatedly",
                    W,
                    f"Chi bộ đã {n} lần biểu quyết kết nạp không đủ hai phần ba: nên báo cáo cấp "
                    "ủy cấp trên "
                    "xem xét.",
                    cite,
                )
            )
    if facts.stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED):
        n = facts.failed_votes.get(Step.RECOGNITION_CELL_RESOLUTION, 0)
        if n >= limit:
            out.append(
                Finding(
                    "votes.recognition_failed_repeatedly",
                    E,
                    f"Chi bộ đã {n} lần biểu quyết công nhận chính thức không đủ hai phần ba: "
                    "phải báo cáo "
                    "cấp ủy cấp trên trực tiếp và cấp ủy có thẩm quyền xem xét, quyết định.",
                    cite,
                )
            )
    return out


# --- mentors ------------------------------------------------------------------------------


def check_mentors(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Members assigned to help the person (before admission and during probation).

    - A mentor must be an official member when assigned and while assigned (Điều lệ Đảng,
      Điều 4 and Điều 5; unverified wording).
    - From the sympathiser stage to the cell vote, and during probation, someone should be
      assigned on ``on`` (warning).
    """
    cite = rule_set.cite("mentor_must_be_official")
    out: list[Finding] = []
    active = 0
    for m in facts.mentors:
        if m.start > on:
            continue
        current = m.end is None or m.end >= on
        if rule_set.mentor_must_be_official and not _official_on(m.official_since, None, m.start):
            out.append(
                Finding(
                    "mentor.not_official",
                    E,
                    f"Đảng viên giúp đỡ {m.name} chưa là đảng viên chính thức khi được phân công "
                    f"({_d(m.start)}).",
                    cite,
                )
            )
        if current and m.left_on is not None and m.left_on <= on:
            out.append(
                Finding(
                    "mentor.left",
                    W,
                    f"Đảng viên giúp đỡ {m.name} đã ra khỏi Đảng hoặc chuyển đi từ "
                    f"{_d(m.left_on)}; "
                    "cần phân công người khác.",
                    cite,
                )
            )
        elif current:
            active += 1
    needs = facts.stage in (
        Stage.SYMPATHISER,
        Stage.AWARENESS_TRAINED,
        Stage.DOSSIER,
        Stage.PROBATIONARY,
        Stage.NEW_MEMBER_TRAINED,
    )
    if needs and active == 0:
        who = (
            "đảng viên dự bị"
            if facts.stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED)
            else "quần chúng"
        )
        out.append(
            Finding(
                "mentor.none",
                W,
                f"Chưa có đảng viên chính thức được phân công giúp đỡ {who} này.",
                cite,
            )
        )
    return out


# --- after the decision -------------------------------------------------------------------


def probation_end(facts: CandidacyFacts) -> date | None:
    """End of the 12 months of probation: ceremony + 12 months (``None`` before the ceremony)."""
    ceremony = facts.step_dates.get(Step.CEREMONY)
    if ceremony is None:
        return None
    return add_months(ceremony, rule_set_for(ceremony).probation_months)


def recognition_effective_date(facts: CandidacyFacts) -> date | None:
    """The date official membership takes effect: the end of the 12 months of probation.

    - Recognition takes effect at the end of the 12 months even when the cell meeting or the
      decision is late (QĐ mục 4.2 b). ``None`` before the ceremony.
    """
    return probation_end(facts)


def check_ceremony(
    facts: CandidacyFacts, rule_set: RuleSet, on: date, calendar: WorkingCalendar | None = None
) -> list[Finding]:
    """The admission ceremony.

    - Within ``ceremony_working_days`` (30) working days of receiving the decision; later only
      with the direct superior committee's consent (QĐ mục 4.1). The decision date stands in for
      the date of receipt.
    """
    decision = facts.step_dates.get(Step.ADMISSION_DECISION)
    if decision is None or Step.CEREMONY in facts.step_dates:
        return []
    cal = calendar or WorkingCalendar()
    due = cal.add_working_days(decision, rule_set.ceremony_working_days)
    if on <= due:
        return []
    cite = rule_set.cite("ceremony_working_days")
    if facts.ceremony_consent:
        return [
            Finding(
                "ceremony.late_with_consent",
                INFO,
                f"Lễ kết nạp quá hạn (hạn {_d(due)}) nhưng đã được cấp ủy cấp trên trực tiếp đồng "
                "ý.",
                cite,
            )
        ]
    return [
        Finding(
            "ceremony.late_needs_consent",
            E,
            f"Đã quá {rule_set.ceremony_working_days} ngày làm việc kể từ quyết định kết nạp "
            f"(hạn {_d(due)}): phải báo cáo và được cấp ủy cấp trên trực tiếp đồng ý mới tổ chức "
            "lễ kết nạp.",
            cite,
        )
    ]


def check_recognition(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Conditions for the cell to consider official recognition on ``on``.

    - The 12 months of probation must have ended: the cell's resolution is made after the end
      (QĐ mục 4.2 a).
    - The certificate of the political-theory class for new members is part of the recognition
      dossier (HD 01/HD 06, mục 4).
    """
    end = probation_end(facts)
    cite = rule_set.cite("recognition_cell_working_days")
    if end is None:
        return [Finding("recognition.no_ceremony", E, "Chưa ghi ngày tổ chức lễ kết nạp.", cite)]
    out: list[Finding] = []
    done = facts.step_dates.get(Step.RECOGNITION_CELL_RESOLUTION)
    day = done or on
    if day < end:
        out.append(
            Finding(
                "recognition.too_early",
                E,
                f"Chưa hết {rule_set.probation_months} tháng dự bị (hết ngày {_d(end)}): chi bộ "
                "chưa được "
                "xét công nhận đảng viên chính thức.",
                rule_set.cite("probation_months"),
            )
        )
    if facts.new_member_class_date is None:
        out.append(
            Finding(
                "recognition.no_new_member_class",
                E,
                "Chưa có giấy chứng nhận học lớp bồi dưỡng lý luận chính trị cho đảng viên mới.",
                cite,
            )
        )
    return out


# --- deadlines ----------------------------------------------------------------------------


def _first(facts: CandidacyFacts, *steps: Step) -> date | None:
    dates = [facts.step_dates[s] for s in steps if s in facts.step_dates]
    return min(dates) if dates else None


#: A short name for each deadline code (lists show one line per candidacy).
DEADLINE_LABELS: dict[str, str] = {
    "certificate_expiry": gettext_noop("Giấy chứng nhận nhận thức về Đảng hết hạn"),
    "papers_expiry": gettext_noop("Giấy tờ hồ sơ hết hạn"),
    "decision_due": gettext_noop("Quyết định kết nạp"),
    "ceremony_due": gettext_noop("Lễ kết nạp"),
    "probation_end": gettext_noop("Hết thời gian dự bị"),
    "recognition_cell_due": gettext_noop("Chi bộ xét công nhận chính thức"),
    "recognition_decision_due": gettext_noop("Quyết định công nhận chính thức"),
}


def deadlines(facts: CandidacyFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """The deadlines of a candidacy, computed from the dates of its steps.

    Each uses the rule set in force on the date of the step that starts it; ``done_on`` is the
    date of the step that fulfils it (or of the exit that ended the candidacy).

    - ``certificate_expiry``: certificate + 60 months; done by the cell's admission resolution.
    - ``papers_expiry``: earliest expiring letter / union resolution / comments + 12 months; done
      by the cell's admission resolution.
    - ``decision_due``: cell resolution + 60 working days (+30 if extended); done by the decision.
    - ``ceremony_due``: decision + 30 working days; done by the ceremony.
    - ``probation_end``: ceremony + 12 months; done by the cell's recognition resolution.
    - ``recognition_cell_due``: probation end + 30 working days; done by that resolution.
    - ``recognition_decision_due``: recognition resolution + 30 working days; done by the decision.
    """
    sd = facts.step_dates
    out: list[Deadline] = []
    exit_on = _first(facts, *_EXIT_STEPS)
    cell = sd.get(Step.CELL_RESOLUTION)

    cert = facts.awareness_certificate_date
    if cert is not None:
        rs = rule_set_for(cert)
        out.append(
            Deadline(
                "certificate_expiry",
                "Chi bộ xét kết nạp trước khi giấy chứng nhận nhận thức về Đảng hết hạn",
                add_months(cert, rs.awareness_certificate_valid_months),
                rs.cite("awareness_certificate_valid_months"),
                cell,
            )
        )

    dated: list[tuple[date, str]] = []
    for intro in facts.introducers:
        if intro.letter_date is not None:
            what = (
                f"giấy giới thiệu của {intro.name}"
                if intro.kind == "member"
                else f"nghị quyết giới thiệu của {_KIND_LABELS.get(intro.kind, intro.kind)}"
            )
            dated.append((intro.letter_date, what))
    for paper in facts.papers:
        if paper.kind in EXPIRING_PAPER_KINDS and paper.received_on is not None:
            if paper.kind != "comments" and facts.introducers:
                continue
            dated.append((paper.received_on, PAPER_LABELS[paper.kind].lower()))
    if dated:
        expiries = []
        for d, what in dated:
            rs = rule_set_for(d)
            expiries.append((add_months(d, rs.dossier_papers_valid_months), what, rs))
        due, what, rs = min(expiries, key=lambda t: t[0])
        out.append(
            Deadline(
                "papers_expiry",
                f"Chi bộ xét kết nạp trước khi {what} hết hạn",
                due,
                rs.cite("dossier_papers_valid_months"),
                cell,
            )
        )

    if cell is not None:
        rs = rule_set_for(cell)
        n = rs.decision_working_days + (
            rs.decision_extension_working_days if facts.decision_extended else 0
        )
        out.append(
            Deadline(
                "decision_due",
                "Cấp ủy có thẩm quyền ra quyết định kết nạp"
                + (" (đã gia hạn)" if facts.decision_extended else ""),
                calendar.add_working_days(cell, n),
                rs.cite("decision_working_days"),
                sd.get(Step.ADMISSION_DECISION),
            )
        )

    decision = sd.get(Step.ADMISSION_DECISION)
    if decision is not None:
        rs = rule_set_for(decision)
        out.append(
            Deadline(
                "ceremony_due",
                "Chi bộ tổ chức lễ kết nạp",
                calendar.add_working_days(decision, rs.ceremony_working_days),
                rs.cite("ceremony_working_days"),
                sd.get(Step.CEREMONY),
            )
        )

    ceremony = sd.get(Step.CEREMONY)
    if ceremony is not None:
        rs = rule_set_for(ceremony)
        end = add_months(ceremony, rs.probation_months)
        recognised = _first(facts, Step.RECOGNITION_CELL_RESOLUTION, Step.NOT_RECOGNISED)
        out.append(
            Deadline(
                "probation_end",
                f"Hết {rs.probation_months} tháng dự bị",
                end,
                rs.cite("probation_months"),
                recognised,
                milestone=True,
            )
        )
        rs_end = rule_set_for(end)
        out.append(
            Deadline(
                "recognition_cell_due",
                "Chi bộ xét công nhận đảng viên chính thức",
                calendar.add_working_days(end, rs_end.recognition_cell_working_days),
                rs_end.cite("recognition_cell_working_days"),
                recognised,
            )
        )

    rec_cell = sd.get(Step.RECOGNITION_CELL_RESOLUTION)
    if rec_cell is not None:
        rs = rule_set_for(rec_cell)
        out.append(
            Deadline(
                "recognition_decision_due",
                "Cấp ủy có thẩm quyền quyết định công nhận đảng viên chính thức",
                calendar.add_working_days(rec_cell, rs.recognition_decision_working_days),
                rs.cite("recognition_decision_working_days"),
                _first(facts, Step.RECOGNITION_DECISION, Step.NOT_RECOGNISED),
            )
        )

    if exit_on is not None:
        out = [dataclasses.replace(d, done_on=exit_on) if d.done_on is None else d for d in out]
    return out


# --- evaluation ---------------------------------------------------------------------------


def next_step(facts: CandidacyFacts) -> Step | None:
    """The progress step expected next (``None`` when the candidacy is closed), on the
    candidacy's route: :func:`ptdv.rules.stages.next_step`."""
    return stages_next_step(
        facts.stage,
        cell_is_grassroots=facts.cell_is_grassroots,
        has_partial_committee=facts.has_partial_committee,
    )


def admission_checks(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Every condition checked before the cell votes on admission, applied on ``on``.

    - A dossier kept on paper (``dossier_on_paper``: the cell's resolution came in with an
      imported history) has no recorded papers or introducers to check; the conditions on the
      person still apply.
    """
    found = [
        *check_age(facts, rule_set, on),
        *check_education(facts, rule_set, on),
        *check_awareness_certificate(facts, rule_set, on),
        *check_readmission(facts, rule_set, on),
    ]
    if facts.dossier_on_paper:
        return found
    return [
        *found,
        *check_introducers(facts, rule_set, on),
        *check_papers(facts, rule_set, on),
        *check_papers_fresh(facts, rule_set, on),
    ]


_OVERDUE_WARNED = ("decision_due", "recognition_cell_due", "recognition_decision_due")
_STAGES_AFTER_CELL = (Stage.CELL_RESOLVED, Stage.PARTIAL_APPRAISED, Stage.GRASSROOTS_RESOLVED)


def evaluate(facts: CandidacyFacts, calendar: WorkingCalendar, today: date) -> Evaluation:
    """Findings for the current stage and the next step, the deadlines, and the blockers.

    - SYMPATHISER: mentors.
    - AWARENESS_TRAINED: conditions on the person (age, education, certificate, readmission) on
      ``today``, not blocking (the next step is receiving papers).
    - DOSSIER: every admission condition on ``today`` (the planned consideration day); errors
      block the cell's vote.
    - CELL_RESOLVED … GRASSROOTS_RESOLVED: the cell's vote and the admission conditions on the
      day of the cell's resolution; errors block the next step (appraisal, resolution, decision).
    - ADMISSION_DECIDED: the ceremony deadline (blocks without the superior committee's consent).
    - PROBATIONARY / NEW_MEMBER_TRAINED: mentors, repeated failed recognition votes, and (when
      the next step is the recognition vote, or the probation has ended) the recognition
      conditions.
    - RECOGNITION_CELL_RESOLVED: the recognition vote and its timing; errors block the decision.
    - Open deadlines past due (decision, recognition) add a warning.
    """
    stage = facts.stage
    dls = deadlines(facts, calendar)
    step = next_step(facts)
    ev = Evaluation(findings=[], deadlines=dls, blockers=[], next_step=step)
    if stage in CLOSED_STAGES:
        return ev

    def add(found: list[Finding], blocking: bool) -> None:
        ev.findings.extend(found)
        if blocking:
            ev.blockers.extend(f for f in found if f.severity is Severity.ERROR)

    rs_today = rule_set_for(today)
    if stage is Stage.SYMPATHISER:
        add(check_mentors(facts, rs_today, today), False)
    elif stage is Stage.AWARENESS_TRAINED:
        add(check_age(facts, rs_today, today), False)
        add(check_education(facts, rs_today, today), False)
        add(check_awareness_certificate(facts, rs_today, today), False)
        add(check_readmission(facts, rs_today, today), False)
        add(check_mentors(facts, rs_today, today), False)
    elif stage is Stage.DOSSIER:
        add(admission_checks(facts, rs_today, today), True)
        add(check_failed_votes(facts, rs_today, today), True)
        add(check_mentors(facts, rs_today, today), False)
    elif stage in _STAGES_AFTER_CELL:
        on = facts.step_dates.get(Step.CELL_RESOLUTION, today)
        rs = rule_set_for(on)
        add(check_vote(facts, rs, on, Step.CELL_RESOLUTION), True)
        add(admission_checks(facts, rs, on), True)
    elif stage is Stage.ADMISSION_DECIDED:
        decision = facts.step_dates.get(Step.ADMISSION_DECISION, today)
        add(check_ceremony(facts, rule_set_for(decision), today, calendar), True)
    elif stage in (Stage.PROBATIONARY, Stage.NEW_MEMBER_TRAINED):
        add(check_mentors(facts, rs_today, today), False)
        add(check_failed_votes(facts, rs_today, today), True)
        end = probation_end(facts)
        if stage is Stage.NEW_MEMBER_TRAINED:
            add(check_recognition(facts, rs_today, today), True)
        elif end is not None and today >= end:
            add(check_recognition(facts, rs_today, today), False)
    elif stage is Stage.RECOGNITION_CELL_RESOLVED:
        on = facts.step_dates.get(Step.RECOGNITION_CELL_RESOLUTION, today)
        rs = rule_set_for(on)
        add(check_vote(facts, rs, on, Step.RECOGNITION_CELL_RESOLUTION), True)
        add(
            [f for f in check_recognition(facts, rs, on) if f.code == "recognition.too_early"], True
        )

    effective = recognition_effective_date(facts)
    if effective is not None and stage in (Stage.RECOGNITION_CELL_RESOLVED, Stage.OFFICIAL):
        rs = rule_set_for(effective)
        add(
            [
                Finding(
                    "recognition.effective_date",
                    INFO,
                    f"Nếu được công nhận, đảng viên chính thức kể từ ngày {_d(effective)} "
                    "(đúng thời điểm hết 12 tháng dự bị, dù chi bộ họp hoặc cấp ủy quyết định "
                    "chậm).",
                    rs.cite("recognition_effective_at_probation_end"),
                )
            ],
            False,
        )

    for dl in dls:
        if dl.code in _OVERDUE_WARNED and dl.is_overdue(today):
            late = -dl.days_left(today, calendar)
            add(
                [
                    Finding(
                        f"{dl.code}.overdue",
                        W,
                        f"Quá hạn: {dl.label} (hạn {_d(dl.due)}, đã quá {late} ngày làm việc).",
                        dl.citation,
                    )
                ],
                False,
            )
    return ev
