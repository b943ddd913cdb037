"""The codes of the figures and their labels: the activity report's steps, the members' changes
of a period, and the titles of the lists behind the figures of every report."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ptdv.rules.stages import STAGE_LABELS, Stage, Step

from .. import composition

#: code -> (label, steps, extra condition on the events)
ACTIVITY: dict[str, tuple[str, tuple[Step, ...], Q]] = {
    "sources": (gettext_noop("Xác định nguồn"), (Step.SOURCE,), Q()),
    "sympathisers": (gettext_noop("Đưa vào danh sách cảm tình Đảng"), (Step.SYMPATHISER,), Q()),
    "awareness_class": (
        gettext_noop("Học lớp bồi dưỡng nhận thức về Đảng"),
        (Step.AWARENESS_CLASS,),
        Q(),
    ),
    "cell_resolutions": (
        gettext_noop("Chi bộ đề nghị kết nạp"),
        (Step.CELL_RESOLUTION,),
        Q(passed=True),
    ),
    "admission_decisions": (gettext_noop("Có quyết định kết nạp"), (Step.ADMISSION_DECISION,), Q()),
    "admitted": (gettext_noop("Kết nạp (lễ kết nạp)"), (Step.CEREMONY,), Q()),
    "recognised": (
        gettext_noop("Công nhận đảng viên chính thức"),
        (Step.RECOGNITION_DECISION,),
        Q(),
    ),
    "not_recognised": (
        gettext_noop("Không công nhận chính thức, xóa tên"),
        (Step.NOT_RECOGNISED,),
        Q(),
    ),
    "removed": (
        gettext_noop("Đưa ra khỏi danh sách, tự rút"),
        (Step.REMOVED_FROM_LIST, Step.WITHDRAWN),
        Q(),
    ),
    "cards": (gettext_noop("Phát thẻ đảng viên"), (Step.PARTY_CARD,), Q()),
}
ACTIVITY_UNIT_COLUMNS = ("sources", "awareness_class", "admitted", "recognised", "removed",
                         "due_recognition", "members_left")  # fmt: skip

#: Members' changes in a period, read from their spells at the cell they concern (the cell they
#: arrive in, the cell they leave): code -> (label, "start" or "end" of a spell, its reasons, the
#: row's level). A move between two cells of the subtree is a departure from one and an arrival
#: in the other, so every unit's figures add up to the subtree's.
MEMBER_FLOWS: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "members_transferred_in": (
        gettext_noop("Chuyển sinh hoạt đảng đến từ tổ chức đảng ngoài hệ thống"),
        "start",
        ("transfer_in",),
        0,
    ),
    "members_moved_in": (
        gettext_noop("Chuyển sinh hoạt đến từ chi bộ khác trong hệ thống"),
        "start",
        ("transfer",),
        0,
    ),
    "members_moved_out": (
        gettext_noop("Chuyển sinh hoạt sang chi bộ khác trong hệ thống"),
        "end",
        ("transfer",),
        0,
    ),
    "members_transferred_out": (
        gettext_noop("Chuyển sinh hoạt đảng đi tổ chức đảng ngoài hệ thống"),
        "end",
        ("transfer_out",),
        0,
    ),
    "members_left": (
        gettext_noop("Ra khỏi Đảng, từ trần"),
        "end",
        ("resigned", "struck_off", "expelled", "deceased", "left"),
        0,
    ),
    "members_resigned": (gettext_noop("Xin ra khỏi Đảng"), "end", ("resigned",), 1),
    "members_struck_off": (
        gettext_noop("Xóa tên trong danh sách đảng viên"),
        "end",
        ("struck_off",),
        1,
    ),
    "members_expelled": (gettext_noop("Khai trừ ra khỏi Đảng"), "end", ("expelled",), 1),
    "members_deceased": (gettext_noop("Từ trần"), "end", ("deceased",), 1),
    "members_left_unknown": (
        gettext_noop("Ra khỏi Đảng, chưa rõ hình thức (hồ sơ trước khi dùng hệ thống)"),
        "end",
        ("left",),
        1,
    ),
}


def label_of(code: str) -> str:
    """The title of the list behind the figure ``code`` (the code itself when it has none)."""
    if code in composition.BY_CODE:
        return str(composition.BY_CODE[code].label)
    if code in ACTIVITY:
        return _(ACTIVITY[code][0])
    if code in MEMBER_FLOWS:
        return _(MEMBER_FLOWS[code][0])
    stage, _sep, what = code.partition(":")
    whats = {
        "entered": _("vào giai đoạn"),
        "moved_on": _("chuyển tiếp"),
        "left": _("rời danh sách"),
        "waiting": _("đang ở giai đoạn cuối kỳ"),
    }
    if stage == "exit":
        return _(STAGE_LABELS[Stage(what)])
    if what in whats:
        return f"{_(STAGE_LABELS[Stage(stage)])} — {whats[what]}"
    return {
        "admitted": _("Đảng viên mới kết nạp"),
        "members": _("Đảng viên"),
        "probationary": _("Đảng viên dự bị"),
        "due_recognition": _("Đảng viên dự bị đến hạn xét công nhận chính thức"),
    }.get(code, code)
