"""Who may do what with the registers (always inside the user's subtree: ``visible_to``).

- Everybody signed in reads the requests and incidents of their subtree (read-only users too).
- Writers (``User.can_write``) and the data protection officer record a request of a person
  of their subtree.
- The officer responsible — the grassroots officer (``Role.GRASSROOTS``) of the person's
  organisation — and the data protection officer (``Role.PRIVACY``) answer: record the steps and
  see the requests due on their to-do page.
- What ptdv holds on a person (the answer to an access request) is downloaded by the grassroots
  officer only: the data protection officer audits the processing and does not open
  individuals' records (``ptdv.privacy.officer``), the request's page tells them who does.
- A deletion request is carried out (the record anonymised at once, ``ptdv.retention``) by the
  grassroots officer, who answers it and reads the person's records; the data protection officer
  sees that it was done.
- Incidents are recorded and handled by the data protection officer and the administrators,
  who see the 72-hour clock on their to-do page.
"""

from __future__ import annotations

from typing import Any

from ptdv.accounts.models import Role

#: Answer the requests: record their steps, see them due on the to-do page.
RESPONDER_ROLES = frozenset({Role.GRASSROOTS, Role.PRIVACY})
#: Download what ptdv holds on a person (roles that answer and read individuals' records).
EXPORT_ROLES = frozenset({Role.GRASSROOTS})
#: Record and handle incidents.
INCIDENT_ROLES = frozenset({Role.PRIVACY, Role.ADMIN})


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


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
