"""Write the default .docx templates of the dossier forms with python-docx.

The templates are committed (``ptdv/dossier/templates_docx/default/<slug>.docx``); this script is
their source, so that a change of wording is reviewed as code. Regenerate them with::

    .venv/bin/python -m ptdv.dossier.make_templates            # into templates_docx/default/
    .venv/bin/python -m ptdv.dossier.make_templates /some/dir  # elsewhere, to start a replacement

The output is byte-for-byte reproducible (fixed document properties and zip timestamps).

The layout is the usual one of party documents: A4, margins 20/20/30/15 mm, a Times serif 14;
a header table with the superior committee and the issuing organisation, "*" and the number on
the left, "ĐẢNG CỘNG SẢN VIỆT NAM" and "<place>, ngày … tháng … năm …" on the right; the title;
the body; the signature block. Print-ready: each form is one section (the combined dossier
starts each on a new page), the last paragraph of the body keeps with the signature block and
the block's row never splits, so a signature or "Nơi nhận / BÍ THƯ" is never alone on a page.

The font is Tinos (Debian's ``fonts-croscore``): metric-compatible with Times New Roman, the
font of party documents, and with every Vietnamese letter, stacked diacritics included (ử, ể,
ồ; Liberation Serif 1.x, Debian's usual stand-in for Times, lacks U+1EA0–U+1EF9). The font
table names Times New Roman as its alternative, which Word takes where Tinos is not installed;
LibreOffice without Tinos takes a metric-compatible Times through fontconfig. The line layout is
the same with either.

Values come from the context built by
:mod:`ptdv.dossier.forms` (``{{ person_name }}``…, see ``docs/dossier.md``); dotted blanks are
filled by hand. No Django import: the script runs without settings.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

DEFAULT_DIR = Path(__file__).resolve().parent / "templates_docx" / "default"
FONT = "Tinos"
#: The font a word processor without Tinos takes instead (same metrics).
FALLBACK_FONT = "Times New Roman"
SIZE = 14
#: A line to fill by hand.
DOTS = "…" * 30
#: Fixed properties and zip timestamps: the output is reproducible.
STAMP = datetime(2026, 1, 1)

CENTER, RIGHT, LEFT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


# --- building blocks ------------------------------------------------------------------------


def new_document(title: str) -> DocumentType:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(SIZE)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    for attribute in list(default_fonts.attrib):
        del default_fonts.attrib[attribute]  # the theme's fonts: tables and lists too
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        default_fonts.set(qn(attribute), FONT)
    _declare_font(doc)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.0
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = "ptdv"
    props.created = props.modified = STAMP
    props.revision = 1
    props.comments = "Mẫu mặc định của ptdv (ptdv/dossier/make_templates.py)."
    return doc


_FONT_ENTRY = (
    f'<w:font w:name="{FONT}"><w:altName w:val="{FALLBACK_FONT}"/>'
    '<w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
    '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
)


def _declare_font(doc: DocumentType) -> None:
    """Name the font in the font table with its alternative (Times New Roman, same metrics)
    and its family (a roman serif), which a word processor without it substitutes by."""
    for part in doc.part.package.parts:
        if part.partname.endswith("/fontTable.xml"):
            xml = part.blob.decode("utf-8")
            if f'w:name="{FONT}"' not in xml:
                head, tail = xml.split("<w:font ", 1)
                part._blob = (head + _FONT_ENTRY + "<w:font " + tail).encode("utf-8")


def keep_with_next(paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


def _runs(paragraph, text: str, *, bold: bool = False, italic: bool = False, size=None):
    """Add ``text`` to ``paragraph``; ``**…**`` marks bold parts. A Jinja tag stays in one run."""
    for i, part in enumerate(text.split("**")):
        if not part:
            continue
        run = paragraph.add_run(part)
        run.bold = bold or i % 2 == 1
        run.italic = italic or None
        if size:
            run.font.size = Pt(size)
    return paragraph


def para(
    where,
    text: str = "",
    *,
    align=JUSTIFY,
    bold: bool = False,
    italic: bool = False,
    indent: bool = True,
    size: float | None = None,
    first: bool = False,
):
    """A paragraph in a document or a table cell (``first``: reuse the cell's empty paragraph)."""
    paragraph = where.paragraphs[0] if first else where.add_paragraph()
    paragraph.alignment = align
    if indent and align == JUSTIFY:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    return _runs(paragraph, text, bold=bold, italic=italic, size=size)


def tag(doc: DocumentType, text: str) -> None:
    """A paragraph-level docxtpl tag (``{%p if … %}``), alone in its paragraph."""
    doc.add_paragraph().add_run(text)


def dots(doc: DocumentType, lines: int = 2) -> None:
    for _ in range(lines):
        para(doc, DOTS, indent=False)


def _table(doc: DocumentType, widths: tuple[float, float]):
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
        column.width = cell.width = Cm(width)  # the grid (LibreOffice) and the cell (Word)
    return table.rows[0].cells


def form_mark(doc: DocumentType, code: str) -> None:
    para(doc, f"Mẫu {code}", align=RIGHT, italic=True, size=12)


def party_line(cell, first: bool = False) -> None:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = CENTER
    run = paragraph.add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    run.bold = True
    run.underline = True


def header(
    doc: DocumentType,
    code: str,
    superior: str | None,
    issuer: str | None,
    number: str | None = None,
) -> None:
    """The document header: left, the superior committee, the issuer, "*", the number; right,
    the party's name and the place and date. ``superior``/``issuer``/``number`` are context keys
    (``None``: that line is left out)."""
    form_mark(doc, code)
    left, right = _table(doc, (7.0, 9.5))
    lines = []
    if superior:
        lines.append(("{{ " + superior + "|upper }}", False))
    if issuer:
        lines.append(("{{ " + issuer + "|upper }}", True))
    if superior or issuer:
        lines.append(("*", False))
    if number:
        lines.append(("Số {{ " + number + " }}", False))
    for i, (text, bold) in enumerate(lines):
        para(left, text, align=CENTER, bold=bold, size=13, first=i == 0)
    party_line(right, first=True)
    para(right, "{{ place_date }}", align=CENTER, italic=True, size=13)
    para(doc, "")


def title(doc: DocumentType, text: str, subtitle: str | None = None) -> None:
    para(doc, text, align=CENTER, bold=True, size=15, indent=False)
    if subtitle:
        para(doc, subtitle, align=CENTER, bold=True, indent=False)
    para(doc, "-----", align=CENTER, indent=False)


def signature(
    doc: DocumentType,
    right: Iterable[str],
    name: str | None = None,
    left: Iterable[str] = (),
    note: str = "(Ký, ghi rõ họ và tên)",
) -> None:
    """The signature block: ``right`` lines in bold (T/M …, BÍ THƯ), the note, room to sign and
    the signatory's name (a context tag, or a dotted blank); ``left`` lines (Nơi nhận…).

    The block is one table row that does not split across pages, and the body's last paragraph
    keeps with it: a page break moves that paragraph with the block, never the block alone."""
    body = [p for p in doc.paragraphs if p.text and not p.text.startswith("{%p")]
    if body:
        keep_with_next(body[-1])
    keep_with_next(para(doc, ""))
    left_cell, right_cell = _table(doc, (7.0, 9.5))
    row = left_cell._tc.getparent()
    row.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, line in enumerate(left):
        para(left_cell, line, align=LEFT, size=12, indent=False, first=i == 0,
             bold=i == 0, italic=i == 0)  # fmt: skip
    for i, line in enumerate(right):
        para(right_cell, line, align=CENTER, bold=True, first=i == 0)
    para(right_cell, note, align=CENTER, italic=True, size=12)
    for _ in range(3):
        para(right_cell, "", align=CENTER)
    para(right_cell, name or "……………………", align=CENTER, bold=True)
    for paragraph in (*left_cell.paragraphs, *right_cell.paragraphs):
        keep_with_next(paragraph)


# --- the forms ------------------------------------------------------------------------------


def form_1(doc: DocumentType) -> None:
    form_mark(doc, "1-KNĐ")
    party_line(doc)
    para(doc, "{{ place_date }}", align=RIGHT, italic=True)
    para(doc, "")
    title(doc, "ĐƠN XIN VÀO ĐẢNG")
    para(doc, "Kính gửi: {{ cell_committee }};", indent=False)
    tag(doc, "{%p if not cell_is_grassroots %}")
    para(doc, "                {{ grassroots_committee }}.", indent=False)
    tag(doc, "{%p endif %}")
    para(doc, "Tôi là: **{{ person_name }}**          Giới tính: {{ sex }}", indent=False)
    para(doc, "Sinh ngày: {{ birth_date }}", indent=False)
    para(doc, "Dân tộc: {{ ethnicity }}          Tôn giáo: {{ religion }}", indent=False)
    para(doc, "Nơi sinh: ……………………… Quê quán: ………………………", indent=False)
    para(doc, "Nơi cư trú: {{ residence }}", indent=False)
    para(doc, "Nghề nghiệp, chức vụ: {{ occupation }}", indent=False)
    para(
        doc,
        "Trình độ: giáo dục phổ thông {{ education }}; chuyên môn, nghiệp vụ "
        "{{ professional_level }}; lý luận chính trị {{ theory_level }}.",
        indent=False,
    )
    para(
        doc,
        "Sau khi được học tập, nghiên cứu Cương lĩnh chính trị, Điều lệ Đảng Cộng sản Việt Nam, "
        "tôi nhận thức được:",
    )
    dots(doc, 3)
    para(
        doc,
        "Tôi tự nguyện làm đơn này xin được đứng vào hàng ngũ Đảng Cộng sản Việt Nam. Nếu được "
        "kết nạp vào Đảng, tôi xin hứa: thừa nhận và chấp hành nghiêm chỉnh Cương lĩnh chính "
        "trị, Điều lệ Đảng, các nghị quyết của Đảng và pháp luật của Nhà nước; thực hiện tiêu "
        "chuẩn và nhiệm vụ đảng viên; hoạt động trong một tổ chức cơ sở đảng; giữ gìn phẩm chất "
        "đạo đức, lối sống; suốt đời phấn đấu cho mục đích, lý tưởng của Đảng.",
    )
    # The notice of the processing of sensitive personal data, in short, and the consent the
    # applicant gives by signing (ptdv/dossier/notice.py; Luật 91/2025/QH15 Điều 9).
    para(doc, "{{ notice_summary }}", italic=True, size=12)
    para(doc, "{{ consent_line }}")
    signature(doc, ["NGƯỜI LÀM ĐƠN"], "{{ person_name }}")


def form_2(doc: DocumentType) -> None:
    form_mark(doc, "2-KNĐ")
    party_line(doc)
    para(doc, "")
    title(doc, "LÝ LỊCH CỦA NGƯỜI XIN VÀO ĐẢNG", "(Thông tin nhận dạng)")
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Cm(6.5), Cm(10)
    rows = [
        ("Họ và tên đang dùng", "**{{ person_name|upper }}**"),
        ("Họ và tên khai sinh", "……………………"),
        ("Bí danh", "……………………"),
        ("Giới tính", "{{ sex }}"),
        ("Ngày, tháng, năm sinh", "{{ birth_date }}"),
        ("Số định danh cá nhân (CCCD)", "{{ cccd }}"),
        ("Nơi sinh", "……………………"),
        ("Quê quán", "……………………"),
        ("Nơi cư trú", "{{ residence }}"),
        ("Dân tộc", "{{ ethnicity }}"),
        ("Tôn giáo", "{{ religion }}"),
        ("Nghề nghiệp, chức vụ", "{{ occupation }}"),
        ("Giáo dục phổ thông", "{{ education }}"),
        ("Chuyên môn, nghiệp vụ", "{{ professional_level }}"),
        ("Lý luận chính trị", "{{ theory_level }}"),
        ("Đoàn viên Đoàn TNCS Hồ Chí Minh", "{{ youth_union }}"),
        ("Đoàn viên công đoàn", "{{ trade_union }}"),
        (
            "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
            "Số {{ awareness_certificate_number }}, ngày {{ awareness_certificate_date }}",
        ),
        ("Chi bộ", "{{ cell_name }}"),
        ("Đảng bộ", "{{ grassroots_name }}"),
        ("Ngày chi bộ nhận lý lịch", "{{ history_date }}"),
    ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(6.5), Cm(10)
        para(cells[0], label, align=LEFT, indent=False, size=13, first=True)
        para(cells[1], value, align=LEFT, indent=False, size=13, first=True)
    para(doc, "")
    para(
        doc,
        "Phần lịch sử bản thân, hoàn cảnh gia đình và các quan hệ xã hội do người xin vào Đảng "
        "tự khai, viết tay theo quyển lý lịch in sẵn.",
        italic=True,
    )
    para(doc, "{{ place_date }}", align=RIGHT, italic=True)
    signature(
        doc,
        ["NGƯỜI KHAI LÝ LỊCH"],
        "{{ person_name }}",
        left=["Chứng nhận của chi ủy chi bộ", "T/M CHI ỦY", "BÍ THƯ"],
    )


def form_3(doc: DocumentType) -> None:
    header(doc, "3-KNĐ", "cell_superior", "cell_name")
    title(doc, "GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG")
    para(doc, "Kính gửi: {{ cell_name }}.", indent=False)
    para(doc, "Tôi là: **{{ introducer_name }}**, sinh ngày {{ introducer_birth_date }}.")
    para(
        doc,
        "Vào Đảng ngày {{ introducer_admitted_on }}; chính thức ngày {{ introducer_official_on }}.",
    )
    para(doc, "Hiện sinh hoạt tại: {{ introducer_cell }}.")
    para(doc, "Chức vụ, đơn vị công tác: ……………………………………")
    para(
        doc,
        "Được biết và cùng công tác (học tập, lao động, cư trú) với quần chúng "
        "**{{ person_name }}**, sinh ngày {{ birth_date }}, trong thời gian {{ months_together }} "
        "tháng.",
    )
    para(
        doc,
        "Tôi giới thiệu quần chúng {{ person_name }} vào Đảng Cộng sản Việt Nam. Qua thời gian "
        "cùng công tác, tôi nhận xét về lý lịch, phẩm chất chính trị, đạo đức, lối sống, năng "
        "lực công tác và quan hệ quần chúng của người vào Đảng như sau:",
    )
    para(doc, "Ưu điểm:", indent=False, bold=True)
    dots(doc, 3)
    para(doc, "Khuyết điểm:", indent=False, bold=True)
    dots(doc, 2)
    para(
        doc,
        "Tôi xin chịu trách nhiệm trước chi bộ về sự giới thiệu của mình và tiếp tục giúp đỡ "
        "người vào Đảng.",
    )
    signature(doc, ["NGƯỜI GIỚI THIỆU"], "{{ introducer_name }}")


def form_5(doc: DocumentType) -> None:
    header(doc, "5-KNĐ", "cell_superior", "cell_name")
    title(
        doc,
        "TỔNG HỢP Ý KIẾN NHẬN XÉT",
        "của đoàn thể chính trị - xã hội nơi làm việc và chi ủy nơi cư trú đối với người xin "
        "vào Đảng",
    )
    para(
        doc,
        "Chi ủy {{ cell_name }} đã tổng hợp ý kiến nhận xét đối với quần chúng "
        "**{{ person_name }}**, sinh ngày {{ birth_date }}; nơi cư trú: {{ residence }}; nghề "
        "nghiệp: {{ occupation }}, như sau:",
    )
    para(doc, "1. Ý kiến nhận xét của đoàn thể chính trị - xã hội nơi làm việc:", bold=True)
    para(doc, "Số người được hỏi ý kiến: ………; số đồng ý: ………; số không đồng ý: ………")
    dots(doc, 2)
    para(doc, "2. Ý kiến nhận xét của chi ủy (chi bộ) nơi cư trú:", bold=True)
    dots(doc, 2)
    para(doc, "3. Nhận xét chung của chi ủy:", bold=True)
    dots(doc, 2)
    signature(doc, ["T/M CHI ỦY", "BÍ THƯ"])


def form_6(doc: DocumentType) -> None:
    header(doc, "6-KNĐ", "cell_superior", "cell_name", "cell_resolution_number")
    title(doc, "NGHỊ QUYẾT", "đề nghị kết nạp đảng viên")
    para(doc, "Căn cứ Điều 4 Điều lệ Đảng Cộng sản Việt Nam;")
    para(doc, "Căn cứ {{ rule_set_documents }};")
    para(
        doc,
        "Ngày {{ cell_resolution_date }}, {{ cell_name }} đã họp để xét đề nghị kết nạp quần "
        "chúng **{{ person_name }}**, sinh ngày {{ birth_date }}, vào Đảng Cộng sản Việt Nam.",
    )
    para(
        doc,
        "Tổng số đảng viên chính thức của chi bộ: {{ cell_official_members }} đồng chí; có "
        "mặt: {{ cell_present }} đồng chí; vắng mặt: ……… đồng chí (lý do: ………………).",
    )
    para(doc, "Chủ trì hội nghị: đồng chí ………………………; thư ký: đồng chí ………………………")
    para(
        doc,
        "Sau khi nghe báo cáo lý lịch (kết luận thẩm tra: {{ verification_result }}), ý kiến "
        "nhận xét của đoàn thể chính trị - xã hội và chi ủy nơi cư trú, ý kiến của người giới "
        "thiệu ({{ introducer_names }}), chi bộ thảo luận và thống nhất:",
    )
    para(doc, "1. Những ưu điểm, khuyết điểm chính của người vào Đảng:", bold=True)
    para(doc, "Ưu điểm:", indent=False)
    dots(doc, 2)
    para(doc, "Khuyết điểm:", indent=False)
    dots(doc, 1)
    para(doc, "2. Kết quả biểu quyết:", bold=True)
    para(
        doc,
        "Số đảng viên chính thức tán thành việc kết nạp: **{{ cell_in_favour }}** đồng chí, "
        "đạt {{ cell_in_favour_share }} so với tổng số đảng viên chính thức của chi bộ; không "
        "tán thành: {{ cell_against }} đồng chí.",
    )
    para(
        doc,
        "Chi bộ đề nghị {{ cell_next_committee }} xem xét, đề nghị cấp ủy có thẩm quyền quyết "
        "định kết nạp quần chúng {{ person_name }} vào Đảng Cộng sản Việt Nam.",
    )
    signature(
        doc,
        ["T/M CHI BỘ", "BÍ THƯ"],
        left=["Nơi nhận:", "- {{ cell_next_committee }};", "- Lưu chi bộ."],
    )


def form_7(doc: DocumentType) -> None:
    header(doc, "7-KNĐ", "partial_superior", "partial_committee", "partial_number")
    title(doc, "BÁO CÁO", "thẩm định hồ sơ đề nghị kết nạp đảng viên")
    para(doc, "Kính gửi: {{ grassroots_committee }}.", indent=False)
    para(
        doc,
        "Căn cứ Nghị quyết số {{ cell_resolution_number }} ngày {{ cell_resolution_date }} của "
        "{{ cell_name }} đề nghị kết nạp quần chúng **{{ person_name }}**, sinh ngày "
        "{{ birth_date }}, vào Đảng;",
    )
    para(
        doc,
        "Ngày {{ partial_date }}, {{ partial_committee }} đã thẩm định hồ sơ của quần chúng "
        "{{ person_name }}, kết quả như sau:",
    )
    para(doc, "1. Về tiêu chuẩn, điều kiện của người vào Đảng:", bold=True)
    dots(doc, 2)
    para(doc, "2. Về hồ sơ, thủ tục:", bold=True)
    dots(doc, 2)
    para(doc, "3. Kết quả biểu quyết của đảng ủy bộ phận:", bold=True)
    para(doc, "Tổng số đảng ủy viên: ………; có mặt: ………; tán thành: ………; không tán thành: ………")
    para(
        doc,
        "{{ partial_committee }} đề nghị {{ grassroots_committee }} xem xét, đề nghị cấp ủy có "
        "thẩm quyền quyết định kết nạp quần chúng {{ person_name }} vào Đảng.",
    )
    signature(
        doc,
        ["T/M ĐẢNG ỦY BỘ PHẬN", "BÍ THƯ"],
        left=["Nơi nhận:", "- {{ grassroots_committee }};", "- Lưu."],
    )


def form_8(doc: DocumentType) -> None:
    header(doc, "8-KNĐ", "grassroots_superior", "grassroots_committee", "grassroots_number")
    title(doc, "NGHỊ QUYẾT", "đề nghị kết nạp đảng viên")
    para(doc, "Căn cứ Điều 4 Điều lệ Đảng Cộng sản Việt Nam;")
    para(doc, "Căn cứ {{ rule_set_documents }};")
    para(
        doc,
        "Căn cứ Nghị quyết số {{ cell_resolution_number }} ngày {{ cell_resolution_date }} của "
        "{{ cell_name }} đề nghị kết nạp quần chúng {{ person_name }} vào Đảng;",
    )
    tag(doc, "{%p if has_partial_committee %}")
    para(
        doc,
        "Căn cứ Báo cáo thẩm định số {{ partial_number }} ngày {{ partial_date }} của "
        "{{ partial_committee }};",
    )
    tag(doc, "{%p endif %}")
    para(
        doc,
        "Ngày {{ grassroots_date }}, {{ grassroots_committee }} đã họp, xét hồ sơ đề nghị kết "
        "nạp quần chúng **{{ person_name }}**, sinh ngày {{ birth_date }}.",
    )
    para(
        doc,
        "Tổng số cấp ủy viên: ……… đồng chí; có mặt: ……… đồng chí; số tán thành việc kết nạp: "
        "……… đồng chí, đạt ………% so với tổng số cấp ủy viên; không tán thành: ……… đồng chí.",
    )
    para(doc, "QUYẾT NGHỊ:", align=CENTER, bold=True, indent=False)
    para(
        doc,
        "Đề nghị {{ competent_committee }} xem xét, quyết định kết nạp quần chúng "
        "**{{ person_name }}**, sinh ngày {{ birth_date }}, thuộc {{ cell_name }}, vào Đảng Cộng "
        "sản Việt Nam.",
    )
    signature(
        doc,
        ["T/M ĐẢNG ỦY", "BÍ THƯ"],
        left=["Nơi nhận:", "- {{ competent_committee }};", "- {{ cell_name }};", "- Lưu."],
    )


def form_9(doc: DocumentType) -> None:
    header(doc, "9-KNĐ", "competent_superior", "competent_committee", "decision_number")
    title(doc, "QUYẾT ĐỊNH", "kết nạp đảng viên")
    para(doc, "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;", indent=False)
    para(doc, "- Căn cứ {{ rule_set_documents }};", indent=False)
    para(
        doc,
        "- Xét đề nghị của {% if cell_is_grassroots %}{{ cell_name }} (Nghị quyết số "
        "{{ cell_resolution_number }} ngày {{ cell_resolution_date }}){% else %}"
        "{{ grassroots_committee }} (Nghị quyết số {{ grassroots_number }} ngày "
        "{{ grassroots_date }}){% endif %},",
        indent=False,
    )
    para(doc, "BAN THƯỜNG VỤ {{ competent_committee|upper }}", align=CENTER, bold=True)
    para(doc, "QUYẾT ĐỊNH", align=CENTER, bold=True)
    para(
        doc,
        "**Điều 1.** Kết nạp quần chúng **{{ person_name }}**, sinh ngày {{ birth_date }}, dân "
        "tộc {{ ethnicity }}; nơi cư trú: {{ residence }}; nghề nghiệp: {{ occupation }}; "
        "thuộc {{ cell_name }}, vào Đảng Cộng sản Việt Nam. Thời gian dự bị "
        "{{ probation_months }} tháng, kể từ ngày chi bộ tổ chức lễ kết nạp.",
    )
    para(
        doc,
        "**Điều 2.** {{ cell_name }} tổ chức lễ kết nạp đảng viên theo quy định và phân công "
        "đảng viên chính thức giúp đỡ đảng viên dự bị.",
    )
    para(
        doc,
        "**Điều 3.** {% if not cell_is_grassroots %}{{ grassroots_committee }}, {% endif %}"
        "{{ cell_name }} và đồng chí {{ person_name }} thi hành Quyết định này.",
    )
    signature(
        doc,
        ["T/M BAN THƯỜNG VỤ", "……………………"],
        left=["Nơi nhận:", "- Như Điều 3;", "- Lưu hồ sơ đảng viên."],
        note="(Ký tên, đóng dấu)",
    )


def _recognition_person(doc: DocumentType) -> None:
    para(doc, "Kính gửi: {{ cell_name }}.", indent=False)


def form_10(doc: DocumentType) -> None:
    header(doc, "10-KNĐ", "cell_superior", "cell_name")
    title(
        doc,
        "BẢN TỰ KIỂM ĐIỂM",
        "của đảng viên dự bị đề nghị xét công nhận đảng viên chính thức",
    )
    _recognition_person(doc)
    para(doc, "Tôi là: **{{ person_name }}**, sinh ngày {{ birth_date }}.")
    para(
        doc,
        "Được kết nạp vào Đảng ngày {{ ceremony_date }} theo Quyết định số "
        "{{ decision_number }} ngày {{ decision_date }} của {{ competent_committee }}.",
    )
    para(
        doc,
        "Đã học lớp bồi dưỡng lý luận chính trị cho đảng viên mới (giấy chứng nhận ngày "
        "{{ new_member_certificate_date }}). Thời gian dự bị kết thúc ngày {{ probation_end }}.",
    )
    para(doc, "Trong thời gian dự bị, tôi tự kiểm điểm như sau:")
    para(
        doc,
        "1. Ưu điểm (nhận thức chính trị; phẩm chất đạo đức, lối sống; thực hiện nhiệm vụ "
        "đảng viên và nhiệm vụ được giao; quan hệ với quần chúng):",
        bold=True,
    )
    dots(doc, 4)
    para(doc, "2. Khuyết điểm và hướng khắc phục:", bold=True)
    dots(doc, 2)
    para(
        doc,
        "Tự nhận thấy đủ điều kiện, tôi đề nghị chi bộ xét, đề nghị cấp ủy có thẩm quyền công "
        "nhận tôi là đảng viên chính thức.",
    )
    signature(doc, ["NGƯỜI TỰ KIỂM ĐIỂM"], "{{ person_name }}")


def form_11(doc: DocumentType) -> None:
    header(doc, "11-KNĐ", "cell_superior", "cell_name")
    title(
        doc,
        "BẢN NHẬN XÉT ĐẢNG VIÊN DỰ BỊ",
        "của đảng viên chính thức được phân công giúp đỡ",
    )
    _recognition_person(doc)
    para(
        doc,
        "Tôi là: **{{ mentor_name }}**, đảng viên chính thức, sinh hoạt tại {{ mentor_cell }}, "
        "được chi bộ phân công giúp đỡ đảng viên dự bị **{{ person_name }}** từ ngày "
        "{{ mentor_start }}.",
    )
    para(
        doc,
        "Đồng chí {{ person_name }} được kết nạp vào Đảng ngày {{ ceremony_date }}; thời gian "
        "dự bị kết thúc ngày {{ probation_end }}.",
    )
    para(doc, "Các báo cáo định kỳ về đảng viên dự bị đã ghi trong hồ sơ:", bold=True)
    tag(doc, "{%p for r in mentor_reports %}")
    para(doc, "- {{ r.period }}: {{ r.assessment }}. {{ r.text }}", indent=False)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not mentor_reports %}")
    para(doc, "- Chưa có báo cáo nào trong hồ sơ.", indent=False)
    tag(doc, "{%p endif %}")
    para(doc, "Nhận xét của người giúp đỡ:", bold=True)
    para(doc, "1. Ưu điểm:", indent=False)
    dots(doc, 3)
    para(doc, "2. Khuyết điểm:", indent=False)
    dots(doc, 2)
    para(
        doc,
        "Tôi đề nghị chi bộ xét, đề nghị cấp ủy có thẩm quyền công nhận đồng chí "
        "{{ person_name }} là đảng viên chính thức.",
    )
    signature(doc, ["NGƯỜI GIÚP ĐỠ"], "{{ mentor_name }}")


def form_13(doc: DocumentType) -> None:
    header(doc, "13-KNĐ", "cell_superior", "cell_name", "recognition_number")
    title(doc, "NGHỊ QUYẾT", "đề nghị công nhận đảng viên chính thức")
    para(doc, "Căn cứ Điều 5 Điều lệ Đảng Cộng sản Việt Nam;")
    para(doc, "Căn cứ {{ rule_set_documents }};")
    para(
        doc,
        "Ngày {{ recognition_date }}, {{ cell_name }} đã họp để xét, đề nghị công nhận đảng "
        "viên dự bị **{{ person_name }}**, kết nạp vào Đảng ngày {{ ceremony_date }}, trở thành "
        "đảng viên chính thức.",
    )
    para(
        doc,
        "Tổng số đảng viên chính thức của chi bộ: {{ recognition_official_members }} đồng chí; "
        "có mặt: {{ recognition_present }} đồng chí; vắng mặt: ……… đồng chí (lý do: ………………).",
    )
    para(doc, "Chủ trì hội nghị: đồng chí ………………………; thư ký: đồng chí ………………………")
    para(
        doc,
        "Sau khi nghe bản tự kiểm điểm của đảng viên dự bị, bản nhận xét của đảng viên giúp đỡ "
        "(đồng chí {{ mentor_name }}), ý kiến nhận xét của đoàn thể chính trị - xã hội và chi "
        "ủy nơi cư trú, chi bộ thảo luận và thống nhất:",
    )
    para(doc, "1. Ưu điểm, khuyết điểm chính trong thời gian dự bị:", bold=True)
    dots(doc, 3)
    para(doc, "2. Kết quả biểu quyết:", bold=True)
    para(
        doc,
        "Số đảng viên chính thức tán thành việc công nhận: **{{ recognition_in_favour }}** "
        "đồng chí, đạt {{ recognition_in_favour_share }} so với tổng số đảng viên chính thức "
        "của chi bộ; không tán thành: {{ recognition_against }} đồng chí.",
    )
    para(
        doc,
        "Chi bộ đề nghị {{ cell_next_committee }} xem xét, đề nghị {{ competent_committee }} "
        "quyết định công nhận đồng chí {{ person_name }} là đảng viên chính thức kể từ ngày "
        "{{ probation_end }}.",
    )
    signature(
        doc,
        ["T/M CHI BỘ", "BÍ THƯ"],
        left=["Nơi nhận:", "- {{ cell_next_committee }};", "- Lưu chi bộ."],
    )


def form_recognition_decision(doc: DocumentType) -> None:
    header(
        doc, "QĐ-CNCT", "competent_superior", "competent_committee", "recognition_decision_number"
    )
    title(doc, "QUYẾT ĐỊNH", "công nhận đảng viên chính thức")
    para(doc, "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;", indent=False)
    para(doc, "- Căn cứ {{ rule_set_documents }};", indent=False)
    para(
        doc,
        "- Xét Nghị quyết số {{ recognition_number }} ngày {{ recognition_date }} của "
        "{{ cell_name }}{% if not cell_is_grassroots %} và đề nghị của "
        "{{ grassroots_committee }}{% endif %},",
        indent=False,
    )
    para(doc, "BAN THƯỜNG VỤ {{ competent_committee|upper }}", align=CENTER, bold=True)
    para(doc, "QUYẾT ĐỊNH", align=CENTER, bold=True)
    para(
        doc,
        "**Điều 1.** Công nhận đồng chí **{{ person_name }}**, sinh ngày {{ birth_date }}, đảng "
        "viên dự bị, kết nạp vào Đảng ngày {{ ceremony_date }} (Quyết định số "
        "{{ decision_number }} ngày {{ decision_date }}), sinh hoạt tại {{ cell_name }}, là đảng "
        "viên chính thức kể từ ngày {{ probation_end }}.",
    )
    para(
        doc,
        "**Điều 2.** {% if not cell_is_grassroots %}{{ grassroots_committee }}, {% endif %}"
        "{{ cell_name }} và đồng chí {{ person_name }} thi hành Quyết định này.",
    )
    signature(
        doc,
        ["T/M BAN THƯỜNG VỤ", "……………………"],
        left=["Nơi nhận:", "- Như Điều 2;", "- Lưu hồ sơ đảng viên."],
        note="(Ký tên, đóng dấu)",
    )


def form_notice(doc: DocumentType) -> None:
    """The notice of the processing of sensitive personal data, signed by the person (its text:
    ptdv/dossier/notice.py)."""
    header(doc, "TB-DLCN", "cell_superior", "cell_name")
    title(doc, "{{ notice_title }}")
    para(
        doc,
        "Kính gửi: **{{ person_name }}**, sinh ngày {{ birth_date }}, đang được {{ cell_name }} "
        "xem xét trong công tác phát triển đảng viên.",
        indent=False,
    )
    para(
        doc,
        "{{ cell_committee }} thông báo việc xử lý dữ liệu cá nhân của người có tên trên như sau:",
    )
    tag(doc, "{%p for paragraph in notice_paragraphs %}")
    para(doc, "{{ paragraph }}")
    tag(doc, "{%p endfor %}")
    para(doc, "Ý kiến của người được thông báo:", bold=True, indent=False)
    para(doc, "□ {{ consent_line }}", indent=False)
    para(
        doc,
        "□ Tôi không đồng ý (ghi rõ phần dữ liệu hoặc mục đích không đồng ý): " + "…" * 20,
        indent=False,
    )
    dots(doc, 1)
    para(doc, "Ngày nhận thông báo: ngày …… tháng …… năm ……", indent=False)
    signature(
        doc,
        ["NGƯỜI ĐƯỢC THÔNG BÁO"],
        "{{ person_name }}",
        left=["T/M CHI ỦY", "BÍ THƯ"],
    )


#: slug → (title of the document properties, builder). Keep in step with ``forms.FORMS``.
TEMPLATES: dict[str, tuple[str, Callable[[DocumentType], None]]] = {
    "1-KND": ("Mẫu 1-KNĐ: Đơn xin vào Đảng", form_1),
    "2-KND": ("Mẫu 2-KNĐ: Lý lịch của người xin vào Đảng", form_2),
    "3-KND": ("Mẫu 3-KNĐ: Giấy giới thiệu người vào Đảng", form_3),
    "5-KND": ("Mẫu 5-KNĐ: Tổng hợp ý kiến nhận xét", form_5),
    "6-KND": ("Mẫu 6-KNĐ: Nghị quyết của chi bộ đề nghị kết nạp đảng viên", form_6),
    "7-KND": ("Mẫu 7-KNĐ: Báo cáo thẩm định của đảng ủy bộ phận", form_7),
    "8-KND": ("Mẫu 8-KNĐ: Nghị quyết của đảng ủy cơ sở đề nghị kết nạp", form_8),
    "9-KND": ("Mẫu 9-KNĐ: Quyết định kết nạp đảng viên", form_9),
    "10-KND": ("Mẫu 10-KNĐ: Bản tự kiểm điểm của đảng viên dự bị", form_10),
    "11-KND": ("Mẫu 11-KNĐ: Bản nhận xét của đảng viên giúp đỡ", form_11),
    "13-KND": ("Mẫu 13-KNĐ: Nghị quyết của chi bộ đề nghị công nhận chính thức", form_13),
    "QD-CNCT": ("Quyết định công nhận đảng viên chính thức", form_recognition_decision),
    "TB-DLCN": ("Thông báo về việc xử lý dữ liệu cá nhân nhạy cảm", form_notice),
}


def _reproducible(blob: bytes) -> bytes:
    """The same .docx with fixed zip timestamps (python-docx stamps the current time)."""
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(blob)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build(slug: str) -> bytes:
    """The default template of form ``slug``, as bytes."""
    doc_title, builder = TEMPLATES[slug]
    doc = new_document(doc_title)
    builder(doc)
    out = BytesIO()
    doc.save(out)
    return _reproducible(out.getvalue())


def write_all(folder: Path = DEFAULT_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in TEMPLATES:
        path = folder / f"{slug}.docx"
        path.write_bytes(build(slug))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEFAULT_DIR
    for path in write_all(folder):
        print(path)


if __name__ == "__main__":
    main()
