"""Clustering links into persons: strongest first, analysts' rulings win."""

from __future__ import annotations

from rescue.identity.evaluation import pairwise_scores
from rescue.identity.link_clusters import Link, cluster


def _groups(person_of: dict[str, str]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for account, person in person_of.items():
        members.setdefault(person, set()).add(account)
    return {frozenset(g) for g in members.values()}


def test_links_above_threshold_join_and_below_do_not() -> None:
    links = [Link("a", "b", "model", 0.995), Link("c", "d", "model", 0.6)]
    result = cluster("abcd", links, [], threshold=0.99)
    assert _groups(result.person_of) == {frozenset("ab"), frozenset("c"), frozenset("d")}
    assert result.accepted == {("a", "b")}


def test_person_id_is_the_smallest_account_and_stable_under_reordering() -> None:
    links = [Link("z:9", "a:1", "model", 1.0), Link("a:1", "m:5", "model", 1.0)]
    first = cluster(["z:9", "a:1", "m:5"], links, [], 0.9)
    second = cluster(["m:5", "z:9", "a:1"], list(reversed(links)), [], 0.9)
    assert set(first.person_of.values()) == {"P-a:1"}
    assert first.person_of == second.person_of


def test_different_ruling_blocks_a_chain_through_a_third_account() -> None:
    # a-b and b-c are strong, but an analyst ruled a and c different persons: the weaker of
    # the two links that would join them is refused, whichever account it touches.
    links = [Link("a", "b", "model", 0.999), Link("b", "c", "model", 0.995)]
    result = cluster("abc", links, [("a", "c")], threshold=0.99)
    groups = _groups(result.person_of)
    assert frozenset("ab") in groups and frozenset("c") in groups
    assert result.refused == {("b", "c")}


def test_ruling_survives_merges_on_both_sides() -> None:
    links = [
        Link("a", "b", "model", 0.999),
        Link("c", "d", "model", 0.999),
        Link("b", "d", "model", 0.998),
    ]
    result = cluster("abcd", links, [("a", "c")], threshold=0.99)
    assert result.person_of["a"] != result.person_of["c"]
    assert ("b", "d") in result.refused


def test_analyst_same_beats_nothing_and_deterministic_beats_model() -> None:
    links = [
        Link("x", "y", "analyst", 1.0),
        Link("a", "b", "deterministic", 1.0),
        Link("b", "c", "model", 0.999),
    ]
    # "different" a-c: the deterministic a-b link is taken first, so the model's b-c is refused.
    result = cluster("abcxy", links, [("a", "c")], threshold=0.99)
    assert result.person_of["x"] == result.person_of["y"]
    assert result.person_of["a"] == result.person_of["b"] != result.person_of["c"]


def test_pairwise_scores() -> None:
    truth = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}
    predicted = {"a": "p", "b": "p", "c": "q", "d": "q", "e": "r"}
    scores = pairwise_scores(predicted, truth)
    # predicted pairs: ab, cd; true pairs: ab, ac, bc
    assert (scores.predicted, scores.true, scores.correct) == (2, 3, 1)
    assert scores.precision == 0.5
    assert abs(scores.recall - 1 / 3) < 1e-9
    assert abs(scores.f1 - 0.4) < 1e-9
    perfect = pairwise_scores(truth, truth)
    assert perfect.precision == perfect.recall == perfect.f1 == 1.0
