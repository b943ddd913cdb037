"""Who sees a person's sensitive data: the one table of roles and fields, and its functions.

Nghị định 356/2025/NĐ-CP (Điều 4 khoản 1) counts ethnicity, religion and the like among the
sensitive personal data, and asks that access to it be limited by role (Điều 4 khoản 2); the
whole identity number and the conclusions of a personal-history verification (thẩm tra lý lịch)
are treated the same way here. ptdv holds them because the party's own papers need them (the
application 1-KNĐ, the personal history 2-KNĐ, the cell's resolution that hears the verification's
conclusion), not to show them to everybody who sees a person.

:data:`POLICY` says, per role, which of the :class:`Sensitive` items its work needs and why.
Everything that shows a person — pages, htmx fragments, exports, the drill-down lists of the
reports, the dossier forms, the admin, the audit log — asks this module, never the role:

- :func:`may_see` / :func:`allowed`: may ``user`` see this item (the ``may_see`` template filter);
- :func:`may_print_dossier`: the filled dossier forms carry all of them (official papers, the
  whole number): only for roles that may see every item;
- :func:`blocked_drills`: the reports' figures whose list of people would say who is of an ethnic
  minority or a religion (the figures themselves, being counts, are shown to every role);
- :func:`shown_change`: one changed value as the person's history and the audit log show it.

An identity number is never shown whole except through the person page's reveal (each reveal is
written to the read log) and the forms that need it (``ptdv.masking``). A role missing from
the table sees nothing sensitive: a new role starts closed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from ptdv.accounts.models import Role
from ptdv.masking import mask_cccd, mask_text


class Sensitive(StrEnum):
    #: The whole identity number (it is shown masked to everybody: ``001******457``).
    CCCD = "cccd"
    ETHNICITY = "ethnicity"
    RELIGION = "religion"
    #: The conclusions of the personal-history verification (the dossier paper "verification":
    #: whose history, and "đạt" or "có vấn đề cần xem xét").
    VERIFICATION = "verification"


LABELS: dict[Sensitive, Any] = {
    Sensitive.CCCD: _("Số CCCD đầy đủ"),
    Sensitive.ETHNICITY: _("Dân tộc"),
    Sensitive.RELIGION: _("Tôn giáo"),
    Sensitive.VERIFICATION: _("Kết quả thẩm tra lý lịch"),
}

EVERYTHING = frozenset(Sensitive)


@dataclass(frozen=True)
class Access:
    """What a role's work needs of the sensitive data, and why."""

    items: frozenset[Sensitive]
    reason: Any


POLICY: dict[str, Access] = {
    Role.CELL: Access(
        EVERYTHING,
        _(
            "Chi bộ lập và giữ hồ sơ người vào Đảng: đơn (mẫu 1-KNĐ) và lý lịch (mẫu 2-KNĐ) ghi "
            "dân tộc, tôn giáo, số định danh; chi bộ nghe kết luận thẩm tra lý lịch trước khi "
            "biểu quyết (mẫu 6-KNĐ)."
        ),
    ),
    Role.GRASSROOTS: Access(
        EVERYTHING,
        _(
            "Cán bộ tổ chức đảng ủy cơ sở tổ chức thẩm tra lý lịch, kiểm tra hồ sơ và đề nghị "
            "kết nạp lên cấp trên."
        ),
    ),
    Role.COMMITTEE: Access(
        EVERYTHING,
        _(
            "Cấp ủy có thẩm quyền xét hồ sơ, cân nhắc kết quả thẩm tra lý lịch và quyết định "
            "kết nạp, công nhận đảng viên chính thức."
        ),
    ),
    Role.ADMIN: Access(
        frozenset({Sensitive.CCCD}),
        _(
            "Quản trị viên quản lý cây tổ chức, địa bàn, chỉ tiêu và tài khoản; khi đính chính, "
            "hợp nhất hồ sơ trùng cần đối chiếu số định danh (mỗi lần xem số đầy đủ được ghi "
            "nhật ký). Công việc quản trị không cần dân tộc, tôn giáo hay kết quả thẩm tra của "
            "từng người."
        ),
    ),
    Role.VIEWER: Access(
        frozenset(),
        _(
            "Người chỉ xem theo dõi tiến độ và số liệu: thấy các con số tổng hợp (kể cả cơ cấu "
            "theo dân tộc, tôn giáo), không thấy dân tộc, tôn giáo, kết quả thẩm tra của từng "
            "người. Đảng viên giúp đỡ (tài khoản chỉ xem gắn với hồ sơ đảng viên) theo dõi và "
            "báo cáo về người mình giúp đỡ, không cần những thông tin này."
        ),
    ),
    Role.PRIVACY: Access(
        frozenset(),
        _(
            "Nhân sự bảo vệ dữ liệu cá nhân xem nhật ký truy cập và nhật ký thay đổi để giám sát "
            "việc xử lý dữ liệu, không xét hồ sơ của từng người."
        ),
    ),
}

#: Composition figures of the reports whose drill-down list names people by a sensitive item.
DRILL_ITEMS: dict[str, Sensitive] = {
    "ethnic_minority": Sensitive.ETHNICITY,
    "religious": Sensitive.RELIGION,
}

