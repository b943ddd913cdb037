from datetime import date

from ptdv.rules.findings import Citation, Deadline, Evaluation, Finding, Severity

from .factories import CAL

C = Citation("QĐ 294-QĐ/TW (2025)", "mục 3.1")


def test_citation_str():
    assert str(C) == "QĐ 294-QĐ/TW (2025), mục 3.1"
    assert str(Citation("Điều lệ Đảng (2011)")) == "Điều lệ Đảng (2011)"


def test_severity_values():
    assert [s.value for s in Severity] == ["error", "warning", "info"]


def test_deadline_days_left_and_overdue():
    d = Deadline("x", "Việc", date(2026, 3, 20), C)  # Friday
    assert d.days_left(date(2026, 3, 16), CAL) == 4
    assert d.days_left(date(2026, 3, 20), CAL) == 0
    assert d.days_left(date(2026, 3, 23), CAL) == -1
    assert not d.is_overdue(date(2026, 3, 20))
    assert d.is_overdue(date(2026, 3, 21))
    done = Deadline("x", "Việc", date(2026, 3, 20), C, done_on=date(2026, 3, 25))
    assert not done.is_overdue(date(2026, 4, 1))
    assert done.was_late


def test_next_deadline_is_earliest_open():
    a = Deadline("a", "A", date(2026, 1, 1), C, done_on=date(2025, 12, 1))
    b = Deadline("b", "B", date(2026, 5, 1), C)
    c = Deadline("c", "C", date(2026, 3, 1), C)
    ev = Evaluation(findings=[], deadlines=[a, b, c], blockers=[])
    assert ev.next_deadline is c
    assert Evaluation().next_deadline is None
    f = Finding("k", Severity.ERROR, "Lỗi", C)
    assert f.is_error and Evaluation(findings=[f], blockers=[f]).is_blocked


def test_next_expiry_is_the_earliest_open_paper_expiry():
    deadlines = [
        Deadline("certificate_expiry", "Giấy chứng nhận", date(2029, 5, 1), C),
        Deadline("papers_expiry", "Giấy tờ", date(2026, 1, 10), C, done_on=date(2025, 12, 1)),
        Deadline("papers_expiry", "Giấy tờ", date(2026, 2, 10), C),
        Deadline("decision_due", "Quyết định", date(2025, 6, 1), C),  # not an expiry
    ]
    evaluation = Evaluation(deadlines=deadlines)
    assert evaluation.next_expiry == deadlines[2]
    assert evaluation.next_deadline == deadlines[3]
    assert Evaluation(deadlines=deadlines[3:]).next_expiry is None
