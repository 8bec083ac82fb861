"""The priority score: contributions, the producer rule, tiers, explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rescue.errors import CaseError
from rescue.triage.config import VOLUME_ONLY, load_config
from rescue.triage.facts import PersonFacts
from rescue.triage.score import rank, score_person

NOW = datetime(2024, 6, 1, tzinfo=UTC)
CONFIG = load_config({})


def _active(years: float, idle_days: int = 0) -> dict[str, datetime]:
    last = NOW - timedelta(days=idle_days)
    return {"first_active": last - timedelta(days=365.25 * years), "last_active": last}


def test_shipped_weights_load_and_are_documented() -> None:
    assert CONFIG.weights["producer"] > sum(CONFIG.weights[k] for k in VOLUME_ONLY)
    assert "teacher" in CONFIG.access_occupations
    assert "software developer" not in CONFIG.access_occupations


def test_a_producer_outranks_the_biggest_volume_only_person() -> None:
    producer = PersonFacts("P-a", clusters_seeded=1)
    hoarder = PersonFacts(
        "P-b",
        known_files=5000,
        known_by_category={"A": 5000},
        pagerank_percentile=1.0,
        **_active(20),
    )
    scores = {p.person_id: p for p in (score_person(f, CONFIG, NOW) for f in (producer, hoarder))}
    assert scores["P-a"].score > scores["P-b"].score
    assert [p.person_id for _, p in rank(list(scores.values()))] == ["P-a", "P-b"]


def test_a_config_that_breaks_the_producer_rule_is_refused() -> None:
    with pytest.raises(CaseError, match="outrank a producer"):
        load_config({"weights": {"producer": 10}})
    with pytest.raises(CaseError, match=r"unknown \[triage.weights\] keys"):
        load_config({"weights": {"producr": 40}})
    with pytest.raises(CaseError, match="very_high > high > medium"):
        load_config({"tiers": {"high": 90}})
    changed = load_config({"weights": {"producer": 45}, "access": {"occupations": ["tutor"]}})
    assert changed.weights["producer"] == 45 and changed.access_occupations == {"tutor"}


def test_explanation_lists_every_indicator_and_adds_up() -> None:
    facts = PersonFacts(
        "P-c",
        clusters_seeded=2,
        seeded_spread=3,
        known_files=12,
        known_by_category={"A": 3, "B": 9},
        meetings=1,
        occupations=["teacher", "baker"],
        role="moderator",
        pagerank_percentile=0.9,
        checks={"prior_conviction": True},
        **_active(2, idle_days=10),
    )
    priority = score_person(facts, CONFIG, NOW)
    names = [c.indicator for c in priority.contributions]
    assert set(names) == set(CONFIG.weights)  # every indicator, found or not
    assert priority.score == pytest.approx(
        min(100, sum(c.contribution for c in priority.contributions)), abs=0.01
    )
    by_name = {c.indicator: c for c in priority.contributions}
    assert by_name["role"].contribution == CONFIG.weights["role"] / 2
    assert by_name["access_with_material"].contribution == CONFIG.weights["access_with_material"]
    assert by_name["severity"].value == pytest.approx(0.25)
    assert by_name["access_confirmed"].contribution == 0
    assert priority.tier == "Very High"
    assert priority.indicators[0] == "first to post 2 new picture clusters"
    assert "discloses an occupation with access to children (teacher)" in priority.indicators
    assert "posted 12 known files (A: 3, B: 9)" in priority.indicators
    assert "record check: prior relevant conviction" in priority.indicators


def test_nothing_found_is_low_with_no_indicators() -> None:
    quiet = score_person(PersonFacts("P-d"), CONFIG, NOW)
    assert (quiet.score, quiet.tier, quiet.indicators) == (0.0, "Low", [])


def test_recency_fades_and_access_alone_is_not_the_combination() -> None:
    recent = score_person(PersonFacts("P-e", **_active(1, idle_days=30)), CONFIG, NOW)
    stale = score_person(PersonFacts("P-f", **_active(1, idle_days=400)), CONFIG, NOW)
    get = lambda p, n: next(c for c in p.contributions if c.indicator == n).contribution  # noqa: E731
    assert get(recent, "recency") == CONFIG.weights["recency"] and get(stale, "recency") == 0
    access_only = score_person(PersonFacts("P-g", occupations=["teacher"]), CONFIG, NOW)
    assert get(access_only, "access_with_material") == 0
    assert get(access_only, "access_to_children") == CONFIG.weights["access_to_children"]
    confirmed = score_person(
        PersonFacts("P-h", known_files=1, checks={"access_to_children_confirmed": True}),
        CONFIG,
        NOW,
    )
    assert get(confirmed, "access_with_material") == CONFIG.weights["access_with_material"]


def test_ties_rank_by_person_id() -> None:
    a, b = (score_person(PersonFacts(p, meetings=1), CONFIG, NOW) for p in ("P-z", "P-a"))
    assert [(r, p.person_id) for r, p in rank([a, b])] == [(1, "P-a"), (2, "P-z")]
