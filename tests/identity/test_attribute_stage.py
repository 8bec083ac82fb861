"""The attribute stage over a real case lake: input tables written by a throwaway stage."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from rescue.case import Case
from rescue.identity.attribute_stage import AttributeStage
from rescue.pipeline import run_pipeline
from rescue.stage import Stage
from tests.lakehelp import Seed, rows

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _evening_times(offset: int, n: int) -> list[datetime]:
    """Post times of someone ``offset`` hours east of UTC: evenings plus some daytime posts."""
    rng = random.Random(offset)
    times = []
    for i in range(n):
        local = rng.gauss(20.5, 1.5) if rng.random() < 0.85 else rng.uniform(7, 24)
        day = NOW - timedelta(days=i % 300)
        times.append(day + timedelta(hours=local - offset))
    return times


def _ip(account: str, address: str, days_ago: int) -> dict[str, Any]:
    when = NOW - timedelta(days=days_ago)
    return {"account_id": account, "kind": "ip", "value": address, "seen_at": when}


def _tables() -> dict[str, list[dict[str, Any]]]:
    people = {
        "P-f:1": ["f:1"],  # German behind a VPN
        "P-f:2": ["f:2", "f:3"],  # French, two accounts
        "P-f:4": ["f:4"],  # nothing known
        "P-f:5": ["f:5"],  # lives in the US by its addresses, claims Germany
    }
    settings = {
        "f:1": ("Europe/Berlin", "de", "x@post.de.example"),
        "f:2": ("", "en", "y@gmail.com"),
        "f:3": ("Europe/Paris", "fr", "y@orange.fr"),
        "f:4": ("UTC", "", "z@inbox.example"),
        "f:5": ("Europe/Berlin", "de", "w@globalmail.example"),
    }
    identifiers: list[dict[str, Any]] = [
        {"account_id": a, "kind": "email", "value": mail, "origin_table": "accounts",
         "field": "email"}
        for a, (_, _, mail) in settings.items()
    ]  # fmt: skip
    identifiers += [
        {"account_id": "f:1", "kind": "location", "value": "Köln", "detail": "DE"},
        {"account_id": "f:5", "kind": "location", "value": "München", "detail": "DE"},
        {"account_id": "f:2", "kind": "email", "value": "ceo@web.de", "origin_table": "posts",
         "field": "text"},  # someone else's address quoted in a post: not counted
        {"account_id": None, "kind": "ip", "value": "203.0.113.9", "seen_at": NOW},  # a guest
    ]  # fmt: skip
    identifiers += [_ip("f:1", "198.51.100.7", d) for d in range(0, 200, 4)]
    identifiers += [_ip("f:2", "192.0.2.20", d) for d in range(0, 90, 3)]
    identifiers += [_ip("f:5", "192.0.2.50", d) for d in range(0, 300, 2)]
    identifiers += [_ip("f:5", "192.0.2.99", 1)]  # not geolocated
    located = [
        ("198.51.100.7", "NL", "vpn", "ASN name matches 'M247'"),
        ("192.0.2.20", "FR", "residential", None),
        ("192.0.2.50", "US", "residential", None),
        ("203.0.113.9", "SE", "residential", None),
    ]
    posts = [
        {"post_id": i, "account_id": "f:1", "posted_at": t}
        for i, t in enumerate(_evening_times(1, 700))
    ]
    messages = [
        {"msg_id": i, "account_id": "f:1", "sent_at": t}
        for i, t in enumerate(_evening_times(1, 300))
    ]
    return {
        "persons": [
            {"person_id": p, "accounts": a, "n_accounts": len(a)} for p, a in people.items()
        ],
        "person_accounts": [
            {"person_id": p, "account_id": a} for p, accounts in people.items() for a in accounts
        ],
        "accounts": [
            {"account_id": a, "timezone": tz, "lang": lang, "email": mail, "is_person": True}
            for a, (tz, lang, mail) in settings.items()
        ],
        "identifiers": identifiers,
        "ip_locations": [
            {"ip": ip, "country": c, "network_kind": k, "flag_reason": r, "database": "test"}
            for ip, c, k, r in located
        ],
        "posts": posts,
        "messages": messages,
    }


def _attributions(case: Case) -> dict[str, dict[str, Any]]:
    found = rows(case, "SELECT * FROM attributions ORDER BY person_id")
    return {r["person_id"]: {**r, "evidence": json.loads(r["evidence"])} for r in found}


def test_stage_attributes_every_person(sqlite_case: Case) -> None:
    stages: list[Stage] = [Seed(_tables()), AttributeStage()]
    summaries = run_pipeline(sqlite_case, stages=stages)
    assert [(s.stage, s.target, s.status) for s in summaries] == [
        ("seed", "forum", "ok"),
        ("attribute", "all", "ok"),
    ]
    counts = summaries[1].counts
    assert (counts["persons"], counts["attributed"], counts["conflicts"]) == (4, 3, 1)
    assert counts["countries"] == {"DE": 2, "FR": 1}

    found = _attributions(sqlite_case)
    assert sorted(found) == ["P-f:1", "P-f:2", "P-f:4", "P-f:5"]
    assert {p: r["country"] for p, r in found.items()} == {
        "P-f:1": "DE",
        "P-f:2": "FR",
        "P-f:4": None,
        "P-f:5": "DE",
    }

    vpn = found["P-f:1"]
    assert not vpn["conflict"] and vpn["confidence"] > 0.8
    kinds = {e["kind"] for e in vpn["evidence"]}
    assert kinds == {"ip", "location", "timezone", "language", "email", "rhythm"}
    [exit_node] = [e for e in vpn["evidence"] if e["kind"] == "ip"]
    assert exit_node["country"] == "NL" and exit_node["weight"] == 0
    assert "vpn" in exit_node["detail"] and "50 sighting" in exit_node["detail"]
    # Hours come from epoch seconds, so posts and messages fit the zone they were made in.
    rhythm = [e for e in vpn["evidence"] if e["kind"] == "rhythm"]
    assert {e["country"] for e in rhythm} == {"DE", "AT", "CH"}  # the candidates at UTC+1
    detail = rhythm[0]["detail"]
    assert "UTC+1" in detail or "UTC+2" in detail
    assert "1000 posts and messages" in detail
    assert set(vpn["evidence"][0]) == {"kind", "country", "weight", "detail"}

    french = found["P-f:2"]
    assert {e["kind"] for e in french["evidence"]} == {"ip", "timezone", "language", "email"}
    mail = [e for e in french["evidence"] if e["kind"] == "email"]
    assert [e["detail"] for e in mail] == ["e-mail at orange.fr: national provider"]

    nothing = found["P-f:4"]
    assert (nothing["confidence"], nothing["runner_up"], nothing["conflict"]) == (0.0, None, False)

    contested = found["P-f:5"]
    assert contested["conflict"] and contested["runner_up"] == "US"
    assert contested["confidence"] < vpn["confidence"]
    unlocated = [e for e in contested["evidence"] if e["country"] is None]
    assert unlocated and "not geolocated" in unlocated[0]["detail"]

    again = run_pipeline(sqlite_case, stages=stages)
    assert [s.status for s in again] == ["skipped", "skipped"]


def test_stage_runs_before_geolocation(sqlite_case: Case) -> None:
    stages: list[Stage] = [
        Seed({t: r for t, r in _tables().items() if t != "ip_locations"}),
        AttributeStage(),
    ]
    summaries = run_pipeline(sqlite_case, stages=stages)
    assert [s.status for s in summaries] == ["ok", "ok"]
    found = _attributions(sqlite_case)
    addresses = [e for e in found["P-f:5"]["evidence"] if e["kind"] == "ip"]
    assert addresses and all(e["weight"] == 0 for e in addresses)
    assert all("not geolocated" in e["detail"] for e in addresses)
    assert found["P-f:5"]["country"] == "DE" and not found["P-f:5"]["conflict"]


def test_no_persons_no_target(sqlite_case: Case) -> None:
    assert AttributeStage().targets(sqlite_case) == []
