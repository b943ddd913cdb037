"""The API's resources: thin viewsets over ``visible_to(request.user)`` and the services.

Reads are scoped by each view's :meth:`get_queryset` (the one scope, ``org/scope.py``); an object
outside the user's subtree is a 404 like a missing one. Writes go through the pages' forms (their
keys, their Vietnamese messages) and the same services (``pipeline.services``), checked as the
pages check them (:func:`.permissions.writable`); a refusal comes back as ``{"loi": […]}``
(:mod:`.errors`). The pages of the same data are named in each docstring.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response

from ptdv.imports.models import ImportRun
from ptdv.imports.models import Kind as ImportKind
from ptdv.imports.models import Status as ImportStatus
from ptdv.org.models import Organisation, OrgKind, Place, PlaceKind
from ptdv.org.scope import get_visible_or_404
from ptdv.people.models import MemberStatus, Person
from ptdv.people.sensitive import Sensitive, findings_for, may_reveal_cccd, may_see
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import facts_seen_by
from ptdv.pipeline.history import History
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.pipeline.services import StepRefused
from ptdv.privacy.access import AccessKind, record
from ptdv.reports.models import Target
from ptdv.rules.checks import evaluate
from ptdv.rules.stages import Step
from ptdv.web.filters import CandidacyFilter
from ptdv.web.step_forms import STEP_FORMS, CorrectionForm, MentorAssignForm, OpenCandidacyForm
from ptdv.web.views.candidacy import describe_event, event_names
from ptdv.web.views.mentor import MentorReportForm
from ptdv.web.views.mentor import _may_file as may_file_report

from . import errors
from . import serializers as s
from .pagination import MAX_PAGE_SIZE
from .parsers import NestingTooDeep
from .permissions import ReadsRecords, SignedIn, writable

#: The events of one candidacy the timeline answers with, at most (the first, in their order).
MAX_EVENTS = 500


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A list and a detail, scoped by :meth:`get_queryset`."""

    permission_classes = [SignedIn]
    lookup_value_converter = "int"
    # Filters: the settings' DjangoFilterBackend, which does nothing without a ``filterset_class``.

    def cursor_queryset(self):
        return self.filter_queryset(self.get_queryset())

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except ValidationError as exc:  # a filter's value (django-filter's messages)
            return filter_errors(exc)

    def handle_exception(self, exc):
        if isinstance(exc, BadPayload):
            # The parser's own reason when it is ptdv's (nested too deep), not DRF's English one.
            if isinstance(exc.__cause__, NestingTooDeep):
                return errors.problem(exc.__cause__.detail)
            return errors.problem(_("Nội dung gửi lên phải là một đối tượng JSON hoặc biểu mẫu."))
        return super().handle_exception(exc)


def filter_errors(exc: ValidationError) -> Response:
    detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
    lines = [
        errors.line(errors.INVALID, str(message), field=name or None)
        for name, messages in detail.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]
    return Response({"loi": lines}, status=status.HTTP_400_BAD_REQUEST)


class BadPayload(Exception):
    pass


def _payload(request: Request) -> dict[str, Any]:
    """The request's body as a form's data (JSON or form-encoded); not an object: 400."""
    try:
        data = request.data
    except ParseError as exc:
        raise BadPayload from exc
    if hasattr(data, "dict"):
        return data.dict()
    if not isinstance(data, dict):
        raise BadPayload
    return dict(data)


# --- filters ------------------------------------------------------------------------------------


#: The largest id a filter accepts (the database's ids are 64-bit; a larger number is a 400).
MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(filters.NumberFilter):
    """A whole number within bounds (``min_value``, ``max_value``): anything else is a 400 with
    the form's message, never a number the database cannot compare."""

    field_class = forms.IntegerField


def by_id(field_name: str, help_text) -> filters.NumberFilter:
    """A related record by its id, compared as a number: an id outside the user's scope gives
    the same empty list as an id of nothing (a choice field would say which ids exist)."""
    return WholeNumberFilter(
        field_name=f"{field_name}_id", help_text=help_text, min_value=1, max_value=MAX_ID
    )


