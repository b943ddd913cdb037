"""The pure pieces of the reports: targets rolled up the tree, stays replayed from events."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ptdv.reports.funnel import MOVED, replay
from ptdv.reports.targets import rolled_target, units_sum
from ptdv.rules.stages import Stage, Step

# A tree: R (0001) ── A (00010001) ── A1, A2 ; B (00010002) ── B1
R, A, A1, A2, B, B1 = "0001", "00010001", "000100010001", "000100010002", "00010002", "000100020001"


def test_the_nearest_planner_wins():
    own = {R: 600, A: 100, A1: 40, A2: 70, B1: 30}
    assert rolled_target(R, own) == 600  # the committee's own target
    assert rolled_target(A, own) == 100  # A planned for its cells: theirs are detail
    assert rolled_target(B, own) == 30  # B set none: its cell's
    assert units_sum([A, B], own) == 130


def test_a_committee_without_a_target_sums_its_units():
    """Seed 000: "Đảng ủy Khối không giao chỉ tiêu cụ thể mà do từng TCCS đảng tự xây dựng"."""
    own = {A1: 40, A2: 70, B: 25}
    assert rolled_target(R, own) == 135
    assert rolled_target(A, own) == 110
    assert rolled_target(B1, own) is None
    assert rolled_target(R, {}) is None


@settings(max_examples=50, derandomize=True)
@given(st.dictionaries(st.sampled_from([A, A1, A2, B, B1]), st.integers(0, 500)))
def test_without_its_own_target_a_subtree_is_the_sum_of_its_children(own):
    for parent, children in ((R, [A, B]), (A, [A1, A2]), (B, [B1])):
        if parent in own:
            continue
        parts = [rolled_target(c, own) for c in children]
        expected = (
            sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None
        )
        assert rolled_target(parent, own) == expected


def rows(candidacy, *steps):
    return [(candidacy, "u", step.value, day, passed) for step, day, passed in steps]


def test_stays_follow_the_stage_changes():
    events = rows(
        1,
        (Step.SOURCE, date(2024, 1, 10), None),
        (Step.SYMPATHISER, date(2024, 2, 1), None),
        (Step.AWARENESS_CLASS, date(2024, 3, 5), None),
        (Step.DOSSIER_PAPER, date(2024, 3, 20), None),
        (Step.DOSSIER_PAPER, date(2024, 3, 25), None),  # same stage: no new stay
        (Step.CELL_RESOLUTION, date(2024, 4, 2), False),  # failed vote: stays in the dossier
        (Step.CELL_RESOLUTION, date(2024, 5, 2), True),
        (Step.WITHDRAWN, date(2024, 6, 1), None),
    ) + rows(2, (Step.SOURCE, date(2024, 5, 1), None))
    stays = replay(events)
    assert [(s.candidacy_id, s.stage, s.entered, s.left, s.outcome) for s in stays] == [
        (1, Stage.SOURCE, date(2024, 1, 10), date(2024, 2, 1), MOVED),
        (1, Stage.SYMPATHISER, date(2024, 2, 1), date(2024, 3, 5), MOVED),
        (1, Stage.AWARENESS_TRAINED, date(2024, 3, 5), date(2024, 3, 20), MOVED),
        (1, Stage.DOSSIER, date(2024, 3, 20), date(2024, 5, 2), MOVED),
        (1, Stage.CELL_RESOLVED, date(2024, 5, 2), date(2024, 6, 1), "withdrawn"),
        (1, Stage.WITHDRAWN, date(2024, 6, 1), None, None),
        (2, Stage.SOURCE, date(2024, 5, 1), None, None),
    ]
    assert stays[3].waiting_on(date(2024, 4, 30))
    assert not stays[3].waiting_on(date(2024, 5, 2))
    assert not stays[5].waiting_on(date(2024, 12, 31))  # an exit is not waiting


def test_a_step_that_does_not_fit_is_skipped_not_fatal():
    stays = replay(
        rows(3, (Step.SOURCE, date(2024, 1, 1), None), (Step.CEREMONY, date(2024, 2, 1), None))
    )
    assert [(s.stage, s.left) for s in stays] == [(Stage.SOURCE, None)]
