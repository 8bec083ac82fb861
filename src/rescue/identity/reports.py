"""Identity figures for the demo and the dashboard: persons, multi-account persons, countries."""

from __future__ import annotations

from typing import Any

from rescue.case import Case


def identity_summary(case: Case) -> dict[str, Any]:
    """Persons found, how many run several accounts, and persons per country (most first)."""
    tables = case.catalog.load().tables
    if "persons" not in tables:
        return {"persons": 0, "multi_account_persons": 0, "accounts_linked": 0, "countries": []}
    engine = case.engine()
    try:
        [head] = engine.query(
            "SELECT count(*) AS persons, "
            "count(*) FILTER (WHERE n_accounts > 1) AS multi_account_persons, "
            "coalesce(sum(n_accounts) FILTER (WHERE n_accounts > 1), 0) AS accounts_linked "
            "FROM persons"
        ).to_pylist()
        countries: list[dict[str, Any]] = []
        if "attributions" in tables:
            countries = engine.query(
                "SELECT coalesce(country, '??') AS country, count(*) AS persons, "
                "count(*) FILTER (WHERE conflict) AS conflicting, "
                "round(avg(confidence), 2) AS mean_confidence "
                "FROM attributions GROUP BY 1 ORDER BY persons DESC, country"
            ).to_pylist()
    finally:
        engine.close()
    return {**head, "countries": countries}
