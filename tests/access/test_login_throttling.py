"""django-axes: five failed logins lock the username and address out (test profile: axes off)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.test import override_settings

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


class ThrottlingOffInTestsTests(WorldTestCase):
    def test_the_test_profile_turns_axes_off(self):
        for n in range(7):
            self.client.post(LOGIN, {"username": "chibo", "password": f"sai-{n}"})
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
