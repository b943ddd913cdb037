"""The organisation tree as the planner needs it, read once per file: the cells of the subtree
imported into (found by name, short name or code), every cell's ancestors, and the places of the
grassroots organisations (no query per row)."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from ptdv.org.models import CELL_KINDS, GRASSROOTS_KINDS, Organisation, Place
from ptdv.people.text import fold


class Subtree:
    def __init__(self, root: Organisation):
        self.root = root
        subtree = Organisation.objects.in_subtree(root.path)
        self.cells = list(subtree.filter(kind__in=CELL_KINDS))
        self._cells_by_id = {c.pk: c for c in self.cells}
        self._cells_by_key: dict[str, list[Organisation]] = defaultdict(list)
        for cell in self.cells:
            keys = {fold(cell.name), fold(cell.short_name)} | (
                {fold(cell.code)} if cell.code else set()
            )
            for key in keys - {""}:
                self._cells_by_key[key].append(cell)
        # Ancestors of every cell, from the subtree and the root's own ancestors.
        above = Organisation.objects.filter(path__in=root.ancestor_paths())
        self._nodes = {o.path: o for o in [*above, *subtree]}
        grassroots = [o for o in self._nodes.values() if o.kind in GRASSROOTS_KINDS]
        self._places: dict[tuple[int, str], list[Place]] = defaultdict(list)
        self._places_by_id: dict[int, Place] = {}
        for place in Place.objects.filter(organisation__in=grassroots):
            self._places[(place.organisation_id, fold(place.name))].append(place)
            self._places_by_id[place.pk] = place
        self._cell_memo: dict[str, tuple[Organisation | None, str]] = {}

    def ancestors(self, cell: Organisation) -> list[Organisation]:
        return [self._nodes[p] for p in cell.ancestor_paths() if p in self._nodes]

    def ancestors_by_id(self, cell_id: int) -> list[Organisation]:
        return self.ancestors(self._cells_by_id[cell_id])

    def grassroots_of(self, cell: Organisation) -> Organisation | None:
        return next((n for n in reversed(self.ancestors(cell)) if n.is_grassroots), None)

    def object_by_id(self, key: str, pk: int) -> Organisation | Place:
        """A cell (``key`` "cell") or a place ("residence") of the subtree, by id (a kept plan
        names them so); ``KeyError`` for anything else."""
        return self._cells_by_id[pk] if key == "cell" else self._places_by_id[pk]

    def digest(self) -> str:
        """A digest of what the planner reads of the tree: every node of the subtree and above
        it, and the grassroots organisations' places (a kept plan rests on it)."""
        nodes = sorted(
            tuple(getattr(o, f.attname) for f in Organisation._meta.concrete_fields)
            for o in self._nodes.values()
        )
        places = sorted(
            tuple(getattr(p, f.attname) for f in Place._meta.concrete_fields)
            for p in self._places_by_id.values()
        )
        return hashlib.blake2b(repr((nodes, places)).encode(), digest_size=20).hexdigest()

    def cell(self, text: str) -> tuple[Organisation | None, str]:
        """The cell a row names, or ``None`` and why not."""
        if text not in self._cell_memo:  # a file names the same few cells on every row
            self._cell_memo[text] = self._find_cell(text)
        return self._cell_memo[text]

    def _find_cell(self, text: str) -> tuple[Organisation | None, str]:
        found = self._cells_by_key.get(fold(text), [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"Không có chi bộ “{text}” trong {self.root}."
        codes = ", ".join(c.code or str(c) for c in found[:4])
        return None, f"Có {len(found)} chi bộ tên “{text}”: ghi mã chi bộ ({codes})."

    def places(self, grassroots: Organisation, name: str) -> list[Place]:
        """The places of a grassroots organisation with this name (folded)."""
        return self._places.get((grassroots.pk, fold(name)), [])
