"""Sessions end after PTDV_SESSION_IDLE_MINUTES without a request and PTDV_SESSION_MAX_HOURS after
the login; the user lands on the login page with a message, htmx requests get HX-Redirect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import override_settings

from ptdv.accounts.middleware import ACTIVITY_STEP, SEEN, STARTED
from tests.base import PASSWORD, WorldTestCase

LOGIN = "/tai-khoan/dang-nhap/"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
IDLE_MESSAGE = "Phiên làm việc đã hết hạn vì quá 30 phút không thao tác"
LIFETIME_MESSAGE = "Phiên làm việc đã hết hạn: đã quá 12 giờ kể từ khi đăng nhập"


class SessionTestCase(WorldTestCase):
    def log_in(self):
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)


class IdleTimeoutTests(SessionTestCase):
    def test_thirty_minutes_without_a_request_end_the_session(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            clock.shift(timedelta(minutes=29))
            self.assertEqual(self.client.get("/").status_code, 200)
            # Activity moved the clock: 29 more minutes are still fine.
            clock.shift(timedelta(minutes=29))
            self.assertEqual(self.client.get("/").status_code, 200)
            clock.shift(timedelta(minutes=30, seconds=1))
            response = self.client.get("/danh-sach/?giai_doan=source")
        self.assertRedirects(
            response,
            f"{LOGIN}?next=/danh-sach/%3Fgiai_doan%3Dsource",
            fetch_redirect_response=False,
        )
        self.assertNotIn("_auth_user_id", self.client.session)
        login_page = self.client.get(response["Location"])
        self.assertContains(login_page, IDLE_MESSAGE)
        self.assertContains(login_page, 'name="next" value="/danh-sach/?giai_doan=source"')

    def test_activity_is_written_at_most_once_a_minute(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            seen = self.client.session[SEEN]
            clock.shift(timedelta(seconds=ACTIVITY_STEP - 1))
            self.client.get("/")
            self.assertEqual(self.client.session[SEEN], seen)
            clock.shift(timedelta(seconds=1))
            self.client.get("/")
            self.assertEqual(self.client.session[SEEN], seen + ACTIVITY_STEP)

    @override_settings(PTDV_SESSION_IDLE_MINUTES=5)
    def test_the_idle_time_is_a_setting(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            clock.shift(timedelta(minutes=5, seconds=1))
            response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertContains(
            self.client.get(LOGIN), "Phiên làm việc đã hết hạn vì quá 5 phút không thao tác"
        )


class LifetimeTests(SessionTestCase):
    def test_twelve_hours_after_the_login_the_session_ends_even_when_active(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            started = self.client.session[STARTED]
            for _ in range(12 * 4):
                clock.shift(timedelta(minutes=15))
                self.assertEqual(self.client.get("/").status_code, 200)
            self.assertEqual(self.client.session[STARTED], started)
            clock.shift(timedelta(seconds=1))
            response = self.client.get("/")
        self.assertRedirects(response, f"{LOGIN}?next=/", fetch_redirect_response=False)
        self.assertContains(self.client.get(LOGIN), LIFETIME_MESSAGE)

    def test_logging_in_again_starts_a_new_session(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            clock.shift(timedelta(hours=13))
            self.assertEqual(self.client.get("/").status_code, 302)
            self.log_in()
            self.assertEqual(self.client.get("/").status_code, 200)

    def test_the_cookie_ends_with_the_browser_and_the_row_with_the_lifetime(self):
        self.log_in()
        cookie = self.client.cookies["sessionid"]
        self.assertEqual(cookie["max-age"], "")  # a browser-session cookie
        age = self.client.session.get_expiry_age()
        self.assertEqual(age, 12 * 3600)

    def test_a_session_from_before_these_limits_starts_its_clock(self):
        self.client.force_login(self.u.cell)
        session = self.client.session
        del session[STARTED], session[SEEN]
        session.save()
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertIn(STARTED, self.client.session)


class HtmxTests(SessionTestCase):
    def test_an_htmx_request_gets_hx_redirect_to_the_page(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            clock.shift(timedelta(hours=1))
            response = self.client.get(
                "/danh-sach/?trang=2",
                headers={
                    "HX-Request": "true",
                    "HX-Current-URL": "http://testserver/danh-sach/?gioi_tinh=F",
                },
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Redirect"], f"{LOGIN}?next=/danh-sach/%3Fgioi_tinh%3DF")
        self.assertEqual(response.content, b"")
        self.assertContains(self.client.get(LOGIN), IDLE_MESSAGE)

    def test_an_htmx_request_without_a_session_too(self):
        response = self.client.get(
            "/tim-kiem/?q=nguyen",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/tim-kiem/"},
        )
        self.assertEqual(response["HX-Redirect"], f"{LOGIN}?next=/tim-kiem/")

    def test_another_sites_page_is_not_a_next(self):
        response = self.client.get(
            "/tim-kiem/",
            headers={"HX-Request": "true", "HX-Current-URL": "https://example.org/x"},
        )
        self.assertEqual(response["HX-Redirect"], LOGIN)

    def test_a_post_after_expiry_goes_back_to_the_form_page(self):
        with time_machine.travel(START, tick=False) as clock:
            self.log_in()
            clock.shift(timedelta(hours=1))
            candidacy = self.candidacy()
            response = self.client.post(
                f"/ho-so/{candidacy.pk}/ghi-buoc/",
                {"step": "sympathiser"},
                headers={"Referer": f"http://testserver/ho-so/{candidacy.pk}/"},
            )
        self.assertRedirects(
            response, f"{LOGIN}?next=/ho-so/{candidacy.pk}/", fetch_redirect_response=False
        )
        self.assertEqual(candidacy.events.count(), 1)  # nothing recorded
