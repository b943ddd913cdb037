"""Excel exports (.xlsx) written with openpyxl's write-only workbook.

Rows come from ``values_list(...).iterator()``: no model instances, no query per row, and the
write-only sheet keeps nothing in memory but the row being written (openpyxl spools the sheet to a
temporary file; the finished workbook is a temporary file the response streams). A whole province
(20,000 candidacies) takes a few seconds.

Layout of a sheet: a title row, information rows (organisation, date, filters), an empty row, the
header row (frozen with the first columns), then the data. Dates are real Excel dates shown
dd/mm/yyyy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ptdv.people.choices import ETHNICITIES, Sex
from ptdv.people.sensitive import Sensitive, may_see
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.stages import STAGE_LABELS

from .filters import due_state

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    #: "text", "date" (an Excel date shown dd/mm/yyyy) or "int".
    kind: str = "text"


def write_workbook(
    fileobj,
    *,
    sheet_title: str,
    title: str,
    info: Sequence[str],
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    frozen_columns: int = 0,
) -> int:
    """Write one sheet to ``fileobj`` (a binary file); return the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    header_row = 1 + len(info) + 2  # title, info lines, an empty row
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{header_row + 1}"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=as_text(value))
        for key, setting in style.items():
            setattr(cell, key, setting)
        return cell

    sheet.append([styled(str(title), font=Font(bold=True, size=14))])
    for line in info:
        sheet.append([styled(str(line))])
    sheet.append([])
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="center")
    sheet.append(
        [styled(str(c.header), font=header_font, fill=header_fill, alignment=wrap) for c in columns]
    )
    dates = [i for i, c in enumerate(columns) if c.kind == "date"]
    count = 0
    for row in rows:
        values = [styled(v) if isinstance(v, str) else v for v in row]
        for i in dates:
            if values[i] is not None:
                values[i] = styled(values[i], number_format=DATE_FORMAT)
        sheet.append(values)
        count += 1
    workbook.save(fileobj)
    return count


#: A text starting with one of these is a formula to Excel (and to openpyxl, for "=").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """Text stays text: a name like "=HYPERLINK(…)" is written with a leading apostrophe (shown
    as typed, never run), so a cell of the export can never be a formula (CSV/formula
    injection). Control characters, which a workbook cannot hold, are dropped. Numbers and
    dates are left as they are."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: not storable in XML
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def xlsx_response(filename: str, **sheet) -> FileResponse:
    """An attachment response streaming the workbook written by :func:`write_workbook`."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    write_workbook(spool, **sheet)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME)


# --- the candidacy list --------------------------------------------------------------------------

CANDIDACY_COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("STT"), 6, "int"),
    Column(gettext_lazy("Họ và tên"), 28),
    Column(gettext_lazy("Ngày sinh"), 12, "date"),
    Column(gettext_lazy("Giới tính"), 9),
    Column(gettext_lazy("Dân tộc"), 12),
    Column(gettext_lazy("Đoàn viên TNCS Hồ Chí Minh"), 12),
    Column(gettext_lazy("Đoàn viên công đoàn"), 12),
    Column(gettext_lazy("Người tại chỗ"), 10),
    Column(gettext_lazy("Chi bộ"), 30),
    Column(gettext_lazy("Giai đoạn"), 30),
    Column(gettext_lazy("Vào giai đoạn từ ngày"), 12, "date"),
    Column(gettext_lazy("Số ngày ở giai đoạn"), 10, "int"),
    Column(gettext_lazy("Việc đến hạn"), 40),
    Column(gettext_lazy("Hạn gần nhất"), 12, "date"),
    Column(gettext_lazy("Tình trạng hạn"), 14),
)
#: Name and the row number stay in view when scrolling sideways.
CANDIDACY_FROZEN_COLUMNS = 2
#: The columns of a sensitive item (``people.sensitive``): written only for the roles that may
#: see it.
CANDIDACY_SENSITIVE_COLUMNS = {4: Sensitive.ETHNICITY}


def _hidden_columns(user) -> frozenset[int]:
    return frozenset(
        i for i, item in CANDIDACY_SENSITIVE_COLUMNS.items() if not may_see(user, item)
    )


def candidacy_columns(user) -> tuple[Column, ...]:
    """The list export's columns for ``user`` (without those of items the role may not see)."""
    hidden = _hidden_columns(user)
    return tuple(c for i, c in enumerate(CANDIDACY_COLUMNS) if i not in hidden)


_CANDIDACY_FIELDS = (
    "person__full_name",
    "person__birth_date",
    "person__sex",
    "person__ethnicity",
    "person__youth_union_member",
    "person__trade_union_member",
    "person__local_resident",
    "cell__name",
    "stage",
    "stage_since",
    "next_due_code",
    "next_due",
    "closed_on",
)


def candidacy_rows(queryset, today: date, *, user) -> Iterator[list]:
    """One list per candidacy of ``queryset`` (already filtered, scoped and ordered), with the
    columns of :func:`candidacy_columns` for ``user``."""
    hidden = _hidden_columns(user)
    for row in _candidacy_rows(queryset, today):
        yield [value for i, value in enumerate(row) if i not in hidden] if hidden else row


def _candidacy_rows(queryset, today: date) -> Iterator[list]:
    sexes = {value: str(label) for value, label in Sex.choices}
    ethnicities = {value: str(label) for value, label in ETHNICITIES}
    # The rules' labels are msgids (gettext_noop): translated once here, not per row.
    stages = {stage.value: _(label) for stage, label in STAGE_LABELS.items()}
    deadlines = {code: _(label) for code, label in DEADLINE_LABELS.items()}
    yes, no = str(_("Có")), str(_("Không"))
    states = {"overdue": str(_("Quá hạn")), "soon": str(_("Sắp đến hạn")), "": ""}
    values = queryset.values_list(*_CANDIDACY_FIELDS).iterator(chunk_size=2000)
    for number, (
        name,
        birth,
        sex,
        ethnicity,
        youth,
        trade,
        local,
        cell,
        stage,
        since,
        due_code,
        due,
        closed_on,
    ) in enumerate(values, 1):
        yield [
            number,
            name,
            birth,
            sexes.get(sex, sex),
            ethnicities.get(ethnicity, ethnicity),
            yes if youth else no,
            yes if trade else no,
            yes if local else no,
            cell,
            stages.get(stage, stage),
            since,
            (today - since).days if closed_on is None else None,
            deadlines.get(due_code, ""),
            due,
            states[due_state(due, today)] if closed_on is None else "",
        ]
