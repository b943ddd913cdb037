"""The processing inventory as one object of sections, written as .docx or .xlsx.

:func:`build_inventory` reads the registry (:mod:`.registry`), the roles and what each may do
(the code's own predicates: ``User.can_write``, the sensitive-data policy, the officer's rule…),
the settings in force (retention periods, second factor, session limits…) and the installed
models' field names, and returns an :class:`Inventory`: a title, information lines and sections,
each a table. The page, :func:`write_docx` and :func:`write_xlsx` (:mod:`.writing`) all draw
that one object, so the three cannot disagree. It describes the installation and holds nobody's
data.

A predicate another part of ptdv defines (``ptdv.privacy.officer.reads_records``…) is looked up
by name: a part that is not installed drops its row instead of failing the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import ptdv
from ptdv.accounts.models import Role, User

from . import registry
from .registry import CATEGORIES, LEGAL_BASES, MODELS, PURPOSES, SUBJECTS
from .writing import write_docx as write_docx
from .writing import write_xlsx as write_xlsx

#: Roles that read the inventory: a description of the installation, not anybody's data.
INVENTORY_READER_ROLES = frozenset({Role.ADMIN, Role.PRIVACY})
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A line to fill by hand.
BLANK = "…" * 20


def can_read_inventory(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in INVENTORY_READER_ROLES)


@dataclass(frozen=True)
class Column:
    header: str
    #: Width in the workbook (characters); the .docx shares the page in the same proportions.
    width: float


@dataclass
class Section:
    key: str
    title: str
    intro: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Inventory:
    title: str
    subtitle: str
    info: list[tuple[str, str]]
    sections: list[Section]
    generated_at: datetime

    @property
    def file_stem(self) -> str:
        return f"danh-muc-xu-ly-du-lieu-ca-nhan-{self.generated_at:%Y-%m-%d}"


def yes_no(value: bool) -> str:
    return _("Có") if value else _("Không")


def _labels(codes: Iterable[str], table: dict) -> str:
    return "; ".join(str(table[code].label) for code in codes)


# --- the sections --------------------------------------------------------------------------------


def _purposes() -> Section:
    section = Section(
        "muc-dich",
        _("Mục đích xử lý"),
        _("Vì sao ptdv xử lý dữ liệu cá nhân, và trên cơ sở pháp lý nào."),
        [Column(_("Mục đích"), 70), Column(_("Cơ sở pháp lý"), 45), Column(_("Về ai"), 40)],
    )
    for code, purpose in PURPOSES.items():
        subjects = []
        for entry in MODELS.values():
            if code in entry.purposes:
                subjects += [s for s in entry.subjects if s not in subjects]
        section.rows.append(
            [str(purpose.label), _labels(purpose.bases, LEGAL_BASES), _labels(subjects, SUBJECTS)]
        )
    return section


def _categories(fields: list[registry.PersonalField]) -> Section:
    section = Section(
        "loai-du-lieu",
        _("Loại dữ liệu cá nhân"),
        _(
            "Các loại dữ liệu ptdv lưu, đánh dấu dữ liệu được xử lý như dữ liệu nhạy cảm (hạn "
            "chế theo vai trò, che bớt, ghi nhật ký khi xem, mã hóa khi sao lưu). Nghị định "
            "356/2025/NĐ-CP, Điều 4 khoản 1 kể nguồn gốc dân tộc, quan điểm chính trị, tôn giáo "
            "trong dữ liệu nhạy cảm."
        ),
        [
            Column(_("Loại dữ liệu"), 30),
            Column(_("Nhạy cảm"), 10),
            Column(_("Gồm"), 50),
            Column(_("Lưu ở các trường"), 60),
        ],
    )
    for code, category in CATEGORIES.items():
        where: dict[str, list[str]] = {}
        for f in fields:
            if code in f.categories:
                where.setdefault(f.table, []).append(f.verbose_name)
        if not where:
            continue
        section.rows.append(
            [
                str(category.label),
                yes_no(category.sensitive),
                str(category.description),
                "; ".join(f"{table} ({', '.join(names)})" for table, names in where.items()),
            ]
        )
    return section


def _fields(fields: list[registry.PersonalField]) -> Section:
    section = Section(
        "truong-du-lieu",
        _("Các trường dữ liệu cá nhân"),
        _(
            "Mọi trường có dữ liệu cá nhân của mọi bảng, lấy từ mã nguồn của phiên bản đang "
            "chạy: một trường mới chưa được phân loại thì phần mềm không qua được kiểm thử."
        ),
        [
            Column(_("Bảng"), 28),
            Column(_("Trường"), 30),
            Column(_("Tên kỹ thuật"), 28),
            Column(_("Loại dữ liệu"), 36),
            Column(_("Nhạy cảm"), 10),
            Column(_("Về ai"), 36),
        ],
    )
    for f in fields:
        section.rows.append(
            [
                f.table,
                f.verbose_name,
                f"{f.model._meta.label_lower}.{f.name}",
                _labels(f.categories, CATEGORIES),
                yes_no(f.sensitive),
                _labels(f.entry.subjects, SUBJECTS),
            ]
        )
    return section


def _tables(fields: list[registry.PersonalField]) -> Section:
    section = Section(
        "bang-du-lieu",
        _("Các bảng có dữ liệu cá nhân"),
        _("Mỗi bảng của cơ sở dữ liệu có dữ liệu cá nhân: về ai, để làm gì."),
        [
            Column(_("Bảng"), 30),
            Column(_("Số trường (nhạy cảm)"), 12),
            Column(_("Về ai"), 40),
            Column(_("Mục đích"), 50),
            Column(_("Ghi chú"), 50),
        ],
    )
    by_model: dict[Any, list[registry.PersonalField]] = {}
    for f in fields:
        by_model.setdefault(f.model, []).append(f)
    for model, found in by_model.items():
        entry = found[0].entry
        sensitive = sum(1 for f in found if f.sensitive)
        section.rows.append(
            [
                registry.table_label(model),
                f"{len(found)} ({sensitive})",
                _labels(entry.subjects, SUBJECTS),
                _labels(entry.purposes, PURPOSES),
                str(entry.note),
            ]
        )
    return section


def _subjects() -> Section:
    section = Section(
        "chu-the",
        _("Người có dữ liệu"),
        _("Những nhóm người mà ptdv lưu dữ liệu, và các bảng lưu dữ liệu của họ."),
        [Column(_("Nhóm"), 30), Column(_("Là ai"), 60), Column(_("Các bảng"), 60)],
    )
    models = registry.registered_models()
    for code, subject in SUBJECTS.items():
        tables = [
            registry.table_label(model)
            for model in models
            if code in MODELS.get(model._meta.label_lower, registry.ModelEntry((), (), {})).subjects
        ]
        section.rows.append([str(subject.label), str(subject.description), "; ".join(tables)])
    return section


def _legal_bases() -> Section:
    section = Section(
        "co-so-phap-ly",
        _("Cơ sở pháp lý"),
        _(
            "Các căn cứ ghi theo cách hiểu khi xây dựng phần mềm: bên triển khai cần đối chiếu "
            "với văn bản đang có hiệu lực trước khi nộp hồ sơ."
        ),
        [Column(_("Cơ sở"), 60), Column(_("Văn bản"), 60), Column(_("Cho mục đích"), 60)],
    )
    for code, basis in LEGAL_BASES.items():
        purposes = [str(p.label) for p in PURPOSES.values() if code in p.bases]
        section.rows.append([str(basis.label), str(basis.reference), "; ".join(purposes)])
    from ptdv.people.models import Person

    try:
        recorded = Person._meta.get_field("legal_basis")
    except LookupError:
        return section
    choices = [str(label) for value, label in recorded.choices if value]
    section.rows.append(
        [
            _("Ghi cho từng người (trường «%(field)s»)") % {"field": recorded.verbose_name},
            "; ".join(choices),
            _("Cùng ngày và phạm vi đồng ý, ngày thông báo dữ liệu nhạy cảm."),
        ]
    )
    return section


#: What a role may do: (label, the predicate's dotted path or a ``User`` property).
CAPABILITIES: tuple[tuple[Any, str], ...] = (
    (gettext_lazy("Xem hồ sơ của từng người"), "ptdv.privacy.officer.reads_records"),
    (gettext_lazy("Ghi các bước, người giúp đỡ, nhập dữ liệu, đính chính"), "can_write"),
    (gettext_lazy("Hợp nhất hồ sơ trùng"), "ptdv.web.views.people.can_merge"),
    (gettext_lazy("Tải biểu mẫu hồ sơ đã điền"), "ptdv.people.sensitive.may_print_dossier"),
    (gettext_lazy("Xem đầy đủ số CCCD (mỗi lần được ghi nhật ký)"),
     "ptdv.people.sensitive.may_reveal_cccd"),
    (gettext_lazy("Ghi nhận yêu cầu của người có dữ liệu"),
     "ptdv.subjects.roles.can_record_request"),
    (gettext_lazy("Trả lời yêu cầu, xuất dữ liệu đang lưu về một người"),
     "ptdv.subjects.roles.can_answer_requests"),
    (gettext_lazy("Ghi nhận, xử lý sự cố"), "ptdv.subjects.roles.can_manage_incidents"),
    (gettext_lazy("Xem nhật ký thay đổi"), "can_read_audit"),
    (gettext_lazy("Xem nhật ký truy cập"), "can_read_access_log"),
    (gettext_lazy("Quản trị: tài khoản, cây tổ chức, địa bàn"), "is_administrator"),
    (gettext_lazy("Xem danh mục xử lý dữ liệu cá nhân"), "ptdv.inventory.document.can_read_inventory"),
)  # fmt: skip


def _predicate(path: str) -> Callable[[Any], bool] | None:
    if "." not in path:
        if not hasattr(User, path):
            return None
        return lambda user: bool(getattr(user, path))
    try:
        return import_string(path)
    except ImportError:
        return None


def _role_user(role: str) -> User:
    """An unsaved active user of ``role``: the predicates are asked about it."""
    return User(username=f"vai-tro-{role}", role=role, is_active=True)


def _roles() -> list[Section]:
    roles = list(Role)
    users = {role: _role_user(role) for role in roles}
    mfa_for_all = getattr(settings, "PTDV_MFA_REQUIRED_FOR_ALL", False)
    mfa_roles = set(getattr(settings, "PTDV_MFA_REQUIRED_ROLES", ()))
    matrix = Section(
        "vai-tro",
        _("Vai trò và quyền truy cập"),
        _(
            "Mỗi tài khoản có một vai trò tại một tổ chức đảng và chỉ thấy cây tổ chức con của "
            "tổ chức đó (quản trị viên «toàn hệ thống»: mọi cây). Bảng lấy từ chính các quy tắc "
            "phân quyền của phần mềm. Đảng viên giúp đỡ dùng tài khoản chỉ xem gắn với hồ sơ "
            "đảng viên của mình và báo cáo về người mình giúp đỡ."
        ),
        [Column(_("Quyền"), 44)] + [Column(str(role.label), 16) for role in roles],
    )
    for label, path in CAPABILITIES:
        predicate = _predicate(path)
        if predicate is None:
            continue
        matrix.rows.append([str(label)] + [yes_no(predicate(users[role])) for role in roles])
    if mfa_roles or mfa_for_all:
        matrix.rows.append(
            [_("Bắt buộc xác thực hai lớp khi đăng nhập")]
            + [yes_no(mfa_for_all or role.value in mfa_roles) for role in roles]
        )
    sections = [matrix]
    try:
        from ptdv.people import sensitive
    except ImportError:
        return sections
    table = Section(
        "du-lieu-nhay-cam-theo-vai-tro",
        _("Dữ liệu nhạy cảm theo vai trò"),
        _(
            "Dữ liệu nhạy cảm của từng người mà mỗi vai trò được xem, và lý do công việc cần "
            "đến. Báo cáo vẫn giữ các con số tổng hợp (cơ cấu theo dân tộc, tôn giáo) cho mọi "
            "vai trò."
        ),
        [Column(_("Vai trò"), 28), Column(_("Được xem"), 40), Column(_("Vì sao"), 90)],
    )
    for role in roles:
        items = sensitive.allowed(users[role])
        access = sensitive.POLICY.get(role)
        table.rows.append(
            [
                str(role.label),
                "; ".join(str(sensitive.LABELS[i]) for i in sensitive.Sensitive if i in items)
                or _("Không"),
                str(access.reason) if access else _("Không có trong chính sách: không xem gì."),
            ]
        )
    sections.append(table)
    return sections


@dataclass(frozen=True)
class Flow:
    name: Any
    route: Any
    categories: tuple[str, ...]
    who: Any
    safeguards: Any
    planned: bool = False


FLOWS: tuple[Flow, ...] = (
    Flow(
        gettext_lazy("Nhập dữ liệu từ Excel/CSV"),
        gettext_lazy("Tệp danh sách của đơn vị → ptdv"),
        ("identity", "identifier", "ethnicity", "religion", "education", "work", "social",
         "residence", "political", "legal"),
        gettext_lazy("Vai trò được ghi, vào tổ chức trong phạm vi của mình"),
        gettext_lazy(
            "Kiểm tra từng dòng trước khi ghi, ghi tất cả hoặc không; giới hạn kích thước, số "
            "dòng; tệp được giữ trên máy chủ đến khi ghi xong hoặc hủy rồi bị xóa."
        ),
    ),
    Flow(
        gettext_lazy("Xuất Excel: danh sách hồ sơ, báo cáo, danh sách chi tiết của một số liệu"),
        gettext_lazy("ptdv → máy của người dùng"),
        ("identity", "ethnicity", "social", "political"),
        gettext_lazy("Người dùng xem được các hồ sơ đó, trong phạm vi của mình"),
        gettext_lazy(
            "Chỉ người trong phạm vi; số CCCD che bớt; cột nhạy cảm theo vai trò; mỗi lần xuất "
            "được ghi nhật ký truy cập (ai, lúc nào, bộ lọc, bao nhiêu người)."
        ),
    ),
    Flow(
        gettext_lazy("Biểu mẫu hồ sơ (.docx, .zip, PDF)"),
        gettext_lazy("ptdv → máy của người dùng, để in và ký"),
        ("identity", "identifier", "ethnicity", "religion", "education", "work", "residence",
         "political", "verification", "family", "assessment"),
        gettext_lazy("Vai trò được xem mọi dữ liệu nhạy cảm, trong phạm vi của mình"),
        gettext_lazy(
            "Mỗi lần tải được ghi nhật ký truy cập; bản PDF do LibreOffice chuyển ngay trên máy "
            "chủ, không gửi ra ngoài."
        ),
    ),
    Flow(
        gettext_lazy("Dữ liệu đang lưu về một người (trả lời yêu cầu truy cập)"),
        gettext_lazy("ptdv → người có dữ liệu (.xlsx, PDF)"),
        ("identity", "identifier", "ethnicity", "religion", "education", "work", "residence",
         "political", "legal", "request"),
        gettext_lazy("Cán bộ tổ chức đảng ủy cơ sở"),
        gettext_lazy("Chỉ dữ liệu của người đó; được ghi nhật ký truy cập."),
    ),
    Flow(
        gettext_lazy("Sao lưu và khôi phục"),
        gettext_lazy("ptdv → tệp sao lưu trên máy chủ và bản sao ở nơi khác; tệp sao lưu → ptdv"),
        tuple(CATEGORIES),
        gettext_lazy("Người vận hành máy chủ"),
        gettext_lazy(
            "Mã hóa có xác thực AES-256-GCM bằng khóa giữ riêng; khôi phục từ chối khóa sai, "
            "tệp bị sửa hoặc bị cắt, và không thay đổi gì; tệp chỉ chủ sở hữu đọc được (0600)."
        ),
    ),
    Flow(
        gettext_lazy("Nhật ký của máy chủ"),
        gettext_lazy("ptdv → nhật ký hệ thống (journald)"),
        ("activity",),
        gettext_lazy("Người vận hành máy chủ"),
        gettext_lazy(
            "Chỉ cảnh báo và lỗi; đường dẫn không kèm tham số, không nội dung yêu cầu; mọi dãy "
            "số như CCCD bị che bớt."
        ),
    ),
    Flow(
        gettext_lazy("Bàn giao dữ liệu sang Cơ sở dữ liệu đảng viên quốc gia"),
        gettext_lazy(
            "ptdv → tệp .xlsx/.csv (trang Bàn giao dữ liệu) → cán bộ nhập vào CSDL đảng viên "
            "toàn quốc"
        ),
        ("identity", "identifier", "ethnicity", "religion", "education", "work", "residence",
         "political"),
        gettext_lazy("Ban tổ chức cấp ủy, cán bộ tổ chức đảng ủy cơ sở"),
        gettext_lazy(
            "Người kết nạp, được công nhận chính thức và ra khỏi danh sách trong một kỳ, của "
            "tổ chức trong phạm vi người tải; cán bộ tải tệp về máy rồi nhập tay vào hệ thống "
            "quốc gia, ptdv không gửi qua mạng. Mỗi lần tải được ghi lại (người, lúc, tổ chức, "
            "kỳ, mã số người, mã băm SHA-256 của tệp) và ghi vào nhật ký truy cập (loại “Bàn "
            "giao CSDL đảng viên”)."
        ),
    ),
)  # fmt: skip


def _flows() -> Section:
    section = Section(
        "luong-du-lieu",
        _("Luồng dữ liệu"),
        _("Dữ liệu cá nhân đi vào và đi ra khỏi ptdv. ptdv không gửi dữ liệu qua mạng ra ngoài."),
        [
            Column(_("Luồng"), 34),
            Column(_("Từ → đến"), 34),
            Column(_("Loại dữ liệu"), 44),
            Column(_("Ai"), 30),
            Column(_("Bảo vệ"), 60),
            Column(_("Tình trạng"), 14),
        ],
    )
    for flow in FLOWS:
        section.rows.append(
            [
                str(flow.name),
                str(flow.route),
                _labels(flow.categories, CATEGORIES),
                str(flow.who),
                str(flow.safeguards),
                _("Dự kiến") if flow.planned else _("Đang dùng"),
            ]
        )
    return section


def _setting(name: str, default: Any = None) -> Any:
    return getattr(settings, name, default)


def _retention() -> Section:
    section = Section(
        "thoi-han-luu-tru",
        _("Thời hạn lưu trữ"),
        _(
            "Dữ liệu chỉ được giữ chừng nào mục đích còn cần (Luật 91/2025/QH15, Điều 3 khoản 3, "
            "Điều 14). Giá trị là cấu hình đang chạy; bên triển khai đổi được bằng biến môi "
            "trường."
        ),
        [Column(_("Dữ liệu"), 44), Column(_("Thời hạn"), 44), Column(_("Cách thực hiện"), 70)],
    )
    section.rows += _anonymised_rows()
    section.rows += _kept_rows()
    return section


def _anonymised_rows() -> list[list[Any]]:
    """The records anonymised when their time is up: one row per outcome of a candidacy."""
    rows: list[list[Any]] = []
    try:
        from ptdv.retention import policy
    except ImportError:  # without the retention policy, the settings by name
        names = sorted(name for name in dir(settings) if name.startswith("PTDV_RETENTION_"))
        outcomes = [(name, name, _setting(name)) for name in names]
    else:
        outcomes = [
            (_(policy.OUTCOME_LABELS[outcome]), name, _setting(name, default))
            for outcome, (name, default) in policy.SETTINGS.items()
        ]
    for label, name, value in outcomes:
        rows.append(
            [
                _("Hồ sơ người chưa được kết nạp: %(outcome)s") % {"outcome": label},
                _("%(years)s năm sau khi có kết quả (%(setting)s)")
                % {"years": value, "setting": name},
                _(
                    "Ẩn danh, không khôi phục được: thông tin cá nhân bị thay thế hoặc xóa, số "
                    "liệu báo cáo giữ nguyên (ptdv manage retention --apply, chạy hằng ngày)."
                ),
            ]
        )
    return rows


def _kept_rows() -> list[list[Any]]:
    """The other records: kept, pruned by a daily command, or left to the installation."""
    return [
        [
            _("Hồ sơ đảng viên, người đang trong quy trình"),
            _("Giữ"),
            _(
                "Hồ sơ của người đã là đảng viên (kể cả đã chuyển đi, ra khỏi Đảng, từ trần) giữ "
                "theo quy định của Đảng; hồ sơ đang xem xét giữ đến khi có kết quả."
            ),
        ],
        [
            _("Nhật ký truy cập"),
            _("%(days)s ngày") % {"days": _setting("PTDV_ACCESS_LOG_RETENTION_DAYS", "…")},
            _("ptdv manage prune_access_log (chạy hằng ngày)."),
        ],
        [
            _("Nhật ký thay đổi"),
            _("Không tự xóa"),
            _(
                "Là căn cứ kiểm tra; chỉ xóa theo quy định bằng văn bản của bên triển khai "
                "(ptdv manage auditlogflush)."
            ),
        ],
        [
            _("Phiên đăng nhập"),
            _("Hết sau %(idle)s phút không dùng, tối đa %(hours)s giờ")
            % {
                "idle": _setting("PTDV_SESSION_IDLE_MINUTES", "…"),
                "hours": _setting("PTDV_SESSION_MAX_HOURS", "…"),
            },
            _("Phiên hết hạn bị xóa hằng ngày (ptdv manage clearsessions)."),
        ],
        [
            _("Bản ghi đăng nhập (lần thử, lần đăng nhập)"),
            _("Do bên triển khai đặt"),
            _("ptdv manage axes_reset_logs --age SỐ_NGÀY (ví dụ trong việc chạy hằng ngày)."),
        ],
        [
            _("Tệp nhập dữ liệu đã tải lên"),
            _("Đến khi lần nhập được ghi hoặc hủy"),
            _("Xóa tự động."),
        ],
        [
            _("Kết quả việc chạy nền"),
            _("Do bên triển khai đặt"),
            _("ptdv manage prune_db_task_results."),
        ],
        [
            _("Tệp sao lưu"),
            _("Do bên triển khai đặt (ví dụ 30 ngày)"),
            _("Việc sao lưu hằng ngày xóa tệp cũ hơn thời hạn (docs/deployment.md)."),
        ],
    ]


def _mfa_setting() -> Any:
    """Who must log in with a second factor, as configured (``None``: nobody is required to)."""
    mfa_roles = _setting("PTDV_MFA_REQUIRED_ROLES")
    labels = {role.value: str(role.label) for role in Role}
    if _setting("PTDV_MFA_REQUIRED_FOR_ALL", False):
        return _("Bắt buộc với mọi tài khoản")
    if mfa_roles is not None:
        return _("Bắt buộc với: %(roles)s") % {
            "roles": "; ".join(labels.get(r, r) for r in mfa_roles)
        }
    return None


def _measures() -> Section:
    mfa = _mfa_setting()
    audited = ", ".join(_audited_models())
    logged = _logged_reads()
    section = Section(
        "bien-phap-bao-ve",
        _("Biện pháp bảo vệ"),
        _(
            "Biện pháp quản lý và kỹ thuật bảo vệ dữ liệu cá nhân, nhất là dữ liệu nhạy cảm "
            "(Nghị định 356/2025/NĐ-CP, Điều 4 khoản 2; Điều 9 khoản 3)."
        ),
        [
            Column(_("Biện pháp"), 36),
            Column(_("ptdv làm gì"), 80),
            Column(_("Cấu hình đang chạy"), 44),
        ],
    )
    rows = _measure_rows(audited, logged)
    if mfa is not None:
        rows.insert(
            1,
            (
                _("Xác thực hai lớp"),
                _("Mã một lần (TOTP) và mã khôi phục dùng một lần, sau mật khẩu."),
                mfa,
            ),
        )
    for name, how, value in rows:
        section.rows.append([str(name), str(how), str(value or "")])
    return section


def _measure_rows(audited: str, logged: str) -> list[tuple[Any, Any, Any]]:
    """The measures (but the second factor): what ptdv does, and the setting in force."""
    return [
        (
            _("Phân quyền theo vai trò và tổ chức"),
            _(
                "Mọi trang, tệp xuất và trang quản trị chỉ cho thấy cây tổ chức con của người "
                "dùng; ngoài phạm vi thì như không tồn tại; dữ liệu nhạy cảm theo vai trò."
            ),
            _("%(n)s vai trò") % {"n": len(Role)},
        ),
        (
            _("Mật khẩu"),
            _("Băm Argon2id; độ dài tối thiểu; từ chối mật khẩu phổ biến, dễ đoán."),
            _("Tối thiểu %(n)s ký tự") % {"n": _setting("PTDV_PASSWORD_MIN_LENGTH", "…")},
        ),
        (
            _("Chống dò mật khẩu"),
            _("Khóa 15 phút sau nhiều lần sai theo tên đăng nhập và theo địa chỉ."),
            _("%(user)s lần / tên và địa chỉ; %(address)s lần / địa chỉ")
            % {
                "user": _setting("AXES_FAILURE_LIMIT", "…"),
                "address": _setting("PTDV_LOGIN_ADDRESS_FAILURE_LIMIT", "…"),
            },
        ),
        (
            _("Phiên đăng nhập có hạn"),
            _("Hết phiên khi không dùng, sau thời gian tối đa và khi đóng trình duyệt."),
            _("%(idle)s phút; %(hours)s giờ")
            % {
                "idle": _setting("PTDV_SESSION_IDLE_MINUTES", "…"),
                "hours": _setting("PTDV_SESSION_MAX_HOURS", "…"),
            },
        ),
        (
            _("Nhật ký thay đổi"),
            _("Mọi thay đổi: ai, lúc nào, từ địa chỉ nào, giá trị cũ và mới."),
            audited,
        ),
        (
            _("Nhật ký truy cập"),
            _("Mỗi lần xem, tải, xuất dữ liệu cá nhân: ai, lúc nào, từ đâu, bao nhiêu người."),
            logged,
        ),
        (
            _("Che số CCCD"),
            _(
                "Số CCCD hiện dạng che bớt ở mọi trang, tệp xuất, nhật ký; không bao giờ nằm "
                "trong địa chỉ trang; xem đầy đủ theo vai trò, mỗi lần được ghi nhật ký."
            ),
            None,
        ),
        (
            _("Trang web an toàn"),
            _(
                "Chỉ HTTPS (HSTS), chính sách nội dung (CSP) không cho mã lạ, không lưu trang "
                "trong bộ nhớ đệm (no-store), chặn dữ liệu vào bất thường."
            ),
            _("HSTS %(seconds)s giây") % {"seconds": _setting("SECURE_HSTS_SECONDS", 0)}
            if _setting("SECURE_HSTS_SECONDS")
            else _("HTTPS do môi trường production bật"),
        ),
        (
            _("Sao lưu mã hóa"),
            _(
                "AES-256-GCM theo từng phần, khóa giữ riêng; khôi phục từ chối khóa sai, tệp "
                "bị sửa, tệp bị cắt và không thay đổi gì."
            ),
            _("Môi trường production từ chối sao lưu không mã hóa"),
        ),
    ]


def _audited_models() -> list[str]:
    from django.apps import apps

    from ptdv.accounts.audit import AUDITED

    return [str(apps.get_model(label)._meta.verbose_name) for label in AUDITED]


def _logged_reads() -> str:
    try:
        from ptdv.privacy.models import AccessKind
    except ImportError:
        return ""
    return "; ".join(str(label) for _value, label in AccessKind.choices)


DUTIES: tuple[Any, ...] = (
    gettext_lazy(
        "Chỉ định nhân sự (bộ phận) bảo vệ dữ liệu cá nhân và cấp tài khoản vai trò «Nhân sự bảo "
        "vệ dữ liệu cá nhân»."
    ),
    gettext_lazy(
        "Lập và nộp hồ sơ đánh giá tác động xử lý dữ liệu cá nhân trong 60 ngày kể từ khi bắt "
        "đầu xử lý (Luật 91/2025/QH15, Điều 21–22; Nghị định 356/2025/NĐ-CP, Điều 19–20), dùng "
        "tài liệu này làm phần mô tả hệ thống; cập nhật khi phần mềm đổi phiên bản."
    ),
    gettext_lazy(
        "Thông báo cho cơ quan có thẩm quyền trong 72 giờ khi phát hiện sự cố lộ, mất dữ liệu, "
        "có biên bản (Luật 91/2025/QH15, Điều 23; Nghị định 356/2025/NĐ-CP, Điều 28)."
    ),
    gettext_lazy(
        "Tạo khóa sao lưu, giữ một bản ở nơi an toàn tách khỏi máy chủ; sao lưu hằng ngày, "
        "chuyển bản sao ra ngoài, thử khôi phục định kỳ."
    ),
    gettext_lazy(
        "Mã hóa ổ đĩa của máy chủ cơ sở dữ liệu và nơi giữ tệp sao lưu; kết nối cơ sở dữ liệu "
        "qua TLS (sslmode=require) khi cơ sở dữ liệu ở máy khác."
    ),
    gettext_lazy(
        "Đặt thời hạn lưu nhật ký của máy chủ web (nginx) và nhật ký hệ thống; coi chúng là dữ "
        "liệu cá nhân."
    ),
    gettext_lazy(
        "Ghi nhận sự đồng ý và thông báo dữ liệu nhạy cảm cho từng nguồn, quần chúng; giải "
        "quyết yêu cầu của người có dữ liệu đúng thời hạn."
    ),
)


def _duties() -> Section:
    section = Section(
        "viec-cua-ben-trien-khai",
        _("Việc bên triển khai phải tự làm"),
        _("Những việc phần mềm không làm thay được."),
        [Column(_("STT"), 6), Column(_("Việc"), 150)],
    )
    section.rows = [[str(n), str(duty)] for n, duty in enumerate(DUTIES, 1)]
    return section


def build_inventory(now: datetime | None = None) -> Inventory:
    """The inventory of this installation, as its code and settings are now."""
    now = timezone.localtime(now)
    fields = registry.personal_fields()
    sensitive = sum(1 for f in fields if f.sensitive)
    info = [
        (
            _("Hệ thống"),
            _("ptdv — phát triển đảng viên, phiên bản %(v)s") % {"v": ptdv.__version__},
        ),
        (_("Lập lúc"), f"{now:%H:%M %d/%m/%Y}"),
        (_("Bên kiểm soát và xử lý dữ liệu cá nhân"), BLANK),
        (_("Nhân sự bảo vệ dữ liệu cá nhân, liên hệ"), BLANK),
        (_("Ngày bắt đầu xử lý"), BLANK),
        (
            _("Tóm tắt"),
            _(
                "%(fields)s trường dữ liệu cá nhân trong %(tables)s bảng, %(sensitive)s trường "
                "có dữ liệu nhạy cảm."
            )
            % {
                "fields": len(fields),
                "tables": len({f.model for f in fields}),
                "sensitive": sensitive,
            },
        ),
    ]
    return Inventory(
        title=_("Danh mục hoạt động xử lý dữ liệu cá nhân"),
        subtitle=_(
            "Tài liệu kèm hồ sơ đánh giá tác động xử lý dữ liệu cá nhân (Luật Bảo vệ dữ liệu cá "
            "nhân số 91/2025/QH15, Điều 21–22; Nghị định 356/2025/NĐ-CP, Điều 19–20). Lập tự "
            "động từ mã nguồn và cấu hình của hệ thống; phần để trống do bên triển khai điền."
        ),
        info=info,
        sections=[
            _purposes(),
            _categories(fields),
            _subjects(),
            _tables(fields),
            _legal_bases(),
            *_roles(),
            _flows(),
            _retention(),
            _measures(),
            _duties(),
            _fields(fields),
        ],
        generated_at=now,
    )
