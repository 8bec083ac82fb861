"""The referrals register: numbering, package integrity, status moving forward only, flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation.referrals import (
    get_referral,
    list_referrals,
    mark_referral,
    referred_persons,
    register_referral,
)

Package = Callable[..., tuple[Path, str]]
AGE_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"


def test_register_and_move_a_referral_forward(seeded: Case, package: Package) -> None:
    path, sha = package()
    r = register_referral(
        seeded, "gb", [("P-f:3", 2), ("P-f:1", 1)], path, sha, "c2lnbmF0dXJl", AGE_KEY, "ana"
    )
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert r.id == f"REF-GB-{today}-1"
    assert (r.country, r.status, r.created_by) == ("GB", "draft", "ana")
    assert [(p.person_id, p.rank, p.flagged_duplicate) for p in r.persons] == [
        ("P-f:1", 1, False),
        ("P-f:3", 2, False),
    ]
    assert (r.package_path, r.package_sha256) == (str(path.resolve()), sha)
    assert (r.signature, r.encrypted_to) == ("c2lnbmF0dXJl", AGE_KEY)
    assert r.sent_at is None and r.created_at.tzinfo is not None

    sent = datetime.now(UTC) - timedelta(seconds=1)
    assert mark_referral(seeded, r.id, "sent").sent_at is not None
    later = mark_referral(seeded, r.id, "acknowledged", datetime.now(UTC))
    assert later.status == "acknowledged" and later.received_at is None  # skipped: never told
    assert later.acknowledged_at is not None and later.acknowledged_at >= sent
    assert get_referral(seeded, r.id) == later


def test_numbers_count_up_per_country_and_day(seeded: Case, package: Package) -> None:
    ids = [
        register_referral(seeded, country, [(p, None)], *package(), None, None, "ana").id
        for country, p in [("GB", "P-f:1"), ("DE", "P-f:4"), ("GB", "P-f:3")]
    ]
    assert [re.sub(r"-\d{8}-", "-D-", i) for i in ids] == ["REF-GB-D-1", "REF-DE-D-1", "REF-GB-D-2"]
    assert [r.id for r in list_referrals(seeded, "gb")] == [ids[0], ids[2]]
    assert [r.id for r in list_referrals(seeded)] == ids
    assert referred_persons(seeded) == {"P-f:1": [ids[0]], "P-f:4": [ids[1]], "P-f:3": [ids[2]]}


def test_a_person_referred_before_is_flagged(seeded: Case, package: Package) -> None:
    first = register_referral(seeded, "GB", [("P-f:1", 1)], *package(), None, None, "ana")
    second = register_referral(
        seeded, "IE", [("P-f:1", 1), ("P-f:3", 2)], *package(), None, None, "bob"
    )
    flags = {p.person_id: p.flagged_duplicate for p in second.persons}
    assert flags == {"P-f:1": True, "P-f:3": False}
    assert referred_persons(seeded)["P-f:1"] == [first.id, second.id]


def test_a_package_inside_the_case_is_kept_relative(seeded: Case) -> None:
    import hashlib

    path = seeded.exports_dir / "GB" / "package.zip"
    path.parent.mkdir()
    path.write_bytes(b"zip")
    sha = hashlib.sha256(b"zip").hexdigest()
    r = register_referral(seeded, "GB", [("P-f:1", 1)], path, sha, None, None, "ana")
    assert r.package_path == "exports/GB/package.zip"


def test_what_a_registration_refuses(seeded: Case, package: Package) -> None:
    path, sha = package()

    def register(**changes: object) -> None:
        args: dict[str, object] = {
            "country": "GB", "persons": [("P-f:1", 1)], "package_path": path,
            "package_sha256": sha, "signature": None, "encrypted_to": None, "created_by": "ana",
        }  # fmt: skip
        register_referral(seeded, **{**args, **changes})  # type: ignore[arg-type]

    with pytest.raises(InputError, match="at least one person"):
        register(persons=[])
    with pytest.raises(InputError, match="P-f:1 listed twice"):
        register(persons=[("P-f:1", 1), ("P-f:1", 2)])
    with pytest.raises(InputError, match="no person P-f:404 in this case"):
        register(persons=[("P-f:1", 1), ("P-f:404", 2)])
    with pytest.raises(InputError, match="unknown country code 'ZZ'"):
        register(country="ZZ")
    with pytest.raises(InputError, match="not a SHA-256 digest"):
        register(package_sha256="abc")
    with pytest.raises(InputError, match="not the 0000"):
        register(package_sha256="0" * 64)
    with pytest.raises(InputError, match="no package at"):
        register(package_path=path.with_name("missing.zip"))
    with pytest.raises(InputError, match="not an age public key"):
        register(encrypted_to="ssh-ed25519 AAAA")
    with pytest.raises(InputError, match="who made the referral is empty"):
        register(created_by=" ")
    assert list_referrals(seeded) == []


def test_status_moves_forward_only(seeded: Case, package: Package) -> None:
    r = register_referral(seeded, "GB", [("P-f:1", 1)], *package(), None, None, "ana")
    mark_referral(seeded, r.id, "received")
    with pytest.raises(InputError, match="is received already; it cannot become sent") as back:
        mark_referral(seeded, r.id, "sent")
    assert back.value.hint is not None and "draft -> sent -> received" in back.value.hint
    with pytest.raises(InputError, match="is received already"):
        mark_referral(seeded, r.id, "received")
    with pytest.raises(InputError, match="unknown referral status 'draft'"):
        mark_referral(seeded, r.id, "draft")
    with pytest.raises(InputError, match="no referral REF-XX in this case"):
        mark_referral(seeded, "REF-XX", "sent")
    with pytest.raises(InputError, match="in the future"):
        mark_referral(seeded, r.id, "acknowledged", datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(InputError, match="before referral"):
        mark_referral(seeded, r.id, "acknowledged", datetime(2020, 1, 1))
    assert get_referral(seeded, r.id).status == "received"
