"""What the checks share: the severities' short names, dates and durations as Vietnamese
readers write them, whether someone was an official member on a day."""

from __future__ import annotations

from datetime import date

from ptdv.rules.findings import Severity
from ptdv.rules.stages import Step

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
