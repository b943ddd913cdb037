"""The breach register's moments: a date box (dd/mm/yyyy) and a time box (HH:MM), both text boxes,
never the browser's ``datetime-local`` (whose order follows the browser's locale)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.test import SimpleTestCase
from django.utils import translation

from ptdv.web.views.incidents import DateTimeBoxes, datetime_field

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


class DateTimeBoxesTests(SimpleTestCase):
    def setUp(self):
        translation.activate("vi")
        self.addCleanup(translation.deactivate)
        self.field = datetime_field("Thời điểm phát hiện")

    def test_two_text_boxes_and_their_names(self):
        html = self.field.widget.render("detected_at", datetime(2026, 3, 5, 14, 30, tzinfo=HCM))
        self.assertNotIn("datetime-local", html)
        self.assertNotIn('type="date"', html)
        self.assertEqual(html.count('type="text"'), 2)
        self.assertIn('name="detected_at_0" value="05/03/2026"', html)
        self.assertIn('name="detected_at_1" value="14:30"', html)
        # The label names the date box; the time box has its own name for screen readers.
        self.assertEqual(self.field.widget.id_for_label("id_detected_at"), "id_detected_at_0")

    def test_the_two_boxes_make_one_moment(self):
        widget = self.field.widget
        typed = {"detected_at_0": "05/03/2026", "detected_at_1": "14:30"}
        value = widget.value_from_datadict(typed, {}, "detected_at")
        self.assertEqual(value, "05/03/2026 14:30")
        moment = self.field.clean(value)
        self.assertEqual((moment.day, moment.month, moment.year, moment.hour, moment.minute),
                         (5, 3, 2026, 14, 30))  # fmt: skip
        # One value under the field's own name (an address, a script) still works.
        one = widget.value_from_datadict({"detected_at": "2026-03-05T14:30"}, {}, "detected_at")
        self.assertEqual(self.field.clean(one), moment)

    def test_a_wrong_moment_is_refused_in_vietnamese_and_kept(self):
        widget = self.field.widget
        for day, time in (("31/02/2026", "14:30"), ("05/03/2026", ""), ("05/03/2026", "25:00")):
            value = widget.value_from_datadict(
                {"detected_at_0": day, "detected_at_1": time}, {}, "detected_at"
            )
            with self.assertRaisesMessage(Exception, "Không phải một thời điểm có thật"):
                self.field.clean(value)
            # What was typed comes back in its boxes.
            self.assertEqual(DateTimeBoxes().decompress(value), [day, time or None])

    def test_empty_boxes_are_no_moment(self):
        optional = datetime_field("Thời điểm xảy ra", required=False)
        value = optional.widget.value_from_datadict(
            {"occurred_at_0": "", "occurred_at_1": ""}, {}, "occurred_at"
        )
        self.assertIsNone(optional.clean(value))
