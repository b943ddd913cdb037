"""Passwords: the policy (12 characters, common, numeric, similar; Vietnamese messages), and the
hashers (Argon2id with RFC 9106's parameters, at most N hashes at a time, "server busy" after
the wait, old hashes still verify and are upgraded)."""

from __future__ import annotations

import threading
import time
from unittest import mock

from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import translation

from ptdv.accounts import hashers
from ptdv.accounts.models import User
from ptdv.demo.users import DEMO_PASSWORD
from tests.base import PASSWORD, WorldTestCase

LOGIN = "/tai-khoan/dang-nhap/"
BOUNDED = [
    "ptdv.accounts.hashers.Argon2PasswordHasher",
    "ptdv.accounts.hashers.PBKDF2PasswordHasher",
]


def messages_for(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


class PasswordPolicyTests(SimpleTestCase):
    def setUp(self):
        translation.activate("vi")
        self.addCleanup(translation.deactivate)
        self.user = User(
            username="nguyenvanan",
            first_name="Nguyễn Văn An",
            last_name="",
            email="an.nguyen@example.org",
        )

    def test_twelve_characters_at_least(self):
        self.assertEqual(
            messages_for("ptdv2026", self.user),
            [
                "Mật khẩu quá ngắn: cần ít nhất 12 ký tự.",
                "Mật khẩu này quá phổ biến, dễ bị đoán ra.",
            ],
        )
        self.assertIn("Mật khẩu quá ngắn: cần ít nhất 12 ký tự.", messages_for("Sông-Hồng-7"))
        self.assertEqual(messages_for("Sông-Hồng-7ab"), [])

    @override_settings(PTDV_PASSWORD_MIN_LENGTH=16)
    def test_the_length_is_a_setting(self):
        self.assertIn("Mật khẩu quá ngắn: cần ít nhất 16 ký tự.", messages_for("Sông-Hồng-7ab"))

    def test_common_and_guessable_passwords(self):
        for password in ("password1234", "qwertyuiop123", "Matkhau@2026!", "ptdv20262026",
                         "DangVien-123456", "aaaaaaaaaaaaaa", "anhyeuem12345"):  # fmt: skip
            with self.subTest(password=password):
                self.assertIn("Mật khẩu này quá phổ biến, dễ bị đoán ra.", messages_for(password))

    def test_digits_only(self):
        self.assertIn("Mật khẩu không được chỉ gồm chữ số.", messages_for("001098123456"))

    def test_similar_to_the_user_with_or_without_diacritics(self):
        for password in ("nguyenvanan1", "Nguyễn-Văn-An!", "an.nguyen@example"):
            with self.subTest(password=password):
                found = messages_for(password, self.user)
                self.assertTrue(
                    any(m.startswith("Mật khẩu quá giống với") for m in found), (password, found)
                )
        self.assertIn(
            "Mật khẩu quá giống với tên đăng nhập của tài khoản.",
            messages_for("nguyenvanan99", self.user),
        )

    def test_the_demo_password_passes_for_every_demo_user(self):
        for username, name in (("admin", "Quản trị hệ thống"), ("tinhuy", "Ban Tổ chức Tỉnh ủy"),
                               ("bantochuc", "Ban Tổ chức Huyện ủy"), ("chibo", "Bí thư chi bộ"),
                               ("dangbo_xa", "Cán bộ tổ chức Đảng ủy xã"), ("xem", "Người xem"),
                               ("baove", "Bảo vệ dữ liệu cá nhân huyện"),
                               ("giupdo", "Lò Văn Pấng")):  # fmt: skip
            with self.subTest(username=username):
                user = User(username=username, first_name=name)
                self.assertEqual(messages_for(DEMO_PASSWORD, user), [])
        self.assertEqual(messages_for(PASSWORD), [])

    def test_help_texts_are_vietnamese(self):
        self.assertEqual(
            password_validators_help_texts(),
            [
                "Mật khẩu không được quá giống tên đăng nhập, họ tên hoặc thư điện tử.",
                "Mật khẩu phải có ít nhất 12 ký tự.",
                "Mật khẩu không được là mật khẩu phổ biến hay dễ đoán.",
                "Mật khẩu không được chỉ gồm chữ số.",
            ],
        )


class PasswordChangePageTests(WorldTestCase):
    def test_the_change_form_refuses_a_short_password_in_vietnamese(self):
        self.client.force_login(self.u.cell)
        response = self.client.post(
            "/tai-khoan/doi-mat-khau/",
            {"old_password": PASSWORD, "new_password1": "ptdv2026", "new_password2": "ptdv2026"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Mật khẩu quá ngắn: cần ít nhất 12 ký tự.")
        self.assertContains(response, "Mật khẩu phải có ít nhất 12 ký tự.")  # the help text


@override_settings(PASSWORD_HASHERS=BOUNDED)
class Argon2ParametersTests(TestCase):
    def test_new_hashes_use_rfc_9106_parameters(self):
        encoded = make_password("Sông-Hồng-7ab")
        summary = identify_hasher(encoded).decode(encoded)
        self.assertEqual(summary["variety"], "argon2id")
        self.assertEqual(
            (summary["time_cost"], summary["memory_cost"], summary["parallelism"]),
            (3, 65536, 4),
        )
        self.assertTrue(check_password("Sông-Hồng-7ab", encoded))
        self.assertFalse(check_password("Sông-Hồng-7ac", encoded))

    def test_a_hash_with_djangos_parameters_verifies_and_is_upgraded_at_login(self):
        old = django_hashers.Argon2PasswordHasher().encode("Sông-Hồng-7ab", "saltsaltsaltsalt")
        user = User.objects.create(username="cu", password=old)
        self.assertIn("m=102400,t=2,p=8", old)
        response = self.client.post(LOGIN, {"username": "cu", "password": "Sông-Hồng-7ab"})
        self.assertEqual(response.status_code, 302)
        user.refresh_from_db()
        self.assertIn("m=65536,t=3,p=4", user.password)

    def test_a_pbkdf2_hash_still_verifies(self):
        old = django_hashers.PBKDF2PasswordHasher().encode("Sông-Hồng-7ab", "saltsaltsalt")
        self.assertTrue(check_password("Sông-Hồng-7ab", old))


class _Tracker:
    """Counts the hashes running at once inside a patched hasher."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = self.peak = self.done = 0

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.done += 1
        return "argon2$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


@override_settings(PASSWORD_HASHERS=BOUNDED)
class ConcurrencyBoundTests(SimpleTestCase):
    def run_threads(self, n: int, tracker: _Tracker) -> list[BaseException | str]:
        hasher = hashers.Argon2PasswordHasher()
        outcomes: list[BaseException | str] = []
        start = threading.Barrier(n)

        def work():
            start.wait()
            try:
                outcomes.append(hasher.encode("Sông-Hồng-7ab", "saltsaltsaltsalt"))
            except hashers.PasswordHashingBusy as error:
                outcomes.append(error)

        with mock.patch.object(django_hashers.Argon2PasswordHasher, "encode", tracker):
            threads = [threading.Thread(target=work) for _ in range(n)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        return outcomes

    @override_settings(PTDV_PASSWORD_HASH_CONCURRENCY=2, PTDV_PASSWORD_HASH_WAIT_SECONDS=10)
    def test_sixteen_threads_hash_two_at_a_time(self):
        tracker = _Tracker(seconds=0.05)
        outcomes = self.run_threads(16, tracker)
        self.assertEqual(len(outcomes), 16)
        self.assertTrue(all(isinstance(o, str) for o in outcomes), outcomes)
        self.assertEqual(tracker.done, 16)
        self.assertEqual(tracker.peak, 2)

    @override_settings(PTDV_PASSWORD_HASH_CONCURRENCY=3, PTDV_PASSWORD_HASH_WAIT_SECONDS=10)
    def test_the_bound_is_a_setting(self):
        tracker = _Tracker(seconds=0.05)
        self.run_threads(9, tracker)
        self.assertEqual(tracker.peak, 3)

    @override_settings(PTDV_PASSWORD_HASH_CONCURRENCY=1, PTDV_PASSWORD_HASH_WAIT_SECONDS=0.1)
    def test_a_wait_longer_than_the_setting_is_refused(self):
        tracker = _Tracker(seconds=1.0)  # far longer than the wait, even on a busy machine
        outcomes = self.run_threads(3, tracker)
        busy = [o for o in outcomes if isinstance(o, hashers.PasswordHashingBusy)]
        self.assertEqual(len(busy), 2)
        self.assertEqual(tracker.done, 1)

    @override_settings(PTDV_PASSWORD_HASH_CONCURRENCY=2)
    def test_verify_is_bounded_too_and_releases_on_error(self):
        hasher = hashers.Argon2PasswordHasher()
        with mock.patch.object(
            django_hashers.Argon2PasswordHasher, "verify", side_effect=RuntimeError("boom")
        ):
            for _ in range(5):
                with self.assertRaises(RuntimeError):
                    hasher.verify("x", "argon2$…")
        # Every permit was given back.
        semaphore = hashers._semaphore()
        self.assertTrue(all(semaphore.acquire(blocking=False) for _ in range(2)))
        semaphore.release()
        semaphore.release()


@override_settings(
    PASSWORD_HASHERS=BOUNDED, PTDV_PASSWORD_HASH_CONCURRENCY=1, PTDV_PASSWORD_HASH_WAIT_SECONDS=0.05
)
class ServerBusyTests(WorldTestCase):
    def hold_every_permit(self):
        semaphore = hashers._semaphore()
        self.assertTrue(semaphore.acquire(blocking=False))
        self.addCleanup(semaphore.release)

    def test_the_login_page_says_the_server_is_busy(self):
        self.hold_every_permit()
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertContains(
            response, "Máy chủ đang bận xử lý nhiều lượt đăng nhập cùng lúc.", status_code=503
        )
        self.assertContains(response, 'name="username"', status_code=503)  # the form again
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_another_page_that_hashes_answers_503(self):
        self.client.force_login(self.u.cell)
        self.hold_every_permit()
        response = self.client.post(
            "/tai-khoan/doi-mat-khau/",
            {
                "old_password": PASSWORD,
                "new_password1": "Sông-Hồng-7ab",
                "new_password2": "Sông-Hồng-7ab",
            },
        )
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "Máy chủ đang bận", status_code=503)
        self.assertIn("no-store", response["Cache-Control"])
