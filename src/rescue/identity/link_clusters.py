"""From scored pairs to persons: greedy clustering that honours analysts' rulings.

Plain connected components let one weak link chain two people together and cannot express
"these two are not the same person". Here links are taken strongest first - analysts' "same"
rulings, then hard identifiers, then model links by probability - into a union-find; a link
is refused when the two groups it would join contain a pair an analyst ruled "different". A
refused or below-threshold link is kept, marked not accepted, so an analyst sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

METHOD_RANK = {"analyst": 0, "deterministic": 1, "model": 2}


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    method: str  # analyst | deterministic | model
    probability: float


@dataclass(frozen=True)
class Clustering:
    person_of: dict[str, str]  # account -> person id
    accepted: set[tuple[str, str]]  # links (a < b) that joined or confirmed a person
    refused: set[tuple[str, str]]  # links an analyst's "different" ruling blocked


class _Groups:
    def __init__(self, accounts: Iterable[str]) -> None:
        self.parent = {a: a for a in accounts}
        self.apart: dict[str, set[str]] = {}  # root -> roots it must never join

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def keep_apart(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        self.apart.setdefault(ra, set()).add(rb)
        self.apart.setdefault(rb, set()).add(ra)

    def join(self, a: str, b: str) -> bool:
        """Join the groups of ``a`` and ``b``; False when a ruling keeps them apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.apart.get(ra, ()):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        moved = self.apart.pop(rb, set())
        for other in moved:
            peers = self.apart[other]
            peers.discard(rb)
            peers.add(ra)
        self.apart.setdefault(ra, set()).update(moved)
        return True


def cluster(
    accounts: Iterable[str],
    links: Iterable[Link],
    different: Iterable[tuple[str, str]],
    threshold: float,
) -> Clustering:
    groups = _Groups(accounts)
    for a, b in different:
        if a in groups.parent and b in groups.parent:
            groups.keep_apart(a, b)
    accepted: set[tuple[str, str]] = set()
    refused: set[tuple[str, str]] = set()
    ordered = sorted(links, key=lambda k: (METHOD_RANK[k.method], -k.probability, k.a, k.b))
    for link in ordered:
        if link.method == "model" and link.probability < threshold:
            continue
        if link.a not in groups.parent or link.b not in groups.parent:
            continue
        pair = (link.a, link.b) if link.a < link.b else (link.b, link.a)
        (accepted if groups.join(link.a, link.b) else refused).add(pair)
    members: dict[str, list[str]] = {}
    for account in groups.parent:
        members.setdefault(groups.find(account), []).append(account)
    person_of = {account: f"P-{min(group)}" for group in members.values() for account in group}
    return Clustering(person_of, accepted, refused)
