"""The demo's organisation tree: the province, its mountain districts (communes, villages and
their cells) and its agency blocs, with the places the cells cover and their history."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from ptdv.org.models import Organisation, OrgKind, Place, PlaceCell, PlaceKind
from ptdv.people.models import Person

from .names import PlaceNames
from .shapes import BlocShape, DistrictShape, Shape

BATCH = 2000


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


ETHNIC_MIX_MOUNTAIN = [("03", 52), ("08", 30), ("29", 6), ("01", 12)]
ETHNIC_MIX_LOWLAND = [("01", 95), ("03", 3), ("06", 2)]


@dataclass
class CellInfo:
    node: Organisation
    ancestors: list[Organisation]
    ethnic_mix: list[tuple[str, int]]
    village: Place | None = None
    members: list[Person] = field(default_factory=list)


class TreeBuilder:
    """The organisation tree and the places, in memory (written by :meth:`TreeWriter.save` and
    the builder)."""

    shape: Shape
    today: date
    rng: random.Random
    place_names: PlaceNames
    tree: TreeWriter
    places: list[Place]
    place_history: list[tuple[Place, Organisation | None, date]]
    cells: list[CellInfo]

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
        district = self.tree.add(root, s.name, OrgKind.DISTRICT, disadvantaged_area=True)
        # Before 7/2025 the district committee's standing committee admitted and recognised.
        district.competent_committee = district
        district.direct_superior = district
        base = [root, district]
        communes = self._communes(district, s)
        village_cells = self._village_cells(base, communes, s)
        self._other_cells(district, base, communes, s, village_cells)
        self._district_grassroots_cells(district, base, s)
        # A few villages have no cell at all.
        self.rng.shuffle(self.places)

    def _communes(self, district: Organisation, s: DistrictShape) -> list[tuple[Organisation, str]]:
        """The communes' committees (the last one a town's), with their short names."""
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
        return communes

    def _village_cells(
        self, base: list[Organisation], communes: list[tuple[Organisation, str]], s: DistrictShape
    ) -> int:
        """The villages, their own cells and the merged cells; the number of cells made."""
        rng = self.rng
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
        return len(own) + min(s.merged_cells, len(merged))

    def _other_cells(
        self,
        district: Organisation,
        base: list[Organisation],
        communes: list[tuple[Organisation, str]],
        s: DistrictShape,
        village_cells: int,
    ) -> None:
        """The other grassroots committees and the remaining cells (schools, health stations,
        agencies)."""
        mountain = ETHNIC_MIX_MOUNTAIN
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

    def _district_grassroots_cells(
        self, district: Organisation, base: list[Organisation], s: DistrictShape
    ) -> None:
        """The district's grassroots cells (chi bộ cơ sở) and the places they are."""
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
