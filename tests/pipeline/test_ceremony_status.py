"""The ceremony keeps the new member's standing on the admission day (Youth Union member, local
resident), which the reports count (seed 003: "426 đảng viên là đoàn viên thanh niên …; 247 đảng
viên là người tại chỗ" — the status when admitted, not today's)."""

from __future__ import annotations

from ptdv.pipeline.models import Event
from ptdv.rules.stages import Stage, Step
from tests.base import WorldTestCase, advance, introducers_for, new_candidacy


class CeremonyStatusTests(WorldTestCase):
    def test_the_ceremony_records_the_standing_of_its_day(self):
        candidacy = new_candidacy(self.world, "Lò Văn Tươi", self.o.A1)
        person = candidacy.person
        person.youth_union_member, person.local_resident = True, False
        person.save()
        advance(candidacy, Stage.PROBATIONARY, introducers_for(self.world, candidacy.cell))
        ceremony = Event.objects.get(candidacy=candidacy, step=Step.CEREMONY)
        self.assertIs(ceremony.data["youth_union_member"], True)
        self.assertIs(ceremony.data["local_resident"], False)
        # Aged out of the Youth Union later: the ceremony's record does not change.
        person.refresh_from_db()
        person.youth_union_member = False
        person.save()
        ceremony.refresh_from_db()
        self.assertIs(ceremony.data["youth_union_member"], True)
