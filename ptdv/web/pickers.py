"""Pickers: a text box that searches as one types, for the fields whose choices grow with the
subtree (cells, organisations, places of residence, mentors, introducers).

A picker field is an ordinary ``ModelChoiceField`` whose widget is :class:`PickerWidget`: the form
posts the chosen id in a hidden input, and the field validates it against its queryset (the
user's scope, the kind of organisation, the people who may be chosen) exactly as before. The text
box asks :mod:`ptdv.web.views.pickers` for at most :data:`SHOWN` matches (POST: a name or a CCCD
typed never travels in an address) and ``site.js`` handles the keyboard (ARIA 1.2 combobox with a
listbox popup). Without JavaScript the box is a text field of the form; a form sent with text and
no choice comes back with the matches as radio buttons.

What a result says to tell people and units apart:

- an organisation: its name and the path of its parents (those the user sees); a place: its
  name and its grassroots organisation's (when the user sees it);
- a person: name, year of birth, cell and party standing on the relevant date (the letter's or
  the form's date, else today); someone who may not be chosen is listed greyed, with the reason
  (:func:`standing`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from ptdv.org.models import CELL_KINDS, Organisation, Place, ancestor_paths
from ptdv.people.models import MemberStatus, Person
from ptdv.people.search import PersonQuery, search_people
from ptdv.people.text import fold

#: The most matches a picker lists; the others are counted ("và N … khác: gõ thêm").
SHOWN = 20
#: The longest text searched (a name with its unit fits in far less).
MAX_TEXT = 120
#: Separator of an organisation's path.
PATH_SEPARATOR = " › "

# The kinds of organisation picker, as the endpoint's ``loai`` parameter names them.
CELLS = "chi-bo"
ANY_ORGANISATION = "to-chuc"
ORGANISATION_KINDS = (CELLS, ANY_ORGANISATION)

# The roles of person picker (``vai-tro``).
MENTOR = "giup-do"
INTRODUCER = "gioi-thieu"
PERSON_ROLES = (MENTOR, INTRODUCER)

_WORD = re.compile(r"[^\W_]+")
#: The text box's name is the field's and this: ``cell-tim``.
TEXT_SUFFIX = "-tim"


def text_name(field: str) -> str:
    return f"{field}{TEXT_SUFFIX}"


def parse_day(raw: str | None) -> date | None:
    """A date as the date inputs send it (2026-03-05) or as people type it (05/03/2026)."""
    raw = (raw or "").strip()[:10]
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        day, month, year = (int(part) for part in raw.split("/"))
        return date(year, month, day)
    except ValueError:
        return None


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


# --- organisations --------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _folded(name: str) -> str:
    """A name as the text searched, each word after a space ("Chi bộ Thôn 3" → " chi bo thon
    3"): a word typed begins a word of it when ``" " + word`` is in it. Names repeat across a
    province ("Chi bộ thôn 1"): folded once per process."""
    return "".join(f" {w}" for w in _WORD.findall(fold(name)))


def query_words(text: str | None) -> tuple[str, ...]:
    text = (text or "")[:MAX_TEXT]
    return tuple(dict.fromkeys(_WORD.findall(fold(text))))[:8]


@dataclass(frozen=True)
class OrganisationResult:
    pk: int
    name: str
    path: str  # the parents' names the user sees, from the top

    @property
    def label(self) -> str:
        return f"{self.name} — {self.path}" if self.path else self.name


@dataclass(frozen=True)
class Results:
    """What a picker lists: at most :data:`SHOWN` rows and how many matched in all."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def organisations_for(user, kind: str, *, exclude: int | None = None):
    """The organisations a picker of ``kind`` offers ``user``: the user's subtree; cells not
    dissolved (``CELLS``), or every unit (``ANY_ORGANISATION``). The forms validate against the
    same queryset."""
    units = Organisation.objects.visible_to(user)
    if kind == CELLS:
        units = units.cells().exclude(dissolved_on__lte=timezone.localdate())
    if exclude is not None:
        units = units.exclude(pk=exclude)
    return units.order_by("path")


def search_organisations(user, kind: str, text: str | None, *, exclude: int | None = None):
    """The units of :func:`organisations_for` whose name or parents' names hold every word
    typed (word beginnings, diacritics and case ignored), in tree order.

    No folded name is stored for units, so the subtree's units are read as (path, name) and
    matched here, cheaply: the parents (a province's thousand communes) are folded once per
    request; a unit's own name is tested only for the words its parents lack, once per distinct
    name and lack (names repeat: "Chi bộ thôn 3"); 25,000 cells cost one indexed read of three
    columns and a dictionary look-up each (``benchmarks/pickers.py``).
    """
    words = query_words(text)
    wanted = organisations_for(user, kind, exclude=exclude)
    if not words:
        total = wanted.count()
        rows = list(wanted.only("pk", "name", "path")[:SHOWN])
        return Results(_with_paths(user, rows), total)
    needles = tuple(f" {w}" for w in words)
    step = Organisation.steplen
    # The units with children (no cell has any), each with its parents' folded names.
    names = dict(
        Organisation.objects.visible_to(user)
        .exclude(kind__in=CELL_KINDS)
        .order_by("path")
        .values_list("path", "name")
    )
    texts: dict[str, str] = {}
    for path, name in names.items():  # in tree order: a parent before its children
        texts[path] = texts.get(path[:-step], "") + _folded(name)
    lacking: dict[str, tuple[str, ...]] = {}  # parent's path -> the words its text lacks
    found: dict[tuple[str, tuple[str, ...]], bool] = {}
    rows = []
    total = 0
    for pk, path, name in wanted.values_list("pk", "path", "name").iterator(chunk_size=5000):
        parent = path[:-step]
        lack = lacking.get(parent)
        if lack is None:
            above = texts.get(parent, "")
            lack = lacking[parent] = tuple(n for n in needles if n not in above)
        key = (name, lack)
        ok = found.get(key)
        if ok is None:
            own = _folded(name)
            ok = found[key] = all(n in own for n in lack)
        if ok:
            total += 1
            if len(rows) < SHOWN:
                rows.append(Organisation(pk=pk, path=path, name=name))
    return Results(_with_paths(user, rows, names), total)


def _with_paths(user, units: list[Organisation], names: dict[str, str] | None = None):
    """Each unit with the names of its parents that ``user`` sees (one query for all)."""
    if names is None:
        wanted = {p for u in units for p in ancestor_paths(u.path)[:-1]}
        names = dict(
            Organisation.objects.visible_to(user)
            .filter(path__in=wanted)
            .values_list("path", "name")
        )
    out = []
    for unit in units:
        parents = [names[p] for p in ancestor_paths(unit.path)[:-1] if p in names]
        out.append(OrganisationResult(unit.pk, unit.name, PATH_SEPARATOR.join(parents)))
    return out


def describe_organisation(user, unit: Organisation) -> str:
    """ "Chi bộ 3 — Đảng bộ xã An Phú › …": what the text box shows for a chosen unit."""
    return _with_paths(user, [unit])[0].label


# --- places ---------------------------------------------------------------------------------


def places_for(user):
    """The places a person's residence may be (``Place.objects.serving``: the subtree's, and
    those a cell of the subtree covers)."""
    return Place.objects.serving(user).order_by("name", "pk")


def search_places(user, text: str | None) -> Results:
    """Places of :func:`places_for` whose name, or their grassroots organisation's when the
    user sees it, holds every word typed; by name. Each shows that organisation's name (only
    one the user sees)."""
    needles = [f" {w}" for w in query_words(text)]
    places = places_for(user)
    visible = dict(
        Organisation.objects.visible_to(user)
        .filter(pk__in=places.values("organisation"))
        .values_list("pk", "name")
    )
    rows: list[Any] = []
    total = 0
    for pk, name, organisation_id in places.values_list("pk", "name", "organisation"):
        parent = visible.get(organisation_id, "")
        text = _folded(name) + _folded(parent)
        if all(n in text for n in needles):
            total += 1
            if len(rows) < SHOWN:
                rows.append(OrganisationResult(pk, name, parent))
    return Results(rows, total)


def describe_place(user, place: Place) -> str:
    """ "Thôn Đông — Đảng bộ xã Hòa An" (the organisation only if the user sees it)."""
    parent = Organisation.objects.visible_to(user).filter(pk=place.organisation_id).first()
    return OrganisationResult(place.pk, place.name, parent.name if parent else "").label


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A person's party standing on a day, and whether they may be chosen for the role."""

    eligible: bool
    label: str


def standing(person: Person, on: date, *, today: date | None = None) -> Standing:
    """Whether ``person`` may introduce or mentor on ``on`` (the letter's date, the assignment's
    start), as the vote's checks will judge it (``rules/checks/introducers.py``,
    ``rules/checks/mentors.py``) and ``Person.is_official_member_on`` does:

    - an official member on ``on`` (official date on or before it);
    - not gone by then nor since: a member who left or was transferred out before the vote is
      refused by the vote's check (``introducer.left``, ``mentor.left``).
    """
    today = today or timezone.localdate()
    left = person.party_left_on
    if person.member_status == MemberStatus.TRANSFERRED_OUT:
        if left is not None:
            return Standing(False, _("đã chuyển sinh hoạt đảng đi từ %(d)s") % {"d": _d(left)})
        return Standing(False, _("đã chuyển sinh hoạt đảng đi"))
    if left is not None and left <= max(on, today):
        return Standing(False, _("đã ra khỏi Đảng từ %(d)s") % {"d": _d(left)})
    official, admitted = person.party_official_on, person.party_admitted_on
    if official is not None and official <= on:
        return Standing(True, _("đảng viên chính thức từ %(d)s") % {"d": _d(official)})
    if official is not None and (admitted is None or admitted <= on):
        return Standing(False, _("đảng viên dự bị đến %(d)s") % {"d": _d(official)})
    if admitted is not None and admitted <= on:
        return Standing(False, _("đảng viên dự bị (kết nạp %(d)s)") % {"d": _d(admitted)})
    if admitted is not None:
        return Standing(
            False, _("kết nạp ngày %(d)s, sau ngày %(on)s") % {"d": _d(admitted), "on": _d(on)}
        )
    if person.member_status == MemberStatus.PROBATIONARY:
        return Standing(False, _("đảng viên dự bị"))
    return Standing(False, _("chưa là đảng viên"))


@dataclass(frozen=True)
class PersonResult:
    pk: int
    name: str
    birth_year: int
    cell: str
    standing: Standing

    @property
    def label(self) -> str:
        return f"{self.name} ({self.birth_year}) — {self.cell}"


def grassroots_path(candidacy) -> str:
    """The path of the candidacy's grassroots organisation (its cell's, if none above)."""
    cell = candidacy.cell
    grassroots = cell.grassroots_organisation()
    return (grassroots or cell).path


def people_for(candidacy, user):
    """Who a mentor or introducer picker searches, and the forms validate against: party members
    (now or before) of the candidacy's grassroots organisation that ``user`` sees, the candidate
    aside. Whether one may be chosen on the form's date is :func:`standing`."""
    return (
        Person.objects.visible_to(user)
        .in_subtree(grassroots_path(candidacy))
        .exclude(member_status=MemberStatus.NONE)
        .exclude(pk=candidacy.person_id)
        .select_related("cell")
    )


def person_result(person: Person, on: date, *, busy: set[int] = frozenset()) -> PersonResult:
    if person.pk in busy:
        found = Standing(False, _("đang giúp đỡ người này"))
    else:
        found = standing(person, on)
    return PersonResult(
        person.pk, person.full_name, person.birth_date.year, person.cell.name, found
    )


def current_mentors(candidacy) -> set[int]:
    """The people assigned to help the candidate now (not chosen again)."""
    from ptdv.pipeline.models import MentorAssignment

    return set(
        MentorAssignment.objects.filter(candidacy=candidacy, end__isnull=True).values_list(
            "mentor_id", flat=True
        )
    )


def search_candidates(candidacy, user, text: str | None, on: date, *, busy: set[int] = frozenset()):
    """People of :func:`people_for` matching ``text`` (the person search: folded name words or
    a CCCD), best matches first; each with their standing on ``on``."""
    people = people_for(candidacy, user)
    query = PersonQuery.parse((text or "")[:MAX_TEXT])
    if query.is_empty:
        people = people.order_by("sort_key", "pk")
    elif query.is_searchable:
        people = search_people(people, query)
    else:
        people = people.none()
    total = people.count()
    rows = [person_result(p, on, busy=busy) for p in people[:SHOWN]]
    return Results(rows, total)


# --- the widget -----------------------------------------------------------------------------


class PickerWidget(forms.Widget):
    """A searchable text box posting the chosen id in a hidden input.

    - ``url``: the endpoint that lists matches; ``params``: what it needs besides the text (the
      kind of unit, the role, the candidacy);
    - ``date_field``: the form's field whose date the standing is judged on (sent with the text);
    - the text shown for the current value is the field's ``label_from_instance``, resolved
      through the field's queryset (a value outside it shows nothing);
    - ``search(text, data)``: the matches, for a form sent with text typed and nothing chosen
      (without JavaScript, Enter sends the form): they come back as radio buttons under the box,
      so the form works without scripts too.
    """

    template_name = "web/pickers/widget.html"

    def __init__(
        self,
        *,
        url: str = "",
        params: dict | None = None,
        date_field: str = "",
        placeholder: str = "",
        search: Callable[[str, Mapping], Results] | None = None,
        attrs=None,
    ):
        super().__init__(attrs)
        self.url = url
        self.params = params or {}
        self.date_field = date_field
        self.placeholder = placeholder or _("Gõ tên để tìm…")
        self.search = search
        self.data: Mapping = {}

    def value_from_datadict(self, data, files, name):
        self.data = data
        # A radio button of the matches (after the hidden input) wins over the empty input.
        return data.get(name)

    def _typed(self, name: str) -> str:
        return str(self.data.get(text_name(name)) or "")[:MAX_TEXT]

    def _label(self, value) -> str:
        choices = getattr(self, "choices", None)
        if value in (None, "") or choices is None or not hasattr(choices, "queryset"):
            return ""
        try:
            obj = choices.queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return ""
        return choices.field.label_from_instance(obj) if obj is not None else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base = widget["attrs"].get("id") or f"id_{name}"
        sent = [text_name(name), "field", *self.params]
        if self.date_field:
            sent.append(self.date_field)
        label = self._label(value)
        typed = self._typed(name)
        matches = None
        if not label and typed and self.search is not None:
            matches = self.search(typed, self.data)
        widget |= {
            "label": label or typed,
            "text_name": text_name(name),
            "matches": matches,
            "listbox_id": f"{base}_listbox",
            "status_id": f"{base}_status",
            "url": self.url,
            "vals": json.dumps({"field": name, **self.params}),
            "params": ",".join(sent),
            "include": f"#id_{self.date_field}" if self.date_field else "",
            "placeholder": self.placeholder,
        }
        return context


def picker(
    field: forms.ModelChoiceField,
    *,
    url: str,
    params: dict | None = None,
    date_field: str = "",
    placeholder: str = "",
    label=None,
    search: Callable[[str, Mapping], Results] | None = None,
) -> None:
    """Give ``field`` a picker; ``label``: what the box shows for the chosen object;
    ``search``: the matches of a text sent without choosing (see :class:`PickerWidget`)."""
    attrs = field.widget.attrs
    field.widget = PickerWidget(
        url=url,
        params=params,
        date_field=date_field,
        placeholder=placeholder,
        search=search,
        attrs=attrs,
    )
    field.widget.choices = field.choices
    if label is not None:
        field.label_from_instance = label
