"""The translated labels of fields with choices, built once per language.

Django's ``get_<field>_display()`` builds a dictionary of the field's choices at every call,
translating every label on the way (hashing a lazy label translates it): on a page of a few
hundred rows, that is thousands of translations. Here each dictionary is built once per active
language and a label is a dictionary lookup.

- :func:`choice_labels`: value → label of a field with choices;
- :func:`display`: what ``instance.get_<name>_display()`` returns, from those dictionaries (the
  models override their ``get_<name>_display`` with it);
- :func:`per_language`: the cache of a function whose first argument is the language, emptied
  with the others (``ptdv.pipeline.labels`` builds the stages', steps' and deadlines' labels so).

The language (:func:`~django.utils.translation.get_language`) is part of every cache key, so a
page in English stays English. When a setting that changes the translations changes (the tests'
``override_settings``), the caches are emptied, as Django empties its own catalogues.

The dictionaries are shared: read them, never change them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import _lru_cache_wrapper, lru_cache
from typing import Any, TypeVar

from django.core.signals import setting_changed
from django.db.models import Field, Model
from django.dispatch import receiver
from django.utils.translation import get_language

#: Languages kept per dictionary (the installation has two).
LANGUAGES_KEPT = 8

#: The settings whose change changes the translations.
_TRANSLATION_SETTINGS = frozenset({"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"})

_T = TypeVar("_T")

#: Every cache of :func:`per_language`, emptied together.
_CACHES: list[_lru_cache_wrapper[Any]] = []


def per_language(
    maxsize: int = LANGUAGES_KEPT,
) -> Callable[[Callable[..., _T]], _lru_cache_wrapper[_T]]:
    """An ``lru_cache`` emptied when the translations' settings change: for functions that take
    the active language among their arguments."""

    def decorate(function: Callable[..., _T]) -> _lru_cache_wrapper[_T]:
        cached = lru_cache(maxsize=maxsize)(function)
        _CACHES.append(cached)
        return cached

    return decorate


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


@per_language(maxsize=256)
def _choice_labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {value: str(label) for value, label in field.flatchoices}


@receiver(setting_changed)
def _translations_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _TRANSLATION_SETTINGS:
        for cached in _CACHES:
            cached.cache_clear()
