"""Identifiers on other agencies' deconfliction lists, written the way the lake writes them.

A list arrives as typed by another agency ("Alice@Example.COM", "+44 7700 900123"); it can only
match the lake if it is normalised by the same rules the extract stage applies, so those rules
are reused here, not copied. Names of people are no subject kind: deconfliction compares
identifiers, which do not collide the way names do.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers

from rescue.identity import extract
from rescue.identity.checksums import base58check_valid, segwit_valid

_ETH = re.compile(r"0x[0-9a-f]{40}")
_PGP = re.compile(r"[0-9A-F]{40}")


class BadValueError(ValueError):
    """A value that is not the kind the list says; the message says what is wrong with it."""


def _email(raw: str) -> str:
    found = extract.email(raw)
    if found is None:
        raise BadValueError("not an e-mail address")
    return found.value


def _ip(raw: str) -> str:
    found = extract.ip(raw)
    if found is None:
        raise BadValueError("not an IPv4 or IPv6 address")
    return found.value


def _btc(raw: str) -> str:
    value = raw.strip()
    if value[:1] in ("1", "3") and base58check_valid(value):
        return value  # base58 is case-sensitive: kept as written
    if value[:3].lower() in ("bc1", "tb1") and segwit_valid(value):
        return value.lower()
    raise BadValueError("not a bitcoin address (its checksum fails)")


def _eth(raw: str) -> str:
    value = raw.strip().lower()
    if not _ETH.fullmatch(value):
        raise BadValueError("not an ethereum address (0x and 40 hex digits)")
    return value


def _pgp(raw: str) -> str:
    value = "".join(raw.split()).upper().removeprefix("0X")
    if not _PGP.fullmatch(value):
        raise BadValueError("not a PGP fingerprint (40 hex digits); short key ids are ambiguous")
    return value


def _phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise BadValueError("not a phone number in international format (+CC...)") from None
    if not phonenumbers.is_possible_number(number):
        raise BadValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _username(raw: str) -> str:
    value = raw.strip().lower()
    if not value:
        raise BadValueError("empty")
    return value


def _handle(raw: str) -> str:
    service, colon, handle = raw.strip().partition(":")
    handle = handle.strip().lstrip("@")
    if not colon or not service.strip() or not handle:
        raise BadValueError('give a handle as "service:name", e.g. telegram:quietfox')
    return f"{service.strip().lower()}:{handle.lower()}"


# kind -> normaliser; matching on usernames and handles ignores case and a leading "@".
KINDS: dict[str, Callable[[str], str]] = {
    "email": _email,
    "ip": _ip,
    "btc": _btc,
    "eth": _eth,
    "pgp": _pgp,
    "phone": _phone,
    "username": _username,
    "handle": _handle,
}
# The same folding, in SQL over the lake's identifiers (extract keeps a handle's case and "@").
LAKE_VALUE_SQL = (
    "CASE WHEN i.kind = 'handle' THEN lower(replace(i.value, ':@', ':')) ELSE i.value END"
)


def normalise(kind: str, raw: str) -> str:
    """The value as the lake holds it; BadValueError says why it cannot be one."""
    if kind not in KINDS:
        raise BadValueError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    return KINDS[kind](raw)
