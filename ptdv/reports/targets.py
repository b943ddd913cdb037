"""Rolling targets up the organisation tree (pure Python).

A committee may set its own target or none and let its units plan (seed 000: "Đảng ủy Khối
không giao chỉ tiêu cụ thể mà do từng TCCS đảng tự xây dựng kế hoạch"). The target of a subtree
is therefore the organisation's own target where it registered one, otherwise the sum of the
targets of its units, each rolled up the same way; ``None`` when nobody below planned.
"""

from __future__ import annotations

from collections.abc import Mapping


def rolled_target(path: str, own: Mapping[str, int | None], steplen: int = 4) -> int | None:
    """The target of the subtree at ``path``, from ``own`` (materialised path → own target).

    A target counts when no organisation between ``path`` and it (``path`` included) has one of
    its own: the nearest planner wins, the ones under it are its detail, not an addition.
    """
    if own.get(path) is not None:
        return own[path]
    total, found = 0, False
    for other, value in own.items():
        if value is None or other == path or not other.startswith(path):
            continue
        covered = any(
            own.get(other[:end]) is not None
            for end in range(len(path) + steplen, len(other), steplen)
        )
        if not covered:
            total += value
            found = True
    return total if found else None


def units_sum(children: list[str], own: Mapping[str, int | None], steplen: int = 4) -> int | None:
    """The sum of the units' rolled targets (to compare with a committee's own target)."""
    values = [rolled_target(c, own, steplen) for c in children]
    present = [v for v in values if v is not None]
    return sum(present) if present else None
