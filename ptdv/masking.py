"""Showing an identity number (CCCD) without giving it away: ``001******457``.

The number is personal data that identifies a person by itself (Luật 91/2025/QH15; Nghị định
356/2025/NĐ-CP). ptdv keeps it whole in the database (it is the key of "who is who": search,
duplicates, imports) and shows it masked everywhere — pages, search results, htmx fragments,
exports, the admin, the audit log and the log lines — keeping the province code (its first three
digits) and its last three digits, enough for a person who holds the paper to recognise it.
The exceptions are deliberate and few (see ``docs/privacy.md``): the person page's "Hiện số đầy
đủ" for the roles allowed to reveal it (each reveal is written to the read log), the correction
form that corrects it, and the dossier forms, official papers that carry the whole number.

- :func:`mask_cccd`: one number (a template filter too: ``{{ person.cccd|cccd }}``).
- :func:`mask_text`: every run of nine or more digits in a text (a CCCD, an old 9-digit CMND, a
  passport number) masked: for texts that may quote a number, such as an import's messages, an
  error message or a log line.
- :class:`MaskNumbersFilter`: the logging filter of ``settings.LOGGING``: a record's message,
  arguments, exception and stack text are masked before any handler writes them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: Digits kept at each end of a masked number.
KEPT = 3
#: Fewer digits than this are not an identity number (dates, counts, years).
MIN_DIGITS = 9
MASK = "*"

#: Nine or more digits in a row, not inside a longer run of digits.
_NUMBER = re.compile(rf"(?<!\d)\d{{{MIN_DIGITS},}}(?!\d)")
#: Nine or more digits, possibly written in groups with one separator between them
#: ("001 090 123 457", "001.090.123.457", "001/090/123/457", "001_090_123_457").
_GROUPED_NUMBER = re.compile(rf"\d(?:[^\w]?\d|_?\d){{{MIN_DIGITS - 1},}}")


def mask_cccd(value: Any) -> str:
    """``"001090123457"`` → ``"001******457"``; empty for no number.

    Shorter values keep at most their first three characters (never more than half of them);
    the last three are kept only for a value of nine characters or more, so that no masked value
    shows more than six of its characters.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    length = len(text)
    head = min(KEPT, length // 2)
    tail = KEPT if length >= MIN_DIGITS else 0
    return text[:head] + MASK * (length - head - tail) + text[length - tail :]


def mask_logged_value(value: str) -> str:
    """:func:`mask_cccd` for django-auditlog's ``mask_callable``, which hands over ``"None"`` for
    no number: that stays ``"None"`` (``accounts/audit.py``)."""
    return value if value in ("None", "") else mask_cccd(value)


def mask_text(text: Any) -> str:
    """``text`` with every run of nine or more digits masked (``… 001******457 …``)."""
    if text is None:
        return ""
    return _NUMBER.sub(lambda match: mask_cccd(match.group()), str(text))


def mask_grouped_numbers(text: Any) -> str:
    """:func:`mask_text`, also for numbers written in groups, masked as their digits
    (``001 090 123 457`` → ``001******457``). For what a user typed into a query (the read log's
    filters): broader than :func:`mask_text`, so it also masks a date written with its time —
    too broad for pages and log lines, where those must stay readable."""
    if text is None:
        return ""
    return _GROUPED_NUMBER.sub(lambda match: mask_cccd(re.sub(r"\D", "", match.group())), str(text))


def has_full_number(text: str, numbers) -> bool:
    """Whether any of ``numbers`` (whole identity numbers) appears in ``text``."""
    return any(number and number in text for number in numbers)


class MaskNumbersFilter(logging.Filter):
    """Masks identity numbers in every record a handler writes (``settings.LOGGING``).

    The message is formatted here (``msg % args``) and masked, the arguments dropped; the
    exception's text and the stack are formatted once and masked too (the formatter reuses
    ``exc_text``), so an error such as PostgreSQL's ``Key (cccd)=(001090123457) already exists``
    reaches the log as ``Key (cccd)=(001******457) already exists``. The record is changed in
    place, so every handler after this one writes the masked text as well. Never refuses a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep what can be kept, masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
