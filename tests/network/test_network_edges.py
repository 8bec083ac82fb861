"""Person-level ties from a hand-made lake: every kind, direction, weight and time."""

from __future__ import annotations

from typing import Any

from rescue.case import Case
from rescue.network.stage import NetworkStage
from rescue.pipeline import run_pipeline
from tests.lakehelp import rows
from tests.network.planted import EXPECTED_EDGES, PostsOnlySeed, Seed, t


def _edges(case: Case) -> dict[tuple[str, str, str], tuple[int, Any, Any]]:
    found = rows(case, "SELECT * FROM graph_edges")
    assert {r["source"] for r in found} == {"all"}
    return {
        (r["from_person"], r["to_person"], r["kind"]): (r["weight"], r["first_at"], r["last_at"])
        for r in found
    }


def _expected(keep: set[str]) -> dict[tuple[str, str, str], tuple[int, Any, Any]]:
    return {
        key: (weight, None if first is None else t(first), None if last is None else t(last))
        for key, (weight, first, last) in EXPECTED_EDGES.items()
        if key[2] in keep
    }


def test_every_kind_of_tie_is_found_between_persons(sqlite_case: Case) -> None:
    summaries = run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    assert [(s.stage, s.status) for s in summaries] == [("seed", "ok"), ("network", "ok")]
    assert _edges(sqlite_case) == _expected(
        {"reply", "thread", "quote", "message", "friend", "media"}
    )
    counts = summaries[1].counts
    assert counts["edges_by_kind"] == {
        "friend": 1,
        "media": 4,
        "message": 3,
        "quote": 3,
        "reply": 4,
        "thread": 4,
    }
    assert counts["edges"] == len(EXPECTED_EDGES)


def test_ties_are_sorted_and_never_loops(sqlite_case: Case) -> None:
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    found = rows(sqlite_case, "SELECT from_person, to_person, kind FROM graph_edges")
    keys = [(r["from_person"], r["to_person"], r["kind"]) for r in found]
    assert keys == sorted(keys)
    assert all(a != b for a, b, _ in keys)


def test_a_case_with_only_posts_gives_post_ties(sqlite_case: Case) -> None:
    """Missing tables (messages, contacts, media, accounts...) contribute nothing, no error."""
    summaries = run_pipeline(sqlite_case, stages=[PostsOnlySeed(), NetworkStage()])
    assert summaries[1].status == "ok"
    expected = _expected({"reply", "thread", "quote"})
    # Without the accounts table a quote that names only its author cannot be resolved.
    del expected[("P-f:4", "P-f:2", "quote")]
    assert _edges(sqlite_case) == expected
    metrics = rows(sqlite_case, "SELECT * FROM graph_metrics ORDER BY person_id")
    assert [m["person_id"] for m in metrics] == [f"P-f:{n}" for n in range(1, 7)]
    assert {m["known_files_posted"] for m in metrics} == {0}


def test_a_quoted_guest_or_unknown_account_gives_no_tie(sqlite_case: Case) -> None:
    def quote_strangers(data: dict[str, list[dict[str, Any]]]) -> None:
        data["posts"][0]["quotes"] = [
            {"author": "Anonymous", "post_id": None, "user_id": 99, "time": None, "text": "x"},
            {"author": "nobody", "post_id": 999, "user_id": None, "time": None, "text": "x"},
        ]

    run_pipeline(sqlite_case, stages=[Seed(quote_strangers), NetworkStage()])
    assert _edges(sqlite_case) == _expected(
        {"reply", "thread", "quote", "message", "friend", "media"}
    )


def test_a_media_tie_points_at_the_earliest_poster_of_the_item(sqlite_case: Case) -> None:
    """Re-posting a known item points at whoever posted any file of it first."""

    def later_first(data: dict[str, list[dict[str, Any]]]) -> None:
        # k2 (f:1's copy of K1) now appears only at hour 20: f:4's message (hour 10) is first.
        data["posts"].append({**data["posts"][6], "post_id": 120, "posted_at": t(20)})
        data["attachments"][2]["post_msg_id"] = 120

    run_pipeline(sqlite_case, stages=[Seed(later_first), NetworkStage()])
    media = {k: v for k, v in _edges(sqlite_case).items() if k[2] == "media"}
    assert ("P-f:1", "P-f:4", "media") in media
    assert ("P-f:4", "P-f:1", "media") not in media
