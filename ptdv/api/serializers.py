"""What the API's resources carry, in the pages' words (help texts in Vietnamese).

Values the pages hide are hidden here by the same rules (``people/sensitive.py``): the CCCD is
always masked (the whole number only through the logged reveal), the ethnicity and the religion
are ``null`` for the roles that may not see them, and a verification's conclusion is left out of
an event's data for those roles.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ptdv.imports.models import ImportRun
from ptdv.masking import mask_cccd
from ptdv.org.models import Organisation, Place
from ptdv.people.models import Person
from ptdv.people.sensitive import Sensitive, allowed
from ptdv.pipeline.labels import deadline_labels, stage_labels, step_labels
from ptdv.pipeline.models import (
    Assessment,
    Candidacy,
    Event,
    MentorAssignment,
    MentorReport,
    ReportPeriod,
)
from ptdv.reports.models import Target
from ptdv.rules.stages import STEP_LABELS
from ptdv.web.step_forms import STEP_FORMS


def _user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class Described(serializers.ModelSerializer):
    # A model's fields described in the schema by their Vietnamese names (verbose_name) where
    # they have no help text of their own (a comment, not a docstring: the schema would show it).

    def _described(self, field_name: str, model_field, kwargs: dict) -> dict:
        if kwargs.get("help_text"):
            return kwargs
        if field_name == "id":
            kwargs["help_text"] = _("Mã (số) của bản ghi.")
        elif name := getattr(model_field, "verbose_name", None):
            kwargs["help_text"] = capfirst(name)
        return kwargs

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return field_class, self._described(field_name, model_field, kwargs)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        return field_class, self._described(field_name, relation_info.model_field, kwargs)


# --- the tree and the places ----------------------------------------------------------------


class OrganisationSerializer(Described):
    parent = serializers.IntegerField(  # type: ignore[assignment]  # DRF pops declared fields
        source="parent_id",
        allow_null=True,
        read_only=True,
        help_text=_("Mã tổ chức cấp trên; null ở gốc của phạm vi người dùng."),
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "short_name", "kind", "kind_label", "code", "path", "depth", "parent",
            "numchild", "disadvantaged_area", "founded_on", "dissolved_on",
        ]  # fmt: skip
        extra_kwargs = {
            "name": {"help_text": _("Tên tổ chức đảng.")},
            "kind": {"help_text": _("Loại tổ chức (tỉnh, huyện, đảng bộ cơ sở, chi bộ…).")},
            "path": {
                "help_text": _(
                    "Đường dẫn trong cây: tổ chức con có đường dẫn bắt đầu bằng "
                    "đường dẫn của tổ chức cha."
                )
            },
            "depth": {"help_text": _("Cấp trong cây (1: gốc).")},
            "numchild": {"help_text": _("Số tổ chức trực thuộc.")},
        }


class PlaceSerializer(Described):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "kind", "kind_label", "organisation", "cell"]
        extra_kwargs = {
            "organisation": {"help_text": _("Tổ chức đảng quản lý địa bàn.")},
            "cell": {"help_text": _("Chi bộ phụ trách địa bàn; null: chưa có.")},
        }


# --- people ---------------------------------------------------------------------------------


class PersonSerializer(Described):
    cccd = serializers.SerializerMethodField(
        help_text=_("Số CCCD đã che (001******457); số đầy đủ chỉ qua “so-cccd”, có ghi nhật ký.")
    )
    ethnicity = serializers.SerializerMethodField(
        help_text=_("Mã dân tộc; null nếu vai trò không được xem.")
    )
    religion = serializers.SerializerMethodField(
        help_text=_("Mã tôn giáo; null nếu vai trò không được xem.")
    )

    class Meta:
        model = Person
        fields = [
            "id", "full_name", "birth_date", "sex", "cccd", "ethnicity", "religion",
            "general_education", "professional_level", "theory_level", "occupation", "sector",
            "youth_union_member", "trade_union_member", "local_resident", "residence", "cell",
            "member_status", "party_admitted_on", "party_official_on", "party_left_on",
        ]  # fmt: skip
        extra_kwargs = {
            "full_name": {"help_text": _("Họ và tên.")},
            "cell": {"help_text": _("Chi bộ nơi người này sinh hoạt hoặc được theo dõi.")},
            "member_status": {"help_text": _("Tình trạng đảng viên.")},
        }

    def _seen(self) -> frozenset:
        """What the reader may see, asked once per serializer (a list's rows share it)."""
        if not hasattr(self, "_seen_items"):
            self._seen_items = allowed(_user(self))
        return self._seen_items

    def get_cccd(self, person: Person) -> str:
        return mask_cccd(person.cccd)

    def get_ethnicity(self, person: Person) -> str | None:
        return person.ethnicity if Sensitive.ETHNICITY in self._seen() else None

    def get_religion(self, person: Person) -> str | None:
        return person.religion if Sensitive.RELIGION in self._seen() else None


class CccdSerializer(serializers.Serializer):
    cccd = serializers.CharField(
        allow_null=True, help_text=_("Số CCCD đầy đủ; null: chưa ghi số CCCD.")
    )


# --- candidacies ----------------------------------------------------------------------------


class CandidacySerializer(Described):
    person_name = serializers.CharField(
        source="person.full_name", read_only=True, help_text=_("Họ và tên.")
    )
    cell_name = serializers.CharField(source="cell.name", read_only=True, help_text=_("Chi bộ."))
    stage_label = serializers.SerializerMethodField(help_text=_("Tên giai đoạn."))
    next_due_label = serializers.SerializerMethodField(help_text=_("Việc phải làm trước hạn."))

    class Meta:
        model = Candidacy
        fields = [
            "id", "person", "person_name", "attempt", "cell", "cell_name", "stage",
            "stage_label", "stage_since", "opened_on", "closed_on", "next_due", "next_due_code",
            "next_due_label", "expiry_due", "version",
        ]  # fmt: skip
        extra_kwargs = {
            "stage": {"help_text": _("Giai đoạn hiện tại.")},
            "next_due": {"help_text": _("Hạn gần nhất còn mở (tính sẵn theo quy định).")},
            "next_due_code": {"help_text": _("Mã của hạn gần nhất.")},
            "expiry_due": {"help_text": _("Ngày hết hạn sớm nhất của giấy tờ hồ sơ.")},
            "version": {
                "help_text": _("Phiên bản của hồ sơ: gửi lại khi ghi bước để tránh ghi đè.")
            },
        }

    def get_stage_label(self, c: Candidacy) -> str:
        return stage_labels().get(c.stage, c.stage)

    def get_next_due_label(self, c: Candidacy) -> str:
        return deadline_labels().get(c.next_due_code, "") if c.next_due else ""


class FindingSerializer(serializers.Serializer):
    ma = serializers.CharField(source="code", help_text=_("Mã của quy định."))
    thong_bao = serializers.CharField(source="message", help_text=_("Nhận xét, như trên trang."))
    can_cu = serializers.SerializerMethodField(help_text=_("Căn cứ (văn bản, điều, mục)."))
    chan_buoc_sau = serializers.BooleanField(
        source="is_error", help_text=_("Lỗi chặn bước tiếp theo.")
    )
    su_kien = serializers.IntegerField(
        source="event_id", allow_null=True, help_text=_("Sự kiện mà nhận xét dựa vào, nếu có.")
    )

    def get_can_cu(self, f) -> str:
        return str(f.citation)


class DeadlineSerializer(serializers.Serializer):
    ma = serializers.CharField(source="code", help_text=_("Mã của hạn."))
    ten = serializers.SerializerMethodField(help_text=_("Việc phải làm."))
    han = serializers.DateField(source="due", help_text=_("Ngày cuối cùng còn đúng hạn."))
    da_xong = serializers.DateField(
        source="done_on", allow_null=True, help_text=_("Ngày đã làm; null: còn mở.")
    )
    moc = serializers.BooleanField(source="milestone", help_text=_("Mốc để biết, không phải hạn."))
    can_cu = serializers.SerializerMethodField(help_text=_("Căn cứ."))

    def get_ten(self, d) -> str:
        return deadline_labels().get(d.code, str(_(d.label)))

    def get_can_cu(self, d) -> str:
        return str(d.citation)


class CandidacyDetailSerializer(CandidacySerializer):
    next_step = serializers.SerializerMethodField(
        help_text=_("Bước tiếp theo theo quy trình; null khi hồ sơ đã kết thúc.")
    )
    blockers = FindingSerializer(
        many=True, read_only=True, help_text=_("Những lỗi chặn bước tiếp theo.")
    )
    findings = FindingSerializer(many=True, read_only=True, help_text=_("Các nhận xét khác."))
    deadlines = DeadlineSerializer(many=True, read_only=True, help_text=_("Các hạn của hồ sơ."))

    class Meta(CandidacySerializer.Meta):
        fields = [
            *CandidacySerializer.Meta.fields,
            "next_step",
            "blockers",
            "findings",
            "deadlines",
        ]

    def get_next_step(self, c: Candidacy) -> str | None:
        step = getattr(c, "next_step", None)
        return step.value if step is not None else None


class EventSerializer(Described):
    step_label = serializers.SerializerMethodField(help_text=_("Tên bước."))
    voided = serializers.SerializerMethodField(
        help_text=_("Đã bị đính chính (không còn hiệu lực).")
    )
    description = serializers.SerializerMethodField(help_text=_("Mô tả như trên trang hồ sơ."))
    data = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=_("Nội dung của bước (giấy tờ, người giới thiệu…), theo quyền xem.")
    )

    class Meta:
        model = Event
        fields = [
            "id", "candidacy", "seq", "step", "step_label", "date", "cell", "number",
            "official_members", "present", "in_favour", "against", "passed", "data", "voids",
            "voided", "reason", "recorded_at", "description",
        ]  # fmt: skip

    def get_step_label(self, e: Event) -> str:
        return step_labels().get(e.step, e.step)

    def get_voided(self, e: Event) -> bool:
        return e.pk in self.context.get("voided", ())

    def get_description(self, e: Event) -> str:
        return self.context.get("descriptions", {}).get(e.pk, "")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, e: Event) -> dict:
        data = dict(e.data or {})
        if data.get("kind") == "verification" and Sensitive.VERIFICATION not in allowed(
            _user(self)
        ):
            data.pop("result", None)  # the verification's conclusion (people/sensitive.py)
        sight = self.context.get("sight")
        if sight is not None:  # people and cells outside the reader's subtree: no ids
            if "introducer_id" in data:
                data["introducer_id"] = sight.person_id(data["introducer_id"])
            for key in ("from_cell", "to_cell"):
                if key in data:
                    data[key] = sight.organisation_id(data[key])
        return data


