"""The settings of the personal-data protections are checked when ptdv starts (system checks)."""

from __future__ import annotations

from django.core import checks
from django.test import SimpleTestCase, override_settings


def errors() -> set[str]:
    return {m.id for m in checks.run_checks() if m.level >= checks.ERROR}


class SettingChecksTests(SimpleTestCase):
    def test_the_defaults_pass(self):
        self.assertFalse(errors() & {"accounts.E001", "retention.E001", "privacy.E001"})

    @override_settings(PTDV_MFA_REQUIRED_ROLES=["admin", "comittee"])
    def test_a_misspelt_role_that_must_use_a_second_factor(self):
        found = [m for m in checks.run_checks() if m.id == "accounts.E001"]
        self.assertEqual(len(found), 1)
        self.assertIn("comittee", found[0].msg)

    @override_settings(PTDV_MFA_REQUIRED_ROLES="admin, committee ,grassroots")
    def test_a_comma_separated_string_is_read_as_roles(self):
        self.assertNotIn("accounts.E001", errors())

    @override_settings(PTDV_RETENTION_WITHDRAWN_YEARS=0)
    def test_a_retention_period_of_zero_years(self):
        found = [m for m in checks.run_checks() if m.id == "retention.E001"]
        self.assertEqual(len(found), 1)
        self.assertIn("PTDV_RETENTION_WITHDRAWN_YEARS", found[0].msg)

    def test_a_read_log_kept_no_day(self):
        for value in (0, -5, "30"):
            with self.subTest(value=value), override_settings(PTDV_ACCESS_LOG_RETENTION_DAYS=value):
                self.assertIn("privacy.E001", errors())
