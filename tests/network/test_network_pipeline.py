"""End to end: synthetic forums ingested, the whole pipeline run, the network checked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rescue.case import Case
from rescue.media.hashset_stage import import_hash_set
from rescue.network.export import export_graph
from rescue.pipeline import run_pipeline
from tests.lakehelp import ingest, rows

if TYPE_CHECKING:
    from rescue.synth import SynthResult


def _network_summary(case: Case) -> Any:
    summaries = {s.stage: s for s in run_pipeline(case)}
    assert summaries["network"].status == "ok"
    return summaries["network"]


def test_the_small_forum_becomes_a_network(
    sqlite_case: Case, small_forum: SynthResult, tmp_path: Path
) -> None:
    ingest(sqlite_case, small_forum.dump_path)
    summary = _network_summary(sqlite_case)
    persons = {r["person_id"] for r in rows(sqlite_case, "SELECT person_id FROM persons")}
    metrics = {r["person_id"]: r for r in rows(sqlite_case, "SELECT * FROM graph_metrics")}
    assert set(metrics) == persons
    kinds = summary.counts["edges_by_kind"]
    assert {"reply", "thread", "quote", "message", "friend"} <= set(kinds)
    assert summary.counts["communities"] >= 2
    assert sum(summary.counts["roles"].values()) == len(persons)
    assert summary.counts["roles"]["administrator"] >= 1  # the board's founder at least

    # Friend ties are the zebra friend rows, mapped to persons.
    friends = rows(
        sqlite_case,
        "SELECT DISTINCT a.person_id AS f, b.person_id AS t FROM contacts c "
        "JOIN person_accounts a ON a.account_id = c.source || ':' || c.user_id "
        "JOIN person_accounts b ON b.account_id = c.source || ':' || c.contact_id "
        "WHERE c.friend AND a.person_id <> b.person_id",
    )
    assert kinds["friend"] == len(friends)

    # Posts per person as the lake counts them.
    posts = Counter(
        r["person_id"]
        for r in rows(
            sqlite_case,
            "SELECT pa.person_id FROM posts p "
            "JOIN person_accounts pa ON pa.account_id = p.account_id",
        )
    )
    assert {p: m["posts"] for p, m in metrics.items() if m["posts"]} == dict(posts)
    top = max(metrics.values(), key=lambda m: m["pagerank"])
    assert top["degree"] >= sorted(m["degree"] for m in metrics.values())[len(metrics) // 2]

    out = tmp_path / "forum.graphml"
    assert export_graph(sqlite_case, out, "graphml") == summary.counts["edges"]
    root = ET.parse(out).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall("g:graph/g:node", ns)) == len(persons)


def test_media_roles_find_the_planted_producers(
    sqlite_case: Case, media_forum: SynthResult
) -> None:
    ingest(sqlite_case, media_forum.dump_path, media_forum.files_dir, media_forum.avatars_dir)
    import_hash_set(sqlite_case, media_forum.known_hashes_path, name="known", origin="synthetic")
    summary = _network_summary(sqlite_case)
    assert summary.counts["edges_by_kind"]["media"] > 0

    truth = json.loads(media_forum.ground_truth_path.read_text(encoding="utf-8"))
    person_of = {f"forum:{a['user_id']}": a["person_id"] for a in truth["accounts"]}
    role_truth = {p["person_id"]: p["role_truth"] for p in truth["persons"]}

    def truths(accounts: list[str]) -> set[str]:
        return {role_truth[person_of[a]] for a in accounts if person_of.get(a) is not None}

    found = rows(
        sqlite_case,
        "SELECT g.*, p.accounts FROM graph_metrics g JOIN persons p USING (person_id)",
    )
    producers = [r for r in found if r["role"] == "producer"]
    distributors = [r for r in found if r["role"] == "distributor"]
    assert producers and distributors
    # Only the generator's producers post a new picture first: every candidate is one.
    assert all("producer" in truths(r["accounts"]) for r in producers)
    assert all("producer" in truths(r["accounts"]) for r in found if r["new_clusters_seeded"] > 0)
    assert any("distributor" in truths(r["accounts"]) for r in distributors)
    assert all(r["known_files_posted"] >= 10 or r["seeded_spread"] >= 3 for r in distributors)
