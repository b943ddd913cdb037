"""The columns of the import files: headers, accepted variations and how each cell is read.

Every parser takes the raw cell (``str``, ``int``, ``float``, ``datetime`` or ``None``, as
openpyxl or the CSV reader gives it) and returns the value to store, or raises
:class:`CellError` with a Vietnamese message. An empty cell is ``None`` before any parser runs:
parsers never see it.

Headers are matched after folding (no diacritics, lower case, punctuation and the required
marker ``*`` dropped), against the template's header and a few common variants, so "Họ và tên",
"HỌ TÊN" and "ho ten" all name the same column; their order does not matter and columns the
import does not know are ignored (and listed in the preview).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError

from ptdv.people.choices import (
    ETHNICITIES,
    GeneralEducation,
    ProfessionalLevel,
    Religion,
    Sector,
    Sex,
    TheoryLevel,
)
from ptdv.people.models import LegalBasis
from ptdv.people.text import fold
from ptdv.people.validators import (
    clean_full_name,
    normalise_personal_history_number,
    validate_cccd,
    validate_personal_history_number,
)
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Step


class CellError(ValueError):
    """A cell that cannot be read; the message is Vietnamese, ready to show."""


def fold_header(value: Any) -> str:
    """A header as compared: "Số CCCD (*)" → "so cccd"."""
    text = fold(str(value or ""))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --- parsers -------------------------------------------------------------------------------

#: Excel's day zero (the 1900 date system; serial 60 is the 29/02/1900 that never was).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def parse_date(value: Any) -> date:
    """An Excel date, an Excel serial number, or text dd/mm/yyyy (also with - or .) or ISO."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != int(value) or not 1 <= value <= 2958465:
            raise CellError(f"“{value}” không phải là ngày (ghi dạng dd/mm/yyyy).")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value).strip()
    if text.isdigit() and len(text) <= 5:
        return parse_date(int(text))
    match = _DATE_TEXT.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise CellError(f"“{text}” không phải là ngày (ghi dạng dd/mm/yyyy).")
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"Ngày “{text}” không có thật.") from None


def parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if isinstance(value, datetime | date):
            value = value.strftime("%d/%m/%Y")
        elif isinstance(value, float) and value == int(value):
            value = int(value)
        text = unicodedata.normalize("NFC", " ".join(str(value).split()))
        if len(text) > max_length:
            raise CellError(f"Dài quá {max_length} ký tự ({len(text)} ký tự).")
        return text

    return parse


def parse_name(value: Any) -> str:
    """A person's name in NFC ("Nguyê\u0303n" becomes "Nguyễn"), each word capitalised: the
    same rule as the forms' (``people.validators.clean_full_name``)."""
    try:
        return clean_full_name(str(value))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def parse_cccd(value: Any) -> str:
    """12 digits; a number Excel stored without its leading zeros gets them back."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if len(text) < 12:
            text = text.zfill(12)
    else:
        text = re.sub(r"[\s.\-]", "", str(value)).lstrip("'")
    try:
        validate_cccd(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages) + f" (“{value}”)") from None
    return text


#: The longest cell read as a personal-history number (spaces included): a longer one is refused
#: before it is echoed in a message.
_HISTORY_NUMBER_CELL = 20


def parse_personal_history_number(value: Any) -> str:
    """Số lý lịch đảng viên: 6 digits then 1 to 3 letters, spaces removed and letters in
    capitals ("123 456 hn" → "123456HN"); the rule of the person page
    (``people.validators.validate_personal_history_number``)."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip().lstrip("'")
    if len(text) > _HISTORY_NUMBER_CELL:
        raise CellError(f"Dài quá {_HISTORY_NUMBER_CELL} ký tự ({len(text)} ký tự).")
    number = normalise_personal_history_number(text)
    try:
        validate_personal_history_number(number)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
    return number


def parse_int(minimum: int = 0, maximum: int = 100_000) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise CellError(f"“{value}” không phải là số.") from None
        if number != int(number) or not minimum <= number <= maximum:
            raise CellError(f"“{value}” phải là số nguyên từ {minimum} đến {maximum}.")
        return int(number)

    return parse


