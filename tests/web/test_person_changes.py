"""Corrections of a person's record on the person page, and merges of two records of one person."""

from __future__ import annotations

from datetime import date

from auditlog.models import LogEntry

from ptdv.members.records import merge_people, unmerge_people
from ptdv.people.models import MemberStatus, Person, PersonChange, PersonMerge
from ptdv.people.services import PersonRefused
from ptdv.pipeline import services
from ptdv.pipeline.evaluation import build_facts
from ptdv.pipeline.models import Candidacy, MentorAssignment
from ptdv.rules.stages import Stage, Step
from tests.base import (
    CELL_ON,
    SOURCE_ON,
    SYMPATHISER_ON,
    WorldTestCase,
    WritePageAccessTests,
    cccd_for,
    introducer_paper,
    make_person,
)


def form_data(person: Person, **changes) -> dict:
    data = {
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "cccd": person.cccd or "",
        "ethnicity": person.ethnicity,
        "religion": person.religion,
        "general_education": person.general_education,
        "professional_level": person.professional_level,
        "theory_level": person.theory_level,
        "occupation": person.occupation,
        "sector": person.sector,
        "residence": person.residence_id or "",
        "address": person.address,
        "reason": "Sai chính tả so với giấy khai sinh",
    }
    for flag in ("youth_union_member", "trade_union_member", "local_resident"):
        if getattr(person, flag):
            data[flag] = "on"
    data.update(changes)
    return data


