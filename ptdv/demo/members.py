"""The demo's member events: members who died, moved, left, were struck off or expelled in the
last two years, and members received from outside the installation."""

from __future__ import annotations

import random
from datetime import timedelta

from ptdv.members.models import MemberEvent
from ptdv.members.services import snapshot
from ptdv.org.models import OrgKind
from ptdv.people.models import MemberStatus, Person
from ptdv.pipeline.models import Event, MentorAssignment
from ptdv.rules.months import add_months
from ptdv.rules.stages import Step

from .people import PeopleBuilder
from .tree import BATCH, CellInfo

_REASONS = {
    "deceased": "",
    "transfer_out": "Chuyển công tác",
    "transfer": "Chuyển nơi cư trú",
    "struck_off": "Bỏ sinh hoạt chi bộ quá ba tháng không có lý do chính đáng",
    "resigned": "Xin ra khỏi Đảng vì lý do gia đình",
    "expelled": "Vi phạm pháp luật, bị xử lý hình sự",
}
#: Party organisations outside the installation, members leave to or come from.
_OUTSIDE = ["Đảng bộ phường Tân Thịnh, tỉnh Thái Nguyên", "Đảng bộ xã Ea Tu, tỉnh Đắk Lắk",
            "Đảng bộ Công an tỉnh Lào Cai", "Đảng bộ xã Quỳnh Lập, tỉnh Nghệ An"]  # fmt: skip


