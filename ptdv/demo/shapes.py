"""The shape of the demo's dataset: how many districts, blocs, cells, members and candidacies."""

from __future__ import annotations

from dataclasses import dataclass, field


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


def merged_province_shape() -> Shape:
    """A province after the 2025 mergers: 500,000 members, 100,000 candidacies, ~25,000 cells
    and ~5,000 grassroots organisations (its five years of history are added by
    ``benchmarks/history.py``)."""
    return province_shape(members=500_000, candidacies=100_000, grassroots=5_000, cells=25_000)


#: The provinces and cities after the 2025 mergers.
PROVINCES = 34


@dataclass
class NationShape:
    """The national picture: ``provinces`` shapes under one national root."""

    root: str = "Đảng Cộng sản Việt Nam"
    provinces: list[Shape] = field(default_factory=list)


def nation_shape(
    members=5_600_000, candidacies=1_000_000, grassroots=52_000, cells=280_000, provinces=PROVINCES
) -> NationShape:
    """34 provinces of ``province_shape()``'s make sharing the national totals, each with a seed
    of its own; province ``i`` is named and coded after its rank."""
    shapes = []
    for i in range(provinces):
        shape = province_shape(
            members=_share(members, provinces, i),
            candidacies=_share(candidacies, provinces, i),
            grassroots=_share(grassroots, provinces, i),
            cells=_share(cells, provinces, i),
        )
        shape.province = f"Đảng bộ tỉnh số {i + 1}"
        shape.seed = 2026 + 1000 * (i + 1)
        shapes.append(shape)
    return NationShape(provinces=shapes)


def _share(total: int, parts: int, i: int) -> int:
    """Part ``i`` of ``total`` split in ``parts`` (the first ones one more when it does not
    divide)."""
    return total // parts + (1 if i < total % parts else 0)
