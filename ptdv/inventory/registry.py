"""The registry of personal data: every field of every model, classified.

Longer than other modules on purpose: it is one declarative table (an entry per model, a line
per field), read and checked as a whole against the installed models.

Each concrete field (and many-to-many field) of every installed model is named here with the
category of data it holds (``"-"``: no personal data), so the inventory lists what ptdv really
stores. ``tests/inventory`` fails when a model gains a field this registry does not classify, or
when the registry names a field that no longer exists: the document cannot drift from the code.

- :data:`CATEGORIES`: categories of data, each sensitive or not. "Sensitive" here is how ptdv
  treats the data (restricted by role, masked, every read logged, encrypted in backups);
  Nghị định 356/2025/NĐ-CP Điều 4 khoản 1 lists ethnic origin, religious and political views
  among sensitive data. CCCD numbers, family relations and verification results are treated the
  same way.
- :data:`SUBJECTS`: the categories of people the data are about.
- :data:`PURPOSES` and :data:`LEGAL_BASES`: why ptdv processes the data, and on what basis.
- :data:`MODELS`: per model, the people, the purposes and the classification of each field.
- :data:`FLOWS`, :data:`RETENTION`, :data:`MEASURES`, :data:`INSTALLATION_DUTIES`: where the
  data go, how long they stay, how they are protected, and what the installation must do itself.

The legal references are those of the product's requirements as read when this was written; each is marked to be
checked against the texts in force by the installation before the dossier is filed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

#: A field that holds no personal data (keys, counters, the organisation tree, settings).
NOT_PERSONAL = "-"


@dataclass(frozen=True)
class Category:
    label: str
    sensitive: bool
    description: str


CATEGORIES: dict[str, Category] = {
    "identity": Category(
        _("Thông tin nhận dạng cơ bản"), False, _("Họ và tên, ngày sinh, giới tính.")
    ),
    "identifier": Category(
        _("Số định danh cá nhân (CCCD)"),
        True,
        _(
            "Số căn cước công dân 12 chữ số: xác định một người duy nhất; ptdv hiển thị che bớt "
            "và ghi nhật ký mỗi lần xem đầy đủ."
        ),
    ),
    "residence": Category(
        _("Nơi cư trú"), False, _("Thôn, bản, tổ dân phố; địa chỉ; người tại chỗ hay không.")
    ),
    "ethnicity": Category(_("Dân tộc"), True, _("Nguồn gốc dân tộc (54 dân tộc).")),
    "religion": Category(_("Tôn giáo"), True, _("Tôn giáo, tín ngưỡng của người đó.")),
    "political": Category(
        _("Quan điểm chính trị, quá trình vào Đảng và đảng tịch"),
        True,
        _(
            "Là nguồn, quần chúng ưu tú, người xin vào Đảng, đảng viên dự bị, chính thức; các "
            "bước, nghị quyết, quyết định, kết quả biểu quyết; chuyển sinh hoạt, ra khỏi Đảng; "
            "số thẻ đảng viên, số lý lịch đảng viên."
        ),
    ),
    "verification": Category(
        _("Kết quả thẩm tra lý lịch"),
        True,
        _("Kết quả thẩm tra lý lịch của người xin vào Đảng và người thân (đạt / có vấn đề)."),
    ),
    "family": Category(
        _("Quan hệ gia đình"),
        True,
        _(
            "Người thân được thẩm tra lý lịch (cha, mẹ, cha mẹ vợ/chồng, người nuôi dưỡng, "
            "vợ/chồng, con): ptdv chỉ ghi quan hệ và kết quả, không ghi họ tên người thân."
        ),
    ),
    "assessment": Category(
        _("Nhận xét, đánh giá về phẩm chất và tiến bộ"),
        True,
        _(
            "Báo cáo, nhận xét của đảng viên giúp đỡ; lý do đưa ra khỏi danh sách, không kết "
            "nạp, ra khỏi Đảng."
        ),
    ),
    "education": Category(
        _("Trình độ"),
        False,
        _("Giáo dục phổ thông, chuyên môn nghiệp vụ, lý luận chính trị."),
    ),
    "work": Category(
        _("Nghề nghiệp, khu vực công tác"), False, _("Nghề nghiệp, chức vụ; khu vực.")
    ),
    "social": Category(
        _("Tham gia đoàn thể"),
        False,
        _("Đoàn viên Đoàn TNCS Hồ Chí Minh, đoàn viên công đoàn."),
    ),
    "legal": Category(
        _("Cơ sở pháp lý, sự đồng ý và thông báo"),
        False,
        _(
            "Cơ sở pháp lý của việc xử lý, ngày và phạm vi đồng ý, ngày thông báo dữ liệu nhạy "
            "cảm, thời điểm ẩn danh."
        ),
    ),
    "request": Category(
        _("Yêu cầu của người có dữ liệu"),
        False,
        _("Loại yêu cầu, nội dung, người gửi và cách liên hệ, các bước giải quyết và thời hạn."),
    ),
    "account": Category(
        _("Tài khoản người dùng"),
        False,
        _(
            "Tên đăng nhập, họ tên, thư điện tử, mật khẩu (chỉ lưu dạng băm Argon2id), vai trò, "
            "tổ chức, yếu tố xác thực thứ hai, phiên đăng nhập."
        ),
    ),
    "activity": Category(
        _("Nhật ký hoạt động"),
        False,
        _(
            "Ai làm gì, lúc nào, từ địa chỉ IP nào: đăng nhập, thay đổi, lần xem và tải dữ "
            "liệu cá nhân."
        ),
    ),
    "history": Category(
        _("Bản sao trong lịch sử thay đổi"),
        True,
        _(
            "Giá trị cũ và mới của các thay đổi (nhật ký thay đổi, lịch sử đính chính và hợp "
            "nhất hồ sơ): có thể chứa mọi loại dữ liệu trên, kể cả dữ liệu nhạy cảm."
        ),
    ),
}


@dataclass(frozen=True)
class Subject:
    label: str
    description: str


SUBJECTS: dict[str, Subject] = {
    "source": Subject(
        _("Nguồn, quần chúng ưu tú"),
        _("Người được chi bộ xác định là nguồn phát triển đảng viên, cảm tình Đảng."),
    ),
    "candidate": Subject(
        _("Người xin vào Đảng"),
        _("Quần chúng đã học lớp nhận thức về Đảng, có hồ sơ, được xem xét kết nạp."),
    ),
    "member": Subject(
        _("Đảng viên"),
        _("Đảng viên dự bị, chính thức; đảng viên đã chuyển sinh hoạt đi hoặc ra khỏi Đảng."),
    ),
    "introducer": Subject(
        _("Người giới thiệu"), _("Đảng viên chính thức giới thiệu người vào Đảng.")
    ),
    "mentor": Subject(
        _("Đảng viên giúp đỡ"),
        _("Đảng viên chính thức được phân công giúp đỡ quần chúng, đảng viên dự bị."),
    ),
    "relative": Subject(
        _("Người thân trong lý lịch"),
        _("Chỉ quan hệ và kết quả thẩm tra lý lịch; không họ tên, không số định danh."),
    ),
    "requester": Subject(
        _("Người gửi yêu cầu"),
        _("Người có dữ liệu hoặc người đại diện gửi yêu cầu về dữ liệu của mình."),
    ),
    "user": Subject(_("Người dùng"), _("Cán bộ được cấp tài khoản để làm việc trên ptdv.")),
}

PEOPLE = ("source", "candidate", "member", "introducer", "mentor")


@dataclass(frozen=True)
class LegalBasis:
    label: str
    reference: str


LEGAL_BASES: dict[str, LegalBasis] = {
    "party_rules": LegalBasis(
        _("Điều lệ Đảng và quy định, hướng dẫn của Đảng về công tác phát triển đảng viên"),
        _(
            "Điều lệ Đảng (Điều 4, 5); Quy định 294-QĐ/TW (2025), Hướng dẫn 06-HD/TW (2025) và "
            "các văn bản trước đó (docs/rules.md)."
        ),
    ),
    "consent": LegalBasis(
        _("Sự đồng ý của người có dữ liệu, sau khi được thông báo có dữ liệu nhạy cảm"),
        _("Luật 91/2025/QH15, Điều 9 và Điều 19."),
    ),
    "protection_duty": LegalBasis(
        _("Nghĩa vụ bảo vệ dữ liệu cá nhân của bên kiểm soát, xử lý dữ liệu"),
        _("Nghị định 356/2025/NĐ-CP, Điều 4 khoản 2; Điều 9 khoản 3 điểm b."),
    ),
    "subject_rights": LegalBasis(
        _("Thực hiện quyền của người có dữ liệu"),
        _("Luật 91/2025/QH15, Điều 4, 10, 14; Nghị định 356/2025/NĐ-CP, Điều 5."),
    ),
}


@dataclass(frozen=True)
class Purpose:
    label: str
    bases: tuple[str, ...]


PURPOSES: dict[str, Purpose] = {
    "admission": Purpose(
        _(
            "Theo dõi và thực hiện quy trình phát triển đảng viên: nguồn, lớp nhận thức về "
            "Đảng, người giúp đỡ, hồ sơ, thẩm tra lý lịch, biểu quyết, kết nạp, dự bị, công "
            "nhận chính thức, thẻ đảng viên; các thời hạn theo quy định"
        ),
        ("party_rules", "consent"),
    ),
    "identity": Purpose(
        _("Xác định đúng người, tránh một người có hai hồ sơ (CCCD; họ tên và ngày sinh)"),
        ("party_rules", "consent"),
    ),
    "dossier": Purpose(
        _("Lập các biểu mẫu hồ sơ kết nạp đảng viên và công nhận đảng viên chính thức"),
        ("party_rules", "consent"),
    ),
    "membership": Purpose(
        _("Theo dõi đảng viên sau kết nạp: chuyển sinh hoạt, ra khỏi Đảng, từ trần"),
        ("party_rules",),
    ),
    "reports": Purpose(
        _(
            "Báo cáo, thống kê của cấp ủy: số lượng, cơ cấu, chỉ tiêu (số liệu tổng hợp; danh "
            "sách chi tiết chỉ trong phạm vi của người dùng)"
        ),
        ("party_rules",),
    ),
    "accounts": Purpose(
        _("Quản lý người dùng: đăng nhập, xác thực hai lớp, phân quyền theo vai trò và tổ chức"),
        ("protection_duty",),
    ),
    "accountability": Purpose(
        _("Ghi vết và kiểm tra việc xử lý: nhật ký thay đổi, nhật ký truy cập, sự cố"),
        ("protection_duty",),
    ),
    "subject_rights": Purpose(
        _("Giải quyết yêu cầu của người có dữ liệu (xem, sửa, hạn chế, phản đối, rút, xóa)"),
        ("subject_rights",),
    ),
    "handoff": Purpose(
        _(
            "Bàn giao dữ liệu đảng viên mới, đảng viên chính thức và đảng viên ra khỏi danh "
            "sách cho Cơ sở dữ liệu đảng viên toàn quốc (CSDL đảng viên)"
        ),
        ("party_rules",),
    ),
    "continuity": Purpose(
        _("Sao lưu và khôi phục dữ liệu"),
        ("protection_duty",),
    ),
}


@dataclass(frozen=True)
class ModelEntry:
    """What one model holds: about whom, for what, and each field's categories."""

    subjects: tuple[str, ...]
    purposes: tuple[str, ...]
    fields: dict[str, str | tuple[str, ...]]
    note: str = ""


