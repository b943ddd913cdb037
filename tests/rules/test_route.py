from ptdv.rules.stages import Stage, Step, route_error


def test_a_cell_under_a_grassroots_committee_needs_its_resolution_before_the_decision():
    assert route_error(
        Stage.CELL_RESOLVED,
        Step.ADMISSION_DECISION,
        cell_is_grassroots=False,
        has_partial_committee=False,
    )
    assert not route_error(
        Stage.CELL_RESOLVED,
        Step.GRASSROOTS_RESOLUTION,
        cell_is_grassroots=False,
        has_partial_committee=False,
    )


def test_a_grassroots_cell_goes_straight_to_the_competent_committee():
    assert not route_error(
        Stage.CELL_RESOLVED,
        Step.ADMISSION_DECISION,
        cell_is_grassroots=True,
        has_partial_committee=False,
    )
    assert route_error(
        Stage.CELL_RESOLVED,
        Step.GRASSROOTS_RESOLUTION,
        cell_is_grassroots=True,
        has_partial_committee=False,
    )


def test_a_partial_committee_appraises_before_the_grassroots_resolution():
    assert route_error(
        Stage.CELL_RESOLVED,
        Step.GRASSROOTS_RESOLUTION,
        cell_is_grassroots=False,
        has_partial_committee=True,
    )
    assert not route_error(
        Stage.CELL_RESOLVED,
        Step.PARTIAL_APPRAISAL,
        cell_is_grassroots=False,
        has_partial_committee=True,
    )
    assert route_error(
        Stage.CELL_RESOLVED,
        Step.PARTIAL_APPRAISAL,
        cell_is_grassroots=False,
        has_partial_committee=False,
    )
