"""A small hand-made lake for the operation tests: persons in four countries, their accounts and
identifiers, written by a throwaway stage as the ingest, extract, link and attribute stages
would. The figures tests compute their expected numbers from this table by hand.

    person   accounts     country   identifiers
    P-f:1    f:1, f:2     GB        f:1 email alice@example.org; f:2 handle telegram:@QuietFox
    P-f:3    f:3          GB        username ColdPine
    P-f:4    f:4          DE        f:4 ip 192.0.2.7
    P-f:5    f:5, f:6     DE        f:5 btc BTC
    P-f:7    f:7          US        f:7 phone +447700900123
    P-f:8    f:8          (none)    attributed, but nothing pointed anywhere
    P-f:9    f:9          -         no attribution row at all
    P-f:10   f:10         FR        f:10 pgp PGP
    -        f:11         -         a member no person holds (not linked yet)
    -        f:99         -         a bot: no member
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rescue.case import Case
from rescue.pipeline import run_pipeline
from tests.lakehelp import Seed

BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
PGP = "4AEE18F83AFDEB23A5F2E9B7D2C8F1A0B1C2D3E4"
PERSONS: dict[str, tuple[list[str], str | None]] = {
    "P-f:1": (["f:1", "f:2"], "GB"),
    "P-f:3": (["f:3"], "GB"),
    "P-f:4": (["f:4"], "DE"),
    "P-f:5": (["f:5", "f:6"], "DE"),
    "P-f:7": (["f:7"], "US"),
    "P-f:8": (["f:8"], None),
    "P-f:9": (["f:9"], None),
    "P-f:10": (["f:10"], "FR"),
}
NAMES = {"f:3": "ColdPine"}


def _tables() -> dict[str, list[dict[str, Any]]]:
    accounts = [
        {"account_id": f"f:{n}", "user_id": n, "username": NAMES.get(f"f:{n}", f"member{n}"),
         "is_person": True}
        for n in range(1, 12)
    ]  # fmt: skip
    accounts.append({"account_id": "f:99", "user_id": 99, "username": "Bot", "is_person": False})
    identifiers = [
        {"account_id": "f:1", "kind": "email", "value": "alice@example.org"},
        {"account_id": "f:2", "kind": "handle", "value": "telegram:@QuietFox"},
        {"account_id": "f:4", "kind": "ip", "value": "192.0.2.7"},
        {"account_id": "f:5", "kind": "btc", "value": BTC},
        {"account_id": "f:7", "kind": "phone", "value": "+447700900123"},
        {"account_id": "f:10", "kind": "pgp", "value": PGP},
        {"account_id": None, "kind": "email", "value": "guest@example.org"},
    ]
    return {
        "accounts": accounts,
        "identifiers": identifiers,
        "persons": [
            {"person_id": p, "accounts": a, "n_accounts": len(a)} for p, (a, _) in PERSONS.items()
        ],
        "person_accounts": [
            {"person_id": p, "account_id": a}
            for p, (accounts, _) in PERSONS.items()
            for a in accounts
        ],
        "attributions": [
            {"person_id": p, "country": c, "confidence": 0.9 if c else 0.0}
            for p, (_, c) in PERSONS.items()
            if p != "P-f:9"
        ],
    }


@pytest.fixture
def seeded(case: Case) -> Iterator[Case]:
    """The ``case`` fixture (SQLite and PostgreSQL) with the lake above."""
    [summary] = run_pipeline(case, stages=[Seed(_tables())])
    assert summary.status == "ok"
    yield case


Package = Callable[..., tuple[Path, str]]


@pytest.fixture
def package(tmp_path: Path) -> Package:
    """Writes a stand-in referral package; returns its path and SHA-256."""
    made = 0

    def make(text: str = "") -> tuple[Path, str]:
        nonlocal made
        made += 1
        path = tmp_path / f"package-{made}.zip"
        path.write_bytes((text or f"package {made}").encode())
        return path, hashlib.sha256(path.read_bytes()).hexdigest()

    return make
