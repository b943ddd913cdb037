"""The OpenAPI schema's operations (drf-spectacular), each with the errors every view may answer:
not signed in (401/403), no right (403), not found or outside the scope (404), too many requests
(429), and the ``{"loi": […]}`` of :mod:`.errors` for a refused request (400)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .errors import ErrorSerializer


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Lý do, bằng tiếng Việt."))


COMMON = {
    "400": OpenApiResponse(
        ErrorSerializer, description=_("Tham số hoặc dữ liệu không hợp lệ (từng lỗi một).")
    ),
    "401": OpenApiResponse(DetailSerializer, description=_("Chưa đăng nhập hoặc khóa sai.")),
    "403": OpenApiResponse(
        DetailSerializer, description=_("Không có quyền (vai trò, khóa chỉ được xem).")
    ),
    "404": OpenApiResponse(
        DetailSerializer, description=_("Không có, hoặc ngoài phạm vi của người dùng.")
    ),
    "429": OpenApiResponse(DetailSerializer, description=_("Quá nhiều yêu cầu: thử lại sau.")),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in COMMON.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
