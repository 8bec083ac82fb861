"""End to end: a synthetic operation's accounts linked into persons, checked against the truth."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rescue.case import Case, init_case
from rescue.identity.decisions import record_ruling
from rescue.identity.evaluation import pairwise_scores
from rescue.pipeline import run_pipeline
from tests.lakehelp import ingest, rows

if TYPE_CHECKING:
    from rescue.synth import SynthResult

LINK_STAGES = ["extract", "geolocate", "link"]


def _truth(forum: SynthResult) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads(forum.ground_truth_path.read_text(encoding="utf-8"))
    return truth


def _true_persons(truth: dict[str, Any]) -> dict[str, int]:
    return {
        f"forum:{a['user_id']}": a["person_id"]
        for a in truth["accounts"]
        if a["person_id"] is not None
    }


def _persons(case: Case) -> dict[str, str]:
    return {r["account_id"]: r["person_id"] for r in rows(case, "SELECT * FROM person_accounts")}


def _link(case: Case, forum: SynthResult) -> None:
    ingest(case, forum.dump_path, files=forum.files_dir, avatars=forum.avatars_dir)
    run_pipeline(case, only=LINK_STAGES)


@pytest.fixture(scope="module")
def linked(
    tmp_path_factory: pytest.TempPathFactory, linkage_forum: SynthResult
) -> tuple[Case, SynthResult]:
    case = init_case(tmp_path_factory.mktemp("linked") / "case")
    _link(case, linkage_forum)
    return case, linkage_forum


def test_linkage_meets_the_accuracy_targets(linked: tuple[Case, SynthResult]) -> None:
    case, forum = linked
    truth = _true_persons(_truth(forum))
    found = _persons(case)
    assert set(found) == set(truth)  # every person account is in exactly one person
    scores = pairwise_scores(found, truth)
    assert scores.true > 300  # the forum really has multi-account persons to find
    assert scores.precision >= 0.99, scores
    assert scores.f1 >= 0.97, scores


def test_shared_vpn_exits_never_link_strangers(linked: tuple[Case, SynthResult]) -> None:
    case, forum = linked
    truth = _truth(forum)
    exits = {item["ip"] for item in truth["shared_ips"]}
    person_of = _true_persons(truth)
    users: dict[str, set[str]] = defaultdict(set)
    for row in rows(case, "SELECT account_id, value FROM identifiers WHERE kind = 'ip'"):
        if row["value"] in exits and row["account_id"] in person_of:
            users[row["value"]].add(row["account_id"])
    strangers = [
        (a, b)
        for accounts in users.values()
        for a in accounts
        for b in accounts
        if a < b and person_of[a] != person_of[b]
    ]
    assert len(strangers) > 100  # exits really are shared by unrelated persons
    found = _persons(case)
    wrongly_joined = [(a, b) for a, b in strangers if found[a] == found[b]]
    assert wrongly_joined == []
    reasons = rows(case, "SELECT reason FROM account_links WHERE accepted")
    assert not any(r["reason"] == "addresses: 1+ addresses, other times" for r in reasons)


def test_every_link_explains_itself(linked: tuple[Case, SynthResult]) -> None:
    case, _forum = linked
    links = rows(case, "SELECT * FROM account_links WHERE accepted")
    assert {r["method"] for r in links} <= {"model", "deterministic"}
    assert any(r["method"] == "model" for r in links)
    for link in links:
        features = json.loads(link["features"])
        assert link["reason"]
        if link["method"] == "model":
            assert link["match_weight"] is not None
            positive = [n for n, f in features.items() if f["weight"] > 0]
            assert positive and all(name in link["reason"] for name in positive)
        else:
            assert features["hard_identifiers"]
            assert link["reason"].startswith("same ")
    persons = rows(case, "SELECT * FROM persons WHERE n_accounts > 1")
    assert persons and all(p["linked_by"] for p in persons)


def test_rulings_win_on_the_next_run(case: Case, small_forum: SynthResult) -> None:
    _link(case, small_forum)
    found = _persons(case)
    members: dict[str, list[str]] = defaultdict(list)
    for account, person in found.items():
        members[person].append(account)
    pair = sorted(next(g for g in members.values() if len(g) == 2))
    loners = sorted(a for a, p in found.items() if len(members[p]) == 1)[:2]

    record_ruling(case, pair[0], pair[1], "different", analyst="ana", reason="two households")
    record_ruling(case, loners[0], loners[1], "same", analyst="ana", reason="confession")
    summaries = run_pipeline(case, only=LINK_STAGES)
    assert [(s.stage, s.status) for s in summaries if s.stage == "link"] == [("link", "ok")]

    after = _persons(case)
    assert after[pair[0]] != after[pair[1]]
    assert after[loners[0]] == after[loners[1]]
    forced = rows(case, "SELECT * FROM account_links WHERE method = 'analyst'")
    assert [(f["account_a"], f["account_b"], f["accepted"]) for f in forced] == [
        (loners[0], loners[1], True)
    ]
    assert "confession" in forced[0]["reason"]

    # A later ruling replaces an earlier one for the same pair.
    record_ruling(case, pair[1], pair[0], "same", analyst="bo", reason="same signature")
    run_pipeline(case, only=LINK_STAGES)
    assert _persons(case)[pair[0]] == _persons(case)[pair[1]]


def test_ruling_errors_say_what_to_do(sqlite_case: Case) -> None:
    from rescue.errors import InputError

    with pytest.raises(InputError, match="not an account id"):
        record_ruling(sqlite_case, "17", "forum:2", "same", analyst="a", reason="x")
    with pytest.raises(InputError, match="unknown ruling"):
        record_ruling(sqlite_case, "forum:1", "forum:2", "maybe", analyst="a", reason="x")
    with pytest.raises(InputError, match="reason"):
        record_ruling(sqlite_case, "forum:1", "forum:2", "same", analyst="a", reason=" ")
    with pytest.raises(InputError, match="both accounts are forum:1"):
        record_ruling(sqlite_case, "forum:1", "forum:1", "same", analyst="a", reason="x")


def test_export_persons_follows_the_contract(
    linked: tuple[Case, SynthResult], tmp_path: Path
) -> None:
    from rescue.identity.persons_export import export_persons

    case, _forum = linked
    out = tmp_path / "persons.jsonl"
    n = export_persons(case, out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert n == len(lines) == len(rows(case, "SELECT person_id FROM persons"))
    seen: set[tuple[str, int]] = set()
    for person in lines:
        assert {"person_id", "accounts", "country", "country_confidence", "priority", "rank",
                "indicators"} <= set(person)  # fmt: skip
        assert 0.0 <= person["country_confidence"] <= 1.0
        assert isinstance(person["indicators"], list)
        for account in person["accounts"]:
            assert set(account) == {"source", "user_id", "username"}
            key = (account["source"], account["user_id"])
            assert key not in seen
            seen.add(key)
        if len(person["accounts"]) > 1:
            assert person["links"]
        assert all(i["account_id"] and i["where"] for i in person["identifiers"])
    assert len(seen) == len(_persons(case))


def test_the_trained_model_is_kept_for_the_analyst(linked: tuple[Case, SynthResult]) -> None:
    case, _forum = linked
    model = rows(case, "SELECT * FROM link_model")
    [prior] = [r for r in model if r["comparison"] == "(prior)"]
    assert 0 < prior["m_probability"] < 0.01 and prior["match_weight"] < 0
    names = {r["comparison"] for r in model} - {"(prior)"}
    assert {"username", "email_local", "addresses", "signature", "locale"} <= names
    trained = [r for r in model if r["comparison"] != "(prior)" and r["match_weight"] is not None]
    assert all(0 < r["m_probability"] <= 1 and 0 < r["u_probability"] <= 1 for r in trained)
    # Every level a link reports is a level of the stored model, with the same weight.
    levels = {(r["comparison"], r["level"]): r["match_weight"] for r in trained}
    link = rows(case, "SELECT features FROM account_links WHERE method = 'model' LIMIT 1")[0]
    for name, item in json.loads(link["features"]).items():
        if (name, item["level"]) in levels and "frequency_adjustment" not in item:
            assert abs(levels[(name, item["level"])] - item["weight"]) < 0.01
