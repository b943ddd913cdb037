"""Text of the rules and of the audit log in the page's language, not left in Vietnamese on an
English page: a deadline's label (a message with its values), a citation's unverified sub-item
(through the translator the site installs in the rules) and the name of an audited record
(named again from the row, in the reader's language)."""

from __future__ import annotations

from datetime import date
from unittest import mock

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import SimpleTestCase
from django.utils import translation

from ptdv.pipeline.models import Event
from ptdv.rules import i18n
from ptdv.rules.findings import SUB_ITEM_UNVERIFIED, Citation, Deadline
from ptdv.web.views import candidacy
from ptdv.web.views.audit import shown_entries
from tests.base import WorldTestCase, populate

ENGLISH = {
    "Hết %(months)s tháng dự bị": "End of the %(months)s months of probation",
    "Chi bộ xét kết nạp trước khi %(paper)s hết hạn": "Cell's vote before the %(paper)s expires",
    "Đơn xin vào Đảng": "application",
    SUB_ITEM_UNVERIFIED: "(sub-item not checked)",
}


def english(message: str) -> str:
    return ENGLISH.get(message, message)


class DeadlineLabelTests(SimpleTestCase):
    def deadline(self, message: str, label: str, **args: str) -> Deadline:
        return Deadline(
            "probation_end",
            label,
            date(2026, 10, 21),
            Citation("Điều lệ Đảng (2011)", "Điều 5"),
            message=message,
            message_args=tuple(args.items()),
        )

    def test_english_page_translates_the_message_and_its_values(self):
        probation = self.deadline("Hết %(months)s tháng dự bị", "Hết 12 tháng dự bị", months="12")
        paper = self.deadline(
            "Chi bộ xét kết nạp trước khi %(paper)s hết hạn",
            "Chi bộ xét kết nạp trước khi đơn xin vào đảng hết hạn",
            paper="Đơn xin vào Đảng",
        )
        with translation.override("en"), mock.patch.object(candidacy, "_", english):
            self.assertEqual(
                candidacy.deadline_label(probation), "End of the 12 months of probation"
            )
            self.assertEqual(
                candidacy.deadline_label(paper), "Cell's vote before the application expires"
            )
        with translation.override("vi"), mock.patch.object(candidacy, "_", english):
            # The rules' Vietnamese as it is (the paper's name in lower case inside the sentence).
            self.assertEqual(
                candidacy.deadline_label(paper),
                "Chi bộ xét kết nạp trước khi đơn xin vào đảng hết hạn",
            )

    def test_a_label_without_message_is_shown_as_it_is(self):
        plain = self.deadline("", "Quyết định kết nạp")
        with translation.override("en"):
            self.assertEqual(candidacy.deadline_label(plain), "Quyết định kết nạp")


class CitationTests(SimpleTestCase):
    def test_the_unverified_sub_item_follows_the_installed_translator(self):
        cite = Citation("HD 01-HD/TW (2021)", "mục 3", sub_item_unverified=True)
        self.addCleanup(i18n.install_translator, i18n._translate)
        i18n.install_translator(english)
        self.assertEqual(str(cite), "HD 01-HD/TW (2021), mục 3 (sub-item not checked)")
        i18n.install_translator(str)  # the rules alone: their Vietnamese
        self.assertEqual(str(cite), "HD 01-HD/TW (2021), mục 3 (tiểu mục chưa đối chiếu)")


class AuditNameTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        populate(cls.world)

    def test_a_record_is_named_in_the_readers_language(self):
        event = Event.objects.visible_to(self.u.committee).order_by("pk").first()
        entries = list(
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Event), object_pk=str(event.pk)
            )
        )
        self.assertTrue(entries)
        logged = entries[0].object_repr
        # The name as the log wrote it when the language changes words ("Chi bộ …" in English
        # would read "Cell …"): named again from the row, in the page's language.
        with (
            translation.override("en"),
            mock.patch.object(Event, "__str__", lambda e: f"Step {e.pk} in English"),
        ):
            shown = shown_entries(self.u.committee, entries)
        self.assertEqual(shown[0].name, f"Step {event.pk} in English")
        # A record gone keeps its logged name.
        entries[0].object_pk = "98765432"
        self.assertEqual(shown_entries(self.u.committee, entries)[0].name, logged)