class CorrectionTests(WritePageAccessTests, WorldTestCase):
    def url(self, person):
        return f"/nguoi/{person.pk}/dinh-chinh/"

    # The inherited access tests: readers 403, outsiders and missing records 404, writers 200.

    def access_url(self):
        self.access_person = make_person(self.o.A1, "Nguyễn Văn Đúng", date(1999, 1, 1))
        return self.url(self.access_person)

    def missing_urls(self):
        return ["/nguoi/99999999/dinh-chinh/"]

    def access_post_data(self, user):
        return form_data(self.access_person)

    def assert_nothing_written(self):
        self.assertFalse(PersonChange.objects.exists())

    def test_a_correction_is_kept_as_history_and_audited(self):
        person = make_person(self.o.A1, "Nguyen Van Sai", date(1999, 1, 1))
        self.client.force_login(self.u.cell)
        response = self.client.get(self.url(person))
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            self.url(person), form_data(person, full_name="Nguyễn Văn Sài", religion="buddhism")
        )
        self.assertRedirects(response, f"/nguoi/{person.pk}/", fetch_redirect_response=False)
        person.refresh_from_db()
        self.assertEqual(
            (person.full_name, person.search_name), ("Nguyễn Văn Sài", "nguyen van sai")
        )
        change = PersonChange.objects.get(person=person)
        self.assertEqual(change.kind, PersonChange.Kind.CORRECTION)
        self.assertEqual(change.actor, self.u.cell)
        self.assertEqual(change.reason, "Sai chính tả so với giấy khai sinh")
        self.assertEqual(
            change.changes,
            {"full_name": ["Nguyen Van Sai", "Nguyễn Văn Sài"], "religion": ["Không", "Phật giáo"]},
        )
        entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
        self.assertEqual(entry.additional_data["reason"], "Sai chính tả so với giấy khai sinh")
        self.assertEqual(entry.additional_data["org_path"], self.o.A1.path)
        page = self.client.get(f"/nguoi/{person.pk}/")
        for text in ("Lịch sử thay đổi thông tin", "Nguyen Van Sai → Nguyễn Văn Sài",
                     "Không → Phật giáo", "Sai chính tả so với giấy khai sinh", "chibo"):  # fmt: skip
            self.assertContains(page, text)

    def test_nothing_without_a_reason_or_without_a_change(self):
        person = make_person(self.o.A1, "Nguyễn Văn Đúng", date(1999, 1, 1))
        self.client.force_login(self.u.cell)
        response = self.client.post(self.url(person), form_data(person, reason="  "))
        self.assertIn("reason", response.context["form"].errors)
        response = self.client.post(self.url(person), form_data(person))
        self.assertContains(response, "Không có thông tin nào thay đổi.")
        self.assertFalse(PersonChange.objects.exists())

    def test_a_reader_is_not_offered_the_correction(self):
        person = make_person(self.o.A1, "Nguyễn Văn Đúng", date(1999, 1, 1))
        self.client.force_login(self.u.viewer)
        self.assertNotContains(self.client.get(f"/nguoi/{person.pk}/"), "Đính chính thông tin")

    def test_membership_and_cell_are_not_correctable_here(self):
        person = make_person(self.o.A1, "Nguyễn Văn Đúng", date(1999, 1, 1))
        self.client.force_login(self.u.grassroots)
        self.client.post(
            self.url(person),
            form_data(person, cell=self.o.A2.pk, member_status="official",
                      party_admitted_on="2020-01-01", occupation="Giáo viên"),
        )  # fmt: skip
        person.refresh_from_db()
        self.assertEqual((person.cell, person.member_status), (self.o.A1, MemberStatus.NONE))
        self.assertEqual(person.occupation, "Giáo viên")

    def test_a_cccd_held_elsewhere_is_refused_without_naming_anyone(self):
        far = self.p.member_X1
        far.cccd = cccd_for(far.birth_date, "M")
        far.save()
        person = make_person(self.o.A1, "Nguyễn Văn Đúng", far.birth_date)
        self.client.force_login(self.u.cell)
        response = self.client.post(self.url(person), form_data(person, cccd=far.cccd))
        (message,) = response.context["form"].errors["cccd"]
        self.assertIn("tổ chức đảng khác", message)
        self.assertNotIn(far.full_name, response.content.decode())
        person.refresh_from_db()
        self.assertIsNone(person.cccd)

    def test_the_open_candidacy_is_evaluated_again(self):
        candidacy = self.candidacy("Trần Văn Trẻ", birth_date=date(2000, 1, 1))
        self.advance(candidacy, Stage.CELL_RESOLVED)
        person = candidacy.person
        self.client.force_login(self.u.grassroots)
        # Born in 2007 after all: 17 on the day the cell considered the admission.
        response = self.client.post(
            self.url(person), form_data(person, birth_date="2007-06-01"), follow=True
        )
        shown = [str(m) for m in response.context["messages"]]
        self.assertIn("Tuổi vào ngày chi bộ xét (10/02/2025): 17 tuổi 8 tháng.", shown)
        self.assertTrue(
            any(m.startswith("Vào ngày chi bộ xét (10/02/2025): ") and "18" in m for m in shown),
            shown,
        )
        self.assertEqual(CELL_ON, date(2025, 2, 10))

    def test_concurrent_cccd_answers_with_the_form(self):
        """The database's unique constraint answers a race the check could not see."""
        from unittest import mock

        person = make_person(self.o.A1, "Nguyễn Văn Đúng", date(1999, 1, 1))
        other = make_person(self.o.A1, "Trần Văn Nhanh", date(1999, 1, 1))
        number = cccd_for(date(1999, 1, 1), "M")
        self.client.force_login(self.u.cell)
        # The check ran before the other record took the number.
        with mock.patch("ptdv.people.identity.Identities.holders", return_value={}):
            Person.objects.filter(pk=other.pk).update(cccd=number)
            response = self.client.post(self.url(person), form_data(person, cccd=number))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["cccd"],
            ["Số CCCD này vừa được ghi cho một người khác."],
        )
        person.refresh_from_db()
        self.assertIsNone(person.cccd)
        self.assertFalse(PersonChange.objects.exists())


