"""``persons.jsonl``: one person per line, in the DESIGN.md contract, with the evidence behind it.

Contract fields: person_id, accounts [{source, user_id, username}], country, country_confidence,
priority, rank, indicators. Until the triage stage has run, priority and rank are null and
indicators empty: a missing score is not a low score. Further fields: the attribution evidence,
the identifiers (each with where and when it was seen), and the links that joined the accounts
with their match weights and reasons.

Persons are read in batches of ``BATCH`` so a case of 100,000 persons streams in bounded memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.security.audit import record

BATCH = 5000

_ACCOUNTS = """
SELECT pa.person_id,
       list({'source': a.source, 'user_id': a.user_id, 'username': a.username}
            ORDER BY a.account_id) AS accounts
FROM person_accounts pa JOIN accounts a ON a.account_id = pa.account_id
WHERE pa.person_id IN (SELECT unnest(?::VARCHAR[]))
GROUP BY pa.person_id
"""

_IDENTIFIERS = """
SELECT pa.person_id,
       list({{'kind': i.kind, 'value': i.value, 'detail': i.detail,
              'first_seen': i.first_seen, 'last_seen': i.last_seen, 'sightings': i.sightings,
              'account_id': i.account_id, 'where': i.places{ip_columns}}}
            ORDER BY i.kind, i.value) AS identifiers
FROM person_accounts pa
JOIN (
    SELECT account_id, kind, value, any_value(detail) AS detail,
           strftime(min(seen_at), '%Y-%m-%dT%H:%M:%SZ') AS first_seen,
           strftime(max(seen_at), '%Y-%m-%dT%H:%M:%SZ') AS last_seen,
           count(*) AS sightings,
           list(DISTINCT origin_table || '.' || field ORDER BY 1) AS places
    FROM identifiers WHERE account_id IS NOT NULL
    GROUP BY account_id, kind, value
) i ON i.account_id = pa.account_id
{ip_join}
WHERE pa.person_id IN (SELECT unnest(?::VARCHAR[]))
GROUP BY pa.person_id
"""

_LINKS = """
SELECT pa.person_id,
       list({'account_a': l.account_a, 'account_b': l.account_b, 'method': l.method,
             'match_weight': l.match_weight, 'match_probability': l.match_probability,
             'reason': l.reason} ORDER BY l.account_a, l.account_b, l.method) AS links
FROM account_links l JOIN person_accounts pa ON pa.account_id = l.account_a
WHERE l.accepted AND pa.person_id IN (SELECT unnest(?::VARCHAR[]))
GROUP BY pa.person_id
"""


def _by_person(engine: Engine, sql: str, persons: list[str], column: str) -> dict[str, Any]:
    rows = engine.query(sql, [persons]).to_pylist()
    return {row["person_id"]: row[column] for row in rows}


def _identifier_sql(engine: Engine) -> str:
    if "ip_locations" not in engine.tables():
        return _IDENTIFIERS.format(ip_columns="", ip_join="")
    return _IDENTIFIERS.format(
        ip_columns=", 'country': g.country, 'network_kind': g.network_kind",
        ip_join="LEFT JOIN ip_locations g ON i.kind = 'ip' AND g.ip = i.value",
    )


def _persons(engine: Engine) -> list[dict[str, Any]]:
    tables = set(engine.tables())
    select = ["p.person_id"]
    joins = []
    if "attributions" in tables:
        select += ["t.country", "t.confidence", "t.runner_up", "t.conflict", "t.evidence"]
        joins.append("LEFT JOIN attributions t ON t.person_id = p.person_id")
    if "priorities" in tables:  # written by the triage stage
        select += ["r.score AS priority", "r.rank", "r.indicators"]
        joins.append("LEFT JOIN priorities r ON r.person_id = p.person_id")
    order = "r.rank NULLS LAST, p.person_id" if "priorities" in tables else "p.person_id"
    sql = f"SELECT {', '.join(select)} FROM persons p {' '.join(joins)} ORDER BY {order}"
    rows: list[dict[str, Any]] = engine.query(sql).to_pylist()
    return rows


def iter_persons(case: Case) -> Iterator[dict[str, Any]]:
    """Every person as the JSON object ``persons.jsonl`` holds, most urgent first when ranked."""
    case.require_table("persons")
    engine = case.engine()
    try:
        heads = _persons(engine)
        identifier_sql = _identifier_sql(engine)
        for start in range(0, len(heads), BATCH):
            batch = heads[start : start + BATCH]
            ids = [row["person_id"] for row in batch]
            accounts = _by_person(engine, _ACCOUNTS, ids, "accounts")
            identifiers = _by_person(engine, identifier_sql, ids, "identifiers")
            links = _by_person(engine, _LINKS, ids, "links")
            for row in batch:
                person = row["person_id"]
                yield _record(row, accounts.get(person, []), identifiers.get(person, []),
                              links.get(person, []))  # fmt: skip
    finally:
        engine.close()


def _record(
    row: dict[str, Any],
    accounts: list[dict[str, Any]],
    identifiers: list[dict[str, Any]],
    links: list[dict[str, Any]],
) -> dict[str, Any]:
    evidence = json.loads(row["evidence"]) if row.get("evidence") else []
    indicators = row.get("indicators") or []
    return {
        "person_id": row["person_id"],
        "accounts": accounts,
        "country": row.get("country"),
        "country_confidence": row.get("confidence") or 0.0,
        "priority": row.get("priority"),
        "rank": row.get("rank"),
        "indicators": list(indicators),
        "country_runner_up": row.get("runner_up"),
        "country_conflict": bool(row.get("conflict")),
        "attribution_evidence": evidence,
        "identifiers": identifiers,
        "links": links,
    }


def export_persons(case: Case, out: Path, *, actor: str = "system", source: str = "cli") -> int:
    """Write persons.jsonl; returns the number of persons written. Audited as ``export``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for person in iter_persons(case):
            handle.write(json.dumps(person, ensure_ascii=False, sort_keys=True, default=str))
            handle.write("\n")
            count += 1
    tmp.replace(out)  # a reader never sees half a file
    detail = {"what": "persons", "count": count, "file": out.name}
    record(case, actor, "export", target=str(out)[:300], detail=detail, source=source)
    return count
