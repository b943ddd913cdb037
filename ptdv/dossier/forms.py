"""The dossier forms of a candidacy and the values each one is filled with.

The forms are those of the appendix of HD 12-HD/BTCTW (18/01/2022); **their numbering is to be
verified against Công văn 3028-CV/BTCTW (04/4/2022)** (see ``docs/dossier.md``). The number of
the recognition decision's form is not known: it has the internal code ``QD-CNCT``.

A form is described by a :class:`FormSpec`: its code, title, the organisation that issues it,
the context key of its date and the keys (:data:`FIELD_LABELS`) it needs from the record.
:func:`build_dossier` reads the candidacy's effective events once and gives one
:class:`Document` per form (one 3-KNĐ per introducing member), each with:

- ``context``: what the .docx template receives. Text values are plain strings, dates
  dd/mm/yyyy; a value the record lacks is the marked blank :data:`MISSING` in the working
  papers, and a plain dotted line :data:`BLANK` in the formal documents (``FormSpec.formal``:
  the resolutions, the appraisal and the decisions, issued in a committee's name). Flags
  (``cell_is_grassroots``, ``has_partial_committee``) and ``mentor_reports`` (a list) are
  passed as they are.
- ``missing``: the keys of the form's fields that the record lacks (shown on the page).
- ``applicable``: whether the form belongs in this candidacy's dossier (its route and phase);
  the .zip and the PDF hold the applicable forms only.

Everything a form contains that the system never records (place of birth, the meeting's chair,
the committee members' votes, the signatories' names, the assessments' wording…) is a dotted
blank in the template, filled by hand; it is not listed as missing.

The values are built with Vietnamese active: a dossier is in Vietnamese whatever the language
of the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from ptdv.org.models import Organisation, OrgKind
from ptdv.people.models import Person
from ptdv.people.text import fold
from ptdv.pipeline.evaluation import build_facts, event_facts, people_by_id
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment
from ptdv.rules import rulesets
from ptdv.rules.dossier import ADMISSION, RECOGNITION, Checklist, ChecklistItem, checklist
from ptdv.rules.facts import VERIFICATION_RESULTS
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import RuleSet, rule_set_for
from ptdv.rules.stages import Step, derive

from . import notice

__all__ = [
    "BLANK",
    "FIELD_LABELS",
    "FORMS",
    "MISSING",
    "Document",
    "Dossier",
    "FormSpec",
    "base_name",
    "build_dossier",
    "committee_name",
    "place_name",
    "rule_set_id",
]

#: A value the record lacks, as it is written in a form.
MISSING = "………… (chưa có trong hồ sơ)"
#: A blank filled by hand (the system does not record this value).
HAND = "……………"
#: A value the record lacks, in a formal document: a line to fill by hand, as on the paper
#: forms; what is missing is named on the list page, not in a paper issued by a committee.
BLANK = "…………………"

#: The keys a form may need from the record, with the label shown when it is missing.
FIELD_LABELS: dict[str, str] = {
    "person_name": gettext_noop("Họ và tên"),
    "birth_date": gettext_noop("Ngày sinh"),
    "sex": gettext_noop("Giới tính"),
    "cccd": gettext_noop("Số CCCD"),
    "ethnicity": gettext_noop("Dân tộc"),
    "religion": gettext_noop("Tôn giáo"),
    "education": gettext_noop("Giáo dục phổ thông"),
    "professional_level": gettext_noop("Chuyên môn, nghiệp vụ"),
    "theory_level": gettext_noop("Lý luận chính trị"),
    "occupation": gettext_noop("Nghề nghiệp, chức vụ"),
    "residence": gettext_noop("Nơi cư trú"),
    "youth_union": gettext_noop("Đoàn viên TNCS Hồ Chí Minh"),
    "trade_union": gettext_noop("Đoàn viên công đoàn"),
    "place": gettext_noop("Địa danh nơi ban hành"),
    "cell_name": gettext_noop("Chi bộ"),
    "cell_committee": gettext_noop("Chi ủy"),
    "cell_superior": gettext_noop("Cấp ủy cấp trên của chi bộ"),
    "cell_next_committee": gettext_noop("Cấp ủy nhận nghị quyết của chi bộ"),
    "partial_name": gettext_noop("Đảng bộ bộ phận"),
    "partial_committee": gettext_noop("Đảng ủy bộ phận"),
    "partial_superior": gettext_noop("Cấp trên của đảng bộ bộ phận"),
    "grassroots_name": gettext_noop("Đảng bộ cơ sở"),
    "grassroots_committee": gettext_noop("Đảng ủy cơ sở"),
    "grassroots_superior": gettext_noop("Cấp trên của đảng bộ cơ sở"),
    "competent_name": gettext_noop("Đảng bộ có thẩm quyền kết nạp"),
    "competent_committee": gettext_noop("Cấp ủy có thẩm quyền kết nạp"),
    "competent_superior": gettext_noop("Cấp trên của cấp ủy có thẩm quyền kết nạp"),
    "awareness_certificate_number": gettext_noop(
        "Số giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng"
    ),
    "awareness_certificate_date": gettext_noop(
        "Ngày giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng"
    ),
    "application_date": gettext_noop("Ngày nhận đơn xin vào Đảng"),
    "history_date": gettext_noop("Ngày nhận lý lịch"),
    "verification_result": gettext_noop("Kết luận thẩm tra lý lịch người vào Đảng"),
    "comments_date": gettext_noop("Ngày tổng hợp ý kiến nhận xét"),
    "introducer_names": gettext_noop("Người giới thiệu"),
    "introducer_name": gettext_noop("Họ và tên người giới thiệu"),
    "introducer_birth_date": gettext_noop("Ngày sinh của người giới thiệu"),
    "introducer_admitted_on": gettext_noop("Ngày vào Đảng của người giới thiệu"),
    "introducer_official_on": gettext_noop("Ngày chính thức của người giới thiệu"),
    "introducer_cell": gettext_noop("Chi bộ của người giới thiệu"),
    "months_together": gettext_noop("Số tháng cùng công tác với người vào Đảng"),
    "letter_date": gettext_noop("Ngày giấy giới thiệu"),
    "cell_resolution_number": gettext_noop("Số nghị quyết của chi bộ đề nghị kết nạp"),
    "cell_resolution_date": gettext_noop("Ngày chi bộ xét đề nghị kết nạp"),
    "cell_official_members": gettext_noop("Số đảng viên chính thức của chi bộ"),
    "cell_present": gettext_noop("Số đảng viên chính thức có mặt"),
    "cell_in_favour": gettext_noop("Số tán thành kết nạp"),
    "cell_against": gettext_noop("Số không tán thành kết nạp"),
    "partial_number": gettext_noop("Số báo cáo thẩm định của đảng ủy bộ phận"),
    "partial_date": gettext_noop("Ngày thẩm định của đảng ủy bộ phận"),
    "grassroots_number": gettext_noop("Số nghị quyết của đảng ủy cơ sở"),
    "grassroots_date": gettext_noop("Ngày nghị quyết của đảng ủy cơ sở"),
    "decision_number": gettext_noop("Số quyết định kết nạp"),
    "decision_date": gettext_noop("Ngày quyết định kết nạp"),
    "ceremony_date": gettext_noop("Ngày lễ kết nạp"),
    "probation_end": gettext_noop("Ngày hết thời gian dự bị"),
    "new_member_certificate_date": gettext_noop(
        "Ngày giấy chứng nhận học lớp lý luận chính trị cho đảng viên mới"
    ),
    "mentor_name": gettext_noop("Đảng viên giúp đỡ"),
    "mentor_cell": gettext_noop("Chi bộ của đảng viên giúp đỡ"),
    "mentor_start": gettext_noop("Ngày phân công giúp đỡ"),
    "recognition_number": gettext_noop("Số nghị quyết của chi bộ đề nghị công nhận chính thức"),
    "recognition_date": gettext_noop("Ngày chi bộ xét công nhận chính thức"),
    "recognition_official_members": gettext_noop(
        "Số đảng viên chính thức của chi bộ (xét công nhận)"
    ),
    "recognition_present": gettext_noop("Số đảng viên chính thức có mặt (xét công nhận)"),
    "recognition_in_favour": gettext_noop("Số tán thành công nhận chính thức"),
    "recognition_against": gettext_noop("Số không tán thành công nhận chính thức"),
    "recognition_decision_number": gettext_noop("Số quyết định công nhận đảng viên chính thức"),
    "recognition_decision_date": gettext_noop("Ngày quyết định công nhận đảng viên chính thức"),
}

#: Issuers of a form: whose place name heads it.
PERSON, CELL, PARTIAL, GRASSROOTS, COMPETENT = (
    "person",
    "cell",
    "partial",
    "grassroots",
    "competent",
)
#: Route conditions: the form exists only under a partial committee / above a non-grassroots cell.
NEEDS_PARTIAL, NEEDS_GRASSROOTS = "partial", "grassroots"


@dataclass(frozen=True)
class FormSpec:
    """One form of the dossier.

    - ``slug``: the ASCII code, used in URLs and as the template's file name (``1-KND.docx``).
    - ``name``: the ASCII part of the file name in the .zip (``don-xin-vao-Dang``).
    - ``issuer``: whose place name heads the form (:data:`PERSON`, :data:`CELL`…).
    - ``date_key``: the context key of the form's date (``""``: dated by hand).
    - ``fields``: the keys of :data:`FIELD_LABELS` the form needs from the record.
    - ``papers``: the kinds of the dossier checklist (:mod:`ptdv.rules.dossier`) the form is.
    - ``route``: :data:`NEEDS_PARTIAL`, :data:`NEEDS_GRASSROOTS` or ``""``.
    - ``per_introducer``: one document per introducing member.
    - ``formal``: a document issued in a committee's name (resolution, appraisal, decision):
      a value the record lacks is a dotted line (:data:`BLANK`), without the note.
    """

    slug: str
    code: str
    name: str
    title: str
    phase: str
    issuer: str
    date_key: str
    fields: tuple[str, ...]
    papers: tuple[str, ...] = ()
    route: str = ""
    per_introducer: bool = False
    formal: bool = False


_IDENTITY = ("person_name", "birth_date")

FORMS: tuple[FormSpec, ...] = (
    FormSpec(
        "1-KND", "1-KNĐ", "don-xin-vao-Dang", gettext_noop("Đơn xin vào Đảng"),
        ADMISSION, PERSON, "application_date",
        (*_IDENTITY, "sex", "ethnicity", "religion", "residence", "occupation", "education",
         "professional_level", "theory_level", "cell_name", "grassroots_committee",
         "application_date", "place"),
        papers=("application",),
    ),
    FormSpec(
        "2-KND", "2-KNĐ", "ly-lich-nguoi-xin-vao-Dang",
        gettext_noop("Lý lịch của người xin vào Đảng (thông tin nhận dạng)"),
        ADMISSION, PERSON, "history_date",
        (*_IDENTITY, "sex", "cccd", "ethnicity", "religion", "residence", "occupation",
         "education", "professional_level", "theory_level", "cell_name", "grassroots_name",
         "awareness_certificate_number", "awareness_certificate_date", "history_date", "place"),
        papers=("personal_history", "verification"),
    ),
    FormSpec(
        "3-KND", "3-KNĐ", "giay-gioi-thieu-nguoi-vao-Dang",
        gettext_noop("Giấy giới thiệu người vào Đảng"),
        ADMISSION, CELL, "letter_date",
        ("introducer_name", "introducer_birth_date", "introducer_admitted_on",
         "introducer_official_on", "introducer_cell", "months_together", "letter_date",
         *_IDENTITY, "cell_name", "cell_superior", "place"),
        papers=("introducers", "introducer_letter"),
        per_introducer=True,
    ),
    FormSpec(
        "5-KND", "5-KNĐ", "tong-hop-y-kien-nhan-xet",
        gettext_noop("Tổng hợp ý kiến nhận xét của đoàn thể và chi ủy nơi cư trú"),
        ADMISSION, CELL, "comments_date",
        (*_IDENTITY, "residence", "occupation", "cell_name", "cell_superior", "comments_date",
         "place"),
        papers=("comments",),
    ),
    FormSpec(
        "6-KND", "6-KNĐ", "nghi-quyet-chi-bo-de-nghi-ket-nap",
        gettext_noop("Nghị quyết của chi bộ đề nghị kết nạp đảng viên"),
        ADMISSION, CELL, "cell_resolution_date",
        ("cell_superior", "cell_name", "cell_resolution_number", "cell_resolution_date",
         "cell_official_members", "cell_present", "cell_in_favour", "cell_against",
         *_IDENTITY, "introducer_names", "verification_result", "cell_next_committee", "place"),
        formal=True,
    ),
    FormSpec(
        "7-KND", "7-KNĐ", "tham-dinh-cua-dang-uy-bo-phan",
        gettext_noop("Báo cáo thẩm định của đảng ủy bộ phận"),
        ADMISSION, PARTIAL, "partial_date",
        ("partial_superior", "partial_committee", "partial_number", "partial_date",
         "grassroots_committee", "cell_name", "cell_resolution_number", "cell_resolution_date",
         *_IDENTITY, "place"),
        route=NEEDS_PARTIAL,
        formal=True,
    ),
    FormSpec(
        "8-KND", "8-KNĐ", "nghi-quyet-dang-uy-co-so-de-nghi-ket-nap",
        gettext_noop("Nghị quyết của đảng ủy cơ sở đề nghị kết nạp đảng viên"),
        ADMISSION, GRASSROOTS, "grassroots_date",
        ("grassroots_superior", "grassroots_committee", "grassroots_number", "grassroots_date",
         "cell_name", "cell_resolution_number", "cell_resolution_date", "partial_committee",
         "partial_number", "partial_date", "competent_committee", *_IDENTITY, "place"),
        route=NEEDS_GRASSROOTS,
        formal=True,
    ),
    FormSpec(
        "9-KND", "9-KNĐ", "quyet-dinh-ket-nap-dang-vien",
        gettext_noop("Quyết định kết nạp đảng viên"),
        ADMISSION, COMPETENT, "decision_date",
        ("competent_superior", "competent_committee", "decision_number", "decision_date",
         *_IDENTITY, "ethnicity", "residence", "occupation", "cell_name",
         "cell_resolution_number", "cell_resolution_date", "grassroots_committee",
         "grassroots_number", "grassroots_date", "place"),
        formal=True,
    ),
    FormSpec(
        "10-KND", "10-KNĐ", "ban-tu-kiem-diem-cua-dang-vien-du-bi",
        gettext_noop("Bản tự kiểm điểm của đảng viên dự bị"),
        RECOGNITION, CELL, "",
        (*_IDENTITY, "cell_name", "cell_superior", "ceremony_date", "decision_number",
         "decision_date", "competent_committee", "new_member_certificate_date", "probation_end",
         "place"),
        papers=("new_member_certificate",),
    ),
    FormSpec(
        "11-KND", "11-KNĐ", "nhan-xet-cua-dang-vien-giup-do",
        gettext_noop("Bản nhận xét đảng viên dự bị của đảng viên giúp đỡ"),
        RECOGNITION, CELL, "",
        ("mentor_name", "mentor_cell", "mentor_start", "person_name", "ceremony_date",
         "probation_end", "cell_name", "cell_superior", "place"),
    ),
    FormSpec(
        "13-KND", "13-KNĐ", "nghi-quyet-chi-bo-de-nghi-cong-nhan-chinh-thuc",
        gettext_noop("Nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức"),
        RECOGNITION, CELL, "recognition_date",
        ("cell_superior", "cell_name", "recognition_number", "recognition_date",
         "recognition_official_members", "recognition_present", "recognition_in_favour",
         "recognition_against", "person_name", "ceremony_date", "mentor_name", "probation_end",
         "cell_next_committee", "competent_committee", "place"),
        formal=True,
    ),
    FormSpec(
        "QD-CNCT", "QĐ-CNCT", "quyet-dinh-cong-nhan-dang-vien-chinh-thuc",
        gettext_noop("Quyết định công nhận đảng viên chính thức"),
        RECOGNITION, COMPETENT, "recognition_decision_date",
        ("competent_superior", "competent_committee", "recognition_decision_number",
         "recognition_decision_date", *_IDENTITY, "ceremony_date", "decision_number",
         "decision_date", "cell_name", "recognition_number", "recognition_date",
         "probation_end", "grassroots_committee", "place"),
        formal=True,
    ),
    # Not a form of the regulation: the notice of the processing of sensitive personal data that
    # the person signs (ptdv/dossier/notice.py; Luật 91/2025/QH15 Điều 9). Last, so that the
    # regulation's forms keep their numbers in the .zip.
    FormSpec(
        "TB-DLCN", "TB-DLCN", "thong-bao-xu-ly-du-lieu-ca-nhan",
        gettext_noop("Thông báo về việc xử lý dữ liệu cá nhân nhạy cảm"),
        ADMISSION, CELL, "",
        (*_IDENTITY, "cell_name", "cell_committee", "cell_superior", "place"),
    ),
)  # fmt: skip

FORMS_BY_SLUG: dict[str, FormSpec] = {f.slug: f for f in FORMS}

NOT_APPLICABLE = {
    NEEDS_PARTIAL: gettext_noop("Không áp dụng: chi bộ không thuộc đảng bộ bộ phận."),
    NEEDS_GRASSROOTS: gettext_noop(
        "Không áp dụng: chi bộ cơ sở trình thẳng cấp ủy có thẩm quyền, không có nghị quyết "
        "của đảng ủy cơ sở."
    ),
    RECOGNITION: gettext_noop("Chưa cần: chưa tổ chức lễ kết nạp."),
}

INTRODUCER_UNIONS = {
    "youth_union": "Ban Chấp hành Đoàn cơ sở",
    "trade_union": "Ban Chấp hành Công đoàn cơ sở",
}

_PERIODS = {"month": "Tháng {d:%m/%Y}", "year": "Năm {d:%Y}"}


# --- documents ----------------------------------------------------------------------------


@dataclass
class Document:
    """One form filled for one candidacy (one letter per introducer for 3-KNĐ)."""

    spec: FormSpec
    index: int
    context: dict[str, Any]
    missing: list[str]
    rule_set: RuleSet
    applicable: bool
    reason: str = ""
    #: Position in the dossier (1-based) when applicable, 0 otherwise.
    number: int = 0
    #: Checklist items of this form's papers that are not in order.
    papers: list[ChecklistItem] = field(default_factory=list)

    @property
    def missing_labels(self) -> list[str]:
        return [FIELD_LABELS[k] for k in self.missing]

    @property
    def rule_set_id(self) -> str:
        return rule_set_id(self.rule_set)

    @property
    def file_name(self) -> str:
        """ASCII: ``01-1-KND-don-xin-vao-Dang.docx`` (no number outside the dossier)."""
        base = f"{self.spec.slug}-{self.spec.name}"
        if self.spec.per_introducer:
            base += f"-{self.index}"
        return f"{self.number:02d}-{base}.docx" if self.number else f"{base}.docx"

    @property
    def label(self) -> str:
        """The introducer's name for 3-KNĐ (``""`` otherwise)."""
        if not self.spec.per_introducer:
            return ""
        name = self.context.get("introducer_name", "")
        return "" if name == MISSING else name


