"""Multi-factor login (ptdv/accounts/mfa.py): enrolment, the second step with a code from the app
or a recovery code, throttling, who must use it, one's own factor, the administrators' reset.

Every login here goes through the real pages (the password form, then the second step); codes
are computed with django-otp's own TOTP from the device's secret, at a time fixed by
time_machine (a code passes once: each login moves the clock on).
"""

from __future__ import annotations

from binascii import unhexlify
from datetime import UTC, datetime, timedelta

import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ptdv.accounts import mfa
from ptdv.accounts.models import Role, User
from tests.base import PASSWORD, Client, WorldTestCase, make_user, pass_second_factor

LOGIN = "/tai-khoan/dang-nhap/"
VERIFY = "/tai-khoan/xac-thuc/"
ENROL_AT_LOGIN = "/tai-khoan/xac-thuc/dang-ky/"
MANAGE = "/tai-khoan/xac-thuc-hai-lop/"
ENROL = "/tai-khoan/xac-thuc-hai-lop/dang-ky/"
RECOVERY = "/tai-khoan/xac-thuc-hai-lop/ma-khoi-phuc/"
DISABLE = "/tai-khoan/xac-thuc-hai-lop/tat/"
USERS_ADMIN = "/quan-tri/accounts/user/"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
WRONG_CODE = "Mã không đúng hoặc đã được dùng"


