"""The figures of every report, computed by the database from the pipeline's events.

Every report is built by one module of this package for one organisation (its whole subtree)
and one period (or one date), and returns a :class:`~ptdv.reports.tables.Report`. Callers check
that the user may see the organisation (``get_visible_or_404``); ``drill`` lists what a figure
counts, and the view intersects it with the user's scope as well.

Rules of counting (docs/reports.md):

- A step counts in the period containing its date, at the cell the candidacy belonged to on that
  day (``Event.cell``); only effective events count: a voided step does not, its correction
  does — so correcting a date moves a person from one period to another.
- Admitted (kết nạp) = the admission ceremony (Điều lệ Đảng, Điều 4: the applicant becomes a
  probationary member at the ceremony; ``Person.party_admitted_on``).
- Members on a date are counted from their spells (``members.MemberSpell``: a person counted in
  one cell from one day to another), where and while they were: a member who left, died or
  transferred out counts until that day, one who transferred in from that day, one who moved
  between cells at the old cell before the day and at the new one from it.
- Composition (women, youth, …) reads the person's record; ages are counted on the day of the
  step (new members) or on the date of the snapshot (all members).

The modules: ``queries`` (the shared query layer: a subtree through ``in_subtree``, its units,
effective events, members on a day, stays in stages replayed), ``coverage`` (places and the cells that
served them), ``common`` (the tables every report shares), ``codes`` (the figures' codes and
labels), and one module per report, each with ``build`` and ``drill``: ``new_members``,
``members``, ``activity``, ``structure``, ``funnel`` (from the stored stays,
:mod:`ptdv.reports.stays`), ``mentors``, ``targets``. The pages read them through
:mod:`ptdv.reports.stored` (a period that has ended: computed once and stored).
"""

from __future__ import annotations

from ..tables import Report
from . import activity, funnel, members, mentors, new_members, structure, targets
from .common import Drill

__all__ = ["REPORTS", "SNAPSHOTS", "Drill", "build", "drill"]

REPORTS = ("new_members", "members", "activity", "structure", "funnel", "mentors", "targets")

_MODULES = {
    "new_members": new_members,
    "members": members,
    "activity": activity,
    "structure": structure,
    "funnel": funnel,
    "mentors": mentors,
    "targets": targets,
}
#: Reports of one day (``on``); the others cover a period (``start``–``end``).
SNAPSHOTS = frozenset({"members", "structure"})


def _check(kind, start, end, on):
    if kind not in _MODULES:
        raise KeyError(kind)
    if kind in SNAPSHOTS:
        if on is None:
            raise ValueError("Báo cáo này cần ngày lấy số liệu.")
        if start is not None and start > on:
            raise ValueError("Ngày đầu kỳ phải trước ngày lấy số liệu.")
    elif start is None or end is None or end < start:
        raise ValueError("Báo cáo này cần ngày đầu kỳ và ngày cuối kỳ (cuối kỳ sau đầu kỳ).")


def build(kind, organisation, *, start=None, end=None, on=None, today, places=1) -> Report:
    """The report ``kind`` for ``organisation``'s subtree (see the module's docstring)."""
    _check(kind, start, end, on)
    return _MODULES[kind].build(
        organisation, start=start, end=end, on=on, today=today, places=places
    )


def drill(kind, organisation, code, *, start=None, end=None, on=None, today) -> Drill:
    """What the figure ``code`` of the report ``kind`` counts; ``KeyError`` for an unknown code."""
    _check(kind, start, end, on)
    result = _MODULES[kind].drill(organisation, code, start=start, end=end, on=on, today=today)
    if result.kind == "people":
        result.queryset = result.queryset.order_by("sort_key", "pk")
    elif result.kind == "organisations":
        result.queryset = result.queryset.order_by("path")
    else:
        result.queryset = result.queryset.select_related("cell", "organisation").order_by(
            "organisation__path", "name"
        )
    return result
