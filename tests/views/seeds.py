"""A small hand-made lake for the views tests, written as the stages would (``lakehelp.Seed``).

    person  accounts   usernames            country  tier       rank  role         community
    P-f:1   f:1, f:2   alice_fox, alice2    GB       Very High  1     producer     0
    P-f:3   f:3        EVIL (markup)        GB       Low        5     consumer     0
    P-f:4   f:4        bruno                DE       High       2     distributor  1
    P-f:5   f:5        carla                DE       Medium     3     consumer     1
    P-f:6   f:6        dora                 FR       Medium     4     peripheral   1
    P-f:7   f:7        emil                 (none)   Low        6     peripheral   -1

Ties (graph_edges, from -> to): 1->4 reply 5, 4->1 message 2, 6->1 media 4, 1->3 quote 3,
5->1 friend 1, and between P-f:1's neighbours 4->5 thread 2 and 3->6 reply 1. So P-f:1's
neighbours, heaviest first: P-f:4 (7), P-f:6 (4), P-f:3 (3), P-f:5 (1).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rescue.case import Case
from rescue.pipeline import run_pipeline
from tests.lakehelp import Seed

EVIL = "<script>alert(\"x\")</script> & 'q' ]]>"
PERSONS: dict[str, tuple[list[str], list[str], str | None, str, float, int, str, int]] = {
    "P-f:1": (["f:1", "f:2"], ["alice_fox", "alice2"], "GB", "Very High", 80.0, 1, "producer", 0),
    "P-f:3": (["f:3"], [EVIL], "GB", "Low", 5.0, 5, "consumer", 0),
    "P-f:4": (["f:4"], ["bruno"], "DE", "High", 50.0, 2, "distributor", 1),
    "P-f:5": (["f:5"], ["carla"], "DE", "Medium", 30.0, 3, "consumer", 1),
    "P-f:6": (["f:6"], ["dora"], "FR", "Medium", 20.0, 4, "peripheral", 1),
    "P-f:7": (["f:7"], ["emil"], None, "Low", 1.0, 6, "peripheral", -1),
}
EDGES = [
    ("P-f:1", "P-f:4", "reply", 5),
    ("P-f:4", "P-f:1", "message", 2),
    ("P-f:6", "P-f:1", "media", 4),
    ("P-f:1", "P-f:3", "quote", 3),
    ("P-f:5", "P-f:1", "friend", 1),
    ("P-f:4", "P-f:5", "thread", 2),
    ("P-f:3", "P-f:6", "reply", 1),
]
EXPLANATION = [
    {"indicator": "producer", "value": 2.0, "weight": 35.0, "contribution": 35.0,
     "detail": "first to post 2 new picture clusters"},
    {"indicator": "meeting", "value": 0.0, "weight": 30.0, "contribution": 0.0, "detail": ""},
]  # fmt: skip
FEATURES = {
    "email_local": {"level": "Jaro-Winkler >= 0.9", "weight": 6.5},
    "locale": {"level": "same time zone and language", "weight": 4.4},
    "hard_identifiers": ["btc:bc1qexample"],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _seen(account: str, kind: str, value: str, when: str, table: str, field: str) -> dict[str, Any]:
    return {"account_id": account, "kind": kind, "value": value, "seen_at": at(when),
            "origin_table": table, "field": field}  # fmt: skip


IDENTIFIERS = [
    _seen("f:1", "email", "alice@example.org", "2020-01-01T00:00:00", "accounts", "email"),
    _seen("f:2", "email", "fox@example.net", "2021-02-01T00:00:00", "accounts", "email"),
    _seen("f:4", "ip", "192.0.2.7", "2021-03-01T00:00:00", "posts", "poster_ip"),
    _seen("f:4", "ip", "192.0.2.7", "2021-05-01T00:00:00", "messages", "author_ip"),
]
POSTS = [
    ("f:1", "2021-01-05T10:00:00"),
    ("f:2", "2021-01-20T10:00:00"),
    ("f:1", "2021-03-01T10:00:00"),
    ("f:4", "2021-02-01T10:00:00"),
]
LINK = {
    "account_a": "f:1",
    "account_b": "f:2",
    "match_weight": 12.5,
    "match_probability": 0.9998,
    "method": "model",
    "accepted": True,
    "reason": "email_local: Jaro-Winkler >= 0.9",
    "features": json.dumps(FEATURES),
}


def _evidence(country: str | None) -> str:
    found = [{"kind": "timezone", "country": country, "weight": 2.0, "detail": "profile time zone"}]
    return json.dumps(found if country else [])


def _identity() -> dict[str, list[dict[str, Any]]]:
    """What ingest, extract, link and attribute write."""
    accounts, persons, members, attributions = [], [], [], []
    for person, (ids, names, country, *_) in PERSONS.items():
        for i, account in enumerate(ids):
            accounts.append({"account_id": account, "user_id": int(account[2:]),
                             "username": names[min(i, len(names) - 1)], "kind": "member",
                             "is_person": True, "registered_at": at("2020-01-01T00:00:00"),
                             "posts_count": 1})  # fmt: skip
            members.append({"person_id": person, "account_id": account})
        linked_by = ["model"] if len(ids) > 1 else []
        persons.append({"person_id": person, "accounts": ids, "usernames": names,
                        "n_accounts": len(ids), "linked_by": linked_by})  # fmt: skip
        attributions.append({"person_id": person, "country": country, "runner_up": None,
                             "confidence": 0.9 if country else 0.0, "conflict": False,
                             "evidence": _evidence(country)})  # fmt: skip
    return {
        "accounts": accounts,
        "persons": persons,
        "person_accounts": members,
        "attributions": attributions,
        "identifiers": IDENTIFIERS,
        "account_links": [LINK],
        "posts": [
            {"post_id": n, "topic_id": 1, "account_id": account, "posted_at": at(when)}
            for n, (account, when) in enumerate(POSTS, start=1)
        ],
        "messages": [{"msg_id": 1, "account_id": "f:4", "sent_at": at("2021-02-02T10:00:00")}],
    }


def _triage() -> dict[str, list[dict[str, Any]]]:
    """What the network and triage stages write."""
    priorities, metrics = [], []
    for person, (_, _, _, tier, score, rank, role, community) in PERSONS.items():
        priorities.append({"person_id": person, "score": score, "rank": rank, "tier": tier,
                           "indicators": [f"rank {rank}"],
                           "explanation": json.dumps(EXPLANATION)})  # fmt: skip
        metrics.append({"person_id": person, "role": role, "community": community,
                        "role_reasons": [f"a {role}"], "pagerank": 0.1,
                        "degree": sum(1 for pair in _pairs() if person in pair)})  # fmt: skip
    edges = [{"from_person": a, "to_person": b, "kind": k, "weight": w} for a, b, k, w in EDGES]
    return {"priorities": priorities, "graph_metrics": metrics, "graph_edges": edges}


def tables(*, triaged: bool = True) -> dict[str, list[dict[str, Any]]]:
    """The lake; ``triaged=False`` leaves out what the network and triage stages write."""
    return {**_identity(), **(_triage() if triaged else {})}


def _pairs() -> set[frozenset[str]]:
    return {frozenset((a, b)) for a, b, _, _ in EDGES}


def seed(case: Case, **options: bool) -> None:
    """Write ``tables(**options)`` into the case's lake, as a stage run would."""
    [summary] = run_pipeline(case, stages=[Seed(tables(**options))])
    assert summary.status == "ok"
