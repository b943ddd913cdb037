"""The whole dossier of a full candidacy as one PDF, checked as printed: the page count, each
form starting a page, no signature block alone at a page's top, and fonts that hold every
character of the text.

Needs LibreOffice (``soffice``), poppler-utils (``pdftotext``, ``pdffonts``) and the font the
templates name (Tinos, ``fonts-croscore``): ``.ci/run`` installs them. Skipped where one is
missing, except with ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from ptdv.dossier import make_templates
from ptdv.dossier.forms import build_dossier
from ptdv.dossier.render import render_pdf, soffice
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, advance, introducers_for, new_candidacy

NAME = "Nguyễn Thị Phượng Hồng"
IN_CI = os.environ.get("CI", "").lower() == "true"
TOOLS = ("pdftotext", "pdffonts", "fc-match", "fc-query")


def font_installed(family: str) -> bool:
    if shutil.which("fc-match") is None:
        return False
    found = subprocess.run(
        ["fc-match", "--format=%{family}", family], capture_output=True, text=True, check=False
    )
    return family in found.stdout.split(",")


def ready() -> bool:
    return (
        soffice() is not None
        and all(shutil.which(t) for t in TOOLS)
        and font_installed(make_templates.FONT)
    )


def charset(family: str, style: str) -> set[int]:
    """The code points of the installed font ``family`` in ``style`` (fontconfig's ranges)."""
    path = subprocess.run(
        ["fc-match", "--format=%{file}", f"{family}:style={style}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ranges = subprocess.run(
        ["fc-query", "--format=%{charset}", path], capture_output=True, text=True, check=True
    ).stdout
    points: set[int] = set()
    for token in ranges.split():
        low, _, high = token.partition("-")
        points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


#: Lines that open a signature block: never the first line of a page.
SIGNATURE_STARTS = ("NGƯỜI ", "T/M ", "Nơi nhận", "Chứng nhận của chi ủy")


@unittest.skipIf(
    not ready() and not IN_CI,
    "LibreOffice, poppler-utils or the Tinos font is not installed; CI=true makes this a failure",
)
class PrintedDossierTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Under a partial committee: every form of the regulation applies (7-KNĐ, 8-KNĐ too).
        candidacy = new_candidacy(cls.world, NAME, cls.o.AP1, occupation="Giáo viên tiểu học")
        candidacy = advance(candidacy, Stage.OFFICIAL, introducers_for(cls.world, cls.o.AP1))
        documents = build_dossier(candidacy).applicable
        cls.codes = tuple(d.spec.code for d in documents)
        cls.folder = Path(tempfile.mkdtemp(prefix="ptdv-print-test-"))
        cls.pdf = cls.folder / "ho-so.pdf"
        cls.pdf.write_bytes(render_pdf(documents))
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(cls.pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cls.pages = tuple(text.split("\f")[:-1])  # pdftotext ends every page with a form feed

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        self.assertTrue(ready(), "CI=true: soffice, poppler-utils and Tinos must be installed")

    @staticmethod
    def first_line(page: str) -> str:
        return next((line.strip() for line in page.splitlines() if line.strip()), "")

    def test_each_form_starts_a_page(self):
        self.assertEqual(len(self.codes), 14)  # 13 forms, two introducers' letters
        tops = [self.first_line(page) for page in self.pages]
        starts = [top for top in tops if top.startswith("Mẫu ")]
        self.assertEqual(starts, [f"Mẫu {code}" for code in self.codes])
        # Every page that starts no form continues one: never with its signature block alone.
        for number, top in enumerate(tops, start=1):
            with self.subTest(page=number):
                self.assertTrue(top, "a blank page")
                self.assertFalse(top.startswith(SIGNATURE_STARTS), top)

    def test_the_page_count(self):
        # One page a form, but four that run over one: the application (1-KNĐ, with the notice
        # in short), the personal history's identity table (2-KNĐ), the cell's resolution
        # (6-KNĐ) and the notice of sensitive personal data (TB-DLCN); their last paragraph
        # goes over with the signature block.
        self.assertEqual(len(self.pages), len(self.codes) + 4)
        tops = [self.first_line(page) for page in self.pages]
        over = [tops[i - 1] for i, top in enumerate(tops) if not top.startswith("Mẫu ")]
        self.assertEqual(over, ["Mẫu 1-KNĐ", "Mẫu 2-KNĐ", "Mẫu 6-KNĐ", "Mẫu TB-DLCN"])

    def test_the_embedded_fonts_hold_every_character(self):
        listing = subprocess.run(
            ["pdffonts", str(self.pdf)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        fonts = {line.split()[0].split("+", 1)[-1]: line.split() for line in listing}
        family = make_templates.FONT
        # Only the templates' font: a glyph it lacked would come from a fallback font, embedded
        # under its own name.
        self.assertEqual(
            set(fonts), {family, f"{family}-Bold", f"{family}-Italic", f"{family}-BoldItalic"}
        )
        for name, columns in fonts.items():
            self.assertEqual(columns[-5:-2], ["yes", "yes", "yes"], name)  # emb, sub, uni
        text = "".join(self.pages)
        self.assertIn(NAME, text)  # ễ, ị, ượ, ồ
        for word in ("xử lý", "kiểm điểm", "Đảng Cộng sản"):  # ử, ể, Đ
            self.assertIn(word, text)
        needed = {ord(c) for c in text if not c.isspace()}
        for style in ("Regular", "Bold", "Italic", "Bold Italic"):
            with self.subTest(style=style):
                lacking = needed - charset(family, style)
                self.assertEqual({chr(c) for c in lacking}, set())
