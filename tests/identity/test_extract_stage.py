"""End to end: ingest a synthetic forum, run the extract stage, check it against the truth."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from rescue.case import Case
from rescue.identity import extract_stage
from rescue.identity.extract_stage import ExtractStage
from rescue.pipeline import run_pipeline
from rescue.stage import Stage
from rescue.synth.gazetteer import CITY_COUNTRY
from tests.lakehelp import Seed, ingest, rejects, rows

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
        if kind == "meeting":  # the sentence, not a value: any meeting found on that account
            assert any(k == "meeting" for k, _ in found[account]), item
            continue
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


def test_forum_bans_are_read(sqlite_case: Case, small_forum: SynthResult) -> None:
    """The generator bans three proxy exits, two spam domains by wildcard and a member."""
    ingest(sqlite_case, small_forum.dump_path)
    [summary] = run_pipeline(sqlite_case, only=["extract"])
    bans = rows(sqlite_case, "SELECT * FROM bans WHERE ip IS NOT NULL ORDER BY ban_id")
    emitted = rows(
        sqlite_case,
        "SELECT * FROM identifiers WHERE origin_table = 'bans' ORDER BY CAST(origin_id AS INT)",
    )
    assert bans and len(emitted) == len(bans)
    for ban, found in zip(bans, emitted, strict=True):
        assert (found["kind"], found["value"], found["field"]) == ("ip", ban["ip"], "ban_ip")
        assert found["seen_at"] == ban["started_at"] and found["origin_id"] == str(ban["ban_id"])
        assert found["account_id"] is None  # an address ban names no account
    assert summary.counts["ban_wildcards"] == 2  # "*@spam-offers.example", "*@bulk-mailer..."
    assert summary.counts["bans"] == len(rows(sqlite_case, "SELECT * FROM bans"))


START = datetime(2023, 3, 1, tzinfo=UTC)
EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
EIP55_TYPO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"


def _account(n: int, jabber: str | None, signature: str | None = None) -> dict[str, Any]:
    return {
        "account_id": f"forum:{n}",
        "user_id": n,
        "username": f"user{n}",
        "email": f"user{n}@post.example",
        "registered_at": START - timedelta(days=400),
        "signature": signature,
        "jabber": jabber,
    }


def _ban(ban_id: int, user_id: int | None = None, **values: str) -> dict[str, Any]:
    return {
        "ban_id": ban_id,
        "user_id": user_id,
        "started_at": START + timedelta(days=ban_id),
        "exclude": False,
        **values,
    }


SEED_TABLES: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        _account(1, "Kite@Jabber.example/Laptop", f"tips: {EIP55} or {EIP55_TYPO}"),
        _account(2, "kite"),  # no user@domain: a counted reject
        _account(3, "  "),  # blank: nothing, and nothing to reject
        _account(4, None),
    ],
    "bans": [
        _ban(1, 2, ip="203.0.113.9", email="Banned@Mail.example"),  # ties both to forum:2
        _ban(2, ip="10.0.0.*"),  # a range: counted, not emitted
        _ban(3, ip="198.51.100.7"),  # an address alone: kept, no account
        _ban(4, email="*@spam.example"),  # a wildcard e-mail: counted, not emitted
        _ban(5, 99, ip="192.0.2.1"),  # a deleted user: no account to tie it to
        _ban(6, ip="not-an-ip"),  # neither address nor wildcard: a counted reject
        _ban(7, 4),  # a user ban alone discloses nothing
    ],
}


def test_jabber_bans_and_eip55_on_a_seeded_lake(sqlite_case: Case) -> None:
    stages: list[Stage] = [Seed(SEED_TABLES), ExtractStage()]
    summaries = run_pipeline(sqlite_case, stages=stages)
    assert [(s.stage, s.status) for s in summaries] == [("seed", "ok"), ("extract", "ok")]
    extract = summaries[1]

    handles = rows(sqlite_case, "SELECT * FROM identifiers WHERE kind = 'handle'")
    assert [
        (h["account_id"], h["value"], h["detail"], h["origin_table"], h["origin_id"], h["field"])
        for h in handles
    ] == [("forum:1", "jabber:kite@jabber.example", "service=jabber", "accounts", "1", "jabber")]

    banned = rows(
        sqlite_case,
        "SELECT account_id, kind, value, seen_at, origin_id, field FROM identifiers "
        "WHERE origin_table = 'bans' ORDER BY CAST(origin_id AS INT), field",
    )
    assert [
        (b["account_id"], b["kind"], b["value"], b["origin_id"], b["field"]) for b in banned
    ] == [
        ("forum:2", "email", "banned@mail.example", "1", "ban_email"),
        ("forum:2", "ip", "203.0.113.9", "1", "ban_ip"),
        (None, "ip", "198.51.100.7", "3", "ban_ip"),
        (None, "ip", "192.0.2.1", "5", "ban_ip"),
    ]
    starts = {str(b["ban_id"]): b["started_at"] for b in SEED_TABLES["bans"]}
    assert all(b["seen_at"] == starts[b["origin_id"]] for b in banned)
    assert extract.counts["bans"] == 7 and extract.counts["ban_wildcards"] == 2

    assert extract.rejects == {"invalid jabber address": 1, "invalid ban_ip": 1}
    [bad_jabber] = rejects(sqlite_case, "invalid jabber address")
    assert "forum:2" in bad_jabber["detail"] and "'kite'" in bad_jabber["detail"]
    assert (bad_jabber["table_name"], bad_jabber["record"]) == ("accounts", "kite")
    [bad_ip] = rejects(sqlite_case, "invalid ban_ip")
    assert "ban 6" in bad_ip["detail"] and bad_ip["record"] == "not-an-ip"

    eth = rows(sqlite_case, "SELECT value, raw, detail FROM identifiers WHERE kind = 'eth'")
    assert eth == [{"value": EIP55.lower(), "raw": EIP55, "detail": "EIP-55 checksum valid"}]


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
