"""The audit log of the user's subtree (committee, data protection officer, administrators).

Each entry is shown as an organisation officer reads it, in a card (a phone shows no table):

- who did it, when (local time, dd/mm/yyyy HH:MM), what ("Tạo", "Sửa", "Xoá") on which kind of
  record (its model's verbose name);
- which record: the name stored with the entry (identity-like numbers masked), linked to the
  record's page when the reader sees the record *now* (``visible_to``) and may open that page
  (the data protection officer opens no individual's record: ``privacy.officer``);
- the changes by the fields' verbose names, values as the forms show them (``accounts.audit``:
  dates, choices by their labels, Có/Không, "—"); a foreign key by the name of the object when
  the reader sees it, else "(không hiển thị)"; sensitive items and the CCCD as the page always
  showed them (``people.sensitive``); derived columns (caches, versions, search columns) left
  out of a creation, their update named "cập nhật dữ liệu tính sẵn".

The scope: an entry is listed when the organisation path stored with it (the record's
organisation when it was changed, ``accounts.audit.org_path_of``) lies in the reader's subtree.
Links and the names of related records are read through ``visible_to`` at the time of reading,
so a record that has since left the subtree is neither linked nor named by its foreign keys.

The page is bounded: keyset pagination on the entry's id (``?after=<id>``, ``?before=<id>``,
``?last=1``), 50 entries a page, and one query per kind of record shown for its links and one
per related model for the names, whatever the page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, resolve, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ptdv.accounts.audit import (
    ACTION_LABELS,
    AUDITED,
    EMPTY,
    display_value,
    is_internal,
    logged_field,
    model_label,
    parse_logged,
)
from ptdv.masking import mask_cccd, mask_text
from ptdv.org.models import Organisation
from ptdv.org.scope import scope_path
from ptdv.people.models import Person
from ptdv.people.sensitive import HIDDEN, MODEL_FIELDS, Sensitive, hidden_fields
from ptdv.pipeline.models import Event
from ptdv.privacy.officer import is_record_view, reads_records
from ptdv.web.step_forms import DATE_FORMATS, DateInput
from ptdv.web.toolkit import KeysetPage, cursor_param
from ptdv.web.views.candidacy import describe_event

PAGE_SIZE = 50

# --- the filters ------------------------------------------------------------------------------

DATE_INPUT = {"class": "form-control form-control-sm"}


def _kind_choices() -> list[tuple[str, str]]:
    """Every audited model (``accounts.audit.AUDITED`` and the registers'), by its name."""
    labels = [label.lower() for label in AUDITED]
    labels += [
        m._meta.label_lower for m in auditlog.get_models() if m._meta.label_lower not in labels
    ]
    choices = [(label, capfirst(str(apps.get_model(label)._meta.verbose_name))) for label in labels]
    return [("", str(gettext_lazy("Mọi loại"))), *choices]


class AuditFilterForm(forms.Form):
    """What the reader narrows the log to: the kind of record, the action, the days."""

    loai = forms.ChoiceField(label=gettext_lazy("Loại bản ghi"), required=False)
    thao_tac = forms.ChoiceField(
        label=gettext_lazy("Thao tác"),
        required=False,
        choices=[("", gettext_lazy("Mọi thao tác"))]
        + [(str(k), v) for k, v in ACTION_LABELS.items() if k != 3],
    )
    tu_ngay = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        required=False,
        widget=DateInput(attrs=DATE_INPUT),
        input_formats=DATE_FORMATS,
    )
    den_ngay = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        required=False,
        widget=DateInput(attrs=DATE_INPUT),
        input_formats=DATE_FORMATS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loai"].choices = _kind_choices()
        for name in ("loai", "thao_tac"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        start, end = cd.get("tu_ngay"), cd.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", _("“Đến ngày” phải sau hoặc bằng “Từ ngày”."))
        return cd

    def apply(self, entries):
        cd = self.cleaned_data
        if cd.get("loai"):
            app_label, model = cd["loai"].split(".")
            entries = entries.filter(
                content_type=ContentType.objects.get_by_natural_key(app_label, model)
            )
        if cd.get("thao_tac") not in (None, ""):
            entries = entries.filter(action=int(cd["thao_tac"]))
        zone = timezone.get_current_timezone()
        if cd.get("tu_ngay"):
            start = datetime.combine(cd["tu_ngay"], time.min, tzinfo=zone)
            entries = entries.filter(timestamp__gte=start)
        if cd.get("den_ngay"):
            end = datetime.combine(cd["den_ngay"] + timedelta(days=1), time.min, tzinfo=zone)
            entries = entries.filter(timestamp__lt=end)
        return entries


# --- one page of entries ----------------------------------------------------------------------


def entry_page(request, entries) -> KeysetPage:
    """Newest first; ``?after=<id>`` the older entries, ``?before=<id>`` the newer ones,
    ``?last=1`` the oldest: each one ``ORDER BY id LIMIT 51``."""
    page = KeysetPage()
    after, before = cursor_param(request, "after"), cursor_param(request, "before")
    if after:
        fetched = list(entries.filter(pk__lt=after).order_by("-pk")[: PAGE_SIZE + 1])
        page.object_list = fetched[:PAGE_SIZE]
        page.has_previous, page.has_next = True, len(fetched) > PAGE_SIZE
        return page
    if before or request.GET.get("last") == "1":
        older_first = entries.order_by("pk")
        if before:
            older_first = older_first.filter(pk__gt=before)
        fetched = list(older_first[: PAGE_SIZE + 1])
        if fetched or not before:
            page.object_list = fetched[:PAGE_SIZE][::-1]
            page.has_previous, page.has_next = len(fetched) > PAGE_SIZE, bool(before)
            return page
    fetched = list(entries.order_by("-pk")[: PAGE_SIZE + 1])
    page.object_list = fetched[:PAGE_SIZE]
    page.has_next = len(fetched) > PAGE_SIZE
    return page


# --- what an entry says -----------------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class ShownEntry:
    pk: int
    when: datetime
    actor: str
    remote_addr: str
    action: int
    action_label: str
    kind: str
    name: str
    url: str | None
    changes: list[Change]
    derived: bool
    reason: str


#: Where an entry's record is read: ``label -> (url name, lookup of the id in that URL)``. A
#: step, a mentor assignment and a mentor report are read on their candidacy's page; a member
#: event on the person's page; a place on its organisation's page.
RECORD_PAGES: dict[str, tuple[str, str]] = {
    "people.person": ("person", "pk"),
    "pipeline.candidacy": ("candidacy", "pk"),
    "pipeline.event": ("candidacy", "candidacy_id"),
    "pipeline.mentorassignment": ("candidacy", "candidacy_id"),
    "pipeline.mentorreport": ("candidacy", "assignment__candidacy_id"),
    "members.memberevent": ("person", "person_id"),
    "org.organisation": ("org_unit", "pk"),
    "org.place": ("org_unit", "organisation_id"),
    "reports.target": ("target_edit", "pk"),
    "imports.importrun": ("import_run", "pk"),
}

#: How a related record is named (``select_related`` for the names that need another row).
NAMES: dict[str, tuple[tuple[str, ...], Any]] = {
    "people.person": ((), lambda p: p.full_name),
    "pipeline.candidacy": (("person",), str),
    "pipeline.mentorassignment": (("mentor", "candidacy__person"), str),
    "accounts.user": ((), lambda u: u.get_username()),
}


#: The records whose name holds words of the interface (a step, a period, a kind) and what naming
#: them reads: named again from the row, in the reader's language (``object_repr`` keeps the
#: language of whoever made the change). A record gone, or out of the reader's subtree now, keeps
#: its logged name.
TRANSLATED_NAMES: dict[str, tuple[str, ...]] = {
    "pipeline.candidacy": ("person",),
    "pipeline.event": (),
    "pipeline.mentorassignment": ("mentor", "candidacy__person"),
    "pipeline.mentorreport": (),
    "members.memberevent": (),
    "imports.importrun": (),
    "reports.target": ("organisation",),
}


def object_names(user, entries) -> dict[int, str]:
    """``entry pk -> name`` of the records of :data:`TRANSLATED_NAMES` the reader sees now, in the
    page's language: one query per kind of record on the page."""
    wanted: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        label = model_label(entry.content_type)
        if label in TRANSLATED_NAMES and str(entry.object_pk).isdigit():
            wanted[label][int(entry.object_pk)].append(entry.pk)
    names: dict[int, str] = {}
    for label, by_pk in wanted.items():
        rows = _manager(apps.get_model(label)).all()
        if hasattr(rows, "visible_to"):
            rows = rows.visible_to(user)
        rows = rows.filter(pk__in=list(by_pk))
        if TRANSLATED_NAMES[label]:
            rows = rows.select_related(*TRANSLATED_NAMES[label])
        for row in rows:
            for entry_pk in by_pk[row.pk]:
                names[entry_pk] = str(row)
    return names


def _manager(model):
    # A person merged into another keeps its row (``all_records``): still named in the log.
    return getattr(model, "all_records", None) or model._default_manager


def _may_open(user, url_name: str) -> bool:
    if url_name == "target_edit" and not user.can_write:
        return False
    if reads_records(user):
        return True
    return not is_record_view(resolve(reverse(url_name, args=[1])).func)


def record_links(user, entries) -> dict[int, str]:
    """``entry pk -> url`` of the records the reader sees now and may open: one query per kind
    of record on the page."""
    wanted: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        label = model_label(entry.content_type)
        if label in RECORD_PAGES and str(entry.object_pk).isdigit():
            wanted[label][int(entry.object_pk)].append(entry.pk)
    links: dict[int, str] = {}
    for label, by_pk in wanted.items():
        url_name, lookup = RECORD_PAGES[label]
        if not _may_open(user, url_name):
            continue
        model = apps.get_model(label)
        rows = _manager(model).visible_to(user).filter(pk__in=list(by_pk))
        for pk, target in rows.values_list("pk", lookup):
            if target is None:
                continue
            url = reverse(url_name, args=[target])
            for entry_pk in by_pk[pk]:
                links[entry_pk] = url
    return links


def _related_names(user, wanted: dict[Any, set[Any]]) -> dict[Any, dict[Any, str]]:
    """``model -> {pk: name}`` of the related records the reader sees (one query a model)."""
    names: dict[Any, dict[Any, str]] = {}
    for model, pks in wanted.items():
        label = model._meta.label_lower
        related, name_of = NAMES.get(label, ((), str))
        rows = _manager(model).visible_to(user).filter(pk__in=list(pks))
        if related:
            rows = rows.select_related(*related)
        names[model] = {row.pk: mask_text(name_of(row)) for row in rows}
    return names


def _parsed_changes(entry) -> list[tuple[Any, Any, Any]]:
    """``(field, old, new)`` of an entry's concrete fields, values parsed."""
    model = entry.content_type.model_class()
    if model is None:
        return []
    rows = []
    for name, change in (entry.changes_dict or {}).items():
        found = logged_field(model, name)
        if found is None or not isinstance(change, list | tuple) or len(change) != 2:
            continue
        rows.append((found, parse_logged(found, change[0]), parse_logged(found, change[1])))
    return rows


def _is_step_data(found) -> bool:
    return found.model._meta.label_lower == "pipeline.event" and found.name == "data"


def _step_data_ids(value: Any) -> dict[Any, set[int]]:
    """The people and cells a step's data names by id (an introducer, a transfer's cells)."""
    if not isinstance(value, dict):
        return {}
    ids: dict[Any, set[int]] = {}
    people = {value.get("introducer_id")} - {None}
    cells = {value.get("from_cell"), value.get("to_cell")} - {None}
    if people:
        ids[Person] = {v for v in people if isinstance(v, int)}
    if cells:
        ids[Organisation] = {v for v in cells if isinstance(v, int)}
    return ids


def _describe_step_data(step: Any, data: dict, names: dict[Any, dict[Any, str]]) -> str:
    """A step's data as the candidacy page says it (``describe_event``): people and cells by
    their names inside the reader's subtree, "(không hiển thị)" outside it."""
    hidden = str(HIDDEN)
    people = {
        pk: SimpleNamespace(full_name=names.get(Person, {}).get(pk, hidden))
        for pk in _step_data_ids(data).get(Person, ())
    }
    cells = {
        pk: names.get(Organisation, {}).get(pk, hidden)
        for pk in _step_data_ids(data).get(Organisation, ())
    }
    try:
        event = Event(step=step or "", data=data)
        return describe_event(event, people, cells) or json.dumps(data, ensure_ascii=False)
    except (KeyError, ValueError, TypeError):
        return json.dumps(data, ensure_ascii=False)


def shown_entries(user, entries) -> list[ShownEntry]:
    """The page's entries as ``user`` may read them."""
    parsed = {entry.pk: _parsed_changes(entry) for entry in entries}
    wanted: dict[Any, set[Any]] = defaultdict(set)
    for rows in parsed.values():
        for found, old, new in rows:
            if found.is_relation:
                wanted[found.related_model].update(v for v in (old, new) if v not in (None, ""))
            elif _is_step_data(found):
                for value in (old, new):
                    for model, pks in _step_data_ids(value).items():
                        wanted[model].update(pks)
    names = _related_names(user, wanted)
    links = record_links(user, entries)
    object_name = object_names(user, entries)
    system = _("hệ thống")
    shown = []
    for entry in entries:
        label = model_label(entry.content_type)
        hidden = hidden_fields(user, label)
        numbers = {n for n, item in MODEL_FIELDS.get(label, {}).items() if item is Sensitive.CCCD}
        changes, derived = [], False
        step = next((v[2] or v[1] for v in parsed[entry.pk] if v[0].name == "step"), None)
        for found, old, new in parsed[entry.pk]:
            if is_internal(label, found.name):
                derived = derived or entry.action == LogEntry.Action.UPDATE
                continue
            if entry.action == LogEntry.Action.CREATE and new in (None, ""):
                continue  # a creation says what was filled in
            if entry.action == LogEntry.Action.DELETE and old in (None, ""):
                continue

            def show(value, found=found, hidden=hidden, numbers=numbers, step=step):
                if found.name in hidden:
                    return str(HIDDEN)
                if value is None or value == "":
                    return EMPTY
                if found.name in numbers:
                    return mask_cccd(value)
                if found.is_relation:
                    return names.get(found.related_model, {}).get(value, str(HIDDEN))
                if _is_step_data(found) and isinstance(value, dict):
                    return mask_text(_describe_step_data(step, value, names))
                return mask_text(display_value(found, value))

            changes.append(Change(capfirst(str(found.verbose_name)), show(old), show(new)))
        data = entry.additional_data or {}
        shown.append(
            ShownEntry(
                pk=entry.pk,
                when=timezone.localtime(entry.timestamp).replace(microsecond=0),
                actor=str(entry.actor) if entry.actor_id else system,
                remote_addr=entry.remote_addr or "",
                action=entry.action,
                action_label=str(ACTION_LABELS.get(entry.action, entry.action)),
                kind=capfirst(str(entry.content_type.model_class()._meta.verbose_name))
                if entry.content_type.model_class() is not None
                else entry.content_type.model,
                name=mask_text(object_name.get(entry.pk, entry.object_repr)),
                url=links.get(entry.pk),
                changes=changes,
                derived=derived,
                reason=mask_text(data.get("reason", "")),
            )
        )
    return shown


# --- the page ---------------------------------------------------------------------------------


def scoped_entries(user):
    """The entries whose stored organisation path lies in ``user``'s subtree."""
    prefix = scope_path(user)
    entries = LogEntry.objects.select_related("actor", "content_type")
    if prefix is None:
        return entries.none()
    if prefix:
        entries = entries.filter(additional_data__org_path__startswith=prefix)
    return entries


@login_required
def audit_log(request):
    """Changes within the user's subtree, newest first (``User.can_read_audit``: the committee,
    the data protection officer and the administrators)."""
    if not request.user.can_read_audit:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    entries = scoped_entries(request.user)
    if form.is_bound and not form.is_valid():
        entries = entries.none()
    elif form.is_bound:
        entries = form.apply(entries)
    page = entry_page(request, entries)
    context = {
        "form": form,
        "page": page,
        "entries": shown_entries(request.user, page.object_list),
        "filtered": form.is_bound and any(form.data.get(name) for name in form.fields),
    }
    return render(request, "web/audit.html", context)


urlpatterns = [path("nhat-ky/", audit_log, name="audit")]
