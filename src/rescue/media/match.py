"""Matching seized files against known hashes, and grouping the unknown images.

Exact matches join on each cryptographic hash. Perceptual matches compare every orientation of
a seized image's PDQ hash with the known PDQ hashes through an exact index (no match within the
threshold is ever missed) and keep the smallest distance. Images of quality below 50 are too
flat for PDQ to mean much: they are matched exactly only, as Meta advises.

Images that match nothing may be new material. They are grouped into clusters of near copies
(PDQ within the threshold of each other, chained), and each cluster is placed in time: who
posted it first, when and where, and how far it spread afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from rescue.engine.base import Engine
from rescue.media.index import PdqIndex, hex_to_words
from rescue.media.params import MatchParams

EXACT_KINDS = ("sha256", "sha1", "md5")  # strongest first


def exact_matches(engine: Engine) -> list[dict[str, Any]]:
    union = " UNION ALL ".join(
        f"SELECT m.source, m.role, m.file, m.sha256, m.pdq, '{kind}' AS matched_on, "
        f"{rank} AS strength, k.known_id, k.source AS hash_set, k.category "
        f"FROM media_hashes m JOIN known_hashes k ON m.{kind} = k.{kind}"
        for rank, kind in enumerate(EXACT_KINDS)
    )
    found: list[dict[str, Any]] = engine.query(
        f"SELECT * EXCLUDE (strength, n) FROM (SELECT *, row_number() OVER ("
        f"PARTITION BY source, file, hash_set, known_id ORDER BY strength) AS n FROM ({union})) "
        "WHERE n = 1 ORDER BY source, file, hash_set, known_id"
    ).to_pylist()
    return found


def _orientations(rows: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """All orientations of every row's PDQ as one (n, 4) array, with the row of each."""
    hashes: list[str] = []
    owner: list[int] = []
    for i, row in enumerate(rows):
        variants = row.get("pdq_dihedral") or [row["pdq"]]
        hashes += variants
        owner += [i] * len(variants)
    return hex_to_words(hashes), np.asarray(owner, dtype=np.int64)


def _closest(index: PdqIndex[int], rows: Sequence[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """(row, entry) -> smallest distance over the row's orientations."""
    if not rows or not len(index):
        return {}
    words, owner = _orientations(rows)
    q, e, d = index.query_arrays(words)
    best: dict[tuple[int, int], int] = {}
    for row, entry, dist in zip(owner[q].tolist(), e.tolist(), d.tolist(), strict=True):
        key = (row, entry)
        if dist < best.get(key, 1 << 30):
            best[key] = dist
    return best


def perceptual_matches(engine: Engine, params: MatchParams) -> list[dict[str, Any]]:
    known = engine.query(
        "SELECT source AS hash_set, known_id, pdq, category FROM known_hashes "
        "WHERE pdq IS NOT NULL ORDER BY source, line"
    ).to_pylist()
    media = engine.query(
        "SELECT source, role, file, sha256, pdq, pdq_dihedral FROM media_hashes "
        "WHERE pdq IS NOT NULL AND pdq_quality >= ? ORDER BY source, file",
        [params.min_quality],
    ).to_pylist()
    index: PdqIndex[int] = PdqIndex(params.threshold)
    index.add([k["pdq"] for k in known], list(range(len(known))))
    out = []
    for (row, entry), dist in sorted(_closest(index, media).items()):
        m, k = media[row], known[entry]
        out.append(
            {
                "source": m["source"],
                "role": m["role"],
                "file": m["file"],
                "sha256": m["sha256"],
                "pdq": m["pdq"],
                "matched_on": "pdq",
                "known_id": k["known_id"],
                "hash_set": k["hash_set"],
                "category": k["category"],
                "distance": dist,
            }
        )
    return out


def combine(exact: list[dict[str, Any]], perceptual: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (file, known entry): exact wins over perceptual for the same pair."""
    seen = set()
    out = []
    for row in exact:
        seen.add((row["source"], row["file"], row["hash_set"], row["known_id"]))
        out.append({**row, "match_type": "exact", "distance": 0})
    for row in perceptual:
        if (row["source"], row["file"], row["hash_set"], row["known_id"]) not in seen:
            out.append({**row, "match_type": "perceptual"})
    return out


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_unknown(
    engine: Engine, matched: set[tuple[str, str]], params: MatchParams
) -> list[list[dict[str, Any]]]:
    """Near-duplicate groups of the images that matched nothing, as lists of media rows."""
    media = [
        r
        for r in engine.query(
            "SELECT source, role, file, sha256, pdq, pdq_dihedral FROM media_hashes "
            "WHERE pdq IS NOT NULL AND pdq_quality >= ? ORDER BY sha256, source, file",
            [params.min_quality],
        ).to_pylist()
        if (r["source"], r["file"]) not in matched
    ]
    distinct: dict[str, int] = {}  # one node per distinct file content
    nodes: list[dict[str, Any]] = []
    for row in media:
        if row["sha256"] not in distinct:
            distinct[row["sha256"]] = len(nodes)
            nodes.append(row)
    index: PdqIndex[int] = PdqIndex(params.threshold)
    index.add([n["pdq"] for n in nodes], list(range(len(nodes))))
    groups = _UnionFind(len(nodes))
    for a, b in _closest(index, nodes):
        groups.union(a, b)
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in media:
        members[groups.find(distinct[row["sha256"]])].append(row)
    return [members[root] for root in sorted(members)]
