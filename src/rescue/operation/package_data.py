"""What a referral package says about each person, read from the evidence lake.

A partner force needs enough to decide and act without our tools: who (accounts, identifiers),
why there (the attribution evidence), how urgent (the priority and its indicators), what they
did (activity by month, known material by category, new material they posted first) and with
whom (their place in the network). Material appears as counts and hashes only: the package
carries no media and no file from the seizure.

The identity part comes from ``iter_persons`` (the persons.jsonl export), so the package and
the export cannot disagree. The rest is read here; a table a stage has not written yet (no hash
list imported, no network stage run) leaves its part empty, and the package says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.identity.persons_export import iter_persons
from rescue.operation.lake import lake, rows

# What iter_persons reads, and the attribution that decides the country: without them there is
# nothing to refer, so they are required; every other table is optional.
REQUIRED = (
    "persons",
    "person_accounts",
    "accounts",
    "identifiers",
    "account_links",
    "attributions",
)
TIES_SHOWN = 10  # strongest ties per person; the degree says how many there are in all
UNCATEGORISED = "uncategorised"
_IDS = "(SELECT unnest(?::VARCHAR[]))"

_ACCOUNTS = f"""
SELECT pa.person_id, a.account_id, a.source, a.user_id, a.username, a.kind,
       a.registered_at, a.last_visit_at, a.posts_count
FROM person_accounts pa JOIN accounts a ON a.account_id = pa.account_id
WHERE pa.person_id IN {_IDS}
ORDER BY pa.person_id, a.account_id
"""

_PRIORITY = f"SELECT person_id, tier, explanation FROM priorities WHERE person_id IN {_IDS}"

# Months in UTC, whatever the machine's time zone: the same package on every machine.
_ACTIVITY = """
SELECT pa.person_id, strftime(timezone('UTC', x.at), '%Y-%m') AS month,
       count(*) FILTER (WHERE x.what = 'post') AS posts,
       count(*) FILTER (WHERE x.what = 'message') AS messages,
       min(x.at) AS first_at, max(x.at) AS last_at
FROM ({union}) x JOIN person_accounts pa ON pa.account_id = x.account_id
WHERE x.at IS NOT NULL AND pa.person_id IN {ids}
GROUP BY ALL ORDER BY pa.person_id, month
"""
_ACTIVITY_PARTS = {
    "posts": "SELECT account_id, posted_at AS at, 'post' AS what FROM posts",
    "messages": "SELECT account_id, sent_at AS at, 'message' AS what FROM messages",
}

# A file is counted once per category however many known entries it matched; "near" are
# files matched perceptually only (a re-encoded or resized copy of known material).
_MATERIAL = f"""
SELECT pa.person_id, coalesce(nullif(m.category, ''), '{UNCATEGORISED}') AS category,
       count(DISTINCT m.source || ':' || m.file) AS files,
       count(DISTINCT m.source || ':' || m.file) FILTER (WHERE m.match_type = 'exact') AS exact,
       count(DISTINCT a.source || ':' || a.attach_id) AS times_posted,
       list(DISTINCT m.sha256 ORDER BY m.sha256) FILTER (WHERE m.sha256 IS NOT NULL) AS sha256,
       list(DISTINCT m.known_id ORDER BY m.known_id)
           FILTER (WHERE m.known_id IS NOT NULL) AS known_ids
FROM matches m
JOIN attachments a ON a.source = m.source AND a.attach_id = m.attachment_id
JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id
WHERE m.role = 'attachment' AND pa.person_id IN {_IDS}
GROUP BY ALL ORDER BY pa.person_id, files DESC, category
"""

_NEW_MATERIAL = """
SELECT pa.person_id, c.cluster_id, c.priority, c.files, c.attachments AS times_posted,
       c.posters, c.first_seen_at, c.first_account_id, c.first_place, c.last_seen_at,
       c.representative_pdq, {hashes} AS member_hashes
FROM media_clusters c JOIN person_accounts pa ON pa.account_id = c.first_account_id
{join}
WHERE pa.person_id IN {ids}
ORDER BY pa.person_id, c.priority, c.cluster_id
"""
_MEMBER_HASHES = """
LEFT JOIN (
    SELECT cm.cluster_id, list({'sha256': h.sha256, 'pdq': h.pdq} ORDER BY h.sha256) AS hashes
    FROM (SELECT cluster_id, unnest(members) AS member FROM media_clusters) cm
    JOIN media_hashes h ON h.role = 'attachment' AND h.source || ':' || h.file = cm.member
    GROUP BY cm.cluster_id
) mh ON mh.cluster_id = c.cluster_id
"""

_METRICS = f"""
SELECT person_id, role, role_reasons, degree, pagerank, betweenness, kcore, community,
       community_size, seeded_spread
