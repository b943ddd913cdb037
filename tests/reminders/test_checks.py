"""The reminders' settings checked at start (``ptdv check``)."""

from __future__ import annotations

from django.test import SimpleTestCase, override_settings

from ptdv.reminders.checks import reminder_settings, reminder_site_url


class SettingsCheckTests(SimpleTestCase):
    def ids(self, check) -> list[str]:
        return [problem.id for problem in check(None)]

    def test_hour_and_site_address(self):
        for hour, expected in ((-1, []), (0, []), (23, []), (24, ["reminders.E001"])):
            with self.subTest(hour=hour), override_settings(PTDV_REMINDER_HOUR=hour):
                self.assertEqual(self.ids(reminder_settings), expected)
        with override_settings(PTDV_SITE_URL="ptdv.tinhuy.vn"):
            self.assertEqual(self.ids(reminder_settings), ["reminders.E002"])

    def test_deployment_warns_about_a_site_address_that_leads_nowhere(self):
        for url, expected in (
            ("http://localhost:8000", ["reminders.W001"]),
            ("https://*", ["reminders.W001"]),
            ("https://.tinhuy.vn", ["reminders.W001"]),
            ("https://ptdv.tinhuy.vn", []),
            ("https://ptdv.tinhuy.vn:8443/ptdv", []),
        ):
            with self.subTest(url=url), override_settings(PTDV_SITE_URL=url):
                self.assertEqual(self.ids(reminder_site_url), expected)