def filterset(model_, **declared) -> type[filters.FilterSet]:
    """A FilterSet of ``model_`` with the filters ``declared`` (``by_id``, choices…)."""
    meta = type("Meta", (), {"model": model_, "fields": list(declared)})
    return type(f"{model_.__name__}Filter", (filters.FilterSet,), {"Meta": meta, **declared})


# --- organisations and places -----------------------------------------------------------------


class OrganisationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=OrgKind.choices, help_text=_("Loại tổ chức."))
    parent = WholeNumberFilter(
        method="filter_parent",
        help_text=_("Chỉ các tổ chức trực thuộc tổ chức này."),
        min_value=1,
        max_value=MAX_ID,
    )

    class Meta:
        model = Organisation
        fields = ["kind", "parent"]

    def filter_parent(self, queryset, name, value):
        parent = queryset.filter(pk=value).values_list("path", "depth").first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent[0], depth=parent[1] + 1)


@extend_schema_view(
    list=extend_schema(
        summary=_("Cây tổ chức đảng"),
        description=_("Các tổ chức trong phạm vi của người dùng, theo thứ tự của cây (đường dẫn)."),
    ),
    retrieve=extend_schema(
        summary=_("Một tổ chức đảng"), description=_("Một tổ chức trong phạm vi của người dùng.")
    ),
)
class OrganisationViewSet(ReadOnly):
    """The organisation tree (page ``/to-chuc/``)."""

    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilter
    keyset = ("path",)

    def get_queryset(self):
        visible = Organisation.objects.visible_to(self.request.user)
        steplen = Organisation.steplen
        parent = visible.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - steplen)
        ).values("pk")[:1]
        return visible.annotate(parent_id=Subquery(parent)).order_by("path")


@extend_schema_view(
    list=extend_schema(summary=_("Địa bàn"), description=_("Thôn, bản, trường học, trạm y tế…")),
    retrieve=extend_schema(
        summary=_("Một địa bàn"), description=_("Một địa bàn trong phạm vi của người dùng.")
    ),
)
class PlaceViewSet(ReadOnly):
    serializer_class = s.PlaceSerializer
    filterset_class = filterset(
        Place,
        kind=filters.ChoiceFilter(choices=PlaceKind.choices, help_text=_("Loại địa bàn.")),
        organisation=by_id("organisation", _("Tổ chức đảng quản lý địa bàn.")),
        cell=by_id("cell", _("Chi bộ phụ trách địa bàn.")),
    )

    def get_queryset(self):
        return Place.objects.visible_to(self.request.user).order_by("id")


