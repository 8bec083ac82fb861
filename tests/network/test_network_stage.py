"""The network stage as the pipeline runs it: targets, determinism, re-runs, counts."""

from __future__ import annotations

from rescue.case import Case
from rescue.network.stage import NetworkStage
from rescue.pipeline import default_stages, order_stages, run_pipeline
from tests.lakehelp import rows
from tests.network.planted import PERSONS, Seed

TABLES = ("graph_edges", "graph_metrics")


def _snapshot(case: Case) -> dict[str, list[dict[str, object]]]:
    return {
        "graph_edges": rows(case, "SELECT * FROM graph_edges"),
        "graph_metrics": rows(case, "SELECT * FROM graph_metrics"),
    }


def test_a_forced_re_run_writes_identical_tables(sqlite_case: Case) -> None:
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    first = _snapshot(sqlite_case)
    again = run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()], only=["network"], force=True)
    assert [s.status for s in again] == ["ok"]
    assert _snapshot(sqlite_case) == first
    assert [r["person_id"] for r in first["graph_metrics"]] == sorted(PERSONS)


def test_an_unchanged_case_is_skipped_and_a_changed_input_reruns(sqlite_case: Case) -> None:
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    assert [s.status for s in run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])] == [
        "skipped",
        "skipped",
    ]
    changed = run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()], only=["seed"], force=True)
    assert [s.status for s in changed] == ["ok"]
    assert [s.status for s in run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])] == [
        "skipped",
        "ok",
    ]


def test_no_persons_means_no_network_target(sqlite_case: Case) -> None:
    assert NetworkStage().targets(sqlite_case) == []
    assert run_pipeline(sqlite_case, stages=[NetworkStage()]) == []


def test_the_stage_runs_after_link_and_match_in_the_default_pipeline() -> None:
    names = [s.name for s in order_stages(default_stages())]
    assert names.index("network") > names.index("link")
    assert names.index("network") > names.index("match")


def test_counts_say_what_was_found(sqlite_case: Case) -> None:
    summary = run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])[1]
    assert summary.counts["persons"] == 6
    assert summary.counts["communities"] >= 1
    assert summary.counts["betweenness"] == "exact"
    assert summary.counts["rows"] == {"graph_edges": 19, "graph_metrics": 6}


def test_metrics_agree_with_the_edges(sqlite_case: Case) -> None:
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    edges = rows(sqlite_case, "SELECT * FROM graph_edges")
    ties: dict[str, set[str]] = {}
    strength: dict[str, float] = {}
    for e in edges:
        for a, b in ((e["from_person"], e["to_person"]), (e["to_person"], e["from_person"])):
            ties.setdefault(a, set()).add(b)
            strength[a] = strength.get(a, 0.0) + e["weight"]
    for m in rows(sqlite_case, "SELECT * FROM graph_metrics"):
        person = m["person_id"]
        assert m["degree"] == len(ties.get(person, ())), person
        assert m["weighted_degree"] == strength.get(person, 0.0), person
        assert 0 <= m["betweenness"] <= 1 and m["pagerank"] > 0
        assert m["source"] == "all"
