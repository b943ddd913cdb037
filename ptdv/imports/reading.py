"""Reading an import file (.xlsx or .csv) row by row, whatever its header order.

- .xlsx: openpyxl's read-only mode (rows stream from the zip; memory does not grow with the
  file). The sheet is the template's "Dữ liệu" if present, else the first one. Its declared
  dimension is ignored while reading (a wrong one would pad every row, or cut rows off).
- .csv: UTF-8 (with or without BOM, as Excel's "CSV UTF-8" writes it) or Windows-1258 (Excel's
  plain "CSV" on a Vietnamese Windows, whose tones are combining marks: names are NFC-normalised
  afterwards anyway). The delimiter (comma, semicolon or tab) is the one that splits the header
  row into known columns, read with the csv module (quoted text is never counted).
- The header row is the first of the first ten rows that names at least two known columns (a
  title or a unit line above it is allowed). Row numbers are the spreadsheet's, so a message's
  "dòng 17" is row 17 in Excel.

Before a row is read, :func:`inspect` checks the file against the caps of ``limits``: for an
.xlsx from the zip's central directory (entries, the uncompressed size of each part), the shared
strings table (the count it declares, then its ``<si>`` elements counted while inflating it in
1 MiB pieces) and the sheet (its declared dimension, then its rows and widths counted the same
way), all before openpyxl opens the workbook (openpyxl would hold the whole shared strings table
in memory); for a .csv its encoding, rows, columns and cells in one streaming pass. The upload
form runs the cheap part (``deep=False``: no pass over the sheet), the worker all of it. While
reading, rows, columns and cell lengths are checked again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from . import limits as caps
from .columns import Column, fold_header

DATA_SHEET = "Dữ liệu"
HEADER_SEARCH_ROWS = 10
#: Bytes inflated at a time when a part of an .xlsx is streamed.
PIECE = 1024 * 1024
#: Decoded characters of a .csv read to find its header row and delimiter.
CSV_HEAD_CHARS = 64 * 1024
DELIMITERS = (",", ";", "\t")
_IGNORED_HEADERS = {"stt", "so tt", "tt", "so thu tu", "ghi chu"}


class FileError(ValueError):
    """The file as a whole cannot be imported; the message is Vietnamese."""


def _corrupt_xlsx(exc: BaseException | None = None) -> FileError:
    detail = f" ({type(exc).__name__})" if exc is not None else ""
    return FileError(f"Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx{detail}.")


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
            if fold_header(value) not in _IGNORED_HEADERS:
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


def _known_headers(row: Sequence[Any], columns: Sequence[Column]) -> int:
    """How many distinct known columns a row names (how a header row is recognised)."""
    wanted = {name: column.key for column in columns for name in column.folded}
    return len({wanted[f] for f in (fold_header(v) for v in row if v) if f in wanted})


# --- inspection: the caps, before any row is read -------------------------------------------


@dataclass
class Inspection:
    """What :func:`inspect` learnt of a file."""

    kind: str
    #: Rows holding a value (the header and a title line included); 0 when not counted.
    rows: int = 0
    #: .csv: the encoding and the delimiter to read it with.
    encoding: str = ""
    delimiter: str = ","
    #: .xlsx: the data sheet's part and the shared strings counted (or declared).
    sheet_part: str = ""
    shared_strings: int = 0


def inspect(
    source: str | Path | IO[bytes],
    name: str,
    columns: Sequence[Column],
    limits: caps.Limits | None = None,
    *,
    deep: bool = True,
) -> Inspection:
    """Check a whole file against the caps before reading it; raises :class:`FileError`.

    ``source`` is a path or a seekable binary file (an upload). ``deep=False`` (the upload form)
    skips the pass over the .xlsx's sheet; a .csv is always read through (one fast pass)."""
    limits = limits or caps.current()
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise FileError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
    with contextlib.ExitStack() as stack:
        if isinstance(source, str | Path):
            fp = stack.enter_context(open(source, "rb"))
        else:
            fp = source
            fp.seek(0)
            stack.callback(fp.seek, 0)
        if suffix == ".xlsx":
            return _inspect_xlsx(fp, limits, deep)
        return _inspect_csv(fp, columns, limits)


# .xlsx


