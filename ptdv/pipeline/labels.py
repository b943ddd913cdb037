"""The translated labels of codes (stages, steps, deadlines, choices), built once per language.

Django's ``get_<field>_display()`` builds a dictionary of the field's choices at every call,
translating every label on the way (hashing a lazy label translates it): on the to-do page of
the province committee, some 300 calls cost a quarter of the page. Here each dictionary is built
once per active language and a label is a dictionary lookup.

The language (:func:`~django.utils.translation.get_language`) is part of every cache key, so a
page in English stays English. When a setting that changes the translations changes (the tests'
``override_settings``), the caches are emptied, as Django empties its own catalogues.

The dictionaries are shared: read them, never change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.db.models import Field, Model
from django.dispatch import receiver
from django.utils.translation import get_language, gettext

from ptdv.rules.checks import DEADLINE_LABELS
from ptdv.rules.stages import STAGE_LABELS, STEP_LABELS

#: Languages kept per dictionary (the installation has two).
_LANGUAGES = 8


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


def choice_labels(field: Field[Any, Any]) -> Mapping[Any, str]:
    """Value → label of a field with choices, in the active language."""
    return _choice_labels(field, get_language())


def display(instance: Model, name: str) -> Any:
    """What ``instance.get_<name>_display()`` returns, from the cached choices of the field:
    the label of the value, or the value itself when it is not one of the choices."""
    field = instance._meta.get_field(name)
    assert isinstance(field, Field)
    value = getattr(instance, field.attname)
    return _choice_labels(field, get_language()).get(value, value)


@lru_cache(maxsize=_LANGUAGES)
def _stage_labels(language: str | None) -> dict[str, str]:
    return {stage.value: gettext(label) for stage, label in STAGE_LABELS.items()}


@lru_cache(maxsize=_LANGUAGES)
def _step_labels(language: str | None) -> dict[str, str]:
    return {step.value: gettext(label) for step, label in STEP_LABELS.items()}


@lru_cache(maxsize=_LANGUAGES)
def _deadline_labels(language: str | None) -> dict[str, str]:
    # gettext("") would be the catalogue's header
    return {code: gettext(label) if label else "" for code, label in DEADLINE_LABELS.items()}


@lru_cache(maxsize=256)
def _choice_labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {value: str(label) for value, label in field.flatchoices}


@receiver(setting_changed)
def _translations_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}:
        for cached in (_stage_labels, _step_labels, _deadline_labels, _choice_labels):
            cached.cache_clear()
