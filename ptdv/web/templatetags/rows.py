"""Cheap pieces for the rows of long tables: ``{% load rows %}``.

A row of the list, the board or the to-do page is rendered 50 times per page; each template node
costs microseconds, and some cost many (benchmarks/floor.py, docs/benchmarks.md):

- ``{{ day|dmy }}``: a date (or a datetime, in the current time zone) as ``dd/mm/yyyy``, by one
  ``strftime``; ``""`` for none. The same text as ``|date:"d/m/Y"``, which reads its format
  string character by character at every call (about half the time of a list row).
- ``{% link_prefix "candidacy" as to_candidacy %}`` … ``{{ to_candidacy }}{{ c.pk }}/``: the
  address of a page that takes one id, reversed once for all the rows rather than by
  ``{% url %}`` in each.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape as html_escape

from django import template
from django.urls import reverse
from django.utils import timezone

register = template.Library()

#: The id reversed into the address and cut off again.
_PLACEHOLDER = 0


@register.filter(name="dmy")
def dmy(value) -> str:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return ""


@register.simple_tag
def link_prefix(url_name: str) -> str:
    """The address of ``url_name`` (a page whose only argument is an id, last in its address,
    followed by ``/``) without the id and the slash: the rows add ``{{ pk }}/``."""
    address = reverse(url_name, args=[_PLACEHOLDER])
    suffix = f"{_PLACEHOLDER}/"
    if not address.endswith(suffix):
        raise ValueError(f"{url_name}: the id is not the end of its address ({address})")
    return address[: -len(suffix)]


# --- rows built in the view --------------------------------------------------------------------
#
# The list, the board and the to-do page build each row once, in the view, as one piece of
# markup (``row.html``, marked safe) from ready values: one reversed address prefix, dates by one
# ``strftime``, labels from the per-language dictionaries (``ptdv.labels``,
# ``ptdv.pipeline.labels``), every value escaped once. The template writes ``{{ c.html }}``: one
# variable per row instead of a dozen nodes, filters and tags.


def esc(value) -> str:
    """``value`` as HTML text, as ``conditional_escape`` gives it (already-safe markup is kept),
    without its lazy-string wrapper: the standard library's ``html.escape``, the same five
    characters replaced."""
    if type(value) is str:  # what the database gives: the common case first
        return html_escape(value)
    if hasattr(value, "__html__"):
        return str.__str__(value.__html__())  # a plain str: a SafeString formats slower
    return html_escape(str(value))


def dmy_of(value: date) -> str:
    """A date as ``dd/mm/yyyy`` (``|dmy`` of a date): the fields, not a format read per call."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def row_labels(**labels) -> dict[str, str]:
    """The translated labels a row repeats, escaped once per request."""
    return {name: esc(label) for name, label in labels.items()}