_CONTENT_TYPE_SHEET = ("spreadsheetml.worksheet+xml",)
_CONTENT_TYPE_STRINGS = "spreadsheetml.sharedStrings+xml"
_CONTENT_TYPE_WORKBOOK = (
    "spreadsheetml.sheet.main+xml",
    "spreadsheetml.template.main+xml",
    "ms-excel.sheet.macroEnabled.main+xml",
    "ms-excel.template.macroEnabled.main+xml",
)
#: Parts openpyxl never opens in read-only mode (pictures, embedded objects): their size counts
#: in the whole only.
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff",
                    ".bin", ".vml", ".svg")  # fmt: skip
_SST = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b([^>]*)>")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is)[\s>]")
_LAST_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,3})\d+")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?$")


def _attribute(tag: bytes, name: str) -> int | None:
    match = re.search(rb"\b" + name.encode() + rb"\s*=\s*[\"'](\d+)[\"']", tag)
    return int(match.group(1)) if match else None


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _inspect_xlsx(fp: IO[bytes], limits: caps.Limits, deep: bool) -> Inspection:
    # The zip's end record says how many entries its directory holds; zipfile would build an
    # object per entry before anything else could be checked.
    try:
        end = zipfile._EndRecData(fp)
    except OSError as exc:
        raise _corrupt_xlsx(exc) from exc
    if end is None:
        raise _corrupt_xlsx()
    if end[zipfile._ECD_ENTRIES_TOTAL] > limits.xlsx_parts:
        raise FileError(caps.too_many_parts(end[zipfile._ECD_ENTRIES_TOTAL], limits.xlsx_parts))
    try:
        archive = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt_xlsx(exc) from exc
    with archive:
        try:
            return _XlsxPackage(archive, limits).inspect(deep)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
                RuntimeError, ElementTree.ParseError) as exc:  # fmt: skip
            raise _corrupt_xlsx(exc) from exc


