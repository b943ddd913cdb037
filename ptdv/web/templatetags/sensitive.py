"""Template filters for personal data: ``{% load sensitive %}``.

- ``{{ person.cccd|cccd }}``: the identity number masked (``001******457``; ``""`` for none);
- ``{{ text|mask_numbers }}``: a text with every identity-like number masked (messages that may
  quote one, such as an import's);
- ``{% if user|may_see:"religion" %}``: whether the user's role may see a sensitive item
  (``ptdv.people.sensitive.POLICY``: ``cccd``, ``ethnicity``, ``religion``, ``verification``);
- ``{% if user|may_print_dossier %}``: whether the user may download the filled dossier forms.
"""

from __future__ import annotations

from django import template

from ptdv.masking import mask_cccd, mask_text
from ptdv.people import sensitive

register = template.Library()


@register.filter(name="cccd")
def cccd(value) -> str:
    return mask_cccd(value)


@register.filter(name="mask_numbers")
def mask_numbers(value) -> str:
    return mask_text(value)


@register.filter(name="may_see")
def may_see(user, item: str) -> bool:
    return sensitive.may_see(user, item)


@register.filter(name="may_print_dossier")
def may_print_dossier(user) -> bool:
    return sensitive.may_print_dossier(user)
