"""Who reads the personal-data registers, for the menu and the person page."""

from django import template

from ptdv.subjects.roles import can_read_registers as _can_read_registers

register = template.Library()


@register.filter
def can_read_registers(user) -> bool:
    return _can_read_registers(user)