class _XlsxPackage:
    """The parts of an .xlsx, as far as the caps need them (never the cells themselves)."""

    def __init__(self, archive: zipfile.ZipFile, limits: caps.Limits):
        self.archive, self.limits = archive, limits
        # zipfile never inflates a part past the size the directory gives it (it checks the CRC
        # at the end): the sizes below bound what reading the file can cost.
        self.infos = {info.filename: info for info in archive.infolist()}

    def inspect(self, deep: bool) -> Inspection:
        limits = self.limits
        if len(self.infos) > limits.xlsx_parts:
            raise FileError(caps.too_many_parts(len(self.infos), limits.xlsx_parts))
        if sum(info.file_size for info in self.infos.values()) > limits.xlsx_bytes:
            raise FileError(caps.inflated_too_large(limits.xlsx_bytes))
        types = self._content_types()
        sheets = {n for n, t in types.items() if t.endswith(_CONTENT_TYPE_SHEET)}
        sheets |= {n for n in self.infos if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)}
        strings = {n for n, t in types.items() if t.endswith(_CONTENT_TYPE_STRINGS)}
        strings |= {n for n in self.infos if n.lower().endswith("sharedstrings.xml")}
        for name, info in self.infos.items():
            if name in sheets or name in strings or name.lower().endswith(_BINARY_SUFFIXES):
                continue
            if info.file_size > limits.xlsx_part_bytes:
                raise FileError(caps.part_too_large(name, limits.xlsx_part_bytes))
        shared = sum(self._shared_strings(name) for name in sorted(strings) if name in self.infos)
        sheet = self._data_sheet(types, sheets)
        result = Inspection("xlsx", sheet_part=sheet or "", shared_strings=shared)
        targets = [sheet] if sheet else sorted(s for s in sheets if s in self.infos)
        for part in targets:
            self._dimension(part)
            if deep:
                result.rows = max(result.rows, self._rows(part))
        return result

    # the parts read

    def _pieces(self, name: str) -> Iterator[bytes]:
        with self.archive.open(self.infos[name]) as stream:
            while piece := stream.read(PIECE):
                yield piece

    def _head(self, name: str, size: int = 64 * 1024) -> bytes:
        with self.archive.open(self.infos[name]) as stream:
            return stream.read(size)

    def _xml(self, name: str) -> Iterator[ElementTree.Element]:
        """The elements of a small structural part, as they end (their size is capped)."""
        parser = ElementTree.XMLPullParser(events=("end",))
        for piece in self._pieces(name):
            parser.feed(piece)
            yield from (element for _, element in parser.read_events())
        parser.close()
        yield from (element for _, element in parser.read_events())

    def _content_types(self) -> dict[str, str]:
        """Part name → content type, from ``[Content_Types].xml``'s overrides."""
        if "[Content_Types].xml" not in self.infos:
            raise _corrupt_xlsx()
        types = {}
        for element in self._xml("[Content_Types].xml"):
            if _local(element.tag) == "Override":
                part = (element.get("PartName") or "").lstrip("/")
                types[part] = element.get("ContentType") or ""
            element.clear()
        return types

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target part name) of a part's relationships."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in self.infos:
            return {}
        out = {}
        for element in self._xml(rels):
            if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
                target = element.get("Target") or ""
                if target.startswith("/"):
                    target = target.lstrip("/")
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                out[element.get("Id") or ""] = (element.get("Type") or "", target)
            element.clear()
        return out

    def _data_sheet(self, types: dict[str, str], sheets: set[str]) -> str | None:
        """The sheet the reader will read ("Dữ liệu", else the first worksheet), as openpyxl finds
        it; ``None`` if the workbook's structure cannot say (then every sheet is checked)."""
        workbook = next((n for n, t in types.items() if t.endswith(_CONTENT_TYPE_WORKBOOK)), None)
        workbook = workbook or "xl/workbook.xml"
        if workbook not in self.infos:
            return None
        relationships = self._relationships(workbook)
        first = None
        for element in self._xml(workbook):
            if _local(element.tag) == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, target = relationships.get(rid, ("", ""))
                if kind.endswith("/worksheet") and target in self.infos:
                    if element.get("name") == DATA_SHEET:
                        return target
                    first = first or target
            element.clear()
        return first

    def _shared_strings(self, name: str) -> int:
        """The strings of the shared strings table: its declared ``uniqueCount`` (or ``count``),
        then its ``<si>`` elements counted while inflating it (a declaration may lie)."""
        limit = self.limits.shared_strings
        declared = None
        match = _SST.search(self._head(name, 4096))
        if match:
            declared = _attribute(match.group(1), "uniqueCount")
            if declared is None:
                declared = _attribute(match.group(1), "count")
        if declared is not None and declared > limit:
            raise FileError(caps.too_many_shared_strings(limit, declared))
        if self.infos[name].file_size > self.limits.xlsx_strings_bytes:
            raise FileError(caps.part_too_large(name, self.limits.xlsx_strings_bytes))
        counted = 0
        tail = b""
        for piece in self._pieces(name):
            buffer = tail + piece
            cut = max(len(buffer) - 16, 0)
            tail = buffer[cut:]  # an element cut in two is counted with the next piece
            counted += len(_SI.findall(buffer)) - len(_SI.findall(tail))
            if counted > limit:
                raise FileError(caps.too_many_shared_strings(limit))
        counted += len(_SI.findall(tail))
        if counted > limit:
            raise FileError(caps.too_many_shared_strings(limit))
        return counted

    def _dimension(self, part: str) -> None:
        """The sheet's declared size (``<dimension ref="A1:AN100001"/>``, before its rows)."""
        head = self._head(part)
        data = _SHEET_DATA.search(head)
        match = _DIMENSION.search(head, 0, data.start() if data else len(head))
        if not match:
            return
        rows = columns = 0
        for ref in match.group(1).decode("ascii", "replace").split(":"):
            cell = _CELL_REF.match(ref.strip())
            if cell:
                rows = max(rows, int(cell.group(2) or 0))
                columns = max(columns, _column_number(cell.group(1) or ""))
        if rows > self.limits.rows + HEADER_SEARCH_ROWS:
            raise FileError(caps.declared_rows(rows, self.limits.rows))
        if columns > self.limits.columns:
            raise FileError(caps.too_many_columns(columns, self.limits.columns))

    def _rows(self, part: str) -> int:
        """Rows holding a value, counted while inflating the sheet; stops past the caps (rows,
        and the width of each row from its last cell's reference)."""
        limits = self.limits
        most = limits.rows + HEADER_SEARCH_ROWS
        # One row's XML: its cells at most, each of the longest text (4 bytes a character).
        row_bytes = max(limits.columns * (limits.cell_chars * 4 + 200), 1024 * 1024)
        counted = 0
        carry = b""
        for piece in self._pieces(part):
            buffer = carry + piece
            end = _SHEET_DATA_END.search(buffer)
            if end:  # what follows the rows (merged cells, links…) is not read
                buffer = buffer[: end.start()]
            starts = [m.start() for m in _ROW.finditer(buffer)]
            if not starts:
                carry = buffer[-16:]
            else:
                # Whole rows: from one row's start to the next; the last one may go on.
                for begin, stop in pairwise(starts):
                    counted += self._row_counts(buffer, begin, stop, counted)
                carry = buffer[starts[-1] :]
            if counted > most:
                raise FileError(caps.too_many_rows(limits.rows))
            if len(carry) > row_bytes:
                raise FileError(caps.row_too_long(counted + 1, limits.cell_chars))
            if end:
                break
        if _ROW.match(carry):
            counted += self._row_counts(carry, 0, len(carry), counted)
        if counted > most:
            raise FileError(caps.too_many_rows(limits.rows))
        return counted

    def _row_counts(self, buffer: bytes, begin: int, end: int, counted: int) -> int:
        if not _VALUE.search(buffer, begin, end):
            return 0
        last = buffer.rfind(b"<c ", begin, end)
        if last >= 0:
            ref = _LAST_CELL_REF.match(buffer, last, end)
            if ref and _column_number(ref.group(1).decode()) > self.limits.columns:
                width = _column_number(ref.group(1).decode())
                raise FileError(caps.too_many_columns(width, self.limits.columns, counted + 1))
        return 1


