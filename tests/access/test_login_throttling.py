"""django-axes: five failed logins lock the username and address out, twenty failed logins from
one address lock the address out whatever the usernames (test profile: axes off)."""

from __future__ import annotations

import time_machine
from axes.models import AccessAttempt
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from tests.base import PASSWORD, WorldTestCase

LOGIN = "/tai-khoan/dang-nhap/"


@override_settings(AXES_ENABLED=True)
class LoginThrottlingTests(WorldTestCase):
    def attempt(self, password: str, username: str = "chibo", address: str = "198.51.100.4"):
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_five_failures_lock_out_the_sixth_attempt(self):
        for n in range(1, 5):
            response = self.attempt(f"sai-{n}")
            self.assertEqual(response.status_code, 200, n)  # the login form again, with its error
            self.assertTrue(response.context["form"].errors)
        # The fifth failure reaches the limit: axes answers it with the locked-out page already.
        fifth = self.attempt("sai-5")
        self.assertContains(fifth, "Tạm khóa đăng nhập", status_code=429)
        # The sixth attempt, even with the right password, gets the locked-out page.
        sixth = self.attempt(PASSWORD)
        self.assertEqual(sixth.status_code, 429)
        self.assertContains(sixth, "Tạm khóa đăng nhập", status_code=429)
        self.assertContains(
            sixth, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút", status_code=429
        )
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertGreaterEqual(AccessAttempt.objects.get(username="chibo").failures_since_start, 5)

    def test_the_lock_is_per_username_and_address(self):
        for n in range(5):
            self.attempt(f"sai-{n}")
        # Another address, or another user from the same address, may still sign in.
        response = self.attempt(PASSWORD, address="198.51.100.99")
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        response = self.attempt(PASSWORD, username="bantochuc")
        self.assertEqual(response.status_code, 302)

    def test_a_success_before_the_limit_resets_the_count(self):
        for n in range(4):
            self.attempt(f"sai-{n}")
        self.assertEqual(self.attempt(PASSWORD).status_code, 302)
        self.client.logout()
        for n in range(4):
            self.assertEqual(self.attempt(f"sai-lai-{n}").status_code, 200)
        self.assertEqual(self.attempt(PASSWORD).status_code, 302)


@override_settings(AXES_ENABLED=True)
class AddressThrottlingTests(WorldTestCase):
    ADDRESS = "203.0.113.50"

    def attempt(self, username: str, password: str = "sai", address: str = ADDRESS):
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_twenty_usernames_from_one_address_lock_the_address(self):
        for n in range(1, 20):
            response = self.attempt(f"doan-ten-{n}")
            self.assertEqual(response.status_code, 200, n)
        # The twentieth failure reaches the address's limit.
        self.assertContains(self.attempt("doan-ten-20"), "Tạm khóa đăng nhập", status_code=429)
        # Now every username is refused from that address, even with the right password…
        locked = self.attempt("chibo", PASSWORD)
        self.assertContains(locked, "Tạm khóa đăng nhập", status_code=429)
        self.assertContains(locked, "địa chỉ mạng", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # … while other addresses are not concerned.
        self.assertEqual(self.attempt("chibo", PASSWORD, address="203.0.113.51").status_code, 302)

    def test_thirty_usernames_are_not_thirty_tries(self):
        statuses = [self.attempt(f"ten-{n}").status_code for n in range(30)]
        self.assertEqual(statuses.count(200), 19)
        self.assertEqual(statuses[19:], [429] * 11)
        # Attempts while locked out are not recorded: the records stop growing.
        self.assertEqual(
            AccessAttempt.objects.filter(ip_address=self.ADDRESS).aggregate(
                n=Sum("failures_since_start")
            )["n"],
            20,
        )

    @override_settings(PTDV_LOGIN_ADDRESS_FAILURE_LIMIT=3)
    def test_the_address_limit_is_a_setting(self):
        self.attempt("mot")
        self.attempt("hai")
        self.assertEqual(self.attempt("ba").status_code, 429)

    def test_a_successful_login_does_not_reset_the_address(self):
        for n in range(19):
            self.attempt(f"doan-ten-{n}")
        # Someone with an account logs in from the same address: their own failures are reset,
        # not the nineteen others'.
        self.assertEqual(self.attempt("chibo", PASSWORD).status_code, 302)
        self.client.logout()
        self.assertEqual(self.attempt("doan-ten-cuoi").status_code, 429)

    def test_the_lock_lifts_after_fifteen_minutes(self):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for n in range(20):
                self.attempt(f"doan-ten-{n}")
            self.assertEqual(self.attempt("chibo", PASSWORD).status_code, 429)
            clock.shift(timezone.timedelta(minutes=15, seconds=1))
            self.assertEqual(self.attempt("chibo", PASSWORD).status_code, 302)


class ThrottlingOffInTestsTests(WorldTestCase):
    def test_the_test_profile_turns_axes_off(self):
        for n in range(7):
            self.client.post(LOGIN, {"username": "chibo", "password": f"sai-{n}"})
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
