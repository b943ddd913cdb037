"""The party member's personal-history number (số lý lịch đảng viên): its format, its uniqueness
where set, the person page and the correction form, the forms without it, the merge."""

from __future__ import annotations

from datetime import date

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import SimpleTestCase, override_settings

from ptdv.members.records import merge_people, unmerge_people
from ptdv.people.identity import HISTORY_NUMBER_PROBE_EVENT
from ptdv.people.models import Person, PersonChange
from ptdv.people.validators import (
    normalise_personal_history_number,
    validate_personal_history_number,
)
from ptdv.web.person_forms import PersonCorrectionForm, SourceForm
from tests.base import WorldTestCase, cccd_for, make_person
from tests.web.test_person_changes import form_data

NUMBER = "123456HN"


class ValidatorTests(SimpleTestCase):
    def test_six_digits_then_one_to_three_capitals(self):
        for good in ("", "123456HN", "000001A", "999999HCM"):
            validate_personal_history_number(good)
        for bad in ("12345HN", "1234567HN", "123456", "123456ABCD", "123456hn", "HN123456",
                    "123456H1", "１２３４５６HN"):  # fmt: skip
            with self.subTest(bad=bad), self.assertRaises(ValidationError) as caught:
                validate_personal_history_number(bad)
            self.assertEqual(
                caught.exception.messages,
                [
                    f"Số lý lịch đảng viên «{bad}» không đúng dạng: 6 chữ số rồi 1 đến 3 chữ cái "
                    "(ví dụ 123456HN)."
                ],
            )

    def test_spaces_removed_and_capitals(self):
        self.assertEqual(normalise_personal_history_number(" 123 456 hn\t"), NUMBER)
        self.assertEqual(normalise_personal_history_number(None), "")


class ModelTests(WorldTestCase):
    def test_stored_normalised_and_checked(self):
        person = make_person(self.o.A1, "Lò Văn Số", official_since=date(2010, 1, 1))
        person.personal_history_number = "123456 hn"
        person.full_clean()
        person.save()
        self.assertEqual(Person.objects.get(pk=person.pk).personal_history_number, NUMBER)
        person.personal_history_number = "12345"
        with self.assertRaises(ValidationError) as caught:
            person.full_clean()
        self.assertIn("personal_history_number", caught.exception.message_dict)

    def test_unique_where_set(self):
        first = make_person(self.o.A1, "Lò Văn Một", personal_history_number=NUMBER)
        second = make_person(self.o.A2, "Lò Văn Hai")
        make_person(self.o.A2, "Lò Văn Ba")  # several without a number
        second.personal_history_number = NUMBER.lower()
        with self.assertRaises(ValidationError) as caught:
            second.full_clean()
        self.assertEqual(
            caught.exception.message_dict["personal_history_number"],
            ["Số lý lịch đảng viên này đã có trong ptdv."],
        )
        with transaction.atomic(), self.assertRaises(IntegrityError):
            second.save()
        self.assertEqual(
            Person.objects.exclude(personal_history_number="").get(), first
        )  # the others, without one, side by side