# .csv


def _csv_encoding(fp: IO[bytes]) -> str:
    """UTF-8 (BOM or not) if the whole file decodes so, else Windows-1258; read in pieces."""
    for encoding in ("utf-8-sig", "cp1258"):
        fp.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while piece := fp.read(PIECE):
                decoder.decode(piece)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileError("Không đọc được tệp CSV: hãy lưu tệp với bảng mã UTF-8.")


def _csv_delimiter(head: str, columns: Sequence[Column]) -> str:
    """The delimiter that splits the header row into the most known columns (read with the csv
    module over the first rows, so a delimiter inside quotes never counts); failing that, the
    one that splits the first non-empty row into the most fields."""
    best, best_known, best_fields = ",", 0, 0
    for delimiter in DELIMITERS:
        known = fields = 0
        try:
            rows = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
            for number, row in enumerate(rows, start=1):
                if number > HEADER_SEARCH_ROWS:
                    break
                if not fields and any(v.strip() for v in row):
                    fields = len(row)
                known = max(known, _known_headers(row, columns))
        except csv.Error:
            continue
        if (known, fields) > (best_known, best_fields):
            best, best_known, best_fields = delimiter, known, fields
    return best


def _csv_lines(text: IO[str], limits: caps.Limits) -> Iterator[str]:
    """The file's lines, none longer than a row may be (a line without its end past that is a
    row too long: refused before it fills memory)."""
    longest = limits.columns * (limits.cell_chars + 3) + 2
    number = 0
    while line := text.readline(longest):
        number += 1
        if len(line) >= longest and not line.endswith(("\n", "\r")):
            raise FileError(caps.row_too_long(number, limits.cell_chars))
        yield line


def _csv_records(
    text: IO[str], delimiter: str, limits: caps.Limits
) -> Iterator[tuple[int, list[str]]]:
    """Records (row number, cells) of a .csv, each checked against the caps."""
    reader = csv.reader(_csv_lines(text, limits), delimiter=delimiter)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileError(caps.row_too_long(number + 1, limits.cell_chars)) from exc
            raise FileError(
                f"Không đọc được tệp CSV ở dòng {number + 1}: {exc}. Hãy lưu lại tệp từ Excel."
            ) from exc
        number += 1
        check_row(number, row, limits)
        yield number, row


