"""Recording member events (ptdv/members/services.py): each kind and what it does to the person
and their spells, refusals that write nothing, corrections, scope, audit, and the candidacy
pipeline's side of the integration."""

from __future__ import annotations

from datetime import date

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from ptdv.members import services
from ptdv.members.models import OPEN_END, MemberEvent, MemberSpell
from ptdv.members.services import ConcurrentChange, Refused
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline import services as pipeline
from ptdv.pipeline.models import Event
from ptdv.pipeline.services import StepRefused
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Stage, Step
from tests.base import CARD_ON, CEREMONY_ON, SOURCE_ON, WorldTestCase, make_person

K = MemberEventKind
TODAY = date(2026, 11, 30)
DAY = date(2026, 3, 2)


def spells_of(person) -> list[tuple]:
    return list(
        MemberSpell.objects.filter(person=person)
        .order_by("start", "pk")
        .values_list("cell_id", "start", "end", "start_reason", "end_reason")
    )


class RecordTests(WorldTestCase):
    def record(self, person, kind, on=DAY, **kw):
        kw.setdefault("actor", self.u.committee)
        kw.setdefault("today", TODAY)
        return services.record_event(person, kind, on, **kw)

    def test_a_transfer_between_cells_moves_the_person_and_splits_the_spell(self):
        member = self.p.member_A2
        self.assertEqual(
            spells_of(member), [(self.o.A2.pk, date(1997, 1, 1), OPEN_END, "admitted", "")]
        )
        event = self.record(member, K.TRANSFER, to_cell=self.o.B1, number="25-GGT/HU",
                            issued_by="Ban Tổ chức Huyện ủy")  # fmt: skip
        member.refresh_from_db()
        self.assertEqual(member.cell, self.o.B1)
        self.assertEqual(member.member_status, MemberStatus.OFFICIAL)
        self.assertEqual((event.seq, event.cell, event.to_cell), (1, self.o.A2, self.o.B1))
        self.assertEqual(event.before["cell_id"], self.o.A2.pk)
        self.assertEqual(event.actor, self.u.committee)
        self.assertEqual(
            spells_of(member),
            [
                (self.o.A2.pk, date(1997, 1, 1), DAY, "admitted", "transfer"),
                (self.o.B1.pk, DAY, OPEN_END, "transfer", ""),
            ],
        )

    def test_leaving_the_party_ends_the_membership_on_the_day(self):
        cases = [
            (K.RESIGNED, self.p.member_A2, "Xin ra vì lý do gia đình"),
            (K.STRUCK_OFF, self.p.member_B1, "Bỏ sinh hoạt ba tháng"),
            (K.EXPELLED, self.p.member_B1b, "Vi phạm pháp luật"),
            (K.DECEASED, self.p.member_G, ""),
        ]
        for kind, person, reason in cases:
            with self.subTest(kind=kind):
                number = "" if kind is K.DECEASED else "12-QĐ/HU"
                self.record(person, kind, number=number, reason=reason)
                person.refresh_from_db()
                self.assertEqual(
                    (person.member_status, person.party_left_on), (MemberStatus.LEFT, DAY)
                )
                self.assertEqual(spells_of(person)[-1][2:], (DAY, "admitted", kind.value))

    def test_out_of_the_installation_and_back(self):
        member = self.p.member_A2
        self.record(
            member, K.TRANSFER_OUT, outside="Đảng bộ xã Tân Lập, tỉnh Phú Thọ", number="7-GGT"
        )
        member.refresh_from_db()
        self.assertEqual(member.member_status, MemberStatus.TRANSFERRED_OUT)
        self.assertIsNone(member.party_left_on)  # still a party member, elsewhere
        self.assertEqual(member.cell, self.o.A2)
        back = date(2026, 9, 1)
        event = self.record(member, K.TRANSFER_IN, back, to_cell=self.o.A1,
                            outside="Đảng bộ xã Tân Lập, tỉnh Phú Thọ", number="31-GGT/TU")  # fmt: skip
        member.refresh_from_db()
        self.assertEqual((member.member_status, member.cell), (MemberStatus.OFFICIAL, self.o.A1))
        self.assertEqual((event.cell, event.seq, event.before["member_status"]),
                         (self.o.A1, 2, "transferred_out"))  # fmt: skip
        self.assertEqual(
            spells_of(member),
            [
                (self.o.A2.pk, date(1997, 1, 1), DAY, "admitted", "transfer_out"),
                (self.o.A1.pk, back, OPEN_END, "transfer_in", ""),
            ],
        )

    def test_a_member_from_outside_gets_the_dates_of_their_papers(self):
        person = make_person(self.o.A1, "Lương Văn Đến", date(1985, 1, 1))
        self.assertEqual(spells_of(person), [])
        self.record(person, K.TRANSFER_IN, to_cell=self.o.A2, outside="Đảng bộ phường Hà Cầu",
                    number="5-GGT", admitted_on=date(2010, 2, 3), official_on=date(2011, 2, 3),
                    card_number="01.234567")  # fmt: skip
        person.refresh_from_db()
        self.assertEqual(
            (person.member_status, person.party_admitted_on, person.party_official_on,
             person.party_card_number, person.cell),
            (MemberStatus.OFFICIAL, date(2010, 2, 3), date(2011, 2, 3), "01.234567", self.o.A2),
        )  # fmt: skip
        self.assertEqual(spells_of(person), [(self.o.A2.pk, DAY, OPEN_END, "transfer_in", "")])
        probationary = make_person(self.o.A1, "Lương Thị Dự", date(1999, 1, 1))
        self.record(probationary, K.TRANSFER_IN, to_cell=self.o.A1, outside="Đảng bộ xã Y",
                    number="6-GGT", admitted_on=date(2025, 12, 1))  # fmt: skip
        probationary.refresh_from_db()
        self.assertEqual(probationary.member_status, MemberStatus.PROBATIONARY)

    def test_a_refusal_writes_nothing_and_says_why(self):
        member = self.p.member_A2
        before = Person.objects.filter(pk=member.pk).values().get()
        cases = [
            ({"kind": K.RESIGNED, "number": "1"}, "member.reason.missing"),
            ({"kind": K.EXPELLED, "reason": "x"}, "member.number.missing"),
            ({"kind": K.DECEASED, "on": date(2027, 1, 1)}, "member.date.future"),
            ({"kind": K.DECEASED, "on": date(1990, 1, 1)}, "member.date.before_admission"),
            ({"kind": K.TRANSFER, "number": "1", "to_cell": self.o.A2}, "member.to_cell.same"),
            ({"kind": K.TRANSFER_IN, "number": "1", "to_cell": self.o.A1, "outside": "X"},
             "member.standing.member"),
        ]  # fmt: skip
        for kw, code in cases:
            with self.subTest(code=code), self.assertRaises(Refused) as caught:
                kind, on = kw.pop("kind"), kw.pop("on", DAY)
                self.record(member, kind, on, **kw)
            self.assertEqual([f.code for f in caught.exception.findings], [code])
            self.assertTrue(all(m for m in caught.exception.messages))
        self.assertFalse(MemberEvent.objects.exists())
        self.assertEqual(Person.objects.filter(pk=member.pk).values().get(), before)

    def test_a_probationary_member_is_struck_off_not_expelled(self):
        with self.assertRaises(Refused) as caught:
            self.record(self.p.probationary, K.EXPELLED, number="1", reason="x")
        self.assertIn("xóa tên", caught.exception.messages[0])
        self.record(self.p.probationary, K.STRUCK_OFF, number="1", reason="Không đủ tư cách")

    def test_nothing_after_death_in_order_after_others(self):
        member = self.p.member_A2
        self.record(member, K.TRANSFER, to_cell=self.o.A1, number="1")
        with self.assertRaises(Refused) as caught:
            self.record(member, K.DECEASED, date(2026, 3, 1))
        self.assertEqual([f.code for f in caught.exception.findings], ["member.date.out_of_order"])
        self.record(member, K.DECEASED, date(2026, 4, 1))
        with self.assertRaises(Refused) as caught:
            self.record(member, K.TRANSFER, date(2026, 5, 1), to_cell=self.o.A2, number="1")
        self.assertIn("từ trần", caught.exception.messages[0])

    def test_a_dissolved_cell_receives_nobody(self):
        self.o.B1.dissolved_on = date(2026, 1, 1)
        self.o.B1.save()
        with self.assertRaises(Refused):
            self.record(self.p.member_A2, K.TRANSFER, to_cell=self.o.B1, number="1")

    def test_expected_sequence_number(self):
        member = self.p.member_A2
        self.record(member, K.TRANSFER, to_cell=self.o.A1, number="1", expected_seq=0)
        with self.assertRaises(ConcurrentChange):
            self.record(member, K.DECEASED, date(2026, 4, 1), expected_seq=0)
        self.record(member, K.DECEASED, date(2026, 4, 1), expected_seq=1)

    def test_events_are_append_only(self):
        event = self.record(self.p.member_A2, K.DECEASED)
        with self.assertRaises(RuntimeError):
            event.save()
        with self.assertRaises(RuntimeError):
            event.delete()
        with self.assertRaises(RuntimeError):
            MemberEvent.objects.filter(pk=event.pk).update(reason="x")
        with self.assertRaises(RuntimeError):
            MemberEvent.objects.all().delete()


