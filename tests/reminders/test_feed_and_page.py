"""The reminders page (one's own preferences, the feed's secret) and the calendar feed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest import mock

import time_machine
from django.test import override_settings
from icalendar import Calendar

from ptdv.accounts.models import Role
from ptdv.pipeline.models import Candidacy
from ptdv.reminders import feed
from ptdv.reminders.models import Frequency, ReminderPreference
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, make_user
from tests.web.test_pages import bulk_candidacies

TODAY = date(2025, 9, 1)
SITE = "https://ptdv.example.vn"


def feed_path(url: str) -> str:
    return url.removeprefix(SITE)


@time_machine.travel(TODAY, tick=False)
@override_settings(PTDV_SITE_URL=SITE)
class FeedTests(WorldTestCase):
    def make_feed(self, user) -> str:
        self.client.force_login(user)
        response = self.client.post("/tai-khoan/nhac-viec/", {"action": "feed_new"})
        self.assertEqual(response.status_code, 200)
        url = response.context["new_feed_url"]
        self.assertTrue(url.startswith(f"{SITE}/lich/") and url.endswith(".ics"), url)
        self.assertContains(response, url)
        self.client.logout()
        return feed_path(url)

    def events(self, path: str):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("private", response["Cache-Control"])
        calendar = Calendar.from_ical(response.content)
        return response, list(calendar.walk("VEVENT"))

    def test_feed_lists_the_subtree_deadlines_and_nothing_else(self):
        late = self.advance(self.candidacy("Trần Văn Hạn"), Stage.CELL_RESOLVED)
        soon = self.candidacy("Lê Thị Sớm")
        Candidacy.objects.filter(pk=soon.pk).update(
            next_due=TODAY + timedelta(days=20),
            next_due_code="decision_due",
            expiry_due=TODAY + timedelta(days=10),
            expiry_code="certificate_expiry",
        )
        outside = self.candidacy("Võ Văn Xa", self.o.X1)
        Candidacy.objects.filter(pk=outside.pk).update(
            next_due=TODAY + timedelta(days=5), next_due_code="decision_due"
        )
        far = self.candidacy("Đỗ Văn Xa Lắc")
        Candidacy.objects.filter(pk=far.pk).update(
            next_due=TODAY + timedelta(days=feed.HORIZON_DAYS + 1), next_due_code="decision_due"
        )
        path = self.make_feed(self.u.committee)
        response, events = self.events(path)  # no login needed
        by_uid = {str(e["UID"]): e for e in events}
        host = "ptdv.example.vn"
        self.assertEqual(
            set(by_uid),
            {f"due-{soon.pk}-decision_due@{host}", f"expiry-{soon.pk}-certificate_expiry@{host}"},
        )
        due = by_uid[f"due-{soon.pk}-decision_due@{host}"]
        self.assertEqual(due.decoded("DTSTART"), TODAY + timedelta(days=20))  # all day
        self.assertEqual(due.decoded("DTEND"), TODAY + timedelta(days=21))
        self.assertIn("Lê Thị Sớm", str(due["SUMMARY"]))
        self.assertIn("Quyết định kết nạp", str(due["SUMMARY"]))
        self.assertIn(f"{SITE}/ho-so/{soon.pk}/", str(due["DESCRIPTION"]))
        text = response.content.decode()
        self.assertNotIn("Võ Văn Xa", text)  # outside the district
        self.assertNotIn("Trần Văn Hạn", text)  # overdue: before today
        self.assertNotIn(late.person.cccd or "\x00", text)
        self.assertIsNone(re.search(r"\d{9,}", text))  # no identity number
        # The same UIDs the next day: a calendar updates instead of duplicating.
        with time_machine.travel(TODAY + timedelta(days=1), tick=False):
            _, again = self.events(path)
        self.assertEqual(
            {str(e["UID"]) for e in again},
            {*by_uid, f"due-{far.pk}-decision_due@{host}"},  # the horizon moved one day too
        )
        # The outsider's feed holds their own branch only.
        _, theirs = self.events(self.make_feed(self.u.outsider))
        self.assertEqual([str(e["UID"]) for e in theirs], [f"due-{outside.pk}-decision_due@{host}"])

    def test_wrong_revoked_or_deactivated_secret_is_404(self):
        self.assertEqual(self.client.get("/lich/khong-dung.ics").status_code, 404)
        first = self.make_feed(self.u.cell)
        self.events(first)
        second = self.make_feed(self.u.cell)  # made anew: the old address stops
        self.assertEqual(self.client.get(first).status_code, 404)
        self.events(second)
        stored = ReminderPreference.objects.get(user=self.u.cell).feed_token_hash
        token = second.removeprefix("/lich/").removesuffix(".ics")
        self.assertNotIn(token, stored)  # only the hash is kept
        self.assertEqual(stored, feed.token_hash(token))
        self.client.force_login(self.u.cell)
        response = self.client.post("/tai-khoan/nhac-viec/", {"action": "feed_revoke"})
        self.assertRedirects(response, "/tai-khoan/nhac-viec/", fetch_redirect_response=False)
        self.client.logout()
        self.assertEqual(self.client.get(second).status_code, 404)
        third = self.make_feed(self.u.cell)
        self.u.cell.is_active = False
        self.u.cell.save()
        self.assertEqual(self.client.get(third).status_code, 404)

    def test_feed_is_bounded(self):
        bulk_candidacies([self.o.A1], 30, TODAY)
        path = self.make_feed(self.u.cell)
        with mock.patch.object(feed, "MAX_EVENTS", 7):
            _, events = self.events(path)
        self.assertEqual(len(events), 7)
        days = [e.decoded("DTSTART") for e in events]
        self.assertEqual(days, sorted(days))  # the nearest first


@time_machine.travel(TODAY, tick=False)
class PreferencesPageTests(WorldTestCase):
    def test_reachable_from_the_account_page(self):
        self.client.force_login(self.u.viewer)
        response = self.client.get("/tai-khoan/cua-toi/")
        self.assertContains(response, 'href="/tai-khoan/nhac-viec/"')
        self.assertContains(response, "Nhắc việc")

    def test_defaults_then_own_choice_saved(self):
        self.client.force_login(self.u.cell)
        response = self.client.get("/tai-khoan/nhac-viec/")
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual((form["enabled"].value(), form["frequency"].value()), (True, "daily"))
        self.assertContains(response, "chưa có địa chỉ thư điện tử")
        response = self.client.post(
            "/tai-khoan/nhac-viec/",
            {
                "action": "save",
                "enabled": "on",
                "frequency": "weekly",
                "weekday": "4",
                "user": self.u.committee.pk,
            },
        )
        self.assertRedirects(response, "/tai-khoan/nhac-viec/", fetch_redirect_response=False)
        pref = ReminderPreference.objects.get()
        self.assertEqual(
            (pref.user, pref.enabled, pref.frequency, pref.weekday),
            (self.u.cell, True, Frequency.WEEKLY, 4),
        )
        # Turning it off; another user's preferences are their own.
        self.client.post(
            "/tai-khoan/nhac-viec/", {"action": "save", "frequency": "daily", "weekday": "0"}
        )
        pref.refresh_from_db()
        self.assertFalse(pref.enabled)
        self.assertFalse(ReminderPreference.objects.filter(user=self.u.committee).exists())
        self.client.force_login(self.u.committee)
        form = self.client.get("/tai-khoan/nhac-viec/").context["form"]
        self.assertEqual((form["enabled"].value(), form["frequency"].value()), (True, "daily"))

    def test_bad_input_names_the_field(self):
        self.client.force_login(self.u.cell)
        response = self.client.post(
            "/tai-khoan/nhac-viec/", {"action": "save", "frequency": "hourly", "weekday": "9"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tần suất phải là hằng ngày hoặc hằng tuần.")
        self.assertContains(response, "Ngày trong tuần không hợp lệ.")
        self.assertFalse(ReminderPreference.objects.exists())

    def test_anonymous_is_sent_to_login_and_the_officer_may_use_it(self):
        response = self.client.get("/tai-khoan/nhac-viec/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/tai-khoan/dang-nhap/", response["Location"])
        officer = make_user("bao_ve", self.o.D, Role.PRIVACY)
        self.client.force_login(officer)
        self.assertEqual(self.client.get("/tai-khoan/nhac-viec/").status_code, 200)