_YES = {"co", "x", "1", "true", "dung", "yes", "phai"}
_NO = {"khong", "0", "false", "sai", "no", "chua"}


def parse_bool(value: Any) -> bool:
    key = fold(str(value)).strip()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"“{value}”: ghi “Có” hoặc “Không”.")


def _choice_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(value))


@dataclass(frozen=True, eq=False)
class Choices:
    """A coded column: labels (and codes, and synonyms) → the stored code."""

    pairs: tuple[tuple[str, str], ...]
    synonyms: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.pairs]

    @cached_property
    def _table(self) -> dict[str, str]:
        """Folded code, label or synonym → code (built once: parsing runs per cell)."""
        table = {_choice_key(code): code for code, _ in self.pairs}
        table |= {_choice_key(label): code for code, label in self.pairs}
        table |= {_choice_key(k): code for k, code in self.synonyms.items()}
        return table

    def parse(self, value: Any) -> str:
        if isinstance(value, float) and value == int(value):
            value = int(value)
        try:
            return self._table[_choice_key(str(value))]
        except KeyError:
            shown = ", ".join(self.labels[:12]) + (", …" if len(self.pairs) > 12 else "")
            raise CellError(f"“{value}” không phải giá trị được chấp nhận ({shown}).") from None


def _pairs(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in choices)


SEX = Choices(_pairs(Sex.choices), {"male": "M", "female": "F", "nu gioi": "F", "nam gioi": "M"})
ETHNICITY = Choices(
    tuple(ETHNICITIES),
    {str(int(code)): code for code, _ in ETHNICITIES} | {"Mông": "08", "Hmông": "08"},
)
RELIGION = Choices(_pairs(Religion.choices), {"không có": "none", "phật": "buddhism"})
THEORY = Choices(_pairs(TheoryLevel.choices), {"cao cấp": "advanced", "cử nhân": "advanced"})
PROFESSIONAL = Choices(
    _pairs(ProfessionalLevel.choices),
    {
        "không": "none",
        "thạc sỹ": "master",
        "tiến sỹ": "doctor",
        "CNKT": "technical_worker",
        # The label before it took the seeds' name ("công nhân kỹ thuật, nhân viên nghiệp vụ").
        "công nhân kỹ thuật": "technical_worker",
        "nhân viên nghiệp vụ": "technical_worker",
    },
)
SECTOR = Choices(_pairs(Sector.choices))
#: The legal basis of the processing (``people.models.LegalBasis``; empty: not recorded).
LEGAL_BASIS = Choices(
    _pairs((code, label) for code, label in LegalBasis.choices if code),
    {
        "quy định của đảng": "party_rules",
        "điều lệ đảng": "party_rules",
        "đồng ý": "consent",
        "sự đồng ý": "consent",
    },
)
_EDUCATION = Choices(
    _pairs(GeneralEducation.choices),
    {"THPT": "upper_secondary", "THCS": "lower_secondary", "cấp 3": "upper_secondary",
     "cấp 2": "lower_secondary", "cấp 1": "primary"},
)  # fmt: skip
_GRADE = re.compile(r"^(\d{1,2})\s*/\s*(10|12)$")


def parse_education(value: Any) -> str:
    """A label, or the grade as officers write it: "12/12", "9/12", "10/10" (old system)."""
    match = _GRADE.match(str(value).strip())
    if not match:
        return _EDUCATION.parse(value)
    grade, system = int(match.group(1)), int(match.group(2))
    if grade > system:
        raise CellError(f"“{value}”: lớp lớn hơn hệ {system} năm.")
    if system == 10:  # the 10-year system: 4 + 3 + 3
        grade = {10: 12, 9: 11, 8: 10, 7: 9, 6: 8, 5: 7}.get(grade, grade)
    if grade >= 12:
        return GeneralEducation.UPPER_SECONDARY
    if grade >= 9:
        return GeneralEducation.LOWER_SECONDARY
    if grade >= 5:
        return GeneralEducation.PRIMARY
    return GeneralEducation.NONE


