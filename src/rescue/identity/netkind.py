"""What kind of network an address is on: residential, hosting, vpn, tor, private or unknown.

An address on a VPN exit, a Tor exit or a rented server says nothing about where a person lives;
attribution must not count it as a home. The checks, first match wins:

1. private: not a public address (RFC 1918, loopback, link-local, carrier-grade NAT, reserved,
   documentation, multicast), decided by the ``ipaddress`` module, whatever a database says;
2. tor: listed in a Tor exit list, when the case gives one (``[geo] tor_exit_list``). Exits
   change daily: the list should be of the period of the evidence, e.g. from the Tor Project's
   CollecTor archive. Both the ``exit-addresses`` format ("ExitAddress 1.2.3.4 2024-...")
   and plain one-address-per-line files (the bulk exit list) are read;
3. vpn / hosting: the ASN organisation name matches a line of the hosting list, shipped as
   ``data/hosting_asns.tsv`` (or the case's own ``[geo] hosting_list``);
4. unknown: the database has no country for the address;
5. residential: anything else. "Residential" means "public, located, and not known to be a
   server or an anonymiser" - the name the trade uses - not proof of a home connection.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rescue.errors import InputError
from rescue.identity.geo import GeoAnswer, IPAddress, parse_address

KINDS = ("residential", "hosting", "vpn", "tor", "private", "unknown")
RULE_KINDS = ("vpn", "hosting")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_TOR_KEYWORDS = ("@type", "Downloaded", "ExitNode", "Published", "LastStatus")


@dataclass(frozen=True)
class NetKind:
    kind: str  # one of KINDS
    reason: str | None  # why it is not residential; None when it is


@dataclass(frozen=True)
class AsnRule:
    kind: str  # vpn | hosting
    pattern: re.Pattern[str]
    comment: str
    line: int


@dataclass(frozen=True)
class HostingList:
    name: str
    rules: tuple[AsnRule, ...]
    sha256: str

    def match(self, asn_name: str | None) -> AsnRule | None:
        if not asn_name:
            return None
        return next((rule for rule in self.rules if rule.pattern.search(asn_name)), None)


def parse_hosting_list(text: str, name: str) -> HostingList:
    """Lines of ``kind<TAB>regex<TAB>comment``; ``#`` starts a comment line."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, _, rest = line.partition("\t")
        regex, _, comment = rest.partition("\t")
        where = f"{name}, line {number}"
        if kind not in RULE_KINDS:
            raise InputError(f"{where}: kind {kind!r} is not one of {', '.join(RULE_KINDS)}")
        if not regex:
            raise InputError(f"{where}: no pattern (fields are separated by tabs)")
        try:
            pattern = re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"{where}: bad pattern {regex!r}: {exc}") from None
        rules.append(AsnRule(kind, pattern, comment.strip(), number))
    return HostingList(name, tuple(rules), hashlib.sha256(text.encode()).hexdigest())


def load_hosting_list(path: Path | None = None) -> HostingList:
    """The given list, or the one shipped with Rescue."""
    if path is None:
        shipped = resources.files("rescue.identity") / "data" / "hosting_asns.tsv"
        return parse_hosting_list(shipped.read_text(encoding="utf-8"), "hosting_asns.tsv")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the hosting list {path}: {exc}") from exc
    return parse_hosting_list(text, str(path))


@dataclass(frozen=True)
class TorExits:
    name: str
    addresses: frozenset[str]  # normalised, as ``parse_address(...).compressed``
    sha256: str


def parse_tor_exits(text: str, name: str) -> TorExits:
    """Exit addresses from an ``exit-addresses`` document or a plain list of addresses."""
    found: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0].startswith("#") or words[0] in _TOR_KEYWORDS:
            continue
        if words[0] == "ExitAddress" and len(words) >= 2:
            value = words[1]
        elif len(words) == 1:
            value = words[0]
        else:
            raise InputError(f"{name}, line {number}: not an exit address line: {line[:80]!r}")
        try:
            found.add(parse_address(value).compressed)
        except ValueError:
            raise InputError(f"{name}, line {number}: {value!r} is not an IP address") from None
    return TorExits(name, frozenset(found), hashlib.sha256(text.encode()).hexdigest())


def load_tor_exits(path: Path) -> TorExits:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the Tor exit list {path}: {exc}") from exc
    return parse_tor_exits(text, Path(path).name)


def special_range(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_unspecified:
        return "unspecified address"
    if address in _CGNAT:
        return "carrier-grade NAT range (RFC 6598)"
    if address.is_reserved:
        return "reserved range"
    if address.is_private:  # RFC 1918, unique-local, documentation and the like
        return "private or special-purpose range"
    if not address.is_global:
        return "special-purpose range"
    return None


class Classifier:
    def __init__(self, hosting: HostingList | None = None, tor: TorExits | None = None) -> None:
        self.hosting = hosting if hosting is not None else load_hosting_list()
        self.tor = tor

    def classify(self, answer: GeoAnswer) -> NetKind:
        address = parse_address(answer.ip)
        special = special_range(address)
        if special:
            return NetKind("private", special)
        if self.tor is not None and address.compressed in self.tor.addresses:
            return NetKind("tor", f"listed in the Tor exit list {self.tor.name}")
        rule = self.hosting.match(answer.asn_name)
        if rule is not None:
            return NetKind(
                rule.kind,
                f"ASN {answer.asn_name!r} is on the {rule.kind} list: {rule.comment} "
                f"({self.hosting.name}, line {rule.line})",
            )
        if answer.country is None:
            return NetKind(
                "unknown", f"{answer.database} of {answer.database_date} has no country for it"
            )
        return NetKind("residential", None)