# --- mentoring ------------------------------------------------------------------------------


class MentorAssignmentSerializer(Described):
    mentor_name = serializers.CharField(
        source="mentor.full_name",
        read_only=True,
        allow_null=True,
        help_text=_("Tên người giúp đỡ; null: người ngoài phạm vi của bạn."),
    )
    person_name = serializers.CharField(source="candidacy.person.full_name", read_only=True)

    class Meta:
        model = MentorAssignment
        fields = [
            "id", "candidacy", "person_name", "mentor", "mentor_name", "start", "end",
            "end_reason",
        ]  # fmt: skip
        extra_kwargs = {
            "mentor": {"help_text": _("Đảng viên được phân công giúp đỡ.")},
            "end": {"help_text": _("Ngày kết thúc; null: đang giúp đỡ.")},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "mentor_seen", True):  # annotated by the viewset
            # A mentor outside the reader's subtree (a transferred candidacy): no name, no id.
            data["mentor"] = data["mentor_name"] = None
        return data


class MentorReportSerializer(Described):
    class Meta:
        model = MentorReport
        fields = ["id", "assignment", "period", "period_start", "text", "assessment", "filed_on"]
        extra_kwargs = {
            "period": {"help_text": _("Kỳ báo cáo: tháng, quý hoặc năm.")},
            "period_start": {"help_text": _("Ngày đầu kỳ.")},
            "text": {"help_text": _("Nội dung nhận xét.")},
            "assessment": {"help_text": _("Đánh giá.")},
        }


