"""Reading an import file (.xlsx or .csv) row by row, whatever its header order.

- .xlsx: openpyxl's read-only mode (rows stream from the zip; memory does not grow with the
  file). The sheet is the template's "Dữ liệu" if present, else the first one.
- .csv: UTF-8 (with or without BOM, as Excel's "CSV UTF-8" writes it) or Windows-1258 (Excel's
  plain "CSV" on a Vietnamese Windows, whose tones are combining marks: names are NFC-normalised
  afterwards anyway); the delimiter (comma, semicolon or tab) is sniffed.
- The header row is the first of the first ten rows that names at least two known columns (a
  title or a unit line above it is allowed). Row numbers are the spreadsheet's, so a message's
  "dòng 17" is row 17 in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .columns import Column, fold_header

DATA_SHEET = "Dữ liệu"
HEADER_SEARCH_ROWS = 10


class FileError(ValueError):
    """The file as a whole cannot be imported; the message is Vietnamese."""


@dataclass
class Layout:
    """Where each known column is in the file."""

    header_row: int
    positions: dict[str, int]
    #: Headers the import does not know (ignored), as written.
    ignored: list[str] = field(default_factory=list)


def match_headers(
    row: Sequence[Any], columns: Sequence[Column], row_number: int, optional: frozenset[str]
) -> Layout:
    wanted = {name: column for column in columns for name in column.folded}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, value in enumerate(row):
        if value is None or str(value).strip() == "":
            continue
        column = wanted.get(fold_header(value))
        if column is None:
            if fold_header(value) not in {"stt", "so tt", "tt", "so thu tu", "ghi chu"}:
                ignored.append(str(value).strip())
            continue
        if column.key in positions:
            raise FileError(f"Cột “{column.header}” xuất hiện hai lần trong dòng tiêu đề.")
        positions[column.key] = index
    missing = [
        c.header for c in columns if c.required and c.key not in positions and c.key not in optional
    ]
    if missing:
        raise FileError(
            f"Dòng tiêu đề (dòng {row_number}) thiếu cột bắt buộc: " + ", ".join(missing) + "."
        )
    return Layout(row_number, positions, ignored)


class Reader:
    """Rows of an import file as ``(row number, {column key: raw value})``."""

    def __init__(self, path: Path, name: str, columns: Sequence[Column], optional=frozenset()):
        self.path, self.name, self.columns = Path(path), name, columns
        self.optional = frozenset(optional)
        suffix = Path(name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise FileError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
        self.kind = suffix[1:]
        self.layout: Layout | None = None
        self._total: int | None = None

    # -- raw rows --------------------------------------------------------------------------

    def _xlsx_rows(self) -> Iterator[tuple[Any, ...]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
            raise FileError(
                f"Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx ({type(exc).__name__})."
            ) from exc
        try:
            sheet = (
                workbook[DATA_SHEET]
                if DATA_SHEET in workbook.sheetnames
                else workbook.worksheets[0]
            )
            if self._total is None:
                self._total = sheet.max_row
            yield from sheet.iter_rows(values_only=True)
        finally:
            workbook.close()

    def _text(self) -> str:
        data = self.path.read_bytes()
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise FileError("Không đọc được tệp CSV: hãy lưu tệp với bảng mã UTF-8.")

    def _csv_rows(self) -> Iterator[list[str]]:
        text = self._text()
        sample = text[:8192]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        if self._total is None:
            self._total = text.count("\n") + (0 if text.endswith("\n") else 1)
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            yield [value if value.strip() != "" else None for value in row]

    def raw_rows(self) -> Iterator[Sequence[Any]]:
        return self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()

    @property
    def total(self) -> int:
        """Rows in the file (header included), for the progress bar; known once reading has
        begun (0 before, and for a workbook that does not record its dimension). Opening a
        workbook's sheet only for this would cost a second pass over it."""
        return self._total or 0

    # -- rows by column --------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        layout: Layout | None = None
        first_error: FileError | None = None
        for number, row in enumerate(self.raw_rows(), start=1):
            if layout is None:
                if number > HEADER_SEARCH_ROWS:
                    break
                if sum(1 for v in row if v is not None and str(v).strip()) < 2:
                    continue
                try:
                    layout = match_headers(row, self.columns, number, self.optional)
                except FileError as exc:
                    first_error = first_error or exc
                    continue
                if len(layout.positions) < 2:
                    layout = None
                    continue
                self.layout = layout
                continue
            values = {
                key: _clean(row[index]) if index < len(row) else None
                for key, index in layout.positions.items()
            }
            if all(v is None for v in values.values()):
                continue
            yield number, values
        if layout is None:
            raise first_error or FileError(
                "Không tìm thấy dòng tiêu đề: tệp phải có các cột của mẫu "
                "(tải mẫu trên trang nhập dữ liệu)."
            )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
