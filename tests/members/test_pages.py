"""The pages of member events: the person page's section, the forms (writers; readers 403,
outsiders 404; htmx partials), corrections, and receiving a member from outside."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from ptdv.members import services
from ptdv.members.models import MemberEvent, MemberSpell
from ptdv.people.models import MemberStatus, Person
from ptdv.rules.membership import MemberEventKind
from tests.base import (
    CreatePageAccessTests,
    WorldTestCase,
    WritePageAccessTests,
    cccd_for,
)

K = MemberEventKind
HTMX = {"HTTP_HX_REQUEST": "true"}


def form_url(person, kind) -> str:
    return f"{reverse('member_event', args=[person.pk])}?loai={kind.value}"


def correct_url(person, event) -> str:
    return f"{reverse('member_event_correct', args=[person.pk])}?bien-dong={event.pk}"


class SectionTests(WorldTestCase):
    def test_the_person_page_shows_the_history_and_what_may_be_recorded(self):
        member = self.p.member_A2
        services.record_event(member, K.TRANSFER, date(2025, 3, 3), to_cell=self.o.A1,
                              number="25-GGT/ĐU", issued_by="Đảng ủy xã Hòa An",
                              reason="Chuyển nơi cư trú")  # fmt: skip
        self.client.force_login(self.u.grassroots)
        response = self.client.get(reverse("person", args=[member.pk]))
        self.assertContains(response, "Biến động đảng viên")
        self.assertContains(response, "Chuyển sinh hoạt đảng sang chi bộ khác")
        self.assertContains(response, "Từ Chi bộ thôn Tây đến Chi bộ thôn Đông")
        self.assertContains(response, "25-GGT/ĐU")
        self.assertContains(response, "Đang sinh hoạt tại Chi bộ thôn Đông.")
        for kind in (K.TRANSFER, K.TRANSFER_OUT, K.RESIGNED, K.STRUCK_OFF, K.EXPELLED, K.DECEASED):
            self.assertContains(response, form_url(member, kind).replace("&", "&amp;"))
        self.assertNotContains(response, form_url(member, K.TRANSFER_IN))
        self.assertContains(response, "Đính chính")

    def test_readers_see_the_history_without_forms(self):
        member = self.p.member_A2
        services.record_event(member, K.DECEASED, date(2025, 3, 3))
        self.client.force_login(self.u.viewer)
        response = self.client.get(reverse("person", args=[member.pk]))
        self.assertContains(response, "Từ trần")
        self.assertContains(response, "Đã ra khỏi Đảng ngày 03/03/2025 (từ trần).")
        self.assertNotContains(response, reverse("member_event", args=[member.pk]))
        self.assertNotContains(response, reverse("member_event_correct", args=[member.pk]))

    def test_a_cell_secretary_cannot_move_a_member_out_of_the_cell(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(reverse("person", args=[self.p.introducer1.pk]))
        self.assertNotContains(response, f'href="{form_url(self.p.introducer1, K.TRANSFER)}"')
        self.assertContains(response, f'href="{form_url(self.p.introducer1, K.DECEASED)}"')

    def test_the_query_count_does_not_grow_with_the_history(self):
        def count_for(n: int) -> int:
            person = self.p.member_B1 if n == 1 else self.p.member_B1b
            for i in range(n):
                cell = self.o.A1 if i % 2 == 0 else self.o.B1
                services.record_event(person, K.TRANSFER, date(2020, 1, 1 + i), to_cell=cell,
                                      number=str(i))  # fmt: skip
            self.client.force_login(self.u.committee)
            response, queries = self.queries_of(
                lambda: self.client.get(reverse("person", args=[person.pk]))
            )
            self.assertEqual(len(response.context["membership"].rows), n)
            return len(queries)

        self.assertEqual(count_for(1), count_for(5))


class FormTests(WritePageAccessTests, WorldTestCase):
    # The inherited access tests on a member of Chi bộ thôn Tây, whose page the cell secretary
    # of Chi bộ thôn Đông does not see either.
    can_write = ("grassroots", "committee")
    outsiders = ("outsider", "cell")

    def access_url(self):
        return form_url(self.p.member_A2, K.DECEASED)

    def missing_urls(self):
        return [f"{reverse('member_event', args=[99999999])}?loai={K.DECEASED.value}"]

    def access_post_data(self, user):
        return {"seq": 0, "date": "03/03/2026"}

    def assert_nothing_written(self):
        self.assertFalse(MemberEvent.objects.exists())

    def post(self, user, person, kind, data, **extra):
        self.client.force_login(user)
        data = {"seq": 0, "date": "03/03/2026", **data}
        return self.client.post(form_url(person, kind), data, **extra)

    def test_a_writer_records_and_goes_back_to_the_person(self):
        member = self.p.member_A2
        response = self.post(self.u.grassroots, member, K.TRANSFER,
                             {"to_cell": self.o.A1.pk, "number": "25-GGT/ĐU"})  # fmt: skip
        self.assertRedirects(
            response, reverse("person", args=[member.pk]) + "#member-events-heading"
        )
        member.refresh_from_db()
        self.assertEqual(member.cell, self.o.A1)
        event = MemberEvent.objects.get(person=member)
        self.assertEqual((event.actor, event.number), (self.u.grassroots, "25-GGT/ĐU"))

    def test_unknown_kinds_are_404(self):
        self.client.force_login(self.u.grassroots)
        url = reverse("member_event", args=[self.p.member_A2.pk])
        for kind in ("", "correction", "chuyen", "TRANSFER"):
            with self.subTest(kind=kind):
                self.assertEqual(self.client.get(f"{url}?loai={kind}").status_code, 404)

    def test_a_refusal_names_the_field_and_the_rule_and_keeps_what_was_typed(self):
        member = self.p.probationary
        response = self.post(self.u.grassroots, member, K.EXPELLED,
                             {"number": "9-QĐ/HU", "reason": "Vi phạm"})  # fmt: skip
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertIn("đảng viên dự bị không bị khai trừ", " ".join(form.non_field_errors()))
        self.assertIn("Điều lệ Đảng (2011), Điều 35 khoản 2", " ".join(form.non_field_errors()))
        self.assertContains(response, "9-QĐ/HU")
        response = self.post(self.u.grassroots, member, K.STRUCK_OFF,
                             {"number": "9-QĐ/HU", "date": "03/03/2019"})  # fmt: skip
        form = response.context["form"]
        self.assertIn("reason", form.errors)  # the form asks for the reason itself
        response = self.post(self.u.grassroots, member, K.STRUCK_OFF,
                             {"number": "9-QĐ/HU", "reason": "Không đủ tư cách", "date": "03/03/2019"})  # fmt: skip
        self.assertIn("trước ngày vào Đảng", " ".join(response.context["form"].errors["date"]))
        self.assertFalse(MemberEvent.objects.exists())

    def test_a_stale_form_is_told_the_record_changed(self):
        member = self.p.member_A2
        services.record_event(member, K.TRANSFER, date(2025, 1, 1), to_cell=self.o.A1, number="1")
        response = self.post(self.u.grassroots, member, K.DECEASED, {"seq": 0})
        self.assertContains(response, "vừa được người khác cập nhật")
        self.assertEqual(MemberEvent.objects.count(), 1)

    def test_htmx_gets_the_form_alone_and_a_redirect(self):
        member = self.p.member_A2
        self.client.force_login(self.u.grassroots)
        response = self.client.get(form_url(member, K.DECEASED), **HTMX)
        self.assertTemplateUsed(response, "web/steps/_form.html")
        self.assertTemplateNotUsed(response, "web/members/page.html")
        self.assertNotContains(response, "<html")
        self.assertContains(response, 'hx-post="')
        response = self.post(self.u.grassroots, member, K.DECEASED, {}, **HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["HX-Redirect"], reverse("person", args=[member.pk]) + "#member-events-heading"
        )
        response = self.post(self.u.grassroots, member, K.DECEASED, {"seq": 1, "date": "01/01/2020"},
                             **HTMX)  # fmt: skip
        self.assertTemplateUsed(response, "web/steps/_form.html")
        self.assertContains(response, "Chưa ghi được")

    def test_the_transfer_offers_the_cells_of_the_users_subtree(self):
        self.client.force_login(self.u.grassroots)
        form = self.client.get(form_url(self.p.member_A2, K.TRANSFER)).context["form"]
        self.assertEqual(
            set(form.fields["to_cell"].queryset), {self.o.A1, self.o.AP1}
        )  # not the member's own cell, nothing outside the commune
        response = self.post(self.u.grassroots, self.p.member_A2, K.TRANSFER,
                             {"to_cell": self.o.B1.pk, "number": "1"})  # fmt: skip
        self.assertIn("to_cell", response.context["form"].errors)
        self.assertFalse(MemberEvent.objects.exists())


class CorrectionPageTests(WritePageAccessTests, WorldTestCase):
    # The inherited access tests: the last event of a member of Chi bộ thôn Tây; an event of
    # another district's member is missing, on its member's page or on this one.
    can_write = ("grassroots", "committee")
    outsiders = ("outsider", "cell")

    def access_url(self):
        member = self.p.member_A2
        self.access_event = services.record_event(member, K.DECEASED, date(2025, 2, 2))
        return correct_url(member, self.access_event)

    def missing_urls(self):
        other = services.record_event(self.p.member_X1, K.DECEASED, date(2025, 2, 2))
        return [correct_url(self.p.member_A2, other), correct_url(self.p.member_X1, other)]

    def access_post_data(self, user):
        return {"seq": 1, "reason": "Nhầm người"}

    def assert_nothing_written(self):
        self.assertFalse(MemberEvent.objects.filter(kind=K.CORRECTION).exists())

    def test_correcting_the_last_event(self):
        member = self.p.member_A2
        first = services.record_event(
            member, K.TRANSFER, date(2025, 1, 1), to_cell=self.o.A1, number="1"
        )
        last = services.record_event(member, K.DECEASED, date(2025, 2, 2))
        self.client.force_login(self.u.grassroots)
        response = self.client.get(correct_url(member, last))
        self.assertContains(response, "Đính chính “Từ trần” ngày 02/02/2025")
        response = self.client.post(correct_url(member, first), {"seq": 2, "reason": "Nhầm"})
        self.assertContains(response, "Chỉ đính chính được biến động ghi sau cùng")
        response = self.client.post(correct_url(member, last), {"seq": 2, "reason": ""})
        self.assertIn("reason", response.context["form"].errors)
        response = self.client.post(correct_url(member, last), {"seq": 2, "reason": "Nhầm người"})
        self.assertEqual(response.status_code, 302)
        member.refresh_from_db()
        self.assertEqual(member.member_status, MemberStatus.OFFICIAL)
        page = self.client.get(reverse("person", args=[member.pk]))
        self.assertContains(page, "(đã đính chính)")
        self.assertContains(page, "biến động #2")


class ReceiveTests(CreatePageAccessTests, WorldTestCase):
    url = "/dang-vien/tiep-nhan/"

    # The inherited access tests: readers 403, writers get the form.

    def access_url(self):
        return self.url

    def access_post_data(self, user):
        return self.data()

    def assert_nothing_written(self):
        self.assertFalse(Person.objects.filter(full_name="Lương Văn Đến").exists())
        self.assertFalse(MemberEvent.objects.exists())

    def data(self, **changes):
        data = {
            "full_name": "Lương Văn Đến",
            "birth_date": "01/02/1985",
            "sex": "M",
            "cccd": cccd_for(date(1985, 2, 1), "M"),
            "ethnicity": "01",
            "religion": "none",
            "general_education": "upper_secondary",
            "professional_level": "university",
            "theory_level": "intermediate",
            "sector": "agency",
            "cell": self.o.A2.pk,
            "admitted_on": "03/02/2010",
            "official_on": "03/02/2011",
            "card_number": "01.234567",
            "arrived_on": "05/05/2026",
            "outside": "Đảng bộ phường Hà Cầu, thành phố Hà Nội",
            "number": "31-GGT/TU",
            "issued_by": "Ban Tổ chức Thành ủy Hà Nội",
        }
        return data | changes

    def test_a_member_from_outside_comes_in_with_their_papers(self):
        self.assertEqual(reverse("member_receive"), self.url)
        self.client.force_login(self.u.grassroots)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        response = self.client.post(self.url, self.data())
        person = Person.objects.get(full_name="Lương Văn Đến")
        self.assertRedirects(
            response, reverse("person", args=[person.pk]) + "#member-events-heading"
        )
        self.assertEqual(
            (person.member_status, person.cell, person.party_admitted_on, person.party_card_number),
            (MemberStatus.OFFICIAL, self.o.A2, date(2010, 2, 3), "01.234567"),
        )
        event = MemberEvent.objects.get(person=person)
        self.assertEqual((event.kind, event.date, event.outside), ("transfer_in", date(2026, 5, 5),
                         "Đảng bộ phường Hà Cầu, thành phố Hà Nội"))  # fmt: skip
        self.assertEqual(
            list(MemberSpell.objects.filter(person=person).values_list("cell_id", "start")),
            [(self.o.A2.pk, date(2026, 5, 5))],
        )

    def test_nothing_is_written_when_the_rules_refuse(self):
        self.client.force_login(self.u.grassroots)
        before = Person.objects.count()
        response = self.client.post(self.url, self.data(arrived_on="01/01/2009"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "trước ngày vào Đảng", " ".join(response.context["form"].errors["arrived_on"])
        )
        future = (timezone.localdate().replace(year=timezone.localdate().year + 1)).strftime(
            "%d/%m/%Y"
        )
        response = self.client.post(self.url, self.data(official_on=future))
        self.assertIn("official_on", response.context["form"].errors)
        self.assertEqual(Person.objects.count(), before)
        self.assertFalse(MemberEvent.objects.exists())

    def test_a_person_already_on_record_is_pointed_to(self):
        self.client.force_login(self.u.grassroots)
        number = cccd_for(date(1972, 5, 5), "M")
        Person.objects.filter(pk=self.p.member_A2.pk).update(cccd=number)
        response = self.client.post(
            self.url, self.data(cccd=number, birth_date="05/05/1972", full_name="Vũ Văn Tây")
        )
        self.assertIn("cccd", response.context["form"].errors)
        self.assertContains(response, reverse("person", args=[self.p.member_A2.pk]))
        response = self.client.post(
            self.url, self.data(full_name="Vũ Văn Tây", birth_date="05/05/1972", cccd="")
        )
        self.assertContains(response, reverse("person", args=[self.p.member_A2.pk]))
        self.assertFalse(MemberEvent.objects.exists())

    def test_cells_outside_are_refused(self):
        self.client.force_login(self.u.grassroots)
        response = self.client.post(self.url, self.data(cell=self.o.X1.pk))
        self.assertIn("cell", response.context["form"].errors)
        self.assertFalse(Person.objects.filter(full_name="Lương Văn Đến").exists())
