"""The reminders' digest: sent through a real SMTP server, once a day, by preference, in scope;
the same counts as the to-do page."""

from __future__ import annotations

import io
import socket
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from unittest import mock

import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from ptdv.accounts.models import Role
from ptdv.pipeline import services
from ptdv.pipeline.models import MentorAssignment
from ptdv.reminders import digest, sending
from ptdv.reminders.models import (
    MAX_ATTEMPTS,
    Frequency,
    ReminderPreference,
    ReminderSend,
    SendStatus,
)
from ptdv.reminders.schedule import ReminderClock
from ptdv.rules.stages import Stage
from tests.base import WorldTestCase, make_user, populate
from tests.web.test_pages import bulk_candidacies

TODAY = date(2025, 9, 1)  # a Monday
SITE = "https://ptdv.example.vn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port, and the settings that send to it."""
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
        ):
            yield handler
    finally:
        controller.stop()


def parsed(envelope):
    return message_from_bytes(envelope.content, policy=email_policy)


def bodies(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@time_machine.travel(datetime(2025, 9, 1, 7, 0, tzinfo=timezone.get_default_timezone()), tick=False)
@override_settings(PTDV_SITE_URL=SITE, DEFAULT_FROM_EMAIL="ptdv <nhacviec@ptdv.example.vn>")
class DigestTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)  # one sympathiser with a mentor in every cell
        # Nobody but the users a test gives an address to receives anything.
        from ptdv.accounts.models import User

        User.objects.update(email="")

    def give_email(self, *users):
        for user in users:
            user.email = f"{user.username}@ptdv.example.vn"
            user.save(update_fields=["email"])

    def late(self, name="Trần Văn Muộn", cell=None):
        return self.advance(self.candidacy(name, cell), Stage.CELL_RESOLVED)

    # --- the whole way, through a real SMTP server -------------------------------------------

    def test_sent_through_smtp_once_a_day(self):
        late = self.late()
        self.give_email(self.u.cell, self.u.outsider)
        with smtp_server() as server:
            result = sending.run(TODAY)
            self.assertEqual((result.sent, result.failed), (2, 0))
            by_recipient = {e.rcpt_tos[0]: parsed(e) for e in server.envelopes}
            self.assertEqual(set(by_recipient), {"chibo@ptdv.example.vn", "ngoai@ptdv.example.vn"})
            message = by_recipient["chibo@ptdv.example.vn"]
            self.assertEqual(message["To"], "chibo@ptdv.example.vn")
            self.assertEqual(message["From"], "ptdv <nhacviec@ptdv.example.vn>")
            self.assertIn("Nhắc việc ngày 01/09/2025", message["Subject"])
            self.assertIn("1 quá hạn", message["Subject"])
            self.assertEqual(message["Auto-Submitted"], "auto-generated")
            text, html = bodies(message)
            self.assertIn("Hồ sơ quá hạn: 1", text)
            self.assertIn("Trần Văn Muộn", text)
            self.assertIn("Quyết định kết nạp", text)  # what is due, not only when
            self.assertIn(late.next_due.strftime("%d/%m/%Y"), text)
            self.assertIn(f"{SITE}/ho-so/{late.pk}/", text)
            self.assertIn(f'href="{SITE}/ho-so/{late.pk}/"', html)
            self.assertIn(f"{SITE}/tai-khoan/nhac-viec/", text)  # the way to stop them
            self.assertIn("Chưa có báo cáo giúp đỡ tháng 09/2025", text)
            self.assertNotIn(late.person.cccd or "no-cccd", text)
            # The outsider's digest holds nothing of the district.
            text, html = bodies(by_recipient["ngoai@ptdv.example.vn"])
            self.assertNotIn("Trần Văn Muộn", text + html)
            self.assertIn("Thôn Nam", text)  # their own candidate's missing report
            # A second run the same day sends nothing; the log says why.
            again = sending.run(TODAY)
            self.assertEqual((again.sent, again.skipped), (0, 0))
            self.assertEqual(len(server.envelopes), 2)
        self.assertEqual(
            set(ReminderSend.objects.values_list("user__username", "day", "status")),
            {("chibo", TODAY, SendStatus.SENT), ("ngoai", TODAY, SendStatus.SENT)},
        )

    def test_a_claimed_row_is_never_sent_twice_and_a_failed_send_is_retried(self):
        self.give_email(self.u.cell)
        # Another worker claimed the user first: this one skips them.
        self.assertIsNotNone(sending.claim(self.u.cell, TODAY))
        result = sending.run(TODAY, connection=mail.get_connection())
        self.assertEqual((result.sent, len(mail.outbox)), (0, 0))
        self.assertIsNone(sending.claim(self.u.cell, TODAY))
        ReminderSend.objects.all().delete()
        # The mail server refuses: marked failed, then sent by the next run of the day.
        with mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=ConnectionRefusedError("refused"),
        ):
            failed = sending.run(TODAY)
        self.assertEqual((failed.failed, failed.complete), (1, False))
        row = ReminderSend.objects.get(user=self.u.cell, day=TODAY)
        self.assertEqual((row.status, row.error), (SendStatus.FAILED, "ConnectionRefusedError"))
        retried = sending.run(TODAY)
        self.assertEqual(retried.sent, 1)
        self.assertEqual(len(mail.outbox), 1)
        row.refresh_from_db()
        self.assertEqual((row.status, row.attempts), (SendStatus.SENT, 2))
        # After MAX_ATTEMPTS failures the day is given up.
        row.status, row.attempts = SendStatus.FAILED, MAX_ATTEMPTS
        row.save()
        self.assertFalse(sending.due_users(TODAY).filter(pk=self.u.cell.pk).exists())

    def test_a_mail_server_that_does_not_answer_fails_the_send_not_the_run(self):
        self.give_email(self.u.cell)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=free_port(),  # nobody listens there
            EMAIL_TIMEOUT=5,
        ):
            result = sending.run(TODAY)
        self.assertEqual(
            (result.sent, result.failed, result.failed_users), (0, 1, [self.u.cell.pk])
        )
        row = ReminderSend.objects.get(user=self.u.cell, day=TODAY)
        self.assertEqual((row.status, row.error), (SendStatus.FAILED, "ConnectionRefusedError"))
        self.assertEqual(row.counts["overdue"], 0)  # numbers only, kept for the log
        self.assertGreater(row.counts["missing_reports"], 0)

    def test_names_are_escaped_in_the_html_part(self):
        self.late("Lê <b>Đậm</b> & Con")
        self.give_email(self.u.cell)
        sending.run(TODAY)
        (sent,) = mail.outbox
        html = sent.alternatives[0][0]
        self.assertIn("Lê &lt;b&gt;Đậm&lt;/b&gt; &amp; Con", html)
        self.assertNotIn("<b>Đậm</b>", html)
        self.assertIn("Lê <b>Đậm</b> & Con", sent.body)  # the plain text as it is

    def test_weekly_preference_and_off(self):
        self.give_email(self.u.cell, self.u.grassroots, self.u.committee)
        ReminderPreference.objects.create(
            user=self.u.cell, frequency=Frequency.WEEKLY, weekday=TODAY.weekday()
        )
        ReminderPreference.objects.create(
            user=self.u.grassroots, frequency=Frequency.WEEKLY, weekday=(TODAY.weekday() + 2) % 7
        )
        ReminderPreference.objects.create(user=self.u.committee, enabled=False)
        sending.run(TODAY)
        self.assertEqual([m.to for m in mail.outbox], [["chibo@ptdv.example.vn"]])
        # Two days later it is the grassroots officer's day (and the cell's is not).
        later = TODAY + timedelta(days=2)
        sending.run(later)
        self.assertEqual([m.to for m in mail.outbox[1:]], [["dangbo_xa@ptdv.example.vn"]])

    def test_nothing_to_say_and_no_address_get_nothing(self):
        quiet = make_user("yen_tinh", self.o.E, Role.VIEWER, email="yen@ptdv.example.vn")
        # The district E's only candidacy (X1) gets its report: nothing left to say there.
        assignment = MentorAssignment.objects.get(candidacy=self.made.X1)

        services.file_mentor_report(assignment, "month", TODAY, "Tốt.", "good", filed_on=TODAY)
        self.assertTrue(digest.build(quiet, TODAY).empty)
        result = sending.run(TODAY)  # nobody else has an address
        self.assertEqual((result.sent, result.nothing), (0, 1))
        self.assertEqual(mail.outbox, [])
        self.assertEqual(ReminderSend.objects.get(user=quiet).status, SendStatus.NOTHING)
        # The cell secretary has things to say, but no address.
        self.assertFalse(digest.build(self.u.cell, TODAY).empty)
        self.assertFalse(sending.due_users(TODAY).filter(pk=self.u.cell.pk).exists())
        # A deactivated user gets nothing either.
        self.give_email(self.u.cell)
        self.u.cell.is_active = False
        self.u.cell.save()
        self.assertFalse(sending.due_users(TODAY).filter(pk=self.u.cell.pk).exists())

    def test_mentor_gets_their_own_missing_reports(self):
        mentor_user = make_user(
            "nguoi_giup", self.o.A1, Role.VIEWER, person=self.p.mentor, email="giup@ptdv.example.vn"
        )
        built = digest.build(mentor_user, TODAY)
        own = next(p for p in built.parts if p.key == "own_reports")
        self.assertEqual(own.count, 1)
        assignment = MentorAssignment.objects.get(candidacy=self.made.A1)
        self.assertEqual(own.items[0].url, f"{SITE}/giup-do/{assignment.pk}/bao-cao/")
        sending.run(TODAY)
        (sent,) = mail.outbox
        self.assertIn("Báo cáo giúp đỡ của tôi chưa nộp tháng 09/2025: 1", sent.body)
        self.assertIn("Quần Chúng Thôn Đông", sent.body)
        # The data protection officer reads no candidate's record: nothing to say.
        officer = make_user("bao_ve", self.o.D, Role.PRIVACY, email="bv@ptdv.example.vn")
        self.assertTrue(digest.build(officer, TODAY).empty)

    def test_a_transferred_candidacys_former_mentor_goes_unnamed(self):
        self.transferred_in()
        built = digest.build(self.u.cell, TODAY)
        missing = next(p for p in built.parts if p.key == "missing_reports")
        whats = {i.name: i.what for i in missing.items}
        self.assertEqual(whats["Người Chuyển Đến"], "Người giúp đỡ: (người ngoài phạm vi của bạn)")
        self.assertEqual(whats["Quần Chúng Thôn Đông"], "Người giúp đỡ: Lê Văn Giúp")
        self.give_email(self.u.cell)
        sending.run(TODAY)
        (sent,) = mail.outbox
        self.assertIn("Người Chuyển Đến", sent.body)
        for part in (sent.body, str(sent.alternatives)):
            self.assertNotIn("Võ Thị Xa", part)
        # Who sees the former cell reads the mentor's name.
        admin = digest.build(self.u.admin, TODAY)
        missing = next(p for p in admin.parts if p.key == "missing_reports")
        self.assertIn("Người giúp đỡ: Võ Thị Xa", [i.what for i in missing.items])

    # --- the same things as the to-do page --------------------------------------------------

    def test_same_counts_and_first_rows_as_the_todo_page(self):
        bulk_candidacies([self.o.A1, self.o.A2, self.o.B1, self.o.X1], 3 * 14, TODAY)
        for user in (self.u.cell, self.u.grassroots, self.u.committee, self.u.outsider):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                page = self.client.get("/").context
                built = {p.key: p for p in digest.build(user, TODAY).parts}
                self.assertEqual(built["overdue"].count, page["overdue_count"])
                self.assertEqual(built["due_soon"].count, page["due_soon_count"])
                self.assertEqual(built["expiring"].count, page["expiring"]["count"])
                self.assertEqual(built["missing_reports"].count, page["missing_count"])
                self.assertLessEqual(len(built["overdue"].items), digest.FIRST_N)
                first = sorted(
                    (c for g in page["overdue_groups"] for c in g["rows"]),
                    key=lambda c: (c.next_due, c.pk),
                )[: digest.FIRST_N]
                self.assertEqual(
                    [i.url for i in built["overdue"].items],
                    [f"{SITE}/ho-so/{c.pk}/" for c in first],
                )

    def test_queries_do_not_grow_with_the_subtree(self):
        user = self.u.committee
        bulk_candidacies([self.o.A1], 6, TODAY)  # something in every part
        self.assert_queries_do_not_grow(
            lambda: bulk_candidacies([self.o.A1, self.o.B1, self.o.G], 60, TODAY, start=6),
            lambda: digest.build(user, TODAY),
        )
        self.assertLessEqual(
            self.count_queries(lambda: digest.build(user, TODAY)), digest.MAX_QUERIES
        )

    # --- running it ---------------------------------------------------------------------------

    def test_command_and_the_workers_clock(self):
        self.give_email(self.u.cell)
        call_command("send_reminders", "--date", TODAY.isoformat(), stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)
        with self.assertRaises(CommandError):
            call_command("send_reminders", "--date", "01/09/2025")
        clock = ReminderClock()
        tz = timezone.get_default_timezone()
        with override_settings(PTDV_REMINDER_HOUR=6):
            self.assertIsNone(clock.tick(datetime(2025, 9, 2, 5, 59, tzinfo=tz)))  # too early
            result = clock.tick(datetime(2025, 9, 2, 6, 1, tzinfo=tz))
            self.assertEqual(
                (result.day, result.sent, result.complete), (date(2025, 9, 2), 1, True)
            )
            self.assertIsNone(clock.tick(datetime(2025, 9, 2, 6, 2, tzinfo=tz)))  # done today
        with override_settings(PTDV_REMINDER_HOUR=-1):
            self.assertFalse(clock.due(datetime(2025, 9, 3, 12, 0, tzinfo=tz)))
        self.assertEqual(len(mail.outbox), 2)

    def test_a_run_stops_when_its_time_is_up(self):
        self.give_email(self.u.cell, self.u.grassroots)
        real = time.monotonic
        with mock.patch.object(
            sending.time, "monotonic", side_effect=[real(), real() + 10**6, real() + 10**6]
        ):
            result = sending.run(TODAY, seconds=5)
        self.assertTrue(result.cut_short)
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(sending.run(TODAY).sent, 2)  # the next run continues