# --- people -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Người"),
        description=_(
            "Quần chúng, đảng viên, người giới thiệu, người giúp đỡ trong phạm vi, theo thứ tự "
            "tên tiếng Việt. Số CCCD luôn được che."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Một người"), description=_("Mỗi lần đọc được ghi vào nhật ký truy cập.")
    ),
)
class PersonViewSet(ReadOnly):
    """People (page ``/nguoi/<id>/``): the CCCD masked, sensitive items by role, reads logged."""

    serializer_class = s.PersonSerializer
    permission_classes = [ReadsRecords]
    filterset_class = filterset(
        Person,
        cell=by_id("cell", _("Chi bộ.")),
        member_status=filters.ChoiceFilter(
            choices=MemberStatus.choices, help_text=_("Tình trạng đảng viên.")
        ),
    )
    keyset = ("sort_key", "id")

    def get_queryset(self):
        return Person.objects.visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        record(request, AccessKind.PERSON, person=person)  # the read log, as the page
        return Response(self.get_serializer(person).data)

    @extend_schema(
        summary=_("Số CCCD đầy đủ"),
        description=_(
            "Như nút “Xem đầy đủ” trên trang một người: chỉ cho vai trò được xem số đầy đủ, mỗi "
            "lần được ghi vào nhật ký truy cập."
        ),
        request=None,
        responses={200: s.CccdSerializer, 403: OpenApiResponse(description=_("Không được xem."))},
    )
    @action(detail=True, methods=["post"], url_path="so-cccd", url_name="cccd")
    def cccd(self, request, pk=None):
        person = self.get_object()
        if not may_reveal_cccd(request.user):
            raise PermissionDenied
        record(request, AccessKind.CCCD_REVEAL, person=person)
        return Response({"cccd": person.cccd})

    @extend_schema(
        summary=_("Mở hồ sơ mới cho một người"),
        description=_(
            "Như trang “Mở hồ sơ mới”: ngày xác định nguồn, chi bộ, ghi chú; bị từ chối nếu "
            "người này là đảng viên hoặc đang có hồ sơ chưa kết thúc."
        ),
        request=s.OpenCandidacyInput,
        responses={201: s.CandidacySerializer, **errors.WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="mo-ho-so", url_name="open")
    def open_candidacy(self, request, pk=None):
        person = writable(Person.objects.select_related("cell"), request, pk=pk)
        form = OpenCandidacyForm(_payload(request), person=person, user=request.user)
        if not form.is_valid():
            return errors.form_errors(form)
        cd = form.cleaned_data
        try:
            candidacy = services.open_candidacy(
                person, cd["opened_on"], actor=request.user, cell=cd["cell"], note=cd["note"]
            )
        except StepRefused as exc:
            return errors.refusal(exc)
        candidacy = Candidacy.objects.select_related("person", "cell").get(pk=candidacy.pk)
        return Response(s.CandidacySerializer(candidacy).data, status=status.HTTP_201_CREATED)


# --- candidacies ----------------------------------------------------------------------------------


class CandidacyFilterBackend(BaseFilterBackend):
    """The pages' :class:`~ptdv.web.filters.CandidacyFilter` (board, list, export), bound to the
    query like the pages: open candidacies sorted by name when nothing is asked; an invalid
    filter is a 400 with its Vietnamese message."""

    def filter_queryset(self, request, queryset, view):
        filterset = CandidacyFilter(request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise CandidacyFilterError(filterset)
        view.sort_code = filterset.sort_code
        return filterset.qs

    def get_schema_operation_parameters(self, view) -> list[dict]:
        params = []
        for name, field in CandidacyFilter.base_filters.items():
            schema: dict[str, Any]
            choices = field.extra.get("choices")
            if name == "organisation":
                schema = {"type": "integer"}
            elif isinstance(field, django_filters.BooleanFilter):
                schema = {"type": "boolean"}
            elif choices:
                schema = {"type": "string", "enum": [str(value) for value, _label in choices]}
            else:
                schema = {"type": "string"}
            if isinstance(field, django_filters.MultipleChoiceFilter):
                schema = {"type": "array", "items": schema}
            help_text = field.extra.get("help_text")
            description = f"{field.label}. {help_text}" if help_text else f"{field.label}."
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": description,
                    "schema": schema,
                    **({"explode": True} if schema["type"] == "array" else {}),
                }
            )
        return params


class CandidacyFilterError(Exception):
    def __init__(self, filterset: CandidacyFilter):
        self.filterset = filterset


