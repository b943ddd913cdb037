"""The life of a party member after admission (pure Python): transfers, leaving, death.

A member's changes are append-only *member events* (:class:`MemberEventKind`), like the steps of
a candidacy: a transfer in from an organisation outside the installation, a transfer to another
cell of the installation, a transfer out, leaving at one's own request, removal from the list,
expulsion, death. Which event may follow which is a small state machine over the member's
:class:`Standing`; :func:`check_event` returns the findings that refuse an event (Vietnamese
messages with their citations); :func:`spells` turns a member's whole history into the periods
they were counted in a cell (the reports' "members on a date").

Sources (see ``docs/rules.md``, section "Membership after admission"): Điều lệ Đảng (2011)
Điều 6 (giới thiệu sinh hoạt đảng), Điều 8 (xóa tên, xin ra khỏi Đảng), Điều 35 khoản 2 (the
forms of discipline: expulsion for official members only); HD 01-HD/TW (2021) điểm 11.1 (xóa
tên) and 11.2 (xin ra khỏi Đảng); QĐ 30-QĐ/TW (2016) Điều 35 (a probationary member who no
longer meets the standard is struck off the list, not expelled).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from ptdv.rules.findings import Citation, Finding, Severity
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.rulesets import RuleSource

__all__ = [
    "ENDING_KINDS",
    "END_REASONS",
    "KIND_LABELS",
    "LEAVING_KINDS",
    "MEMBERSHIP_RULES",
    "START_REASONS",
    "TRANSFER_KINDS",
    "MemberEventFact",
    "MemberEventKind",
    "MemberEventRequest",
    "MemberFacts",
    "MembershipRules",
    "Spell",
    "Standing",
    "TimelineEvent",
    "allowed_kinds",
    "check_correction",
    "check_event",
    "spells",
    "standing_after",
    "timeline",
]


class MemberEventKind(StrEnum):
    """What one member event records. Values are stored in the database: never rename them."""

    #: Chuyển sinh hoạt đảng đến: from a party organisation outside the installation.
    TRANSFER_IN = "transfer_in"
    #: Chuyển sinh hoạt đảng (chính thức) to another cell of the installation.
    TRANSFER = "transfer"
    #: Chuyển sinh hoạt đảng đi: to a party organisation outside the installation.
    TRANSFER_OUT = "transfer_out"
    #: Xin ra khỏi Đảng (the competent committee's decision ends the membership).
    RESIGNED = "resigned"
    #: Xóa tên trong danh sách đảng viên.
    STRUCK_OFF = "struck_off"
    #: Khai trừ ra khỏi Đảng (discipline).
    EXPELLED = "expelled"
    #: Từ trần.
    DECEASED = "deceased"
    #: Voids an earlier event (with a reason); the event itself stays in the record.
    CORRECTION = "correction"


K = MemberEventKind

KIND_LABELS: dict[MemberEventKind, str] = {
    K.TRANSFER_IN: gettext_noop("Chuyển sinh hoạt đảng đến"),
    K.TRANSFER: gettext_noop("Chuyển sinh hoạt đảng sang chi bộ khác"),
    K.TRANSFER_OUT: gettext_noop("Chuyển sinh hoạt đảng đi"),
    K.RESIGNED: gettext_noop("Xin ra khỏi Đảng"),
    K.STRUCK_OFF: gettext_noop("Xóa tên trong danh sách đảng viên"),
    K.EXPELLED: gettext_noop("Khai trừ ra khỏi Đảng"),
    K.DECEASED: gettext_noop("Từ trần"),
    K.CORRECTION: gettext_noop("Đính chính biến động đã ghi"),
}

#: Events after which the person is no longer a member counted in the installation.
ENDING_KINDS: frozenset[MemberEventKind] = frozenset(
    {K.TRANSFER_OUT, K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.DECEASED}
)
#: Events after which the person is out of the Party (membership ends on the event's date).
LEAVING_KINDS: frozenset[MemberEventKind] = frozenset(
    {K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.DECEASED}
)
#: Transfers: the member's party life moves (inside the installation, into it, or out of it).
TRANSFER_KINDS: frozenset[MemberEventKind] = frozenset({K.TRANSFER_IN, K.TRANSFER, K.TRANSFER_OUT})


class Standing(StrEnum):
    """Where a person stands as a member of the installation's organisations."""

    #: Not (or not yet) a member of a cell of the installation.
    NOT_MEMBER = "not_member"
    #: A probationary or official member of one of its cells.
    MEMBER = "member"
    #: Transferred to an organisation outside the installation; may come back (transfer in).
    TRANSFERRED_OUT = "transferred_out"
    #: Left the Party (at their request, struck off, not recognised): readmission only.
    LEFT = "left"
    EXPELLED = "expelled"
    DECEASED = "deceased"


