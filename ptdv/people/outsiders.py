"""Names and ids of people and organisations outside the reader's subtree: never shown.

A candidacy may carry people and organisations the reader does not see: an introducer or a mentor
from the cell it was transferred from, that cell itself. Every page, API answer and e-mail that
names them asks :class:`Sight` first (built once per answer, two queries): a person or an
organisation outside ``visible_to(reader)`` is shown as a neutral placeholder and its id is
dropped; nothing of theirs — name, id, cell — reaches the reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from ptdv.org.models import Organisation

from .models import Person


def person_placeholder() -> str:
    return gettext("(người ngoài phạm vi của bạn)")


def organisation_placeholder() -> str:
    return gettext("(tổ chức ngoài phạm vi của bạn)")


@dataclass(frozen=True)
class Sight:
    """Which of some people and organisations a reader sees (ids)."""

    people: frozenset[int] = field(default_factory=frozenset)
    organisations: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        reader: Any,
        *,
        people: Iterable[int | None] = (),
        organisations: Iterable[int | None] = (),
    ) -> Sight:
        """What ``reader`` sees of these ids (``None`` ids are ignored)."""
        person_ids = {pk for pk in people if pk}
        org_ids = {pk for pk in organisations if pk}
        seen_people: set[int] = set()
        seen_orgs: set[int] = set()
        if person_ids:
            seen_people = set(
                Person.all_records.visible_to(reader)
                .filter(pk__in=person_ids)
                .values_list("pk", flat=True)
            )
        if org_ids:
            seen_orgs = set(
                Organisation.objects.visible_to(reader)
                .filter(pk__in=org_ids)
                .values_list("pk", flat=True)
            )
        return cls(frozenset(seen_people), frozenset(seen_orgs))

    def sees_person(self, pk: int | None) -> bool:
        return pk is not None and pk in self.people

    def sees_organisation(self, pk: int | None) -> bool:
        return pk is not None and pk in self.organisations

    def person_id(self, pk: int | None) -> int | None:
        """The id as it may be shown: ``None`` for somebody the reader does not see."""
        return pk if self.sees_person(pk) else None

    def organisation_id(self, pk: int | None) -> int | None:
        return pk if self.sees_organisation(pk) else None

    def person_name(self, person: Person | None) -> str:
        """The person's name, or the placeholder for somebody the reader does not see."""
        if person is None:
            return ""
        return person.full_name if self.sees_person(person.pk) else person_placeholder()

    def organisation_name(self, organisation: Organisation | None) -> str:
        if organisation is None:
            return ""
        if self.sees_organisation(organisation.pk):
            return organisation.name
        return organisation_placeholder()
