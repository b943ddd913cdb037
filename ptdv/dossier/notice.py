"""The notice that a person's data are sensitive, and the consent line: the one place of their text.

A source or candidate is told, before their data are processed on the basis of their consent,
what is processed, why, by whom, that part of it is sensitive personal data, how long it is kept
and what their rights are; their consent is valid only when they know this (Luật Bảo vệ dữ liệu
cá nhân số 91/2025/QH15, Điều 9; the notice of sensitive data, Điều 19 as the product's requirements read it;
the list of sensitive data: Nghị định số 356/2025/NĐ-CP, Điều 4 — ethnic origin, political and
religious views…).

**The wording is ptdv's reading of those texts, not checked against the official texts: the
installation checks it (:data:`VERIFIED` is ``False``) and, to word it otherwise, replaces the
templates that print it** (``TB-DLCN.docx``, ``1-KND.docx``: docs/dossier.md). The text is in
Vietnamese whatever the language of the page: it is printed on papers the person signs.

Used by the dossier forms (:mod:`ptdv.dossier.forms`: the notice ``TB-DLCN`` and the consent line
of the application 1-KNĐ, through :func:`context`) and by the forms that record the legal basis
(the default scope of consent, :data:`CONSENT_SCOPE`).
"""

from __future__ import annotations

from typing import Any

#: Whether the wording below was checked against the official texts (it was not).
VERIFIED = False

#: The texts the notice rests on, as printed.
CITATION = (
    "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 (Điều 4, Điều 9, Điều 19); Nghị định số "
    "356/2025/NĐ-CP của Chính phủ (Điều 4); Điều lệ Đảng Cộng sản Việt Nam và các quy định, "
    "hướng dẫn của Đảng về công tác phát triển đảng viên"
)

TITLE = "THÔNG BÁO VỀ VIỆC XỬ LÝ DỮ LIỆU CÁ NHÂN, TRONG ĐÓ CÓ DỮ LIỆU CÁ NHÂN NHẠY CẢM"

#: What the data are processed for (also the default scope of consent).
PURPOSE = (
    "phát hiện, bồi dưỡng, giúp đỡ, xem xét kết nạp vào Đảng Cộng sản Việt Nam và quản lý hồ sơ "
    "phát triển đảng viên"
)

#: The sensitive data ptdv holds on a candidate (NĐ 356/2025/NĐ-CP, Điều 4).
SENSITIVE_DATA = (
    "dân tộc; tôn giáo; quan điểm chính trị (việc xin vào Đảng); các mối quan hệ gia đình và "
    "kết quả thẩm tra lý lịch của bản thân và người thân"
)

#: The full notice, one paragraph per item (the printable notice, ``TB-DLCN``).
PARAGRAPHS: tuple[str, ...] = (
    "1. Bên kiểm soát và xử lý dữ liệu: chi bộ nơi người được thông báo được xem xét, đảng ủy cơ "
    "sở và cấp ủy có thẩm quyền kết nạp đảng viên; dữ liệu được ghi trong hệ thống quản lý công "
    "tác phát triển đảng viên của cấp ủy.",
    f"2. Mục đích xử lý: {PURPOSE}; lập các báo cáo thống kê của cấp ủy.",
    "3. Dữ liệu được xử lý: họ và tên, ngày sinh, giới tính, số định danh cá nhân, nơi cư trú, "
    "địa chỉ, nghề nghiệp, trình độ học vấn, chuyên môn, lý luận chính trị, là đoàn viên Đoàn "
    "Thanh niên Cộng sản Hồ Chí Minh, công đoàn; các bước của hồ sơ phát triển đảng viên (lớp "
    "bồi dưỡng, giấy tờ, nghị quyết, quyết định) và nhận xét của đảng viên giúp đỡ, của các "
    "đoàn thể.",
    f"4. Dữ liệu cá nhân nhạy cảm trong số đó: {SENSITIVE_DATA}. Chỉ những người có nhiệm vụ "
    "trong công tác phát triển đảng viên được tiếp cận các dữ liệu này; mọi thay đổi đều được "
    "ghi lại (ai, lúc nào, nội dung gì).",
    "5. Thời gian lưu trữ: nếu được kết nạp, dữ liệu trở thành hồ sơ đảng viên và được lưu "
    "theo quy định của Đảng. Nếu không được kết nạp (tự rút, đưa ra khỏi danh sách, chuyển đi "
    "nơi khác…), sau thời hạn lưu trữ do cấp ủy quy định, họ tên, số định danh, địa chỉ, dân "
    "tộc, tôn giáo, nhận xét và các ghi chú được xóa, không thể khôi phục; chỉ giữ lại các số "
    "liệu thống kê không dùng để nhận biết người đó.",
    "6. Quyền của người có dữ liệu: được biết về việc xử lý dữ liệu; đồng ý hoặc không đồng ý, "
    "rút lại sự đồng ý; xem, yêu cầu chỉnh sửa, xóa, hạn chế xử lý dữ liệu; phản đối việc xử "
    "lý; khiếu nại, tố cáo, khởi kiện theo quy định của pháp luật. Yêu cầu gửi chi ủy nơi người "
    "đó được xem xét hoặc cấp ủy cấp trên.",
    f"Căn cứ: {CITATION}.",
)

#: The short form printed on the application (1-KNĐ), above the consent line.
SUMMARY = (
    f"Tôi được biết: dữ liệu cá nhân của tôi được chi bộ và các cấp ủy xử lý để {PURPOSE}; "
    f"trong đó có dữ liệu cá nhân nhạy cảm ({SENSITIVE_DATA}); dữ liệu được lưu theo quy định "
    "của Đảng nếu tôi được kết nạp, nếu không sẽ được xóa sau thời hạn lưu trữ; tôi có quyền "
    "xem, yêu cầu chỉnh sửa, xóa, hạn chế, phản đối việc xử lý và rút lại sự đồng ý "
    f"({CITATION})."
)

#: The consent the person signs (1-KNĐ and the notice).
CONSENT_LINE = (
    "Tôi đã được thông báo và hiểu rõ các nội dung trên, trong đó có việc dữ liệu được xử lý "
    "bao gồm dữ liệu cá nhân nhạy cảm; tôi tự nguyện đồng ý để tổ chức đảng xử lý dữ liệu cá "
    f"nhân của tôi nhằm {PURPOSE}."
)

#: The scope of consent proposed when a source's consent is recorded (``Person.consent_scope``).
CONSENT_SCOPE = f"Dữ liệu cá nhân, kể cả dữ liệu nhạy cảm ({SENSITIVE_DATA}), để {PURPOSE}."


def context(person) -> dict[str, Any]:
    """The notice's entries of a dossier form's context for ``person`` (a ``people.Person``):
    the texts (``notice_paragraphs`` is a list) and what the record holds of the legal basis
    (the default templates do not print the dates: the person dates the paper by hand)."""
    return {
        "notice_title": TITLE,
        "notice_paragraphs": list(PARAGRAPHS),
        "notice_summary": SUMMARY,
        "notice_citation": CITATION,
        "consent_line": CONSENT_LINE,
        "legal_basis": str(person.effective_legal_basis_label),
        "consent_date": person.consent_on,
        "consent_scope": person.consent_scope or None,
        "notice_date": person.sensitive_notice_on,
    }