class ScopeTests(WorldTestCase):
    def test_a_transfer_to_a_cell_outside_the_subtree_is_for_the_committee_above_both(self):
        member = self.p.introducer1  # A1, the cell secretary's cell
        with self.assertRaises(Refused) as caught:
            services.record_event(member, K.TRANSFER, DAY, to_cell=self.o.A2, number="1",
                                  actor=self.u.cell, today=TODAY)  # fmt: skip
        self.assertIn("cấp ủy cấp trên chung", caught.exception.messages[0])
        # The grassroots committee holds both cells.
        services.record_event(member, K.TRANSFER, DAY, to_cell=self.o.A2, number="1",
                              actor=self.u.grassroots, today=TODAY)  # fmt: skip

    def test_outsiders_and_readers(self):
        with self.assertRaises(Refused) as caught:
            services.record_event(self.p.member_A2, K.DECEASED, DAY, actor=self.u.outsider)
        self.assertEqual(caught.exception.messages, ["Người này nằm ngoài phạm vi của bạn."])
        with self.assertRaises(PermissionDenied):
            services.record_event(self.p.member_A2, K.DECEASED, DAY, actor=self.u.viewer)
        self.assertFalse(MemberEvent.objects.exists())

    def test_a_correction_of_a_transfer_needs_both_cells(self):
        member = self.p.member_A2
        event = services.record_event(member, K.TRANSFER, DAY, to_cell=self.o.A1, number="1",
                                       actor=self.u.grassroots, today=TODAY)  # fmt: skip
        with self.assertRaises(Refused) as caught:
            services.correct_event(event, "Nhầm người", actor=self.u.cell)
        self.assertIn("ngoài phạm vi", caught.exception.messages[0])
        services.correct_event(event, "Nhầm người", actor=self.u.grassroots)
        member.refresh_from_db()
        self.assertEqual(member.cell, self.o.A2)


