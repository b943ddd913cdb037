"""Who may do what with the registers (always inside the user's subtree: ``visible_to``).

- The registers (the requests, their texts and the requesters' contacts, the incidents and
  their written records) are read by the roles whose work needs them: the writers (cell
  secretaries, grassroots officers, committees, administrators) and the data protection officer;
  not by read-only users nor mentors (access to personal data limited by role, NĐ 356/2025/NĐ-CP
  Điều 4 khoản 2).
- Writers (``User.can_write``) and the data protection officer record a request of a person
  of their subtree.
- The officer responsible — the grassroots officer (``Role.GRASSROOTS``) of the person's
  organisation — and the data protection officer (``Role.PRIVACY``) answer: record the steps and
  see the requests due on their to-do page.
- What ptdv holds on a person (the answer to an access request) is downloaded by the grassroots
  officer, or the committee above (where a unit has no grassroots officer): the data protection
  officer audits the processing and does not open individuals' records
  (``ptdv.privacy.officer``), the request's page tells them who does.
- A deletion request is carried out (the record anonymised at once, ``ptdv.retention``) by the
  same roles, who read the person's records; the data protection officer sees that it was done.
- Incidents are recorded and handled by the data protection officer and the administrators,
  who see the 72-hour clock on their to-do page.
"""

from __future__ import annotations

from typing import Any

from ptdv.accounts.models import Role

#: Answer the requests: record their steps, see them due on the to-do page.
RESPONDER_ROLES = frozenset({Role.GRASSROOTS, Role.PRIVACY})
#: Download what ptdv holds on a person, carry out a deletion (roles that read individuals'
#: records: the grassroots officer, the committee above where there is none).
EXPORT_ROLES = frozenset({Role.GRASSROOTS, Role.COMMITTEE})
#: Record and handle incidents.
INCIDENT_ROLES = frozenset({Role.PRIVACY, Role.ADMIN})


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_read_registers(user: Any) -> bool:
    """May read the requests and the incidents of the subtree (and their written records)."""
    return _active(user) and (user.can_write or user.role == Role.PRIVACY)


def can_record_request(user: Any) -> bool:
    return _active(user) and (user.can_write or user.role == Role.PRIVACY)


def can_answer_requests(user: Any) -> bool:
    return _active(user) and user.role in RESPONDER_ROLES


def can_export_person_data(user: Any) -> bool:
    """May download what ptdv holds on a person (the answer to an access request)."""
    return _active(user) and user.role in EXPORT_ROLES


def can_erase_for_request(user: Any) -> bool:
    """May carry out a deletion request by anonymising the person's record."""
    return _active(user) and user.role in EXPORT_ROLES


def can_manage_incidents(user: Any) -> bool:
    return _active(user) and user.role in INCIDENT_ROLES