# --- targets and imports --------------------------------------------------------------------


class TargetSerializer(Described):
    class Meta:
        model = Target
        fields = [
            "id", "organisation", "first_year", "last_year", "admissions", "women", "youth",
            "ethnic_minority", "local_residents", "enterprise_workers", "village_coverage",
            "school_coverage", "health_station_coverage", "basis", "registered_on",
        ]  # fmt: skip
        extra_kwargs = {
            "admissions": {"help_text": _("Số đảng viên kết nạp theo chỉ tiêu.")},
            "first_year": {"help_text": _("Từ năm.")},
            "last_year": {"help_text": _("Đến năm (bằng “từ năm” với chỉ tiêu một năm).")},
        }


class ImportRunSerializer(Described):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ImportRun
        fields = [
            "id", "kind", "organisation", "file_name", "created_at", "status", "status_label",
            "total_rows", "done_rows", "creates", "updates", "unchanged", "failures",
            "warning_count", "committed_at",
        ]  # fmt: skip
        extra_kwargs = {
            "status": {"help_text": _("Trạng thái của lần nhập.")},
            "total_rows": {"help_text": _("Số dòng của tệp.")},
            "done_rows": {"help_text": _("Số dòng đã xử lý.")},
            "failures": {"help_text": _("Số dòng lỗi.")},
        }


