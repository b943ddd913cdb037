"""Đảng viên giúp đỡ người vào Đảng: per mentor, the people helped in a period and the months
of reports due, filed and missing (``MentorAssignmentQuerySet.months_reported``, the rule the
mentor page follows)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ptdv.people.models import Person
from ptdv.pipeline.models import MentorAssignment

from ..tables import Cell, Column, Report, Row, Table
from .common import Drill, total
from .queries import subtree

#: Mentors a page of the report shows (one row each; the workbook lists them all).
PAGE_SIZE = 50


def _rows(organisation, start, end, today) -> list[dict]:
    """Per assignment of the subtree running in the period: its months due and covered."""
    return subtree(MentorAssignment.objects.all(), organisation).months_reported(start, end, today)


def build(organisation, *, start, end, today, **_ignored) -> Report:
    rows_by_mentor: dict[int, dict] = {}
    for a in _rows(organisation, start, end, today):
        row = rows_by_mentor.setdefault(
            a["mentor_id"],
            {
                "name": a["mentor__full_name"],
                "key": a["mentor__sort_key"],
                "assignments": 0,
                "due": 0,
                "filed": 0,
            },
        )
        row["assignments"] += 1
        row["due"] += a["due"]
        row["filed"] += a["filed"]
    # Most reports missing first, then by name; the mentor's id settles two namesakes.
    ordered = sorted(
        rows_by_mentor.items(),
        key=lambda kv: (-(kv[1]["due"] - kv[1]["filed"]), kv[1]["key"], kv[0]),
    )
    whole = total({k: v[k] for k in ("assignments", "due", "filed")} for _m, v in ordered)
    rows = [
        Row(
            v["name"],
            [
                Cell(v["assignments"], f"mentor:{mentor_id}"),
                Cell(v["due"]),
                Cell(v["filed"]),
                Cell(v["due"] - v["filed"]),
            ],
        )
        for mentor_id, v in ordered
    ]
    rows.append(
        Row(
            _("Tổng cộng"),
            [
                Cell(whole.get("assignments", 0), "assignments"),
                Cell(whole.get("due", 0)),
                Cell(whole.get("filed", 0)),
                Cell(whole.get("due", 0) - whole.get("filed", 0), "missing"),
            ],
            total=True,
        )
    )
    report = Report(
        kind="mentors",
        title=_("Đảng viên giúp đỡ người vào Đảng"),
        organisation=organisation,
        start=start,
        end=end,
    )
    report.tables.append(
        Table(
            _("Phân công giúp đỡ và báo cáo"),
            [
                Column(_("Số người giúp đỡ")),
                Column(_("Số tháng phải báo cáo")),
                Column(_("Số tháng đã báo cáo")),
                Column(_("Số tháng còn thiếu")),
            ],
            rows,
            label_header=_("Đảng viên giúp đỡ"),
            page_size=PAGE_SIZE,
            note=_(
                "Mỗi tháng phân công còn hiệu lực (đến hôm nay) cần một báo cáo tháng, quý hoặc năm."
            ),
        )
    )
    return report


def drill(organisation, code, *, start, end, today, **_ignored) -> Drill:
    rows = _rows(organisation, start, end, today)
    kind, _sep, value = code.partition(":")
    if kind == "mentor" and value.isascii() and value.isdigit():
        helped = {a["candidacy__person_id"] for a in rows if a["mentor_id"] == int(value)}
        name = next((a["mentor__full_name"] for a in rows if a["mentor_id"] == int(value)), "")
        title = _("Người được %(name)s giúp đỡ") % {"name": name}
    elif code == "assignments":
        helped, title = {a["candidacy__person_id"] for a in rows}, _("Người được giúp đỡ")
    elif code == "missing":
        helped = {a["candidacy__person_id"] for a in rows if a["filed"] < a["due"]}
        title = _("Người được giúp đỡ còn thiếu báo cáo")
    else:
        raise KeyError(code)
    return Drill(title, "people", Person.objects.filter(pk__in=helped))
