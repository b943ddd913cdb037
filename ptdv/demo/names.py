"""Fictional Vietnamese names and place names for the demo and the benchmarks."""

from __future__ import annotations

import random

# (family names, male given names, female given names, male middle, female middle)
NAMES: dict[str, tuple[list[str], list[str], list[str], list[str], list[str]]] = {
    "01": (  # Kinh
        [
            "Nguyễn",
            "Trần",
            "Lê",
            "Phạm",
            "Hoàng",
            "Vũ",
            "Đặng",
            "Bùi",
            "Đỗ",
            "Ngô",
            "Dương",
            "Đinh",
        ],
        [
            "Hùng",
            "Dũng",
            "Minh",
            "Tuấn",
            "Đức",
            "Hải",
            "Long",
            "Nam",
            "Quang",
            "Sơn",
            "Thắng",
            "Đạt",
        ],
        [
            "Lan",
            "Hương",
            "Mai",
            "Hoa",
            "Thu",
            "Hằng",
            "Ngọc",
            "Trang",
            "Linh",
            "Phương",
            "Yến",
            "Thảo",
        ],
        ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thành"],
        ["Thị", "Thu", "Minh", "Ngọc", "Thanh"],
    ),
    "03": (  # Thái
        ["Lò", "Lường", "Quàng", "Cà", "Tòng", "Điêu", "Lèo", "Hoàng", "Vì"],
        ["Xuân", "Thanh", "Ban", "Ươi", "Pánh", "Inh", "Ón", "Chiến", "Diện", "Hặc"],
        ["Ón", "Piếng", "Xuân", "Dung", "Hoa", "Ngoan", "Ín", "Lả", "Xiêng", "Ánh"],
        ["Văn"],
        ["Thị"],
    ),
    "08": (  # H'Mông
        ["Giàng", "Sùng", "Vàng", "Mùa", "Lý", "Thào", "Hạng", "Vừ", "Lầu", "Chang"],
        ["Dua", "Chứ", "Sử", "Lử", "Dế", "Pó", "Chía", "Nhè", "Páo", "Cở"],
        ["Mỷ", "Dợ", "Dê", "Pà", "Sua", "Chở", "Mai", "Dính", "Xua", "Dinh"],
        ["A", "Văn", "Seo"],
        ["Thị"],
    ),
    "29": (  # Khơ-mú
        ["Quàng", "Vì", "Lò", "Cút", "Tạ", "Lường"],
        ["Thoan", "Phương", "Hiến", "Khăm", "Pằn", "Sương"],
        ["Pọm", "Xiêng", "Ớn", "Nhung", "Hiên", "Lả"],
        ["Văn"],
        ["Thị"],
    ),
}

SYLLABLES = [
    "Nà", "Huổi", "Pá", "Co", "Phiêng", "Hua", "Kể", "Bó", "Xá", "Lĩnh", "Sáng", "Cáy", "Khúm",
    "Tở", "Lạn", "Củ", "Nậm", "Mường", "Thẳm", "Pe", "Lúm", "Há", "Dọ", "Mển", "Ten", "Chăn",
    "Ca", "Púng", "Hịa", "Khoang", "Sản", "Lanh", "Hồng", "Ngúa", "Chiềng", "Đông", "Tâu",
]  # fmt: skip


def person_name(rng: random.Random, ethnicity: str, sex: str) -> str:
    families, male, female, male_mid, female_mid = NAMES.get(ethnicity, NAMES["01"])
    given = rng.choice(male if sex == "M" else female)
    middle = rng.choice(male_mid if sex == "M" else female_mid)
    return f"{rng.choice(families)} {middle} {given}"


class PlaceNames:
    """Unique two-syllable place names, drawn deterministically."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        name = ""
        for _ in range(60):
            name = f"{self.rng.choice(SYLLABLES)} {self.rng.choice(SYLLABLES)}"
            if name not in self.used and len(set(name.split())) == 2:
                break
        base, n = name, 1
        while name in self.used:
            n += 1
            name = f"{base} {n}"
        self.used.add(name)
        return name
