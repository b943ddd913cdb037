"""``ptdv demo`` refuses a production installation: it empties the database and creates accounts
with a public password and a public second-factor secret."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from ptdv.org.models import Organisation
from tests.base import build_tree


class DemoCommandTests(TestCase):
    @override_settings(PRODUCTION=True)
    def test_refused_in_production_and_nothing_is_touched(self):
        build_tree()
        before = Organisation.objects.count()
        with self.assertRaisesMessage(CommandError, "PTDV_PROFILE=production"):
            call_command("load_demo", stdout=StringIO())
        self.assertEqual(Organisation.objects.count(), before)