#: Standing -> the kinds of event that may be recorded in it.
ALLOWED: dict[Standing, frozenset[MemberEventKind]] = {
    Standing.NOT_MEMBER: frozenset({K.TRANSFER_IN}),
    Standing.MEMBER: frozenset(
        {K.TRANSFER, K.TRANSFER_OUT, K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.DECEASED}
    ),
    Standing.TRANSFERRED_OUT: frozenset({K.TRANSFER_IN}),
    Standing.LEFT: frozenset(),
    Standing.EXPELLED: frozenset(),
    Standing.DECEASED: frozenset(),
}

_AFTER: dict[MemberEventKind, Standing] = {
    K.TRANSFER_IN: Standing.MEMBER,
    K.TRANSFER: Standing.MEMBER,
    K.TRANSFER_OUT: Standing.TRANSFERRED_OUT,
    K.RESIGNED: Standing.LEFT,
    K.STRUCK_OFF: Standing.LEFT,
    K.EXPELLED: Standing.EXPELLED,
    K.DECEASED: Standing.DECEASED,
}


def standing_after(kind: MemberEventKind) -> Standing:
    """The standing an event leads to (whatever it was recorded in)."""
    return _AFTER[kind]


# --- the rules' values, with their sources ---------------------------------------------------

_DL = "Điều lệ Đảng (2011)"
_HD01 = "HD 01-HD/TW (2021)"
_QD30 = "QĐ 30-QĐ/TW (2016)"
_HD12 = "HD 12-HD/BTCTW (2012)"

_U_HD01_RESIGN = (
    "https://stdt.danguykhoibinhthuan.vn/sotay/to-chuc/dang-vien-xin-ra-khoi-dang-va-xoa-ten-"
    "dang-vien/dang-vien-xin-ra-khoi-dang"
)
_U_DL8 = "https://hoidapphapluat.vn/mau-don-va-thu-tuc-xin-ra-khoi-dang-cong-san-viet-nam-moi-2018/"
_U_DL8_3 = "http://www.baohoabinh.com.vn/11/132624/Hoi-dap-ve-quy-dinh,-Dieu-le-Dang.htm"
_U_QD30_FORMS = (
    "https://stdt.danguykhoibinhthuan.vn/S%E1%BB%95%20tay/cong-tac-kiem-tra-giam-sat/"
    "thi-hanh-ky%CC%89-lua%CC%A3t-da%CC%89ng/hinh-thuc-ky%CC%89-lua%CC%A3t"
)
_U_QD30_HATINH = "https://congan.hatinh.gov.vn/hoi-dap/19/show-hoi-dap"
_U_HD12_TRANSFER = "https://hocday.com/ban-t-chc-s-12-hdbtctw-ng-cng-sn-vit-nam.html?page=2"
_DESIGN = "thiết kế của ptdv (không phải quy định)"


def _s(doc: str, article: str, verified: bool, source: str, note: str = "") -> RuleSource:
    return RuleSource(Citation(doc, article), verified, source, note)


@dataclass(frozen=True)
class MembershipRules:
    """The configurable rules of member events (one set: no difference between the 2021 and
    2025 documents was found for them; see ``docs/rules.md``).

    - ``decision_required``: kinds whose record needs the number of the decision (or of the
      letter introducing the member's party life, for transfers).
    - ``reason_required``: kinds whose record needs a reason.
    - ``expulsion_official_only``: only official members are expelled; a probationary member
      who no longer meets the standard is struck off the list.
    - ``probationary_may_resign``: a probationary member may ask to leave the Party.
    """

    name: str
    decision_required: frozenset[MemberEventKind]
    reason_required: frozenset[MemberEventKind]
    expulsion_official_only: bool = True
    probationary_may_resign: bool = True
    sources: Mapping[str, RuleSource] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False, repr=False
    )

    def cite(self, rule: str) -> Citation:
        return self.sources[rule].citation

    @classmethod
    def rule_names(cls) -> tuple[str, ...]:
        return ("decision_required", "reason_required", "expulsion_official_only",
                "probationary_may_resign")  # fmt: skip