MEMBER_STATUS = Choices(
    (("probationary", "Dự bị"), ("official", "Chính thức")),
    {"đảng viên dự bị": "probationary", "đảng viên chính thức": "official"},
)


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: Any = ""
    #: The format, shown in the template's guide.
    help: str = ""
    choices: Choices | None = None

    @property
    def folded(self) -> set[str]:
        return {fold_header(h) for h in (self.header, *self.aliases)}

    @property
    def allowed(self) -> list[str]:
        return self.choices.labels if self.choices else []


_DATE_HELP = "Ngày dạng dd/mm/yyyy (hoặc ô kiểu ngày của Excel)."
_BOOL_HELP = "Có / Không (để trống: Không)."


def _choice_column(key, header, choices: Choices, **kw) -> Column:
    return Column(key, header, choices.parse, choices=choices, **kw)


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("full_name", "Họ và tên", parse_name, True, ("Họ tên", "Tên", "Họ và tên khai sinh"),
           "Nguyễn Thị Lan", "Họ, chữ đệm và tên."),
    Column("birth_date", "Ngày sinh", parse_date, True, ("Ngày tháng năm sinh", "Sinh ngày"),
           date(2000, 5, 14), _DATE_HELP),
    _choice_column("sex", "Giới tính", SEX, required=True, aliases=("Nam/Nữ", "Phái"),
                   example="Nữ"),
    Column("cccd", "Số CCCD", parse_cccd, False,
           ("CCCD", "Số căn cước", "Số căn cước công dân", "Số định danh", "Số định danh cá nhân",
            "CMND/CCCD"),
           "001300012345",
           "12 chữ số. Để ô kiểu văn bản để giữ số 0 đầu (nếu Excel đã bỏ, ptdv thêm lại)."),
    _choice_column("ethnicity", "Dân tộc", ETHNICITY, example="Kinh"),
    _choice_column("religion", "Tôn giáo", RELIGION, example="Không"),
    Column("general_education", "Giáo dục phổ thông", parse_education, True,
           ("Trình độ học vấn", "Học vấn", "Trình độ văn hóa", "Văn hóa"), "12/12",
           "Tên bậc học, hoặc lớp/hệ như 12/12, 9/12, 10/10.", _EDUCATION),
    _choice_column("professional_level", "Chuyên môn, nghiệp vụ", PROFESSIONAL,
                   aliases=("Trình độ chuyên môn", "Chuyên môn"), example="Đại học"),
    _choice_column("theory_level", "Lý luận chính trị", THEORY,
                   aliases=("Trình độ lý luận chính trị", "LLCT"), example="Chưa có"),
    Column("occupation", "Nghề nghiệp, chức vụ", parse_text(255), False,
           ("Nghề nghiệp", "Chức vụ", "Công việc"), "Giáo viên Trường THCS Hòa Bình"),
    _choice_column("sector", "Khu vực", SECTOR, required=True, aliases=("Khu vực công tác",),
                   example=Sector.PUBLIC_SERVICE.label),
    Column("youth_union_member", "Đoàn viên TNCS Hồ Chí Minh", parse_bool, False,
           ("Đoàn viên", "Đoàn viên thanh niên", "ĐVTN"), "Có", _BOOL_HELP),
    Column("trade_union_member", "Đoàn viên công đoàn", parse_bool, False, ("Công đoàn",),
           "Không", _BOOL_HELP),
    Column("local_resident", "Người tại chỗ", parse_bool, False, (), "Có", _BOOL_HELP),
    Column("residence", "Thôn, tổ dân phố", parse_text(255), False,
           ("Nơi cư trú", "Thôn", "Thôn, bản, tổ dân phố", "Tổ dân phố"), "Thôn Đông",
           "Tên thôn, bản, tổ dân phố như trong danh mục địa bàn của ptdv."),
    Column("address", "Địa chỉ", parse_text(255), False, ("Nơi ở hiện nay", "Chỗ ở"),
           "Số 12, thôn Đông"),
    Column("cell", "Chi bộ", parse_text(255), True, ("Chi bộ sinh hoạt", "Tên chi bộ", "Mã chi bộ"),
           "", "Mã hoặc tên chi bộ trong đơn vị đã chọn khi nhập."),
    # The legal basis of the processing and the sensitive-data notice (Luật 91/2025/QH15 Điều 9):
    # checked together as on the person page (Person.legal_basis_problems).
    _choice_column("legal_basis", "Cơ sở pháp lý xử lý dữ liệu", LEGAL_BASIS,
                   aliases=("Cơ sở pháp lý",), example=str(LegalBasis.CONSENT.label),
                   help="Sự đồng ý của người có dữ liệu (nguồn, quần chúng) hoặc Quy định của "
                        "Đảng; để trống: chưa ghi."),
    Column("consent_on", "Ngày đồng ý xử lý dữ liệu", parse_date, False, ("Ngày đồng ý",),
           date(2025, 3, 3), "Bắt buộc khi cơ sở pháp lý là sự đồng ý. " + _DATE_HELP),
    Column("consent_scope", "Phạm vi đồng ý", parse_text(500), False, (),
           "Hồ sơ phát triển đảng viên", "Dữ liệu nào, cho mục đích gì, như người đó đã ký."),
    Column("sensitive_notice_on", "Ngày thông báo dữ liệu nhạy cảm", parse_date, False,
           ("Ngày thông báo",), date(2025, 3, 3),
           "Ngày người đó ký thông báo (TB-DLCN); không sau ngày đồng ý. " + _DATE_HELP),
)  # fmt: skip

