"""The reports' figures as JSON: the same :func:`ptdv.reports.stored.build` as the pages
(``/bao-cao/<slug>/``), with the same parameters and their validation (the report form:
``to_chuc``, ``tu_ngay``, ``den_ngay``, ``ngay``, ``chu_so``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ptdv.web.views.report_form import PAGES, PERIOD, SNAPSHOT, ReportPage, bound_form, build_report

from . import errors
from .permissions import SignedIn
from .serializers import ReportSerializer

_DAY = "Ngày yyyy-mm-dd hoặc dd/mm/yyyy."


def _parameters(page: ReportPage) -> list[OpenApiParameter]:
    params = [
        OpenApiParameter(
            "to_chuc",
            OpenApiTypes.INT,
            description=_("Tổ chức đảng (mặc định: tổ chức của người dùng)."),
        ),
        OpenApiParameter(
            "chu_so", OpenApiTypes.INT, enum=[1, 2], description=_("Số chữ số thập phân của tỷ lệ.")
        ),
    ]
    names = {PERIOD: ("tu_ngay", "den_ngay"), SNAPSHOT: ("ngay",)}.get(
        page.dates, ("tu_ngay", "ngay")
    )
    labels = {"tu_ngay": _("Từ ngày"), "den_ngay": _("Đến ngày"), "ngay": _("Tại ngày")}
    return params + [
        OpenApiParameter(name, OpenApiTypes.STR, description=f"{labels[name]}. {_DAY}")
        for name in names
    ]


class ReportView(APIView):
    """One report; its kind is given by the route."""

    permission_classes = [SignedIn]
    page: ReportPage

    def get(self, request):
        form = bound_form(request, self.page)
        if form is None:  # the user sees no organisation at all
            return errors.problem(_("Tài khoản chưa được gắn với tổ chức đảng nào."))
        report = build_report(form, self.page)
        if report is None:
            return errors.form_errors(form)
        return Response(ReportSerializer(report).data)


def report_view(page: ReportPage):
    """The view of one report, with its schema (summary, parameters) in Vietnamese."""
    view: Any = type(
        f"Report_{page.kind}",
        (ReportView,),
        {"page": page, "__module__": __name__, "__doc__": str(page.description)},
    )

    def get(self, request):
        return ReportView.get(self, request)

    view.get = extend_schema(
        operation_id=f"bao_cao_{page.kind}",
        summary=page.title,
        description=page.description,
        parameters=_parameters(page),
        responses={200: ReportSerializer, 400: errors.ErrorSerializer},
        tags=["bao-cao"],
    )(get)
    return view.as_view()


VIEWS = {page.kind: (page, report_view(page)) for page in PAGES}