@dataclass
class Dossier:
    candidacy: Candidacy
    #: Every form of the candidacy's route, in the order of :data:`FORMS`.
    documents: list[Document]
    checklist: Checklist
    today: date

    @property
    def applicable(self) -> list[Document]:
        return [d for d in self.documents if d.applicable]

    def find(self, slug: str, index: int = 1) -> Document | None:
        return next((d for d in self.documents if d.spec.slug == slug and d.index == index), None)

    @property
    def base_name(self) -> str:
        """ASCII base of the download names: ``ho-so-nguyen-van-an``."""
        return base_name(self.candidacy)

    @property
    def papers_not_in_order(self) -> list[ChecklistItem]:
        return [i for i in self.checklist.items if not i.is_ok]


def base_name(candidacy: Candidacy) -> str:
    """ASCII base of a dossier's download names: ``ho-so-nguyen-van-an``."""
    return "ho-so-" + (slugify(fold(candidacy.person.full_name)) or "dang-vien")


def rule_set_id(rs: RuleSet) -> str:
    """The name of the constant holding ``rs`` in :mod:`ptdv.rules.rulesets` (``QD294_2025``).

    It names the per-rule-set folder of replacement templates.
    """
    for name, value in vars(rulesets).items():
        if value is rs:
            return name
    return slugify(rs.name)