MEMBERSHIP_RULES = MembershipRules(
    name="Điều lệ Đảng (2011), HD 01-HD/TW (2021), QĐ 30-QĐ/TW (2016)",
    decision_required=frozenset(
        {K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.TRANSFER_IN, K.TRANSFER, K.TRANSFER_OUT}
    ),
    reason_required=frozenset({K.RESIGNED, K.STRUCK_OFF, K.EXPELLED}),
    sources=MappingProxyType(
        {
            "decision_required": _s(
                _HD01,
                "điểm 11.2; Điều lệ Đảng Điều 8 khoản 1",
                False,
                f"{_U_HD01_RESIGN} ; {_U_DL8} ; {_U_HD12_TRANSFER}",
                "Xin ra khỏi Đảng và xóa tên: cấp ủy có thẩm quyền ra quyết định (đã đọc bản "
                "trích HD 01 điểm 11.2). Khai trừ: quyết định kỷ luật. Chuyển sinh hoạt: giấy "
                "giới thiệu sinh hoạt đảng có số (HD 12-HD/BTCTW, chưa đối chiếu bản 2021–2025). "
                "Từ trần: không có quyết định.",
            ),
            "reason_required": _s(
                _HD01,
                "điểm 11.1, 11.2; Điều lệ Đảng Điều 8 khoản 1",
                True,
                f"{_U_HD01_RESIGN} ; {_U_DL8}",
                "“Đảng viên xin ra khỏi Đảng phải làm đơn, nói rõ lý do”; xóa tên vì các lý do "
                "của Điều 8 khoản 1; khai trừ: nội dung vi phạm (suy rộng).",
            ),
            "expulsion_official_only": _s(
                _DL,
                "Điều 35 khoản 2; QĐ 30-QĐ/TW Điều 35 mục 2.2",
                True,
                f"{_U_QD30_FORMS} ; {_U_QD30_HATINH}",
                "Đảng viên dự bị: khiển trách, cảnh cáo; “nếu vi phạm đến mức không còn đủ tư "
                "cách đảng viên thì xóa tên trong danh sách đảng viên”. QĐ 22-QĐ/TW (2021) thay "
                "QĐ 30: chưa đối chiếu.",
            ),
            "probationary_may_resign": _s(
                _DL,
                "Điều 8 khoản 3",
                False,
                _U_DL8_3,
                "“Đảng viên xin ra khỏi Đảng do chi bộ xem xét, đề nghị cấp có thẩm quyền chuẩn "
                "y kết nạp quyết định”: văn bản không phân biệt đảng viên dự bị.",
            ),
        }
    ),
)

#: Rules that are checks, not values: their citations.
_CITE_ORDER = Citation(_DL, "Điều 6; các biến động ghi theo thứ tự thời gian")
_CITE_STANDING = Citation(_DL, "Điều 8; Điều 6")
_CITE_CANDIDACY = Citation(
    "QĐ 294-QĐ/TW (2025)", "mục 3–5 (thủ tục trong hồ sơ phát triển đảng viên)"
)
_CITE_READMIT = Citation("QĐ 294-QĐ/TW (2025)", "mục 3.5 (kết nạp lại)")
_CITE_DESIGN = Citation(_DESIGN)


# --- facts and requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFacts:
    """What the checks read of a person (built by the Django side)."""

    standing: Standing
    #: Admission (lễ kết nạp) and official recognition dates on record.
    admitted_on: date | None = None
    official_on: date | None = None
    #: The person's cell now (the cell a transfer inside leaves).
    cell_id: int | None = None
    #: The latest date already on the member's record (their last member event, the end of the
    #: candidacy that admitted them, the day they left): a new event may not come before it.
    last_date: date | None = None
    #: What ended the membership, for the refusal's wording (a MemberEventKind value, or
    #: "not_recognised" / "left" for ends recorded elsewhere).
    ended_by: str = ""
    #: The attempt of an open candidacy: its own steps record transfers and exits.
    open_candidacy: int | None = None

    def is_official_on(self, day: date) -> bool:
        return self.official_on is not None and self.official_on <= day


