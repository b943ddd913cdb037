"""Import files written for the tests: real .xlsx (openpyxl) and .csv bytes."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from openpyxl import Workbook

from ptdv.imports.models import ImportRun


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows, *, delimiter=",", encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    text = out.getvalue()
    if encoding == "cp1258":
        text = windows_1258_form(text)
    return text.encode(encoding)


def windows_1258_form(text: str) -> str:
    """Text as Windows-1258 holds it: letters with their shape (ă â ê ô ơ ư), tones combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        base, *marks = unicodedata.normalize("NFD", char)
        shapes = "".join(m for m in marks if m in "\u0306\u0302\u031b")
        tones = "".join(m for m in marks if m not in "\u0306\u0302\u031b")
        out.append(unicodedata.normalize("NFC", base + shapes) + tones)
    return "".join(out)


def make_run(user, organisation, kind: str, content: bytes, name="danh-sach.xlsx") -> ImportRun:
    import hashlib

    run = ImportRun(
        kind=kind,
        organisation=organisation,
        created_by=user,
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    run.file.save(name, ContentFile(content), save=False)
    run.save()
    return run


PERSON_HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Giáo dục phổ thông", "Khu vực", "Chi bộ",
]  # fmt: skip