# --- the payloads of the writes (the pages' forms validate them) -----------------------------


class OpenCandidacyInput(serializers.Serializer):
    opened_on = serializers.DateField(help_text=_("Ngày xác định nguồn."))
    cell = serializers.IntegerField(help_text=_("Chi bộ (trong phạm vi người dùng)."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


def _optional(field_class, help_text, **kwargs):
    return field_class(required=False, help_text=help_text, **kwargs)


class StepInput(serializers.Serializer):
    # The step and the fields of its form on the page (web/step_forms.py); each step's form
    # says which are required and checks them.

    step = serializers.ChoiceField(
        choices=[(step.value, _(STEP_LABELS[step])) for step in STEP_FORMS],
        help_text=_("Bước ghi (như trên trang hồ sơ)."),
    )
    date = serializers.DateField(help_text=_("Ngày của bước."))
    version = serializers.IntegerField(
        help_text=_("Phiên bản hồ sơ đã đọc (“version”): khác thì trả 409.")
    )
    number = _optional(serializers.CharField, _("Số nghị quyết / quyết định / văn bản."))
    official_members = _optional(serializers.IntegerField, _("Số đảng viên chính thức."))
    present = _optional(serializers.IntegerField, _("Số đảng viên chính thức có mặt."))
    in_favour = _optional(serializers.IntegerField, _("Số tán thành."))
    against = _optional(serializers.IntegerField, _("Số không tán thành."))
    kind = _optional(serializers.CharField, _("Loại giấy tờ (bước dossier_paper)."))
    subject = _optional(serializers.CharField, _("Thẩm tra lý lịch của ai."))
    result = _optional(serializers.CharField, _("Kết luận thẩm tra."))
    introducer = _optional(serializers.IntegerField, _("Đảng viên giới thiệu (mã người)."))
    months_together = _optional(serializers.IntegerField, _("Số tháng cùng công tác."))
    same_grassroots = _optional(serializers.BooleanField, _("Cùng tổ chức cơ sở đảng."))
    union_kind = _optional(serializers.CharField, _("Đoàn thể giới thiệu."))
    issuer = _optional(serializers.CharField, _("Cấp ủy ban hành văn bản đồng ý."))
    certificate_date = _optional(serializers.DateField, _("Ngày cấp giấy chứng nhận."))
    certificate_number = _optional(serializers.CharField, _("Số giấy chứng nhận."))
    class_name = _optional(serializers.CharField, _("Tên lớp."))
    received_on = _optional(serializers.DateField, _("Ngày chi bộ nhận quyết định."))
    decision_extended = _optional(serializers.BooleanField, _("Được gia hạn ra quyết định."))
    superior_consent = _optional(serializers.BooleanField, _("Cấp trên đồng ý kết nạp muộn."))
    card_number = _optional(serializers.CharField, _("Số thẻ đảng viên."))
    mentor = _optional(serializers.IntegerField, _("Đảng viên được phân công giúp đỡ."))
    to_cell = _optional(serializers.IntegerField, _("Chuyển đến chi bộ (bước transfer)."))
    reason = _optional(serializers.CharField, _("Lý do (bắt buộc với bước kết thúc hồ sơ)."))
    note = _optional(serializers.CharField, _("Ghi chú."))


class CorrectionInput(serializers.Serializer):
    event = serializers.IntegerField(help_text=_("Sự kiện cần đính chính."))
    reason = serializers.CharField(help_text=_("Lý do đính chính."))
    version = serializers.IntegerField(help_text=_("Phiên bản hồ sơ đã đọc."))


class MentorAssignInput(serializers.Serializer):
    mentor = serializers.IntegerField(help_text=_("Đảng viên chính thức được phân công."))
    start = serializers.DateField(help_text=_("Từ ngày."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class MentorReportInput(serializers.Serializer):
    period = serializers.ChoiceField(choices=ReportPeriod.choices, help_text=_("Kỳ báo cáo."))
    period_start = serializers.DateField(help_text=_("Một ngày bất kỳ trong kỳ."))
    assessment = serializers.ChoiceField(choices=Assessment.choices, help_text=_("Đánh giá."))
    text = serializers.CharField(help_text=_("Nội dung nhận xét."))


# --- reports --------------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": True})
class FigureField(serializers.Field):
    def to_representation(self, value):
        return value


class ReportCellSerializer(serializers.Serializer):
    gia_tri = FigureField(source="value", help_text=_("Số liệu (số, tỷ lệ % hoặc chữ)."))
    ma_so_lieu = serializers.CharField(
        source="drill", allow_null=True, help_text=_("Mã số liệu (danh sách chi tiết trên trang).")
    )


class ReportRowSerializer(serializers.Serializer):
    nhan = serializers.CharField(source="label")
    o = ReportCellSerializer(source="cells", many=True)
    to_chuc = serializers.IntegerField(source="organisation_id", allow_null=True)
    cap = serializers.IntegerField(source="level")
    tong = serializers.BooleanField(source="total")


class ReportColumnSerializer(serializers.Serializer):
    nhan = serializers.CharField(source="label")
    loai = serializers.CharField(
        source="kind", help_text=_("Kiểu số liệu: int, percent, days, text, decimal.")
    )


class ReportTableSerializer(serializers.Serializer):
    tieu_de = serializers.CharField(source="title")
    cot = ReportColumnSerializer(source="columns", many=True)
    dong = ReportRowSerializer(source="rows", many=True)
    ghi_chu = serializers.CharField(source="note")


class ReportSerializer(serializers.Serializer):
    loai = serializers.CharField(source="kind")
    tieu_de = serializers.CharField(source="title")
    to_chuc = serializers.IntegerField(source="organisation.pk")
    tu_ngay = serializers.DateField(source="start", allow_null=True)
    den_ngay = serializers.DateField(source="end", allow_null=True)
    ngay = serializers.DateField(source="on", allow_null=True)
    bang = ReportTableSerializer(source="tables", many=True)
    ghi_chu = serializers.ListField(source="notes", child=serializers.CharField())
