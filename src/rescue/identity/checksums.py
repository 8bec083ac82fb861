"""Checksum validation for crypto addresses: a string that fails its checksum is no address."""

from __future__ import annotations

import hashlib
import re

# EIP-55 hashes with Keccak-256 (Ethereum's pre-standard SHA-3), which hashlib lacks:
# its sha3_256 pads differently and gives other digests.
from Crypto.Hash import keccak

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32M_CONST = 0x2BC830A3
# Mainnet P2PKH and P2SH version bytes; other networks' addresses are not of interest here.
_B58_VERSIONS = (0x00, 0x05)
_HRPS = ("bc", "tb")
_ETH_ADDRESS = re.compile(r"0x[0-9A-Fa-f]{40}")


def base58check_valid(address: str) -> bool:
    """A Base58Check P2PKH/P2SH address whose double SHA-256 checksum holds."""
    value = 0
    for char in address:
        digit = _B58_INDEX.get(char)
        if digit is None:
            return False
        value = value * 58 + digit
    zeros = len(address) - len(address.lstrip("1"))
    if value >= 1 << 200:
        return False
    body = b"\0" * zeros + (value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b"")
    if len(body) != 25 or body[0] not in _B58_VERSIONS:
        return False
    return hashlib.sha256(hashlib.sha256(body[:21]).digest()).digest()[:4] == body[21:]


def bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            checksum ^= generator[i] if (top >> i) & 1 else 0
    return checksum


def hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _from_5bit(data: list[int]) -> bytes | None:
    acc = bits = 0
    out = bytearray()
    for value in data:
        acc = (acc << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc << (8 - bits)) & 0xFF:
        return None  # BIP 173: padding must be under 5 bits and all zero
    return bytes(out)


def segwit_valid(address: str) -> bool:
    """A segwit address (BIP 173 bech32 for v0, BIP 350 bech32m for v1+) with a valid checksum."""
    if address.lower() != address and address.upper() != address:
        return False  # mixed case is invalid by BIP 173
    address = address.lower()
    hrp, _, data_part = address.rpartition("1")
    if hrp not in _HRPS or not 6 < len(data_part) <= 90 - len(hrp) - 1:
        return False
    data = [_BECH32_INDEX.get(c, -1) for c in data_part]
    if -1 in data:
        return False
    const = bech32_polymod(hrp_expand(hrp) + data)
    version = data[0]
    if version > 16 or const != (1 if version == 0 else _BECH32M_CONST):
        return False
    program = _from_5bit(data[1:-6])
    if program is None or not 2 <= len(program) <= 40:
        return False
    return version != 0 or len(program) in (20, 32)


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a ``0x`` + 40 hex digit address, whatever its case.

    Each letter is upper case when the matching nibble of the Keccak-256 of the lower-case hex
    is 8 or more; digits have no case and carry nothing.
    """
    digits = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=digits.encode("ascii")).hexdigest()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(digits, digest[:40], strict=True)
    )


def eip55_valid(address: str) -> bool:
    """An address whose letters' case is its EIP-55 checksum.

    An all-lower or all-upper address carries no checksum at all, yet this answers False for
    most of them: the caller decides what one case throughout means.
    """
    return _ETH_ADDRESS.fullmatch(address) is not None and eip55_checksum(address) == address
