"""Weighted PageRank by power iteration in numpy: the same answer on every run, to the bit.

igraph's PageRank (PRPACK, and ARPACK) runs on OpenMP threads and a random start vector: two
runs on one graph differ in the last bits, and graph_metrics must be identical on a re-run.
Here each iteration is one ``np.bincount`` over the ties, which sums in a fixed order.

The model is igraph's and networkx's: a person passes ``damping`` of their score along their
outgoing ties in proportion to the ties' weights; persons without outgoing ties (dangling) and
the remaining ``1 - damping`` spread evenly over everyone. Iteration stops when the scores
change by less than ``tolerance`` in total (L1), or after ``max_iterations``; each iteration
shrinks the error by a factor of ``damping``, so about 150 iterations reach 1e-10 (a second or
so for a million ties).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def pagerank(
    n: int,
    source: IntArray,
    target: IntArray,
    weight: npt.NDArray[np.int64] | FloatArray,
    *,
    damping: float = 0.85,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> FloatArray:
    """Scores summing to 1 for vertices 0..n-1; repeated (source, target) ties add up."""
    if n == 0:
        return np.zeros(0)
    weights = np.asarray(weight, np.float64)
    out = np.bincount(source, weights=weights, minlength=n)
    dangling = out == 0
    share = weights / out[source]  # a tie's source always has outgoing weight
    scores = np.full(n, 1.0 / n)
    for _ in range(max_iterations):
        passed = np.bincount(target, weights=scores[source] * share, minlength=n)
        spread = scores[dangling].sum() / n
        new = damping * (passed + spread) + (1.0 - damping) / n
        change = float(np.abs(new - scores).sum())
        scores = new
        if change < tolerance:
            break
    return np.asarray(scores / scores.sum(), np.float64)