def check_row(number: int, row: Sequence[Any], limits: caps.Limits) -> None:
    """A row against the caps of columns and cell length (trailing empty cells not counted)."""
    if len(row) > limits.columns:
        width = len(row)
        while width and (row[width - 1] is None or str(row[width - 1]).strip() == ""):
            width -= 1
        if width > limits.columns:
            raise FileError(caps.too_many_columns(width, limits.columns, number))
    for index, value in enumerate(row):
        if value.__class__ is str and len(value) > limits.cell_chars:
            raise FileError(
                caps.cell_too_long(number, get_column_letter(index + 1), limits.cell_chars)
            )


def _inspect_csv(fp: IO[bytes], columns: Sequence[Column], limits: caps.Limits) -> Inspection:
    encoding = _csv_encoding(fp)
    fp.seek(0)
    text = io.TextIOWrapper(fp, encoding=encoding, newline="")
    try:
        delimiter = _csv_delimiter(text.read(CSV_HEAD_CHARS), columns)
        text.seek(0)
        rows = 0
        for _number, row in _csv_records(text, delimiter, limits):
            if any(v.strip() for v in row):
                rows += 1
                if rows > limits.rows + HEADER_SEARCH_ROWS:
                    raise FileError(caps.too_many_rows(limits.rows))
    finally:
        text.detach()  # the caller's file stays open
    return Inspection("csv", rows=rows, encoding=encoding, delimiter=delimiter)


# --- reading --------------------------------------------------------------------------------


class Reader:
    """Rows of an import file as ``(row number, {column key: raw value})``."""

    def __init__(
        self,
        path: Path,
        name: str,
        columns: Sequence[Column],
        optional=frozenset(),
        limits: caps.Limits | None = None,
    ):
        self.path, self.name, self.columns = Path(path), name, columns
        self.optional = frozenset(optional)
        suffix = Path(name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise FileError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
        self.kind = suffix[1:]
        self.limits = limits or caps.current()
        self.layout: Layout | None = None
        self.inspection: Inspection | None = None

    def inspect(self) -> Inspection:
        """Check the whole file against the caps (once); :class:`FileError` if past one."""
        if self.inspection is None:
            self.inspection = inspect(self.path, self.name, self.columns, self.limits)
        return self.inspection

    # -- raw rows --------------------------------------------------------------------------

    def _xlsx_rows(self) -> Iterator[Sequence[Any]]:
        from openpyxl import load_workbook

        try:
            # keep_links=False: external links hold cached copies of other workbooks.
            workbook = load_workbook(self.path, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
            raise _corrupt_xlsx(exc) from exc
        try:
            sheet = (
                workbook[DATA_SHEET]
                if DATA_SHEET in workbook.sheetnames
                else workbook.worksheets[0]
            )
            # The rows as they are: a declared dimension larger than the data would pad every
            # row and add empty ones, a smaller one would cut rows off.
            sheet.reset_dimensions()
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if row:
                    check_row(number, row, self.limits)
                yield row
        finally:
            workbook.close()

    def _csv_rows(self) -> Iterator[Sequence[Any]]:
        inspection = self.inspect()
        with open(self.path, encoding=inspection.encoding, newline="") as text:
            for _number, row in _csv_records(text, inspection.delimiter, self.limits):
                yield [value if value.strip() != "" else None for value in row]

    def raw_rows(self) -> Iterator[Sequence[Any]]:
        self.inspect()
        return self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()

    @property
    def total(self) -> int:
        """Rows in the file holding a value (header included), for the progress bar; known once
        the file has been inspected (0 before)."""
        return self.inspection.rows if self.inspection else 0

    # -- rows by column --------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        layout: Layout | None = None
        first_error: FileError | None = None
        data_rows = 0
        for number, row in enumerate(self.raw_rows(), start=1):
            if layout is None:
                if number > HEADER_SEARCH_ROWS:
                    break
                if not row or sum(1 for v in row if v is not None and str(v).strip()) < 2:
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
            if not row:
                continue
            values = {
                key: _clean(row[index]) if index < len(row) else None
                for key, index in layout.positions.items()
            }
            if all(v is None for v in values.values()):
                continue
            data_rows += 1
            if data_rows > self.limits.rows:
                raise FileError(caps.too_many_rows(self.limits.rows))
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
