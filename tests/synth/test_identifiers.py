"""Crypto addresses carry valid checksums; usernames vary the way people vary them."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from rescue.identity.checksums import base58check_valid, segwit_valid
from rescue.synth import identifiers, names


def test_known_vectors() -> None:
    # BIP 173's example P2WPKH address and the genesis block's coinbase address.
    program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    assert identifiers.bech32_address(program) == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    key_hash = bytes.fromhex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18")
    assert identifiers.base58check(0, key_hash) == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


@given(st.integers(0, 2**32))
def test_generated_addresses_validate(seed: int) -> None:
    address = identifiers.bitcoin_address(random.Random(seed))
    if address.startswith("bc1"):
        assert segwit_valid(address)
    else:
        assert address.startswith("1") and base58check_valid(address)


def test_corrupted_addresses_fail() -> None:
    address = identifiers.base58check(0, bytes(range(20)))
    broken = address[:-1] + ("2" if address[-1] != "2" else "3")
    assert not base58check_valid(broken)
    segwit = identifiers.bech32_address(bytes(range(20)))
    assert not segwit_valid(segwit[:-1] + ("q" if segwit[-1] != "q" else "p"))


def test_pgp_fingerprint_shape() -> None:
    fingerprint = identifiers.pgp_fingerprint(random.Random(1))
    assert len(fingerprint.replace(" ", "")) == 40 and "  " in fingerprint


@given(st.integers(0, 2**32))
def test_username_variants_differ_but_stay_close(seed: int) -> None:
    rng = random.Random(seed)
    base = names.username_base(rng)
    variant = names.username_variant(base, rng)
    assert variant != base
    assert _letters(variant) == _letters(base)


def _letters(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalpha())


def test_fictional_phones_only_where_ranges_exist() -> None:
    rng = random.Random(2)
    assert identifiers.fictional_phone("DE", rng) is None
    assert "7700 900" in (identifiers.fictional_phone("GB", rng) or "")
    assert " 555 01" in (identifiers.fictional_phone("US", rng) or "")
