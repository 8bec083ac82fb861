"""The link stage's rules on a hand-made lake: hard identifiers, widely shared ones, VPN exits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rescue.case import Case
from rescue.identity.link_stage import LinkStage
from rescue.pipeline import run_pipeline
from rescue.stage import Stage
from tests.lakehelp import Seed, rows

NOW = datetime(2024, 5, 1, tzinfo=UTC)
BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
DONATION = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
PGP = "4AEE18F83AFDEB23A5F2E9B7D2C8F1A0B1C2D3E4"
EXIT = "185.220.101.4"


def _account(n: int, name: str, tz: str = "Europe/Berlin") -> dict[str, Any]:
    return {
        "account_id": f"f:{n}",
        "user_id": n,
        "username": name,
        "username_clean": name.lower(),
        "is_person": True,
        "timezone": tz,
        "lang": "de",
        "email": f"{name.lower()}@post{n}.example",
        "registration_ip": None,
    }


def _ident(account: str, kind: str, value: str, days_ago: int = 10) -> dict[str, Any]:
    return {
        "account_id": account,
        "kind": kind,
        "value": value,
        "seen_at": NOW - timedelta(days=days_ago),
        "origin_table": "posts",
        "field": "text",
    }


def _tables() -> dict[str, list[dict[str, Any]]]:
    names = ["quietfox", "ambertram", "lazyheron", "brightowl", "coldpine", "mistyriver",
             "oldlantern", "stormykite", "tinycomet", "wildmaple"]  # fmt: skip
    accounts = [_account(n, name) for n, name in enumerate(names, start=1)]
    identifiers = [
        _ident("f:1", "btc", BTC),
        _ident("f:2", "btc", BTC),  # f:1 and f:2: one person by a hard identifier
        _ident("f:3", "pgp", PGP),
        _ident("f:4", "pgp", PGP),  # f:3 and f:4 as well
    ]
    # The board's donation address, quoted by five members: nobody's own identifier.
    identifiers += [_ident(f"f:{n}", "btc", DONATION) for n in range(5, 10)]
    # One VPN exit used by every account, many times: never a link.
    identifiers += [_ident(f"f:{n}", "ip", EXIT, d) for n in range(1, 11) for d in range(5)]
    identifiers += [
        {**_ident(a["account_id"], "email", a["email"]), "origin_table": "accounts",
         "field": "email"}
        for a in accounts
    ]  # fmt: skip
    return {
        "accounts": accounts,
        "identifiers": identifiers,
        "ip_locations": [
            {"ip": EXIT, "country": "NL", "network_kind": "vpn", "flag_reason": "test list"}
        ],
    }


def test_hard_identifiers_link_and_widely_shared_ones_do_not(sqlite_case: Case) -> None:
    stages: list[Stage] = [Seed(_tables()), LinkStage()]
    summaries = run_pipeline(sqlite_case, stages=stages)
    assert [(s.stage, s.status) for s in summaries] == [("seed", "ok"), ("link", "ok")]

    persons = {
        r["account_id"]: r["person_id"] for r in rows(sqlite_case, "SELECT * FROM person_accounts")
    }
    groups: dict[str, set[str]] = {}
    for account, person in persons.items():
        groups.setdefault(person, set()).add(account)
    multi = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    # The btc pair and the PGP pair are persons; the donation address and the shared VPN
    # exit join nobody.
    assert multi == [["f:1", "f:2"], ["f:3", "f:4"]]
    assert persons["f:1"] == "P-f:1" and persons["f:3"] == "P-f:3"

    links = rows(sqlite_case, "SELECT * FROM account_links WHERE method = 'deterministic'")
    by_pair = {(k["account_a"], k["account_b"]): k for k in links}
    assert set(by_pair) == {("f:1", "f:2"), ("f:3", "f:4")}
    assert by_pair[("f:1", "f:2")]["reason"] == "same bitcoin address"
    assert by_pair[("f:3", "f:4")]["reason"] == "same PGP fingerprint"
    assert json.loads(by_pair[("f:1", "f:2")]["features"])["hard_identifiers"] == [f"btc:{BTC}"]
    assert all(k["accepted"] for k in links)

    person_rows = {r["person_id"]: r for r in rows(sqlite_case, "SELECT * FROM persons")}
    assert list(person_rows["P-f:1"]["linked_by"]) == ["deterministic"]
    assert list(person_rows["P-f:1"]["usernames"]) == ["quietfox", "ambertram"]
    assert summaries[1].counts["multi_account_persons"] == 2


def test_a_ruling_overrides_a_hard_identifier(sqlite_case: Case) -> None:
    from rescue.identity.decisions import record_ruling

    record_ruling(sqlite_case, "f:2", "f:1", "different", analyst="ana", reason="shared wallet")
    run_pipeline(sqlite_case, stages=[Seed(_tables()), LinkStage()])
    persons = {
        r["account_id"]: r["person_id"] for r in rows(sqlite_case, "SELECT * FROM person_accounts")
    }
    assert persons["f:1"] != persons["f:2"]
    refused = rows(
        sqlite_case, "SELECT * FROM account_links WHERE account_a = 'f:1' AND account_b = 'f:2'"
    )
    assert [r["accepted"] for r in refused] == [False]
    noted = rows(sqlite_case, "SELECT * FROM rejects WHERE kind = 'link refused by ruling'")
    assert len(noted) == 1 and noted[0]["action"] == "noted"


def test_link_settings_are_checked_and_a_change_reruns(sqlite_case: Case) -> None:
    import pytest

    from rescue.case import open_case
    from rescue.errors import CaseError
    from tests.lakehelp import set_case_settings

    stages: list[Stage] = [Seed(_tables()), LinkStage()]
    assert LinkStage().params(sqlite_case, "all")["model"]["threshold_probability"] == 0.9
    run_pipeline(sqlite_case, stages=stages)
    set_case_settings(sqlite_case.root, "link", {"threshold_probability": 0.97})
    with open_case(sqlite_case.root) as changed:
        assert LinkStage().params(changed, "all")["model"]["threshold_probability"] == 0.97
        again = run_pipeline(changed, stages=stages)
    assert [s.status for s in again] == ["skipped", "ok"]

    set_case_settings(sqlite_case.root, "link", {"threshold_probability": 1.5})
    with open_case(sqlite_case.root) as wrong, pytest.raises(CaseError, match="not in"):
        run_pipeline(wrong, stages=stages)
    set_case_settings(sqlite_case.root, "link", {"threshold_probability": 0.9, "treshold": 0.5})
    with open_case(sqlite_case.root) as typo, pytest.raises(CaseError, match="treshold"):
        run_pipeline(typo, stages=stages)