# --- names of organisations ---------------------------------------------------------------

_COMMITTEES = (
    ("đảng bộ tỉnh ", "Tỉnh ủy "),
    ("đảng bộ thành phố ", "Thành ủy "),
    ("đảng bộ huyện ", "Huyện ủy "),
    ("đảng bộ quận ", "Quận ủy "),
    ("đảng bộ thị xã ", "Thị ủy "),
    ("đảng bộ ", "Đảng ủy "),
    ("chi bộ ", "Chi ủy chi bộ "),
)


def committee_name(org: Organisation | None) -> str | None:
    """The committee of an organisation, from its name: "Đảng bộ xã Hòa An" → "Đảng ủy xã Hòa
    An", "Đảng bộ huyện Núi Xanh" → "Huyện ủy Núi Xanh", "Chi bộ thôn Đông" → "Chi ủy chi bộ
    thôn Đông"; otherwise "Cấp ủy <name>"."""
    if org is None:
        return None
    name = org.name.strip()
    lowered = name.lower()
    for prefix, committee in _COMMITTEES:
        if lowered.startswith(prefix):
            return committee + name[len(prefix) :]
    return f"Cấp ủy {name}"


_TERRITORY = re.compile(
    r"(?:^|\s)(?:thị trấn|thị xã|thành phố|đặc khu|xã|phường|huyện|quận|tỉnh)\s+(\S.*)$",
    re.IGNORECASE,
)


