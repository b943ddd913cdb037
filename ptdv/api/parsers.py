"""The API's JSON parser, bounded in bytes and in depth (docs/api.md, "Errors").

Django REST framework's ``JSONParser`` reads the whole body and hands it to ``json.load``: a
body of a few hundred kilobytes of ``[[[[…`` exhausts the interpreter's recursion (a 500 with a
traceback), and a body between ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and the request guard's limit
(the largest import file, ``ptdv.web.middleware.body_too_big``) is read in full. This parser:

- refuses a body larger than ``PTDV_API_MAX_BODY_BYTES`` (default 256 KiB) with 413, on its
  declared length before Django reads it (:class:`ContentNegotiation`, when the parser is
  chosen) and on the bytes actually read, in the API's shape
  ``{"loi": [{"ma": "khong_hop_le", …}]}``;
- refuses nesting of arrays and objects deeper than :data:`MAX_DEPTH` with a 400
  (``ParseError``), found by one linear scan of the bytes before ``json`` sees them; a
  ``RecursionError`` from the parser itself is the same 400.

Its media type stays ``application/json``: the schema (drf-spectacular reads the parsers'
media types) is unchanged. Form and multipart bodies (uploads) keep Django REST framework's own
parsers and Django's limits.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.negotiation import DefaultContentNegotiation

from ptdv.accounts.json_errors import INVALID

#: The default of ``PTDV_API_MAX_BODY_BYTES``: far above any write of the API (a step with its
#: fields is well under a kilobyte), far below what a request may hold for an import file.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
#: The deepest nesting of arrays and objects accepted (the API's payloads are flat objects).
MAX_DEPTH = 32

# One token at a time: a string (to its closing quote, or to the end of an unterminated one —
# every match succeeds at once, so the scan is linear whatever the body), or a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.?)*(?:"|\Z)|[\[{]|[\]}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def max_body_bytes() -> int:
    return int(getattr(settings, "PTDV_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


class BodyTooLarge(APIException):
    """413 in the API's shape (``ptdv.api.errors``)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_entity_too_large"

    def __init__(self, limit: int):
        message = _(
            "Dữ liệu JSON gửi lên lớn quá %(limit)s KB, giới hạn của API: hãy gửi ít dữ liệu hơn "
            "trong mỗi yêu cầu."
        ) % {"limit": limit // 1024}
        super().__init__(message)
        # Set after the constructor, which would turn ``None`` into the text "None".
        self.detail: Any = {
            "loi": [{"ma": INVALID, "thong_bao": message, "can_cu": None, "truong": None}]
        }


class NestingTooDeep(ParseError):
    def __init__(self):
        super().__init__(
            _("Dữ liệu JSON gửi lên lồng nhau quá %(depth)s cấp (mảng, đối tượng).")
            % {"depth": MAX_DEPTH}
        )


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``body`` nests arrays and objects deeper than ``limit`` (brackets inside strings
    do not count); stops at the first bracket past the limit."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(body):
        first = token.group()[0]
        if first in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22:  # a closing bracket ('"' opens a string)
            depth -= 1
    return False


def _declared_length(request) -> int | None:
    meta = getattr(request, "META", None) or {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return None


class JSONParser(parsers.JSONParser):
    """``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``'s JSON parser (see the module)."""

    @staticmethod
    def refuse_declared(request) -> None:
        """413 when the request declares a body larger than the limit."""
        limit = max_body_bytes()
        declared = _declared_length(request)
        if declared is not None and declared > limit:
            raise BodyTooLarge(limit)

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = max_body_bytes()
        self.refuse_declared(parser_context.get("request"))
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge(limit)
        if too_deep(body):
            raise NestingTooDeep
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:  # a deeper stack than the scan foresaw
            raise NestingTooDeep from exc


class ContentNegotiation(DefaultContentNegotiation):
    """``REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]``: Django REST framework reads
    ``request.body`` before it calls a JSON parser, and Django refuses a body larger than
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` there with an exception (a vague 400 and a logged
    traceback); the declared length is judged here first, when the JSON parser is chosen."""

    def select_parser(self, request, parsers):
        parser = super().select_parser(request, parsers)
        if isinstance(parser, JSONParser):
            parser.refuse_declared(request)
        return parser
