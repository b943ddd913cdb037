"""The whole dossier as one PDF, converted by LibreOffice.

Skipped where ``soffice`` is not installed, except with ``CI=true``: the CI installs LibreOffice,
so a missing ``soffice`` there is a failure, not a skip.
"""

from __future__ import annotations

import os
import unittest

from ptdv.dossier.forms import build_dossier
from ptdv.dossier.render import combine, convert, render_document, soffice
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, advance, introducers_for, new_candidacy

NAME = "Nguyễn Văn An"
IN_CI = os.environ.get("CI", "").lower() == "true"


@unittest.skipIf(
    soffice() is None and not IN_CI,
    "LibreOffice (soffice) is not installed; set CI=true to make this a failure",
)
class DossierPdfTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.official = new_candidacy(cls.world, NAME, cls.o.A1, occupation="Nông dân")
        cls.official = advance(cls.official, Stage.OFFICIAL, introducers_for(cls.world, cls.o.A1))

    def setUp(self):
        self.assertIsNotNone(soffice(), "CI=true: LibreOffice (soffice) must be installed")

    def test_the_dossier_converts_to_one_pdf(self):
        documents = build_dossier(self.official).applicable
        combined = combine([render_document(d) for d in documents])
        pdf = convert(combined, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:20])
        # The same combined document as text (no PDF text extractor is required).
        text = convert(combined, "txt:Text (encoded):UTF8").decode("utf-8-sig")
        self.assertIn(NAME, text)
        self.assertIn("05-NQ/CB", text)
        self.assertIn("388-QĐ/HU", text)
        self.assertEqual(text.count("ĐẢNG CỘNG SẢN VIỆT NAM"), len(documents))

    def test_the_pdf_link_downloads_it(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(f"/ho-so/{self.official.pk}/bieu-mau/ho-so.pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn('filename="ho-so-nguyen-van-an.pdf"', response["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"%PDF"))
        page = self.client.get(f"/ho-so/{self.official.pk}/bieu-mau/")  # asked in the background
        self.assertContains(page, f'action="/ho-so/{self.official.pk}/bieu-mau/ho-so-pdf/"')