def place_name(chain: Iterable[Organisation]) -> str | None:
    """The place name heading a document (địa danh): the unit named after "xã", "phường",
    "huyện", "tỉnh"… in the nearest organisation of ``chain`` (nearest first) that has one."""
    for org in chain:
        found = _TERRITORY.search(org.name)
        if found:
            return found.group(1).strip()
    return None


@dataclass
class _Orgs:
    """The organisations around one cell, and the place names of their documents."""

    values: dict[str, Any]
    places: dict[str, str | None]


def _org_values(cell: Organisation) -> _Orgs:
    chain = cell.ancestors_or_self()  # root first
    nearest = list(reversed(chain))

    def above(node: Organisation | None) -> Organisation | None:
        if node is None or node not in chain:
            return None
        i = chain.index(node)
        return chain[i - 1] if i > 0 else None

    partial = next((n for n in nearest if n.kind == OrgKind.PARTIAL_COMMITTEE), None)
    grassroots = next((n for n in nearest if n.is_grassroots), None)
    holder = next((n for n in nearest if n.competent_committee_id), None)
    competent = competent_chain = None
    if holder is not None:
        competent = Organisation.objects.get(pk=holder.competent_committee_id)
        competent_chain = list(reversed(competent.ancestors_or_self()))
    competent_superior = (
        competent_chain[1] if competent_chain and len(competent_chain) > 1 else None
    )
    if partial is not None:
        next_committee = committee_name(partial)
    elif not cell.is_grassroots:
        next_committee = committee_name(grassroots)
    else:
        next_committee = committee_name(competent)
    values = {
        "cell_name": cell.name,
        "cell_committee": committee_name(cell),
        "cell_superior": getattr(above(cell), "name", None),
        "cell_next_committee": next_committee,
        "cell_is_grassroots": cell.is_grassroots,
        "has_partial_committee": partial is not None,
        "partial_name": getattr(partial, "name", None),
        "partial_committee": committee_name(partial),
        "partial_superior": getattr(above(partial), "name", None),
        "grassroots_name": getattr(grassroots, "name", None),
        "grassroots_committee": committee_name(grassroots),
        "grassroots_superior": getattr(above(grassroots), "name", None),
        "competent_name": getattr(competent, "name", None),
        "competent_committee": committee_name(competent),
        "competent_superior": getattr(competent_superior, "name", None),
    }

    def from_node(node: Organisation | None) -> list[Organisation]:
        return nearest[nearest.index(node) :] if node in nearest else []

    places = {
        PERSON: place_name(nearest),
        CELL: place_name(nearest),
        PARTIAL: place_name(from_node(partial)),
        GRASSROOTS: place_name(from_node(grassroots)),
        COMPETENT: place_name(competent_chain or []),
    }
    return _Orgs(values, places)


