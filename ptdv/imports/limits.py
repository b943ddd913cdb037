"""The caps of an import: what one file may hold and how long one run may take.

Each cap is a setting (``PTDV_IMPORT_…`` in ``settings.py``, read here with its default, so an
installation may raise or lower it) and has the Vietnamese message that names it and its value.
They are checked as early as they can be (docs/imports.md, "Limits"):

- at upload, by the form (the size, the .xlsx's zip directory and the counts the workbook
  declares, a .csv's rows, columns and cells), so the user learns at once;
- again by the worker before anything is planned (:func:`ptdv.imports.reading.inspect`, which
  also counts the shared strings and the sheet's rows by streaming the zip, before openpyxl opens
  the workbook);
- and while the rows are read and planned (rows, columns, cell lengths, problems, time), so a file
  that gets past the first checks still stops at the cap.

A run past a cap stops as a whole ("không nhập được") with the cap's message; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MIB = 1024 * 1024

#: Each setting and its default (docs/imports.md lists what each caps).
DEFAULTS: dict[str, int] = {
    "PTDV_IMPORT_MAX_UPLOAD_BYTES": 50 * MIB,
    "PTDV_IMPORT_MAX_ROWS": 100_000,
    "PTDV_IMPORT_MAX_PROBLEMS": 20_000,
    "PTDV_IMPORT_MAX_COLUMNS": 200,
    "PTDV_IMPORT_MAX_CELL_CHARS": 2_000,
    "PTDV_IMPORT_MAX_XLSX_PARTS": 1_000,
    "PTDV_IMPORT_MAX_XLSX_PART_BYTES": 8 * MIB,
    "PTDV_IMPORT_MAX_XLSX_STRINGS_BYTES": 32 * MIB,
    "PTDV_IMPORT_MAX_XLSX_BYTES": 512 * MIB,
    "PTDV_IMPORT_MAX_SHARED_STRINGS": 500_000,
    "PTDV_IMPORT_MAX_SECONDS": 3_600,
    "PTDV_IMPORT_HEARTBEAT_SECONDS": 10,
    "PTDV_IMPORT_STALE_SECONDS": 120,
}


@dataclass(frozen=True)
class Limits:
    #: The uploaded file's size in bytes.
    upload_bytes: int
    #: Data rows (after the header) of one file.
    rows: int
    #: Problems listed for one file: the preview stops planning when it has found this many.
    problems: int
    #: Columns of the sheet (the widest row).
    columns: int
    #: Characters of one cell.
    cell_chars: int
    #: Entries of the .xlsx's zip directory.
    xlsx_parts: int
    #: Uncompressed size of any part of the .xlsx that openpyxl parses whole into objects (the
    #: styles, the workbook, the relationships…: every XML part but the worksheets, which
    #: stream, and the shared strings).
    xlsx_part_bytes: int
    #: Uncompressed size of the shared strings table (read whole into a list by openpyxl).
    xlsx_strings_bytes: int
    #: Uncompressed size of all the parts together (the worksheets included).
    xlsx_bytes: int
    #: Shared strings of the .xlsx (openpyxl holds the whole table in memory).
    shared_strings: int
    #: Seconds one preview or one commit may run.
    seconds: int
    #: Seconds between two heartbeats of the worker on a run.
    heartbeat_seconds: int
    #: Seconds without a heartbeat after which a run's worker is taken for dead.
    stale_seconds: int


def current() -> Limits:
    """The caps in force (read at each call: tests and installations override the settings)."""

    def get(name: str) -> int:
        return int(getattr(settings, name, DEFAULTS[name]))

    return Limits(
        upload_bytes=get("PTDV_IMPORT_MAX_UPLOAD_BYTES"),
        rows=get("PTDV_IMPORT_MAX_ROWS"),
        problems=get("PTDV_IMPORT_MAX_PROBLEMS"),
        columns=get("PTDV_IMPORT_MAX_COLUMNS"),
        cell_chars=get("PTDV_IMPORT_MAX_CELL_CHARS"),
        xlsx_parts=get("PTDV_IMPORT_MAX_XLSX_PARTS"),
        xlsx_part_bytes=get("PTDV_IMPORT_MAX_XLSX_PART_BYTES"),
        xlsx_strings_bytes=get("PTDV_IMPORT_MAX_XLSX_STRINGS_BYTES"),
        xlsx_bytes=get("PTDV_IMPORT_MAX_XLSX_BYTES"),
        shared_strings=get("PTDV_IMPORT_MAX_SHARED_STRINGS"),
        seconds=get("PTDV_IMPORT_MAX_SECONDS"),
        heartbeat_seconds=get("PTDV_IMPORT_HEARTBEAT_SECONDS"),
        stale_seconds=get("PTDV_IMPORT_STALE_SECONDS"),
    )


def n(value: int) -> str:
    """A count as Vietnamese writes it (100.000)."""
    return number_format(value, force_grouping=True, use_l10n=True)


def mib(size: int) -> str:
    return n(max(1, round(size / MIB)))


# --- the messages ---------------------------------------------------------------------------
# Each names the cap and its value; they are stored with the run (in the worker's language) or
# shown by the upload form (in the user's).


def too_large_upload(limit: int) -> str:
    return _("Tệp lớn quá %(limit)s MB: hãy chia thành nhiều tệp.") % {"limit": mib(limit)}


def too_many_rows(limit: int) -> str:
    return _(
        "Tệp có quá %(limit)s dòng dữ liệu (giới hạn %(limit)s dòng mỗi tệp): hãy chia thành "
        "nhiều tệp."
    ) % {"limit": n(limit)}


def declared_rows(declared: int, limit: int) -> str:
    return _(
        "Trang tính khai báo %(declared)s dòng, quá giới hạn %(limit)s dòng dữ liệu mỗi tệp: hãy "
        "xóa các dòng trống thừa ở cuối trang tính hoặc chia thành nhiều tệp."
    ) % {"declared": n(declared), "limit": n(limit)}


def too_many_columns(found: int, limit: int, row: int | None = None) -> str:
    if row is None:
        return _(
            "Trang tính có %(found)s cột, quá giới hạn %(limit)s cột: hãy xóa các cột thừa."
        ) % {"found": n(found), "limit": n(limit)}
    return _("Dòng %(row)s có %(found)s cột, quá giới hạn %(limit)s cột: hãy xóa các cột thừa.") % {
        "row": row,
        "found": n(found),
        "limit": n(limit),
    }


def cell_too_long(row: int, column: str, limit: int) -> str:
    return _(
        "Ô ở dòng %(row)s, cột %(column)s dài quá %(limit)s ký tự (giới hạn mỗi ô): hãy rút gọn."
    ) % {"row": row, "column": column, "limit": n(limit)}


def too_many_problems(limit: int, row: int) -> str:
    return _(
        "Tệp có quá %(limit)s lỗi (giới hạn %(limit)s lỗi mỗi tệp): việc kiểm tra dừng ở dòng "
        "%(row)s. Hãy sửa các lỗi đã liệt kê dưới đây rồi tải tệp lên lại."
    ) % {"limit": n(limit), "row": row}


def too_many_parts(found: int, limit: int) -> str:
    return _(
        "Tệp Excel gồm %(found)s phần, quá giới hạn %(limit)s phần: đây không phải một danh sách "
        "thông thường. Hãy sao chép dữ liệu sang một tệp mới (hoặc lưu dạng CSV)."
    ) % {"found": n(found), "limit": n(limit)}


def part_too_large(part: str, limit: int) -> str:
    return _(
        "Tệp Excel có phần “%(part)s” khi giải nén lớn quá %(limit)s MB (giới hạn mỗi phần): hãy "
        "sao chép dữ liệu sang một tệp mới (hoặc lưu dạng CSV)."
    ) % {"part": part, "limit": mib(limit)}


def inflated_too_large(limit: int) -> str:
    return _(
        "Tệp Excel khi giải nén lớn quá %(limit)s MB (giới hạn mỗi tệp): hãy chia thành nhiều tệp."
    ) % {"limit": mib(limit)}


def too_many_shared_strings(limit: int, declared: int | None = None) -> str:
    if declared is not None:
        return _(
            "Tệp Excel khai báo %(declared)s chuỗi văn bản dùng chung, quá giới hạn %(limit)s: hãy "
            "chia thành nhiều tệp (hoặc lưu dạng CSV)."
        ) % {"declared": n(declared), "limit": n(limit)}
    return _(
        "Tệp Excel có quá %(limit)s chuỗi văn bản dùng chung (giới hạn mỗi tệp): hãy chia thành "
        "nhiều tệp (hoặc lưu dạng CSV)."
    ) % {"limit": n(limit)}


def row_too_long(row: int, limit: int) -> str:
    return _(
        "Dòng %(row)s quá dài (quá %(limit)s ký tự mỗi ô hoặc quá nhiều cột): tệp có thể bị hỏng."
    ) % {"row": row, "limit": n(limit)}


def too_slow(limit: int, row: int) -> str:
    return _(
        "Việc xử lý tệp vượt quá %(minutes)s phút (giới hạn mỗi lần kiểm tra hoặc ghi), dừng ở "
        "dòng %(row)s: không có gì được ghi. Hãy chia thành nhiều tệp nhỏ hơn."
    ) % {"minutes": n(max(1, limit // 60)), "row": row}


def worker_lost(committing: bool) -> str:
    if committing:
        return _(
            "Tiến trình nền (ptdv worker) đã dừng giữa chừng khi đang ghi: giao dịch đã bị hủy, "
            "không có gì được ghi. Hãy tải tệp lên lại."
        )
    return _(
        "Tiến trình nền (ptdv worker) đã dừng giữa chừng khi đang kiểm tra tệp: không có gì được "
        "ghi. Hãy tải tệp lên lại."
    )