class MemberEventBuilder(PeopleBuilder):
    """Member events, from a generator of their own."""

    #: Member events of the members admitted before the installation, per member (the rest
    #: stay): kind -> share. About the yearly rates of a province's statistics.
    MEMBER_EVENT_RATES = (
        ("deceased", 0.006),
        ("transfer_out", 0.006),
        ("transfer", 0.008),
        ("struck_off", 0.003),
        ("resigned", 0.002),
        ("expelled", 0.001),
    )
    #: Members received from outside the installation, per member.
    ARRIVAL_RATE = 0.005

    def build_member_events(self) -> None:
        """A few members of every kind of change in the last two years: deaths, transfers out
        of the installation and between cells of one grassroots organisation, removals,
        resignations, expulsions, and members received from outside.

        Members who introduce or help a candidate are left alone (the candidacies' rules read
        their membership on the days of their letters and assignments). A generator of its own,
        so the rest of the dataset is the same with or without these events.
        """
        rng = random.Random(self.shape.seed + 7)
        events, changed = self._leaving_events(rng, self._busy_members())
        Person.objects.bulk_update(
            changed, ["member_status", "party_left_on", "cell"], batch_size=BATCH
        )
        # Members received from outside, admitted there years ago.
        arrivals = self._arrivals(rng)
        Person.objects.bulk_create([p for p, _ in arrivals], batch_size=BATCH)
        events.extend(self._arrival_events(rng, arrivals))
        MemberEvent.objects.bulk_create(events, batch_size=BATCH)
        self.counts["member_events"] = len(events)

    def _busy_members(self) -> set[int]:
        """The members who introduce or help a candidate."""
        busy: set[int] = set()
        for event in Event.objects.filter(step=Step.DOSSIER_PAPER).values_list("data", flat=True):
            if isinstance(event, dict) and event.get("introducer_id"):
                busy.add(int(event["introducer_id"]))
        busy |= set(MentorAssignment.objects.values_list("mentor_id", flat=True))
        return busy

    def _leaving_events(
        self, rng: random.Random, busy: set[int]
    ) -> tuple[list[MemberEvent], list[Person]]:
        """The events of members who died, moved or left, and the people they change."""
        by_grassroots: dict[int, list[CellInfo]] = {}
        for info in self.cells:
            by_grassroots.setdefault(info.ancestors[-2].pk, []).append(info)
        events: list[MemberEvent] = []
        changed: list[Person] = []
        for info in self.cells:
            for person in info.members:
                if person.pk in busy:
                    continue
                roll, kind = rng.random(), None
                for name, rate in self.MEMBER_EVENT_RATES:
                    if roll < rate:
                        kind = name
                        break
                    roll -= rate
                if kind is None:
                    continue
                siblings = [c for c in by_grassroots[info.ancestors[-2].pk] if c is not info]
                if kind == "transfer" and not siblings:
                    continue
                events.append(self._leaving_event(rng, info, person, kind, siblings))
                changed.append(person)
        return events, changed

    def _leaving_event(
        self,
        rng: random.Random,
        info: CellInfo,
        person: Person,
        kind: str,
        siblings: list[CellInfo],
    ) -> MemberEvent:
        """One member's event of ``kind`` (``person`` changed as the event changes them)."""
        first = max(person.party_admitted_on + timedelta(days=1), self.today - timedelta(days=730))
        on = first + timedelta(days=rng.randint(0, max(0, (self.today - first).days - 1)))
        number = {
            "deceased": "",
            "transfer_out": f"{rng.randint(10, 999)}-GGT/ĐU",
            "transfer": f"{rng.randint(10, 999)}-GGT/ĐU",
        }.get(kind, f"{rng.randint(10, 999)}-QĐ/HU")
        event = MemberEvent(
            person=person,
            seq=1,
            kind=kind,
            date=on,
            number=number,
            issued_by="" if kind == "deceased" else "Ban Thường vụ cấp ủy",
            reason=_REASONS[kind],
            cell=info.node,
            before=snapshot(person),
        )
        if kind == "transfer":
            target = rng.choice(siblings)
            event.to_cell = target.node
            person.cell = target.node
        elif kind == "transfer_out":
            event.outside = rng.choice(_OUTSIDE)
            person.member_status = MemberStatus.TRANSFERRED_OUT
        else:
            person.member_status = MemberStatus.LEFT
            person.party_left_on = on
        return event

    def _arrivals(self, rng: random.Random) -> list[tuple[Person, CellInfo]]:
        """Members received from outside (not yet saved), with their cells; drawn from ``rng``."""
        arrivals: list[tuple[Person, CellInfo]] = []
        main_rng, self.rng = self.rng, rng  # self.person() draws from self.rng
        try:
            for info in self.cells:
                for _ in range(sum(rng.random() < self.ARRIVAL_RATE for _ in info.members)):
                    mountain = any(a.kind == OrgKind.DISTRICT for a in info.ancestors)
                    p = self.person(info, self._birth(25, 60), mountain=mountain)
                    admitted = p.birth_date + timedelta(days=int(rng.uniform(20, 24) * 365.25))
                    p.member_status = MemberStatus.OFFICIAL
                    p.party_admitted_on = admitted
                    p.party_official_on = add_months(admitted, 12)
                    arrivals.append((p, info))
        finally:
            self.rng = main_rng
        return arrivals

    def _arrival_events(
        self, rng: random.Random, arrivals: list[tuple[Person, CellInfo]]
    ) -> list[MemberEvent]:
        """The transfer in of each member received from outside."""
        events: list[MemberEvent] = []
        for p, info in arrivals:
            on = self.today - timedelta(days=rng.randint(1, 700))
            events.append(
                MemberEvent(
                    person=p,
                    seq=1,
                    kind="transfer_in",
                    date=max(on, p.party_official_on),
                    number=f"{rng.randint(10, 999)}-GGT/TU",
                    issued_by="Ban Tổ chức Tỉnh ủy",
                    cell=info.node,
                    outside=rng.choice(_OUTSIDE),
                    data={
                        "admitted_on": p.party_admitted_on.isoformat(),
                        "official_on": p.party_official_on.isoformat(),
                    },
                    before={
                        "member_status": MemberStatus.NONE.value,
                        "party_admitted_on": None,
                        "party_official_on": None,
                        "party_left_on": None,
                        "party_card_number": "",
                        "cell_id": info.node.pk,
                    },
                )
            )
        return events
