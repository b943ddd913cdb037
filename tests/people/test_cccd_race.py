"""Two people add the same CCCD at the same moment (PostgreSQL: a real unique-index wait).

Both pass the form's check before either writes; the database's unique constraint decides, and
the loser gets the form back with the message the check would have given — never a 500, and the
number never reaches the error log.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from unittest import mock, skipUnless

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase

from ptdv.people.models import Person
from ptdv.web.person_forms import IdentityChecks
from tests.base import Client, build_world, cccd_for  # Client: force_login with MFA

pytestmark = pytest.mark.postgres


@skipUnless(connection.vendor == "postgresql", "a unique-index wait needs PostgreSQL")
class SameCccdAtTheSameMomentTests(TransactionTestCase):
    def setUp(self):
        self.world = build_world()

    def test_the_second_gets_the_form_back(self):
        number = cccd_for(date(2000, 1, 2), "M")
        data = {
            "full_name": "Lò Văn Đua",
            "birth_date": "2000-01-02",
            "sex": "M",
            "cccd": number,
            "ethnicity": "03",
            "religion": "none",
            "general_education": "upper_secondary",
            "professional_level": "none",
            "sector": "farmer",
            "cell": self.world.org.A1.pk,
            "opened_on": "2024-09-03",
            "confirm_new": "on",
        }
        checked = threading.Barrier(2)
        original = IdentityChecks.check_identity

        def check_then_wait(form, cd, cell=None):
            original(form, cd, cell)
            if not getattr(form, "_race_done", False):
                form._race_done = True
                checked.wait(timeout=10)  # both forms have passed the check

        results: list = [None, None]

        def post(i, user):
            client = Client(raise_request_exception=True)
            client.force_login(user)
            try:
                results[i] = client.post("/nguon/moi/", data)
            except Exception as exc:  # a 500 would be re-raised here
                results[i] = exc
            finally:
                connections.close_all()

        users = (self.world.users.cell, self.world.users.grassroots)
        with (
            mock.patch.object(IdentityChecks, "check_identity", check_then_wait),
            self.assertNoLogs("django.request", level=logging.ERROR),
        ):
            threads = [threading.Thread(target=post, args=(i, u)) for i, u in enumerate(users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        codes = sorted(r.status_code for r in results)
        self.assertEqual(codes, [200, 302])
        loser = next(r for r in results if r.status_code == 200)
        self.assertIn("Số CCCD này đã có trong ptdv: Lò Văn Đua", loser.content.decode())
        self.assertEqual(Person.objects.filter(cccd=number).count(), 1)
        self.assertEqual(Person.objects.filter(full_name="Lò Văn Đua").count(), 1)
