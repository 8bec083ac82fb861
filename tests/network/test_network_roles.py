"""Roles and their reasons: the rules on planted facts, and the stage's settings."""

from __future__ import annotations

from typing import Any

import pytest

from rescue.case import Case, open_case
from rescue.errors import CaseError
from rescue.network.roles import RoleParams, assign_role
from rescue.network.stage import NetworkStage
from rescue.pipeline import run_pipeline
from tests.lakehelp import rows, set_case_settings
from tests.network.planted import Seed

DEFAULTS = RoleParams()


def _facts(**values: Any) -> dict[str, Any]:
    base = {
        "posts": 0,
        "messages": 0,
        "known_files_posted": 0,
        "new_clusters_seeded": 0,
        "seeded_spread": 0,
        "staff": [],
    }
    return base | values


def test_board_staff_come_first_and_keep_their_other_facts() -> None:
    role, reasons = assign_role(
        _facts(staff=["administrator|ADMINISTRATORS"], new_clusters_seeded=3), 4, DEFAULTS
    )
    assert role == "administrator"
    assert reasons == [
        "member of the administrator group ADMINISTRATORS",
        "first to post 3 new picture clusters",
    ]
    assert assign_role(_facts(staff=["founder|"]), 0, DEFAULTS) == (
        "administrator",
        ["the board's founder account"],
    )
    role, reasons = assign_role(_facts(staff=["moderator|GLOBAL_MODERATORS"]), 0, DEFAULTS)
    assert (role, reasons) == ("moderator", ["member of the moderator group GLOBAL_MODERATORS"])


def test_first_posters_of_new_material_are_producer_candidates() -> None:
    role, reasons = assign_role(
        _facts(new_clusters_seeded=1, known_files_posted=40, posts=3), 1, DEFAULTS
    )
    assert role == "producer"
    assert reasons == ["first to post 1 new picture cluster", "posted 40 known files"]


def test_distributors_post_known_files_or_seed_what_spreads() -> None:
    assert assign_role(_facts(known_files_posted=10), 0, DEFAULTS) == (
        "distributor",
        ["posted 10 known files"],
    )
    assert assign_role(_facts(known_files_posted=9), 0, DEFAULTS)[0] == "peripheral"
    spread = RoleParams(producer_min_clusters=5)
    assert assign_role(_facts(new_clusters_seeded=2, seeded_spread=5), 0, spread) == (
        "distributor",
        ["seeded clusters re-posted by 5 other persons"],
    )


def test_active_members_with_ties_are_consumers_the_rest_peripheral() -> None:
    assert assign_role(_facts(posts=4, messages=1), 2, DEFAULTS) == (
        "consumer",
        ["wrote 4 posts and 1 private message", "tied to 2 persons"],
    )
    assert assign_role(_facts(posts=40), 1, DEFAULTS) == (
        "peripheral",
        ["wrote 40 posts and messages", "tied to 1 person"],
    )
    assert assign_role(_facts(posts=1), 9, DEFAULTS)[0] == "peripheral"


def test_roles_from_the_planted_lake(sqlite_case: Case) -> None:
    summaries = run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    found = {r["person_id"]: r for r in rows(sqlite_case, "SELECT * FROM graph_metrics")}
    assert {p: r["role"] for p, r in found.items()} == {
        "P-f:1": "peripheral",  # 3 posts, 0 messages: below 5
        "P-f:2": "moderator",
        "P-f:3": "producer",
        "P-f:4": "peripheral",
        "P-f:5": "peripheral",  # a pending moderator is no moderator
        "P-f:6": "administrator",
    }
    assert found["P-f:3"]["role_reasons"][0] == "first to post 1 new picture cluster"
    facts = {
        p: (
            r["posts"],
            r["messages"],
            r["known_files_posted"],
            r["new_clusters_seeded"],
            r["seeded_spread"],
        )
        for p, r in found.items()
    }
    assert facts == {
        "P-f:1": (3, 0, 1, 0, 0),  # two accounts' posts together
        "P-f:2": (2, 1, 0, 0, 0),
        "P-f:3": (2, 0, 0, 1, 2),  # C1 re-posted by P-f:4 and P-f:2
        "P-f:4": (1, 1, 1, 0, 0),
        "P-f:5": (0, 0, 0, 0, 0),
        "P-f:6": (0, 0, 0, 0, 0),
    }
    assert found["P-f:6"]["degree"] == 0 and found["P-f:6"]["community"] == -1
    assert found["P-f:5"]["first_active_at"] is None
    assert summaries[1].counts["roles"] == {
        "administrator": 1,
        "moderator": 1,
        "peripheral": 3,
        "producer": 1,
    }


def test_thresholds_come_from_case_toml_and_a_change_reruns(sqlite_case: Case) -> None:
    stages = [Seed(), NetworkStage()]
    run_pipeline(sqlite_case, stages=stages)
    set_case_settings(
        sqlite_case.root, "network", {"distributor_min_known_files": 1, "consumer_min_activity": 2}
    )
    with open_case(sqlite_case.root) as changed:
        params = NetworkStage().params(changed, "all")
        assert params["roles"]["distributor_min_known_files"] == 1
        again = run_pipeline(changed, stages=stages)
        assert [s.status for s in again] == ["skipped", "ok"]
        roles = {r["person_id"]: r["role"] for r in rows(changed, "SELECT * FROM graph_metrics")}
    assert roles["P-f:1"] == "distributor" and roles["P-f:4"] == "distributor"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"distributer_min_known_files": 3}, "distributer_min_known_files"),
        ({"consumer_min_degree": -1}, "consumer_min_degree"),
        ({"consumer_min_degree": "two"}, "consumer_min_degree"),
        ({"damping": 1.5}, "damping"),
    ],
)
def test_bad_network_settings_are_refused(
    sqlite_case: Case, settings: dict[str, Any], message: str
) -> None:
    set_case_settings(sqlite_case.root, "network", settings)
    with open_case(sqlite_case.root) as case, pytest.raises(CaseError, match=message):
        run_pipeline(case, stages=[Seed(), NetworkStage()])
