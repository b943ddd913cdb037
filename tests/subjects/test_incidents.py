"""The breach register: recording an incident (counts and categories, no list of people), the
72-hour clock from detection and the to-do page's banner, the notification and its late reason,
the history, the written record (.docx), scope and roles."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from io import BytesIO

import docx
import time_machine
from django.test import override_settings

from ptdv.accounts.models import Role
from ptdv.subjects.models import Incident, IncidentUpdate
from ptdv.subjects.record import record_context, render_record
from ptdv.subjects.services import (
    IncidentFacts,
    Refused,
    change_incident,
    record_incident,
    record_incident_update,
)
from tests.base import WorldTestCase, make_user

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DETECTED = datetime(2026, 5, 1, 21, 0, tzinfo=HCM)  # a holiday evening: the clock still runs


def facts(**changes) -> IncidentFacts:
    values = {
        "summary": "Máy tính của văn phòng đảng ủy bị nhiễm mã độc",
        "description": "Phát hiện phần mềm lạ gửi dữ liệu ra ngoài.\nĐã ngắt mạng máy tính.",
        "detected_at": DETECTED,
        "detected_by": "Văn phòng Đảng ủy xã",
        "occurred_at": DETECTED - timedelta(days=2),
        "people_count": 1250,
        "people_categories": ["candidates", "members"],
        "data_categories": ["identity", "cccd", "ethnicity_religion"],
        "consequences": "Có thể lộ danh sách quần chúng ưu tú.",
        "measures": "Ngắt mạng, đổi mật khẩu các tài khoản.",
    }
    values.update(changes)
    return IncidentFacts(**values)


def form_data(**changes) -> dict:
    data = {
        "summary": "Mất sổ tay ghi danh sách nguồn",
        "description": "Cán bộ làm mất sổ tay trên đường đi họp.",
        "occurred_at": "2026-05-01T08:00",
        "detected_at": "2026-05-01T21:00",
        "detected_by": "Bí thư chi bộ",
        "people_count": "35",
        "people_categories": ["candidates"],
        "data_categories": ["identity", "address"],
        "consequences": "",
        "measures": "Báo công an xã.",
    }
    data.update(changes)
    return data


class IncidentTestCase(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.u.privacy = make_user("baove", cls.o.D, Role.PRIVACY)
        cls.u.admin_x = make_user("quantri_x", cls.o.X, Role.ADMIN)

    def incident(self, organisation=None, **changes) -> Incident:
        return record_incident(
            organisation or self.o.A, facts(**changes), actor=self.u.privacy,
            now=DETECTED + timedelta(hours=1),
        )  # fmt: skip


class ClockTests(IncidentTestCase):
    def test_the_clock_runs_72_hours_from_detection_and_the_banner_shows_the_hours_left(self):
        incident = self.incident()
        self.assertEqual(incident.notify_due, DETECTED + timedelta(hours=72))
        with time_machine.travel(DETECTED + timedelta(hours=10, minutes=30), tick=False):
            self.client.force_login(self.u.privacy)
            response = self.client.get("/")
            self.assertEqual(response.context["incidents_due"]["count"], 1)
            self.assertContains(response, "1 sự cố dữ liệu cá nhân chưa thông báo")
            self.assertContains(response, incident.summary)
            self.assertContains(response, "Còn 61 giờ")
            self.assertContains(response, "21:00 04/05/2026")  # the deadline, local time
            page = self.client.get(f"/su-co/{incident.pk}/")
            self.assertContains(page, "còn 61 giờ")
        with time_machine.travel(DETECTED + timedelta(hours=75, minutes=5), tick=False):
            self.client.force_login(self.u.admin)
            response = self.client.get("/")
            self.assertContains(response, "Quá hạn 4 giờ")
            page = self.client.get(f"/su-co/{incident.pk}/")
            self.assertContains(page, "Đã quá hạn thông báo cơ quan có thẩm quyền")
            # Other roles see no banner (the register itself they read).
            for user in (self.u.cell, self.u.grassroots, self.u.committee, self.u.viewer):
                self.client.force_login(user)
                response = self.client.get("/")
                self.assertIsNone(response.context["incidents_due"])
                self.assertNotContains(response, "chưa thông báo cơ quan có thẩm quyền")
            # An administrator of another branch: not theirs.
            self.client.force_login(self.u.admin_x)
            self.assertEqual(self.client.get("/").context["incidents_due"]["count"], 0)

    def test_notifying_stops_the_clock_and_a_late_notification_needs_its_reason(self):
        incident = self.incident()
        late = DETECTED + timedelta(hours=80)
        with self.assertRaises(Refused) as refused:
            record_incident_update(
                incident, "notified", late, "", version=0, now=late,
                data={"to": "Cục A05, Bộ Công an", "reference": "12/TB-ĐU"},
            )  # fmt: skip
        self.assertEqual(refused.exception.field, "text")
        self.assertEqual(refused.exception.message, "Hãy ghi lý do thông báo muộn.")
        with self.assertRaises(Refused) as refused:
            record_incident_update(incident, "notified", late, "Nghỉ lễ.", version=0, now=late,
                                   data={"to": " "})  # fmt: skip
        self.assertEqual(refused.exception.field, "to")
        record_incident_update(
            incident, "notified", late, "Trùng kỳ nghỉ lễ 30/4–1/5.", version=0, now=late,
            data={"to": "Cục A05, Bộ Công an", "reference": "12/TB-ĐU"},
        )  # fmt: skip
        incident.refresh_from_db()
        self.assertEqual((incident.notified_at, incident.notified_to, incident.version),
                         (late, "Cục A05, Bộ Công an", 1))  # fmt: skip
        self.assertTrue(incident.notified_late)
        self.assertEqual(incident.late_reason, "Trùng kỳ nghỉ lễ 30/4–1/5.")
        with time_machine.travel(late + timedelta(hours=1), tick=False):
            self.client.force_login(self.u.privacy)
            self.assertEqual(self.client.get("/").context["incidents_due"]["count"], 0)
            page = self.client.get(f"/su-co/{incident.pk}/")
            self.assertContains(page, "Muộn")
            self.assertContains(page, "12/TB-ĐU")
        with self.assertRaises(Refused):  # once only
            record_incident_update(incident, "notified", late, "x", version=1, now=late,
                                   data={"to": "Cục A05"})  # fmt: skip

    def test_the_history_and_closing(self):
        incident = self.incident()
        now = DETECTED + timedelta(hours=5)
        with self.assertRaises(Refused) as refused:
            record_incident_update(incident, "measure", DETECTED - timedelta(hours=1),
                                   "Cài lại máy.", version=0, now=now)  # fmt: skip
        self.assertEqual(refused.exception.field, "at")
        record_incident_update(incident, "measure", now, "Cài lại máy, quét mã độc.", version=0,
                               now=now)  # fmt: skip
        with self.assertRaises(Refused) as refused:  # a stale version
            record_incident_update(incident, "measure", now, "Lần nữa.", version=0, now=now)
        self.assertIn("vừa được người khác cập nhật", refused.exception.message)
        change = change_incident(incident, facts(people_count=1300), version=1, now=now)
        self.assertEqual(change.data, {"people_count": [1250, 1300]})
        self.assertIsNone(change_incident(incident, facts(people_count=1300), version=2, now=now))
        moved = change_incident(incident, facts(people_count=1300,
                                                detected_at=DETECTED + timedelta(hours=2)),
                                version=2, now=now)  # fmt: skip
        self.assertIn("detected_at", moved.data)
        incident.refresh_from_db()
        self.assertEqual(incident.notify_due, DETECTED + timedelta(hours=74))
        with self.assertRaises(Refused) as refused:
            record_incident_update(incident, "closed", now, " ", version=3, now=now)
        self.assertIn("lý do không thông báo", refused.exception.message)
        record_incident_update(incident, "closed", now,
                               "Không có dữ liệu bị gửi ra ngoài; không phải thông báo.",
                               version=3, now=now)  # fmt: skip
        incident.refresh_from_db()
        self.assertEqual(incident.closed_at, now)
        kinds = list(incident.updates.order_by("seq").values_list("seq", "kind"))
        self.assertEqual(kinds, [(1, "measure"), (2, "changed"), (3, "changed"), (4, "closed")])
        with self.assertRaises(Refused):
            record_incident_update(incident, "measure", now, "Sau khi đóng.", version=4, now=now)
        with self.assertRaises(Refused):
            change_incident(incident, facts(people_count=1), version=4, now=now)
        update = incident.updates.first()
        for attempt in (update.save, update.delete, incident.updates.all().delete):
            with self.assertRaises(RuntimeError):
                attempt()

    def test_bad_facts_are_refused_naming_the_field(self):
        cases = {
            "detected_at": {"detected_at": DETECTED + timedelta(days=3)},  # after now
            "occurred_at": {"occurred_at": DETECTED + timedelta(minutes=1)},
            "data_categories": {"data_categories": []},
            "people_categories": {"people_categories": ["everyone"]},
            "summary": {"summary": "  "},
            "people_count": {"people_count": -1},
        }
        for field, changes in cases.items():
            with self.subTest(field=field), self.assertRaises(Refused) as refused:
                self.incident(**changes)
            self.assertEqual(refused.exception.field, field)
        self.assertFalse(Incident.objects.exists())


@time_machine.travel(DETECTED + timedelta(hours=2), tick=False)
class PageTests(IncidentTestCase):
    def test_the_officer_records_an_incident_through_the_form(self):
        self.client.force_login(self.u.privacy)
        page = self.client.get("/su-co/moi/")
        self.assertEqual(page.status_code, 200)
        choices = [o.pk for o in page.context["form"].fields["organisation"].queryset]
        self.assertIn(self.o.D.pk, choices)
        self.assertIn(self.o.A.pk, choices)
        self.assertNotIn(self.o.X.pk, choices)
        # Bad input: the fields are named, nothing is written.
        response = self.client.post("/su-co/moi/", form_data(
            organisation=self.o.X.pk, data_categories=[], detected_at="2026-05-09T10:00"))  # fmt: skip
        errors = response.context["form"].errors
        self.assertEqual(set(errors), {"organisation", "data_categories"})
        self.assertEqual(errors["organisation"],
                         ["Chỉ chọn tổ chức của mình hoặc tổ chức trực thuộc."])  # fmt: skip
        response = self.client.post("/su-co/moi/", form_data(
            organisation=self.o.A.pk, detected_at="2026-05-09T10:00"))  # fmt: skip
        self.assertEqual(response.context["form"].errors["detected_at"],
                         ["Thời điểm phát hiện không được sau lúc này."])  # fmt: skip
        self.assertFalse(Incident.objects.exists())
        response = self.client.post("/su-co/moi/", form_data(organisation=self.o.A.pk))
        incident = Incident.objects.get()
        self.assertRedirects(response, f"/su-co/{incident.pk}/", fetch_redirect_response=False)
        self.assertEqual(incident.detected_at, DETECTED)
        self.assertEqual(incident.notify_due, DETECTED + timedelta(hours=72))
        self.assertEqual((incident.people_count, incident.data_categories),
                         (35, ["identity", "address"]))  # fmt: skip
        page = self.client.get(f"/su-co/{incident.pk}/")
        self.assertContains(page, "Hạn thông báo cơ quan có thẩm quyền: 21:00 04/05/2026.")
        self.assertContains(page, f'href="/su-co/{incident.pk}/bien-ban.docx"')
        self.assertContains(page, f'href="/su-co/{incident.pk}/thong-bao/"')
        # The notification through its form.
        response = self.client.post(f"/su-co/{incident.pk}/thong-bao/", {
            "at": "2026-05-01T22:30", "to": "Cục A05, Bộ Công an", "reference": "01/TB",
            "text": "", "version": 0})  # fmt: skip
        self.assertRedirects(response, f"/su-co/{incident.pk}/", fetch_redirect_response=False)
        incident.refresh_from_db()
        self.assertEqual(incident.notified_at, DETECTED + timedelta(minutes=90))
        self.assertFalse(incident.notified_late)
        self.assertEqual(incident.updates.get().kind, IncidentUpdate.Kind.NOTIFIED)

    def test_roles_and_scope(self):
        incident = self.incident()
        urls = {
            "list": "/su-co/",
            "new": "/su-co/moi/",
            "detail": f"/su-co/{incident.pk}/",
            "edit": f"/su-co/{incident.pk}/sua/",
            "measure": f"/su-co/{incident.pk}/bien-phap/",
            "record": f"/su-co/{incident.pk}/bien-ban.docx",
        }
        expected = {
            # role: list, new, detail, edit, measure, record
            "privacy": (200, 200, 200, 200, 200, 200),
            "admin": (200, 200, 200, 200, 200, 200),
            "viewer": (403, 403, 403, 403, 403, 403),  # read-only users do not read the register
            "cell": (200, 403, 404, 404, 404, 404),  # the incident is of A, the cell is A1
            "grassroots": (200, 403, 200, 403, 403, 200),
            "committee": (200, 403, 200, 403, 403, 200),
            "outsider": (200, 403, 404, 404, 404, 404),
            "admin_x": (200, 200, 404, 404, 404, 404),
        }
        for role, statuses in expected.items():
            self.client.force_login(getattr(self.u, role))
            for (name, url), status in zip(urls.items(), statuses, strict=True):
                with self.subTest(role=role, page=name):
                    self.assertEqual(self.client.get(url).status_code, status)
        self.client.force_login(self.u.viewer)
        response = self.client.post(urls["measure"], {"at": "2026-05-01T22:00", "text": "x",
                                                      "version": 0})  # fmt: skip
        self.assertEqual(response.status_code, 403)
        self.assertFalse(incident.updates.exists())

    def test_the_written_record_opens_and_holds_the_incidents_fields(self):
        incident = self.incident()
        record_incident_update(
            incident, "notified", DETECTED + timedelta(hours=3), "", version=0,
            now=DETECTED + timedelta(hours=3),
            data={"to": "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao",
                  "reference": "05/TB-ĐU"},
        )  # fmt: skip
        self.client.force_login(self.u.committee)
        response = self.client.get(f"/su-co/{incident.pk}/bien-ban.docx")
        self.assertEqual(response.status_code, 200)
        self.assertIn(f'filename="bien-ban-su-co-{incident.pk}-2026-05-01.docx"',
                      response["Content-Disposition"])  # fmt: skip
        document = docx.Document(BytesIO(response.content))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        for expected in (
            "BIÊN BẢN", "Máy tính của văn phòng đảng ủy bị nhiễm mã độc",
            "Phát hiện phần mềm lạ gửi dữ liệu ra ngoài.", "Đã ngắt mạng máy tính.",
            "Thời điểm phát hiện: 21:00 ngày 01/05/2026", "Thời điểm xảy ra: 21:00 ngày 29/04/2026",
            "Văn phòng Đảng ủy xã", "Số người bị ảnh hưởng: 1.250",
            "Quần chúng, người xin vào Đảng, Đảng viên",
            "Họ tên, ngày sinh, giới tính, Số định danh cá nhân (CCCD)",
            "Có thể lộ danh sách quần chúng ưu tú.", "Ngắt mạng, đổi mật khẩu các tài khoản.",
            "Hạn thông báo (72 giờ kể từ khi phát hiện): 21:00 ngày 04/05/2026",
            "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao", "05/TB-ĐU",
            "(đúng hạn)", "Đang xử lý.", "ĐẢNG ỦY XÃ HÒA AN", "HUYỆN ỦY NÚI XANH",
            "Hòa An, ngày", "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15",
        ):  # fmt: skip
            self.assertIn(expected, text)
        self.assertNotIn("{{", text)
        self.assertNotIn("{%", text)

    def test_a_replacement_template_is_used_and_a_broken_one_is_a_clear_error(self):
        import tempfile
        from pathlib import Path

        incident = self.incident()
        with tempfile.TemporaryDirectory() as folder:
            replacement = docx.Document()
            replacement.add_paragraph("Biên bản riêng: {{ summary }} — {{ khong_co }}")
            replacement.save(Path(folder) / "bien-ban-su-co.docx")
            with override_settings(PTDV_DOSSIER_TEMPLATE_DIR=folder):
                content = render_record(incident)
                text = "\n".join(p.text for p in docx.Document(BytesIO(content)).paragraphs)
                self.assertIn(f"Biên bản riêng: {incident.summary} — ……………", text)
                broken = docx.Document()
                broken.add_paragraph("{{ summary ")
                broken.save(Path(folder) / "bien-ban-su-co.docx")
                self.client.force_login(self.u.privacy)
                response = self.client.get(f"/su-co/{incident.pk}/bien-ban.docx")
                self.assertEqual(response.status_code, 500)
                self.assertContains(response, "Mẫu biên bản bien-ban-su-co.docx không dùng được",
                                    status_code=500)  # fmt: skip

    def test_the_record_names_nobody(self):
        context = record_context(self.incident())
        self.assertEqual(context["people_count"], "1.250")
        self.assertEqual(context["notification"][:20], "Chưa thông báo (đến ")
        names = {self.p.mentor.full_name, self.p.introducer1.full_name}
        self.assertFalse(names & {str(v) for v in context.values()})

    def test_the_list_puts_the_incidents_awaiting_notification_first(self):
        now = DETECTED + timedelta(hours=2)
        closed = self.incident(summary="Đã xử lý xong")
        record_incident_update(closed, "closed", now, "Không có dữ liệu bị lộ.", version=0, now=now)
        notified = self.incident(summary="Đã thông báo")
        record_incident_update(notified, "notified", now, "", version=0, now=now,
                               data={"to": "Cục A05"})  # fmt: skip
        waiting = self.incident(summary="Đang chờ thông báo")
        self.client.force_login(self.u.committee)
        listed = self.client.get("/su-co/?tinh_trang=tat-ca").context["page"].object_list
        self.assertEqual(list(listed), [waiting, notified, closed])
        listed = self.client.get("/su-co/").context["page"].object_list
        self.assertEqual(list(listed), [waiting, notified])
        listed = self.client.get("/su-co/?tinh_trang=da-ket-thuc").context["page"].object_list
        self.assertEqual(list(listed), [closed])


@time_machine.travel(DETECTED + timedelta(hours=2), tick=False)
class InputAndDisplayTests(IncidentTestCase):
    def test_a_moment_far_in_the_past_is_refused_with_its_field_not_a_500(self):
        self.client.force_login(self.u.privacy)
        for field in ("detected_at", "occurred_at"):
            with self.subTest(field=field):
                response = self.client.post("/su-co/moi/", form_data(
                    organisation=self.o.A.pk, **{field: "0001-01-01T00:00"}))  # fmt: skip
                self.assertEqual(response.status_code, 200)
                self.assertIn(field, response.context["form"].errors)
        self.assertFalse(Incident.objects.exists())
        incident = self.incident()
        response = self.client.post(f"/su-co/{incident.pk}/bien-phap/", {
            "at": "0001-01-01T00:00", "text": "Khóa máy", "version": 0})  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertIn("at", response.context["form"].errors)
        self.assertFalse(incident.updates.exists())

    def test_the_history_names_the_facts_and_masks_a_number_typed_in_a_text(self):
        incident = self.incident(description="Lộ danh sách, có số 001098000123 của một người.")
        change_incident(
            incident,
            IncidentFacts(**{**facts_of(incident), "people_categories": ["relatives"]}),
            version=0, actor=self.u.privacy, now=DETECTED + timedelta(hours=2),
        )  # fmt: skip
        self.client.force_login(self.u.privacy)
        page = self.client.get(f"/su-co/{incident.pk}/")
        self.assertContains(page, "001******123")
        self.assertNotContains(page, "001098000123")
        self.assertNotContains(page, "people_categories")
        self.assertContains(
            page,
            "Nhóm người bị ảnh hưởng: Quần chúng, người xin vào Đảng; Đảng viên → Người thân khai "
            "trong lý lịch",
        )


def facts_of(incident: Incident) -> dict:
    """The facts of ``incident`` as ``IncidentFacts`` takes them (to correct one of them)."""
    names = ("summary", "description", "detected_at", "detected_by", "occurred_at",
             "people_count", "people_categories", "data_categories", "consequences")  # fmt: skip
    return {name: getattr(incident, name) for name in names}