class CorrectionTests(WorldTestCase):
    def test_a_correction_voids_the_last_event_and_restores_the_person(self):
        member = self.p.member_A2
        first = services.record_event(
            member, K.TRANSFER, DAY, to_cell=self.o.A1, number="1", today=TODAY
        )
        second = services.record_event(member, K.DECEASED, date(2026, 4, 1), today=TODAY)
        with self.assertRaises(Refused) as caught:
            services.correct_event(first, "Nhầm")
        self.assertEqual(
            [f.code for f in caught.exception.findings], ["member.correction.not_last"]
        )
        with self.assertRaises(Refused) as caught:
            services.correct_event(second, "  ")
        self.assertEqual([f.code for f in caught.exception.findings], ["member.correction.reason"])
        correction = services.correct_event(second, "Nhầm người, đảng viên còn sống")
        self.assertEqual(
            (correction.kind, correction.voids, correction.seq), ("correction", second, 3)
        )
        member.refresh_from_db()
        self.assertEqual((member.member_status, member.party_left_on, member.cell),
                         (MemberStatus.OFFICIAL, None, self.o.A1))  # fmt: skip
        with self.assertRaises(Refused):
            services.correct_event(second, "Lần nữa")  # already voided
        with self.assertRaises(Refused):
            services.correct_event(correction, "Đính chính của đính chính")
        services.correct_event(first, "Chưa chuyển")
        member.refresh_from_db()
        self.assertEqual(member.cell, self.o.A2)
        self.assertEqual(
            spells_of(member), [(self.o.A2.pk, date(1997, 1, 1), OPEN_END, "admitted", "")]
        )
        # The record keeps everything: two events, two corrections.
        self.assertEqual(MemberEvent.objects.filter(person=member).count(), 4)
        # And the person may die on another day.
        services.record_event(member, K.DECEASED, date(2026, 5, 1), today=TODAY)

    def test_voiding_a_transfer_in_makes_the_person_no_member_again(self):
        person = make_person(self.o.A1, "Lương Văn Đến", date(1985, 1, 1))
        event = services.record_event(person, K.TRANSFER_IN, DAY, to_cell=self.o.A2,
                                       outside="Đảng bộ X", number="5", admitted_on=date(2010, 2, 3),
                                       today=TODAY)  # fmt: skip
        services.correct_event(event, "Không phải người này")
        person.refresh_from_db()
        self.assertEqual(
            (person.member_status, person.party_admitted_on, person.cell),
            (MemberStatus.NONE, None, self.o.A1),
        )
        self.assertEqual(spells_of(person), [])


