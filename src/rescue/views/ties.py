"""A person's ties, packed: two binary values per person in the read model.

A case of 50,000 members has some three and a half million (person, other person) ties. Written
as rows, SQLite takes many seconds to take them in; packed as numpy record arrays, one per
person, they go in as 50,000 values. Each person gets two:

- ``ties``: every tie in full (weights by kind and direction, first and last time), heaviest
  first, deflated (most kind counts are zero, so it shrinks four-fold). A neighbourhood reads
  the centre person's and slices the top.
- ``adjacency``: (other person, weight) sorted by the other person, not deflated, so finding
  which of a few persons one is tied to is a binary search in a buffer read without a copy.
  The ties among twenty neighbours cost twenty of those, where twenty inflations of the full
  records of well-connected persons would cost milliseconds.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from rescue.network.edges import KINDS

TIE = np.dtype(
    [
        ("other", "<i4"),  # the other person's pid
        ("weight", "<i4"),  # every kind, both directions
        ("sent", "<i4"),
        ("received", "<i4"),
        ("first_at", "<i8"),  # epoch seconds, -1 when unknown
        ("last_at", "<i8"),
        *((kind, "<i4") for kind in KINDS),
    ]
)
ADJACENT = np.dtype([("other", "<i4"), ("weight", "<i4")])
FIELDS = tuple(TIE.names or ())

Array = np.ndarray[Any, np.dtype[Any]]


def pack(table: Any) -> Iterator[tuple[int, bytes, bytes]]:
    """(pid, ties, adjacency) per person, from an Arrow table sorted by pid then weight descending.

    ``table`` has a ``pid`` column and one column per field of ``TIE``.
    """
    n = table.num_rows
    if n == 0:
        return
    pids = table.column("pid").to_numpy()
    records = np.empty(n, dtype=TIE)
    for name in FIELDS:
        records[name] = table.column(name).to_numpy()
    starts = np.concatenate(([0], np.flatnonzero(np.diff(pids)) + 1, [n]))
    for start, end in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        mine = records[start:end]
        adjacency = np.empty(len(mine), dtype=ADJACENT)
        order = np.argsort(mine["other"], kind="stable")
        adjacency["other"] = mine["other"][order]
        adjacency["weight"] = mine["weight"][order]
        yield int(pids[start]), zlib.compress(mine.tobytes(), 1), adjacency.tobytes()


def unpack(data: bytes | None) -> Array:
    """One person's ties, heaviest first, from the ``ties`` value ``pack`` made."""
    if not data:
        return np.empty(0, dtype=TIE)
    return np.frombuffer(zlib.decompress(data), dtype=TIE)


def tied_to(adjacency: bytes | None, persons: Array) -> list[tuple[int, int]]:
    """(other, weight) for each of ``persons`` (sorted pids) the ``adjacency`` value ties to."""
    if not adjacency or not len(persons):
        return []
    found = np.frombuffer(adjacency, dtype=ADJACENT)
    at = np.searchsorted(found["other"], persons)
    inside = at < len(found)
    at = at[inside]
    hits = found[at[found["other"][at] == persons[inside]]]
    return list(zip(hits["other"].tolist(), hits["weight"].tolist(), strict=True))
