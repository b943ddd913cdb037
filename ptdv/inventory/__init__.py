"""The processing inventory (danh mục hoạt động xử lý dữ liệu cá nhân).

- :mod:`.registry`: every field of every model classified — category of data, sensitive or not,
  the people it is about, the purposes — with the purposes, legal bases, data flows, retention
  and security measures; a test fails when a model gains a field the registry does not classify.
- :mod:`.document`: the inventory built from the registry and the code's own roles and settings,
  as one object of sections and tables, written as .docx (python-docx) and .xlsx (openpyxl).

It goes into the impact-assessment dossier (hồ sơ đánh giá tác động xử lý dữ liệu cá nhân: Luật
91/2025/QH15 Điều 21–22; Nghị định 356/2025/NĐ-CP Điều 19–20). It describes the installation and
holds no one's data: the page (``/bao-ve-du-lieu/danh-muc-xu-ly/``, administrators and the data
protection officer) and ``ptdv manage processing_inventory OUT.docx|OUT.xlsx`` give the same file.
"""