class MergeTests(WritePageAccessTests, WorldTestCase):
    # The inherited access tests; the cell secretary asks the grassroots officer to merge.
    can_write = ("grassroots", "committee")
    read_only = ("cell", "viewer")

    def access_url(self):
        kept = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3))
        self.access_twin = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3))
        return f"/nguoi/{kept.pk}/hop-nhat/"

    def missing_urls(self):
        return ["/nguoi/99999999/hop-nhat/"]

    def access_post_data(self, user):
        return {"other": self.access_twin.pk, "reason": "Nhập hai lần"}

    def assert_nothing_written(self):
        self.assertFalse(PersonMerge.objects.exists())

    def test_merge_moves_everything_and_can_be_undone(self):
        kept = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3))
        first = services.open_candidacy(kept, SOURCE_ON)
        services.record_step(first, Step.WITHDRAWN, date(2024, 10, 1), reason="Xin rút")
        number = cccd_for(date(1990, 3, 3), "M")
        twin = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3), cccd=number)
        second = services.open_candidacy(twin, date(2025, 1, 2))
        services.record_step(second, Step.SYMPATHISER, date(2025, 2, 3))
        # The twin record also appears as somebody's mentor (written before the rule applied).
        helped = self.candidacy("Người Được Giúp")
        helping = MentorAssignment.objects.create(
            candidacy=helped, mentor=twin, start=SYMPATHISER_ON
        )
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/nguoi/{kept.pk}/hop-nhat/")
        self.assertContains(page, "Lò Văn Trùng · 03/03/1990")
        response = self.client.post(
            f"/nguoi/{kept.pk}/hop-nhat/", {"other": twin.pk, "reason": "Nhập hai lần"}
        )
        self.assertRedirects(response, f"/nguoi/{kept.pk}/", fetch_redirect_response=False)
        kept.refresh_from_db()
        self.assertEqual(kept.cccd, number)
        self.assertEqual(
            list(
                Candidacy.objects.filter(person=kept)
                .order_by("attempt")
                .values_list("pk", "attempt")
            ),
            [(first.pk, 1), (second.pk, 2)],
        )
        self.assertEqual(MentorAssignment.objects.get(pk=helping.pk).mentor_id, kept.pk)
        self.assertFalse(Person.objects.filter(pk=twin.pk).exists())
        twin_record = Person.all_records.get(pk=twin.pk)
        self.assertEqual((twin_record.merged_into_id, twin_record.cccd), (kept.pk, None))
        # The merged record's page leads to the kept one; search no longer finds it twice.
        self.assertRedirects(
            self.client.get(f"/nguoi/{twin.pk}/"), f"/nguoi/{kept.pk}/",
            fetch_redirect_response=False,
        )  # fmt: skip
        results = self.client.post("/tim-kiem/", {"q": "lo van trung"}, follow=True)
        self.assertEqual(results.context["page"].paginator.count, 1)
        history = self.client.get(f"/nguoi/{kept.pk}/")
        self.assertContains(history, "Hợp nhất hồ sơ trùng")
        self.assertContains(history, "Nhập hai lần")
        merge = PersonMerge.objects.get()
        self.assertContains(history, f"/nguoi/{kept.pk}/hop-nhat/{merge.pk}/huy/")

        response = self.client.post(
            f"/nguoi/{kept.pk}/hop-nhat/{merge.pk}/huy/", {"reason": "Hai người khác nhau"}
        )
        self.assertEqual(response.status_code, 302)
        twin.refresh_from_db()
        kept.refresh_from_db()
        self.assertIsNone(twin.merged_into_id)
        self.assertEqual((twin.cccd, kept.cccd), (number, None))
        self.assertEqual(Candidacy.objects.get(pk=second.pk).person_id, twin.pk)
        self.assertEqual(
            (
                Candidacy.objects.get(pk=first.pk).attempt,
                Candidacy.objects.get(pk=second.pk).attempt,
            ),
            (1, 1),
        )
        self.assertEqual(MentorAssignment.objects.get(pk=helping.pk).mentor_id, twin.pk)
        self.assertEqual(
            list(PersonChange.objects.filter(person=kept).values_list("kind", flat=True)),
            ["unmerge", "merge"],
        )

    def test_a_record_outside_the_subtree_cannot_be_chosen(self):
        kept = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 3))
        far = make_person(self.o.X1, "Lò Văn Trùng", date(1990, 3, 3))
        self.client.force_login(self.u.grassroots)
        page = self.client.get(f"/nguoi/{kept.pk}/hop-nhat/")
        self.assertContains(page, "Không có hồ sơ nào trùng với người này.")
        response = self.client.post(f"/nguoi/{kept.pk}/hop-nhat/", {"other": far.pk, "reason": "x"})
        self.assertFalse(Person.all_records.get(pk=far.pk).merged_into_id)
        self.assertNotContains(response, "Chi bộ thôn Nam")

    def test_refusals(self):
        a = make_person(
            self.o.A1, "Lò Văn Trùng", date(1990, 3, 3), cccd=cccd_for(date(1990, 3, 3), "M")
        )
        b = make_person(
            self.o.A1, "Lò Văn Trùng", date(1990, 3, 3), cccd=cccd_for(date(1990, 3, 3), "M")
        )
        with self.assertRaises(PersonRefused) as caught:
            merge_people(a, b, "Trùng")
        self.assertIn("số CCCD khác nhau", caught.exception.messages[0])
        c = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 4))
        with self.assertRaises(PersonRefused) as caught:
            merge_people(c, b, "Trùng")
        self.assertIn("ngày sinh khác nhau", caught.exception.messages[0])
        d = make_person(self.o.A1, "Lò Văn Trùng", date(1990, 3, 4))
        services.open_candidacy(c, SOURCE_ON)
        services.open_candidacy(d, SOURCE_ON)
        with self.assertRaises(PersonRefused) as caught:
            merge_people(c, d, "Trùng")
        self.assertIn("chưa kết thúc", caught.exception.messages[0])
        with self.assertRaises(PersonRefused):
            merge_people(c, d, "  ")

    def test_membership_comes_with_the_record_that_has_it_and_is_counted_once(self):
        member = make_person(self.o.A1, "Lò Văn Trùng", date(1970, 3, 3),
                             official_since=date(2000, 1, 1))  # fmt: skip
        twin = make_person(self.o.A1, "Lò Văn Trùng", date(1970, 3, 3))
        merge = merge_people(twin, member, "Nhập hai lần")
        twin.refresh_from_db()
        self.assertEqual(
            (twin.member_status, twin.party_official_on), (MemberStatus.OFFICIAL, date(2000, 1, 1))
        )
        self.assertEqual(Person.objects.members().filter(full_name="Lò Văn Trùng").count(), 1)
        unmerge_people(merge, "Nhầm")
        twin.refresh_from_db()
        member.refresh_from_db()
        self.assertEqual(twin.member_status, MemberStatus.NONE)
        self.assertEqual(member.party_official_on, date(2000, 1, 1))

    def test_an_introducers_letter_follows_the_merged_record(self):
        """Events are never rewritten: a letter written by the merged record's id still counts
        for the member it now is part of."""
        introducer = make_person(self.o.A1, "Hà Văn Giới", date(1970, 1, 1),
                                 official_since=date(2000, 1, 1))  # fmt: skip
        twin = make_person(self.o.A1, "Hà Văn Giới", date(1970, 1, 1))
        candidacy = self.candidacy("Người Được Giới Thiệu")
        self.advance(candidacy, Stage.AWARENESS_TRAINED)
        services.record_step(
            candidacy, Step.DOSSIER_PAPER, date(2024, 12, 23), data=introducer_paper(introducer)
        )
        merge_people(twin, introducer, "Nhập hai lần")
        (letter,) = build_facts(Candidacy.objects.get(pk=candidacy.pk)).introducers
        self.assertEqual((letter.person_id, letter.official_since), (twin.pk, date(2000, 1, 1)))


class MergeAndMemberEventsTests(WorldTestCase):
    def test_a_record_with_member_events_is_kept_not_merged_away(self):
        from ptdv.members.services import record_event
        from ptdv.members.spells import rebuild

        member = make_person(
            self.o.A1, "Lò Văn Trùng", date(1970, 3, 3), official_since=date(2000, 1, 1)
        )
        rebuild([member.pk])
        record_event(member, "deceased", date(2025, 5, 5))
        twin = make_person(self.o.A1, "Lò Văn Trùng", date(1970, 3, 3))
        with self.assertRaises(PersonRefused) as caught:
            merge_people(twin, member, "Nhập hai lần")
        self.assertIn("biến động đảng viên", caught.exception.messages[0])
        merge_people(member, twin, "Nhập hai lần")  # the other way round
        self.assertEqual(Person.objects.filter(full_name="Lò Văn Trùng").count(), 1)