# --- the members' lifecycle columns -------------------------------------------------------
# A member who came from outside the installation, and one who left (transferred out, left the
# Party, was struck off or expelled, died): checked and written by ``ptdv.members.imports``.

#: "Hình thức": the labels and the words officers write → the kind of the ending event.
LEAVING_FORMS: tuple[tuple[str, str], ...] = (
    (MemberEventKind.TRANSFER_OUT.value, "Chuyển đi"),
    (MemberEventKind.RESIGNED.value, "Xin ra"),
    (MemberEventKind.STRUCK_OFF.value, "Xóa tên"),
    (MemberEventKind.EXPELLED.value, "Khai trừ"),
    (MemberEventKind.DECEASED.value, "Từ trần"),
)
LEAVING_FORM_SYNONYMS: dict[str, str] = {
    "chuyển sinh hoạt đi": MemberEventKind.TRANSFER_OUT.value,
    "chuyển sinh hoạt đảng đi": MemberEventKind.TRANSFER_OUT.value,
    "chuyển sinh hoạt": MemberEventKind.TRANSFER_OUT.value,
    "xin ra khỏi Đảng": MemberEventKind.RESIGNED.value,
    "ra khỏi Đảng": MemberEventKind.RESIGNED.value,
    "xóa tên trong danh sách đảng viên": MemberEventKind.STRUCK_OFF.value,
    "xoá tên": MemberEventKind.STRUCK_OFF.value,
    "khai trừ ra khỏi Đảng": MemberEventKind.EXPELLED.value,
    "khai trừ khỏi Đảng": MemberEventKind.EXPELLED.value,
    "chết": MemberEventKind.DECEASED.value,
    "mất": MemberEventKind.DECEASED.value,
    "qua đời": MemberEventKind.DECEASED.value,
}


