"""What the operation side reads from the evidence lake: which persons exist, where they are.

Every table may be absent (a case before its first run, or a stage that has not run yet): a
missing table means "not known yet", never an error here. Unknown places go under ``UNKNOWN``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.errors import InputError

UNKNOWN = "unknown"
_SHOWN = 5  # unknown persons named in one error message


@contextmanager
def lake(case: Case) -> Iterator[Engine]:
    engine = case.engine()
    try:
        yield engine
    finally:
        engine.close()


def rows(engine: Engine, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = engine.query(sql, params).to_pylist()
    return result


def require_persons(case: Case, person_ids: Iterable[str]) -> None:
    """Refuse person ids the lake does not hold; before the link stage has run, accept any."""
    wanted = sorted(set(person_ids))
    with lake(case) as engine:
        if "persons" not in engine.tables() or not wanted:
            return
        found = rows(
            engine,
            "SELECT DISTINCT person_id FROM persons WHERE person_id IN (SELECT unnest(?))",
            [wanted],
        )
    missing = sorted(set(wanted) - {r["person_id"] for r in found})
    if missing:
        shown = ", ".join(missing[:_SHOWN]) + (
            f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
        )
        raise InputError(
            f"no person {shown} in this case",
            "person ids look like P-forum:123; list them with: rescue export persons "
            "--case CASE_DIR -o persons.jsonl",
        )


def person_countries(case: Case) -> dict[str, str | None]:
    """Each attributed person's country (None where nothing points anywhere)."""
    with lake(case) as engine:
        if "attributions" not in engine.tables():
            return {}
        found = rows(
            engine,
            "SELECT person_id, any_value(country) AS country FROM attributions GROUP BY person_id",
        )
    return {r["person_id"]: r["country"] for r in found}


def members_by_country(case: Case) -> dict[str, int]:
    """Member accounts per country of the person they belong to.

    Every member account counts once: those of persons without a country, and those not yet
    linked to any person, count under ``UNKNOWN``; so the rows add up to the forum's members.
    Bots and the Anonymous account are no members.
    """
    with lake(case) as engine:
        tables = set(engine.tables())
        if "accounts" in tables:
            base = "SELECT DISTINCT account_id FROM accounts WHERE coalesce(is_person, true)"
        elif "person_accounts" in tables:
            base = "SELECT DISTINCT account_id FROM person_accounts"
        else:
            return {}
        if {"person_accounts", "attributions"} <= tables:
            placed = (
                "SELECT pa.account_id, any_value(t.country) AS country FROM person_accounts pa "
                "JOIN attributions t ON t.person_id = pa.person_id GROUP BY pa.account_id"
            )
        else:
            placed = "SELECT NULL::VARCHAR AS account_id, NULL::VARCHAR AS country WHERE false"
        found = rows(
            engine,
            f"WITH members AS ({base}), placed AS ({placed}) "
            f"SELECT coalesce(p.country, '{UNKNOWN}') AS country, count(*) AS n "
            "FROM members m LEFT JOIN placed p ON p.account_id = m.account_id GROUP BY 1",
        )
    return {r["country"]: int(r["n"]) for r in found}
