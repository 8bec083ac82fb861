"""The attribute stage: one country per person, with its confidence and evidence.

DuckDB does the heavy lifting: posts and messages become a 24-bin UTC-hour histogram per person
and IP sightings become counts per person, address and 30-day bucket (fine enough for a
half-life of months), so Python only sees a few rows per person. The pure functions in
``rescue.identity.attribute`` then weigh the evidence. One target, "all": a person may own
accounts on several forums.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, ClassVar

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.identity import attribute as attr
from rescue.identity.attribute import IpSighting, PersonSignals, Place
from rescue.identity.attribute_signals import load_zone_table
from rescue.stage import StageContext, fingerprint

OUTPUT = "attributions"
TOP_COUNTRIES = 10
BUCKET_SECONDS = 30 * 86400

SETTINGS = """
SELECT DISTINCT pa.person_id, a.timezone, a.lang
FROM person_accounts pa JOIN accounts a ON a.account_id = pa.account_id
"""
# The sign-up address only: an address quoted in a post may be someone else's.
EMAILS = """
SELECT DISTINCT pa.person_id, i.value
FROM identifiers i JOIN person_accounts pa ON pa.account_id = i.account_id
WHERE i.kind = 'email' AND i.origin_table = 'accounts' AND i.field = 'email'
"""
PLACES = """
SELECT pa.person_id, i.value AS city, i.detail AS country, count(*) AS mentions
FROM identifiers i JOIN person_accounts pa ON pa.account_id = i.account_id
WHERE i.kind = 'location' AND i.detail IS NOT NULL AND i.detail <> ''
GROUP BY ALL
"""
LOCATED = """
SELECT DISTINCT ON (ip) ip, country, network_kind, flag_reason
FROM ip_locations ORDER BY ip, database_date DESC NULLS LAST
"""
# Before geolocation has run every address is shown as not geolocated, and none votes.
NOT_LOCATED = """
SELECT NULL::VARCHAR AS ip, NULL::VARCHAR AS country, NULL::VARCHAR AS network_kind,
       NULL::VARCHAR AS flag_reason
WHERE false
"""
IPS = """
WITH located AS ({located})
SELECT pa.person_id, i.value AS ip, l.country,
       coalesce(l.network_kind, 'unknown') AS network_kind,
       CASE WHEN l.ip IS NULL THEN 'not geolocated' ELSE l.flag_reason END AS flag_reason,
       max(i.seen_at) AS seen_at, count(*) AS count
FROM identifiers i
JOIN person_accounts pa ON pa.account_id = i.account_id
LEFT JOIN located l ON l.ip = i.value
WHERE i.kind = 'ip'
GROUP BY pa.person_id, i.value, l.ip, l.country, l.network_kind, l.flag_reason,
         floor(epoch(i.seen_at) / {bucket})
"""
# Hours from epoch seconds: hour() would follow the session's time zone, not UTC.
HOURS = """
SELECT person_id, hour, sum(n) AS n FROM (
    {parts}
) GROUP BY person_id, hour
"""
HOUR_PART = """
    SELECT pa.person_id, CAST(((floor(epoch(t.{col}) / 3600) % 24) + 24) % 24 AS INTEGER) AS hour,
           count(*) AS n
    FROM {table} t JOIN person_accounts pa ON pa.account_id = t.account_id
    WHERE t.{col} IS NOT NULL
    GROUP BY ALL
"""


class AttributeStage:
    name: ClassVar[str] = "attribute"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = (
        "persons",
        "person_accounts",
        "accounts",
        "identifiers",
        "ip_locations",
        "posts",
        "messages",
    )
    outputs: ClassVar[tuple[str, ...]] = (OUTPUT,)

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "persons" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        # The tz database's version changes which countries a zone names: it is an input too.
        return {"tzdata": load_zone_table().version, "bucket_seconds": BUCKET_SECONDS}

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        return fingerprint(
            {t: sorted(p.file for p in tables.get(t, {}).values()) for t in self.inputs}
        )

    def run(self, ctx: StageContext) -> None:
        engine = ctx.case.engine()
        try:
            persons, signals = collect(engine)
        finally:
            engine.close()
        table = load_zone_table()
        if not table.countries:
            ctx.counts["zone_table"] = "missing: install tzdata for time-zone evidence"
        rows = []
        countries: Counter[str] = Counter()
        conflicts = 0
        for person in persons:
            result = attr.attribute(signals.get(person, PersonSignals()), table)
            rows.append(_row(person, result))
            if result.country:
                countries[result.country] += 1
            conflicts += result.conflict
        ctx.writer(OUTPUT).write_rows(rows)
        ctx.counts.update(
            {
                "persons": len(persons),
                "attributed": sum(countries.values()),
                "conflicts": conflicts,
                "countries": dict(countries.most_common(TOP_COUNTRIES)),
            }
        )


def _row(person: str, result: attr.Attribution) -> dict[str, Any]:
    evidence = [{**asdict(e), "weight": round(e.weight, 3)} for e in result.evidence]
    return {
        "source": "all",
        "person_id": person,
        "country": result.country,
        "confidence": result.confidence,
        "runner_up": result.runner_up,
        "conflict": result.conflict,
        "evidence": json.dumps(evidence, ensure_ascii=False),
    }


def collect(engine: Engine) -> tuple[list[str], dict[str, PersonSignals]]:
    """Every person id, and the signals of those that have any."""
    have = set(engine.tables())

    def query(sql: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = engine.query(sql).to_pylist()
        return rows

    persons = [r["person_id"] for r in query("SELECT person_id FROM persons ORDER BY person_id")]
    if "person_accounts" not in have:
        return persons, {}
    parts: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))

    def gather(sql: str, needs: set[str], into: str, make: Callable[[dict[str, Any]], Any]) -> None:
        if needs <= have:
            for row in query(sql):
                parts[row["person_id"]][into].append(make(row))

    gather(SETTINGS, {"accounts"}, "timezones", lambda r: r["timezone"] or "")
    gather(SETTINGS, {"accounts"}, "languages", lambda r: r["lang"] or "")
    gather(EMAILS, {"identifiers"}, "email_providers", lambda r: r["value"].rpartition("@")[2])
    gather(PLACES, {"identifiers"}, "places", lambda r: Place(**_without_person(r)))
    located = LOCATED if "ip_locations" in have else NOT_LOCATED
    ip_sql = IPS.format(located=located, bucket=BUCKET_SECONDS)
    gather(ip_sql, {"identifiers"}, "ips", lambda r: IpSighting(**_without_person(r)))
    hour_tables = [t for t in (("posts", "posted_at"), ("messages", "sent_at")) if t[0] in have]
    hours: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    if hour_tables:
        union = " UNION ALL ".join(HOUR_PART.format(table=t, col=c) for t, c in hour_tables)
        for row in query(HOURS.format(parts=union)):
            hours[row["person_id"]][row["hour"]] += int(row["n"])
    signals = {}
    for person in set(parts) | set(hours):
        got = parts.get(person, {})
        signals[person] = PersonSignals(
            ips=got.get("ips", []),
            places=got.get("places", []),
            timezones=got.get("timezones", []),
            languages=got.get("languages", []),
            email_providers=got.get("email_providers", []),
            hour_counts=hours.get(person, [0] * 24),
        )
    return persons, signals


def _without_person(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "person_id"}
