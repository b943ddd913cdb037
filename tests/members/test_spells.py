"""The spells are derived data: rewritten with every change of a person, rebuilt from the records
by ``rebuild_member_spells`` to the same rows, whatever wrote the records."""

from __future__ import annotations

from datetime import date
from io import StringIO

from django.core.management import call_command

from ptdv.members import services, spells
from ptdv.members.models import OPEN_END, MemberEvent, MemberSpell
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline import services as pipeline
from ptdv.rules.membership import MemberEventKind
from ptdv.rules.stages import Stage, Step
from tests.base import CEREMONY_ON, WorldTestCase, make_person

K = MemberEventKind
TODAY = date(2026, 11, 30)


def table() -> list[tuple]:
    return sorted(
        MemberSpell.objects.values_list(
            "person_id", "cell_id", "start", "end", "start_reason", "end_reason"
        )
    )


class RebuildTests(WorldTestCase):
    def history(self):
        """Members with every kind of history: events, candidacies, corrections."""
        p, o = self.p, self.o
        services.record_event(p.member_A2, K.TRANSFER, date(2020, 1, 1), to_cell=o.A1, number="1",
                              today=TODAY)  # fmt: skip
        services.record_event(p.member_A2, K.DECEASED, date(2024, 1, 1), today=TODAY)
        services.record_event(p.member_B1, K.TRANSFER_OUT, date(2021, 1, 1), outside="X", number="2",
                              today=TODAY)  # fmt: skip
        services.record_event(p.member_B1, K.TRANSFER_IN, date(2023, 1, 1), to_cell=o.G,
                              outside="X", number="3", today=TODAY)  # fmt: skip
        event = services.record_event(p.member_G, K.STRUCK_OFF, date(2022, 2, 2), number="4",
                                      reason="Bỏ sinh hoạt", today=TODAY)  # fmt: skip
        services.correct_event(event, "Nhầm người")
        candidacy = self.advance(self.candidacy("Đinh Văn Mới"), Stage.PROBATIONARY)
        pipeline.record_step(candidacy, Step.TRANSFER, date(2025, 6, 1), data={"to_cell": o.A2.pk})
        newcomer = make_person(o.A1, "Lương Văn Đến", date(1985, 1, 1))
        services.record_event(newcomer, K.TRANSFER_IN, date(2025, 5, 5), to_cell=o.A1, outside="Y",
                              number="5", admitted_on=date(2010, 1, 1), today=TODAY)  # fmt: skip
        Person.objects.filter(pk=p.member_X1b.pk).update(
            member_status=MemberStatus.LEFT, party_left_on=date(2019, 9, 9)
        )  # a bulk write: no signal, the rebuild catches up
        return candidacy

    def test_rebuilding_gives_the_same_rows_and_again(self):
        self.history()
        spells.rebuild([self.p.member_X1b.pk])
        kept = table()
        self.assertTrue(kept)
        MemberSpell.objects.all().delete()
        out = StringIO()
        call_command("rebuild_member_spells", stdout=out)
        self.assertIn(f"{len(kept)} dòng", out.getvalue())
        self.assertEqual(table(), kept)
        self.assertEqual(spells.rebuild(), len(kept))
        self.assertEqual(table(), kept)
        # Some of it, by person.
        call_command("rebuild_member_spells", "--person", str(self.p.member_A2.pk), stdout=out)
        self.assertEqual(table(), kept)

    def test_a_bulk_write_is_caught_up_by_the_rebuild(self):
        self.history()
        x1b = self.p.member_X1b
        self.assertEqual(
            list(MemberSpell.objects.filter(person=x1b).values_list("end", flat=True)), [OPEN_END]
        )
        spells.rebuild([x1b.pk])
        self.assertEqual(
            list(MemberSpell.objects.filter(person=x1b).values_list("end", "end_reason")),
            [(date(2019, 9, 9), "left")],
        )

    def test_what_each_kind_of_history_gives(self):
        candidacy = self.history()
        o, p = self.o, self.p

        def of(person):
            return sorted((row[1:] for row in table() if row[0] == person.pk), key=lambda r: r[1])

        self.assertEqual(
            of(p.member_A2),
            [
                (o.A2.pk, date(1997, 1, 1), date(2020, 1, 1), "admitted", "transfer"),
                (o.A1.pk, date(2020, 1, 1), date(2024, 1, 1), "transfer", "deceased"),
            ],
        )
        self.assertEqual(
            of(p.member_B1),
            [
                (o.B1.pk, date(1994, 3, 3), date(2021, 1, 1), "admitted", "transfer_out"),
                (o.G.pk, date(2023, 1, 1), OPEN_END, "transfer_in", ""),
            ],
        )
        self.assertEqual(of(p.member_G), [(o.G.pk, date(2010, 1, 1), OPEN_END, "admitted", "")])
        self.assertEqual(
            of(candidacy.person),
            [
                (o.A1.pk, CEREMONY_ON, date(2025, 6, 1), "admitted", "transfer"),
                (o.A2.pk, date(2025, 6, 1), OPEN_END, "transfer", ""),
            ],
        )

    def test_a_voided_ceremony_leaves_no_spell(self):
        candidacy = self.advance(self.candidacy("Đinh Văn Mới"), Stage.PROBATIONARY)
        person = candidacy.person
        self.assertTrue(MemberSpell.objects.filter(person=person).exists())
        ceremony = candidacy.events.get(step=Step.CEREMONY)
        pipeline.correct_event(ceremony, "Chưa tổ chức lễ kết nạp")
        self.assertFalse(MemberSpell.objects.filter(person=person).exists())
        spells.rebuild()
        self.assertFalse(MemberSpell.objects.filter(person=person).exists())

    def test_people_saved_one_by_one_get_their_spells(self):
        person = make_person(
            self.o.B1, "Hà Văn Mới", date(1980, 1, 1), official_since=date(2005, 1, 1)
        )
        self.assertEqual(
            list(MemberSpell.objects.filter(person=person).values_list("cell_id", "start")),
            [(self.o.B1.pk, date(2004, 1, 1))],
        )
        source = make_person(self.o.B1, "Hà Văn Nguồn", date(2000, 1, 1))
        self.assertFalse(MemberSpell.objects.filter(person=source).exists())

    def test_bulk_writes_of_events_are_counted_after_a_rebuild(self):
        """The import and the demo write events with bulk_create, then rebuild their people."""
        member = self.p.member_A2
        MemberEvent.objects.bulk_create(
            [
                MemberEvent(person=member, seq=1, kind="deceased", date=date(2022, 2, 2),
                            cell=self.o.A2, before=services.snapshot(member)),
            ]
        )  # fmt: skip
        spells.rebuild([member.pk])
        self.assertEqual(
            list(MemberSpell.objects.filter(person=member).values_list("end", "end_reason")),
            [(date(2022, 2, 2), "deceased")],
        )