@dataclass(frozen=True)
class MemberEventRequest:
    """An event to record, as typed (the number, reason… already stripped)."""

    kind: MemberEventKind
    date: date
    number: str = ""
    reason: str = ""
    #: The receiving cell of a transfer inside the installation, or of a transfer in.
    to_cell_id: int | None = None
    #: The organisation outside the installation a member comes from or goes to.
    outside: str = ""
    #: For a transfer in: the member's admission and recognition dates (their party papers).
    #: (``datetime.date``: in this class body ``date`` names the field above.)
    admitted_on: datetime.date | None = None
    official_on: datetime.date | None = None


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _error(code: str, message: str, citation: Citation) -> Finding:
    return Finding(code, Severity.ERROR, message, citation)


def allowed_kinds(facts: MemberFacts) -> list[MemberEventKind]:
    """The kinds that may be recorded now, in the order of :class:`MemberEventKind`."""
    if facts.open_candidacy is not None:
        return []
    allowed = ALLOWED[facts.standing]
    return [k for k in MemberEventKind if k in allowed]


def _standing_refusal(facts: MemberFacts, kind: MemberEventKind) -> Finding:
    label = KIND_LABELS[kind]
    since = f" ngày {_d(facts.last_date)}" if facts.last_date else ""
    messages = {
        Standing.NOT_MEMBER: (
            f"Người này không phải là đảng viên của một chi bộ trong hệ thống: không ghi được "
            f"“{label}”. Đảng viên từ nơi khác đến: ghi “{KIND_LABELS[K.TRANSFER_IN]}”."
        ),
        Standing.TRANSFERRED_OUT: (
            f"Đảng viên đã chuyển sinh hoạt đảng đi{since}: chỉ ghi được "
            f"“{KIND_LABELS[K.TRANSFER_IN]}” khi đảng viên trở lại."
        ),
        Standing.MEMBER: (
            f"Người này đang là đảng viên của một chi bộ trong hệ thống: chuyển sang chi bộ "
            f"khác thì ghi “{KIND_LABELS[K.TRANSFER]}”."
        ),
        Standing.LEFT: (
            f"Người này đã ra khỏi Đảng{since}: không ghi thêm biến động. Muốn vào Đảng lại "
            f"phải được kết nạp lại (mở hồ sơ phát triển đảng viên mới)."
        ),
        Standing.EXPELLED: (
            f"Đảng viên đã bị khai trừ{since}: không ghi thêm biến động (chỉ có thể đính chính "
            f"biến động đã ghi)."
        ),
        Standing.DECEASED: (
            f"Đảng viên đã từ trần{since}: không ghi thêm biến động (chỉ có thể đính chính "
            f"biến động đã ghi)."
        ),
    }
    citation = _CITE_READMIT if facts.standing is Standing.LEFT else _CITE_STANDING
    return _error(f"member.standing.{facts.standing.value}", messages[facts.standing], citation)


def check_event(
    facts: MemberFacts,
    request: MemberEventRequest,
    *,
    today: date,
    rules: MembershipRules = MEMBERSHIP_RULES,
) -> list[Finding]:
    """The findings that refuse ``request`` (empty: it may be recorded).

    - A person with an open candidacy goes through the candidacy's own steps.
    - The kind must follow from the standing (nothing after death or expulsion; a person who
      left the Party comes back only by readmission; a transfer in for a non-member only).
    - Dates: not in the future, not before admission, not before what is already on record.
    - Expulsion for official members only (a probationary member is struck off instead).
    - A reason and a decision number where ``rules`` ask for them; the receiving cell of a
      transfer inside; the outside organisation of a transfer in or out.
    """
    kind = MemberEventKind(request.kind)
    if kind is K.CORRECTION:
        raise ValueError("corrections are checked by check_correction()")
    if facts.open_candidacy is not None:
        return [
            _error(
                "member.open_candidacy",
                f"Người này đang có hồ sơ phát triển đảng viên lần {facts.open_candidacy} chưa "
                f"kết thúc: chuyển sinh hoạt, không công nhận (xóa tên), chuyển đi hay từ trần "
                f"được ghi bằng các bước của hồ sơ đó, trên trang hồ sơ.",
                _CITE_CANDIDACY,
            )
        ]
    if kind not in ALLOWED[facts.standing]:
        return [_standing_refusal(facts, kind)]
    admitted = request.admitted_on if kind is K.TRANSFER_IN else facts.admitted_on
    if kind is K.TRANSFER_IN and admitted is None:
        admitted = facts.admitted_on
    return [
        *_dates(facts, request, admitted, today),
        *_transfer_in_official(facts, request, kind, admitted, today),
        *_probationary(facts, request, kind, rules),
        *_papers(request, kind, rules),
        *_destination(facts, request, kind),
    ]


