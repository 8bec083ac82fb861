"""End to end: ingest a synthetic forum, run the extract stage, check it against the truth."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from rescue.case import Case
from rescue.identity import extract_stage
from rescue.pipeline import run_pipeline
from rescue.synth.gazetteer import CITY_COUNTRY
from tests.lakehelp import ingest, rows

if TYPE_CHECKING:
    from rescue.synth import SynthResult


def _expected(kind: str, value: str) -> tuple[str, str]:
    """A ground-truth disclosure as the (kind, normalised value) the stage should emit."""
    if kind == "bitcoin":
        return "btc", value.lower() if value.lower().startswith("bc1") else value
    if kind == "pgp":
        return "pgp", value.replace(" ", "").upper()
    if kind == "phone":
        return "phone", "+" + "".join(c for c in value if c.isdigit())
    return kind, value


def test_extract_finds_every_disclosure(case: Case, small_forum: SynthResult) -> None:
    ingest(case, small_forum.dump_path)
    summaries = run_pipeline(case, only=["extract"])
    assert [(s.stage, s.target, s.status) for s in summaries] == [("extract", "forum", "ok")]

    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    details: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for row in rows(case, "SELECT account_id, kind, value, detail FROM identifiers"):
        found[row["account_id"]].add((row["kind"], row["value"]))
        details[(row["account_id"], row["kind"], row["value"])].add(row["detail"])

    truth: dict[str, Any] = json.loads(small_forum.ground_truth_path.read_text(encoding="utf-8"))
    checked: defaultdict[str, int] = defaultdict(int)
    for item in truth["disclosures"]:
        kind, value, account = item["kind"], item["value"], f"forum:{item['user_id']}"
        if kind == "travel":
            continue  # a place visited says nothing about where the person lives
        checked[kind] += 1
        if kind == "messenger":
            handles = {v for k, v in found[account] if k == "handle"}
            assert any(v.endswith(":" + value) for v in handles), (item, handles)
            continue
        assert _expected(kind, value) in found[account], item
        if kind == "location":
            assert CITY_COUNTRY[value] in details[(account, "location", value)]
    for kind in ("bitcoin", "pgp", "location", "occupation"):
        assert checked[kind] > 0, f"the fixture disclosed no {kind}"

    accounts = rows(
        case, "SELECT account_id, registration_ip FROM accounts WHERE registration_ip <> ''"
    )
    registered = {
        (r["account_id"], r["value"])
        for r in rows(
            case,
            "SELECT account_id, value FROM identifiers "
            "WHERE kind = 'ip' AND field = 'registration_ip'",
        )
    }
    assert accounts
    for account in accounts:
        assert (account["account_id"], account["registration_ip"]) in registered, account

    again = run_pipeline(case, only=["extract"])
    assert [s.status for s in again] == ["skipped"]


def test_small_batches_give_the_same_rows(
    sqlite_case: Case, small_forum: SynthResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts and messages are paged by id; a page boundary must neither drop nor repeat rows."""
    ingest(sqlite_case, small_forum.dump_path)
    run_pipeline(sqlite_case, only=["extract"])
    query = "SELECT * FROM identifiers ORDER BY ALL"
    whole = rows(sqlite_case, query)
    monkeypatch.setattr(extract_stage, "BATCH", 7)
    summaries = run_pipeline(sqlite_case, only=["extract"], force=True)
    assert [s.status for s in summaries] == ["ok"]
    assert rows(sqlite_case, query) == whole
