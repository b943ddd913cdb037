"""The dossier forms of a candidacy: .docx files filled from the record, a .zip, a PDF.

- :mod:`.forms`: the list of forms (HD 12-HD/BTCTW 2022; numbering to verify against Công văn
  3028-CV/BTCTW) and the builder of each form's context from the candidacy's events.
- :mod:`.render`: docxtpl rendering, the template folders, the .zip and the PDF (LibreOffice).
- :mod:`.make_templates`: the script that writes the default .docx templates.

See ``docs/dossier.md``.
"""