def _dates(
    facts: MemberFacts, request: MemberEventRequest, admitted: date | None, today: date
) -> list[Finding]:
    """The date: not in the future, not before admission, not before what is on record."""
    found: list[Finding] = []
    day = request.date
    if day > today:
        found.append(
            _error("member.date.future", f"Ngày {_d(day)} sau hôm nay ({_d(today)}).", _CITE_DESIGN)
        )
    if admitted is None:
        found.append(
            _error(
                "member.admitted.missing",
                "Chưa có ngày vào Đảng (ngày lễ kết nạp) của đảng viên: ghi ngày vào Đảng theo "
                "hồ sơ đảng viên.",
                Citation(_DL, "Điều 4, Điều 5"),
            )
        )
    elif day < admitted:
        found.append(
            _error(
                "member.date.before_admission",
                f"Ngày {_d(day)} trước ngày vào Đảng ({_d(admitted)}).",
                _CITE_ORDER,
            )
        )
    if facts.last_date is not None and day < facts.last_date:
        found.append(
            _error(
                "member.date.out_of_order",
                f"Ngày {_d(day)} trước biến động đã ghi gần nhất ({_d(facts.last_date)}): các "
                f"biến động được ghi theo thứ tự thời gian.",
                _CITE_ORDER,
            )
        )
    return found


def _transfer_in_official(
    facts: MemberFacts,
    request: MemberEventRequest,
    kind: MemberEventKind,
    admitted: date | None,
    today: date,
) -> list[Finding]:
    """The official date of a member transferred in: after admission, not in the future."""
    found: list[Finding] = []
    if kind is K.TRANSFER_IN:
        official = request.official_on or facts.official_on
        if official is not None and admitted is not None and official < admitted:
            found.append(
                _error(
                    "member.official.before_admission",
                    f"Ngày chính thức ({_d(official)}) trước ngày vào Đảng ({_d(admitted)}).",
                    Citation(_DL, "Điều 5"),
                )
            )
        if official is not None and official > today:
            found.append(
                _error(
                    "member.official.future",
                    f"Ngày chính thức ({_d(official)}) sau hôm nay.",
                    _CITE_DESIGN,
                )
            )
    return found


def _probationary(
    facts: MemberFacts, request: MemberEventRequest, kind: MemberEventKind, rules: MembershipRules
) -> list[Finding]:
    """Expulsion (and, where ``rules`` say so, resignation) for official members only."""
    found: list[Finding] = []
    day = request.date
    official_then = (
        request.official_on or facts.official_on if kind is K.TRANSFER_IN else facts.official_on
    )
    is_official = official_then is not None and official_then <= day
    if kind is K.EXPELLED and rules.expulsion_official_only and not is_official:
        found.append(
            _error(
                "member.expelled.probationary",
                f"Ngày {_d(day)} người này là đảng viên dự bị: đảng viên dự bị không bị khai "
                f"trừ; nếu không còn đủ tư cách đảng viên thì xóa tên trong danh sách đảng viên.",
                rules.cite("expulsion_official_only"),
            )
        )
    if kind is K.RESIGNED and not rules.probationary_may_resign and not is_official:
        found.append(
            _error(
                "member.resigned.probationary",
                "Đảng viên dự bị không ghi “xin ra khỏi Đảng”: hãy xét xóa tên.",
                rules.cite("probationary_may_resign"),
            )
        )
    return found


