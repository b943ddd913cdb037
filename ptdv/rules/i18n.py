"""A no-op translation marker for the label tables of the rules (pure Python, no Django).

``makemessages`` (xgettext) extracts the literal passed to any call named ``gettext_noop``, so
the Vietnamese labels below become msgids while staying plain ``str`` here (they are used in
f-strings and JSON). Presentation code translates them at display time with ``gettext(label)``.
"""

from __future__ import annotations

__all__ = ["gettext_noop"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation and return it unchanged."""
    return message
