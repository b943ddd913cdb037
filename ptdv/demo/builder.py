"""A deterministic, fictional dataset at any scale: the demo and the benchmarks.

Everything is written with ``bulk_create`` (thousands of rows a second); the candidacies' events
follow the same state machine and the cached state is computed by the same pure functions as
the pipeline's services (``derive``, ``assemble_facts``, ``evaluate``, ``membership_fields``), so
what the builder writes is what recording the steps one by one would have written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction

from ptdv.members import spells
from ptdv.members.models import MemberEvent
from ptdv.members.services import snapshot
from ptdv.org.models import Organisation, OrgKind, Place, PlaceCell, PlaceKind
from ptdv.people.choices import GeneralEducation, ProfessionalLevel, Religion, Sector, TheoryLevel
from ptdv.people.models import MemberStatus, Person
from ptdv.people.text import fold, sort_key
from ptdv.pipeline.bulk import fill_cache
from ptdv.pipeline.evaluation import working_calendar
from ptdv.pipeline.models import Candidacy, Event, MentorAssignment, MentorReport
from ptdv.reports.models import Target
from ptdv.rules.months import add_months
from ptdv.rules.rulesets import rule_set_for
from ptdv.rules.stages import (
    EXIT_STAGES,
    PROGRESS_STAGES,
    Stage,
    Step,
    stage_index,
)
from ptdv.rules.votes import votes_required

from .names import PlaceNames, person_name

BATCH = 2000


# --- the organisation tree -----------------------------------------------------------------


class TreeWriter:
    """Builds materialised paths in memory (treebeard's MP layout) and writes them in bulk."""

    def __init__(self):
        self.nodes: list[Organisation] = []
        self._children: dict[str, int] = {}

    def add(self, parent: Organisation | None, name: str, kind: str, **fields) -> Organisation:
        key = parent.path if parent else ""
        self._children[key] = self._children.get(key, 0) + 1
        path = Organisation._get_path(
            key or None, (parent.depth + 1) if parent else 1, self._children[key]
        )
        node = Organisation(
            name=name,
            kind=kind,
            path=path,
            depth=(parent.depth + 1) if parent else 1,
            numchild=0,
            **fields,
        )
        if parent is not None:
            parent.numchild += 1
        self.nodes.append(node)
        return node

    def save(self) -> None:
        references = [(n, n.competent_committee, n.direct_superior) for n in self.nodes]
        for n in self.nodes:
            n.competent_committee = n.direct_superior = None
        Organisation.objects.bulk_create(self.nodes, batch_size=BATCH)
        by_path = dict(Organisation.objects.values_list("path", "id"))
        for n in self.nodes:
            n.pk = n.id = by_path[n.path]
        for n, competent, superior in references:
            n.competent_committee, n.direct_superior = competent, superior
        Organisation.objects.bulk_update(
            [n for n, c, s in references if c or s],
            ["competent_committee", "direct_superior"],
            batch_size=BATCH,
        )


# --- the shape of the dataset --------------------------------------------------------------


@dataclass
class DistrictShape:
    """One mountain district like Tuần Giáo (seed 003), scalable."""

    name: str
    communes: int = 19
    villages: int = 237
    own_cell_villages: int = 207
    merged_villages: int = 20
    merged_cells: int = 8
    other_grassroots_committees: int = 4
    grassroots_cells: int = 37
    cells: int = 319
    members: int = 3800


@dataclass
class BlocShape:
    name: str
    grassroots_committees: int = 6
    grassroots_cells: int = 8
    cells: int = 30
    members: int = 1100


@dataclass
class Shape:
    province: str = "Đảng bộ tỉnh Sơn Lâm"
    districts: list[DistrictShape] = field(default_factory=list)
    blocs: list[BlocShape] = field(default_factory=list)
    candidacies: int = 700
    seed: int = 2026


def demo_shape() -> Shape:
    return Shape(
        districts=[DistrictShape("Đảng bộ huyện Mường Khoa")],
        blocs=[BlocShape("Đảng bộ Khối các cơ quan tỉnh")],
        candidacies=700,
    )


def province_shape(members=100_000, candidacies=20_000, grassroots=1_000, cells=5_000) -> Shape:
    """The benchmarks' province: districts of the demo's make plus one agency bloc.

    ``grassroots`` counts đảng bộ cơ sở and chi bộ cơ sở; ``cells`` counts every cell, chi bộ cơ
    sở included.
    """
    bloc = BlocShape("Đảng bộ Khối các cơ quan tỉnh")
    grassroots -= bloc.grassroots_committees + bloc.grassroots_cells
    cells -= bloc.cells + bloc.grassroots_cells
    members -= bloc.members
    n = max(1, round(grassroots / 62))
    per_g, per_c, per_m = grassroots // n, cells // n, members // n
    committees = max(19, int(per_g * 0.38))
    grassroots_cells = per_g - committees
    per_c -= grassroots_cells
    districts = [
        DistrictShape(
            f"Đảng bộ huyện số {i + 1}",
            communes=19,
            villages=int(per_c * 0.75),
            own_cell_villages=int(per_c * 0.65),
            merged_villages=int(per_c * 0.06),
            merged_cells=max(1, int(per_c * 0.025)),
            other_grassroots_committees=committees - 19,
            grassroots_cells=grassroots_cells,
            cells=per_c,
            members=per_m,
        )
        for i in range(n)
    ]
    return Shape(districts=districts, blocs=[bloc], candidacies=candidacies)


# --- the builder ---------------------------------------------------------------------------

ETHNIC_MIX_MOUNTAIN = [("03", 52), ("08", 30), ("29", 6), ("01", 12)]
ETHNIC_MIX_LOWLAND = [("01", 95), ("03", 3), ("06", 2)]

STAGE_WEIGHTS: list[tuple[Stage, float]] = [
    (Stage.SOURCE, 16),
    (Stage.SYMPATHISER, 13),
    (Stage.AWARENESS_TRAINED, 8),
    (Stage.DOSSIER, 10),
    (Stage.CELL_RESOLVED, 4),
    (Stage.PARTIAL_APPRAISED, 1),
    (Stage.GRASSROOTS_RESOLVED, 4),
    (Stage.ADMISSION_DECIDED, 5),
    (Stage.PROBATIONARY, 10),
    (Stage.NEW_MEMBER_TRAINED, 6),
    (Stage.RECOGNITION_CELL_RESOLVED, 2.5),
    (Stage.OFFICIAL, 3.5),
    (Stage.CARD_ISSUED, 9),
    (Stage.WITHDRAWN, 2),
    (Stage.REMOVED_FROM_LIST, 3),
    (Stage.NOT_RECOGNISED, 1),
    (Stage.MOVED_AWAY, 2),
    (Stage.DECEASED, 0.5),
]
EXIT_STEP = {
    Stage.WITHDRAWN: Step.WITHDRAWN,
    Stage.REMOVED_FROM_LIST: Step.REMOVED_FROM_LIST,
    Stage.NOT_RECOGNISED: Step.NOT_RECOGNISED,
    Stage.MOVED_AWAY: Step.MOVED_AWAY,
    Stage.DECEASED: Step.DECEASED,
}
EXIT_REASONS = {
    Step.WITHDRAWN: "Xin rút vì hoàn cảnh gia đình",
    Step.REMOVED_FROM_LIST: "Không còn đủ tiêu chuẩn: vi phạm quy định của địa phương",
    Step.NOT_RECOGNISED: "Không đủ tư cách đảng viên sau thời gian dự bị",
    Step.MOVED_AWAY: "Chuyển đi làm ăn xa",
    Step.DECEASED: "Từ trần",
}


@dataclass
class CellInfo:
    node: Organisation
    ancestors: list[Organisation]
    ethnic_mix: list[tuple[str, int]]
    village: Place | None = None
    members: list[Person] = field(default_factory=list)


class Builder:
    def __init__(self, shape: Shape, today: date):
        self.shape = shape
        self.today = today
        self.rng = random.Random(shape.seed)
        self.place_names = PlaceNames(random.Random(shape.seed + 1))
        self.tree = TreeWriter()
        self.places: list[Place] = []
        #: (place, cell or None, since): the rows of each place's history (PlaceCell).
        self.place_history: list[tuple[Place, Organisation | None, date]] = []
        self.cells: list[CellInfo] = []
        self.cccd_serial = 0
        self.calendar = working_calendar()
        self.counts: dict[str, int] = {}

    # people ---------------------------------------------------------------------------

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

    # organisation tree ------------------------------------------------------------------

    def build_tree(self) -> None:
        tree = self.tree
        root = tree.add(None, self.shape.province, OrgKind.PROVINCE, code="SL")
        for district_shape in self.shape.districts:
            self._district(root, district_shape)
        for bloc_shape in self.shape.blocs:
            self._bloc(root, bloc_shape)
        self.root = root

    def _cell(self, parent, name, ancestors, mix, kind=OrgKind.CELL, village=None) -> Organisation:
        node = self.tree.add(parent, name, kind)
        self.cells.append(CellInfo(node, [*ancestors, node], mix, village))
        return node

    def _district(self, root: Organisation, s: DistrictShape) -> None:
        rng = self.rng
        district = self.tree.add(root, s.name, OrgKind.DISTRICT, disadvantaged_area=True)
        # Before 7/2025 the district committee's standing committee admitted and recognised.
        district.competent_committee = district
        district.direct_superior = district
        base = [root, district]
        communes = []
        for i in range(s.communes):
            kind_name = "Thị trấn" if i == s.communes - 1 else "Xã"
            short = self.place_names()
            communes.append(
                (
                    self.tree.add(
                        district,
                        f"Đảng bộ {kind_name.lower()} {short}",
                        OrgKind.GRASSROOTS_COMMITTEE,
                    ),
                    short,
                )
            )
        # Villages: own cells, merged cells, none.
        village_rows: list[tuple[Organisation, Place]] = []
        for v in range(s.villages):
            commune, _ = communes[v % len(communes)]
            place = Place(
                name=f"Bản {self.place_names()}", kind=PlaceKind.VILLAGE, organisation=commune
            )
            self.places.append(place)
            village_rows.append((commune, place))
        mountain = ETHNIC_MIX_MOUNTAIN
        own = village_rows[: s.own_cell_villages]
        merged = village_rows[s.own_cell_villages : s.own_cell_villages + s.merged_villages]
        # About one own-cell village in six had no cell of its own until recently: before its cell
        # was founded (within the last three years) its members met in a merged cell or nowhere.
        for index, (commune, place) in enumerate(own):
            node = self._cell(
                commune,
                f"Chi bộ {place.name.lower().replace('bản', 'bản', 1)}",
                [*base, commune],
                mountain,
                village=place,
            )
            node.name = f"Chi bộ {place.name}"
            place.cell = node
            if index % 6 == 5:
                node.founded_on = self.today - timedelta(days=rng.randint(30, 3 * 365))
                self.place_history.append((place, None, date(1930, 1, 1)))
            self.place_history.append((place, node, node.founded_on or date(1930, 1, 1)))
        for k in range(s.merged_cells):
            group = merged[k :: s.merged_cells]
            if not group:
                continue
            commune = group[0][0]
            node = self._cell(
                commune,
                "Chi bộ ghép " + " – ".join(p.name for _, p in group),
                [*base, commune],
                mountain,
                village=group[0][1],
            )
            for _, place in group:
                place.cell = node
                self.place_history.append((place, node, date(1930, 1, 1)))
        village_cells = len(own) + min(s.merged_cells, len(merged))
        # Other grassroots committees and the remaining cells (schools, health stations, agencies).
        others = [
            self.tree.add(district, name, OrgKind.GRASSROOTS_COMMITTEE)
            for name in [
                "Đảng bộ Quân sự huyện",
                "Đảng bộ Công an huyện",
                "Đảng bộ Cơ quan chính quyền huyện",
                "Đảng bộ Cơ quan Đảng – Mặt trận – đoàn thể huyện",
            ][: s.other_grassroots_committees]
        ]
        for j in range(len(others), s.other_grassroots_committees):
            others.append(
                self.tree.add(district, f"Đảng bộ cơ quan số {j + 1}", OrgKind.GRASSROOTS_COMMITTEE)
            )
        hosts = [c for c, _ in communes] + others
        for j in range(max(0, s.cells - village_cells)):
            host = hosts[j % len(hosts)]
            is_commune = j % len(hosts) < len(communes)
            if is_commune:
                kind = [PlaceKind.SCHOOL, PlaceKind.HEALTH_STATION, PlaceKind.AGENCY][j % 3]
                label = {"school": "Trường", "health_station": "Trạm y tế", "agency": "Cơ quan"}[
                    kind
                ]
                place = Place(name=f"{label} {self.place_names()}", kind=kind, organisation=host)
                self.places.append(place)
                node = self._cell(host, f"Chi bộ {place.name}", [*base, host], mountain)
                place.cell = node
            else:
                self._cell(
                    host,
                    f"Chi bộ {self.place_names()} ({host.name})",
                    [*base, host],
                    ETHNIC_MIX_LOWLAND,
                )
        for j in range(s.grassroots_cells):
            label = [
                "Trường THPT",
                "Trường PTDTBT",
                "Trung tâm Y tế",
                "Ngân hàng",
                "Chi cục Thuế",
                "Kho bạc",
            ][j % 6]
            node = self._cell(
                district,
                f"Chi bộ {label} {self.place_names()}",
                base,
                ETHNIC_MIX_LOWLAND,
                kind=OrgKind.GRASSROOTS_CELL,
            )
            kind = PlaceKind.SCHOOL if label.startswith("Trường") else PlaceKind.AGENCY
            self.places.append(
                Place(
                    name=node.name.removeprefix("Chi bộ "), kind=kind, organisation=node, cell=node
                )
            )
        # A few villages have no cell at all.
        rng.shuffle(self.places)

    def _bloc(self, root: Organisation, s: BlocShape) -> None:
        bloc = self.tree.add(root, s.name, OrgKind.BLOC)
        bloc.competent_committee = bloc
        bloc.direct_superior = bloc
        base = [root, bloc]
        agencies = [
            "Sở Tài chính",
            "Sở Giáo dục và Đào tạo",
            "Sở Y tế",
            "Sở Nông nghiệp và Môi trường",
            "Sở Xây dựng",
            "Sở Nội vụ",
            "Văn phòng UBND tỉnh",
            "Sở Công Thương",
            "Thanh tra tỉnh",
            "Sở Khoa học và Công nghệ",
            "Sở Tư pháp",
            "Sở Văn hóa, Thể thao và Du lịch",
        ]
        committees = [
            self.tree.add(
                bloc, f"Đảng bộ {agencies[i % len(agencies)]}", OrgKind.GRASSROOTS_COMMITTEE
            )
            for i in range(s.grassroots_committees)
        ]
        # One committee has partial committees (đảng bộ bộ phận) between it and its cells.
        partial = self.tree.add(
            committees[0], "Đảng bộ bộ phận các đơn vị sự nghiệp", OrgKind.PARTIAL_COMMITTEE
        )
        for j in range(s.cells):
            host = committees[j % len(committees)]
            if j % len(committees) == 0 and j % 2 == 0:
                self._cell(
                    partial,
                    f"Chi bộ đơn vị sự nghiệp số {j + 1}",
                    [*base, host, partial],
                    ETHNIC_MIX_LOWLAND,
                )
            else:
                self._cell(
                    host,
                    f"Chi bộ phòng số {j + 1} ({host.name.removeprefix('Đảng bộ ')})",
                    [*base, host],
                    ETHNIC_MIX_LOWLAND,
                )
        for j in range(s.grassroots_cells):
            name = agencies[(j + s.grassroots_committees) % len(agencies)]
            self._cell(
                bloc,
                f"Chi bộ {name} {j + 1}",
                base,
                ETHNIC_MIX_LOWLAND,
                kind=OrgKind.GRASSROOTS_CELL,
            )

    # members ----------------------------------------------------------------------------

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

    # candidacies --------------------------------------------------------------------------

    def _dwell(self, stage: Stage) -> int:
        """Days spent in the current stage; about one in seven is past its deadline."""
        late = self.rng.random() < 0.15
        r = self.rng.randint
        return {
            Stage.CELL_RESOLVED: r(95, 130) if late else r(3, 30),
            Stage.PARTIAL_APPRAISED: r(95, 130) if late else r(3, 20),
            Stage.GRASSROOTS_RESOLVED: r(5, 40) if late else r(3, 25),
            Stage.ADMISSION_DECIDED: r(48, 80) if late else r(2, 35),
            Stage.PROBATIONARY: r(400, 450) if late else r(1, 300),
            Stage.NEW_MEMBER_TRAINED: r(330, 400) if late else r(1, 200),
            Stage.RECOGNITION_CELL_RESOLVED: r(48, 70) if late else r(2, 35),
            Stage.OFFICIAL: r(5, 90),
            Stage.DOSSIER: r(380, 420) if late else r(5, 200),
        }.get(stage, r(5, 250))

    def plan(
        self, info: CellInfo, person: Person, target: Stage, mentors: list[Person]
    ) -> tuple[list[dict], date]:
        """The events of one candidacy, ending ``dwell`` days before today."""
        rng, cal = self.rng, self.calendar
        exit_step = EXIT_STEP.get(target)
        reach = target
        if exit_step is not None:
            reach = {
                Step.NOT_RECOGNISED: Stage.NEW_MEMBER_TRAINED,
            }.get(exit_step, rng.choice(PROGRESS_STAGES[:4]))
            if exit_step in (Step.MOVED_AWAY, Step.DECEASED) and rng.random() < 0.3:
                reach = Stage.PROBATIONARY
        has_partial = any(a.kind == OrgKind.PARTIAL_COMMITTEE for a in info.ancestors)
        grassroots_cell = info.node.kind == OrgKind.GRASSROOTS_CELL
        events: list[dict] = []
        d = date(2000, 1, 1)

        def add(step, gap_days=0, working=None, **kw):
            nonlocal d
            d = (
                cal.add_working_days(d, working)
                if working is not None
                else d + timedelta(days=gap_days)
            )
            events.append({"step": step, "date": d, **kw})

        def vote(cell_members: int, fail=False):
            present = max(1, cell_members - rng.randint(0, max(0, cell_members // 6)))
            needed = votes_required(cell_members, rule_set_for(self.today))
            in_favour = (
                min(present, needed - 1) if fail else rng.randint(min(needed, present), present)
            )
            return {
                "official_members": cell_members,
                "present": present,
                "in_favour": in_favour,
                "against": present - in_favour,
            }

        idx = stage_index(reach)
        n_members = max(3, len(info.members))
        add(Step.SOURCE)
        if idx >= 1:
            add(Step.SYMPATHISER, rng.randint(30, 120), number=f"{rng.randint(1, 40)}-NQ/CB")
        if idx >= 2:
            add(
                Step.AWARENESS_CLASS,
                rng.randint(20, 120),
                data={
                    "class_name": "Lớp bồi dưỡng nhận thức về Đảng",
                    "certificate_number": f"{rng.randint(1, 9999):04d}/CN",
                },
            )
        if idx >= 3:
            youth = person.youth_union_member
            intro = rng.sample(mentors, k=min(2, len(mentors))) if mentors else []
            papers = [
                {"kind": "application"},
                {"kind": "personal_history"},
                {"kind": "verification", "subject": "applicant", "result": "ok"},
                {"kind": "verification", "subject": "father", "result": "ok"},
                {"kind": "verification", "subject": "mother", "result": "ok"},
            ]
            if youth:
                papers.append({"kind": "union_resolution", "introducer_kind": "youth_union"})
                intro = intro[:1]
            for who in intro:
                short = rng.random() < 0.05
                papers.append(
                    {
                        "kind": "introducer_letter",
                        "introducer_kind": "member",
                        "introducer_id": who.pk,
                        "months_together": rng.randint(7, 11) if short else rng.randint(12, 120),
                        "same_grassroots": True,
                    }
                )
            papers.append({"kind": "comments"})
            complete = idx >= 4 or rng.random() < 0.5
            if not complete:
                papers = papers[: rng.randint(1, len(papers) - 1)]
            for i, paper in enumerate(papers):
                add(
                    Step.DOSSIER_PAPER,
                    rng.randint(10, 60) if i == 0 else rng.randint(0, 10),
                    data=paper,
                )
        if idx >= 4:
            if rng.random() < 0.05:
                add(
                    Step.CELL_RESOLUTION,
                    rng.randint(7, 30),
                    number=f"{rng.randint(1, 99)}-NQ/CB",
                    votes=vote(n_members, fail=True),
                )
            add(
                Step.CELL_RESOLUTION,
                rng.randint(7, 30),
                number=f"{rng.randint(1, 99)}-NQ/CB",
                votes=vote(n_members),
            )
            cell_resolution = d
            if has_partial and idx >= 5:
                add(
                    Step.PARTIAL_APPRAISAL,
                    working=rng.randint(3, 10),
                    number=f"{rng.randint(1, 99)}-BC/ĐUBP",
                )
            if not grassroots_cell and idx >= 6:
                add(
                    Step.GRASSROOTS_RESOLUTION,
                    working=rng.randint(5, 20),
                    number=f"{rng.randint(1, 299)}-NQ/ĐU",
                )
            if idx >= 7:
                late = rng.random() < 0.05
                d = cell_resolution
                gap = rng.randint(62, 75) if late else rng.randint(25, 55)
                wrong = rng.random() < 0.03
                if wrong:
                    add(
                        Step.ADMISSION_DECISION,
                        working=gap - 3,
                        number=f"{rng.randint(1, 999)}-QĐ/HU",
                        wrong=True,
                    )
                    add(
                        Step.CORRECTION,
                        0,
                        reason="Ghi nhầm ngày quyết định; ghi lại theo bản chính",
                        corrects=len(events) - 1,
                    )
                    d = cell_resolution
                add(Step.ADMISSION_DECISION, working=gap, number=f"{rng.randint(1, 999)}-QĐ/HU")
        if idx >= 8:
            late = rng.random() < 0.04
            add(
                Step.CEREMONY,
                working=rng.randint(33, 40) if late else rng.randint(5, 25),
                data={"superior_consent": late},
            )
            ceremony = d
        if idx >= 9:
            add(
                Step.NEW_MEMBER_CLASS,
                rng.randint(30, 180),
                data={"class_name": "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới"},
            )
        if idx >= 10:
            d = add_months(ceremony, 12)
            add(
                Step.RECOGNITION_CELL_RESOLUTION,
                working=rng.randint(1, 25),
                number=f"{rng.randint(1, 99)}-NQ/CB",
                votes=vote(n_members),
            )
        if idx >= 11:
            add(
                Step.RECOGNITION_DECISION,
                working=rng.randint(5, 25),
                number=f"{rng.randint(1, 999)}-QĐ/HU",
            )
        if idx >= 12:
            add(
                Step.PARTY_CARD,
                rng.randint(30, 120),
                data={"card_number": f"{rng.randint(10**7, 10**8 - 1)}"},
            )
        if exit_step is not None:
            add(exit_step, rng.randint(15, 120), reason=EXIT_REASONS[exit_step])
        elif target not in (Stage.CARD_ISSUED,) and rng.random() < 0.02 and len(self.cells) > 1:
            other = rng.choice(self.cells)
            if other.node.pk != info.node.pk:
                add(
                    Step.TRANSFER,
                    rng.randint(5, 30),
                    data={"from_cell": info.node.pk, "to_cell": other.node.pk},
                    reason="Chuyển nơi cư trú",
                )
        dwell = self._dwell(
            Stage.DOSSIER if exit_step is None and reach is Stage.DOSSIER else target
        )
        shift = (self.today - timedelta(days=dwell)) - d
        for e in events:
            e["date"] += shift
        # Introducers must be official members on the day of their letter.
        chosen: set[int] = set()
        for e in events:
            data = e.get("data") or {}
            if data.get("kind") == "introducer_letter":
                eligible = [
                    m for m in mentors if m.party_official_on <= e["date"] and m.pk not in chosen
                ]
                if eligible:
                    data["introducer_id"] = rng.choice(eligible).pk
                    chosen.add(data["introducer_id"])
        return events, events[0]["date"]

    def build_candidacies(self) -> None:
        rng = self.rng
        cells = self.cells
        candidates: list[tuple[CellInfo, Person, Stage]] = []
        partial_cells = [
            c for c in cells if any(a.kind == OrgKind.PARTIAL_COMMITTEE for a in c.ancestors)
        ]
        for _ in range(self.shape.candidacies):
            target = self._pick(STAGE_WEIGHTS)
            pool = partial_cells if target is Stage.PARTIAL_APPRAISED and partial_cells else cells
            info = rng.choice(pool)
            mountain = any(a.kind == OrgKind.DISTRICT for a in info.ancestors)
            p = self.person(info, self._birth(18.2, 40), mountain=mountain)
            candidates.append((info, p, target))
        # A handful of sources not yet 18 (the age rule shows on their page).
        for _, p, target in candidates[:5]:
            if target is Stage.SOURCE:
                p.birth_date = self.today - timedelta(days=int(17.6 * 365.25))
                p.cccd = self._cccd(p.birth_date, p.sex)

        rows: list[tuple[Candidacy, list[dict], CellInfo, Person]] = []
        for info, person, target in candidates:
            mentors = [
                m for m in info.members if m.party_official_on and m.party_official_on < self.today
            ]
            events, opened = self.plan(info, person, target, mentors)
            candidacy = Candidacy(
                person=person,
                attempt=1,
                cell=info.node,
                opened_on=opened,
                stage=Stage.SOURCE,
                stage_since=opened,
            )
            candidacy._mentor_pool = mentors
            rows.append((candidacy, events, info, person))

        all_events: list[Event] = []
        corrections: list[tuple[Event, Event]] = []
        assignments: list[MentorAssignment] = []
        by_node = {info.node.pk: info for info in cells}
        for candidacy, events, info, person in rows:
            made: list[Event] = []
            cell = info.node
            for seq, spec in enumerate(events, start=1):
                votes = spec.get("votes") or {}
                passed = None
                if votes:
                    required = votes_required(votes["official_members"], rule_set_for(spec["date"]))
                    passed = votes["in_favour"] >= required
                event = Event(
                    candidacy=candidacy,
                    seq=seq,
                    step=spec["step"],
                    date=spec["date"],
                    cell=cell,
                    number=spec.get("number", ""),
                    passed=passed,
                    data=spec.get("data", {}),
                    reason=spec.get("reason", ""),
                    **votes,
                )
                if spec["step"] == Step.CORRECTION:
                    corrections.append((event, made[spec["corrects"]]))
                else:
                    all_events.append(event)
                made.append(event)
                if spec["step"] == Step.TRANSFER:
                    cell = by_node[spec["data"]["to_cell"]].node
            candidacy._events = made
            # Mentor: from the sympathiser resolution on.
            sympathiser = next((e for e in events if e["step"] == Step.SYMPATHISER), None)
            pool = [
                m
                for m in candidacy._mentor_pool
                if m.pk != person.pk and sympathiser and m.party_official_on <= sympathiser["date"]
            ]
            if sympathiser and pool:
                end = next(
                    (
                        e["date"]
                        for e in events
                        if e["step"] in (Step.RECOGNITION_DECISION, *EXIT_STEP.values())
                    ),
                    None,
                )
                assignments.append(
                    MentorAssignment(
                        candidacy=candidacy,
                        mentor=self.rng.choice(pool),
                        start=sympathiser["date"],
                        end=end,
                        end_reason="Kết thúc giúp đỡ" if end else "",
                    )
                )
        # The cache is computed in memory first, so every row is inserted once, complete.
        self._cache(rows, assignments, corrections)
        Person.objects.bulk_create([r[3] for r in rows], batch_size=BATCH)
        Candidacy.objects.bulk_create([r[0] for r in rows], batch_size=BATCH)
        Event.objects.bulk_create(all_events, batch_size=BATCH)
        for correction, target in corrections:
            correction.voids = target
        Event.objects.bulk_create([c for c, _ in corrections], batch_size=BATCH)
        MentorAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        self.counts["events"] = len(all_events) + len(corrections)
        self._reports(assignments)
        self.counts["candidacies"] = len(rows)

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
        busy: set[int] = set()
        for event in Event.objects.filter(step=Step.DOSSIER_PAPER).values_list("data", flat=True):
            if isinstance(event, dict) and event.get("introducer_id"):
                busy.add(int(event["introducer_id"]))
        busy |= set(MentorAssignment.objects.values_list("mentor_id", flat=True))
        by_grassroots: dict[int, list[CellInfo]] = {}
        for info in self.cells:
            by_grassroots.setdefault(info.ancestors[-2].pk, []).append(info)
        events: list[MemberEvent] = []
        changed: list[Person] = []
        reasons = {
            "deceased": "",
            "transfer_out": "Chuyển công tác",
            "transfer": "Chuyển nơi cư trú",
            "struck_off": "Bỏ sinh hoạt chi bộ quá ba tháng không có lý do chính đáng",
            "resigned": "Xin ra khỏi Đảng vì lý do gia đình",
            "expelled": "Vi phạm pháp luật, bị xử lý hình sự",
        }
        places = ["Đảng bộ phường Tân Thịnh, tỉnh Thái Nguyên", "Đảng bộ xã Ea Tu, tỉnh Đắk Lắk",
                  "Đảng bộ Công an tỉnh Lào Cai", "Đảng bộ xã Quỳnh Lập, tỉnh Nghệ An"]  # fmt: skip
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
                first = max(
                    person.party_admitted_on + timedelta(days=1), self.today - timedelta(days=730)
                )
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
                    reason=reasons[kind],
                    cell=info.node,
                    before=snapshot(person),
                )
                if kind == "transfer":
                    target = rng.choice(siblings)
                    event.to_cell = target.node
                    person.cell = target.node
                elif kind == "transfer_out":
                    event.outside = rng.choice(places)
                    person.member_status = MemberStatus.TRANSFERRED_OUT
                else:
                    person.member_status = MemberStatus.LEFT
                    person.party_left_on = on
                events.append(event)
                changed.append(person)
        Person.objects.bulk_update(
            changed, ["member_status", "party_left_on", "cell"], batch_size=BATCH
        )
        # Members received from outside, admitted there years ago.
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
        Person.objects.bulk_create([p for p, _ in arrivals], batch_size=BATCH)
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
                    outside=rng.choice(places),
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
        MemberEvent.objects.bulk_create(events, batch_size=BATCH)
        self.counts["member_events"] = len(events)

    def _reports(self, assignments: list[MentorAssignment]) -> None:
        """Monthly reports for the last months of open assignments; some months missing."""
        texts = [
            ("good", "Tích cực tham gia phong trào của thôn, gương mẫu trong lao động sản xuất."),
            ("good", "Chấp hành tốt chủ trương, chính sách; có uy tín trong quần chúng."),
            ("fair", "Có tiến bộ, cần tích cực hơn trong sinh hoạt đoàn thể."),
            ("no_progress", "Chưa tích cực tham gia hoạt động của chi đoàn."),
        ]
        reports = []
        first_of_month = self.today.replace(day=1)
        for a in assignments:
            if a.end is not None:
                continue
            for k in range(1, 4):
                start = add_months(first_of_month, -k)
                if start < a.start.replace(day=1) or self.rng.random() < 0.2:
                    continue
                assessment, text = self.rng.choice(texts)
                reports.append(
                    MentorReport(
                        assignment=a,
                        period="month",
                        period_start=start,
                        text=text,
                        assessment=assessment,
                        filed_on=add_months(start, 1) - timedelta(days=self.rng.randint(1, 5)),
                    )
                )
        MentorReport.objects.bulk_create(reports, batch_size=BATCH)
        self.counts["mentor_reports"] = len(reports)

    def _cache(self, rows, assignments, corrections) -> None:
        """Each candidacy's cached state and its person's fields, as the services write them.

        Runs before anything of the candidacies is inserted: events are told apart by their
        position (``id(event)``), as the state machine only compares ids.
        """
        by_candidacy: dict[int, list[MentorAssignment]] = {}
        for a in assignments:
            by_candidacy.setdefault(id(a.candidacy), []).append(a)
        voided = {id(correction): id(target) for correction, target in corrections}
        people_by_id = {p.pk: p for info in self.cells for p in info.members}
        ancestors_by_cell = {info.node.pk: info.ancestors for info in self.cells}
        for candidacy, _, info, person in rows:
            fill_cache(
                candidacy,
                candidacy._events,
                person,
                ancestors=ancestors_by_cell.__getitem__,
                calendar=self.calendar,
                assignments=by_candidacy.get(id(candidacy), []),
                people=people_by_id,
                voided=voided,
                opening_cell_id=info.node.pk,
            )

    def build_targets(self) -> None:
        """Targets: every grassroots organisation registers one for this year; the district and
        the bloc committees set one for the term; the province sets none (its units plan)."""
        rng, year = self.rng, self.today.year
        term_first = year - (year - 2025) % 5
        rows = []
        for node in self.tree.nodes:
            if node.kind in (OrgKind.GRASSROOTS_COMMITTEE, OrgKind.GRASSROOTS_CELL):
                admissions = rng.randint(2, 8) if node.kind == OrgKind.GRASSROOTS_COMMITTEE else 1
                rows.append(
                    Target(
                        organisation=node,
                        first_year=year,
                        last_year=year,
                        admissions=admissions,
                        women=admissions // 2,
                        basis="Đăng ký đầu năm",
                    )
                )
            elif node.kind in (OrgKind.DISTRICT, OrgKind.BLOC):
                rows.append(
                    Target(
                        organisation=node,
                        first_year=term_first,
                        last_year=term_first + 5,
                        admissions=rng.randint(8, 12) * 50,
                        women=200,
                        youth=300,
                        ethnic_minority=150,
                        local_residents=200,
                        village_coverage=85 if node.kind == OrgKind.DISTRICT else None,
                        basis=f"Nghị quyết Đại hội Đảng bộ nhiệm kỳ {term_first}–{term_first + 5}",
                    )
                )
        Target.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["targets"] = len(rows)

    def _place_history(self) -> None:
        """Write each place's history; a place not named in it has had its cell (or none) ever."""
        named = {id(place) for place, _, _ in self.place_history}
        rows = [
            PlaceCell(place_id=place.pk, cell_id=cell.pk if cell else None, since=since)
            for place, cell, since in self.place_history
        ]
        rows += [
            PlaceCell(place_id=place.pk, cell_id=place.cell_id, since=date(1930, 1, 1))
            for place in self.places
            if id(place) not in named
        ]
        PlaceCell.objects.bulk_create(rows, batch_size=BATCH)

    def build(self) -> dict[str, int]:
        with transaction.atomic():
            self.build_tree()
            self.tree.save()
            for place in self.places:
                place.organisation_id = place.organisation.pk
                place.cell_id = place.cell.pk if place.cell else None
            Place.objects.bulk_create(self.places, batch_size=BATCH)
            self._place_history()
            self.build_members()
            self.build_candidacies()
            self.build_member_events()
            self.build_targets()
            # Bulk writes send no signal: every member's spells, from what was just written.
            self.counts["member_spells"] = spells.rebuild()
        if connection.vendor == "sqlite":
            # After a bulk load, SQLite's planner needs statistics (Django never runs ANALYZE):
            # without them it walks the events' (step, date) index instead of a cell's few
            # candidacies. PostgreSQL's autovacuum analyses on its own.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.counts["organisations"] = len(self.tree.nodes)
        self.counts["cells"] = len(self.cells)
        self.counts["places"] = len(self.places)
        return self.counts


def stage_names() -> list[Stage]:
    return [*PROGRESS_STAGES, *EXIT_STAGES]