class AuditTests(WorldTestCase):
    def test_the_audit_entry_carries_the_cell_of_the_event(self):
        event = services.record_event(self.p.member_A2, K.TRANSFER, DAY, to_cell=self.o.B1,
                                       number="1", actor=self.u.committee, today=TODAY)  # fmt: skip
        entry = LogEntry.objects.get_for_object(event).get()
        self.assertEqual(entry.action, LogEntry.Action.CREATE)
        self.assertEqual(entry.additional_data["org_path"], self.o.A2.path)
        # The person's change of cell is audited where the person now is.
        person_entry = LogEntry.objects.get_for_object(self.p.member_A2).latest("pk")
        self.assertEqual(person_entry.additional_data["org_path"], self.o.B1.path)
        self.assertIn("cell", person_entry.changes_dict)


class PipelineTests(WorldTestCase):
    def test_an_open_candidacy_records_its_own_steps(self):
        candidacy = self.advance(self.candidacy(), Stage.PROBATIONARY)
        person = candidacy.person
        with self.assertRaises(Refused) as caught:
            services.record_event(person, K.DECEASED, date(2025, 6, 1), today=TODAY)
        self.assertEqual([f.code for f in caught.exception.findings], ["member.open_candidacy"])
        # The candidacy's own step: a probationary member who moves to another cell.
        pipeline.record_step(
            candidacy, Step.TRANSFER, date(2025, 6, 1), data={"to_cell": self.o.A2.pk}
        )
        self.assertEqual(
            spells_of(person),
            [
                (self.o.A1.pk, CEREMONY_ON, date(2025, 6, 1), "admitted", "transfer"),
                (self.o.A2.pk, date(2025, 6, 1), OPEN_END, "transfer", ""),
            ],
        )

    def test_after_the_party_card_member_events_follow_and_the_card_cannot_be_voided(self):
        candidacy = self.advance(self.candidacy(), Stage.CARD_ISSUED)
        person = candidacy.person
        services.record_event(person, K.TRANSFER, date(2026, 9, 1), to_cell=self.o.A2, number="1",
                              today=TODAY)  # fmt: skip
        person.refresh_from_db()
        self.assertEqual((person.cell, person.member_status), (self.o.A2, MemberStatus.OFFICIAL))
        with self.assertRaises(Refused) as caught:
            services.record_event(person, K.DECEASED, date(2026, 8, 1), today=TODAY)
        self.assertEqual([f.code for f in caught.exception.findings], ["member.date.out_of_order"])
        card = Event.objects.get(candidacy=candidacy, step=Step.PARTY_CARD)
        with self.assertRaises(StepRefused) as caught:
            pipeline.correct_event(card, "Nhầm số thẻ")
        self.assertIn("đính chính biến động đó", caught.exception.messages[0])
        candidacy.refresh_from_db()
        self.assertEqual(candidacy.stage, Stage.CARD_ISSUED)
        self.assertEqual(
            spells_of(person),
            [
                (self.o.A1.pk, CEREMONY_ON, date(2026, 9, 1), "admitted", "transfer"),
                (self.o.A2.pk, date(2026, 9, 1), OPEN_END, "transfer", ""),
            ],
        )
        self.assertGreater(date(2026, 9, 1), CARD_ON)

    def test_a_member_who_transferred_out_is_not_a_new_source(self):
        member = self.p.member_A2
        services.record_event(
            member, K.TRANSFER_OUT, DAY, outside="Đảng bộ X", number="1", today=TODAY
        )
        member.refresh_from_db()
        self.assertFalse(member.is_member)
        with self.assertRaises(StepRefused) as caught:
            pipeline.open_candidacy(member, date(2026, 4, 1))
        self.assertIn("Chuyển sinh hoạt đảng đến", caught.exception.messages[0])

    def test_readmission_after_leaving_keeps_the_first_membership(self):
        member = self.p.member_A2
        services.record_event(member, K.RESIGNED, date(2020, 1, 1), number="1", reason="Theo đơn",
                              today=TODAY)  # fmt: skip
        member.refresh_from_db()
        candidacy = pipeline.open_candidacy(member, SOURCE_ON)
        self.assertEqual(candidacy.attempt, 1)
        with self.assertRaises(Refused) as caught:
            services.correct_event(MemberEvent.objects.get(person=member), "Nhầm")
        self.assertEqual(
            [f.code for f in caught.exception.findings], ["member.correction.candidacy"]
        )
        self.assertEqual(
            spells_of(member),
            [(self.o.A2.pk, date(1997, 1, 1), date(2020, 1, 1), "admitted", "resigned")],
        )
