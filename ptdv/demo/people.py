"""The demo's people: fictional applicants and members with plausible backgrounds, and the
official members of every cell."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from ptdv.org.models import OrgKind
from ptdv.people.choices import GeneralEducation, ProfessionalLevel, Religion, Sector, TheoryLevel
from ptdv.people.models import MemberStatus, Person
from ptdv.people.text import fold, sort_key
from ptdv.rules.months import add_months

from .names import person_name
from .shapes import Shape
from .tree import BATCH, CellInfo


class PeopleBuilder:
    """People drawn from the builder's generator (``self.rng``), in the order they are asked."""

    shape: Shape
    today: date
    rng: random.Random
    cells: list[CellInfo]
    cccd_serial: int
    counts: dict[str, int]

    def _pick(self, weights: list[tuple[Any, float]]):
        return self.rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]

    def _cccd(self, birth: date, sex: str) -> str:
        self.cccd_serial += 1
        century = (birth.year // 100 - 19) * 2 + (0 if sex == "M" else 1)
        return f"011{century}{birth.year % 100:02d}{self.cccd_serial:06d}"

    def person(self, info: CellInfo, birth: date, *, mountain: bool) -> Person:
        rng = self.rng
        sex = "M" if rng.random() < 0.6 else "F"
        ethnicity = self._pick(info.ethnic_mix)
        age = (self.today - birth).days / 365.25
        education = self._pick(
            [
                (GeneralEducation.UPPER_SECONDARY, 70),
                (GeneralEducation.LOWER_SECONDARY, 25),
                (GeneralEducation.PRIMARY, 5 if mountain else 0.5),
            ]
        )
        professional = self._pick(
            [
                (ProfessionalLevel.NONE, 45 if mountain else 10),
                (ProfessionalLevel.TECHNICAL_WORKER, 5),
                (ProfessionalLevel.VOCATIONAL, 15),
                (ProfessionalLevel.COLLEGE, 8),
                (ProfessionalLevel.UNIVERSITY, 25 if mountain else 60),
                (ProfessionalLevel.MASTER, 2 if mountain else 8),
                (ProfessionalLevel.DOCTOR, 0.1),
            ]
        )
        if education != GeneralEducation.UPPER_SECONDARY and professional not in (
            ProfessionalLevel.NONE,
            ProfessionalLevel.TECHNICAL_WORKER,
        ):
            professional = ProfessionalLevel.NONE
        sector = (
            self._pick(
                [
                    (Sector.FARMER, 70),
                    (Sector.PUBLIC_SERVICE, 12),
                    (Sector.AGENCY, 8),
                    (Sector.SELF_EMPLOYED, 5),
                    (Sector.ARMED_FORCES, 3),
                    (Sector.STUDENT, 2),
                ]
            )
            if mountain
            else self._pick(
                [
                    (Sector.AGENCY, 60),
                    (Sector.PUBLIC_SERVICE, 25),
                    (Sector.STATE_ENTERPRISE, 8),
                    (Sector.PRIVATE_ENTERPRISE, 5),
                    (Sector.FOREIGN_ENTERPRISE, 2),
                ]
            )
        )
        religion = Religion.NONE
        if ethnicity == "08" and rng.random() < 0.15:
            religion = Religion.PROTESTANTISM
        elif rng.random() < 0.02:
            religion = Religion.BUDDHISM
        name = person_name(rng, ethnicity, sex)
        return Person(
            full_name=name,
            search_name=fold(name),
            sort_key=sort_key(name),
            birth_date=birth,
            sex=sex,
            cccd=self._cccd(birth, sex),
            ethnicity=ethnicity,
            religion=religion,
            general_education=education,
            professional_level=professional,
            theory_level=TheoryLevel.NONE,
            occupation="",
            sector=sector,
            youth_union_member=age <= 30 and rng.random() < 0.8,
            trade_union_member=sector not in (Sector.FARMER, Sector.STUDENT, Sector.SELF_EMPLOYED),
            local_resident=mountain and rng.random() < 0.85,
            residence=info.village,
            cell=info.node,
        )

    def _birth(self, lo_years: float, hi_years: float) -> date:
        days = self.rng.uniform(lo_years * 365.25, hi_years * 365.25)
        return self.today - timedelta(days=int(days))

    def build_members(self) -> None:
        """Official members of every cell, by district / bloc totals; a few cells under 5."""
        totals: dict[str, int] = {}
        for d in self.shape.districts:
            totals[d.name] = d.members
        for b in self.shape.blocs:
            totals[b.name] = b.members
        by_unit: dict[str, list[CellInfo]] = {}
        for info in self.cells:
            by_unit.setdefault(info.ancestors[1].name, []).append(info)
        people: list[Person] = []
        for unit, infos in by_unit.items():
            total = totals[unit]
            weights = [
                0.25 if self.rng.random() < 0.05 else self.rng.uniform(0.6, 1.6) for _ in infos
            ]
            scale = total / sum(weights)
            counts = [max(3, int(w * scale)) for w in weights]
            counts[0] += total - sum(counts)
            mountain = any(a.kind == OrgKind.DISTRICT for a in infos[0].ancestors)
            for info, n in zip(infos, counts, strict=True):
                for _ in range(max(n, 1)):
                    p = self.person(info, self._birth(22, 75), mountain=mountain)
                    admitted = p.birth_date + timedelta(days=int(self.rng.uniform(19, 40) * 365.25))
                    admitted = min(admitted, self.today - timedelta(days=400))
                    p.member_status = MemberStatus.OFFICIAL
                    p.party_admitted_on = admitted
                    p.party_official_on = add_months(admitted, 12)
                    p.party_card_number = f"{self.cccd_serial:08d}"
                    p.theory_level = self._pick(
                        [
                            (TheoryLevel.ELEMENTARY, 70),
                            (TheoryLevel.INTERMEDIATE, 25),
                            (TheoryLevel.ADVANCED, 5),
                        ]
                    )
                    info.members.append(p)
                    people.append(p)
        Person.objects.bulk_create(people, batch_size=BATCH)
        self.counts["members"] = len(people)