def member_lifecycle_columns() -> tuple[Column, ...]:
    """The lifecycle columns of the members template, in the order of
    :data:`ptdv.members.imports.KEYS` (read by :func:`ptdv.members.imports.check_lifecycle`)."""
    forms = Choices(LEAVING_FORMS, LEAVING_FORM_SYNONYMS)
    return (
        Column("arrived_on", "Ngày chuyển đến", parse_date, False,
               ("Ngày chuyển sinh hoạt đến", "Chuyển đến ngày"), "",
               "Đảng viên chuyển sinh hoạt đảng từ tổ chức đảng ngoài hệ thống: được tính từ "
               "ngày này. " + _DATE_HELP),
        Column("arrived_from", "Chuyển đến từ", parse_text(255), False,
               ("Nơi chuyển đến từ", "Nơi sinh hoạt trước"), "",
               "Tổ chức đảng nơi đảng viên sinh hoạt trước khi chuyển đến."),
        Column("arrived_number", "Số giấy giới thiệu chuyển đến", parse_text(64), False,
               ("Số giấy giới thiệu sinh hoạt đảng",), ""),
        Column("left_on", "Ngày ra khỏi Đảng", parse_date, False,
               ("Ngày chuyển đi", "Ngày từ trần", "Ngày xóa tên", "Ngày khai trừ",
                "Ngày thôi sinh hoạt"), "",
               "Ngày của quyết định (xin ra, xóa tên, khai trừ), ngày chuyển sinh hoạt đi hoặc "
               "ngày từ trần: đảng viên được tính đến hết ngày hôm trước. " + _DATE_HELP),
        Column("left_how", "Hình thức", forms.parse, False,
               ("Hình thức ra khỏi Đảng", "Biến động", "Lý do thôi sinh hoạt"), "",
               "Chuyển đi, xin ra, xóa tên, khai trừ hoặc từ trần.", forms),
        Column("left_number", "Số quyết định", parse_text(64), False,
               ("Số QĐ", "Số quyết định ra khỏi Đảng", "Số giấy giới thiệu chuyển đi"), "",
               "Số quyết định (xin ra, xóa tên, khai trừ) hoặc số giấy giới thiệu sinh hoạt "
               "đảng (chuyển đi)."),
        Column("left_issued_by", "Cơ quan ban hành", parse_text(255), False,
               ("Cấp ra quyết định",), ""),
        Column("left_reason", "Lý do", parse_text(2000), False, ("Lý do ra khỏi Đảng",), "",
               "Bắt buộc với xin ra, xóa tên, khai trừ."),
        Column("left_to", "Nơi chuyển đến", parse_text(255), False,
               ("Chuyển đến", "Chuyển sinh hoạt đến"), "",
               "Với chuyển đi: tổ chức đảng nơi đảng viên chuyển đến."),
    )  # fmt: skip


MEMBER_COLUMNS: tuple[Column, ...] = (
    *PERSON_COLUMNS,
    _choice_column("member_status", "Tình trạng đảng viên", MEMBER_STATUS, required=True,
                   aliases=("Đảng viên", "Loại đảng viên", "Dự bị/Chính thức"),
                   example="Chính thức"),
    Column("party_admitted_on", "Ngày vào Đảng", parse_date, True,
           ("Ngày kết nạp", "Ngày vào Đảng (lễ kết nạp)"), date(2019, 3, 26), _DATE_HELP),
    Column("party_official_on", "Ngày chính thức", parse_date, False,
           ("Ngày công nhận chính thức", "Ngày được công nhận chính thức"), date(2020, 3, 26),
           "Bắt buộc với đảng viên chính thức. " + _DATE_HELP),
    Column("party_card_number", "Số thẻ đảng viên", parse_text(20), False, ("Số thẻ",),
           "01.012345"),
    Column("personal_history_number", "Số lý lịch đảng viên", parse_personal_history_number,
           False, ("Số lý lịch", "Số LLĐV", "Số hiệu lý lịch", "Số lý lịch của đảng viên"),
           "123456HN",
           "6 chữ số rồi 1 đến 3 chữ cái, như ở đầu phiếu đảng viên (ví dụ 123456HN); mỗi số chỉ "
           "của một người. Để trống: giữ số đã có trong ptdv."),
    # A member who came from outside the installation, and one who left.
    *member_lifecycle_columns(),
)  # fmt: skip


@dataclass(frozen=True)
class StepColumns:
    """A step of the pipeline as the candidacies' import reads it: its date and extras."""

    step: Step
    date: Column
    number: Column | None = None


def _step(step, key, header, aliases=(), example=None, number=None, required=False):
    return StepColumns(
        step,
        Column(key, header, parse_date, required, aliases, example or "", _DATE_HELP),
        number,
    )


def _number(key, header, aliases=(), example=""):
    return Column(key, header, parse_text(64), False, aliases, example)


