"""After the admission decision: the ceremony, the probation and official recognition."""

from __future__ import annotations

from datetime import date

from ptdv.rules.calendar import WorkingCalendar
from ptdv.rules.facts import CandidacyFacts
from ptdv.rules.findings import Finding
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RuleSet, rule_set_for
from ptdv.rules.stages import Step

from ._text import INFO, E, _d


def probation_end(facts: CandidacyFacts) -> date | None:
    """End of the 12 months of probation: ceremony + 12 months (``None`` before the ceremony)."""
    ceremony = facts.step_dates.get(Step.CEREMONY)
    if ceremony is None:
        return None
    return add_months(ceremony, rule_set_for(ceremony).probation_months)


def recognition_effective_date(facts: CandidacyFacts) -> date | None:
    """The date official membership takes effect: the end of the 12 months of probation.

    - Recognition takes effect at the end of the 12 months even when the cell meeting or the
      decision is late (QĐ mục 4.2.2; 4.2 b in QĐ 29). ``None`` before the ceremony.
    """
    return probation_end(facts)


#: Said of the ceremony's deadline when the day the cell received the decision is not recorded.
FROM_DECISION_DATE = gettext_noop("tính từ ngày ra quyết định vì chưa ghi ngày nhận")


def ceremony_start(facts: CandidacyFacts) -> tuple[date, bool] | None:
    """The day the ceremony's 30 working days run from, and whether it is the day the cell
    received the decision (``True``) or the decision's date standing in for it (``False``).

    - QĐ 24/232/294-QĐ/TW mục 4.1: "Trong thời hạn 30 ngày làm việc, kể từ ngày nhận được quyết
      định kết nạp đảng viên của cấp ủy có thẩm quyền, chi bộ phải tổ chức lễ kết nạp".
    - A receipt recorded before the decision's date is not possible and is not used.
    - ``None`` before the decision.
    """
    decision = facts.step_dates.get(Step.ADMISSION_DECISION)
    if decision is None:
        return None
    received = facts.decision_received_on
    if received is not None and received >= decision:
        return received, True
    return decision, False


def check_ceremony(
    facts: CandidacyFacts, rule_set: RuleSet, on: date, calendar: WorkingCalendar | None = None
) -> list[Finding]:
    """The admission ceremony.

    - Within ``ceremony_working_days`` (30) working days of the day the cell received the
      decision (:func:`ceremony_start`: the decision's date when the receipt is not recorded,
      and the finding says so); later only with the direct superior committee's consent
      (QĐ mục 4.1).
    """
    start = ceremony_start(facts)
    if start is None or Step.CEREMONY in facts.step_dates:
        return []
    day, received = start
    cal = calendar or WorkingCalendar()
    due = cal.add_working_days(day, rule_set.ceremony_working_days)
    if on <= due:
        return []
    cite = rule_set.cite("ceremony_working_days")
    counted = (
        f"kể từ ngày chi bộ nhận quyết định kết nạp ({_d(day)})"
        if received
        else f"kể từ quyết định kết nạp ({_d(day)}; {FROM_DECISION_DATE})"
    )
    if facts.ceremony_consent:
        return [
            Finding(
                "ceremony.late_with_consent",
                INFO,
                f"Lễ kết nạp quá hạn (hạn {_d(due)}, {counted}) nhưng đã được cấp ủy cấp trên "
                "trực tiếp đồng ý.",
                cite,
            )
        ]
    return [
        Finding(
            "ceremony.late_needs_consent",
            E,
            f"Đã quá {rule_set.ceremony_working_days} ngày làm việc {counted} (hạn {_d(due)}): "
            "phải báo cáo và được cấp ủy cấp trên trực tiếp đồng ý mới tổ chức lễ kết nạp.",
            cite,
        )
    ]


def check_recognition(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """Conditions for the cell to consider official recognition on ``on``.

    - The 12 months of probation must have ended: the cell's resolution is made after the end
      (QĐ mục 4.2.1).
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
