"""The fix made in stages.derive: a correction voided by a later correction voids nothing."""

from datetime import date

from ptdv.rules.stages import EventFact, Stage, Step, derive


def _events(*extra: EventFact) -> list[EventFact]:
    return [
        EventFact(1, Step.SOURCE, date(2025, 1, 1)),
        EventFact(2, Step.SYMPATHISER, date(2025, 2, 1)),
        *extra,
    ]


def test_correction_voids_event():
    state = derive(_events(EventFact(3, Step.CORRECTION, date(2025, 2, 2), voids=2)))
    assert state.stage is Stage.SOURCE


def test_undoing_a_correction_restores_the_event():
    state = derive(
        _events(
            EventFact(3, Step.CORRECTION, date(2025, 2, 2), voids=2),
            EventFact(4, Step.CORRECTION, date(2025, 2, 3), voids=3),
        )
    )
    assert state.stage is Stage.SYMPATHISER
    assert state.step_dates[Step.SYMPATHISER] == date(2025, 2, 1)
