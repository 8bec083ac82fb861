"""PageRank in numpy: igraph's answer, and the same bits on every run."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest

from rescue.network.pagerank import pagerank


def _random(seed: int, n: int = 300, m: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    source, target = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = source != target
    return source[keep], target[keep], rng.integers(1, 6, int(keep.sum()))


def test_it_agrees_with_igraph_on_a_weighted_graph_with_dangling_persons() -> None:
    source, target, weight = _random(1)
    target[target >= 280] = 0  # persons 280-299 still point out; ...
    source[source < 20] = 20  # ... 0-19 point nowhere: dangling
    keep = source != target
    source, target, weight = source[keep], target[keep], weight[keep]
    ours = pagerank(300, source, target, weight, damping=0.85)
    graph = ig.Graph(n=300, edges=np.column_stack([source, target]).tolist(), directed=True)
    theirs = graph.pagerank(weights=weight.tolist(), damping=0.85)
    assert ours.tolist() == pytest.approx(theirs, abs=1e-9)
    assert ours.sum() == pytest.approx(1.0)


def test_repeated_ties_add_up_like_one_heavier_tie() -> None:
    repeated = pagerank(3, np.array([0, 0, 1]), np.array([1, 1, 2]), np.array([1, 1, 1]))
    merged = pagerank(3, np.array([0, 1]), np.array([1, 2]), np.array([2, 1]))
    assert repeated.tolist() == pytest.approx(merged.tolist(), abs=1e-12)


def test_every_run_gives_the_same_bits() -> None:
    source, target, weight = _random(2, n=3000, m=40000)
    runs = {pagerank(3000, source, target, weight).tobytes() for _ in range(3)}
    assert len(runs) == 1


def test_no_ties_means_equal_scores_and_nobody_means_nothing() -> None:
    empty = np.array([], np.int64)
    assert pagerank(4, empty, empty, empty).tolist() == pytest.approx([0.25] * 4)
    assert len(pagerank(0, empty, empty, empty)) == 0
