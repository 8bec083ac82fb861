"""Pairwise precision, recall and F1 of a clustering against the truth.

The measure record-linkage work reports: every pair of records put in one cluster is a
predicted link; it is right when the truth puts the two in one cluster too. Records missing
from either side count as singletons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    predicted: int
    true: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(clusters: Mapping[str, Hashable]) -> set[tuple[str, str]]:
    members: dict[Hashable, list[str]] = defaultdict(list)
    for record, label in clusters.items():
        members[label].append(record)
    pairs: set[tuple[str, str]] = set()
    for group in members.values():
        group.sort()
        pairs.update((a, b) for i, a in enumerate(group) for b in group[i + 1 :])
    return pairs


def pairwise_scores(predicted: Mapping[str, Hashable], truth: Mapping[str, Hashable]) -> PairScores:
    """``predicted`` and ``truth`` map each record to its cluster label."""
    found, true = _pairs(predicted), _pairs(truth)
    return PairScores(len(found), len(true), len(found & true))