def _none(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, NOT_PERSONAL)


_AXES = {
    "id": NOT_PERSONAL,
    "user_agent": "activity",
    "ip_address": "activity",
    "username": "activity",
    "http_accept": "activity",
    "path_info": "activity",
    "attempt_time": "activity",
}

MODELS: dict[str, ModelEntry] = {
    # --- people and the pipeline ----------------------------------------------------------------
    "people.person": ModelEntry(
        PEOPLE,
        ("admission", "identity", "dossier", "membership", "reports", "handoff"),
        {
            "id": NOT_PERSONAL,
            "full_name": "identity",
            "search_name": "identity",
            "sort_key": "identity",
            "birth_date": "identity",
            "sex": "identity",
            "cccd": "identifier",
            "ethnicity": "ethnicity",
            "religion": "religion",
            "general_education": "education",
            "professional_level": "education",
            "theory_level": "education",
            "occupation": "work",
            "sector": "work",
            "youth_union_member": "social",
            "trade_union_member": "social",
            "local_resident": "residence",
            "residence": "residence",
            "address": "residence",
            "cell": "political",
            "member_status": "political",
            "party_admitted_on": "political",
            "party_official_on": "political",
            "party_left_on": "political",
            "party_card_number": "political",
            "personal_history_number": "political",  # số lý lịch đảng viên
            "legal_basis": "legal",
            "consent_on": "legal",
            "consent_scope": "legal",
            "sensitive_notice_on": "legal",
            "anonymised_at": "legal",
            "created_at": NOT_PERSONAL,
            "merged_into": "identity",
        },
        _(
            "Một bản ghi cho mỗi người: nguồn, người xin vào Đảng, đảng viên, người giới thiệu, "
            "người giúp đỡ."
        ),
    ),
    "people.personchange": ModelEntry(
        PEOPLE,
        ("identity", "accountability"),
        {
            **_none("id", "merge"),
            "person": "history",
            "kind": "history",
            "changes": "history",
            "reason": "history",
            "actor": "activity",
            "recorded_at": "activity",
        },
    ),
    "people.personmerge": ModelEntry(
        PEOPLE,
        ("identity", "accountability"),
        {
            "id": NOT_PERSONAL,
            "kept": "history",
            "merged": "history",
            "reason": "history",
            "moved": "history",
            "actor": "activity",
            "recorded_at": "activity",
            "undone_at": "activity",
            "undone_by": "activity",
            "undo_reason": "history",
        },
    ),
    "pipeline.candidacy": ModelEntry(
        ("source", "candidate", "member"),
        ("admission", "reports"),
        {
            **_none("id", "version", "created_at"),
            **dict.fromkeys(
                (
                    "person",
                    "attempt",
                    "cell",
                    "stage",
                    "stage_since",
                    "opened_on",
                    "closed_on",
                    "next_due",
                    "next_due_code",
                    "expiry_due",
                    "expiry_code",
                ),
                "political",
            ),
        },
    ),
    "pipeline.event": ModelEntry(
        ("source", "candidate", "member", "introducer", "relative"),
        ("admission", "dossier", "reports"),
        {
            **_none("id", "seq", "voids", "official_members", "present"),
            **dict.fromkeys(
                ("candidacy", "step", "date", "cell", "number", "in_favour", "against", "passed"),
                "political",
            ),
            "data": ("political", "verification", "family"),
            "reason": "assessment",
            "actor": "activity",
            "recorded_at": "activity",
        },
        _(
            "Mỗi bước đã ghi (chỉ ghi thêm). Phần nội dung giữ giấy tờ của hồ sơ (có kết quả "
            "thẩm tra lý lịch của người vào Đảng và người thân), người giới thiệu, giấy chứng "
            "nhận."
        ),
    ),
    "pipeline.mentorassignment": ModelEntry(
        ("candidate", "member", "mentor"),
        ("admission",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(("candidacy", "mentor", "start", "end"), "political"),
            "end_reason": "assessment",
        },
    ),
    "pipeline.mentorreport": ModelEntry(
        ("candidate", "member", "mentor"),
        ("admission", "dossier"),
        {
            **_none("id", "period", "period_start"),
            "assignment": "political",
            "filed_on": "political",
            "text": "assessment",
            "assessment": "assessment",
            "author": "activity",
        },
    ),
    "pipeline.calendarday": ModelEntry((), (), _none("id", "date", "is_day_off", "name")),
    # Counts per organisation (stage, deadline, expiry, mentors' months), derived from the
    # candidacies, mentors and reports: no one in particular.
    "pipeline.tally": ModelEntry(
        (), (), _none("id", "organisation", "kind", "key", "day", "count")
    ),
    "members.memberevent": ModelEntry(
        ("member",),
        ("membership", "reports"),
        {
            **_none("id", "seq", "voids"),
            **dict.fromkeys(
                (
                    "person",
                    "kind",
                    "date",
                    "number",
                    "issued_by",
                    "cell",
                    "to_cell",
                    "outside",
                    "data",
                    "before",
                ),
                "political",
            ),
            "reason": "assessment",
            "actor": "activity",
            "recorded_at": "activity",
        },
    ),
    "members.memberspell": ModelEntry(
        ("member",),
        ("reports",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(
                ("person", "cell", "start", "end", "start_reason", "end_reason"), "political"
            ),
        },
    ),
    # --- the organisation, targets: no personal data ----------------------------------------------
    "org.organisation": ModelEntry(
        (),
        (),
        _none(
            "id",
            "path",
            "depth",
            "numchild",
            "name",
            "short_name",
            "kind",
            "code",
            "party_code",  # the code in the national party-member database
            "competent_committee",
            "direct_superior",
            "disadvantaged_area",
            "founded_on",
            "dissolved_on",
        ),
    ),
    "org.place": ModelEntry((), (), _none("id", "name", "kind", "organisation", "cell")),
    "org.placecell": ModelEntry((), (), _none("id", "place", "cell", "since")),
    "reports.target": ModelEntry(
        (),
        (),
        _none(
            "id",
            "organisation",
            "first_year",
            "last_year",
            "admissions",
            "women",
            "youth",
            "ethnic_minority",
            "local_residents",
            "enterprise_workers",
            "village_coverage",
            "school_coverage",
            "health_station_coverage",
            "basis",
            "registered_on",
        ),
    ),
    # Each candidacy's stays in the stages, kept from its events for the funnel report.
    "reports.stagestay": ModelEntry(
        ("source", "candidate", "member"),
        ("reports",),
        {
            **_none("id", "ordinal"),
            **dict.fromkeys(
                ("candidacy", "stage", "cell", "entered", "left", "outcome", "days"), "political"
            ),
        },
    ),
    # Reports of periods that have ended, stored as computed (the mentors' report names them).
    "reports.storedreport": ModelEntry(
        ("mentor",),
        ("reports",),
        {
            **_none(
                "id",
                "kind",
                "organisation",
                "start",
                "end",
                "places",
                "language",
                "events_seen",
                "computed_at",
            ),
            "payload": "identity",
        },
    ),
    # --- imports -----------------------------------------------------------------------------------
    "imports.importrun": ModelEntry(
        (*PEOPLE, "user"),
        ("admission", "accountability"),
        {
            **_none(
                "id",
                "kind",
                "organisation",
                "sha256",
                "status",
                "total_rows",
                "done_rows",
                "creates",
                "updates",
                "unchanged",
                "failures",
                "warning_count",
                "ignored_columns",
                "updated_at",
                "previewed_at",
                "committed_at",
                "task_id",
                "claim",
            ),
            "file": (
                "identity",
                "identifier",
                "ethnicity",
                "religion",
                "political",
                "education",
                "work",
                "social",
                "residence",
            ),
            "file_name": "activity",
            "message": "identity",
            "created_by": "activity",
            "created_at": "activity",
        },
        _("Tệp tải lên được giữ đến khi lần nhập được ghi hoặc hủy, rồi bị xóa."),
    ),
    "imports.importproblem": ModelEntry(
        PEOPLE,
        ("admission",),
        {**_none("id", "run", "row", "column"), "name": "identity", "message": "identity"},
    ),
    "imports.importwarning": ModelEntry(
        PEOPLE,
        ("admission", "identity"),
        {
            **_none("id", "run", "row"),
            "name": "identity",
            "message": "identity",
            "person": "identity",
        },
    ),
    # --- accounts, logs ----------------------------------------------------------------------------
    "accounts.user": ModelEntry(
        ("user",),
        ("accounts", "accountability"),
        {
            **_none("id", "groups", "user_permissions"),
            **dict.fromkeys(
                (
                    "password",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                    "organisation",
                    "role",
                    "installation_wide",
                    "person",
                ),
                "account",
            ),
            "last_login": "activity",
        },
    ),
    "privacy.accessentry": ModelEntry(
        (*PEOPLE, "user"),
        ("accountability",),
        {
            **_none("id", "organisation"),
            **dict.fromkeys(
                ("at", "user", "remote_addr", "kind", "person", "candidacy", "filters", "count"),
                "activity",
            ),
        },
        _(
            "Nhật ký truy cập: mỗi lần xem trang một người, một hồ sơ, tải biểu mẫu, xuất Excel, "
            "tìm theo CCCD (số CCCD chỉ lưu dạng che bớt)."
        ),
    ),
    "subjects.subjectrequest": ModelEntry(
        (*PEOPLE, "requester"),
        ("subject_rights",),
        {
            **_none("id", "version"),
            **dict.fromkeys(
                (
                    "person",
                    "kind",
                    "received_on",
                    "channel",
                    "requester",
                    "requester_name",
                    "requester_contact",
                    "text",
                    "status",
                    "acknowledged_on",
                    "answered_on",
                    "closed_on",
                    "extension_days",
                    "acknowledge_due",
                    "answer_due",
                    "next_due",
                    "next_due_code",
                ),
                "request",
            ),
            "recorded_by": "activity",
            "recorded_at": "activity",
        },
    ),
    "subjects.requeststep": ModelEntry(
        (*PEOPLE, "requester"),
        ("subject_rights",),
        {
            **_none("id", "seq"),
            **dict.fromkeys(("request", "step", "date", "text", "extension_days"), "request"),
            "actor": "activity",
            "recorded_at": "activity",
        },
    ),
    "subjects.incident": ModelEntry(
        ("user",),
        ("accountability",),
        {
            **_none(
                "id",
                "organisation",
                "summary",
                "description",
                "occurred_at",
                "detected_at",
                "people_count",
                "people_categories",
                "data_categories",
                "consequences",
                "measures",
                "notify_due",
                "notified_at",
                "notified_to",
                "notification_reference",
                "late_reason",
                "closed_at",
                "version",
            ),
            "detected_by": "activity",
            "recorded_by": "activity",
            "recorded_at": "activity",
        },
        _("Sự cố: chỉ số lượng và loại người, loại dữ liệu bị ảnh hưởng, không danh sách người."),
    ),
    "subjects.incidentupdate": ModelEntry(
        ("user",),
        ("accountability",),
        {
            **_none("id", "incident", "seq", "kind", "at", "text", "data"),
            "actor": "activity",
            "recorded_at": "activity",
        },
    ),
    "auditlog.logentry": ModelEntry(
        (*PEOPLE, "user"),
        ("accountability",),
        {
            **_none("id", "content_type"),
            **dict.fromkeys(
                (
                    "object_pk",
                    "object_id",
                    "action",
                    "actor",
                    "cid",
                    "remote_addr",
                    "remote_port",
                    "timestamp",
                    "actor_email",
                ),
                "activity",
            ),
            **dict.fromkeys(
                ("object_repr", "serialized_data", "changes_text", "changes", "additional_data"),
                "history",
            ),
        },
        _("Nhật ký thay đổi (django-auditlog): ai đổi gì, lúc nào, từ đâu, giá trị cũ và mới."),
    ),
    "admin.logentry": ModelEntry(
        (*PEOPLE, "user"),
        ("accountability",),
        {
            "id": NOT_PERSONAL,
            "content_type": NOT_PERSONAL,
            "action_time": "activity",
            "user": "activity",
            "object_id": "activity",
            "action_flag": "activity",
            "object_repr": "history",
            "change_message": "history",
        },
    ),
    "sessions.session": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "session_key": "account",
            "session_data": ("account", "identifier"),
            "expire_date": "account",
        },
        _(
            "Phiên đăng nhập; một tìm kiếm có chữ số (CCCD) được giữ trong phiên, không trong "
            "địa chỉ trang."
        ),
    ),
    "axes.accessattempt": ModelEntry(
        ("user",),
        ("accounts",),
        {
            **_AXES,
            "get_data": "activity",
            "post_data": "activity",
            "failures_since_start": "activity",
        },
    ),
    "axes.accessfailurelog": ModelEntry(
        ("user",), ("accounts",), {**_AXES, "locked_out": "activity"}
    ),
    "axes.accesslog": ModelEntry(
        ("user",),
        ("accounts",),
        {**_AXES, "logout_time": "activity", "session_hash": "activity"},
    ),
    "axes.accessattemptexpiration": ModelEntry(
        ("user",), ("accounts",), {"access_attempt": "activity", "expires_at": "activity"}
    ),
    "django_tasks_database.dbtaskresult": ModelEntry(
        ("user",),
        ("admission",),
        {
            **_none(
                "id",
                "status",
                "enqueued_at",
                "started_at",
                "finished_at",
                "args_kwargs",
                "priority",
                "task_path",
                "worker_ids",
                "queue_name",
                "backend_name",
                "run_after",
                "return_value",
                "exception_class_path",
            ),
            "traceback": "activity",
        },
        _("Hàng đợi việc chạy nền (nhập dữ liệu): chỉ mã số lần nhập, không dữ liệu cá nhân."),
    ),
    "retention.retentionrun": ModelEntry(
        (),
        (),
        _none(
            "id",
            "started_at",
            "finished_at",
            "today",
            "anonymised",
            "by_outcome",
            "policy",
            "error",
        ),
    ),
    # --- reminders: one's own preferences and the send log (ptdv/reminders) --------------------------
    "reminders.reminderpreference": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(
                (
                    "user",
                    "enabled",
                    "frequency",
                    "weekday",
                    "feed_token_hash",
                    "feed_created_at",
                    "updated_at",
                ),
                "account",
            ),
        },
        _("Tùy chọn nhắc việc của người dùng; địa chỉ lịch cá nhân chỉ lưu dạng băm SHA-256."),
    ),
    "reminders.remindersend": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(
                (
                    "user",
                    "day",
                    "status",
                    "attempts",
                    "claimed_at",
                    "finished_at",
                    "counts",
                    "error",
                ),
                "activity",
            ),
        },
        _(
            "Nhật ký gửi thư nhắc việc: ngày, trạng thái và số việc đã nhắc (chỉ con số, không "
            "có tên người)."
        ),
    ),
    # --- the hand-offs to the national party-member database (ptdv/handoff) -------------------------
    "handoff.handoffexport": ModelEntry(
        ("member", "user"),
        ("handoff", "accountability"),
        {
            **_none("id", "organisation", "start", "end", "sections", "rows", "incomplete"),
            **_none("only_new", "file_format", "sha256"),
            "people": "political",
            "created_by": "activity",
            "created_at": "activity",
        },
        _(
            "Mỗi lần tải tệp bàn giao sang CSDL đảng viên: người tải, thời điểm, tổ chức, kỳ, "
            "mã số những người trong tệp (không chép họ tên, số CCCD) và mã băm của tệp."
        ),
    ),
    # --- the second factor of the login (django-otp) ------------------------------------------------
    "otp_totp.totpdevice": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(
                (
                    "user",
                    "name",
                    "confirmed",
                    "key",
                    "step",
                    "t0",
                    "digits",
                    "tolerance",
                    "drift",
                    "last_t",
                    "created_at",
                ),
                "account",
            ),
            **dict.fromkeys(
                ("throttling_failure_timestamp", "throttling_failure_count", "last_used_at"),
                "activity",
            ),
        },
        _("Ứng dụng xác thực (TOTP) của người dùng: khóa bí mật dùng để kiểm tra mã."),
    ),
    "otp_static.staticdevice": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(("user", "name", "confirmed", "created_at"), "account"),
            **dict.fromkeys(
                ("throttling_failure_timestamp", "throttling_failure_count", "last_used_at"),
                "activity",
            ),
        },
    ),
    "otp_static.statictoken": ModelEntry(
        ("user",), ("accounts",), {"id": NOT_PERSONAL, "device": "account", "token": "account"}
    ),
    # --- personal API tokens (ptdv/accounts/tokens.py) ------------------------------------------
    "accounts.apitoken": ModelEntry(
        ("user",),
        ("accounts",),
        {
            "id": NOT_PERSONAL,
            **dict.fromkeys(
                (
                    "user",
                    "name",
                    "prefix",
                    "digest",
                    "scope",
                    "created_at",
                    "expires_at",
                    "revoked_at",
                ),
                "account",
            ),
            "last_used_at": "activity",
        },
        _(
            "Khóa truy cập API cá nhân do người dùng tự tạo: tên, quyền, thời hạn, lần dùng gần "
            "nhất; khóa chỉ lưu dạng băm SHA-256. Tạo và thu hồi được ghi nhật ký thay đổi."
        ),
    ),
    # --- Django's own tables: no personal data ------------------------------------------------------
    "auth.permission": ModelEntry((), (), _none("id", "name", "content_type", "codename")),
    "auth.group": ModelEntry((), (), _none("id", "name", "permissions")),
    "contenttypes.contenttype": ModelEntry((), (), _none("id", "app_label", "model")),
}


