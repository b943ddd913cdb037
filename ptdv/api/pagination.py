"""Keyset (cursor) pages for every list of the API, bounded to :data:`MAX_PAGE_SIZE` rows.

A page is the rows after the cursor row in the list's order: ``?after=<id>`` names the last row
of the previous page (the ``next`` link of a page carries it). The cursor row's sort columns are
read by its id within the list's own queryset (the user's scope, the filters), as the candidacy
list page does (``ptdv.web.toolkit.cursor_param``, ``ptdv.web.filters.beyond``): no name or
other value goes into an address, and an id outside the scope (or gone) is the first page. Each
page is one ``ORDER BY … LIMIT n + 1`` whatever its position, so its cost does not grow with the
rows before it.

A view names its order in ``keyset``: non-null columns, the last one unique (``("id",)`` by
default); the candidacy list uses the sorts of the pages (``sort_code``, ``web.filters``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ptdv.web.filters import SORT_KEYS, beyond
from ptdv.web.toolkit import cursor_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
AFTER_PARAM = "after"
SIZE_PARAM = "limit"


def after_position(keys: tuple[str, ...], position: tuple) -> Q:
    """The rows after ``position`` in the order of ``keys`` (non-null columns, ascending):
    ``(a > x) OR (a = x AND b > y) OR …``."""
    result = Q(pk__in=[])
    equal = Q()
    for lookup, value in zip(keys, position, strict=True):
        result |= equal & Q(**{f"{lookup}__gt": value})
        equal &= Q(**{lookup: value})
    return result


class KeysetPagination(BasePagination):
    """``{"next": url | null, "results": [...]}``; ``limit`` rows (at most 200, 50 by default)."""

    def page_size(self, request) -> int:
        raw = request.query_params.get(SIZE_PARAM, "")
        if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 4:
            return max(1, min(int(raw), MAX_PAGE_SIZE))
        return DEFAULT_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request, view=None) -> list[Any]:
        self.request = request
        size = self.page_size(request)
        code = getattr(view, "sort_code", None)
        if code:
            lookups = [lookup for lookup, _nullable in SORT_KEYS[code]]
        else:
            lookups = list(getattr(view, "keyset", ("id",)))
            queryset = queryset.order_by(*lookups)
        after = cursor_param(request, AFTER_PARAM)
        if after:
            base = view.cursor_queryset() if hasattr(view, "cursor_queryset") else queryset
            position = base.filter(pk=after).values_list(*lookups).first()
            if position is not None:
                condition = (
                    beyond(code, position) if code else after_position(tuple(lookups), position)
                )
                queryset = queryset.filter(condition)
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last_id = rows[-1].pk if rows else None
        return rows

    def next_link(self) -> str | None:
        if not self.has_next or self.last_id is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, AFTER_PARAM, self.last_id)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": str(_("Địa chỉ của trang sau; null ở trang cuối.")),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": AFTER_PARAM,
                "required": False,
                "in": "query",
                "description": str(
                    _("Mã của dòng cuối trang trước (lấy từ liên kết “next”); trống: trang đầu.")
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": str(_("Số dòng một trang, từ 1 đến 200 (mặc định 50).")),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
