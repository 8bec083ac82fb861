"""Pure extraction functions: text or a field in, normalised identifiers out.

Everything here is stateless and uses precompiled patterns, so the stage can call it on a
million posts. Anything that fails validation (a checksum, an address parse) is not returned:
an identifier the analyst sees must be one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers

from rescue.identity.checksums import base58check_valid, eip55_valid, segwit_valid
from rescue.identity.meetings import meetings
from rescue.identity.occupations import OCCUPATIONS
from rescue.synth.gazetteer import CITY_COUNTRY


@dataclass(frozen=True)
class Found:
    kind: str
    value: str
    raw: str
    detail: str | None = None


def _alternation(phrases: Iterable[str]) -> str:
    # Longest first, so a phrase is never cut short by a shorter one it starts with.
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_BTC = re.compile(
    r"(?<![A-Za-z0-9])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87})(?![A-Za-z0-9])"
)
_ETH = re.compile(r"(?<![A-Za-z0-9])0x[0-9A-Fa-f]{40}(?![0-9A-Za-z])")
# A v4 fingerprint: 40 hex digits, bare or in gpg's groups of four (two spaces in the middle).
_PGP = re.compile(r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{4} {0,2}){9}[0-9A-Fa-f]{4}(?![0-9A-Za-z])")
_PGP_BLOCK = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----(.*?)-----END PGP PUBLIC KEY BLOCK-----", re.S
)
# Six digits or more, with the separators numbers are written with: a phone needs that much.
_DIGIT_RUN = re.compile(r"\d(?:[\s().-]{0,2}\d){5,}")
_URL = re.compile(r"\bhttps?://[^\s<>\"'\[\]]+", re.I)
# A handle needs its service named right before it ("Wire: @x", "telegram @x"): the words
# alone ("the session was fun") are common.
_HANDLE = re.compile(
    r"\b(telegram|wire|threema|session|signal|wickr)\s*(?::\s*|\s(?=@))"
    r"(@?[A-Za-z0-9][A-Za-z0-9_.-]{2,})",
    re.I,
)
# A bare JID, localpart@domain: the localpart without the characters RFC 7622 forbids in it,
# the domain a dotted host name (a board's users give public servers, not "localhost").
_JID = re.compile(r"[^\s\"&'/:<>@]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}")
_CITY_BY_FOLD = {city.casefold(): city for city in CITY_COUNTRY}
# Only phrases that place the writer there: "I visited Lyon" is travel, not a location.
_LOCATION = re.compile(
    r"\b(?:greetings from|here in|anyone else from|i live in|i'm from|i am from|based in|"
    r"club in|living in)\s+(" + _alternation(CITY_COUNTRY) + r")(?!\w)",
    re.I,
)
_OCCUPATION_BY_FOLD = {o.casefold(): o for o in OCCUPATIONS}
_OCCUPATION = re.compile(
    r"\b(?:work as|working as|as|being|i am|i'm)\s+an?\s+(" + _alternation(OCCUPATIONS) + r")\b",
    re.I,
)
_OCCUPATION_ANY = re.compile(r"\b(" + _alternation(OCCUPATIONS) + r")\b", re.I)
# Top-level domains reserved for documentation; the synthetic data's country label sits below.
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")
_REGION_ALIASES = {"uk": "GB"}


def email(raw: str) -> Found | None:
    value = raw.strip().lower()
    local, at, provider = value.rpartition("@")
    if not at or not local or "." not in provider:
        return None
    return Found("email", value, raw, f"local={local} provider={provider}")


def emails(text: str) -> Iterator[Found]:
    for match in _EMAIL.finditer(text):
        found = email(match.group(0))
        if found:
            yield found


def email_region(address: str | None) -> str | None:
    """The phone region an e-mail's country-code TLD suggests ("x@post.de" -> "DE")."""
    if not address or "@" not in address:
        return None
    labels = address.rsplit("@", 1)[1].lower().split(".")
    if labels and labels[-1] in _RESERVED_TLDS:
        labels = labels[:-1]
    if not labels or len(labels[-1]) != 2:
        return None
    region = _REGION_ALIASES.get(labels[-1], labels[-1].upper())
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def ip(raw: str | None) -> Found | None:
    if not raw:
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    return Found("ip", address.compressed, raw, f"v{address.version}")


def bitcoin(text: str) -> Iterator[Found]:
    for match in _BTC.finditer(text):
        raw = match.group(0)
        if raw[0] in "13":
            if base58check_valid(raw):
                yield Found("btc", raw, raw, "base58check")
        elif segwit_valid(raw):
            yield Found("btc", raw.lower(), raw, "bech32")


