"""Unit tests of the pure extraction functions, one group per kind, with known vectors."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rescue.identity import extract
from rescue.identity.checksums import (
    base58check_valid,
    eip55_checksum,
    eip55_valid,
    segwit_valid,
)
from rescue.synth.identifiers import (
    base58check,
    bech32_address,
    fictional_phone,
    messenger_handle,
    pgp_fingerprint,
)

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BIP173_V0 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BIP350_V1 = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"


def kinds(text: str, kind: str) -> list[str]:
    return [f.value for f in extract.from_text(text) if f.kind == kind]


def test_base58check_vectors() -> None:
    assert base58check_valid(GENESIS)
    assert not base58check_valid(GENESIS[:-1] + "b")  # one character off: bad checksum
    assert not base58check_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na")  # 0 is not base58
    assert kinds(f"tips: {GENESIS} thanks", "btc") == [GENESIS]
    assert kinds(f"tips: {GENESIS[:-1]}b thanks", "btc") == []


def test_bech32_vectors() -> None:
    assert segwit_valid(BIP173_V0)
    assert segwit_valid(BIP173_V0.upper())
    assert segwit_valid(BIP350_V1)
    assert not segwit_valid(BIP173_V0[:-1] + "5")  # bad checksum
    assert not segwit_valid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4")  # mixed case
    # BIP 350: a v1 program with a bech32 (not bech32m) checksum is invalid.
    assert not segwit_valid(bech32_address(bytes(32), witness_version=1))
    assert kinds(f"BTC: {BIP173_V0.upper()}", "btc") == [BIP173_V0]


@given(st.binary(min_size=20, max_size=20))
def test_generated_addresses_validate(key_hash: bytes) -> None:
    assert base58check_valid(base58check(0, key_hash))
    assert segwit_valid(bech32_address(key_hash))


# The test vectors of EIP-55 itself (eips.ethereum.org/EIPS/eip-55).
EIP55_VECTORS = (
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
)


def _flip_last_letter(address: str) -> str:
    i = max(i for i, c in enumerate(address) if c.isalpha() and i > 1)
    return address[:i] + address[i].swapcase() + address[i + 1 :]


def test_eip55_vectors() -> None:
    for vector in EIP55_VECTORS:
        assert eip55_valid(vector), vector
        assert eip55_checksum(vector.lower()) == vector
        assert eip55_checksum(vector.upper().replace("0X", "0x")) == vector
        assert not eip55_valid(_flip_last_letter(vector)), vector
    assert _flip_last_letter(EIP55_VECTORS[0]) == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    assert not eip55_valid(EIP55_VECTORS[0][:-1])  # 39 digits
    assert not eip55_valid(EIP55_VECTORS[0][2:])  # no 0x
    assert not eip55_valid("0x" + "g" * 40)


@given(st.binary(min_size=20, max_size=20), st.integers(min_value=0, max_value=39))
def test_eip55_detects_any_case_flip(key: bytes, position: int) -> None:
    address = eip55_checksum("0x" + key.hex())
    assert eip55_valid(address)
    i = position + 2
    if address[i].isalpha():  # digits have no case to flip
        flipped = address[:i] + address[i].swapcase() + address[i + 1 :]
        assert not eip55_valid(flipped)


def eth_found(text: str) -> list[tuple[str, str | None]]:
    return [(f.value, f.detail) for f in extract.from_text(text) if f.kind == "eth"]


def test_eth() -> None:
    for vector in EIP55_VECTORS:
        found = eth_found(f"tips to {vector}, thanks")
        assert found == [(vector.lower(), "EIP-55 checksum valid")]
    # A mixed-case address with one letter's case wrong is a typo or stray hex: not emitted.
    assert eth_found(f"tips to {_flip_last_letter(EIP55_VECTORS[0])}") == []
    assert eth_found("0x" + "aB" * 20) == []
    # One case throughout carries no checksum: kept, and said so.
    lower = EIP55_VECTORS[1].lower()
    assert eth_found(f"eth {lower}") == [(lower, "no checksum")]
    assert eth_found("eth 0x" + lower[2:].upper()) == [(lower, "no checksum")]
    assert eth_found("0x" + "ab" * 19) == []


def test_jabber() -> None:
    cases = {
        "Kite@Jabber.example": "jabber:kite@jabber.example",
        " kite.77@xmpp.example ": "jabber:kite.77@xmpp.example",
        "xmpp:Kite@jabber.ccc.de/Laptop": "jabber:kite@jabber.ccc.de",  # scheme, resource go
        "kite@jabber.example/phone@home": "jabber:kite@jabber.example",  # a resource may hold @
        "Ünal@bücher.de": "jabber:ünal@bücher.de",
    }
    for raw, value in cases.items():
        found = extract.jabber(raw)
        assert found == extract.Found("handle", value, raw, "service=jabber"), raw
    for bad in ("kite", "kite@", "@jabber.example", "a b@x.example", "kite@localhost",
                "kite@x..example", "kite@-x.example", "ki@te@x.example", "kite@x.example.",
                "kite@x.123", ""):  # fmt: skip
        assert extract.jabber(bad) is None, bad


def test_pgp() -> None:
    fp = pgp_fingerprint(random.Random(1))
    assert kinds(f"PGP: {fp}", "pgp") == [fp.replace(" ", "")]
    assert kinds(f"key {fp.replace(' ', '').lower()}.", "pgp") == [fp.replace(" ", "")]
    assert kinds("session 05" + "ab" * 32, "pgp") == []  # longer hex runs are no fingerprint
    block = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\ndef\n-----END PGP PUBLIC KEY BLOCK-----"
    assert kinds(block, "pgp")[0].startswith("keyblock:")


def test_phone() -> None:
    rng = random.Random(3)
    for country in ("GB", "US", "AU", "FR"):
        number = fictional_phone(country, rng)
        assert number is not None
        assert kinds(f"Text me on {number} about it", "phone") == [
            "+" + number[1:].replace(" ", "")
        ]
    assert kinds("call 0207 946 0123 or 2019", "phone") == []  # national numbers need a region
    # With a region (from the e-mail's ccTLD) a valid national number is read too...
    assert [f.value for f in extract.phones("ring 020 7946 0123 today", "GB")] == ["+442079460123"]
    # ...but a national digit run that is no valid number is not.
    assert list(extract.phones("order 1234567 shipped", "GB")) == []
    assert extract.email_region("a@mail.uk.example") == "GB"
    assert extract.email_region("a@post.de") == "DE"
    assert extract.email_region("a@inbox.example") is None


def test_email_ip_url() -> None:
    found = extract.email("Jo.Doe@Post.DE.example")
    assert found and found.value == "jo.doe@post.de.example"
    assert found.detail == "local=jo.doe provider=post.de.example"
    v6 = extract.ip("2001:DB8:0:0::1")
    assert v6 is not None and v6.value == "2001:db8::1" and v6.detail == "v6"
    assert extract.ip("10.0.0.1") is not None
    assert extract.ip("999.1.1.1") is None and extract.ip("") is None
    assert kinds("see https://Club.example/x?y=1.", "domain") == ["club.example"]
    assert kinds("see https://club.example/x?y=1.", "url") == ["https://club.example/x?y=1"]


def test_handles() -> None:
    rng = random.Random(5)
    for _ in range(30):
        service, handle = messenger_handle(rng, "kite")
        for text in (
            f"You can reach me on {service}: {handle}",
            f"{service}: {handle} if you prefer chat.",
        ):
            assert kinds(text, "handle") == [f"{service.lower()}:{handle}"]
    assert kinds("telegram @kite_77 works", "handle") == ["telegram:@kite_77"]
    assert kinds("the session was fun, a signal to all", "handle") == []


def test_location_and_occupation() -> None:
    found = [f for f in extract.from_text("Greetings from Lyon!") if f.kind == "location"]
    assert [(f.value, f.detail) for f in found] == [("Lyon", "FR")]
    assert kinds("Here in köln it rained", "location") == ["Köln"]
    assert kinds("I visited Lyon last summer", "location") == []  # travel, not home
    hit = extract.location_field("Nantes")
    assert hit and hit.detail == "FR"
    assert extract.location_field("Atlantis") is None
    assert kinds("I work as a paediatric nurse, so", "occupation") == ["paediatric nurse"]
    assert kinds("Being a Scout Leader, I read", "occupation") == ["scout leader"]
    assert kinds("the nurse shark", "occupation") == []
    job = extract.occupation_field("Youth football coach")
    assert job and job.value == "youth football coach"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We could meet in person at Leeds station next Saturday.", "Leeds"),
        ("Happy to meet up in Köln when you are around, just say when.", "Köln"),
        ("Let us meet at the cafe by the market on Sunday.", "Let us meet"),
        ("shall we meet in person some day?", "shall we meet in person"),
    ],
)
def test_meeting_arrangements_are_found_with_their_place(text: str, value: str) -> None:
    found = [f for f in extract.from_text(text) if f.kind == "meeting"]
    assert [(f.value, f.detail) for f in found] == [(value, "arranging to meet in person")]


@pytest.mark.parametrize(
    "text",
    [
        "The club in York meets every Tuesday.",
        "I met the author once at a signing.",
        "Nice to meet you all, I am new here.",
        "The meetup thread is pinned.",
    ],
)
def test_ordinary_uses_of_meet_are_not_meetings(text: str) -> None:
    assert not [f for f in extract.from_text(text) if f.kind == "meeting"]
