"""The priority list as people read it: the top persons with their country and reasons."""

from __future__ import annotations

import json
from typing import Any

from rescue.case import Case


def priority_list(
    case: Case, *, limit: int | None = 20, country: str | None = None
) -> list[dict[str, Any]]:
    """Persons in priority order: rank, score, tier, country, usernames, indicators, explanation."""
    case.require_table("priorities")
    engine = case.engine()
    try:
        attributed = "attributions" in engine.tables()
        country_sql = "t.country" if attributed else "CAST(NULL AS VARCHAR)"
        join = "LEFT JOIN attributions t ON t.person_id = r.person_id" if attributed else ""
        where, params = "", []
        if country:
            if not attributed:
                return []
            where, params = "WHERE t.country = ?", [country.upper()]
        sql = (
            f"SELECT r.rank, r.person_id, r.score, r.tier, {country_sql} AS country, "
            f"p.usernames, r.indicators, r.explanation FROM priorities r "
            f"JOIN persons p ON p.person_id = r.person_id {join} {where} ORDER BY r.rank"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows: list[dict[str, Any]] = engine.query(sql, params).to_pylist()
    finally:
        engine.close()
    for row in rows:
        row["explanation"] = json.loads(row["explanation"])
    return rows