class CorrectionFormTests(WorldTestCase):
    def url(self, person: Person) -> str:
        return f"/nguoi/{person.pk}/dinh-chinh/"

    def setUp(self):
        self.member = make_person(self.o.A1, "Hà Văn Lịch", date(1980, 2, 2),
                                  official_since=date(2005, 1, 1))  # fmt: skip
        self.client.force_login(self.u.cell)

    def post(self, number: str, person: Person | None = None):
        person = person or self.member
        return self.client.post(
            self.url(person),
            form_data(person, personal_history_number=number, reason="Theo phiếu đảng viên"),
        )

    def test_a_member_gets_the_number_shown_on_the_page(self):
        page = self.client.get(self.url(self.member))
        self.assertContains(page, 'name="personal_history_number"')
        self.assertContains(page, "Số lý lịch đảng viên")
        response = self.post(" 123456 hn ")
        self.assertRedirects(response, f"/nguoi/{self.member.pk}/", fetch_redirect_response=False)
        self.member.refresh_from_db()
        self.assertEqual(self.member.personal_history_number, NUMBER)
        change = PersonChange.objects.get(person=self.member)
        self.assertEqual(change.changes, {"personal_history_number": ["—", NUMBER]})
        page = self.client.get(f"/nguoi/{self.member.pk}/")
        self.assertContains(page, "Số lý lịch đảng viên")
        self.assertContains(page, NUMBER)

    def test_a_malformed_number_is_named(self):
        response = self.post("12345HN")
        self.assertEqual(
            response.context["form"].errors["personal_history_number"],
            [
                "Số lý lịch đảng viên «12345HN» không đúng dạng: 6 chữ số rồi 1 đến 3 chữ cái "
                "(ví dụ 123456HN)."
            ],
        )
        self.assertFalse(PersonChange.objects.exists())

    def test_a_number_held_in_the_subtree_names_its_holder(self):
        holder = make_person(self.o.A1, "Quàng Thị Có", date(1985, 4, 4),
                             official_since=date(2010, 1, 1), personal_history_number=NUMBER)  # fmt: skip
        response = self.post(NUMBER)
        (message,) = response.context["form"].errors["personal_history_number"]
        self.assertEqual(
            message,
            f"Số lý lịch đảng viên {NUMBER} đã được ghi cho {holder.full_name}, sinh 04/04/1985, "
            f"{self.o.A1.name}.",
        )
        self.member.refresh_from_db()
        self.assertEqual(self.member.personal_history_number, "")

    def test_a_number_held_outside_the_subtree_names_nobody(self):
        far = self.p.member_X1
        far.personal_history_number = NUMBER
        far.save()
        response = self.post(NUMBER)
        (message,) = response.context["form"].errors["personal_history_number"]
        self.assertIn("đã được ghi cho một người khác trong ptdv", message)
        content = response.content.decode()
        self.assertNotIn(far.full_name, content)
        self.assertNotIn(far.cell.name, content)
        self.member.refresh_from_db()
        self.assertEqual(self.member.personal_history_number, "")

    def test_a_number_held_outside_is_audited(self):
        far = self.p.member_X1
        Person.objects.filter(pk=far.pk).update(personal_history_number=NUMBER)
        self.post(NUMBER)
        entries = LogEntry.objects.filter(additional_data__event=HISTORY_NUMBER_PROBE_EVENT)
        self.assertEqual(
            sorted(e.additional_data["org_path"] for e in entries),
            sorted([self.u.cell.organisation.path, far.cell.path]),
        )
        asker = entries.get(object_pk="")
        self.assertEqual(asker.actor, self.u.cell)
        for entry in entries:
            self.assertNotIn(NUMBER, f"{entry.object_repr} {entry.additional_data}")

    @override_settings(PTDV_CCCD_ELSEWHERE_LIMIT=2)
    def test_past_the_limit_the_form_says_no_more(self):
        outside = [self.p.member_X1, make_person(self.o.X1, "Đinh Văn Xa", date(1970, 3, 3),
                   official_since=date(1995, 1, 1)), make_person(self.o.X1, "Đinh Văn Xa Hơn",
                   date(1971, 3, 3), official_since=date(1996, 1, 1))]  # fmt: skip
        numbers = ("700001HN", "700002HN", "700003HN")
        for person, number in zip(outside, numbers, strict=True):
            Person.objects.filter(pk=person.pk).update(personal_history_number=number)
        for number in numbers[:2]:
            errors = self.post(number).context["form"].errors["personal_history_number"]
            self.assertIn("đã được ghi cho một người khác trong ptdv", errors[0])
        (message,) = self.post(numbers[2]).context["form"].errors["personal_history_number"]
        self.assertIn("Bạn đã nhập 2 số lý lịch đảng viên", message)
        self.assertNotIn(numbers[2], message)
        self.member.refresh_from_db()
        self.assertEqual(self.member.personal_history_number, "")
        # The numbers of the user's own subtree are answered, and counted as nothing.
        holder = make_person(self.o.A1, "Quàng Thị Có", date(1985, 4, 4),
                             official_since=date(2010, 1, 1), personal_history_number=NUMBER)  # fmt: skip
        (message,) = self.post(NUMBER).context["form"].errors["personal_history_number"]
        self.assertIn(holder.full_name, message)
        response = self.post("700009HN")  # a free number is saved
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            LogEntry.objects.filter(
                additional_data__event=HISTORY_NUMBER_PROBE_EVENT, object_pk=""
            ).count(),
            2,
        )

    def test_the_same_number_again_is_no_conflict_with_itself(self):
        self.member.personal_history_number = NUMBER
        self.member.save()
        response = self.post(NUMBER, self.member)
        self.assertContains(response, "Không có thông tin nào thay đổi.")

    def test_not_offered_to_somebody_never_admitted(self):
        candidate = make_person(self.o.A1, "Lường Văn Nguồn", date(2001, 1, 1))
        form = PersonCorrectionForm(instance=candidate, user=self.u.cell)
        self.assertNotIn("personal_history_number", form.fields)
        self.assertIn("personal_history_number", PersonCorrectionForm(
            instance=self.member, user=self.u.cell).fields)  # fmt: skip
        # A source is not a member either.
        self.assertNotIn("personal_history_number", SourceForm(user=self.u.cell).fields)
        response = self.post(NUMBER, candidate)  # the value is not read
        self.assertEqual(response.status_code, 200)  # nothing else changed
        candidate.refresh_from_db()
        self.assertEqual(candidate.personal_history_number, "")