def mfa_entries(user) -> list[LogEntry]:
    """The audit log's entries about ``user``'s second factor, oldest first."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=user.pk
    ).order_by("pk")
    return [e for e in entries if "xác thực hai lớp" in (e.changes_dict or {})]


def code_of(key: str) -> str:
    """The current code of the app holding ``key`` (hex), at the (travelled) time."""
    return f"{TOTP(unhexlify(key)).token():06d}"


class MfaTestCase(WorldTestCase):
    def setUp(self):
        super().setUp()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.addCleanup(self.traveller.stop)

    def password_step(self, user, *, client=None, **extra):
        client = client or self.client
        return client.post(LOGIN, {"username": user.username, "password": PASSWORD}, **extra)

    def enrol(self, user) -> TOTPDevice:
        """A TOTP device for ``user`` (as enrolment leaves it), with recovery codes."""
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng", confirmed=True)
        self.codes = mfa._new_recovery_codes(user)
        return device

    def log_in(self, user, code: str | None = None, *, client=None):
        """Password, then the code (the device's current one by default); the final answer."""
        client = client or self.client
        response = self.password_step(user, client=client)
        self.assertRedirects(response, VERIFY, fetch_redirect_response=False)
        if code is None:
            code = code_of(mfa.totp_device(user).key)
        return client.post(VERIFY, {"code": code})

    def signed_in(self, client=None) -> bool:
        client = client or self.client
        return "_auth_user_id" in client.session

    def next_step(self, seconds: int = 30):
        self.clock.shift(timedelta(seconds=seconds))


class EnrolmentAtLoginTests(MfaTestCase):
    def test_a_committee_user_enrols_right_after_the_password(self):
        user = self.u.committee
        response = self.password_step(user)
        self.assertRedirects(response, ENROL_AT_LOGIN, fetch_redirect_response=False)
        self.assertFalse(self.signed_in())

        page = self.client.get(ENROL_AT_LOGIN)
        self.assertContains(page, "Đăng ký xác thực hai lớp")
        self.assertContains(page, 'src="data:image/svg+xml')  # the QR code, drawn by ptdv
        key = self.client.session[mfa.NEW_KEY]["key"]
        self.assertContains(page, mfa.secret_text(key))  # the secret in text, for typing
        self.assertEqual(self.client.get(ENROL_AT_LOGIN).context["secret"], mfa.secret_text(key))

        wrong = self.client.post(ENROL_AT_LOGIN, {"code": "000000"})
        self.assertContains(wrong, "Mã trên ứng dụng mới không đúng")
        self.assertFalse(self.signed_in())
        self.assertFalse(TOTPDevice.objects.filter(user=user).exists())
        not_digits = self.client.post(ENROL_AT_LOGIN, {"code": "12ab56"})
        self.assertContains(not_digits, "Mã trên ứng dụng mới gồm đúng 6 chữ số")

        done = self.client.post(ENROL_AT_LOGIN, {"code": code_of(key)})
        self.assertEqual(done.status_code, 200)
        codes = done.context["codes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for code in codes:
            self.assertRegex(code, r"^[a-z2-7]{4}-[a-z2-7]{4}$")
            self.assertContains(done, code)
        self.assertContains(done, "chỉ hiện một lần")
        self.assertTrue(self.signed_in())
        device = TOTPDevice.objects.get(user=user)
        self.assertEqual((device.key, device.confirmed), (key, True))
        self.assertEqual(StaticToken.objects.filter(device__user=user).count(), 10)
        self.assertNotIn(mfa.NEW_KEY, self.client.session)
        self.assertEqual(self.client.get("/").status_code, 200)
        # The codes are shown once: the account page only counts them.
        manage = self.client.get(MANAGE)
        self.assertContains(manage, "Đang bật")
        for code in codes:
            self.assertNotContains(manage, code)

    def test_the_enrolment_is_audited_in_the_users_subtree(self):
        user = self.u.grassroots
        self.password_step(user)
        self.client.get(ENROL_AT_LOGIN)
        self.client.post(ENROL_AT_LOGIN, {"code": code_of(self.client.session[mfa.NEW_KEY]["key"])})
        [entry] = mfa_entries(user)
        self.assertEqual(entry.actor, user)
        self.assertEqual(entry.additional_data["org_path"], self.o.A.path)
        self.assertEqual(
            entry.changes_dict, {"xác thực hai lớp": ["", "đã đăng ký ứng dụng xác thực"]}
        )

    def test_a_user_who_must_enrol_can_do_nothing_else(self):
        self.password_step(self.u.admin)
        for url in ("/", "/danh-sach/", "/quan-tri/", MANAGE, "/tai-khoan/cua-toi/", VERIFY):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302, url)
                self.assertIn(response["Location"].split("?")[0], (LOGIN, "/quan-tri/login/",
                                                                   ENROL_AT_LOGIN))  # fmt: skip
        self.assertFalse(self.signed_in())

    def test_each_session_gets_its_own_secret(self):
        self.password_step(self.u.committee)
        self.client.get(ENROL_AT_LOGIN)
        first = self.client.session[mfa.NEW_KEY]["key"]
        other = Client()
        self.password_step(self.u.committee, client=other)
        other.get(ENROL_AT_LOGIN)
        self.assertNotEqual(other.session[mfa.NEW_KEY]["key"], first)
        # The first session's secret does not enrol through the second session.
        response = other.post(ENROL_AT_LOGIN, {"code": code_of(first)})
        self.assertContains(response, "Mã trên ứng dụng mới không đúng")

    def test_the_pending_login_expires(self):
        self.password_step(self.u.committee)
        self.clock.shift(timedelta(minutes=10, seconds=1))
        response = self.client.get(ENROL_AT_LOGIN)
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertContains(self.client.get(LOGIN), "Đã quá 10 phút kể từ khi nhập mật khẩu")
        self.assertNotIn(mfa.PENDING, self.client.session)

    def test_without_a_pending_login_the_second_step_sends_to_the_login_page(self):
        for url in (VERIFY, ENROL_AT_LOGIN):
            self.assertRedirects(self.client.get(url), LOGIN, fetch_redirect_response=False)


class SecondStepTests(MfaTestCase):
    def test_login_with_the_code_of_the_app(self):
        user = self.u.committee
        device = self.enrol(user)
        response = self.password_step(user)
        self.assertRedirects(response, VERIFY, fetch_redirect_response=False)
        self.assertFalse(self.signed_in())
        page = self.client.get(VERIFY)
        self.assertContains(page, "Mã xác thực")
        self.assertNotContains(page, "Dữ liệu minh họa")  # the demo's hint: development only
        self.assertEqual(self.client.get("/").status_code, 302)  # not in yet
        done = self.client.post(VERIFY, {"code": code_of(device.key)})
        self.assertRedirects(done, "/", fetch_redirect_response=False)
        self.assertTrue(self.signed_in())
        self.assertEqual(self.client.session[mfa.VERIFIED], device.pk)
        self.assertEqual(self.client.get("/").status_code, 200)
        device.refresh_from_db()
        self.assertIsNotNone(device.last_used_at)

    def test_the_page_asked_for_is_reached_after_the_second_step(self):
        device = self.enrol(self.u.committee)
        response = self.client.post(
            LOGIN, {"username": "bantochuc", "password": PASSWORD, "next": "/danh-sach/"}
        )
        self.assertRedirects(response, VERIFY, fetch_redirect_response=False)
        done = self.client.post(VERIFY, {"code": code_of(device.key)})
        self.assertRedirects(done, "/danh-sach/", fetch_redirect_response=False)

    def test_a_code_passes_once(self):
        user = self.u.committee
        device = self.enrol(user)
        code = code_of(device.key)
        self.assertRedirects(self.log_in(user, code), "/", fetch_redirect_response=False)
        self.client.logout()
        self.next_step(2)  # the same 30-second step: the same code
        again = self.log_in(user, code)
        self.assertContains(again, WRONG_CODE)
        self.assertFalse(self.signed_in())

    def test_login_with_a_recovery_code_used_once(self):
        user = self.u.grassroots
        self.enrol(user)
        code = self.codes[3]
        done = self.log_in(user, code.upper().replace("-", " "))  # as typed from paper
        self.assertRedirects(done, "/", fetch_redirect_response=False)
        self.assertTrue(self.signed_in())
        self.assertContains(self.client.get("/"), "Bạn vừa dùng một mã khôi phục; còn 9 mã")
        self.assertEqual(mfa.recovery_codes_left(user), 9)
        self.client.logout()
        self.next_step()
        again = self.log_in(user, code)
        self.assertContains(again, WRONG_CODE)
        self.assertFalse(self.signed_in())
        self.next_step()
        self.assertRedirects(self.log_in(user, self.codes[4]), "/", fetch_redirect_response=False)

    def test_an_optional_role_that_enrolled_is_asked_too(self):
        user = self.u.cell
        device = self.enrol(user)
        self.assertRedirects(self.password_step(user), VERIFY, fetch_redirect_response=False)
        self.assertFalse(self.signed_in())
        self.client.post(VERIFY, {"code": code_of(device.key)})
        self.assertTrue(self.signed_in())

    def test_the_field_is_named_when_empty_or_too_long(self):
        self.enrol(self.u.committee)
        self.password_step(self.u.committee)
        empty = self.client.post(VERIFY, {"code": ""})
        self.assertContains(empty, "Nhập mã xác thực (6 chữ số) hoặc một mã khôi phục.")
        long = self.client.post(VERIFY, {"code": "1" * 33})
        self.assertContains(long, "Mã xác thực dài quá 32 ký tự.")
        self.assertFalse(self.signed_in())

    @override_settings(PROFILE="development")
    def test_the_demo_secret_shows_its_code_in_the_development_profile_only(self):
        user = self.u.committee
        device = TOTPDevice.objects.create(user=user, name="demo", key=mfa.DEMO_KEY)
        self.password_step(user)
        self.assertContains(self.client.get(VERIFY), f"<strong>{code_of(device.key)}</strong>")
        with override_settings(PROFILE="production"):
            self.assertNotContains(self.client.get(VERIFY), "Dữ liệu minh họa")
        device.key = TOTPDevice._meta.get_field("key").default()
        device.save()
        self.assertNotContains(self.client.get(VERIFY), "Dữ liệu minh họa")

    def test_the_device_is_read_with_the_user_at_no_extra_query(self):
        user = self.u.committee
        self.enrol(user)
        self.log_in(user)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get("/tai-khoan/cua-toi/").status_code, 200)
        # No query of its own: only inside the query that loads the user.
        alone = [q["sql"] for q in queries.captured_queries
                 if "otp_totp_totpdevice" in q["sql"] and 'FROM "accounts_user"' not in q["sql"]]  # fmt: skip
        self.assertEqual(alone, [])
        self.assertTrue(any("otp_totp_totpdevice" in q["sql"] for q in queries.captured_queries))


