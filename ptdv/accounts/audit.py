"""Every change is audited with django-auditlog: who, when, what changed and from where.

Each entry stores, in ``additional_data["org_path"]``, the path of the organisation the changed
object belongs to, so that the audit log is scoped by the same subtree rule as everything else.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps

AUDITED = [
    "org.Organisation",
    "org.Place",
    "people.Person",
    "pipeline.Candidacy",
    "pipeline.Event",
    "pipeline.MentorAssignment",
    "pipeline.MentorReport",
    "pipeline.CalendarDay",
    "members.MemberEvent",
    "reports.Target",
    "imports.ImportRun",
    "accounts.User",
]

#: Fields whose values the log keeps masked (``001******457``): the whole identity number is never
#: written to the audit log (ptdv/masking.py).
MASKED = {
    "people.Person": {
        "mask_fields": ["cccd"],
        "mask_callable": "ptdv.masking.mask_logged_value",
    },
}


#: Fields left out of the entries. An event's ``voided_by`` (the reverse of a correction's
#: ``voids``) is empty when the event is written and events are never updated, so its entry
#: would never hold it; reading it would cost a query per event.
EXCLUDED = {
    "accounts.User": ["password", "last_login"],
    "pipeline.Event": ["voided_by"],
}


def org_path_of(instance) -> str | None:
    """Follow the model's ``SCOPE`` lookup to its organisation and return that path."""
    lookup = getattr(type(instance), "SCOPE", None)
    if lookup is None:
        # Users carry their organisation; unscoped rows (calendar) are for the whole tree.
        organisation = getattr(instance, "organisation", None)
        return organisation.path if organisation is not None else ""
    target = instance
    for part in filter(None, lookup.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target.path


def _additional_data(self):
    data = {"org_path": org_path_of(self)}
    # A change made with a reason (a person's correction or merge) keeps it in its entry.
    reason = getattr(self, "_change_reason", None)
    if reason:
        data["reason"] = reason
    return data


def register_models() -> None:
    for label in AUDITED:
        model = apps.get_model(label)
        if not hasattr(model, "get_additional_data"):
            model.get_additional_data = _additional_data
        if not auditlog.contains(model):
            exclude = EXCLUDED.get(label, [])
            auditlog.register(model, exclude_fields=exclude, **MASKED.get(label, {}))