def ethereum(text: str) -> Iterator[Found]:
    for match in _ETH.finditer(text):
        raw = match.group(0)
        digits = raw[2:]
        if digits in (digits.lower(), digits.upper()):
            detail = "no checksum"  # EIP-55 is optional: one case throughout carries none
        elif eip55_valid(raw):
            detail = "EIP-55 checksum valid"
        else:
            continue  # mixed case that fails its checksum: a typo or stray hex, no address
        yield Found("eth", "0x" + digits.lower(), raw, detail)


def pgp(text: str) -> Iterator[Found]:
    for match in _PGP.finditer(text):
        raw = match.group(0)
        yield Found("pgp", raw.replace(" ", "").upper(), raw, "fingerprint")
    for match in _PGP_BLOCK.finditer(text):
        body = "".join(match.group(1).split())
        # A key block is long; its digest stands for it so equal blocks link accounts.
        digest = hashlib.sha256(body.encode()).hexdigest()
        yield Found("pgp", f"keyblock:{digest}", match.group(0)[:200], "public key block")


def phones(text: str, region: str | None = None) -> Iterator[Found]:
    """Numbers in international format, or national ones when the region is known."""
    if "+" not in text and region is None:
        return  # without a region only "+CC..." numbers can be read; skip the slow matcher
    if not _DIGIT_RUN.search(text):
        return  # the matcher is the slowest step: most posts have no digit run a number needs
    leniency = phonenumbers.Leniency.POSSIBLE  # fiction ranges are possible, not always valid
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
        number = match.number
        valid = phonenumbers.is_valid_number(number)
        if not valid and not match.raw_string.startswith("+"):
            continue  # a national-format digit run must be a real number, not just any digits
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        where = phonenumbers.region_code_for_number(number) or "unknown"
        status = "valid" if valid else "possible"
        yield Found("phone", value, match.raw_string, f"region={where} {status}")


def urls(text: str, listed: Iterable[str] = ()) -> Iterator[Found]:
    seen: set[str] = set()
    for raw in [*listed, *(m.group(0).rstrip(".,;:!?)") for m in _URL.finditer(text))]:
        if raw in seen:
            continue
        seen.add(raw)
        try:
            host = urlsplit(raw).hostname
        except ValueError:
            continue
        yield Found("url", raw, raw, None)
        if host:
            yield Found("domain", host.lower().rstrip("."), raw, None)


def handles(text: str) -> Iterator[Found]:
    for match in _HANDLE.finditer(text):
        service = match.group(1).lower()
        handle = match.group(2).rstrip(".,;:!?")
        if len(handle) < 3 or not any(c.isalnum() for c in handle):
            continue
        yield Found("handle", f"{service}:{handle}", match.group(0), f"service={service}")


def jabber(raw: str) -> Found | None:
    """A Jabber/XMPP address (phpBB's ``user_jabber``) as a handle, or None if it is none.

    Kept as the bare JID: an ``xmpp:`` scheme and a ``/resource`` (one client of the account)
    are dropped, and the rest folded to lower case, which XMPP treats as the same address.
    """
    value = raw.strip()
    if value[:5].lower() == "xmpp:":
        value = value[5:]
    bare = value.partition("/")[0].casefold()
    if not _JID.fullmatch(bare):
        return None
    return Found("handle", f"jabber:{bare}", raw, "service=jabber")


def _city(city: str, raw: str) -> Found:
    name = _CITY_BY_FOLD[city.casefold()]
    return Found("location", name, raw, CITY_COUNTRY[name])


def locations(text: str) -> Iterator[Found]:
    for match in _LOCATION.finditer(text):
        yield _city(match.group(1), match.group(0))


def location_field(value: str) -> Found | None:
    """A profile location: a gazetteer city, alone or first ("Lyon, France")."""
    head = value.split(",")[0].strip()
    return _city(head, value) if head.casefold() in _CITY_BY_FOLD else None


def occupations(text: str) -> Iterator[Found]:
    for match in _OCCUPATION.finditer(text):
        phrase = _OCCUPATION_BY_FOLD[match.group(1).casefold()]
        yield Found("occupation", phrase, match.group(0), None)


def occupation_field(value: str) -> Found | None:
    match = _OCCUPATION_ANY.search(value)
    if match is None:
        return None
    return Found("occupation", _OCCUPATION_BY_FOLD[match.group(1).casefold()], value, None)


def from_text(
    text: str | None, region: str | None = None, listed_urls: Iterable[str] = ()
) -> list[Found]:
    """Every identifier in free text (a post, message, signature or profile value)."""
    if not text:
        return list(urls("", listed_urls))
    found: list[Found] = []
    found.extend(emails(text))
    found.extend(bitcoin(text))
    found.extend(ethereum(text))
    found.extend(pgp(text))
    found.extend(phones(text, region))
    found.extend(urls(text, listed_urls))
    found.extend(handles(text))
    found.extend(locations(text))
    found.extend(occupations(text))
    found.extend(
        Found("meeting", m.place or m.phrase, m.phrase, "arranging to meet in person")
        for m in meetings(text)
    )
    return found
