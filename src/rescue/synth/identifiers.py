"""Identifiers persons disclose: crypto addresses, PGP fingerprints, messenger handles, phones.

Bitcoin addresses carry valid checksums (Base58Check for P2PKH, BIP 173 bech32 for P2WPKH) so
an extractor that validates them accepts them; their key hashes are random bytes from the run's
RNG, so no one holds the keys. Phone numbers come only from ranges set aside for fiction.
"""

from __future__ import annotations

import hashlib
import random

# Validation lives with the extractor that relies on it; the generator reuses it.
from rescue.identity.checksums import bech32_polymod, hrp_expand

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def base58check(version: int, payload: bytes) -> str:
    data = bytes([version]) + payload
    data += hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    value = int.from_bytes(data, "big")
    out = []
    while value:
        value, rem = divmod(value, 58)
        out.append(_B58[rem])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(out))


def _to_5bit(data: bytes) -> list[int]:
    acc = bits = 0
    out = []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def bech32_address(program: bytes, hrp: str = "bc", witness_version: int = 0) -> str:
    data = [witness_version, *_to_5bit(program)]
    polymod = bech32_polymod([*hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


def bitcoin_address(rng: random.Random) -> str:
    key_hash = rng.randbytes(20)
    if rng.random() < 0.5:
        return base58check(0, key_hash)
    return bech32_address(key_hash)


def pgp_fingerprint(rng: random.Random) -> str:
    """A v4 fingerprint as gpg prints it: ten groups of four hex digits."""
    raw = rng.randbytes(20).hex().upper()
    groups = [raw[i : i + 4] for i in range(0, 40, 4)]
    return " ".join(groups[:5]) + "  " + " ".join(groups[5:])


_MESSENGERS = ("Telegram", "Wire", "Threema", "Session", "Signal")


def messenger_handle(rng: random.Random, base: str) -> tuple[str, str]:
    """(service, handle); the random tail keeps collisions with real handles unlikely."""
    service = rng.choice(_MESSENGERS)
    tail = rng.randrange(100, 9999)
    if service == "Threema":
        alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
        return service, "".join(rng.choice(alphabet) for _ in range(8))
    if service == "Session":
        return service, "05" + rng.randbytes(32).hex()
    if service == "Signal":
        return service, f"{base}.{tail:02d}"
    return service, f"@{base}_{tail}"


def fictional_phone(country: str, rng: random.Random) -> str | None:
    """A number from a range reserved for fiction in ``country``; None where there is none."""
    if country in ("GB", "IE"):
        return f"+44 7700 900{rng.randrange(1000):03d}"
    if country in ("US", "CA"):
        area = rng.choice(("202", "312", "415", "503", "617", "416", "604"))
        return f"+1 {area} 555 01{rng.randrange(100):02d}"
    if country == "AU":
        return f"+61 491 570 {rng.randrange(6, 160):03d}"
    if country == "FR":
        return f"+33 1 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}"
    return None
