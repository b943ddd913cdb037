"""Write the default .docx template of an incident's written record (biên bản) with python-docx.

The template is committed (``ptdv/subjects/templates_docx/default/bien-ban-su-co.docx``); this
script is its source, with the building blocks of the dossier's templates
(``ptdv.dossier.make_templates``: A4, Times New Roman 14, the party document's header and
signature block). Regenerate it with::

    .venv/bin/python -m ptdv.subjects.make_templates            # into templates_docx/default/
    .venv/bin/python -m ptdv.subjects.make_templates /some/dir  # elsewhere, to start a replacement

An administrator replaces it without code by putting a file of the same name in the folder of
the setting ``PTDV_DOSSIER_TEMPLATE_DIR`` (the dossier forms' replacements live there too). The
context's names are listed in ``docs/data-subjects.md`` and built by
:func:`ptdv.subjects.record.record_context`. No Django import: the script runs without settings.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from ptdv.dossier.make_templates import (
    CENTER,
    DOTS,
    LEFT,
    _reproducible,
    _table,
    dots,
    new_document,
    para,
    party_line,
    signature,
    tag,
    title,
)

DEFAULT_DIR = Path(__file__).resolve().parent / "templates_docx" / "default"
SLUG = "bien-ban-su-co"


def build() -> bytes:
    """The default template, as bytes (reproducible: fixed properties and zip timestamps)."""
    doc = new_document("Biên bản ghi nhận sự cố dữ liệu cá nhân")
    _heading(doc)
    _incident(doc)
    _measures_and_outcome(doc)
    _closing(doc)
    out = BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue())


def _heading(doc) -> None:
    """The issuer, number, place and date; the title; who draws up the record."""
    left, right = _table(doc, (7.0, 9.5))
    para(left, "{{ superior|upper }}", align=CENTER, size=13, first=True)
    para(left, "{{ issuer|upper }}", align=CENTER, bold=True, size=13)
    para(left, "*", align=CENTER, size=13)
    para(left, "Số {{ number }}", align=CENTER, size=13)
    party_line(right, first=True)
    para(right, "{{ place_date }}", align=CENTER, italic=True, size=13)
    para(doc, "")
    title(doc, "BIÊN BẢN", "Ghi nhận sự cố vi phạm quy định về bảo vệ dữ liệu cá nhân")
    para(doc, "Căn cứ {{ basis }};", indent=False, italic=True)
    para(doc, "Hôm nay, vào hồi …… giờ …… ngày …… tháng …… năm ……, tại " + DOTS, indent=False)
    para(doc, "Chúng tôi gồm:", indent=False)
    for n in (1, 2, 3):
        para(doc, f"{n}. Ông (bà) ……………………… chức vụ ………………………", indent=False)
    para(doc, "Cùng lập biên bản ghi nhận sự cố như sau:", indent=False)


def _incident(doc) -> None:
    """I and II: the incident, the data and the people affected."""
    para(doc, "I. THÔNG TIN VỀ SỰ CỐ", bold=True, indent=False)
    para(doc, "Tổ chức đảng: **{{ organisation }}**", indent=False)
    para(doc, "Tóm tắt sự cố: **{{ summary }}**", indent=False)
    para(doc, "Diễn biến:", indent=False)
    tag(doc, "{%p for line in description %}")
    para(doc, "{{ line }}")
    tag(doc, "{%p endfor %}")
    para(doc, "Thời điểm xảy ra: {{ occurred_at }}", indent=False)
    para(doc, "Thời điểm phát hiện: {{ detected_at }}", indent=False)
    para(doc, "Người, bộ phận phát hiện: {{ detected_by }}", indent=False)

    para(doc, "II. DỮ LIỆU CÁ NHÂN VÀ NGƯỜI BỊ ẢNH HƯỞNG", bold=True, indent=False)
    para(doc, "Số người bị ảnh hưởng: {{ people_count }}", indent=False)
    para(doc, "Nhóm người bị ảnh hưởng: {{ people_categories }}", indent=False)
    para(doc, "Loại dữ liệu bị ảnh hưởng: {{ data_categories }}", indent=False)
    para(doc, "Hậu quả, nguy cơ:", indent=False)
    tag(doc, "{%p for line in consequences %}")
    para(doc, "{{ line }}")
    tag(doc, "{%p endfor %}")


def _measures_and_outcome(doc) -> None:
    """III to V: the measures taken, the notification of the authority, the outcome."""
    para(doc, "III. BIỆN PHÁP ĐÃ THỰC HIỆN", bold=True, indent=False)
    tag(doc, "{%p for m in measures %}")
    para(doc, "- {{ m.at }}: {{ m.text }}", indent=False)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not measures %}")
    dots(doc, 2)
    tag(doc, "{%p endif %}")

    para(doc, "IV. THÔNG BÁO CƠ QUAN CÓ THẨM QUYỀN", bold=True, indent=False)
    para(
        doc,
        "Hạn thông báo ({{ notify_hours }} giờ kể từ khi phát hiện): **{{ notify_due }}**.",
        indent=False,
    )
    para(doc, "{{ notification }}", indent=False)
    tag(doc, "{%p if late_reason %}")
    para(doc, "Lý do thông báo muộn: {{ late_reason }}", indent=False)
    tag(doc, "{%p endif %}")

    para(doc, "V. KẾT QUẢ XỬ LÝ", bold=True, indent=False)
    para(doc, "{{ outcome }}", indent=False)


def _closing(doc) -> None:
    """The closing sentence, the signature and the recipients, the printing note."""
    para(
        doc,
        "Biên bản lập xong hồi …… giờ …… cùng ngày, đã đọc lại cho những người có mặt cùng nghe, "
        "thống nhất và ký tên dưới đây.",
    )
    signature(
        doc,
        ["NGƯỜI LẬP BIÊN BẢN"],
        None,
        left=[
            "Nơi nhận:",
            "- Cơ quan chuyên trách bảo vệ dữ liệu cá nhân;",
            "- {{ issuer }};",
            "- Lưu hồ sơ sự cố.",
        ],
    )
    para(doc, "")
    para(doc, "Biên bản in từ sổ ghi sự cố của ptdv lúc {{ printed_at }}.", align=LEFT,
         italic=True, size=11, indent=False)  # fmt: skip


def write(folder: Path = DEFAULT_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{SLUG}.docx"
    path.write_bytes(build())
    return path


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    print(write(Path(args[0]) if args else DEFAULT_DIR))


if __name__ == "__main__":
    main()