@override_settings(AXES_ENABLED=True)
class ThrottlingTests(MfaTestCase):
    ADDRESS = "198.51.100.4"

    def test_wrong_codes_lock_out_like_wrong_passwords(self):
        user = self.u.committee
        device = self.enrol(user)
        self.password_step(user, REMOTE_ADDR=self.ADDRESS)
        for n in range(1, 5):
            self.next_step(60)  # past django-otp's own delay
            response = self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
            self.assertContains(response, WRONG_CODE, msg_prefix=str(n))
        self.next_step(60)
        fifth = self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
        self.assertContains(fifth, "Tạm khóa đăng nhập", status_code=429)
        # Now even the right code, and the password step, are refused for 15 minutes.
        self.next_step(60)
        right = self.client.post(VERIFY, {"code": code_of(device.key)}, REMOTE_ADDR=self.ADDRESS)
        self.assertNotEqual(right.status_code, 302)
        self.assertFalse(self.signed_in())
        locked = self.password_step(user, REMOTE_ADDR=self.ADDRESS)
        self.assertContains(locked, "Tạm khóa đăng nhập", status_code=429)
        attempt = AccessAttempt.objects.get(username="bantochuc")
        self.assertGreaterEqual(attempt.failures_since_start, 5)
        self.assertNotIn("000000", attempt.post_data)  # codes are masked like passwords
        # 15 minutes later the lock is over.
        self.clock.shift(timedelta(minutes=16))
        self.log_in_from_address(user, device)
        self.assertTrue(self.signed_in())

    def log_in_from_address(self, user, device):
        response = self.password_step(user, REMOTE_ADDR=self.ADDRESS)
        self.assertRedirects(response, VERIFY, fetch_redirect_response=False)
        self.client.post(VERIFY, {"code": code_of(device.key)}, REMOTE_ADDR=self.ADDRESS)

    def test_the_password_step_does_not_wipe_the_wrong_codes(self):
        """Logging in again with the password does not start the count again: only a full
        login (password and code) resets it."""
        user = self.u.committee
        device = self.enrol(user)
        for _ in range(2):
            self.password_step(user, REMOTE_ADDR=self.ADDRESS)
            for _ in range(2):
                self.next_step(60)
                self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
        self.next_step(60)
        response = self.password_step(user, REMOTE_ADDR=self.ADDRESS)
        self.assertRedirects(response, VERIFY, fetch_redirect_response=False)
        last = self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
        self.assertEqual(last.status_code, 429)
        self.clock.shift(timedelta(minutes=16))
        self.log_in_from_address(user, device)
        self.assertTrue(self.signed_in())
        self.assertFalse(AccessAttempt.objects.filter(username="bantochuc").exists())

    def test_the_admins_login_page_does_not_wipe_the_wrong_codes(self):
        """The admin's login page calls ``login()`` after the password alone: that is not a
        complete login, the failures of the code step stay counted."""
        user = self.u.admin
        self.enrol(user)
        self.password_step(user, REMOTE_ADDR=self.ADDRESS)
        for _ in range(3):
            self.next_step(60)
            self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
        admin_login = self.client.post(
            "/quan-tri/login/", {"username": user.username, "password": PASSWORD,
                                 "next": "/quan-tri/"}, REMOTE_ADDR=self.ADDRESS,
        )  # fmt: skip
        self.assertEqual(admin_login.status_code, 302)
        attempt = AccessAttempt.objects.get(username=user.username)
        self.assertEqual(attempt.failures_since_start, 3)
        self.assertRedirects(
            self.client.get("/quan-tri/", REMOTE_ADDR=self.ADDRESS),
            VERIFY,
            fetch_redirect_response=False,
        )
        for _ in range(2):
            self.next_step(60)
            last = self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR=self.ADDRESS)
        self.assertEqual(last.status_code, 429)

    def test_the_device_waits_after_a_wrong_code_whatever_the_address(self):
        user = self.u.committee
        device = self.enrol(user)
        self.password_step(user)
        self.client.post(VERIFY, {"code": "000000"}, REMOTE_ADDR="203.0.113.1")
        too_soon = self.client.post(
            VERIFY, {"code": code_of(device.key)}, REMOTE_ADDR="203.0.113.2"
        )
        self.assertContains(too_soon, "chờ 1 giây rồi nhập lại")
        self.assertFalse(self.signed_in())
        self.clock.shift(timedelta(seconds=2))
        self.client.post(VERIFY, {"code": code_of(device.key)}, REMOTE_ADDR="203.0.113.2")
        self.assertTrue(self.signed_in())


