"""When a deadline is overdue or due soon: the one definition the pages share.

- **Overdue** (*quá hạn*): the deadline's day is before today. For a candidacy the deadline is
  its nearest open one (``Candidacy.next_due``, cached from :func:`ptdv.rules.checks.evaluate`),
  and only an open candidacy can be overdue (a closed one has no open deadline).
- **Due soon** (*sắp đến hạn*): from today to :data:`DUE_SOON_DAYS` days ahead, today included.

The board, the list and its export, the to-do page and the requests register all mean this
(``docs/glossary.md``); the database side is ``CandidacyQuerySet.overdue`` / ``due_soon``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

#: Days ahead in which a deadline is "due soon".
DUE_SOON_DAYS = 7
#: Days ahead in which a certificate or a dossier paper is announced as expiring (the to-do page,
#: the reminders' digest).
EXPIRY_NOTICE_DAYS = 30

DueState = Literal["overdue", "soon", ""]


def due_soon_until(today: date) -> date:
    """The last day that is still "due soon" on ``today``."""
    return today + timedelta(days=DUE_SOON_DAYS)


def due_state(due: date | None, today: date) -> DueState:
    """``"overdue"``, ``"soon"`` or ``""`` (no deadline, or a later one)."""
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if due <= due_soon_until(today):
        return "soon"
    return ""
