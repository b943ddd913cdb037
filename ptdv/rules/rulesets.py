"""Versioned rule sets: every threshold and deadline as data, with the document that sets it.

A :class:`RuleSet` is chosen by the date of the step being checked (:func:`rule_set_for`).
Each value has a :class:`RuleSource`: its citation, whether it was *verified* against a copy of
the document's text, and where (the page address). Sources are recorded in ``docs/rules.md``.

Rule sets (effective dates):

- ``QD24_2021``: QĐ 24-QĐ/TW (30/7/2021) and HD 01-HD/TW (28/9/2021), from 2021-07-30. It is
  also used for dates before 2021-07-30 (the earlier QĐ 29-QĐ/TW (2016) had the same values for
  the rules modelled here, as far as secondary copies show; see ``docs/rules.md``).
- ``QD232_2025``: QĐ 232-QĐ/TW (20/01/2025), with HD 01-HD/TW (2021) still guiding, from
  2025-01-20.
- ``QD294_2025``: QĐ 294-QĐ/TW (26/5/2025) and HD 06-HD/TW (09/6/2025), from 2025-07-01.

Where the later documents could not be checked to differ, the values are kept equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import get_args

from ptdv.rules.facts import EducationCode
from ptdv.rules.findings import Citation

from .i18n import gettext_noop

__all__ = [
    "EDUCATION_LABELS",
    "EDUCATION_LEVELS",
    "QD24_2021",
    "QD232_2025",
    "QD294_2025",
    "RULE_SETS",
    "RuleSet",
    "RuleSource",
    "education_rank",
    "rule_set_for",
]

#: Education codes in increasing order of level (vocational = after lower secondary).
EDUCATION_LEVELS: tuple[str, ...] = get_args(EducationCode)
_EDUCATION_RANK: dict[str, int] = {
    "none": 0,
    "primary": 1,
    "lower_secondary": 2,
    "upper_secondary": 3,
    "vocational": 3,
    "college": 4,
    "university": 5,
    "master": 6,
    "doctor": 7,
}
EDUCATION_LABELS: dict[str, str] = {
    "none": gettext_noop("Chưa qua đào tạo"),
    "primary": gettext_noop("Tiểu học"),
    "lower_secondary": gettext_noop("Trung học cơ sở"),
    "upper_secondary": gettext_noop("Trung học phổ thông"),
    "vocational": gettext_noop("Trung cấp"),
    "college": gettext_noop("Cao đẳng"),
    "university": gettext_noop("Đại học"),
    "master": gettext_noop("Thạc sĩ"),
    "doctor": gettext_noop("Tiến sĩ"),
}


def education_rank(code: str) -> int:
    """Rank of an education code (raises ``KeyError`` for an unknown code)."""
    return _EDUCATION_RANK[code]


@dataclass(frozen=True)
class RuleSource:
    """Where one rule's value comes from.

    - ``verified``: the value was read in a copy of the document's own text (page in ``source``);
      ``False``: taken from the domain brief or a secondary summary, to be checked.
    """

    citation: Citation
    verified: bool
    source: str
    note: str = ""


@dataclass(frozen=True)
class RuleSet:
    """All thresholds and deadlines of one version of the rules.

    Values (the field name is the rule's key in ``sources``):

    - ``min_age_months`` / ``max_age_months``: from a full 18 to a full 60 years, in months, on
      the day the cell considers the admission (216 ≤ age ≤ 720).
    - ``over_max_age_needs_consent``: an applicant over 60 is admitted only with the written
      consent of the standing committee of the committee directly under the Centre, given before
      the competent committee decides (recorded as a dossier paper ``over_age_consent``).
    - ``education_min`` / ``education_min_exception``: lower secondary; in mountain, border,
      island, ethnic-minority or especially disadvantaged areas the minimum is lower.
    - ``awareness_certificate_valid_months``: the CN-NTVĐ certificate is valid 60 months.
    - ``introducers_required``, ``introducer_min_months``: two introducers (or a union committee
      plus one official member), each having worked/lived with the applicant ≥ 12 months under
      the same grassroots organisation.
    - ``youth_max_age_months``: youth age, for the Youth Union route (≤ 30 full years).
    - ``vote_fraction``: share of the cell's official members who must approve (2/3).
    - ``dossier_papers_valid_months``: letters, union resolution and comments expire 12 months
      after they were made if the cell has not considered the dossier.
    - ``decision_working_days`` (+ ``decision_extension_working_days``): admission decision
      within 60 working days of the cell's resolution (+30 at most).
    - ``ceremony_working_days``: ceremony within 30 working days of the day the cell receives
      the decision (the decision's date when the receipt is not recorded).
    - ``probation_months``: 12 months from the ceremony.
    - ``recognition_cell_working_days``: cell considers recognition within 30 working days after
      the probation ends.
    - ``recognition_decision_working_days``: decision within 30 working days of the cell's
      recognition resolution.
    - ``recognition_effective_at_probation_end``: recognition takes effect at the end of the 12
      months even when the meeting or decision is late.
    - ``max_failed_votes``: after 3 votes without two thirds the matter goes up.
    - ``mentor_must_be_official``: mentors are official members.
    - ``readmission_min_months``: readmission at least 36 months after leaving.
    """

    name: str
    documents: tuple[str, ...]
    effective_from: date

    min_age_months: int = 18 * 12
    max_age_months: int = 60 * 12
    over_max_age_needs_consent: bool = True
    education_min: str = "lower_secondary"
    education_min_exception: str = "primary"
    awareness_certificate_valid_months: int = 60
    introducers_required: int = 2
    introducer_min_months: int = 12
    youth_max_age_months: int = 30 * 12
    vote_fraction: Fraction = Fraction(2, 3)
    dossier_papers_valid_months: int = 12
    decision_working_days: int = 60
    decision_extension_working_days: int = 30
    ceremony_working_days: int = 30
    probation_months: int = 12
    recognition_cell_working_days: int = 30
    recognition_decision_working_days: int = 30
    recognition_effective_at_probation_end: bool = True
    max_failed_votes: int = 3
    mentor_must_be_official: bool = True
    readmission_min_months: int = 36

    sources: Mapping[str, RuleSource] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False, repr=False
    )

    def cite(self, rule: str) -> Citation:
        """The citation of ``rule`` (a value field name) in this rule set."""
        return self.sources[rule].citation

    def source(self, rule: str) -> RuleSource:
        return self.sources[rule]

    @classmethod
    def rule_names(cls) -> tuple[str, ...]:
        """Names of the value fields (the rules)."""
        skip = {"name", "documents", "effective_from", "sources"}
        return tuple(f.name for f in fields(cls) if f.name not in skip)

    def value(self, rule: str) -> object:
        return getattr(self, rule)


# --- sources ------------------------------------------------------------------------------

_DL = "Điều lệ Đảng (2011)"
_QD29 = "QĐ 29-QĐ/TW (2016)"
_QD24 = "QĐ 24-QĐ/TW (2021)"
_HD01 = "HD 01-HD/TW (2021)"
_QD232 = "QĐ 232-QĐ/TW (2025)"
_QD294 = "QĐ 294-QĐ/TW (2025)"
_HD06 = "HD 06-HD/TW (2025)"
_LT = "Luật Thanh niên 2020"

_U_QD24_TEXT = (
    "https://thuviennhadat.vn/vbpl/quy-dinh-24-qd-tw-2021-thi-hanh-dieu-le-dang-484359.html"
)
_U_QD24_ART5 = "https://luatduonggia.edu.vn/ngay-ket-nap-dang-duoc-tinh-tu-ngay-nao"
_U_QD24_READMIT = (
    "https://ukh.edu.vn/vi-vn/tong-quan/phong/phong-to-chuc-tranh-tra-va-phap-che/"
    "chi-tiet-phong-to-chuc-hanh-chinh/id/3667/Cac-truong-hop-Dang-vien-bi-khai-tru-khong-duoc-ket-nap-lai"
)
_U_HD01_EDU = "https://boxhoidap.com/huong-dan-01-hdtw-nam-2022-ve-thi-hanh-dieu-le-dang/amp"
_U_HD01_2016 = (
    "https://luattoanquoc.com/huong-dan-01-hdtw-huong-dan-mot-van-de-cu-thi-hanh-dieu-le-dang"
)
_U_QD24_ART5_EN = (
    "https://lawnet.vn/ngan-hang-phap-luat/en/tu-van-phap-luat/bo-may-hanh-chinh/"
    "deadline-for-organizing-party-member-admission-ceremonies-considering-official-party-"
    "membership-reco-1008778"
)
_U_DL_ART5_EN = (
    "https://lawnet.vn/en/laws/nguoi-duoc-ket-nap-vao-dang-phai-trai-qua-thoi-ky-du-bi-trong-"
    "thoi-gian-bao-lau-moi-duoc-cong-nhan--124058-111200.html"
)
_U_QD24_ART4_EN = (
    "https://lawnet.vn/ngan-hang-phap-luat/en/tu-van-phap-luat/bo-may-hanh-chinh/"
    "introduction-and-admission-of-individuals-into-the-communist-party-regulations-and-"
    "procedures-1008777"
)
_U_HD06_NEWS = "https://bhtpa.dongnai.gov.vn/Pages/newsdetail.aspx?NewsId=1428&CatId=94"
_U_QD232_AGE = "https://luatvietnam.vn/tin-van-ban-moi/da-co-quy-dinh-232-qd-tw-thi-hanh-dieu-le-dang-186-100895-article.html"
_U_QD232_ART5 = (
    "http://118.69.201.250:801/phap-luat/cap-uy-ket-nap-dang-vien-trong-thoi-han-bao-lau-ai-co-tham-quyen-"
    "quyet-dinh-ket-nap-dang-vien-chinh-699568-213056.html"
)
_U_QD294_READMIT = (
    "https://ngoisao.vn/theo-dong-su-kien/tin-nong-trong-ngay/"
    "tu-ngay-0172025-5-truong-hop-khong-duoc-xet-ket-nap-lai-vao-dang-moi-nguoi-can-chu-y-457410.htm"
)
_U_QD29_ART5 = (
    "https://thuvienphapluat.vn/hoi-dap-phap-luat/"
    "35A57-hd-thoi-han-to-chuc-le-ket-nap-va-thoi-diem-cong-nhan-dang-vien-chinh-thuc.html"
)
_U_DL_INTRO = (
    "Điều lệ Đảng 2011, Điều 4 khoản 2 (trích dẫn thứ cấp: 118.69.201.250 tư vấn pháp luật)"
)
_U_LOCAL_PAPERS = (
    "https://tranphudn.edu.vn/news/view/"
    "quy-dinh-ho-so-ket-nap-dang-vien-va-chuyen-dang-vien-du-bi-sang-dang-vien-chinh-thuc.html"
)
_U_DL_ART4_K3 = (
    "https://thuvienphapluat.vn/hoi-dap-phap-luat/"
    "83A324C-hd-mau-bien-ban-hop-chi-bo-de-nghi-ket-nap-dang-vien-cap-nhat-nam-2024.html"
)
_U_DL_ART4_K1 = "https://luatlvn.com/2023/05/26/thu-tuc-de-nghi-ket-nap-dang-vien-moi-nam-2023/"
_U_DL_ART5_VI = (
    "https://thuvienphapluat.vn/banan/tin-tuc/dang-vien-du-bi-la-ai-quyen-cua-dang-vien-du-bi-8508"
)
_U_HD01_POINTS = "https://dukccqold.binhdinh.gov.vn/newsdetail.php?id=210&newsid=2394"
_U_HD12_PAPERS = (
    "http://118.69.201.250:801/phap-luat/ho-tro-phap-luat/"
    "mau-3knd-giay-gioi-thieu-nguoi-vao-dang-moi-nhat-2024-theo-huong-dan-12hdbtctw-nhu-the-nao-"
    "157660.html"
)
_BRIEF = "docs/domain (tài liệu thứ cấp, chưa đối chiếu văn bản gốc)"


def _s(
    doc: str,
    article: str,
    verified: bool,
    source: str,
    note: str = "",
    *,
    sub_item_verified: bool = True,
) -> RuleSource:
    """A source; ``sub_item_verified=False`` when the place in the document was not read (the
    citation shown then ends in "(tiểu mục chưa đối chiếu)", see :class:`Citation`)."""
    return RuleSource(
        Citation(doc, article, sub_item_unverified=not sub_item_verified), verified, source, note
    )


def _recite(old: RuleSource, document: str) -> Citation:
    """``old``'s place in another document (the same sub-item, with the same flag)."""
    return replace(old.citation, document=document)


def _sources_qd24() -> dict[str, RuleSource]:
    """Sources for the 2021 rule set (QĐ 24-QĐ/TW + HD 01-HD/TW)."""
    return {
        "min_age_months": _s(_QD24, "mục 1.1.1", True, _U_QD24_TEXT),
        "max_age_months": _s(
            _QD24,
            "mục 1.1.1–1.1.2",
            True,
            _U_QD24_TEXT,
            "Trên 60 tuổi: cấp ủy trực thuộc Trung ương xem xét (mục 1.1.2); ban thường vụ "
            "đồng ý bằng văn bản (HD 01, mục 1.1).",
        ),
        "over_max_age_needs_consent": _s(
            _HD01,
            "mục 1.1",
            True,
            _U_HD01_EDU,
            "“Chỉ xem xét kết nạp vào Đảng những người trên 60 tuổi khi đủ các điều kiện: có sức "
            "khỏe và uy tín; đang công tác, cư trú ở cơ sở chưa có tổ chức đảng, chưa có đảng viên "
            "hoặc do yêu cầu đặc biệt; được ban thường vụ cấp ủy trực thuộc Trung ương đồng ý bằng "
            "văn bản trước khi cấp ủy có thẩm quyền ra quyết định kết nạp.” Số mục: “khi đủ điều "
            "kiện theo điểm 1.1 mục 1 Hướng dẫn số 01-HD/TW ngày 28/9/2021” (trang thủ tục của "
            f"tỉnh Bình Định: {_U_HD01_POINTS}).",
        ),
        "education_min": _s(_QD24, "mục 1.2.1", True, _U_QD24_TEXT),
        "education_min_exception": _s(
            _HD01,
            "mục 1.2",
            True,
            _U_HD01_EDU,
            "Tối thiểu hoàn thành bậc tiểu học; già làng, trưởng bản, người có uy tín: mức thấp "
            "hơn (không mô hình hóa). Số mục: “thực hiện theo điểm 1.2 mục 1 Hướng dẫn số "
            f"01-HD/TW ngày 28/9/2021” ({_U_HD01_POINTS}).",
        ),
        "awareness_certificate_valid_months": _s(
            _HD01,
            "mục 3",
            False,
            _U_LOCAL_PAPERS,
            "Chỉ thấy trong bảng của một chi bộ trường học (5 năm); chưa thấy văn bản gốc.",
            sub_item_verified=False,
        ),
        "introducers_required": _s(
            _DL,
            "Điều 4 khoản 1",
            True,
            _U_DL_ART4_K1,
            "“Người vào Đảng phải: Có đơn tự nguyện xin vào Đảng; Báo cáo trung thực lý lịch với "
            "chi bộ; Được hai đảng viên chính thức giới thiệu. Nơi có tổ chức Đoàn Thanh niên Cộng "
            "sản Hồ Chí Minh, người vào Đảng trong độ tuổi thanh niên phải là …” (bản trích bị cắt; "
            "đường Đoàn / Công đoàn chỉ thấy ở bản diễn giải). Khoản 1, không phải khoản 2: khoản 2 "
            "là “Người giới thiệu phải …”, khoản 3 là “Trách nhiệm của chi bộ và cấp uỷ”; QĐ 24 mục "
            "3.1 “(Clause 1)” hướng dẫn nghị quyết giới thiệu của Đoàn, Công đoàn.",
        ),
        "introducer_min_months": _s(
            _DL,
            "Điều 4 khoản 2",
            True,
            _U_DL_INTRO,
            "“ít nhất một năm”. Cùng đơn vị dưới sự lãnh đạo của đảng ủy, chi bộ cơ sở: QĐ 24 mục "
            f"3.2.1 (bản dịch tiếng Anh: {_U_QD24_ART4_EN}).",
        ),
        "youth_max_age_months": _s(
            _LT,
            "Điều 1",
            False,
            _BRIEF,
            "Thanh niên từ đủ 16 đến 30 tuổi; đọc là ≤ 360 tháng tuổi.",
        ),
        "vote_fraction": _s(
            _DL,
            "Điều 4 khoản 3",
            True,
            _U_DL_ART4_K3,
            "“3. Trách nhiệm của chi bộ và cấp uỷ: … Chi bộ xét và đề nghị kết nạp từng người một, "
            "khi được ít nhất hai phần ba số đảng viên chính thức trong chi bộ tán thành thì đề "
            "nghị lên cấp uỷ cấp trên”.",
        ),
        "dossier_papers_valid_months": _s(
            _HD01,
            "mục 3",
            False,
            _U_LOCAL_PAPERS,
            "Chỉ thấy trong bảng của một chi bộ trường học; chưa thấy văn bản gốc.",
            sub_item_verified=False,
        ),
        "decision_working_days": _s(
            _QD24, "mục 4.3.1", False, _U_QD29_ART5, "Đã thấy ở QĐ 29 (2016) mục 4.3.1."
        ),
        "decision_extension_working_days": _s(_QD24, "mục 4.3.1", False, _U_QD29_ART5, "Như trên."),
        "ceremony_working_days": _s(
            _QD24,
            "mục 4.1",
            True,
            _U_QD24_ART5,
            "“kể từ ngày nhận được quyết định kết nạp đảng viên của cấp ủy có thẩm quyền”: tính "
            "từ ngày chi bộ nhận quyết định (ngày ra quyết định khi chưa ghi ngày nhận).",
        ),
        "probation_months": _s(
            _DL,
            "Điều 5 khoản 1",
            True,
            _U_DL_ART5_VI,
            "“Người được kết nạp vào Đảng phải trải qua thời kỳ dự bị mười hai tháng, tính từ ngày "
            f"chi bộ tổ chức lễ kết nạp.” Bản dịch tiếng Anh: {_U_DL_ART5_EN}.",
        ),
        "recognition_cell_working_days": _s(_QD24, "mục 4.2.1", True, _U_QD24_ART5_EN),
        "recognition_decision_working_days": _s(_QD24, "mục 4.3.1", False, _U_QD29_ART5),
        "recognition_effective_at_probation_end": _s(_QD24, "mục 4.2.2", True, _U_QD24_ART5_EN),
        "max_failed_votes": _s(
            _QD24,
            "mục 4.2.3",
            True,
            _U_QD24_ART5_EN,
            "Văn bản nói về biểu quyết công nhận chính thức; áp dụng cho biểu quyết kết nạp là "
            "suy rộng.",
        ),
        "mentor_must_be_official": _s(
            _DL,
            "Điều 4 khoản 2, Điều 5 khoản 1",
            True,
            _U_DL_ART5_VI,
            "Dự bị: “Trong thời kỳ dự bị, chi bộ tiếp tục giáo dục, rèn luyện và phân công đảng "
            "viên chính thức giúp đảng viên đó tiến bộ” (Điều 5 khoản 1). Người vào Đảng: người "
            "được phân công giúp đỡ là người giới thiệu (“Giấy giới thiệu của đảng viên chính thức "
            f"được phân công giúp đỡ”, HD 12-HD/BTCTW (2022) tiểu mục 1.1 mục 1 phần II: "
            f"{_U_HD12_PAPERS}), và “Người giới thiệu phải là đảng viên chính thức” (Điều 4 khoản "
            "2).",
        ),
        "readmission_min_months": _s(_QD24, "mục 3.5.1 b", True, _U_QD24_READMIT),
    }


def _sources_qd232() -> dict[str, RuleSource]:
    """QĐ 232-QĐ/TW replaces QĐ 24; HD 01-HD/TW (2021) still guides until HD 06 (2025)."""
    s = _sources_qd24()
    for key in ("min_age_months", "max_age_months", "education_min"):
        old = s[key]
        s[key] = replace(old, citation=_recite(old, _QD232), source=_U_QD232_AGE)
    for key, verified, src in (
        ("ceremony_working_days", True, _U_QD232_ART5),
        ("decision_working_days", True, _U_QD232_ART5),
        ("decision_extension_working_days", False, _U_QD232_ART5),
        ("recognition_cell_working_days", False, _BRIEF),
        ("recognition_decision_working_days", False, _U_QD232_ART5),
        ("recognition_effective_at_probation_end", False, _BRIEF),
        ("max_failed_votes", False, _BRIEF),
        ("readmission_min_months", False, _BRIEF),
    ):
        old = s[key]
        s[key] = replace(
            old,
            citation=_recite(old, _QD232),
            verified=verified,
            source=src,
            note=(old.note + " " if old.note else "")
            + ("" if verified else "Giữ như QĐ 24; chưa đối chiếu QĐ 232."),
        )
    return s


def _sources_qd294() -> dict[str, RuleSource]:
    """QĐ 294-QĐ/TW + HD 06-HD/TW; where no copy was found the value is kept as before."""
    s = _sources_qd232()
    out: dict[str, RuleSource] = {}
    for key, old in s.items():
        doc = old.citation.document
        if doc in (_QD232, _QD24):
            new_doc = _QD294
        elif doc == _HD01:
            new_doc = _HD06
        else:
            out[key] = old  # the Charter / a law: unchanged by the 2025 documents
            continue
        verified = False
        source = _BRIEF
        note = "Giữ như bộ quy tắc trước; chưa đối chiếu văn bản 2025."
        if key == "readmission_min_months":
            verified, source, note = True, _U_QD294_READMIT, ""
        citation = _recite(old, new_doc)
        if key == "over_max_age_needs_consent":
            source = _U_HD06_NEWS
            note = (
                "Bản tin chỉ cho thấy HD 06 mở đầu bằng “1. Về tuổi đời — Chỉ …”; phần còn lại "
                "và số tiểu mục chưa đọc được. Giữ như HD 01 (2021) điểm 1.1 mục 1."
            )
            citation = replace(citation, sub_item_unverified=True)
        out[key] = RuleSource(citation, verified, source, note)
    return out


QD24_2021 = RuleSet(
    name="QĐ 24-QĐ/TW (30/7/2021) và HD 01-HD/TW (28/9/2021)",
    documents=("QĐ 24-QĐ/TW ngày 30/7/2021", "HD 01-HD/TW ngày 28/9/2021", "Điều lệ Đảng (2011)"),
    effective_from=date(2021, 7, 30),
    sources=MappingProxyType(_sources_qd24()),
)
QD232_2025 = RuleSet(
    name="QĐ 232-QĐ/TW (20/01/2025)",
    documents=("QĐ 232-QĐ/TW ngày 20/01/2025", "HD 01-HD/TW ngày 28/9/2021", "Điều lệ Đảng (2011)"),
    effective_from=date(2025, 1, 20),
    sources=MappingProxyType(_sources_qd232()),
)
QD294_2025 = RuleSet(
    name="QĐ 294-QĐ/TW (26/5/2025) và HD 06-HD/TW (09/6/2025)",
    documents=("QĐ 294-QĐ/TW ngày 26/5/2025", "HD 06-HD/TW ngày 09/6/2025", "Điều lệ Đảng (2011)"),
    effective_from=date(2025, 7, 1),
    sources=MappingProxyType(_sources_qd294()),
)

#: All rule sets, oldest first.
RULE_SETS: tuple[RuleSet, ...] = (QD24_2021, QD232_2025, QD294_2025)


def rule_set_for(d: date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleSet:
    """The rule set in force on ``d`` (the date of the step being checked).

    - The latest set with ``effective_from <= d``.
    - Before the earliest set's ``effective_from`` (2021-07-30): the earliest set.
    """
    chosen = rule_sets[0]
    for rs in rule_sets:
        if rs.effective_from <= d:
            chosen = rs
        else:
            break
    return chosen
