"""Triage end to end on a synthetic operation: the truly high-risk persons come first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rescue.case import Case, init_case, open_case
from rescue.ingest.register import ingest_phpbb
from rescue.media.hashset_stage import import_hash_set
from rescue.pipeline import run_pipeline
from tests.lakehelp import rows, set_case_settings

if TYPE_CHECKING:
    from rescue.synth import SynthResult


@pytest.fixture(scope="module")
def triaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, SynthResult]:
    from rescue.synth import SynthConfig, generate

    forum = generate(
        tmp_path_factory.mktemp("triage-forum"),
        SynthConfig(members=1500, seed=3, posts_per_member=12),
    )
    case = init_case(tmp_path_factory.mktemp("triaged") / "case")
    ingest_phpbb(case, forum.dump_path, files=forum.files_dir, avatars=forum.avatars_dir,
                 source="forum")  # fmt: skip
    import_hash_set(case, forum.known_hashes_path, name="known")
    run_pipeline(case)
    return case, forum


def _members(case: Case, forum: SynthResult) -> dict[str, set[int]]:
    """Predicted person -> the true persons behind its accounts."""
    truth = json.loads(forum.ground_truth_path.read_text(encoding="utf-8"))
    true_person = {f"forum:{a['user_id']}": a["person_id"] for a in truth["accounts"]}
    members: dict[str, set[int]] = {}
    for row in rows(case, "SELECT * FROM person_accounts"):
        if true_person.get(row["account_id"]) is not None:
            members.setdefault(row["person_id"], set()).add(true_person[row["account_id"]])
    return members


def test_top_k_holds_the_high_risk_persons_and_every_producer(
    triaged: tuple[Case, SynthResult],
) -> None:
    case, forum = triaged
    truth: dict[str, Any] = json.loads(forum.ground_truth_path.read_text(encoding="utf-8"))
    high = {p["person_id"] for p in truth["persons"] if p["high_risk"]}
    producers = {p["person_id"] for p in truth["persons"] if p["new_first_posted"]}
    assert len(high) >= 10 and producers  # the forum plants enough to measure
    members = _members(case, forum)
    ranked = rows(case, "SELECT person_id, rank FROM priorities ORDER BY rank")
    top = ranked[: len(high)]
    hits = sum(1 for r in top if members.get(r["person_id"], set()) & high)
    assert hits / len(high) >= 0.90
    in_top = set().union(*(members.get(r["person_id"], set()) for r in top))
    assert producers <= in_top


def test_every_person_has_a_rank_tier_and_explanation(triaged: tuple[Case, SynthResult]) -> None:
    case, _forum = triaged
    found = rows(case, "SELECT * FROM priorities ORDER BY rank")
    assert [r["rank"] for r in found] == list(range(1, len(found) + 1))
    assert len(found) == len(rows(case, "SELECT person_id FROM persons"))
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    assert {r["tier"] for r in found} <= {"Very High", "High", "Medium", "Low"}
    assert found[0]["tier"] == "Very High" and found[-1]["tier"] == "Low"
    for row in found[:50]:
        explanation = json.loads(row["explanation"])
        assert (
            sum(c["contribution"] for c in explanation) == pytest.approx(row["score"], abs=0.01)
            or row["score"] == 100
        )
        stated = [c["detail"] for c in explanation if c["contribution"] > 0 and c["detail"]]
        assert sorted(stated) == sorted(row["indicators"])


def test_the_export_carries_priority_and_rank(
    triaged: tuple[Case, SynthResult], tmp_path: Path
) -> None:
    from rescue.identity.persons_export import export_persons

    case, _forum = triaged
    out = tmp_path / "persons.jsonl"
    export_persons(case, out)
    persons = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [p["rank"] for p in persons] == list(range(1, len(persons) + 1))
    assert persons[0]["priority"] >= persons[-1]["priority"]
    assert persons[0]["indicators"]


def test_a_record_check_and_a_weight_change_rerun_triage(
    tmp_path: Path, small_forum: SynthResult
) -> None:
    from rescue.operation.checks import record_check

    case = init_case(tmp_path / "case")
    ingest_phpbb(case, small_forum.dump_path, source="forum")
    run_pipeline(case)
    before = {r["person_id"]: r for r in rows(case, "SELECT * FROM priorities")}
    last = max(before.values(), key=lambda r: r["rank"])
    record_check(case, last["person_id"], "prior_conviction", True, analyst="ana")
    again = run_pipeline(case, only=["triage"])
    assert [s.status for s in again] == ["ok"]
    after = {r["person_id"]: r for r in rows(case, "SELECT * FROM priorities")}
    assert after[last["person_id"]]["score"] == pytest.approx(last["score"] + 15)
    assert "record check: prior relevant conviction" in after[last["person_id"]]["indicators"]

    set_case_settings(case.root, "triage", {"weights": {"prior_conviction": 25}})
    with open_case(case.root) as changed:
        run_pipeline(changed, only=["triage"])
        final = {r["person_id"]: r for r in rows(changed, "SELECT * FROM priorities")}
    assert final[last["person_id"]]["score"] == pytest.approx(last["score"] + 25)


def test_priorities_command_lists_and_explains(triaged: tuple[Case, SynthResult]) -> None:
    from typer.testing import CliRunner

    from rescue.cli.main import app

    case, _forum = triaged
    runner = CliRunner()
    top = rows(case, "SELECT person_id, tier FROM priorities WHERE rank = 1")[0]
    listed = runner.invoke(app, ["priorities", "--case", str(case.root), "--limit", "3"])
    assert listed.exit_code == 0, listed.output
    assert top["person_id"] in listed.output and "not a prediction" in listed.output
    explained = runner.invoke(
        app, ["priorities", "--case", str(case.root), "--explain", top["person_id"]]
    )
    assert explained.exit_code == 0, explained.output
    for indicator in ("producer", "meeting", "access_to_children", "volume", "centrality"):
        assert indicator in explained.output
    country = rows(case, "SELECT country FROM attributions WHERE country IS NOT NULL LIMIT 1")
    only = runner.invoke(
        app, ["priorities", "--case", str(case.root), "--country", country[0]["country"]]
    )
    assert only.exit_code == 0
    unknown = runner.invoke(app, ["priorities", "--case", str(case.root), "--explain", "P-x:0"])
    assert unknown.exit_code == 1 and "No person P-x:0" in unknown.output
