"""The English catalogue: complete, compiled, and used by the pages when English is chosen.

- Every entry of ``ptdv/locale/en/LC_MESSAGES/django.po`` is translated, not fuzzy, and keeps
  the placeholders (``%(name)s``, ``%s``, ``{name}``, HTML tags and entities) of its msgid.
- The committed ``django.mo`` holds exactly the msgids of the ``.po`` (it was compiled after the
  last change of the catalogue) and gives the same translations.
- With English chosen (the language cookie the layout's form sets), the login page, the to-do
  page and the board render English navigation and headings; dates stay dd/mm/yyyy. The
  browser's ``Accept-Language`` chooses nothing (tests/test_language.py).
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import time_machine
from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import translation

from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, populate

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "ptdv" / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

#: Placeholders that must survive translation: printf-style, str.format-style, tags, entities.
PLACEHOLDER = re.compile(r"%\([^)]+\)[a-z]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}|<[^>]+>|&[a-z]+;")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # 0 only, or one per plural form
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalogue (context joined with ``\\x04``)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header included, obsolete ``#~`` entries skipped)."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if target is not None:
                finish()
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            if target is not None:
                finish()
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword == "msgctxt" or (keyword == "msgid" and target and target[0] != "msgctxt"):
                finish()
            entry.line = entry.line or number
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
                entry.msgstr[target[1]] = value
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstr[0] = value
            else:
                target = (keyword, None)
                setattr(entry, keyword, value)
    finish()
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


class CatalogueTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        entries = parse_po(PO)
        cls.header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
        cls.entries = [e for e in entries if e is not cls.header]

    def test_parser_reads_the_whole_catalogue(self):
        text = PO.read_text(encoding="utf-8")
        self.assertEqual(len(self.entries), len(re.findall(r"^msgid ", text, re.M)) - 1)
        self.assertGreater(len(self.entries), 600)
        self.assertTrue(any(e.msgid_plural for e in self.entries))
        self.assertTrue(any(e.msgctxt for e in self.entries))

    def test_header_declares_english_and_two_plural_forms(self):
        header = self.header.msgstr[0]
        self.assertIn("Language: en\n", header)
        self.assertIn("Plural-Forms: nplurals=2; plural=(n != 1);\n", header)
        self.assertIn("charset=UTF-8", header)
        self.assertNotIn("fuzzy", self.header.flags)

    def test_every_entry_is_translated_and_not_fuzzy(self):
        for e in self.entries:
            with self.subTest(msgid=e.msgid, line=e.line):
                self.assertNotIn("fuzzy", e.flags)
                expected = [0, 1] if e.msgid_plural is not None else [0]
                self.assertEqual(sorted(e.msgstr), expected)
                for text in e.msgstr.values():
                    self.assertTrue(text.strip(), "empty msgstr")

    def test_every_placeholder_is_kept(self):
        for e in self.entries:
            sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
            for index, text in e.msgstr.items():
                source = sources[min(index, len(sources) - 1)]
                with self.subTest(msgid=e.msgid, form=index):
                    self.assertEqual(placeholders(text), placeholders(source))
                    # Leading/trailing spaces matter when strings are concatenated (" — đạt").
                    self.assertEqual(text[:1].isspace(), source[:1].isspace())
                    self.assertEqual(text[-1:].isspace(), source[-1:].isspace())

    def test_the_parser_catches_a_lost_placeholder(self):
        self.assertNotEqual(placeholders("Page %(n)s"), placeholders("Trang %(n)s/%(total)s"))
        self.assertEqual(
            placeholders('<span class="x">{a} %s &amp;</span>'),
            placeholders('&amp; %s <span class="x">{a}</span>'),
        )

    def test_mo_is_compiled_from_the_current_po(self):
        with MO.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        catalog = compiled._catalog
        keys = {k[0] if isinstance(k, tuple) else k for k in catalog} - {""}
        self.assertEqual(keys, {e.key for e in self.entries}, "run compilemessages -l en")
        for e in self.entries:
            with self.subTest(msgid=e.msgid):
                if e.msgid_plural is None:
                    self.assertEqual(catalog[e.key], e.msgstr[0])
                else:
                    self.assertEqual(catalog[(e.key, 0)], e.msgstr[0])
                    self.assertEqual(catalog[(e.key, 1)], e.msgstr[1])
        self.assertEqual(compiled.ngettext("x", "y", 1), "x")  # plural rule read from the header
        self.assertEqual(compiled.plural(1), 0)
        self.assertEqual(compiled.plural(2), 1)

    def test_django_uses_the_catalogue(self):
        with translation.override("en"):
            self.assertEqual(translation.gettext("Việc cần làm"), "To-do")
            self.assertEqual(translation.pgettext("role", "Quản trị"), "Administrator")
            self.assertEqual(translation.pgettext("theory level", "Trung cấp"), "Intermediate")
            self.assertEqual(
                translation.ngettext("%(shown)s chi bộ", "%(shown)s chi bộ", 1) % {"shown": 1},
                "1 cell",
            )
            self.assertEqual(
                translation.ngettext("%(shown)s chi bộ", "%(shown)s chi bộ", 3) % {"shown": 3},
                "3 cells",
            )
        with translation.override("vi"):
            self.assertEqual(translation.gettext("Việc cần làm"), "Việc cần làm")


TODAY = date(2025, 9, 1)


@time_machine.travel(TODAY, tick=False)
class EnglishPagesTests(WorldTestCase):
    def use_english(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def assertEnglish(self, response, english: list[str], vietnamese: list[str]) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="en"', html=False)
        for text in english:
            self.assertContains(response, text, html=False)
        for text in vietnamese:
            self.assertNotContains(response, text, html=False)

    def test_login_page_in_english_with_the_cookie(self):
        self.use_english()
        response = self.client.get(reverse("login"))
        self.assertEnglish(
            response,
            ["Sign in</h1>", "Username", "Password", "Forgot your password?"],
            ["Đăng nhập</h1>", "Tên đăng nhập", "Mật khẩu", "Quên mật khẩu"],
        )

    def test_accept_language_does_not_choose_english(self):
        response = self.client.get(reverse("login"), headers={"accept-language": "en"})
        self.assertContains(response, '<html lang="vi"', html=False)
        self.assertContains(response, "Tên đăng nhập")
        self.assertNotContains(response, "Username")
        # The cookie does, whatever the header.
        self.use_english()
        response = self.client.get(reverse("login"), headers={"accept-language": "vi"})
        self.assertEnglish(response, ["Sign in</h1>", "Username"], ["Tên đăng nhập"])

    def test_todo_page_in_english(self):
        populate(self.world)
        late = self.advance(self.candidacy("Trần Văn Muộn"), until=Stage.CELL_RESOLVED)
        self.assertLess(late.next_due, TODAY)
        self.client.force_login(self.u.committee)
        self.use_english()
        response = self.client.get("/")
        self.assertEnglish(
            response,
            [
                "<h1>To-do",
                ">Board</a>",
                ">List</a>",
                ">Add source</a>",
                "Log out",
                "Skip to main content",
                "Overdue",
                "Candidacies by stage",
                "As of 01/09/2025",  # dates stay dd/mm/yyyy
            ],
            [
                "<h1>Việc cần làm",
                ">Tiến trình</a>",
                "Đăng xuất",
                "Bỏ qua, đến nội dung chính",
                "Số hồ sơ theo giai đoạn",
                "Ngày 01/09/2025",
            ],
        )
        self.assertNotContains(response, "2025-09-01")
        self.assertNotContains(response, "Sept. 1, 2025")

    def test_board_in_english(self):
        populate(self.world)
        self.client.force_login(self.u.grassroots)
        self.use_english()
        response = self.client.get("/tien-trinh/")
        self.assertEnglish(
            response,
            [
                "<h1>Admission board</h1>",
                ">To-do</a>",
                "View as a list",
                "Candidacy filter",
                "Sympathiser (outstanding candidate)",
                "as of 01/09/2025",
            ],
            [
                "Tiến trình phát triển đảng viên</h1>",
                ">Việc cần làm</a>",
                "Xem dạng danh sách",
                "Bộ lọc hồ sơ",
                "Quần chúng ưu tú",
            ],
        )

    def test_board_stays_vietnamese_by_default(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.get("/tien-trinh/")
        self.assertContains(response, "Tiến trình phát triển đảng viên</h1>", html=False)
        self.assertNotContains(response, "Admission board")
