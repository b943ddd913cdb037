"""Who may do what with the hand-off (docs/handoff.md, "Who").

- Preview (the completeness check, names with the CCCD masked): every role that reads people's
  records in its subtree — not the data protection officer, who audits the processing and does
  not browse records (``privacy.officer``).
- Download (and so record a hand-off): the organisation officers of the committees that decide
  admissions — the committee's organisation board (``Role.COMMITTEE``) and the grassroots
  committee's officer (``Role.GRASSROOTS``, where admission power is delegated) — who see the
  whole CCCD (``people.sensitive``), the national record's key. Cell secretaries, read-only
  users and administrators preview only.
"""

from __future__ import annotations

from typing import Any

from ptdv.accounts.models import Role
from ptdv.people.sensitive import Sensitive, may_see

HANDOFF_ROLES = frozenset({Role.COMMITTEE, Role.GRASSROOTS})


def may_hand_off(user: Any) -> bool:
    return (
        bool(getattr(user, "can_write", False))
        and getattr(user, "role", None) in HANDOFF_ROLES
        and may_see(user, Sensitive.CCCD)
    )
