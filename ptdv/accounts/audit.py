"""Every change is audited with django-auditlog: who, when, what changed and from where.

Each entry stores, in ``additional_data["org_path"]``, the path of the organisation the changed
object belongs to, so that the audit log is scoped by the same subtree rule as everything else.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    # Personal API tokens: creation and revocation (who, when, from where).
    "accounts.ApiToken",
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
    # A token's digest is never logged, nor its last use (rewritten by a plain UPDATE at most
    # once a minute, which sends no signal anyway).
    "accounts.ApiToken": ["digest", "last_used_at"],
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


# --- reading an entry back: what the audit page shows ------------------------------------------
#
# django-auditlog keeps each value as text ("None", "True", "2024-09-03", a foreign key's id).
# These helpers turn it back into the field's value and show it as the forms do. They know the
# fields only through the model's ``_meta``; whom a value may be shown to (sensitive items,
# foreign keys outside the reader's subtree) is decided by the page (ptdv/web/views/audit.py).

#: The actions as the page names them.
ACTION_LABELS = {
    0: _("Tạo"),
    1: _("Sửa"),
    2: _("Xoá"),
    3: _("Xem"),
}

#: Fields that are not what anybody typed: the tree's bookkeeping, search and sort columns, cache
#: columns rewritten with each event, versions, timestamps of the row, a worker's claim. The page
#: leaves them out of a creation and names their update "cập nhật dữ liệu tính sẵn".
INTERNAL: dict[str, frozenset[str]] = {
    "org.organisation": frozenset({"path", "depth", "numchild"}),
    "people.person": frozenset({"search_name", "sort_key", "created_at"}),
    "pipeline.candidacy": frozenset(
        {
            "stage_since",
            "next_due",
            "next_due_code",
            "expiry_due",
            "expiry_code",
            "version",
            "created_at",
        }
    ),
    "pipeline.event": frozenset({"seq", "recorded_at"}),
    "members.memberevent": frozenset({"seq", "before", "recorded_at"}),
    "imports.importrun": frozenset(
        {
            "file",
            "sha256",
            "total_rows",
            "done_rows",
            "ignored_columns",
            "updated_at",
            "previewed_at",
            "task_id",
            "claim",
        }
    ),
    "accounts.user": frozenset({"date_joined", "is_staff"}),
    # The registers (ptdv/subjects): deadlines and status are rewritten from the steps.
    "subjects.subjectrequest": frozenset(
        {"acknowledge_due", "answer_due", "next_due", "next_due_code", "recorded_at", "version"}
    ),
    "subjects.requeststep": frozenset({"seq", "recorded_at"}),
    "subjects.incident": frozenset({"notify_due", "recorded_at", "version"}),
    "subjects.incidentupdate": frozenset({"seq", "recorded_at"}),
}

EMPTY = "—"
YES, NO = _("Có"), _("Không")


def model_label(content_type) -> str:
    """``"app_label.model"`` of an entry's content type."""
    return f"{content_type.app_label}.{content_type.model}"


def logged_field(model, name: str):
    """The concrete field ``name`` of ``model`` an entry speaks of, or ``None`` (a reverse
    relation, a many-to-many, the id, a field since removed)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or field.many_to_many or field.primary_key:
        return None
    return field


def is_internal(label: str, name: str) -> bool:
    return name in INTERNAL.get(label, ())


def parse_logged(field, text: Any) -> Any:
    """The value a logged text stands for (``None`` for "None" or nothing); the text itself when
    it does not parse (an entry older than a change of the field)."""
    if text is None or text == "None":
        return None
    if not isinstance(text, str):
        return text
    internal = field.get_internal_type()
    if internal == "JSONField":  # written as JSON by django-auditlog
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if value not in ({}, [], "") else None
    try:
        if field.is_relation:
            return field.target_field.to_python(text)
        if internal == "BooleanField":
            return {"True": True, "False": False}.get(text, text)
        if internal == "DateTimeField":
            moment = datetime.fromisoformat(text)
            return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
        if internal == "DateField":
            return date.fromisoformat(text[:10])
    except (ValueError, ValidationError):
        return text
    return text


def display_value(field, value: Any) -> str:
    """A parsed value as the forms show it: dates dd/mm/yyyy, moments in local time
    dd/mm/yyyy HH:MM, choices by their labels, booleans Có/Không, nothing as "—". Foreign keys
    are the caller's (they need the reader's scope)."""
    if value is None or value == "":
        return EMPTY
    if field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