def _papers(
    request: MemberEventRequest, kind: MemberEventKind, rules: MembershipRules
) -> list[Finding]:
    """A reason and a decision (or transfer letter) number where ``rules`` ask for them."""
    found: list[Finding] = []
    if kind in rules.reason_required and not request.reason.strip():
        found.append(
            _error(
                "member.reason.missing",
                f"Cần ghi lý do cho biến động “{KIND_LABELS[kind]}”.",
                rules.cite("reason_required"),
            )
        )
    if kind in rules.decision_required and not request.number.strip():
        what = "giấy giới thiệu sinh hoạt đảng" if kind in TRANSFER_KINDS else "quyết định"
        found.append(
            _error(
                "member.number.missing",
                f"Cần ghi số {what} của biến động “{KIND_LABELS[kind]}”.",
                rules.cite("decision_required"),
            )
        )
    return found


def _destination(
    facts: MemberFacts, request: MemberEventRequest, kind: MemberEventKind
) -> list[Finding]:
    """The receiving cell of a transfer inside or in; the outside organisation of a transfer in
    or out."""
    found: list[Finding] = []
    if kind is K.TRANSFER:
        if request.to_cell_id is None:
            found.append(
                _error("member.to_cell.missing", "Chọn chi bộ chuyển đến.", _CITE_STANDING)
            )
        elif request.to_cell_id == facts.cell_id:
            found.append(
                _error(
                    "member.to_cell.same",
                    "Chi bộ chuyển đến trùng với chi bộ hiện tại của đảng viên.",
                    _CITE_STANDING,
                )
            )
    if kind is K.TRANSFER_IN and request.to_cell_id is None:
        found.append(
            _error("member.to_cell.missing", "Chọn chi bộ tiếp nhận đảng viên.", _CITE_STANDING)
        )
    if kind in (K.TRANSFER_IN, K.TRANSFER_OUT) and not request.outside.strip():
        where = (
            "nơi đảng viên chuyển đến từ" if kind is K.TRANSFER_IN else "nơi đảng viên chuyển đến"
        )
        found.append(
            _error(
                "member.outside.missing",
                f"Cần ghi tổ chức đảng {where} (ngoài hệ thống).",
                _CITE_STANDING,
            )
        )
    return found


def check_correction(
    *, is_last: bool, already_voided: bool, later_candidacy: int | None, reason: str
) -> list[Finding]:
    """Why an event may not be voided: only the last effective one (the events after it follow
    from it), with a reason, and not once a candidacy opened after it (a readmission)."""
    found = []
    if already_voided:
        found.append(
            _error(
                "member.correction.voided",
                "Biến động này đã được đính chính hoặc là một đính chính.",
                _CITE_DESIGN,
            )
        )
    elif not is_last:
        found.append(
            _error(
                "member.correction.not_last",
                "Chỉ đính chính được biến động ghi sau cùng còn hiệu lực: hãy đính chính các "
                "biến động sau nó trước.",
                _CITE_ORDER,
            )
        )
    if later_candidacy is not None:
        found.append(
            _error(
                "member.correction.candidacy",
                f"Đã có hồ sơ phát triển đảng viên lần {later_candidacy} mở sau biến động này: "
                f"không đính chính được.",
                _CITE_READMIT,
            )
        )
    if not reason.strip():
        found.append(_error("member.correction.reason", "Cần ghi lý do đính chính.", _CITE_DESIGN))
    return found


# --- spells: where a member is counted, day by day -------------------------------------------

#: Why a spell starts: admitted (a ceremony, or membership from before the installation), a
#: transfer in from outside, or a transfer from another cell.
START_REASONS = ("admitted", "transfer_in", "transfer")
#: Why a spell ends: a transfer to another cell, a member event that ends the membership here,
#: "not_recognised" (the candidacy's step), "left" (left before the installation kept events).
END_REASONS = ("transfer", "transfer_out", "resigned", "struck_off", "expelled", "deceased",
               "not_recognised", "left")  # fmt: skip

START, MOVE, END = "start", "move", "end"