STEP_COLUMNS: tuple[StepColumns, ...] = (
    _step(Step.SOURCE, "source_on", "Ngày xác định nguồn", ("Ngày vào nguồn", "Ngày đưa vào nguồn"),
          date(2025, 1, 10), required=True),
    _step(Step.SYMPATHISER, "sympathiser_on", "Ngày vào danh sách cảm tình Đảng",
          ("Ngày cảm tình Đảng", "Ngày quần chúng ưu tú"), date(2025, 3, 5)),
    _step(Step.AWARENESS_CLASS, "awareness_class_on", "Ngày học lớp nhận thức về Đảng",
          ("Ngày cấp giấy chứng nhận nhận thức về Đảng", "Lớp nhận thức về Đảng"), date(2025, 5, 20),
          _number("awareness_certificate", "Số giấy chứng nhận nhận thức về Đảng",
                  ("Số giấy chứng nhận",), "123/GCN")),
    _step(Step.DOSSIER_PAPER, "application_on", "Ngày nộp đơn xin vào Đảng",
          ("Ngày làm đơn xin vào Đảng", "Ngày viết đơn"), date(2025, 8, 1)),
    _step(Step.CELL_RESOLUTION, "cell_resolution_on", "Ngày chi bộ đề nghị kết nạp",
          ("Ngày nghị quyết chi bộ", "Ngày chi bộ xét kết nạp"), date(2025, 9, 12),
          _number("cell_resolution_number", "Số nghị quyết chi bộ", (), "05-NQ/CB")),
    _step(Step.PARTIAL_APPRAISAL, "partial_appraisal_on", "Ngày đảng ủy bộ phận thẩm định",
          ("Ngày thẩm định của đảng ủy bộ phận",)),
    _step(Step.GRASSROOTS_RESOLUTION, "grassroots_resolution_on",
          "Ngày đảng ủy cơ sở đề nghị kết nạp", ("Ngày nghị quyết đảng ủy cơ sở",),
          date(2025, 9, 26),
          _number("grassroots_resolution_number", "Số nghị quyết đảng ủy cơ sở", (), "112-NQ/ĐU")),
    _step(Step.ADMISSION_DECISION, "admission_decision_on", "Ngày quyết định kết nạp",
          ("Ngày ra quyết định kết nạp",), date(2025, 10, 20),
          _number("admission_decision_number", "Số quyết định kết nạp", (), "1520-QĐ/HU")),
    _step(Step.CEREMONY, "ceremony_on", "Ngày lễ kết nạp", ("Ngày kết nạp vào Đảng",),
          date(2025, 11, 3)),
    _step(Step.NEW_MEMBER_CLASS, "new_member_class_on", "Ngày học lớp đảng viên mới",
          ("Lớp bồi dưỡng đảng viên mới",)),
    _step(Step.RECOGNITION_CELL_RESOLUTION, "recognition_cell_on",
          "Ngày chi bộ đề nghị công nhận chính thức", ("Ngày chi bộ xét chính thức",)),
    _step(Step.RECOGNITION_DECISION, "recognition_decision_on",
          "Ngày quyết định công nhận chính thức", ("Ngày quyết định chính thức",), None,
          _number("recognition_decision_number", "Số quyết định công nhận chính thức")),
    _step(Step.PARTY_CARD, "party_card_on", "Ngày phát thẻ đảng viên", ("Ngày nhận thẻ",), None,
          _number("card_number", "Số thẻ đảng viên", ("Số thẻ",))),
)  # fmt: skip

VOTE_COLUMNS: tuple[Column, ...] = (
    Column("vote_official", "Số đảng viên chính thức của chi bộ", parse_int(1, 5000), False,
           ("Số đảng viên chính thức",), 12, "Khi chi bộ xét đề nghị kết nạp (để trống nếu không có)."),
    Column("vote_present", "Số có mặt", parse_int(0, 5000), False, ("Số đảng viên có mặt",), 11),
    Column("vote_in_favour", "Số tán thành", parse_int(0, 5000), False, ("Số phiếu tán thành",), 11),
    Column("vote_against", "Số không tán thành", parse_int(0, 5000), False,
           ("Số phiếu không tán thành",), 0),
)  # fmt: skip


def _step_columns() -> Iterable[Column]:
    for spec in STEP_COLUMNS:
        yield spec.date
        if spec.number is not None:
            yield spec.number
        if spec.step is Step.CELL_RESOLUTION:
            yield from VOTE_COLUMNS


CANDIDACY_COLUMNS: tuple[Column, ...] = (*PERSON_COLUMNS, *_step_columns())