#: Fields of ``people.Person`` that hold a sensitive item.
PERSON_FIELDS: dict[str, Sensitive] = {
    "cccd": Sensitive.CCCD,
    "ethnicity": Sensitive.ETHNICITY,
    "religion": Sensitive.RELIGION,
}
#: Fields of ``pipeline.Event`` that may hold one (a dossier paper's data: a verification result).
EVENT_FIELDS: dict[str, Sensitive] = {"data": Sensitive.VERIFICATION}
MODEL_FIELDS: dict[str, dict[str, Sensitive]] = {
    "people.person": PERSON_FIELDS,
    "pipeline.event": EVENT_FIELDS,
}

#: What a page shows instead of a value the reader may not see.
HIDDEN = _("(không hiển thị)")


def allowed(user: Any) -> frozenset[Sensitive]:
    """The sensitive items ``user``'s role may see (nothing for an inactive or anonymous user,
    or a role missing from :data:`POLICY`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if not getattr(user, "is_active", False):
        return frozenset()
    access = POLICY.get(getattr(user, "role", None))
    return access.items if access is not None else frozenset()


def may_see(user: Any, item: Sensitive | str) -> bool:
    return Sensitive(item) in allowed(user)


def may_reveal_cccd(user: Any) -> bool:
    """May see a whole identity number on demand (the person page's reveal, logged)."""
    return may_see(user, Sensitive.CCCD)


def may_print_dossier(user: Any) -> bool:
    """May download the filled dossier forms: official papers that carry the whole number, the
    ethnicity, the religion and the verification's conclusion."""
    return allowed(user) == EVERYTHING


def blocked_drills(user: Any) -> frozenset[str]:
    """The reports' figures whose list of people ``user`` may not open (the count stays)."""
    seen = allowed(user)
    return frozenset(code for code, item in DRILL_ITEMS.items() if item not in seen)


def hidden_fields(user: Any, model: str = "people.person") -> frozenset[str]:
    """Fields of ``model`` (``"app.model"``) whose values ``user`` may not see (the number is not
    among them: it is masked, not hidden)."""
    seen = allowed(user)
    return frozenset(
        name
        for name, item in MODEL_FIELDS.get(model, {}).items()
        if item is not Sensitive.CCCD and item not in seen
    )


def shown_change(user: Any, field: str, value: Any, model: str = "people.person") -> str:
    """One old or new value of a change, as the person's history and the audit log show it:
    the identity number masked for everybody (the whole number is read only through the logged
    reveal), the value of a field ``user`` may not see replaced, any other value with its
    identity-like numbers masked."""
    if field in hidden_fields(user, model):
        return str(HIDDEN)
    if value is None or value == "":
        return "" if value is None else value
    if MODEL_FIELDS.get(model, {}).get(field) is Sensitive.CCCD:
        return mask_cccd(value)
    return mask_text(value)


def person_values(user: Any, person: Any) -> dict[str, str]:
    """The sensitive fields of ``person`` as ``user`` may see them: ``cccd`` masked, ethnicity and
    religion as their labels or ``""`` when hidden (for exports and fragments)."""
    seen = allowed(user)
    return {
        "cccd": mask_cccd(person.cccd),
        "ethnicity": str(person.get_ethnicity_display()) if Sensitive.ETHNICITY in seen else "",
        "religion": str(person.get_religion_display()) if Sensitive.RELIGION in seen else "",
    }


# --- the verification's conclusions in the rules' findings and the dossier checklist ----------

#: Findings that tell a verification's conclusion (a pending verification is a missing step of
#: the dossier, not a conclusion: it stays).
VERIFICATION_FINDINGS = frozenset({"papers.verification_issue"})


def findings_for(user: Any, findings) -> list:
    """The rules' findings ``user`` may read (without the verification's conclusions unless the
    role may see them)."""
    if may_see(user, Sensitive.VERIFICATION):
        return list(findings)
    return [f for f in findings if f.code not in VERIFICATION_FINDINGS]


def checklist_for(user: Any, checklist):
    """The dossier checklist as ``user`` may read it: a verification's line keeps whose history
    it is and its date, not its conclusion."""
    if may_see(user, Sensitive.VERIFICATION):
        return checklist
    items = [
        replace(item, detail="", findings=tuple(findings_for(user, item.findings)))
        if item.kind == "verification"
        else item
        for item in checklist.items
    ]
    return replace(checklist, items=items)


# --- the audit log ------------------------------------------------------------------------------


def audit_changes(user: Any, entry: Any) -> list[tuple[str, str, str]]:
    """An audit entry's changes (django-auditlog's ``LogEntry``) as ``user`` may read them:
    ``(field, old, new)`` with :func:`shown_change` applied (entries written before the number was
    masked in the log are masked here too)."""
    content_type = getattr(entry, "content_type", None)
    model = f"{content_type.app_label}.{content_type.model}" if content_type is not None else ""
    rows = []
    for field, change in (entry.changes_dict or {}).items():
        if isinstance(change, list | tuple) and len(change) == 2:
            old, new = change
        else:  # a many-to-many change: what was added and removed, at once
            old, new = "", change
        rows.append(
            (field, shown_change(user, field, old, model), shown_change(user, field, new, model))
        )
    return rows