@extend_schema_view(
    list=extend_schema(
        summary=_("Hồ sơ phát triển đảng viên"),
        description=_(
            "Các hồ sơ trong phạm vi, với bộ lọc của trang “Danh sách”: mặc định chỉ hồ sơ đang "
            "mở, sắp xếp theo tên. Hạn gần nhất là số tính sẵn của mỗi hồ sơ."
        ),
        responses={200: s.CandidacySerializer(many=True), 400: errors.ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary=_("Một hồ sơ"),
        description=_(
            "Giai đoạn, các hạn và nhận xét theo quy định (cùng cách tính với trang hồ sơ), mỗi "
            "nhận xét có căn cứ. Mỗi lần đọc được ghi vào nhật ký truy cập."
        ),
        responses={200: s.CandidacyDetailSerializer},
    ),
)
class CandidacyViewSet(ReadOnly):
    """Candidacies (pages ``/danh-sach/``, ``/ho-so/<id>/`` and its forms)."""

    serializer_class = s.CandidacySerializer
    permission_classes = [ReadsRecords]
    filter_backends = [CandidacyFilterBackend]
    sort_code = "name"

    def get_queryset(self):
        visible = Candidacy.objects.visible_to(self.request.user)
        if self.action == "list":
            return visible.select_related("person", "cell")
        return visible.select_related("person", "cell", "person__residence")

    def cursor_queryset(self):
        # The cursor row's sort columns, read within the user's scope (as the list page does).
        return Candidacy.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except CandidacyFilterError as exc:
            form = exc.filterset.form
            return errors.form_errors(form)

    def retrieve(self, request, *args, **kwargs):
        candidacy = self.get_object()
        record(request, AccessKind.CANDIDACY, candidacy=candidacy)  # the read log, as the page
        history = History.of(candidacy)
        # Introducers and mentors outside the user's subtree (a transfer) go unnamed.
        facts = facts_seen_by(history.facts_for(history.state), request.user)
        evaluation = evaluate(facts, history.calendar, timezone.localdate())
        # The same findings the page shows (the verification's conclusions by role).
        blockers = findings_for(request.user, evaluation.blockers)
        candidacy.blockers = blockers
        candidacy.findings = [
            f for f in findings_for(request.user, evaluation.findings) if f not in blockers
        ]
        candidacy.deadlines = sorted(evaluation.deadlines, key=lambda d: d.due)
        candidacy.next_step = evaluation.next_step
        return Response(s.CandidacyDetailSerializer(candidacy, context={"request": request}).data)

    @extend_schema(
        summary=_("Các bước đã ghi của một hồ sơ"),
        description=_(
            "Mọi sự kiện, kể cả bước đã bị đính chính, theo thứ tự ghi; tối đa 500 sự kiện đầu "
            "tiên. Người và tổ chức ngoài phạm vi của bạn (hồ sơ chuyển đến từ nơi khác) không "
            "được nêu tên: mô tả ghi “(người ngoài phạm vi của bạn)”, mã của họ trong “data” là "
            "null."
        ),
        responses={200: s.EventSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="su-kien",
        url_name="events",
        pagination_class=None,
        filter_backends=[],
    )
    def events(self, request, pk=None):
        candidacy = get_visible_or_404(Candidacy.objects.all(), request.user, pk=pk)
        record(request, AccessKind.CANDIDACY, candidacy=candidacy)  # the timeline: the read log
        rows = Event.objects.filter(candidacy=candidacy).order_by("seq")
        events = list(rows[:MAX_EVENTS])
        voided = {e.voids_id for e in events if e.voids_id}
        # People and cells outside the user's subtree (a transfer): unnamed, their ids dropped.
        people, cells, sight = event_names(events, request.user)
        verification = may_see(request.user, Sensitive.VERIFICATION)
        context = {
            "request": request,
            "voided": voided,
            "sight": sight,
            "descriptions": {
                e.pk: describe_event(e, people, cells, verification=verification, sight=sight)
                for e in events
            },
        }
        return Response(s.EventSerializer(events, many=True, context=context).data)

    # --- writes -----------------------------------------------------------------------------

    def _writable(self, request, pk) -> Candidacy:
        return writable(Candidacy.objects.select_related("person", "cell"), request, pk=pk)

    def _saved(self, request, write) -> Response:
        try:
            with transaction.atomic():
                result = write()
        except StepRefused as exc:
            return errors.refusal(exc)
        return result

    @extend_schema(
        summary=_("Ghi một bước"),
        description=_(
            "Như biểu mẫu “Ghi bước” của trang hồ sơ: “step” là bước, các trường khác là các "
            "trường của biểu mẫu bước đó (date, version, number, official_members, present, "
            "in_favour, against, kind, subject, result, introducer, months_together, "
            "same_grassroots, union_kind, issuer, certificate_date, certificate_number, "
            "class_name, received_on, decision_extended, superior_consent, card_number, "
            "mentor, to_cell, reason, note). Ngày viết yyyy-mm-dd hoặc dd/mm/yyyy. Bị từ chối "
            "theo đúng các quy định như trên trang; một bước kết thúc hồ sơ được ghi ngay."
        ),
        request=s.StepInput,
        responses={201: s.EventSerializer, **errors.WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="ghi-buoc", url_name="step")
    def record_step(self, request, pk=None):
        candidacy = self._writable(request, pk)
        payload = _payload(request)
        try:
            step = Step(str(payload.get("step", "")))
        except ValueError:
            step = None
        if step not in STEP_FORMS:
            return errors.problem(_("Không có bước này."), field="step")
        form = STEP_FORMS[step](payload, step=step, candidacy=candidacy, user=request.user)
        if not form.is_valid():
            return errors.form_errors(form)
        cd = form.cleaned_data

        def write():
            event = services.record_step(
                candidacy,
                step,
                cd["date"],
                actor=request.user,
                expected_version=cd["version"],
                mentor=cd.get("mentor"),
                **form.step_kwargs(),
            )
            data = s.EventSerializer(event, context={"request": request}).data
            return Response(data, status=status.HTTP_201_CREATED)

        return self._saved(request, write)

    @extend_schema(
        summary=_("Đính chính một bước"),
        description=_(
            "Như trang “Đính chính”: chỉ bước có hiệu lực cuối cùng được đính chính, cần lý do."
        ),
        request=s.CorrectionInput,
        responses={201: s.EventSerializer, **errors.WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="dinh-chinh", url_name="correct")
    def correct(self, request, pk=None):
        candidacy = self._writable(request, pk)
        payload = _payload(request)
        raw = str(payload.get("event", ""))
        event = (
            Event.objects.filter(candidacy=candidacy, pk=int(raw)).first()
            if raw.isascii() and raw.isdigit() and len(raw) < 12
            else None
        )
        if event is None:
            return errors.problem(_("Hồ sơ không có sự kiện này."), field="event")
        event.candidacy = candidacy
        form = CorrectionForm(payload, event=event)
        if not form.is_valid():
            return errors.form_errors(form)

        def write():
            correction = services.correct_event(
                event,
                form.cleaned_data["reason"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
            data = s.EventSerializer(correction, context={"request": request}).data
            return Response(data, status=status.HTTP_201_CREATED)

        return self._saved(request, write)

    @extend_schema(
        summary=_("Phân công đảng viên giúp đỡ"),
        description=_(
            "Như trang “Phân công đảng viên giúp đỡ”: đảng viên chính thức của tổ chức cơ sở "
            "đảng của hồ sơ; người đang giúp đỡ (nếu có) kết thúc từ ngày này."
        ),
        request=s.MentorAssignInput,
        responses={201: s.MentorAssignmentSerializer, **errors.WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="giup-do", url_name="mentor")
    def assign_mentor(self, request, pk=None):
        candidacy = self._writable(request, pk)
        form = MentorAssignForm(_payload(request), candidacy=candidacy, user=request.user)
        if not form.is_valid():
            return errors.form_errors(form)
        cd = form.cleaned_data

        def write():
            made = services.assign_mentor(candidacy, cd["mentor"], cd["start"], reason=cd["reason"])
            made = MentorAssignment.objects.select_related("mentor", "candidacy__person").get(
                pk=made.pk
            )
            return Response(s.MentorAssignmentSerializer(made).data, status=status.HTTP_201_CREATED)

        return self._saved(request, write)


# --- mentoring ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Phân công giúp đỡ"),
        description=_("Các phân công giúp đỡ trong phạm vi (cả đã kết thúc)."),
    ),
    retrieve=extend_schema(
        summary=_("Một phân công giúp đỡ"),
        description=_("Người giúp đỡ, người được giúp đỡ, thời gian phân công."),
    ),
)
class MentorAssignmentViewSet(ReadOnly):
    """Mentoring (page ``/giup-do/``)."""

    serializer_class = s.MentorAssignmentSerializer
    permission_classes = [ReadsRecords]
    filterset_class = filterset(
        MentorAssignment,
        candidacy=by_id("candidacy", _("Hồ sơ.")),
        mentor=by_id("mentor", _("Người giúp đỡ (mã người).")),
    )

    def get_queryset(self):
        # Whether the user sees the mentor: one outside the subtree (a transferred candidacy's
        # former mentor) is answered without name or id (``people.outsiders``).
        seen = Person.all_records.visible_to(self.request.user).filter(pk=OuterRef("mentor_id"))
        return (
            MentorAssignment.objects.visible_to(self.request.user)
            .select_related("mentor", "candidacy__person")
            .annotate(mentor_seen=Exists(seen))
        )

    @extend_schema(
        methods=["GET"],
        summary=_("Báo cáo của người giúp đỡ"),
        description=_(
            "Các báo cáo của phân công này, mới nhất trước. Mỗi lần đọc được ghi vào nhật ký "
            "truy cập."
        ),
        responses={200: s.MentorReportSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Nộp báo cáo của người giúp đỡ"),
        description=_(
            "Như biểu mẫu của trang “Giúp đỡ”: người giúp đỡ của phân công này hoặc người có "
            "quyền ghi; mỗi kỳ một báo cáo."
        ),
        request=s.MentorReportInput,
        responses={201: s.MentorReportSerializer, **errors.WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="bao-cao",
        url_name="reports",
        pagination_class=None,
        filter_backends=[],
    )
    def reports(self, request, pk=None):
        if request.method == "GET":
            assignment = get_visible_or_404(
                MentorAssignment.objects.select_related("candidacy"), request.user, pk=pk
            )
            # What is written about a candidate, as the report page shows it: the read log.
            record(request, AccessKind.CANDIDACY, candidacy=assignment.candidacy)
            reports = MentorReport.objects.filter(assignment=assignment).order_by(
                "-period_start", "-pk"
            )[:MAX_PAGE_SIZE]  # at most 16 years of monthly reports
            return Response(s.MentorReportSerializer(reports, many=True).data)
        assignment = writable(
            MentorAssignment.objects.select_related("candidacy"),
            request,
            may_write=may_file_report,
            pk=pk,
        )
        form = MentorReportForm(_payload(request), today=timezone.localdate())
        if not form.is_valid():
            return errors.form_errors(form)
        cd = form.cleaned_data

        def write():
            report = services.file_mentor_report(
                assignment,
                cd["period"],
                cd["period_start"],
                cd["text"],
                cd["assessment"],
                filed_on=timezone.localdate(),
                author=request.user,
            )
            return Response(s.MentorReportSerializer(report).data, status=status.HTTP_201_CREATED)

        try:
            return write()
        except StepRefused as exc:
            return errors.refusal(exc)


# --- targets and imports -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Chỉ tiêu kết nạp"), description=_("Chỉ tiêu năm và nhiệm kỳ.")),
    retrieve=extend_schema(
        summary=_("Một chỉ tiêu"), description=_("Chỉ tiêu của một tổ chức trong phạm vi.")
    ),
)
class TargetViewSet(ReadOnly):
    """Targets (page ``/chi-tieu/``)."""

    serializer_class = s.TargetSerializer
    filterset_class = filterset(
        Target,
        organisation=by_id("organisation", _("Tổ chức đảng.")),
        first_year=WholeNumberFilter(help_text=_("Từ năm."), min_value=1930, max_value=2100),
        last_year=WholeNumberFilter(help_text=_("Đến năm."), min_value=1930, max_value=2100),
    )

    def get_queryset(self):
        return Target.objects.visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("Các lần nhập dữ liệu"),
        description=_("Trạng thái và số dòng của mỗi lần nhập; không có nội dung tệp."),
    ),
    retrieve=extend_schema(
        summary=_("Một lần nhập dữ liệu"),
        description=_("Trạng thái và số dòng; không có nội dung tệp."),
    ),
)
class ImportRunViewSet(ReadOnly):
    """Import runs (page ``/nhap-du-lieu/``): status and counts only."""

    serializer_class = s.ImportRunSerializer
    permission_classes = [ReadsRecords]
    filterset_class = filterset(
        ImportRun,
        status=filters.ChoiceFilter(choices=ImportStatus.choices, help_text=_("Trạng thái.")),
        kind=filters.ChoiceFilter(choices=ImportKind.choices, help_text=_("Loại dữ liệu.")),
        organisation=by_id("organisation", _("Tổ chức đảng nhập vào.")),
    )

    def get_queryset(self):
        return ImportRun.objects.visible_to(self.request.user)
