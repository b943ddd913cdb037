"""Audit: who changed what, when and from where; the audit page is scoped like everything else
and says each entry in Vietnamese: who, when (local time), what, on which record (linked only to
what the reader sees), the changes by the fields' labels and values as the forms show them."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from html import unescape

import time_machine
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from ptdv.accounts.models import Role
from ptdv.members.records import correct_person
from ptdv.org.models import Organisation, Place
from ptdv.people.models import Person
from ptdv.people.sensitive import HIDDEN
from ptdv.pipeline import services
from ptdv.pipeline.models import Candidacy, Event
from ptdv.rules.stages import Step
from ptdv.web.views.audit import PAGE_SIZE
from tests.base import (
    SYMPATHISER_ON,
    WorldTestCase,
    admin_form_data,
    make_person,
    make_user,
    populate,
)


class AuditEntryTests(WorldTestCase):
    def test_admin_change_of_a_place_is_audited_with_actor_address_and_changes(self):
        place = self.world.places.tay
        url = f"/quan-tri/org/place/{place.pk}/change/"
        self.client.force_login(self.u.admin)  # only administrators use the admin
        data = admin_form_data(self.client.get(url), name="Thôn Tây Mới", kind="school")
        before = LogEntry.objects.count()
        response = self.client.post(url, data, REMOTE_ADDR="203.113.0.7")
        self.assertEqual(
            response.status_code,
            302,
            response.context and response.context["adminform"].form.errors,
        )
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Place), object_pk=str(place.pk)
        ).order_by("-timestamp")
        self.assertEqual(LogEntry.objects.count(), before + 1)
        entry = entries.first()
        self.assertEqual(entry.action, LogEntry.Action.UPDATE)
        self.assertEqual(entry.actor, self.u.admin)
        self.assertEqual(entry.remote_addr, "203.113.0.7")
        self.assertEqual(entry.changes_dict["name"], ["Thôn Tây", "Thôn Tây Mới"])
        self.assertEqual(set(entry.changes_dict), {"name", "kind"})
        self.assertEqual(entry.additional_data, {"org_path": self.o.A.path})

    def test_a_service_call_is_audited_with_its_organisation(self):
        candidacy = self.candidacy()
        services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON, actor=self.u.cell)
        event = candidacy.events.get(step=Step.SYMPATHISER)
        entry = LogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(Event), object_pk=str(event.pk)
        )
        self.assertEqual(entry.action, LogEntry.Action.CREATE)
        self.assertEqual(entry.additional_data["org_path"], self.o.A1.path)
        self.assertEqual(event.actor, self.u.cell)  # who recorded the step is on the event itself

    def test_passwords_are_not_in_the_log(self):
        user = self.u.viewer
        user.set_password("mot-mat-khau-moi-2026")
        user.save()
        entry = LogEntry.objects.get_for_object(user).first()
        self.assertNotIn("password", entry.changes_dict)


URL = "/nhat-ky/"
NUMBER = "001090123457"
MASKED = "001******457"


def text_of(response) -> str:
    """The page's text, tags removed and spaces folded (one line per entry's line)."""
    html = response.content.decode()
    html = html[html.index("<main") :]
    return unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)))


def links_of(response) -> set[str]:
    html = response.content.decode()
    return set(re.findall(r'href="(/(?:nguoi|ho-so|to-chuc|chi-tieu|nhap-du-lieu)/[^"]*)"', html))


class AuditPageTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.made = populate(cls.world)
        cls.officer = make_user("baove", cls.world.org.D, Role.PRIVACY)

    def expected_entries(self, prefix: str) -> set[int]:
        return {
            e.pk
            for e in LogEntry.objects.all()
            if (e.additional_data or {}).get("org_path", "\0").startswith(prefix)
        }

    def listed(self, query: str = "") -> set[int]:
        """Every entry of every page, following the "next" links."""
        pks: list[int] = []
        response = self.client.get(URL + query)
        while True:
            self.assertEqual(response.status_code, 200)
            page = response.context["page"]
            self.assertLessEqual(len(page), PAGE_SIZE)
            pks += [e.pk for e in page]
            if not page.has_next:
                break
            joiner = "&" if query else "?"
            response = self.client.get(f"{URL}{query}{joiner}after={page.next_after}")
        self.assertEqual(len(pks), len(set(pks)))
        return set(pks)

    # --- scope ----------------------------------------------------------------------------------

    def test_committee_users_see_the_entries_of_their_subtree_only(self):
        for role in ("committee", "outsider", "admin"):
            with self.subTest(role=role):
                user = getattr(self.u, role)
                self.client.force_login(user)
                expected = self.expected_entries(user.organisation.path)
                self.assertTrue(expected)
                self.assertEqual(self.listed(), expected)
        # Concretely: the district committee does not see the other district's cell.
        self.client.force_login(self.u.committee)
        response = self.client.get(URL)
        self.assertNotContains(response, "Chi bộ thôn Nam")
        self.assertNotContains(response, "Võ Văn Ngoài")
        self.assertNotContains(response, "Quần Chúng Thôn Nam")

    def test_other_roles_get_403(self):
        for role in ("cell", "grassroots", "viewer"):
            with self.subTest(role=role):
                self.client.force_login(getattr(self.u, role))
                self.assertEqual(self.client.get(URL).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(URL).status_code, 302)

    def test_a_committee_user_without_organisation_sees_nothing(self):
        homeless = make_user("chua_gan_to_chuc", None, Role.COMMITTEE)
        self.client.force_login(homeless)
        response = self.client.get(URL)
        self.assertEqual(len(response.context["page"]), 0)
        self.assertContains(response, "Chưa có thay đổi nào.")

    def test_a_related_record_outside_the_subtree_is_not_named(self):
        # The district's direct superior set to the other district: the entry is the
        # district's, the value it names is outside the district's subtree.
        district = Organisation.objects.get(pk=self.o.D.pk)
        district.direct_superior = Organisation.objects.get(pk=self.o.E.pk)
        district.save()
        self.client.force_login(self.u.committee)
        page = text_of(self.client.get(URL, {"loai": "org.organisation", "thao_tac": "1"}))
        self.assertIn(f"Cấp ủy cấp trên trực tiếp: {self.o.D.name} → {HIDDEN}", page)
        self.assertNotIn(self.o.E.name, page)
        # The province's administrator sees both districts: the name.
        self.client.force_login(self.u.admin)
        page = text_of(self.client.get(URL, {"loai": "org.organisation", "thao_tac": "1"}))
        self.assertIn(f"Cấp ủy cấp trên trực tiếp: {self.o.D.name} → {self.o.E.name}", page)

    def test_a_steps_data_names_only_what_the_reader_sees(self):
        event = self.made.A1.events.first()
        data = {"from_cell": self.o.A1.pk, "to_cell": self.o.X1.pk, "note": "Theo nơi làm việc"}
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Event),
            object_pk=str(event.pk),
            object_id=event.pk,
            object_repr="Chuyển sinh hoạt — 01/11/2024",
            action=LogEntry.Action.CREATE,
            changes={"step": ["None", "transfer"], "data": ["None", json.dumps(data)]},
            additional_data={"org_path": self.o.A1.path},
        )
        query = {"loai": "pipeline.event", "thao_tac": "0"}
        self.client.force_login(self.u.committee)
        page = text_of(self.client.get(URL, query))
        self.assertIn(f"Nội dung: Từ {self.o.A1.name} đến {HIDDEN}. Theo nơi làm việc", page)
        self.assertNotIn(self.o.X1.name, page)
        # The province's committee sees both cells.
        self.client.force_login(make_user("bantochuc_tinh", self.o.P, Role.COMMITTEE))
        page = text_of(self.client.get(URL, query))
        self.assertIn(f"Nội dung: Từ {self.o.A1.name} đến {self.o.X1.name}.", page)

    def test_a_record_that_left_the_subtree_is_neither_linked_nor_followed(self):
        candidacy = self.made.A1
        person = candidacy.person
        self.client.force_login(self.u.committee)
        before = links_of(self.client.get(URL, {"loai": "pipeline.candidacy"}))
        self.assertIn(f"/ho-so/{candidacy.pk}/", before)
        # Moved to the other district (as a bulk writer would: no new entry).
        Candidacy.objects.filter(pk=candidacy.pk).update(cell=self.o.X1)
        Person.all_records.filter(pk=person.pk).update(cell=self.o.X1)
        for kind in ("pipeline.candidacy", "pipeline.event", "people.person"):
            with self.subTest(kind=kind):
                response = self.client.get(URL, {"loai": kind})
                links = links_of(response)
                self.assertNotIn(f"/ho-so/{candidacy.pk}/", links)
                self.assertNotIn(f"/nguoi/{person.pk}/", links)
        # Its events' entries no longer name the candidacy they belong to.
        page = text_of(self.client.get(URL, {"loai": "pipeline.event"}))
        self.assertNotIn(f"Hồ sơ: {candidacy}", page)

    # --- what an entry says ----------------------------------------------------------------------

    def test_labels_in_vietnamese_and_values_as_on_the_forms(self):
        self.client.force_login(self.u.committee)
        page = text_of(self.client.get(URL))
        candidacy = self.made.A1
        for line in (
            f"Tạo Hồ sơ phát triển đảng viên: {candidacy}",
            "Tạo Bước: Xác định nguồn — 03/09/2024",
            "Ngày xác định nguồn: 03/09/2024",
            "Giai đoạn: Nguồn",
            f"Chi bộ: {self.o.A1.name}",
            f"Người: {candidacy.person.full_name}",
            "Đánh giá: Tiến bộ tốt",
            "Đoàn viên TNCS Hồ Chí Minh: Không",
            "Giới tính: Nam",
            "Người thực hiện: hệ thống",
        ):
            self.assertIn(line, page)
        # No English field names, no raw values, no derived columns.
        for raw in (
            "create",
            "update",
            "stage_since",
            "search_name",
            "sort_key",
            "Sort key",
            "Version",
            "numchild",
            "→ None",
            "None →",
            "True",
            "False",
            "2024-09-03",
            "∅",
        ):
            self.assertNotIn(raw, page)
        self.assertNotContains(self.client.get(URL), "<table")  # cards, a phone scrolls no table

    def test_a_correction_says_its_fields_its_reason_and_the_derived_update(self):
        person = self.made.B1.person
        with set_actor(self.u.grassroots):  # as the request's middleware does
            correct_person(
                person,
                {"full_name": "Quần Chúng Thôn Bắc Mới", "birth_date": date(1998, 6, 1)},
                "Theo giấy khai sinh.",
                actor=self.u.grassroots,
            )
        self.client.force_login(self.u.committee)
        page = text_of(self.client.get(URL, {"loai": "people.person", "thao_tac": "1"}))
        self.assertIn("Sửa Người: Quần Chúng Thôn Bắc Mới", page)
        self.assertIn("Người thực hiện: dangbo_xa", page)
        self.assertIn("Lý do: Theo giấy khai sinh.", page)
        self.assertIn("Họ và tên: Quần Chúng Thôn Bắc → Quần Chúng Thôn Bắc Mới", page)
        self.assertIn("Ngày sinh: 20/05/1998 → 01/06/1998", page)
        self.assertIn("Cập nhật dữ liệu tính sẵn", page)
        self.assertNotIn("quan chung", page)  # the folded search column

    @time_machine.travel(datetime(2026, 3, 5, 17, 30, 12, 345678, tzinfo=UTC), tick=False)
    def test_the_time_is_local_to_the_minute(self):
        make_person(self.o.A2, "Trần Thị Giờ", date(1990, 1, 1))
        self.client.force_login(self.u.committee)
        response = self.client.get(URL, {"loai": "people.person", "thao_tac": "0"})
        page = text_of(response)
        # 17:30 UTC is half past midnight the next day in Hà Nội.
        self.assertIn("06/03/2026 00:30", page)
        self.assertNotIn("17:30", page)
        self.assertNotIn("345678", page)
        self.assertContains(response, 'datetime="2026-03-06T00:30:12+07:00"')

    # --- masking, as the page always did ---------------------------------------------------------

    def test_the_number_stays_masked_and_sensitive_items_follow_the_role(self):
        person = make_person(self.o.A1, "Trần Văn Số", cccd=NUMBER, religion="catholicism")
        correct_person(
            person,
            {"cccd": "001098000458", "religion": "buddhism"},
            "Theo CCCD mới.",
            actor=self.u.cell,
        )
        query = {"loai": "people.person", "thao_tac": "1"}
        self.client.force_login(self.u.committee)
        response = self.client.get(URL, query)
        page = text_of(response)
        self.assertIn(f"Số CCCD: {MASKED} → 001******458", page)
        self.assertIn("Tôn giáo: Công giáo → Phật giáo", page)
        self.assertNotIn(NUMBER, response.content.decode())
        self.assertNotIn("001098000458", response.content.decode())
        for user in (self.u.admin, self.officer):
            with self.subTest(role=user.role):
                self.client.force_login(user)
                response = self.client.get(URL, query)
                page = text_of(response)
                self.assertIn(f"Số CCCD: {MASKED} → 001******458", page)
                self.assertIn(f"Tôn giáo: {HIDDEN} → {HIDDEN}", page)
                self.assertNotIn("Phật giáo", page)
                self.assertNotIn("Công giáo", page)
                self.assertNotIn(NUMBER, response.content.decode())

    def test_a_verification_result_only_for_the_roles_that_see_it(self):
        event = self.made.A2.events.first()
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Event),
            object_pk=str(event.pk),
            object_id=event.pk,
            object_repr="Nhận giấy tờ hồ sơ — 20/12/2024",
            action=LogEntry.Action.CREATE,
            changes={
                "step": ["None", "dossier_paper"],
                "data": [
                    "None",
                    '{"kind": "verification", "result": "issue", "subject": "applicant"}',
                ],
            },
            additional_data={"org_path": self.o.A2.path},
        )
        query = {"loai": "pipeline.event", "thao_tac": "0"}
        self.client.force_login(self.u.committee)
        page = text_of(self.client.get(URL, query))
        self.assertIn(
            "Nội dung: Kết quả thẩm tra lý lịch (người vào Đảng): có vấn đề cần xem xét.", page
        )
        for user in (self.u.admin, self.officer):
            with self.subTest(role=user.role):
                self.client.force_login(user)
                page = text_of(self.client.get(URL, query))
                self.assertIn(f"Nội dung: {HIDDEN}", page)
                self.assertNotIn("issue", page)
                self.assertNotIn("có vấn đề", page)

    # --- links by role --------------------------------------------------------------------------

    def test_links_to_the_records_each_role_may_open(self):
        a1 = self.made.A1
        assignment = a1.mentors.get()
        self.client.force_login(self.u.committee)
        links = links_of(self.client.get(URL, {"loai": "pipeline.candidacy"}))
        self.assertIn(f"/ho-so/{a1.pk}/", links)
        self.assertNotIn(f"/ho-so/{self.made.X1.pk}/", links)
        # A step, a mentor assignment, a mentor report: their candidacy's page.
        for kind in ("pipeline.event", "pipeline.mentorassignment", "pipeline.mentorreport"):
            with self.subTest(kind=kind):
                self.assertIn(f"/ho-so/{a1.pk}/", links_of(self.client.get(URL, {"loai": kind})))
        self.assertIn(
            f"/nguoi/{a1.person.pk}/", links_of(self.client.get(URL, {"loai": "people.person"}))
        )
        target = self.o.A1.targets.get()
        self.assertIn(
            f"/chi-tieu/{target.pk}/sua/",
            links_of(self.client.get(URL, {"loai": "reports.target"})),
        )
        self.assertTrue(assignment)
        # Every link of every role's page opens, and none leads outside the reader's subtree.
        for user in (self.u.committee, self.u.admin, self.officer, self.u.outsider):
            with self.subTest(role=user.username):
                self.client.force_login(user)
                for kind in ("", "pipeline.candidacy", "people.person", "org.organisation"):
                    for link in links_of(self.client.get(URL, {"loai": kind} if kind else {})):
                        self.assertEqual(self.client.get(link).status_code, 200, link)

    def test_the_officer_gets_no_link_to_an_individuals_record(self):
        self.client.force_login(self.officer)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        for kind in ("", "pipeline.candidacy", "people.person", "pipeline.event"):
            links = links_of(self.client.get(URL, {"loai": kind} if kind else {}))
            self.assertFalse([x for x in links if x.startswith(("/ho-so/", "/nguoi/"))], links)
        # The organisation pages they may open are linked.
        organisations = links_of(self.client.get(URL, {"loai": "org.organisation"}))
        self.assertIn(f"/to-chuc/{self.o.A1.pk}/", organisations)
        # Still named, as the page always named them.
        self.assertIn(
            str(self.made.A1), text_of(self.client.get(URL, {"loai": "pipeline.candidacy"}))
        )

    # --- filters and pages ----------------------------------------------------------------------

    def test_filters(self):
        self.client.force_login(self.u.committee)
        events = ContentType.objects.get_for_model(Event)
        listed = self.listed("?loai=pipeline.event")
        self.assertTrue(listed)
        self.assertEqual(
            set(LogEntry.objects.filter(pk__in=listed).values_list("content_type", flat=True)),
            {events.pk},
        )
        updates = self.listed("?thao_tac=1")
        self.assertTrue(updates)
        self.assertEqual(
            set(LogEntry.objects.filter(pk__in=updates).values_list("action", flat=True)), {1}
        )
        self.assertEqual(self.listed("?tu_ngay=2099-01-01"), set())
        everything = self.expected_entries(self.o.D.path)
        self.assertEqual(self.listed("?tu_ngay=2000-01-01&den_ngay=2099-12-31"), everything)
        # A wrong filter says so and lists nothing.
        response = self.client.get(URL, {"tu_ngay": "2026-02-01", "den_ngay": "2026-01-01"})
        self.assertContains(response, "“Đến ngày” phải sau hoặc bằng “Từ ngày”.")
        self.assertEqual(len(response.context["page"]), 0)
        response = self.client.get(URL, {"loai": "auditlog.logentry"})
        self.assertEqual(len(response.context["page"]), 0)
        self.assertContains(response, "Bộ lọc chưa đúng")

    def test_pages_by_position_forward_backward_and_last(self):
        self.client.force_login(self.u.admin)
        everything = self.expected_entries(self.u.admin.organisation.path)
        self.assertGreater(len(everything), PAGE_SIZE)  # at least two pages
        first = self.client.get(URL).context["page"]
        self.assertFalse(first.has_previous)
        self.assertTrue(first.has_next)
        second = self.client.get(URL, {"after": first.next_after}).context["page"]
        self.assertTrue(second.has_previous)
        self.assertLess(max(e.pk for e in second), min(e.pk for e in first))
        back = self.client.get(URL, {"before": second.previous_before}).context["page"]
        self.assertEqual([e.pk for e in back], [e.pk for e in first])
        last = self.client.get(URL, {"last": "1"}).context["page"]
        self.assertFalse(last.has_next)
        self.assertEqual(min(e.pk for e in last), min(everything))
        # Numbers that are not ids: the first page.
        for junk in ("abc", "-1", "9" * 40):
            with self.subTest(after=junk):
                page = self.client.get(URL, {"after": junk}).context["page"]
                self.assertEqual([e.pk for e in page], [e.pk for e in first])

    def test_queries_do_not_grow_with_the_entries_shown(self):
        self.client.force_login(self.u.admin)

        def more():
            for n in range(3):
                candidacy = self.candidacy(f"Nguyễn Văn Thêm {n}", cell=self.o.B1)
                services.record_step(candidacy, Step.SYMPATHISER, SYMPATHISER_ON)
                correct_person(candidacy.person, {"occupation": "Giáo viên"}, "Bổ sung.")

        grown = self.assert_queries_do_not_grow(more, URL)
        self.assertLessEqual(grown.queries, 20)
