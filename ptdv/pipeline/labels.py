"""The translated labels of the pipeline's codes (stages, steps, deadlines), built once per
language.

The labels of the rules' codes are translated at every call of ``gettext``: on the to-do page of
the province committee, some 300 stage and deadline labels cost a quarter of the page. Here each
dictionary is built once per active language (a cache of :func:`ptdv.labels.per_language`,
emptied when the translations' settings change) and a label is a dictionary lookup. The labels of
fields with choices (``MentorReport``'s period and assessment) are :mod:`ptdv.labels`'
:func:`~ptdv.labels.display`, read here too.

The dictionaries are shared: read them, never change them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language, gettext

from ptdv.labels import choice_labels, display, per_language
from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.stages import STAGE_LABELS, STEP_LABELS

__all__ = [
    "choice_labels",
    "deadline_label",
    "deadline_labels",
    "display",
    "stage_labels",
    "step_labels",
]


def stage_labels() -> Mapping[str, str]:
    """Stage value → its label in the active language."""
    return _stage_labels(get_language())


def step_labels() -> Mapping[str, str]:
    """Step value → its label in the active language."""
    return _step_labels(get_language())


def deadline_labels() -> Mapping[str, str]:
    """Deadline code → its label in the active language."""
    return _deadline_labels(get_language())


def deadline_label(code: str) -> str:
    """The label of a deadline code in the active language ("" for none or an unknown code)."""
    return _deadline_labels(get_language()).get(code, "")


@per_language()
def _stage_labels(language: str | None) -> dict[str, str]:
    return {stage.value: gettext(label) for stage, label in STAGE_LABELS.items()}


@per_language()
def _step_labels(language: str | None) -> dict[str, str]:
    return {step.value: gettext(label) for step, label in STEP_LABELS.items()}


@per_language()
def _deadline_labels(language: str | None) -> dict[str, str]:
    # gettext("") would be the catalogue's header
    return {code: gettext(label) if label else "" for code, label in DEADLINE_LABELS.items()}
