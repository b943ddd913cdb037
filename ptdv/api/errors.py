"""The API's errors in one shape: ``{"loi": [{"ma", "thong_bao", "can_cu", "truong"}]}``.

- A form's error (the pages' forms validate the API's payloads): ``ma`` ``"khong_hop_le"``,
  ``truong`` the field (``null`` for the form as a whole), ``thong_bao`` the form's Vietnamese
  message.
- A refusal of the services (``StepRefused`` and the rules' findings): HTTP 400, each line as the
  page shows it (``web.toolkit.refusal_lines``: the finding's message and its citation), ``ma``
  the finding's code (``"tu_choi"`` for the state machine's refusals), ``can_cu`` the citation.
- A concurrent change (``ConcurrentChange``): HTTP 409, ``ma`` ``"thay_doi_dong_thoi"``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.response import Response

from ptdv.accounts.json_errors import INVALID  # the middlewares' refusals use the same code
from ptdv.pipeline.services import ConcurrentChange
from ptdv.web.toolkit import refusal_lines

REFUSED = "tu_choi"
CONCURRENT = "thay_doi_dong_thoi"


def line(code: str, message: str, *, citation: str | None = None, field: str | None = None):
    return {"ma": code, "thong_bao": str(message), "can_cu": citation, "truong": field}


def form_errors(form: forms.BaseForm) -> Response:
    """400: each error of ``form`` with its field."""
    lines = [
        line(INVALID, str(message), field=None if name == "__all__" else name)
        for name, messages in form.errors.items()
        for message in messages
    ]
    return Response({"loi": lines}, status=status.HTTP_400_BAD_REQUEST)


def refusal(exc: Exception) -> Response:
    """400 (409 for a concurrent change): the service's refusal as the page shows it."""
    if isinstance(exc, ConcurrentChange):
        lines = [line(CONCURRENT, m) for m in refusal_lines(exc)]
        return Response({"loi": lines}, status=status.HTTP_409_CONFLICT)
    findings = getattr(exc, "findings", None) or []
    shown = refusal_lines(exc)
    if findings:
        lines = [
            line(f.code, text, citation=str(f.citation))
            for f, text in zip(findings, shown, strict=True)
        ]
    else:
        lines = [line(REFUSED, text) for text in shown]
    return Response({"loi": lines}, status=status.HTTP_400_BAD_REQUEST)


def problem(message: Any, *, field: str | None = None, code: str = INVALID) -> Response:
    return Response({"loi": [line(code, message, field=field)]}, status=status.HTTP_400_BAD_REQUEST)


# --- the schema -----------------------------------------------------------------------------


class ErrorLineSerializer(serializers.Serializer):
    ma = serializers.CharField(
        help_text=_(
            "Mã lỗi: “khong_hop_le” (dữ liệu gửi lên), “tu_choi” (không đúng trình tự), "
            "“thay_doi_dong_thoi”, hoặc mã của quy định bị vi phạm (ví dụ “age.too_young”)."
        )
    )
    thong_bao = serializers.CharField(help_text=_("Thông báo bằng tiếng Việt, như trên trang."))
    can_cu = serializers.CharField(
        allow_null=True, help_text=_("Căn cứ của quy định (văn bản, điều, mục), nếu có.")
    )
    truong = serializers.CharField(
        allow_null=True, help_text=_("Trường dữ liệu bị lỗi; null: lỗi chung.")
    )


class ErrorSerializer(serializers.Serializer):
    loi = ErrorLineSerializer(many=True, help_text=_("Các lỗi, theo thứ tự."))


REFUSAL_EXAMPLE = OpenApiExample(
    "Bị từ chối theo quy định",
    value={
        "loi": [
            {
                "ma": "papers.missing",
                "thong_bao": "Hồ sơ còn thiếu: Lý lịch của người xin vào Đảng. — HD 01-HD/TW "
                "(2021), mục 3 (tiểu mục chưa đối chiếu)",
                "can_cu": "HD 01-HD/TW (2021), mục 3 (tiểu mục chưa đối chiếu)",
                "truong": None,
            }
        ]
    },
)

#: The error responses of a write, for ``extend_schema(responses=…)``.
WRITE_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description=_("Dữ liệu không hợp lệ, hoặc bị từ chối theo quy định."),
        examples=[REFUSAL_EXAMPLE],
    ),
    403: OpenApiResponse(description=_("Tài khoản hoặc khóa chỉ được xem.")),
    404: OpenApiResponse(description=_("Không có, hoặc ngoài phạm vi của người dùng.")),
    409: OpenApiResponse(
        ErrorSerializer, description=_("Hồ sơ vừa được người khác cập nhật (sai “version”).")
    ),
}