class MergeTests(WorldTestCase):
    def test_the_number_comes_with_the_membership_and_goes_back(self):
        member = make_person(self.o.A1, "Lò Văn Trùng", date(1970, 3, 3),
                             official_since=date(2000, 1, 1), personal_history_number=NUMBER)  # fmt: skip
        twin = make_person(self.o.A1, "Lò Văn Trùng", date(1970, 3, 3))
        merge = merge_people(twin, member, "Nhập hai lần")
        twin.refresh_from_db()
        member = Person.all_records.get(pk=member.pk)
        self.assertEqual(
            (twin.personal_history_number, member.personal_history_number), (NUMBER, "")
        )
        unmerge_people(merge, "Nhầm")
        twin.refresh_from_db()
        member.refresh_from_db()
        self.assertEqual(
            (twin.personal_history_number, member.personal_history_number), ("", NUMBER)
        )


class ReceiveMemberTests(WorldTestCase):
    """A member received from outside the installation brings the number on the form."""

    def data(self, **changes) -> dict:
        return {
            "full_name": "Lương Văn Đến", "birth_date": "01/02/1985", "sex": "M",
            "cccd": cccd_for(date(1985, 2, 1), "M"), "ethnicity": "01", "religion": "none",
            "general_education": "upper_secondary", "professional_level": "university",
            "theory_level": "intermediate", "sector": "agency", "cell": self.o.A2.pk,
            "admitted_on": "03/02/2010", "official_on": "03/02/2011", "card_number": "01234567",
            "arrived_on": "05/05/2026", "outside": "Đảng bộ phường Hà Cầu, thành phố Hà Nội",
            "number": "31-GGT/TU", "issued_by": "Ban Tổ chức Thành ủy Hà Nội",
        } | changes  # fmt: skip

    def test_the_number_is_saved_or_refused(self):
        self.client.force_login(self.u.grassroots)
        self.assertContains(self.client.get("/dang-vien/tiep-nhan/"), "Số lý lịch đảng viên")
        response = self.client.post(
            "/dang-vien/tiep-nhan/", self.data(personal_history_number="1A")
        )
        self.assertIn(
            "Số lý lịch đảng viên «1A» không đúng dạng",
            response.context["form"].errors["personal_history_number"][0],
        )
        self.assertFalse(Person.objects.filter(full_name="Lương Văn Đến").exists())
        self.client.post("/dang-vien/tiep-nhan/", self.data(personal_history_number="654321tb"))
        person = Person.objects.get(full_name="Lương Văn Đến")
        self.assertEqual(person.personal_history_number, "654321TB")