FROM graph_metrics WHERE person_id IN {_IDS}
"""

# Ties both ways: a reply from A to B and one from B to A are one relationship to a partner.
_TIES = f"""
WITH ties AS (
    SELECT from_person AS person_id, to_person AS other, kind, weight FROM graph_edges
    UNION ALL
    SELECT to_person, from_person, kind, weight FROM graph_edges
)
SELECT t.person_id, t.other AS tied_to, list(DISTINCT t.kind ORDER BY t.kind) AS kinds,
       sum(t.weight)::BIGINT AS weight, any_value(x.country) AS country
FROM ties t LEFT JOIN attributions x ON x.person_id = t.other
WHERE t.person_id IN {_IDS} AND t.other <> t.person_id
GROUP BY t.person_id, t.other
QUALIFY row_number() OVER (PARTITION BY t.person_id ORDER BY sum(t.weight) DESC, t.other)
        <= {TIES_SHOWN}
ORDER BY t.person_id, weight DESC, tied_to
"""


def persons_by_country(
    case: Case, countries: Iterable[str] | None
) -> dict[str, list[dict[str, Any]]]:
    """country -> its attributed persons, most urgent first (by rank; unranked last, by id).

    Each person is a JSON-ready dict; persons without a country are in no package."""
    for table in REQUIRED:
        case.require_table(table)
    wanted = set(countries) if countries is not None else None
    found: dict[str, list[dict[str, Any]]] = {}
    for person in iter_persons(case):
        country = person["country"]
        if country is not None and (wanted is None or country in wanted):
            found.setdefault(country, []).append(person)
    ids = [p["person_id"] for persons in found.values() for p in persons]
    if ids:
        with lake(case) as engine:
            details = _details(engine, ids)
        for persons in found.values():
            for person in persons:
                _merge(person, details)
    return {c: plain(found[c]) for c in sorted(found)}


def _details(engine: Engine, ids: list[str]) -> dict[str, dict[str, Any]]:
    """part -> person_id -> what that part says (a row or a list of rows)."""
    tables = set(engine.tables())
    parts: dict[str, dict[str, Any]] = {
        "accounts": _grouped(engine, _ACCOUNTS, ids),
        "priority": {},
        "activity": {},
        "material": {},
        "new_material": {},
        "metrics": {},
        "ties": {},
    }
    if "priorities" in tables:
        parts["priority"] = {r["person_id"]: r for r in rows(engine, _PRIORITY, [ids])}
    present = [sql for table, sql in _ACTIVITY_PARTS.items() if table in tables]
    if present:
        sql = _ACTIVITY.format(union=" UNION ALL ".join(present), ids=_IDS)
        parts["activity"] = _grouped(engine, sql, ids)
    if {"matches", "attachments"} <= tables:
        parts["material"] = _grouped(engine, _MATERIAL, ids)
    if "media_clusters" in tables:
        hashed = "media_hashes" in tables
        sql = _NEW_MATERIAL.format(
            hashes="coalesce(mh.hashes, [])" if hashed else "[]",
            join=_MEMBER_HASHES if hashed else "",
            ids=_IDS,
        )
        parts["new_material"] = _grouped(engine, sql, ids)
    if "graph_metrics" in tables:
        parts["metrics"] = {r.pop("person_id"): r for r in rows(engine, _METRICS, [ids])}
    if "graph_edges" in tables:
        parts["ties"] = _grouped(engine, _TIES, ids)
    return parts


def _grouped(engine: Engine, sql: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows(engine, sql, [ids]):
        found.setdefault(row.pop("person_id"), []).append(row)
    return found


def _merge(person: dict[str, Any], details: dict[str, dict[str, Any]]) -> None:
    pid = person["person_id"]
    person["accounts"] = details["accounts"].get(pid, [])
    # priority (the score), rank and indicators are iter_persons' already, as in persons.jsonl.
    priority = details["priority"].get(pid) or {}
    person["tier"] = priority.get("tier")
    explanation = priority.get("explanation")
    person["priority_explanation"] = json.loads(explanation) if explanation else []
    months = details["activity"].get(pid, [])
    person["activity"] = {
        "first_active_at": min((m.pop("first_at") for m in months), default=None),
        "last_active_at": max((m.pop("last_at") for m in months), default=None),
        "posts": sum(m["posts"] for m in months),
        "messages": sum(m["messages"] for m in months),
        "by_month": months,
    }
    categories = details["material"].get(pid, [])
    for c in categories:
        c["near"] = c["files"] - c["exact"]
        c["sha256"], c["known_ids"] = c["sha256"] or [], c["known_ids"] or []
    person["known_material"] = {
        "files": len({h for c in categories for h in c["sha256"]}),
        "by_category": categories,
    }
    person["new_material"] = details["new_material"].get(pid, [])
    metrics = details["metrics"].get(pid)
    # Ties without metrics cannot be: the network stage writes both or neither.
    person["network"] = (
        {**metrics, "ties": details["ties"].get(pid, [])} if metrics is not None else None
    )


def plain(value: Any) -> Any:
    """JSON-ready: times as UTC ISO 8601 with Z, tuples as lists, decimals as numbers."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):  # DuckDB sums integers into HUGEINT, handed over as Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