# --- values from the record ---------------------------------------------------------------


def _fmt(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _share(in_favour: int | None, members: int | None) -> str | None:
    """``7`` of ``9`` → ``"77,8%"`` (Vietnamese decimal comma)."""
    if in_favour is None or not members:
        return None
    return f"{in_favour * 100 / members:.1f}".replace(".", ",") + "%"


def _person_values(person: Person) -> dict[str, Any]:
    residence = person.residence.name if person.residence_id else ""
    address = person.address.strip()
    if address and residence and residence not in address:
        where = f"{address}, {residence}"
    else:
        where = address or residence
    return {
        "person_name": person.full_name,
        "birth_date": person.birth_date,
        "sex": str(person.get_sex_display()),
        "cccd": person.cccd or None,
        "ethnicity": str(person.get_ethnicity_display()),
        "religion": str(person.get_religion_display()),
        "education": str(person.get_general_education_display()),
        "professional_level": str(person.get_professional_level_display()),
        "theory_level": str(person.get_theory_level_display()),
        "occupation": person.occupation.strip() or None,
        "residence": where or None,
        "youth_union": "Có" if person.youth_union_member else "Không",
        "trade_union": "Có" if person.trade_union_member else "Không",
    }


def _latest(events: list[Event], step: Step, *, passed: bool = False) -> Event | None:
    found = [e for e in events if e.step == step and not (passed and e.passed is False)]
    return found[-1] if found else None


def _vote_values(prefix: str, event: Event | None, number_key: str, date_key: str) -> dict:
    if event is None:
        members = present = in_favour = against = None
        number = day = None
    else:
        members, present = event.official_members, event.present
        in_favour, against = event.in_favour, event.against
        number, day = event.number or None, event.date
    return {
        number_key: number,
        date_key: day,
        f"{prefix}_official_members": members,
        f"{prefix}_present": present,
        f"{prefix}_in_favour": in_favour,
        f"{prefix}_against": against,
        f"{prefix}_in_favour_share": _share(in_favour, members),
    }


def _event_values(events: list[Event], today: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    papers: dict[str, Event] = {}
    for e in events:
        if e.step == Step.DOSSIER_PAPER:
            kind = (e.data or {}).get("kind", "")
            if kind == "verification" and (e.data or {}).get("subject") != "applicant":
                continue
            papers[kind] = e  # the latest of each kind
    values["application_date"] = getattr(papers.get("application"), "date", None)
    values["history_date"] = getattr(papers.get("personal_history"), "date", None)
    values["comments_date"] = getattr(papers.get("comments"), "date", None)
    verification = papers.get("verification")
    result = (verification.data or {}).get("result") if verification else None
    values["verification_result"] = VERIFICATION_RESULTS.get(result or "") or None

    awareness = _latest(events, Step.AWARENESS_CLASS)
    data = (awareness.data or {}) if awareness else {}
    values["awareness_certificate_date"] = (
        _date(data.get("certificate_date")) or awareness.date if awareness else None
    )
    values["awareness_certificate_number"] = data.get("certificate_number") or None
    new_member = _latest(events, Step.NEW_MEMBER_CLASS)
    values["new_member_certificate_date"] = (
        _date((new_member.data or {}).get("certificate_date")) or new_member.date
        if new_member
        else None
    )

    values |= _vote_values(
        "cell",
        _latest(events, Step.CELL_RESOLUTION, passed=True),
        "cell_resolution_number",
        "cell_resolution_date",
    )
    values |= _vote_values(
        "recognition",
        _latest(events, Step.RECOGNITION_CELL_RESOLUTION, passed=True),
        "recognition_number",
        "recognition_date",
    )
    for step, prefix in (
        (Step.PARTIAL_APPRAISAL, "partial"),
        (Step.GRASSROOTS_RESOLUTION, "grassroots"),
        (Step.ADMISSION_DECISION, "decision"),
        (Step.RECOGNITION_DECISION, "recognition_decision"),
    ):
        event = _latest(events, step)
        values[f"{prefix}_number"] = (event.number or None) if event else None
        values[f"{prefix}_date"] = event.date if event else None
    ceremony = _latest(events, Step.CEREMONY)
    values["ceremony_date"] = ceremony.date if ceremony else None
    rs = rule_set_for(ceremony.date if ceremony else today)
    values["probation_months"] = rs.probation_months
    values["probation_end"] = add_months(ceremony.date, rs.probation_months) if ceremony else None
    return values


def _introducers(events: list[Event]) -> tuple[list[dict[str, Any]], str | None]:
    """One entry per introducing member (their latest letter), and every introducer's name."""
    letters: dict[int, Event] = {}
    names: list[str] = []
    for e in events:
        data = e.data or {}
        if e.step != Step.DOSSIER_PAPER:
            continue
        if data.get("kind") == "introducer_letter" and data.get("introducer_id"):
            letters.pop(data["introducer_id"], None)
            letters[data["introducer_id"]] = e
        elif data.get("kind") == "union_resolution":
            union = INTRODUCER_UNIONS.get(data.get("introducer_kind", ""), "")
            if union and union not in names:
                names.append(union)
    people = people_by_id(list(letters), "cell")
    out = []
    for person_id, e in letters.items():
        who = people.get(person_id)
        if who is None:
            continue
        out.append(
            {
                "introducer_name": who.full_name,
                "introducer_birth_date": who.birth_date,
                "introducer_admitted_on": who.party_admitted_on,
                "introducer_official_on": who.party_official_on,
                "introducer_cell": who.cell.name,
                "months_together": (e.data or {}).get("months_together"),
                "letter_date": e.date,
            }
        )
    names = [i["introducer_name"] for i in out] + names
    return out, ", ".join(names) or None


def _mentor_values(candidacy: Candidacy, ceremony: date | None) -> dict[str, Any]:
    """The mentor during probation (the current or latest one before the ceremony)."""
    assignments = list(
        MentorAssignment.objects.filter(candidacy=candidacy)
        .select_related("mentor__cell")
        .prefetch_related("reports")
        .order_by("start", "pk")
    )
    if ceremony is not None:
        assignments = [a for a in assignments if a.end is None or a.end >= ceremony]
    chosen = assignments[-1] if assignments else None
    reports = []
    if chosen is not None:
        for r in sorted(chosen.reports.all(), key=lambda r: r.period_start):
            if ceremony is not None and r.period_start < ceremony.replace(day=1):
                continue
            if r.period == "quarter":
                period = f"Quý {(r.period_start.month - 1) // 3 + 1}/{r.period_start:%Y}"
            else:
                period = _PERIODS.get(r.period, "{d:%m/%Y}").format(d=r.period_start)
            reports.append(
                {
                    "period": period,
                    "assessment": str(r.get_assessment_display()),
                    "text": r.text,
                    "filed_on": _fmt(r.filed_on),
                }
            )
    return {
        "mentor_name": chosen.mentor.full_name if chosen else None,
        "mentor_cell": chosen.mentor.cell.name if chosen else None,
        "mentor_start": chosen.start if chosen else None,
        "mentor_reports": reports,
    }


# --- the dossier --------------------------------------------------------------------------

_INTRODUCER_KEYS = (
    "introducer_name",
    "introducer_birth_date",
    "introducer_admitted_on",
    "introducer_official_on",
    "introducer_cell",
    "months_together",
    "letter_date",
)

#: Context entries passed as they are (not text, never "missing").
_RAW_KEYS = ("cell_is_grassroots", "has_partial_committee", "mentor_reports", "notice_paragraphs")


def _needed(key: str, values: dict[str, Any]) -> bool:
    """Whether ``key`` belongs to this candidacy's route (partial / grassroots committee)."""
    if key.startswith("partial_"):
        return bool(values.get("has_partial_committee"))
    if key.startswith("grassroots_"):
        return not values.get("cell_is_grassroots")
    return True


def _context(spec: FormSpec, values: dict[str, Any], place: str | None) -> dict[str, Any]:
    lacking = BLANK if spec.formal else MISSING
    context: dict[str, Any] = {}
    for key, value in values.items():
        if key in _RAW_KEYS:
            context[key] = value
        else:
            context[key] = lacking if _empty(value) else _fmt(value)
    context["place"] = place or lacking
    day = values.get(spec.date_key) if spec.date_key else None
    where = place or "……"
    if day is not None:
        context["place_date"] = f"{where}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"
    elif spec.date_key and not spec.formal:
        context["place_date"] = f"{where}, ngày …… tháng …… năm …… (chưa có trong hồ sơ)"
    else:
        context["place_date"] = f"{where}, ngày …… tháng …… năm ……"
    context["form_date"] = lacking if day is None else _fmt(day) if spec.date_key else HAND
    context["form_code"] = spec.code
    context["form_title"] = spec.title
    return context


def build_dossier(candidacy: Candidacy, today: date | None = None) -> Dossier:
    """Every form of ``candidacy``'s dossier, filled from its record (see the module docstring)."""
    today = today or timezone.localdate()
    with translation.override("vi"):
        return _build(candidacy, today)


def _build(candidacy: Candidacy, today: date) -> Dossier:
    events = list(Event.objects.filter(candidacy=candidacy).select_related("cell").order_by("seq"))
    state = derive(event_facts(e) for e in events)
    by_id = {e.pk: e for e in events}
    effective = [by_id[f.id] for f in state.events]
    facts = build_facts(candidacy, state)
    papers = checklist(facts, today)

    common = _person_values(candidacy.person)
    common |= notice.context(candidacy.person)  # the data-protection notice and consent line
    common |= _event_values(effective, today)
    introducers, common["introducer_names"] = _introducers(effective)
    common |= _mentor_values(candidacy, common["ceremony_date"])

    cells: dict[int, _Orgs] = {}

    def orgs_of(event: Event | None) -> _Orgs:
        cell = event.cell if event is not None else candidacy.cell
        if cell.pk not in cells:
            cells[cell.pk] = _org_values(cell)
        return cells[cell.pk]

    phase_orgs = {
        ADMISSION: orgs_of(_latest(effective, Step.CELL_RESOLUTION, passed=True)),
        RECOGNITION: orgs_of(_latest(effective, Step.RECOGNITION_CELL_RESOLUTION, passed=True)),
    }
    reached_ceremony = common["ceremony_date"] is not None

    documents: list[Document] = []
    for spec in FORMS:
        orgs = phase_orgs[spec.phase]
        values = common | orgs.values
        reason = ""
        if spec.route == NEEDS_PARTIAL and not values["has_partial_committee"]:
            reason = NOT_APPLICABLE[NEEDS_PARTIAL]
        elif spec.route == NEEDS_GRASSROOTS and values["cell_is_grassroots"]:
            reason = NOT_APPLICABLE[NEEDS_GRASSROOTS]
        elif spec.phase == RECOGNITION and not reached_ceremony:
            reason = NOT_APPLICABLE[RECOGNITION]
        variants = list(introducers) if spec.per_introducer else [{}]
        if not variants:  # no introducer recorded yet: one blank letter
            variants = [dict.fromkeys(_INTRODUCER_KEYS)]
        fallback = "recognition_date" if spec.phase == RECOGNITION else "cell_resolution_date"
        for index, extra in enumerate(variants, start=1):
            doc_values = values | extra
            day = _date(doc_values.get(spec.date_key)) or _date(doc_values.get(fallback)) or today
            rs = rule_set_for(day)
            doc_values["rule_set_name"] = rs.name
            doc_values["rule_set_documents"] = ", ".join(
                d for d in rs.documents if not d.startswith("Điều lệ Đảng")
            )
            place = orgs.places.get(spec.issuer)
            doc_values["place"] = place
            missing = [
                k for k in spec.fields if _needed(k, doc_values) and _empty(doc_values.get(k))
            ]
            documents.append(
                Document(
                    spec=spec,
                    index=index,
                    context=_context(spec, doc_values, place),
                    missing=missing,
                    rule_set=rs,
                    applicable=not reason,
                    reason=reason,
                    papers=[i for i in papers.items if i.kind in spec.papers and not i.is_ok],
                )
            )
    number = 0
    for doc in documents:
        if doc.applicable:
            number += 1
            doc.number = number
    return Dossier(candidacy=candidacy, documents=documents, checklist=papers, today=today)