#: Vietnamese names of the tables and fields whose own names are English or generated (those
#: of the libraries ptdv uses, and a few internal fields), for the document.
LABELS: dict[str, str] = {
    "admin.logentry": _("nhật ký của trang quản trị"),
    "admin.logentry.action_time": _("thời điểm"),
    "admin.logentry.user": _("người dùng"),
    "admin.logentry.object_id": _("mã đối tượng"),
    "admin.logentry.object_repr": _("tên đối tượng"),
    "admin.logentry.action_flag": _("thao tác"),
    "admin.logentry.change_message": _("nội dung thay đổi"),
    "sessions.session": _("phiên đăng nhập"),
    "sessions.session.session_key": _("khóa phiên"),
    "sessions.session.session_data": _("dữ liệu phiên"),
    "sessions.session.expire_date": _("ngày hết hạn"),
    "auditlog.logentry": _("nhật ký thay đổi"),
    "auditlog.logentry.object_pk": _("khóa đối tượng"),
    "auditlog.logentry.object_id": _("mã đối tượng"),
    "auditlog.logentry.object_repr": _("tên đối tượng"),
    "auditlog.logentry.serialized_data": _("bản sao đối tượng"),
    "auditlog.logentry.action": _("thao tác"),
    "auditlog.logentry.changes_text": _("nội dung thay đổi (văn bản)"),
    "auditlog.logentry.changes": _("giá trị cũ và mới"),
    "auditlog.logentry.actor": _("người thực hiện"),
    "auditlog.logentry.cid": _("mã yêu cầu"),
    "auditlog.logentry.remote_addr": _("địa chỉ IP"),
    "auditlog.logentry.remote_port": _("cổng"),
    "auditlog.logentry.timestamp": _("thời điểm"),
    "auditlog.logentry.additional_data": _("dữ liệu kèm theo (tổ chức, lý do)"),
    "auditlog.logentry.actor_email": _("thư điện tử người thực hiện"),
    "axes.accessattempt": _("lần thử đăng nhập sai"),
    "axes.accessfailurelog": _("lần đăng nhập sai"),
    "axes.accesslog": _("lần đăng nhập"),
    "axes.accessattemptexpiration": _("hết hạn khóa đăng nhập"),
    **{
        f"axes.{model}.{name}": label
        for model in ("accessattempt", "accessfailurelog", "accesslog")
        for name, label in {
            "user_agent": _("trình duyệt"),
            "ip_address": _("địa chỉ IP"),
            "username": _("tên đăng nhập"),
            "http_accept": _("tiêu đề Accept"),
            "path_info": _("đường dẫn"),
            "attempt_time": _("thời điểm"),
        }.items()
    },
    "axes.accessattempt.get_data": _("tham số GET"),
    "axes.accessattempt.post_data": _("dữ liệu gửi (không có mật khẩu)"),
    "axes.accessattempt.failures_since_start": _("số lần sai"),
    "axes.accessfailurelog.locked_out": _("bị khóa"),
    "axes.accesslog.logout_time": _("thời điểm đăng xuất"),
    "axes.accesslog.session_hash": _("mã băm của phiên"),
    "axes.accessattemptexpiration.access_attempt": _("lần thử đăng nhập"),
    "axes.accessattemptexpiration.expires_at": _("hết hạn lúc"),
    "django_tasks_database.dbtaskresult": _("việc chạy nền"),
    "django_tasks_database.dbtaskresult.traceback": _("vết lỗi"),
    "otp_totp.totpdevice": _("ứng dụng xác thực (TOTP)"),
    "otp_static.staticdevice": _("bộ mã khôi phục"),
    "otp_static.statictoken": _("mã khôi phục"),
    **{
        f"otp_{kind}.{name}": label
        for kind in ("totp.totpdevice", "static.staticdevice")
        for name, label in {
            "user": _("người dùng"),
            "name": _("tên"),
            "confirmed": _("đã xác nhận"),
            "throttling_failure_timestamp": _("lần nhập sai gần nhất"),
            "throttling_failure_count": _("số lần nhập sai"),
            "created_at": _("tạo lúc"),
            "last_used_at": _("dùng gần nhất lúc"),
        }.items()
    },
    "otp_totp.totpdevice.key": _("khóa bí mật"),
    "otp_totp.totpdevice.step": _("bước thời gian"),
    "otp_totp.totpdevice.t0": _("mốc thời gian"),
    "otp_totp.totpdevice.digits": _("số chữ số"),
    "otp_totp.totpdevice.tolerance": _("độ lệch cho phép"),
    "otp_totp.totpdevice.drift": _("độ lệch đồng hồ"),
    "otp_totp.totpdevice.last_t": _("bước đã dùng gần nhất"),
    "otp_static.statictoken.device": _("bộ mã"),
    "otp_static.statictoken.token": _("mã"),
    "accounts.user.is_superuser": _("siêu quản trị"),
    "accounts.user.is_staff": _("vào trang quản trị"),
    "accounts.user.email": _("thư điện tử"),
    "people.person.search_name": _("họ và tên không dấu (để tìm kiếm)"),
    "people.person.sort_key": _("khóa sắp xếp theo tên"),
    "people.personmerge.moved": _("những gì đã chuyển"),
    "people.personmerge.actor": _("người hợp nhất"),
    "people.personmerge.recorded_at": _("ghi lúc"),
    "people.personmerge.undone_at": _("hủy lúc"),
    "people.personmerge.undone_by": _("người hủy"),
    "people.personmerge.undo_reason": _("lý do hủy"),
    "pipeline.candidacy.next_due_code": _("việc đến hạn"),
    "pipeline.candidacy.expiry_code": _("giấy tờ sắp hết hạn"),
    "pipeline.mentorreport.author": _("người ghi"),
    "imports.importwarning.person": _("người có thể trùng"),
    "subjects.subjectrequest.next_due_code": _("việc đến hạn"),
}