@dataclass(frozen=True, order=True)
class TimelineEvent:
    """One change of where a person is counted.

    ``rank`` orders events of the same day: the candidacy that admitted them (0), the record
    kept before the installation (1), the member events (2); ``seq`` orders within a source.
    """

    date: date
    rank: int
    seq: int
    what: str  # START, MOVE or END
    cell_id: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Spell:
    """A person counted as a member of ``cell_id`` from ``start`` (included) to ``end``
    (excluded; ``None``: still)."""

    cell_id: int
    start: date
    end: date | None
    start_reason: str
    end_reason: str = ""


def spells(timeline: Iterable[TimelineEvent]) -> list[Spell]:
    """The spells of one person from their timeline (any order; sorted here).

    A start while already counted, a move while not counted, a move to the same cell and an end
    while not counted change nothing: the record kept before the installation and the events
    that followed may both say when the membership began.
    """
    out: list[Spell] = []
    current: tuple[int, date, str] | None = None
    for event in sorted(timeline):
        if event.what == START:
            if current is None and event.cell_id is not None:
                current = (event.cell_id, event.date, event.reason)
        elif event.what == MOVE:
            if current is not None and event.cell_id is not None and event.cell_id != current[0]:
                out.append(Spell(current[0], current[1], event.date, current[2], "transfer"))
                current = (event.cell_id, event.date, "transfer")
        elif event.what == END:
            if current is not None:
                out.append(Spell(current[0], current[1], event.date, current[2], event.reason))
                current = None
        else:
            raise ValueError(event.what)
    if current is not None:
        out.append(Spell(current[0], current[1], None, current[2]))
    return out


@dataclass(frozen=True)
class MemberEventFact:
    """An effective member event, as the timeline reads it."""

    seq: int
    kind: MemberEventKind
    date: date
    #: The member's cell before the event (for a transfer in: the receiving cell).
    cell_id: int | None
    to_cell_id: int | None = None
    #: The admission date on record just before the event (``datetime.date``: ``date`` names
    #: the field above).
    admitted_before: datetime.date | None = None


def timeline(
    *,
    admitted_on: date | None,
    left_on: date | None,
    cell_id: int | None,
    candidacies: Iterable[Iterable[tuple[str, date, int | None, int | None]]] = (),
    member_events: Iterable[MemberEventFact] = (),
) -> list[TimelineEvent]:
    """A person's timeline from their record.

    - ``admitted_on``, ``left_on``, ``cell_id``: the person's membership fields now.
    - ``candidacies``: for each candidacy, its effective steps in order as ``(step, date,
      cell id at the time, receiving cell of a transfer)``; from the ceremony on, a transfer
      moves the member, not being recognised or dying ends the membership (a member who moves
      away stays counted, as ``membership_fields`` says).
    - ``member_events``: the effective member events in order.

    The record kept before the installation: when there are member events, the first one (if it
    is not a transfer in) says from when and where the person was a member (the admission date
    on record before it, its cell); otherwise the person's fields do.
    """
    out: list[TimelineEvent] = []
    for steps in candidacies:
        admitted = False
        for seq, (step, day, cell, to_cell) in enumerate(steps):
            if step == "ceremony":
                admitted = True
                out.append(TimelineEvent(day, 0, seq, START, cell, "admitted"))
            elif not admitted:
                continue
            elif step == "transfer":
                out.append(TimelineEvent(day, 0, seq, MOVE, to_cell))
            elif step in ("not_recognised", "deceased"):
                out.append(TimelineEvent(day, 0, seq, END, None, step))
    events = list(member_events)
    if events:
        first = events[0]
        if first.kind is not K.TRANSFER_IN and first.admitted_before is not None:
            out.append(TimelineEvent(first.admitted_before, 1, 0, START, first.cell_id, "admitted"))
    elif admitted_on is not None:
        out.append(TimelineEvent(admitted_on, 1, 0, START, cell_id, "admitted"))
        if left_on is not None:
            out.append(TimelineEvent(left_on, 1, 1, END, None, "left"))
    for e in events:
        kind = MemberEventKind(e.kind)
        if kind is K.TRANSFER_IN:
            out.append(TimelineEvent(e.date, 2, e.seq, START, e.cell_id, "transfer_in"))
        elif kind is K.TRANSFER:
            out.append(TimelineEvent(e.date, 2, e.seq, MOVE, e.to_cell_id))
        elif kind in ENDING_KINDS:
            out.append(TimelineEvent(e.date, 2, e.seq, END, None, kind.value))
    return out
