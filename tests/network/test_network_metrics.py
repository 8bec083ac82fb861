"""Metrics on graphs whose answers are known: a star, two cliques and a bridge, isolated persons."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from rescue.network.metrics import MetricParams, Ties, compute_metrics

EXACT = MetricParams()


def _ties(n: int, pairs: list[tuple[int, int]], weights: list[int] | None = None) -> Ties:
    return Ties(
        n=n,
        source=np.array([a for a, _ in pairs], np.int64),
        target=np.array([b for _, b in pairs], np.int64),
        weight=np.array(weights or [1] * len(pairs), np.int64),
    )


def _star(leaves: int) -> Ties:
    """Every leaf points at the centre, vertex 0."""
    return _ties(leaves + 1, [(leaf, 0) for leaf in range(1, leaves + 1)])


def _barbell() -> Ties:
    """Cliques 0-4 and 5-9; vertex 10 is the only way between them (ties to 0 and to 5)."""
    pairs = list(itertools.combinations(range(5), 2))
    pairs += list(itertools.combinations(range(5, 10), 2))
    return _ties(11, [*pairs, (10, 0), (5, 10)])


def test_the_centre_of_a_star_leads_on_every_measure() -> None:
    m = compute_metrics(_star(5), EXACT)
    assert m.degree.tolist() == [5, 1, 1, 1, 1, 1]
    assert int(np.argmax(m.pagerank)) == 0
    assert m.pagerank[0] > 3 * m.pagerank[1:].max()
    # Every pair of leaves is joined through the centre only: normalised betweenness is 1.
    assert m.betweenness.tolist() == pytest.approx([1.0, 0, 0, 0, 0, 0])
    assert m.kcore.tolist() == [1] * 6
    assert m.betweenness_sources == 6  # exact: every person a source
    assert m.pagerank.sum() == pytest.approx(1.0)


def test_two_cliques_are_two_communities_and_the_bridge_leads_betweenness() -> None:
    m = compute_metrics(_barbell(), EXACT)
    community = m.community.tolist()
    assert len(set(community[:5])) == 1 and len(set(community[5:10])) == 1
    assert community[0] != community[5]
    assert set(community) == {0, 1} and m.communities == 2
    assert community[10] in (community[0], community[5])
    assert sorted(m.community_size.tolist()) == [5] * 5 + [6] * 6
    assert m.community_size[community.index(0)] == 6  # the larger community is number 0
    assert int(np.argmax(m.betweenness)) == 10
    # The bridge carries 25 of the 45 pairs' paths (5 x 5 across), normalised by (10 x 9) / 2.
    assert m.betweenness[10] == pytest.approx(25 / 45)
    assert m.kcore[:10].tolist() == [4] * 10 and m.kcore[10] == 2


def test_weights_count_in_weighted_degree_and_pagerank_follows_them() -> None:
    # 1 -> 0 twice as heavy as 2 -> 3; the reverse arc 0 -> 1 adds to the same undirected edge.
    m = compute_metrics(_ties(4, [(1, 0), (0, 1), (2, 3)], [4, 1, 2]), EXACT)
    assert m.degree.tolist() == [1, 1, 1, 1]
    assert m.weighted_degree.tolist() == [5.0, 5.0, 2.0, 2.0]
    assert m.pagerank[0] > m.pagerank[2]


def test_persons_without_ties_are_community_minus_one() -> None:
    m = compute_metrics(_ties(5, [(0, 1), (1, 2), (2, 0)]), EXACT)
    assert m.community.tolist() == [0, 0, 0, -1, -1]
    assert m.community_size.tolist() == [3, 3, 3, 1, 1]
    assert m.degree[3:].tolist() == [0, 0] and m.betweenness[3:].tolist() == [0, 0]
    assert m.pagerank[3] > 0  # PageRank's teleport reaches everyone
    assert m.communities == 1


def test_an_empty_graph_and_a_graph_of_one() -> None:
    empty = compute_metrics(_ties(0, []), EXACT)
    assert len(empty.degree) == 0 and empty.communities == 0
    one = compute_metrics(_ties(1, []), EXACT)
    assert one.community.tolist() == [-1] and one.betweenness.tolist() == [0.0]


def test_a_large_graph_estimates_betweenness_from_sampled_sources() -> None:
    ties = _star(50)
    sampled = compute_metrics(ties, MetricParams(betweenness_budget=10 * 50))
    assert sampled.betweenness_sources == 10
    assert int(np.argmax(sampled.betweenness)) == 0
    assert sampled.betweenness[0] == pytest.approx(1.0, abs=0.05)
    assert sampled.betweenness[1:].max() == 0
    assert ((sampled.betweenness >= 0) & (sampled.betweenness <= 1)).all()


def _random_graph(seed: int, n: int = 400, ties: int = 3000) -> Ties:
    rng = random.Random(seed)
    pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(ties)]
    pairs = [(a, b) for a, b in pairs if a != b]
    return _ties(n, pairs, [rng.randint(1, 5) for _ in pairs])


def test_the_same_graph_gives_the_same_metrics_every_time() -> None:
    # Big enough for multi-threaded numerics to show (igraph's own PageRank differs run to run
    # here), with betweenness sampled.
    params = MetricParams(betweenness_budget=100 * 30_000)
    first, second = (compute_metrics(_random_graph(3, 3000, 30_000), params) for _ in range(2))
    assert first.betweenness_sources < 3000
    for name in ("degree", "pagerank", "kcore", "betweenness", "community", "community_size"):
        assert getattr(first, name).tolist() == getattr(second, name).tolist(), name


def test_community_ids_number_the_largest_community_first() -> None:
    # A triangle (vertices 3-5) and a pair (0-1): the triangle is community 0 though its
    # persons sort after the pair's.
    m = compute_metrics(_ties(6, [(0, 1), (3, 4), (4, 5), (5, 3)]), EXACT)
    assert m.community.tolist() == [1, 1, -1, 0, 0, 0]
    assert m.community_size.tolist() == [2, 2, 1, 3, 3, 3]
