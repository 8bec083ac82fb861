"""A person's network neighbourhood: their heaviest direct ties, and the ties among those.

A tie's weight counts every interaction either way (replies, quotes, messages, shared threads,
friend lists, re-posted media; see ``rescue.network.edges``), split by kind and direction.

A partner sees its own person's ties, but a neighbour outside its countries only as "person in
another country": no person id, name, tier or country, and a key (``other-1``, ``other-2``...)
that is numbered afresh for every answer, so it links nothing across pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from rescue.errors import InputError
from rescue.network.edges import KINDS
from rescue.views.reader import Reader, ReadModel
from rescue.views.records import Record, json_list
from rescue.views.scope import Scope
from rescue.views.ties import tied_to, unpack

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
OTHER_COUNTRY = "person in another country"


@dataclass(frozen=True)
class TieKind(Record):
    kind: str  # reply | thread | quote | message | friend | media
    weight: int


@dataclass(frozen=True)
class Neighbour(Record):
    key: str  # the node's name in this answer: the person id, or other-N outside the scope
    person_id: str | None  # None outside the scope
    label: str
    tier: str | None
    country: str | None
    role: str | None
    in_scope: bool
    weight: int
    sent: int  # from the person to this neighbour
    received: int
    kinds: tuple[TieKind, ...]  # heaviest first
    first_at: str | None
    last_at: str | None


@dataclass(frozen=True)
class NeighbourTie(Record):
    """A tie between two neighbours shown, by their keys."""

    a: str
    b: str
    weight: int


@dataclass(frozen=True)
class Neighbourhood(Record):
    person_id: str
    label: str
    tier: str | None
    country: str | None
    total_ties: int  # every direct tie; ``neighbours`` holds the heaviest of them
    neighbours: tuple[Neighbour, ...]
    ties_between: tuple[NeighbourTie, ...]
    built_at: str


def neighbourhood(
    reader: Reader, person_id: str, scope: Scope, *, limit: int = DEFAULT_LIMIT
) -> Neighbourhood | None:
    """The person's ``limit`` heaviest ties; None when missing or outside ``scope``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"{limit} neighbours asked for", f"ask for 1 to {MAX_LIMIT}")
    model = reader.model()
    head = model.one(
        "SELECT pid, person_id, usernames, country, tier FROM person WHERE person_id = ?",
        [person_id],
    )
    if head is None or not scope.allows(head["country"]):
        return None
    found = model.one("SELECT data FROM ties WHERE pid = ?", [head["pid"]])
    ties = unpack(found["data"] if found else None)
    shown = ties[:limit]
    others = _persons(model, [int(p) for p in shown["other"]])
    neighbours = []
    keys: dict[int, str] = {}
    hidden = 0
    for tie in shown:
        other = others[int(tie["other"])]
        visible = scope.allows(other["country"])
        if not visible:
            hidden += 1
        neighbour = _neighbour(tie, other, visible, f"other-{hidden}")
        keys[int(tie["other"])] = neighbour.key
        neighbours.append(neighbour)
    return Neighbourhood(
        person_id=head["person_id"],
        label=_label(head),
        tier=head["tier"],
        country=head["country"],
        total_ties=len(ties),
        neighbours=tuple(neighbours),
        ties_between=_ties_between(model, keys),
        built_at=model.built_at,
    )


def _persons(model: ReadModel, pids: list[int]) -> dict[int, Any]:
    if not pids:
        return {}
    marks = ", ".join("?" for _ in pids)
    rows = model.rows(
        f"SELECT pid, person_id, usernames, country, tier, role FROM person WHERE pid IN ({marks})",
        pids,
    )
    return {row["pid"]: row for row in rows}


def _label(row: Any) -> str:
    usernames = json_list(row["usernames"])
    return str(usernames[0]) if usernames else str(row["person_id"])


def _time(epoch: int) -> str | None:
    if epoch < 0:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _neighbour(tie: Any, other: Any, visible: bool, hidden_key: str) -> Neighbour:
    kinds = sorted(
        (TieKind(kind, int(tie[kind])) for kind in KINDS if tie[kind]),
        key=lambda k: (-k.weight, k.kind),
    )
    return Neighbour(
        key=other["person_id"] if visible else hidden_key,
        person_id=other["person_id"] if visible else None,
        label=_label(other) if visible else OTHER_COUNTRY,
        tier=other["tier"] if visible else None,
        country=other["country"] if visible else None,
        role=other["role"] if visible else None,
        in_scope=visible,
        weight=int(tie["weight"]),
        sent=int(tie["sent"]),
        received=int(tie["received"]),
        kinds=tuple(kinds),
        first_at=_time(int(tie["first_at"])),
        last_at=_time(int(tie["last_at"])),
    )


def _ties_between(model: ReadModel, keys: dict[int, str]) -> tuple[NeighbourTie, ...]:
    """Ties among the neighbours shown, each once, heaviest first."""
    if len(keys) < 2:
        return ()
    shown = sorted(keys)
    persons = np.array(shown, dtype=np.int32)
    marks = ", ".join("?" for _ in shown)
    rows = model.rows(f"SELECT pid, adjacency FROM ties WHERE pid IN ({marks})", shown)
    found = [
        NeighbourTie(keys[row["pid"]], keys[other], weight)
        for row in rows
        for other, weight in tied_to(row["adjacency"], persons)
        if other > row["pid"]
    ]
    return tuple(sorted(found, key=lambda t: (-t.weight, t.a, t.b)))