class WhoMustTests(MfaTestCase):
    def test_the_required_roles_are_sent_to_enrolment(self):
        privacy = make_user("baove", self.o.D, Role.PRIVACY)
        for user in (self.u.admin, self.u.committee, self.u.grassroots, privacy):
            with self.subTest(role=user.role):
                client = Client()
                response = self.password_step(user, client=client)
                self.assertRedirects(response, ENROL_AT_LOGIN, fetch_redirect_response=False)
                self.assertFalse(self.signed_in(client))
                self.assertEqual(client.get("/").status_code, 302)

    def test_the_optional_roles_are_not(self):
        for user in (self.u.cell, self.u.viewer):
            with self.subTest(role=user.role):
                client = Client()
                response = self.password_step(user, client=client)
                self.assertRedirects(response, "/", fetch_redirect_response=False)
                self.assertEqual(client.get("/").status_code, 200)
                self.assertEqual(client.get(MANAGE).status_code, 200)

    @override_settings(PTDV_MFA_REQUIRED_FOR_ALL=True)
    def test_a_setting_requires_it_of_everyone(self):
        response = self.password_step(self.u.viewer)
        self.assertRedirects(response, ENROL_AT_LOGIN, fetch_redirect_response=False)
        # An optional user whose session began before the setting must log in again.
        other = Client()
        with override_settings(PTDV_MFA_REQUIRED_FOR_ALL=False):
            self.password_step(self.u.cell, client=other)
            self.assertEqual(other.get("/").status_code, 200)
        refused = other.get("/danh-sach/")
        self.assertRedirects(refused, f"{LOGIN}?next=/danh-sach/", fetch_redirect_response=False)
        self.assertContains(other.get(LOGIN), "Tài khoản của bạn cần xác thực hai lớp")

    @override_settings(PTDV_MFA_REQUIRED_ROLES="admin")
    def test_the_required_roles_are_a_setting(self):
        self.assertRedirects(
            self.password_step(self.u.committee), "/", fetch_redirect_response=False
        )
        self.client.logout()
        self.assertRedirects(
            self.password_step(self.u.admin), ENROL_AT_LOGIN, fetch_redirect_response=False
        )

    def test_a_login_by_another_page_goes_on_to_the_second_step(self):
        """The admin's login page checks the password and calls ``login()`` itself: the next
        request turns that session into a pending login."""
        user = self.u.admin
        device = self.enrol(user)
        response = self.client.post(
            "/quan-tri/login/", {"username": user.username, "password": PASSWORD,
                                 "next": "/quan-tri/"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertRedirects(self.client.get("/quan-tri/"), VERIFY, fetch_redirect_response=False)
        self.assertFalse(self.signed_in())
        done = self.client.post(VERIFY, {"code": code_of(device.key)})
        self.assertRedirects(done, "/quan-tri/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/quan-tri/").status_code, 200)

    def test_an_htmx_request_of_an_unverified_session_is_sent_to_the_login_page(self):
        self.client.force_login(self.u.cell)  # no second factor needed…
        self.assertEqual(self.client.get("/").status_code, 200)
        TOTPDevice.objects.create(user=self.u.cell, name="x")  # …until one is enrolled elsewhere
        response = self.client.get(
            "/danh-sach/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
        )
        self.assertEqual(response["HX-Redirect"], f"{LOGIN}?next=/")


class OwnFactorTests(MfaTestCase):
    def test_an_optional_user_enrols_from_the_account_page(self):
        user = self.u.cell
        self.client.force_login(user)
        page = self.client.get(MANAGE)
        self.assertContains(page, "Chưa bật")
        self.assertContains(page, "Không bắt buộc")
        form = self.client.get(ENROL)
        self.assertContains(form, 'src="data:image/svg+xml')
        self.assertNotContains(form, "Mã hiện tại")
        key = self.client.session[mfa.NEW_KEY]["key"]
        done = self.client.post(ENROL, {"code": code_of(key)})
        self.assertEqual(len(done.context["codes"]), 10)
        # The session stays signed in, verified with the new device.
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertEqual(self.client.session[mfa.VERIFIED], mfa.totp_device(user).pk)

    def test_replacing_the_app_asks_for_a_current_code(self):
        user = self.u.committee
        self.client.force_login(user)  # enrolled and verified by the test client
        old = mfa.totp_device(user)
        self.assertContains(self.client.get(ENROL), "Mã hiện tại")
        key = self.client.session[mfa.NEW_KEY]["key"]
        # A wrong new code does not use up the current code.
        current = code_of(old.key)
        wrong_new = self.client.post(ENROL, {"code": "000000", "current_code": current})
        self.assertContains(wrong_new, "Mã trên ứng dụng mới không đúng")
        wrong_current = self.client.post(ENROL, {"code": code_of(key), "current_code": "999999"})
        self.assertContains(wrong_current, WRONG_CODE)
        self.next_step(2)
        done = self.client.post(ENROL, {"code": code_of(key), "current_code": current})
        self.assertEqual(done.status_code, 200, done.content[:2000])
        self.assertEqual(len(done.context["codes"]), 10)
        new = mfa.totp_device(user)
        self.assertNotEqual(new.pk, old.pk)
        self.assertEqual(new.key, key)
        self.assertEqual(TOTPDevice.objects.filter(user=user).count(), 1)
        self.assertEqual(self.client.get("/").status_code, 200)  # still verified

    def test_new_recovery_codes_replace_the_old_ones(self):
        user = self.u.committee
        self.client.force_login(user)
        device = mfa.totp_device(user)
        old = mfa._new_recovery_codes(user)
        self.assertContains(self.client.get(RECOVERY), "Bạn còn 10 mã khôi phục")
        refused = self.client.post(RECOVERY, {"current_code": "123456"})
        self.assertContains(refused, WRONG_CODE)
        self.next_step(2)
        done = self.client.post(RECOVERY, {"current_code": code_of(device.key)})
        new = done.context["codes"]
        self.assertEqual(len(new), 10)
        self.assertFalse(set(new) & set(old))
        self.assertFalse(StaticToken.objects.filter(token__in=[c.replace("-", "") for c in old]))
        self.assertEqual(StaticDevice.objects.filter(user=user).count(), 1)

    def test_an_optional_user_may_disable_it(self):
        user = self.u.cell
        device = self.enrol(user)
        self.log_in(user)
        self.assertContains(self.client.get(MANAGE), "Tắt xác thực hai lớp")
        self.next_step()
        refused = self.client.post(DISABLE, {"current_code": ""})
        self.assertContains(refused, "Nhập mã 6 chữ số trên ứng dụng xác thực hiện tại")
        done = self.client.post(DISABLE, {"current_code": code_of(device.key)})
        self.assertRedirects(done, MANAGE, fetch_redirect_response=False)
        self.assertFalse(TOTPDevice.objects.filter(user=user).exists())
        self.assertFalse(StaticDevice.objects.filter(user=user).exists())
        self.assertEqual(self.client.get("/").status_code, 200)  # still signed in
        self.client.logout()
        self.assertRedirects(self.password_step(user), "/", fetch_redirect_response=False)
        self.assertEqual(mfa_entries(user)[-1].changes_dict["xác thực hai lớp"][1], "đã tắt")

    def test_a_required_user_may_not(self):
        user = self.u.grassroots
        self.client.force_login(user)
        self.assertNotContains(self.client.get(MANAGE), 'href="/tai-khoan/xac-thuc-hai-lop/tat/"')
        page = self.client.get(DISABLE)
        self.assertContains(page, "bắt buộc xác thực hai lớp: không tắt được", status_code=403)
        post = self.client.post(DISABLE, {"current_code": code_of(mfa.totp_device(user).key)})
        self.assertEqual(post.status_code, 403)
        self.assertTrue(TOTPDevice.objects.filter(user=user).exists())


class AdministratorResetTests(MfaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.district_admin = make_user("quantri_huyen", cls.o.D, Role.ADMIN)

    def reset(self, admin, *users, confirm=True):
        self.client.force_login(admin)
        data = {"action": "reset_mfa", "_selected_action": [u.pk for u in users]}
        if confirm:
            data["post"] = "yes"
        return self.client.post(USERS_ADMIN, data)

    def test_an_administrator_resets_a_user_of_the_subtree(self):
        user = self.u.committee
        device = self.enrol(user)
        session = Client()
        self.log_in(user, client=session)
        self.assertEqual(session.get("/").status_code, 200)

        confirm = self.reset(self.district_admin, user, confirm=False)
        self.assertContains(confirm, "bantochuc")
        self.assertContains(confirm, 'name="post" value="yes"')
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk).exists())  # not yet

        done = self.reset(self.district_admin, user)
        self.assertRedirects(done, USERS_ADMIN, fetch_redirect_response=False)
        self.assertFalse(TOTPDevice.objects.filter(user=user).exists())
        self.assertFalse(StaticToken.objects.filter(device__user=user).exists())
        entry = mfa_entries(user)[-1]
        self.assertEqual(entry.actor, self.district_admin)
        self.assertEqual(entry.additional_data["org_path"], self.o.D.path)
        self.assertEqual(entry.changes_dict["xác thực hai lớp"][1], "quản trị viên đã đặt lại")
        # The user's open session ends at its next request; they enrol again at the next login.
        self.assertRedirects(session.get("/"), f"{LOGIN}?next=/", fetch_redirect_response=False)
        self.next_step()
        self.assertRedirects(
            self.password_step(user, client=session), ENROL_AT_LOGIN, fetch_redirect_response=False
        )

    def test_not_outside_the_subtree(self):
        outsider = self.u.outsider  # of the other district
        device = self.enrol(outsider)
        self.reset(self.district_admin, outsider)
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk).exists())
        self.assertEqual(mfa_entries(outsider), [])

    def test_not_for_the_roles_that_do_not_administer(self):
        device = self.enrol(self.u.grassroots)
        response = self.reset(self.u.committee, self.u.grassroots)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/quan-tri/login/"))
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk).exists())

    def test_not_ones_own_account_here(self):
        self.reset(self.district_admin, self.district_admin)
        self.assertTrue(TOTPDevice.objects.filter(user=self.district_admin).exists())

    def test_not_a_peer_administrator_nor_officer_only_those_below(self):
        peer = make_user("quantri_huyen_2", self.o.D, Role.ADMIN)
        officer = make_user("baove_huyen", self.o.D, Role.PRIVACY)
        below = make_user("quantri_xa", self.o.A, Role.ADMIN)
        devices = {user: self.enrol(user) for user in (peer, officer, below)}
        response = self.reset(self.district_admin, peer, officer, below)
        self.assertRedirects(response, USERS_ADMIN, fetch_redirect_response=False)
        self.assertTrue(TOTPDevice.objects.filter(pk=devices[peer].pk).exists())
        self.assertTrue(TOTPDevice.objects.filter(pk=devices[officer].pk).exists())
        self.assertFalse(TOTPDevice.objects.filter(pk=devices[below].pk).exists())
        # Nor their password: the peer's page is shown, not changed.
        url = f"{USERS_ADMIN}{peer.pk}/password/"
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.get(f"{USERS_ADMIN}{below.pk}/password/").status_code, 200)
        # The province's administrator (above) may.
        self.reset(self.u.admin, peer)
        self.assertFalse(TOTPDevice.objects.filter(pk=devices[peer].pk).exists())

    def test_the_users_list_shows_who_has_enrolled(self):
        self.enrol(self.u.committee)
        self.client.force_login(self.district_admin)
        page = self.client.get(USERS_ADMIN)
        self.assertContains(page, "xác thực hai lớp", msg_prefix="the column")
        rows = {u.username: u.mfa_enrolled for u in page.context["cl"].result_list}
        self.assertTrue(rows["bantochuc"])
        self.assertFalse(rows["chibo"])


class TestClientTests(MfaTestCase):
    def test_force_login_passes_the_second_factor_only_for_who_needs_it(self):
        self.client.force_login(self.u.committee)
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertTrue(TOTPDevice.objects.filter(user=self.u.committee).exists())
        self.client.force_login(self.u.cell)
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertFalse(TOTPDevice.objects.filter(user=self.u.cell).exists())

    def test_a_plain_force_login_is_not_enough(self):
        from django.test import Client as PlainClient

        client = PlainClient()
        client.force_login(self.u.committee)
        self.assertRedirects(client.get("/"), ENROL_AT_LOGIN, fetch_redirect_response=False)
        self.assertFalse(self.signed_in(client))
        pass_second_factor(client, self.u.committee)  # no session left to mark
        self.assertEqual(client.get("/").status_code, 302)
