"""The requests register: recording a request with its deadlines, the steps that answer it, the
to-do page of the officers who answer, the calendar moving the deadlines, scope and roles."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from ptdv.accounts.models import Role
from ptdv.pipeline.models import CalendarDay
from ptdv.subjects import services
from ptdv.subjects.models import RequestStep, SubjectRequest
from ptdv.subjects.services import Refused, record_request, record_request_step
from tests.base import WorldTestCase, make_person, make_user

FRIDAY = date(2026, 4, 24)  # before Giỗ Tổ Hùng Vương (26/4, day off moved to 27/4) and 30/4–1/5


def new_request(person, kind="access", received_on=FRIDAY, actor=None, **fields):
    fields.setdefault("channel", "in_person")
    fields.setdefault("text", "Xin được xem toàn bộ thông tin đang lưu về tôi.")
    return record_request(
        person, kind=kind, received_on=received_on, actor=actor, today=max(received_on, FRIDAY),
        **fields,
    )  # fmt: skip


class RequestsTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        o = cls.o
        cls.u.privacy = make_user("baove", o.D, Role.PRIVACY)
        cls.u.grassroots_b = make_user("dangbo_b", o.B, Role.GRASSROOTS)
        cls.person = make_person(o.A1, "Nguyễn Thị Yêu Cầu", date(1990, 3, 4), sex="F")
        cls.person_b = make_person(o.B1, "Trần Văn Bình", date(1988, 1, 2))
        cls.outside = make_person(o.X1, "Lò Văn Xa", date(1985, 5, 6))


@time_machine.travel(FRIDAY, tick=False)
class RecordingTests(RequestsTestCase):
    def test_a_writer_records_a_request_and_its_deadlines_are_counted_in_working_days(self):
        self.client.force_login(self.u.cell)
        page = self.client.get(f"/nguoi/{self.person.pk}/du-lieu/")
        self.assertContains(page, f'href="/nguoi/{self.person.pk}/du-lieu/yeu-cau-moi/"')
        self.assertNotContains(page, "du-lieu.xlsx")  # the cell secretary does not export
        response = self.client.post(
            f"/nguoi/{self.person.pk}/du-lieu/yeu-cau-moi/",
            {"kind": "access", "received_on": "24/04/2026", "channel": "letter",
             "requester": "self", "text": "Đề nghị cung cấp dữ liệu cá nhân của tôi."},
        )  # fmt: skip
        created = SubjectRequest.objects.get()
        self.assertRedirects(response, f"/yeu-cau/{created.pk}/", fetch_redirect_response=False)
        self.assertEqual(created.person, self.person)
        self.assertEqual(created.recorded_by, self.u.cell)
        self.assertEqual((created.status, created.version), ("received", 0))
        self.assertEqual(created.acknowledge_due, date(2026, 4, 29))
        self.assertEqual(created.answer_due, date(2026, 5, 13))
        self.assertEqual((created.next_due, created.next_due_code),
                         (date(2026, 4, 29), "request_acknowledge"))  # fmt: skip
        page = self.client.get(f"/yeu-cau/{created.pk}/")
        self.assertContains(page, "Hạn xác nhận đã nhận: 29/04/2026; hạn trả lời: 13/05/2026.")
        self.assertContains(page, "Truy cập, cung cấp dữ liệu — Nguyễn Thị Yêu Cầu")
        self.assertContains(page, "Căn cứ")
        self.assertContains(page, "Nghị định 356/2025/NĐ-CP")
        self.assertNotContains(page, "Ghi bước tiếp theo")  # the cell secretary does not answer

    def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(self):
        self.client.force_login(self.u.cell)
        url = f"/nguoi/{self.person.pk}/du-lieu/yeu-cau-moi/"
        response = self.client.post(
            url, {"kind": "deletion", "received_on": "25/04/2026", "channel": "email",
                  "requester": "representative", "requester_name": " ", "text": "Xóa hồ sơ."},
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.errors["received_on"], ["Ngày không được sau hôm nay."])
        self.assertEqual(form.errors["requester_name"], ["Hãy ghi họ và tên người đại diện."])
        response = self.client.post(url, {"kind": "", "received_on": "", "channel": "",
                                          "requester": "self", "text": ""})  # fmt: skip
        self.assertEqual(
            set(response.context["form"].errors), {"kind", "received_on", "channel", "text"}
        )
        self.assertFalse(SubjectRequest.objects.exists())
        with self.assertRaises(Refused) as refused:
            new_request(self.person, kind="forget")
        self.assertEqual(refused.exception.field, "kind")
        with self.assertRaises(Refused) as refused:
            new_request(self.person, text="x" * (services.MAX_TEXT + 1))
        self.assertEqual(refused.exception.field, "text")
        self.assertFalse(SubjectRequest.objects.exists())

    def test_the_steps_answer_the_request_and_keep_their_history(self):
        request = new_request(self.person, kind="correction")
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/yeu-cau/{request.pk}/")
        self.assertContains(page, "Ghi bước tiếp theo")
        choices = [value for value, _ in page.context["form"].fields["step"].choices]
        self.assertEqual(choices, ["acknowledged", "answered", "refused", "closed"])
        with time_machine.travel(date(2026, 4, 28), tick=False):
            self.client.force_login(self.u.grassroots)  # sessions end after 12 hours
            response = self.client.post(
                f"/yeu-cau/{request.pk}/ghi-buoc/",
                {"step": "acknowledged", "date": "28/04/2026", "text": "", "version": 0},
            )
            self.assertRedirects(response, f"/yeu-cau/{request.pk}/")
            request.refresh_from_db()
            self.assertEqual((request.status, request.acknowledged_on, request.version),
                             ("acknowledged", date(2026, 4, 28), 1))  # fmt: skip
            self.assertEqual((request.next_due, request.next_due_code),
                             (date(2026, 5, 13), "request_answer"))  # fmt: skip
            # An answer says what was done.
            response = self.client.post(
                f"/yeu-cau/{request.pk}/ghi-buoc/",
                {"step": "answered", "date": "28/04/2026", "text": "", "version": 1},
            )
            self.assertEqual(response.context["form"].errors["text"],
                             ["Hãy ghi những việc đã làm."])  # fmt: skip
            # A stale form is told the request changed; nothing is written.
            response = self.client.post(
                f"/yeu-cau/{request.pk}/ghi-buoc/",
                {"step": "answered", "date": "28/04/2026", "text": "Đã sửa ngày sinh.",
                 "version": 0},
            )  # fmt: skip
            self.assertIn("vừa được người khác cập nhật", str(response.context["form"].errors))
            self.client.force_login(self.u.privacy)  # the data protection officer answers too
            response = self.client.post(
                f"/yeu-cau/{request.pk}/ghi-buoc/",
                {"step": "answered", "date": "28/04/2026", "version": 1,
                 "text": "Đã đính chính ngày sinh theo giấy khai sinh."},
            )  # fmt: skip
            self.assertRedirects(response, f"/yeu-cau/{request.pk}/")
        request.refresh_from_db()
        self.assertEqual((request.status, request.answered_on, request.next_due),
                         ("answered", date(2026, 4, 28), None))  # fmt: skip
        steps = list(RequestStep.objects.filter(request=request).order_by("seq"))
        self.assertEqual([(s.seq, s.step, s.actor) for s in steps],
                         [(1, "acknowledged", self.u.grassroots),
                          (2, "answered", self.u.privacy)])  # fmt: skip
        page = self.client.get(f"/yeu-cau/{request.pk}/")
        self.assertContains(page, "Đã đính chính ngày sinh theo giấy khai sinh.")
        self.assertEqual([v for v, _ in page.context["form"].fields["step"].choices], ["closed"])
        # Append-only.
        with self.assertRaises(RuntimeError):
            steps[0].save()
        with self.assertRaises(RuntimeError):
            steps[0].delete()
        with self.assertRaises(RuntimeError):
            RequestStep.objects.filter(request=request).update(text="")
        with self.assertRaises(RuntimeError):
            RequestStep.objects.filter(request=request).delete()

    def test_an_extension_once_and_a_refusal_with_its_legal_reason(self):
        request = new_request(self.person, kind="deletion", received_on=date(2026, 4, 1))
        record_request_step(request, "acknowledged", date(2026, 4, 2), version=0,
                            actor=self.u.grassroots)  # fmt: skip
        with self.assertRaises(Refused) as refused:
            record_request_step(request, "extended", date(2026, 4, 3), "Cần xác minh.", version=1,
                                extension_days=16)  # fmt: skip
        self.assertEqual(refused.exception.field, "extension_days")
        record_request_step(request, "extended", date(2026, 4, 3), "Cần xác minh ở chi bộ cũ.",
                            version=1, extension_days=15)  # fmt: skip
        request.refresh_from_db()
        self.assertEqual((request.status, request.extension_days), ("extended", 15))
        self.assertEqual(services.working_calendar().working_days_between(
            date(2026, 4, 1), request.answer_due), 35)  # fmt: skip
        with self.assertRaises(Refused):
            record_request_step(request, "extended", date(2026, 4, 6), "Lần nữa.", version=2,
                                extension_days=1)  # fmt: skip
        with self.assertRaises(Refused) as refused:
            record_request_step(request, "refused", date(2026, 4, 6), " ", version=2)
        self.assertEqual(refused.exception.message, "Hãy ghi căn cứ pháp lý của việc từ chối.")
        record_request_step(request, "refused", date(2026, 4, 6),
                            "Dữ liệu đảng viên được lưu theo quy định của Đảng.", version=2)  # fmt: skip
        record_request_step(request, "closed", date(2026, 4, 7), "Đã gửi văn bản trả lời.",
                            version=3)  # fmt: skip
        request.refresh_from_db()
        self.assertEqual((request.status, request.closed_on), ("closed", date(2026, 4, 7)))
        self.client.force_login(self.u.grassroots)
        response = self.client.get(f"/yeu-cau/{request.pk}/ghi-buoc/")
        self.assertRedirects(response, f"/yeu-cau/{request.pk}/")

    def test_roles_and_scope(self):
        request = new_request(self.person)
        urls = {
            "person_data": f"/nguoi/{self.person.pk}/du-lieu/",
            "new": f"/nguoi/{self.person.pk}/du-lieu/yeu-cau-moi/",
            "detail": f"/yeu-cau/{request.pk}/",
            "step": f"/yeu-cau/{request.pk}/ghi-buoc/",
            "list": "/yeu-cau/",
        }
        expected = {
            # role: person_data, new, detail, step, list
            "viewer": (403, 403, 403, 403, 403),  # read-only users do not read the register
            "cell": (200, 200, 200, 403, 200),
            "committee": (200, 200, 200, 403, 200),
            "grassroots": (200, 200, 200, 200, 200),
            "privacy": (200, 200, 200, 200, 200),
            "admin": (200, 200, 200, 403, 200),
            "outsider": (404, 404, 404, 404, 200),
            "grassroots_b": (404, 404, 404, 404, 200),
        }
        for role, statuses in expected.items():
            self.client.force_login(getattr(self.u, role))
            for (name, url), status in zip(urls.items(), statuses, strict=True):
                with self.subTest(role=role, page=name):
                    self.assertEqual(self.client.get(url).status_code, status)
            if role == "viewer":
                continue
            listed = self.client.get(urls["list"]).context["page"].object_list
            self.assertEqual(request in listed, role not in ("outsider", "grassroots_b"), role)
        self.client.force_login(self.u.viewer)
        response = self.client.post(urls["step"], {"step": "acknowledged", "date": "24/04/2026",
                                                   "version": 0})  # fmt: skip
        self.assertEqual(response.status_code, 403)
        self.assertFalse(RequestStep.objects.exists())
        self.client.logout()
        self.assertEqual(self.client.get(urls["list"]).status_code, 302)

    def test_the_register_filters_by_status_and_kind(self):
        open_ = new_request(self.person)
        done = new_request(self.person, kind="deletion")
        record_request_step(done, "answered", FRIDAY, "Đã xóa dữ liệu không cần thiết.", version=0)
        self.client.force_login(self.u.committee)
        self.assertEqual(list(self.client.get("/yeu-cau/").context["page"].object_list), [open_])
        listed = self.client.get("/yeu-cau/?tinh_trang=da-tra-loi").context["page"].object_list
        self.assertEqual(list(listed), [done])
        listed = self.client.get("/yeu-cau/?tinh_trang=tat-ca&loai=deletion")
        self.assertEqual(list(listed.context["page"].object_list), [done])
        # Unknown values fall back to the defaults.
        response = self.client.get("/yeu-cau/?tinh_trang=%3Cx%3E&loai=zzz")
        self.assertEqual(list(response.context["page"].object_list), [open_])


class TodoTests(RequestsTestCase):
    def requests(self):
        late = new_request(self.person, kind="correction", received_on=date(2026, 4, 1))
        record_request_step(late, "acknowledged", date(2026, 4, 2), version=0)  # answer: 15/4
        soon = new_request(self.person, kind="access", received_on=FRIDAY)  # acknowledge: 29/4
        later = new_request(self.person, kind="deletion", received_on=FRIDAY)
        record_request_step(later, "acknowledged", FRIDAY, version=0)  # answer: 27/5
        done = new_request(self.person, kind="objection", received_on=date(2026, 4, 1))
        record_request_step(done, "refused", date(2026, 4, 2), "Có căn cứ pháp lý.", version=0)
        elsewhere = new_request(self.outside, kind="access", received_on=date(2026, 4, 1))
        return late, soon, later, done, elsewhere

    @time_machine.travel(date(2026, 4, 27), tick=False)
    def test_the_officers_who_answer_see_due_and_overdue_requests(self):
        late, soon, later, done, _elsewhere = self.requests()
        self.assertEqual(late.__class__.objects.get(pk=late.pk).answer_due, date(2026, 4, 15))
        for user in (self.u.grassroots, self.u.privacy):
            self.client.force_login(user)
            response = self.client.get("/")
            due = response.context["requests_due"]
            self.assertEqual([r.pk for r in due["overdue"]], [late.pk])
            self.assertEqual([r.pk for r in due["soon"]], [soon.pk])
            self.assertEqual((due["overdue_count"], due["soon_count"]), (1, 1))
            self.assertContains(response, "Yêu cầu về dữ liệu cá nhân")
            self.assertContains(response, f'href="/yeu-cau/{late.pk}/"')
            self.assertContains(response, "15/04/2026")
            self.assertContains(response, "Trả lời yêu cầu")
            self.assertContains(response, "29/04/2026")
            self.assertContains(response, "Xác nhận đã nhận yêu cầu")
            self.assertNotContains(response, f'href="/yeu-cau/{later.pk}/"')  # due 27/5
            self.assertNotContains(response, f'href="/yeu-cau/{done.pk}/"')
            self.assertNotContains(response, "Lò Văn Xa")  # outside the subtree
        # Writers who do not answer requests: no section.
        for user in (self.u.cell, self.u.committee, self.u.viewer):
            self.client.force_login(user)
            response = self.client.get("/")
            self.assertIsNone(response.context["requests_due"])
            self.assertNotContains(response, "Yêu cầu về dữ liệu cá nhân")
        # The grassroots officer of another organisation: nothing of A's.
        self.client.force_login(self.u.grassroots_b)
        due = self.client.get("/").context["requests_due"]
        self.assertEqual((due["overdue_count"], due["soon_count"]), (0, 0))

    @time_machine.travel(date(2026, 4, 27), tick=False)
    def test_the_section_costs_the_same_queries_whatever_the_requests(self):
        self.client.force_login(self.u.grassroots)
        new_request(self.person, received_on=date(2026, 4, 1))

        def more_requests():
            for i in range(30):
                person = make_person(self.o.A2, f"Người Thứ {i}", date(1990, 1, 1) + timedelta(i))
                new_request(person, received_on=date(2026, 4, 1) + timedelta(days=i % 20))

        response = self.assert_queries_do_not_grow(more_requests, "/").after
        self.assertEqual(response.context["requests_due"]["overdue_count"], 31)
        self.assertEqual(len(response.context["requests_due"]["overdue"]), 20)

    def test_a_decreed_day_off_moves_the_open_deadlines(self):
        with time_machine.travel(FRIDAY, tick=False):
            open_ = new_request(self.person)
            answered = new_request(self.person, kind="correction")
            record_request_step(answered, "answered", FRIDAY, "Đã sửa.", version=0)
        answered.refresh_from_db()
        before = answered.answer_due
        self.assertEqual(open_.acknowledge_due, date(2026, 4, 29))
        with self.captureOnCommitCallbacks(execute=True):
            day = CalendarDay.objects.create(date=date(2026, 4, 28), name="Nghỉ theo quyết định")
        open_.refresh_from_db()
        answered.refresh_from_db()
        self.assertEqual(open_.acknowledge_due, date(2026, 5, 4))
        self.assertEqual(open_.next_due, date(2026, 5, 4))
        self.assertEqual(answered.answer_due, before)  # answered: kept as it was
        with self.captureOnCommitCallbacks(execute=True):
            day.delete()
        open_.refresh_from_db()
        self.assertEqual(open_.acknowledge_due, date(2026, 4, 29))

    def test_the_installation_may_set_the_numbers(self):
        with (
            time_machine.travel(FRIDAY, tick=False),
            override_settings(PTDV_SUBJECT_REQUEST_DAYS={"access": "12"}),
        ):
            request = new_request(self.person)
        calendar = services.working_calendar()
        self.assertEqual(calendar.working_days_between(FRIDAY, request.answer_due), 12)
        for days in ({"acces": "12"}, {"access": "mười"}, {"access": "-3"}):
            with (
                override_settings(PTDV_SUBJECT_REQUEST_DAYS=days),
                self.assertRaises(ImproperlyConfigured),
            ):
                services.protection_rules(FRIDAY)


class CommandTests(RequestsTestCase):
    def test_refresh_request_deadlines_after_a_setting_changed(self):
        from io import StringIO

        from django.core.management import call_command

        from ptdv.pipeline.evaluation import _calendar  # cached per table content, not settings

        with time_machine.travel(FRIDAY, tick=False):
            request = new_request(self.person)
        out = StringIO()
        self.addCleanup(_calendar.cache_clear)
        with override_settings(PTDV_EXTRA_DAYS_OFF=["2026-04-28"]):
            _calendar.cache_clear()
            call_command("refresh_request_deadlines", stdout=out)
        request.refresh_from_db()
        self.assertEqual(request.acknowledge_due, date(2026, 5, 4))
        self.assertIn("1 yêu cầu có thời hạn thay đổi", out.getvalue())

    def test_a_typo_in_the_settings_stops_the_system_checks(self):
        from ptdv.subjects.checks import deadline_settings

        with override_settings(PTDV_SUBJECT_REQUEST_DAYS={"acces": "3"}):
            errors = deadline_settings(None)
        self.assertEqual([e.id for e in errors], ["subjects.E001"])
        self.assertIn("acces", errors[0].msg)
        self.assertEqual(deadline_settings(None), [])


@time_machine.travel(FRIDAY, tick=False)
class ReadingTests(RequestsTestCase):
    def test_the_request_is_read_logged_and_a_number_typed_in_it_is_masked(self):
        from ptdv.privacy.models import AccessEntry

        request = new_request(self.person, text="Số CCCD của tôi là 001190012345, xin sửa.")
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/yeu-cau/{request.pk}/")
        self.assertContains(page, "001******345")
        self.assertNotContains(page, "001190012345")
        self.client.get(f"/nguoi/{self.person.pk}/du-lieu/")
        entries = AccessEntry.objects.filter(kind="subject_requests", person=self.person)
        self.assertEqual(entries.count(), 2)
        self.assertEqual({e.user for e in entries}, {self.u.grassroots})

    def test_the_persons_page_says_when_older_requests_are_left_out(self):
        from ptdv.web.views.subject_requests import PAGE_SIZE

        for _ in range(PAGE_SIZE + 1):
            new_request(self.person)
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/nguoi/{self.person.pk}/du-lieu/")
        self.assertEqual(len(page.context["rows"]), PAGE_SIZE)
        self.assertContains(page, "Chỉ hiện 50 yêu cầu gần nhất")
