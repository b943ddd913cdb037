"""``{% load inventory_tags %}``: ``user|can_read_inventory`` for the menu."""

from django import template

from ptdv.inventory.document import can_read_inventory as _can_read_inventory

register = template.Library()


@register.filter
def can_read_inventory(user) -> bool:
    return _can_read_inventory(user)
