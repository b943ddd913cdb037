"""Translation in the rules (pure Python, no Django): a no-op marker and a translator the site plugs in.

``makemessages`` (xgettext) extracts the literal passed to any call named ``gettext_noop``, so
the Vietnamese labels below become msgids while staying plain ``str`` here (they are used in
f-strings and JSON). Presentation code translates them at display time with ``gettext(label)``.

Text the rules compose themselves and the pages print as it is (a citation's "(tiểu mục chưa đối
chiếu)", through ``str()``) goes through :func:`gettext` here: the identity until the site installs
Django's ``gettext`` with :func:`install_translator`, so the rules stay pure Python and their text
follows the page's language.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["gettext", "gettext_noop", "install_translator"]

_translate: Callable[[str], str] = str


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation and return it unchanged."""
    return message


def gettext(message: str) -> str:
    """``message`` in the current language once a translator is installed, else unchanged."""
    return _translate(message)


def install_translator(translate: Callable[[str], str]) -> None:
    """Translate the rules' own text with ``translate`` (the site: Django's ``gettext``)."""
    global _translate
    _translate = translate
