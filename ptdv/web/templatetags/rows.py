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
