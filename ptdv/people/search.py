"""Searching people by name or CCCD: parsing the query, matching and ranking in the database.

A name query matches a person when every word of the query is the beginning of some word of the
person's folded name (``Person.search_name``: lower case, no diacritics, đ → d), in any order:
"nguyen van a" finds "Nguyễn Văn A" and "Nguyễn Văn An", "van nguyen" finds both too. Results
are ranked: the exact full name first, then by how many query words matched a whole word (so
"Nguyễn Văn A" comes before "Nguyễn Văn An"), then in Vietnamese order (``Person.sort_key``:
given name, middle names, family name).

Digits are a CCCD (số định danh): the whole 12 digits or a prefix of at least 3 digits; spaces
and dots typed inside the number are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat

from ptdv.people.text import fold

#: Fewer characters than this (spaces aside) is not a query yet.
MIN_QUERY_LENGTH = 2
#: The longest query searched, and the most name words it may hold.
MAX_QUERY_LENGTH = 120
MAX_WORDS = 8
#: A CCCD prefix shorter than this would match a whole province.
MIN_CCCD_DIGITS = 3
CCCD_LENGTH = 12

_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class PersonQuery:
    """A search box's text, folded and split into name words and CCCD digits."""

    text: str
    words: tuple[str, ...] = field(default=())
    cccd: str = ""

    @classmethod
    def parse(cls, text: str | None) -> PersonQuery:
        # A name and a CCCD fit in far less; longer input is cut, not searched word by word.
        text = " ".join((text or "")[:MAX_QUERY_LENGTH].split())
        tokens = _TOKEN.findall(fold(text).replace("’", "'"))
        digits = "".join(t for t in tokens if t.isdigit())
        words = tuple(dict.fromkeys(t for t in tokens if not t.isdigit()))[:MAX_WORDS]
        return cls(text=text, words=words, cccd=digits)

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def is_too_short(self) -> bool:
        """Too little to search on: one character, or a CCCD prefix of one or two digits."""
        if self.is_empty:
            return False
        if len(self.text.replace(" ", "")) < MIN_QUERY_LENGTH:
            return True
        return bool(self.cccd) and len(self.cccd) < MIN_CCCD_DIGITS

    @property
    def wants_more_digits(self) -> bool:
        return self.is_too_short and bool(self.cccd)

    @property
    def is_searchable(self) -> bool:
        return not self.is_empty and not self.is_too_short and bool(self.words or self.cccd)


def search_people(people: QuerySet, query: PersonQuery) -> QuerySet:
    """``people`` (already scoped) matching ``query``, best matches first, in Vietnamese order."""
    if not query.is_searchable:
        return people.none()
    if len(query.cccd) > CCCD_LENGTH:
        return people.none()
    conditions = Q()
    exact = rank = Value(0)
    if query.words:
        # A word of the name starts the folded name or follows a space. Both are LIKE patterns
        # that PostgreSQL answers from the trigram index on search_name (migration 0003).
        for word in query.words:
            conditions &= Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
        # " nguyen van an ": a whole word is surrounded by spaces (ranking of the matches only).
        people = people.alias(_padded=Concat(Value(" "), F("search_name"), Value(" ")))
        partial = [
            Case(When(_padded__contains=f" {word} ", then=Value(0)), default=Value(1))
            for word in query.words
        ]
        rank = ExpressionWrapper(sum(partial[1:], partial[0]), output_field=IntegerField())
        exact = Case(When(search_name=" ".join(query.words), then=Value(0)), default=Value(1))
    if query.cccd:
        conditions &= Q(cccd__startswith=query.cccd)
        if not query.words:
            exact = Case(When(cccd=query.cccd, then=Value(0)), default=Value(1))
    return (
        people.filter(conditions)
        .alias(_exact=exact, _rank=rank)
        .order_by("_exact", "_rank", "sort_key", "pk")
    )
