"""Stays in the stages of the pipeline, replayed from effective events (pure Python).

A *stay* is one candidacy's time in one stage: entered on the day of the step that led there,
left on the day of the next step that changed the stage (moving on, or an exit). The funnel
report counts stays entered, left and still running in a period, and their lengths.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ptdv.rules.stages import CLOSED_STAGES, EXIT_STAGES, Stage, Step, TransitionError, next_stage

MOVED = "moved"
_STEPS = {step.value: step for step in Step}


@dataclass(frozen=True)
class Stay:
    candidacy_id: int
    #: Any key the caller groups by (the unit the candidacy belongs to).
    unit: str
    stage: Stage
    entered: date
    left: date | None = None
    #: ``MOVED`` (to a later stage) or the exit stage; ``None`` while still in the stage.
    outcome: str | None = None

    def waiting_on(self, day: date) -> bool:
        """In this (open) stage at the end of ``day``."""
        return (
            self.stage not in CLOSED_STAGES
            and self.entered <= day
            and (self.left is None or self.left > day)
        )


def replay(rows: Iterable[tuple[int, str, str, date, bool | None]]) -> list[Stay]:
    """Stays from effective events ``(candidacy_id, unit, step, date, passed)`` ordered by
    candidacy and recording order. Steps that do not fit the state machine are skipped (the
    services never record them; a report never fails on them)."""
    stays: list[Stay] = []
    current: tuple[int, str, Stage, date] | None = None

    def close(left: date | None, outcome: str | None) -> None:
        if current is not None:
            cid, unit, stage, entered = current
            stays.append(Stay(cid, unit, stage, entered, left, outcome))

    for candidacy_id, unit, step_value, day, passed in rows:
        step = _STEPS[step_value]
        if current is None or current[0] != candidacy_id:
            close(None, None)
            current = (candidacy_id, unit, Stage.SOURCE, day) if step is Step.SOURCE else None
            continue
        stage = current[2]
        try:
            new = next_stage(stage, step, passed=passed)
        except TransitionError:
            continue
        if new is stage:
            continue
        close(day, new.value if new in EXIT_STAGES else MOVED)
        current = (candidacy_id, unit, new, day)
    close(None, None)
    return stays