# --- checking the registry against the models --------------------------------------------------


def model_fields(model) -> list[str]:
    """The fields the registry must classify: concrete fields and many-to-many fields."""
    opts = model._meta
    return [f.name for f in opts.concrete_fields] + [f.name for f in opts.local_many_to_many]


def registered_models() -> list:
    """Every model whose rows ptdv stores (managed, not a proxy, not an automatic m2m table)."""
    return [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]


def classification_problems() -> list[str]:
    """What the registry and the models disagree on (empty when every field is classified)."""
    problems = []
    seen = set()
    for model in registered_models():
        label = model._meta.label_lower
        seen.add(label)
        entry = MODELS.get(label)
        names = model_fields(model)
        if entry is None:
            problems.append(
                f"{label}: the model is not in ptdv.inventory.registry.MODELS; classify its "
                f"fields ({', '.join(names)}), with {NOT_PERSONAL!r} for no personal data"
            )
            continue
        for name in names:
            if name not in entry.fields:
                problems.append(
                    f"{label}.{name}: a field the registry does not classify (MODELS[{label!r}])"
                )
        for name, categories in entry.fields.items():
            if name not in names:
                problems.append(f"{label}.{name}: in the registry but not a field of the model")
            for code in categories_of(categories):
                if code not in CATEGORIES:
                    problems.append(f"{label}.{name}: unknown category {code!r}")
        for code in entry.subjects:
            if code not in SUBJECTS:
                problems.append(f"{label}: unknown category of people {code!r}")
        for code in entry.purposes:
            if code not in PURPOSES:
                problems.append(f"{label}: unknown purpose {code!r}")
        personal = any(categories_of(c) for c in entry.fields.values())
        if personal and not (entry.subjects and entry.purposes):
            problems.append(f"{label}: personal data without the people or the purposes")
    installed = {config.label for config in apps.get_app_configs()}
    for label in MODELS.keys() - seen:
        # A library's app left out of INSTALLED_APPS has no table: its entry describes nothing.
        if label.split(".")[0] in installed:
            problems.append(f"{label}: in the registry but not an installed model")
    return sorted(problems)


def categories_of(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """The categories of a field's classification (``()`` for no personal data)."""
    if value == NOT_PERSONAL:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class PersonalField:
    model: object
    name: str
    categories: tuple[str, ...]
    entry: ModelEntry = field(repr=False)

    @property
    def sensitive(self) -> bool:
        return any(CATEGORIES[c].sensitive for c in self.categories)

    @property
    def verbose_name(self) -> str:
        opts = self.model._meta
        label = LABELS.get(f"{opts.label_lower}.{self.name}")
        return str(label if label is not None else opts.get_field(self.name).verbose_name)

    @property
    def table(self) -> str:
        return table_label(self.model)


def table_label(model) -> str:
    """The model's name in the document (its own, or :data:`LABELS`'s for a library's)."""
    label = LABELS.get(model._meta.label_lower)
    return str(label if label is not None else model._meta.verbose_name)


def personal_fields() -> list[PersonalField]:
    """Every field holding personal data, model by model in app order."""
    found = []
    for model in registered_models():
        entry = MODELS.get(model._meta.label_lower)
        if entry is None:
            continue
        for name in model_fields(model):
            categories = categories_of(entry.fields.get(name, NOT_PERSONAL))
            if categories:
                found.append(PersonalField(model, name, categories, entry))
    return found
