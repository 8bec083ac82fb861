"""Every person's list columns as arrays: filter, sort and page tens of thousands in microseconds.

The persons list combines any filters with any sort order over the whole case. SQL would need an
index per combination or sort the survivors on every request; here each column is a numpy array
indexed by ``pid``, a filter is a boolean mask, each sort order is computed once per model and
kept, and a page is a slice of the sorted positions that pass the mask. The read model's
``person`` table stays the source: this is loaded from it when a model is opened.

Sort orders put missing values last in both directions and break ties by person id ascending,
so paging is stable: every person appears on exactly one page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rescue.network.roles import ROLES
from rescue.triage.score import TIERS
from rescue.views.scope import Scope

SORT_KEYS = ("rank", "score", "country", "accounts", "last_active", "person_id")
COLUMNS = (
    "pid, person_id, country, tier, role, community, rank, score, n_accounts, last_active_epoch"
)
NONE = -1  # the code of a missing value in a coded column

Array = np.ndarray[Any, np.dtype[Any]]


def _vocabulary(values: Sequence[str | None], preferred: Sequence[str]) -> tuple[str, ...]:
    present = {v for v in values if v is not None}
    known = [v for v in preferred if v in present]
    return (*known, *sorted(present - set(known)))


def _codes(values: Sequence[str | None], vocabulary: tuple[str, ...]) -> Array:
    code = {v: i for i, v in enumerate(vocabulary)}
    return np.array([NONE if v is None else code[v] for v in values], dtype=np.int32)


def _floats(values: Sequence[float | int | None]) -> Array:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


class BrowseIndex:
    """The list columns of every person, position = pid (person ids in sorted order)."""

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        """``rows`` are the ``COLUMNS`` of the ``person`` table, ordered by pid from 0."""
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS.split(","))
        pid, person_id, country, tier, role, community, rank, score, accounts, active = columns
        if list(pid) != list(range(len(rows))):
            raise ValueError("the read model's pids are not 0..n-1 in order")
        self.size = len(rows)
        self.person_ids: list[str] = list(person_id)
        self.pid = {p: i for i, p in enumerate(self.person_ids)}
        self.countries = _vocabulary(country, ())
        self.tiers = _vocabulary(tier, TIERS)
        self.roles = _vocabulary(role, ROLES)
        self.country = _codes(country, self.countries)
        self.tier = _codes(tier, self.tiers)
        self.role = _codes(role, self.roles)
        self.has_community = np.array([c is not None for c in community], dtype=bool)
        self.community = np.array([NONE if c is None else c for c in community], dtype=np.int64)
        self._sort_values = {
            "rank": _floats(rank),
            "score": _floats(score),
            "country": np.where(self.country == NONE, math.nan, self.country.astype(np.float64)),
            "accounts": _floats(accounts),
            "last_active": _floats(active),
        }
        # Orders and scope masks are computed on first use and kept; two threads computing
        # the same one at once is harmless (same result, last one kept).
        self._orders: dict[tuple[str, bool], Array] = {}
        self._scopes: dict[frozenset[str] | None, Array] = {}
        self._choices: dict[frozenset[str] | None, dict[str, list[tuple[Any, int]]]] = {}

    def order(self, key: str, descending: bool) -> Array:
        """Positions (pids) in sort order: missing values last, then person id ascending."""
        found = self._orders.get((key, descending))
        if found is None:
            found = self._sort(key, descending)
            self._orders[(key, descending)] = found
        return found

    def _sort(self, key: str, descending: bool) -> Array:
        position = np.arange(self.size)
        if key == "person_id":
            return position[::-1].copy() if descending else position
        values = self._sort_values[key]
        missing = np.isnan(values)
        primary = np.where(missing, 0.0, -values if descending else values)
        order: Array = np.lexsort((position, primary, missing))
        return order

    def in_scope(self, scope: Scope) -> Array:
        found = self._scopes.get(scope.countries)
        if found is None:
            if scope.countries is None:
                found = np.ones(self.size, dtype=bool)
            else:
                codes = [i for i, c in enumerate(self.countries) if c in scope.countries]
                found = np.isin(self.country, codes)
            self._scopes[scope.countries] = found
        return found

    def select(
        self,
        scope: Scope,
        *,
        country: str | None = None,
        tier: str | None = None,
        role: str | None = None,
        community: int | None = None,
        among: Array | None = None,
    ) -> Array:
        """A mask of the persons in ``scope`` passing every filter given; ``among`` are pids."""
        mask = self.in_scope(scope).copy()
        for value, vocabulary, codes in (
            (country, self.countries, self.country),
            (tier, self.tiers, self.tier),
            (role, self.roles, self.role),
        ):
            if value is not None:
                mask &= codes == (vocabulary.index(value) if value in vocabulary else -2)
        if community is not None:
            mask &= self.has_community & (self.community == community)
        if among is not None:
            chosen = np.zeros(self.size, dtype=bool)
            chosen[among] = True
            mask &= chosen
        return mask

    def page(self, mask: Array, key: str, descending: bool, start: int, size: int) -> list[int]:
        order = self.order(key, descending)
        passing = order[mask[order]]
        return [int(p) for p in passing[start : start + size]]

    def choices(self, scope: Scope) -> dict[str, list[tuple[Any, int]]]:
        """Per filter, the values present in ``scope`` and how many persons have each."""
        found = self._choices.get(scope.countries)
        if found is None:
            mask = self.in_scope(scope)
            found = {
                "countries": self._counted(self.country[mask], self.countries),
                "tiers": self._counted(self.tier[mask], self.tiers),
                "roles": self._counted(self.role[mask], self.roles),
                "communities": self._communities(mask),
            }
            self._choices[scope.countries] = found
        return found

    @staticmethod
    def _counted(codes: Array, vocabulary: tuple[str, ...]) -> list[tuple[Any, int]]:
        counts = np.bincount(codes[codes != NONE], minlength=len(vocabulary))
        return [(v, int(n)) for v, n in zip(vocabulary, counts.tolist(), strict=True) if n]

    def _communities(self, mask: Array) -> list[tuple[Any, int]]:
        values, counts = np.unique(self.community[mask & self.has_community], return_counts=True)
        pairs = [(int(v), int(n)) for v, n in zip(values.tolist(), counts.tolist(), strict=True)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))  # largest first, as a dropdown lists
