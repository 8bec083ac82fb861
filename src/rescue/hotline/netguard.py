"""Where the checker may connect: name resolution behind an interface, and the SSRF guard.

A report is untrusted input that makes the server fetch a URL. Without a guard, a reporter
could make it fetch ``http://127.0.0.1:5432/``, a cloud metadata address (169.254.169.254) or
a machine on the hotline's own network, and learn from the answer (server-side request
forgery). So every hop of every fetch (the reported URL and each redirect) is resolved here and
refused unless the address is a public one, and the connection is then made to *that* address:
a name resolved again at connect time could point elsewhere by then (DNS rebinding).

"Public" is what ``rescue.identity.netkind.special_range`` says it is (loopback, RFC 1918,
link-local, carrier-grade NAT, multicast, reserved, unspecified and documentation ranges are
not), plus the IPv4 address inside a 6to4 address (2002::/16), which a relay would forward
to. NAT64 addresses (64:ff9b::/96) fall in a range ``ipaddress`` counts as reserved: refused.
``RESCUE_HOTLINE_ALLOW_PRIVATE=1`` lifts the guard for tests and closed lab networks only
(``rescue.hotline.settings``).

Resolvers: ``SystemResolver`` asks the operating system (``getaddrinfo``: /etc/hosts, then DNS);
``MappingResolver`` answers from a fixed table, for closed lab networks and the tests.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from rescue.identity.geo import parse_address
from rescue.identity.netkind import special_range


class ResolveError(Exception):
    """The name does not resolve (no such host, no address, resolver failure)."""


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, in the order to try them; ``ResolveError`` when there are none."""
        ...


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[str]:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise ResolveError(f"{host} does not resolve: {exc}") from None
        return _unique(str(info[4][0]) for info in answers)


class MappingResolver:
    """Host names to addresses from a table; a host not in it does not exist."""

    def __init__(self, table: Mapping[str, str | Iterable[str]]) -> None:
        self._table = {
            name.lower().rstrip("."): [value] if isinstance(value, str) else list(value)
            for name, value in table.items()
        }

    def resolve(self, host: str, port: int) -> list[str]:
        found = self._table.get(host.lower().rstrip("."))
        if not found:
            raise ResolveError(f"{host} does not resolve: not in the hosts table")
        return list(found)


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        seen.setdefault(address.split("%", 1)[0], None)  # a scope id is no other address
    return list(seen)


def forbidden_reason(ip: str) -> str | None:
    """Why the checker must not connect to ``ip`` (it is not a public address), or None."""
    try:
        address = parse_address(ip)
    except ValueError:
        return f"{ip!r} is not an IP address"
    reason = special_range(address)
    if reason is not None:
        return reason
    if isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None:
        inner = special_range(address.sixtofour)
        if inner is not None:
            return f"{inner} ({address.sixtofour}) behind a 6to4 address"
    return None


@dataclass(frozen=True)
class Target:
    """A hop's address, checked: connect to ``ip`` and to nothing else."""

    host: str
    ip: str


class RefusedError(Exception):
    """The target is not a public address and private ones are not allowed."""


# Why an address may not be connected to, or None when it may: the policy a fetcher applies.
AddressPolicy = Callable[[str], str | None]


def allow_any(ip: str) -> str | None:
    """The policy under RESCUE_HOTLINE_ALLOW_PRIVATE=1: every address may be fetched."""
    return None


def checked_target(
    host: str, port: int, resolver: Resolver, policy: AddressPolicy = forbidden_reason
) -> Target:
    """Resolve ``host`` (unless it is an IP literal) and pick the first address ``policy``
    allows.

    ``RefusedError`` names each address and its rule when every address is forbidden;
    ``ResolveError`` when the name does not resolve.
    """
    literal = host[1:-1] if host.startswith("[") else host
    try:
        addresses = [str(ipaddress.ip_address(literal))]
    except ValueError:
        addresses = resolver.resolve(host, port)
    if not addresses:
        raise ResolveError(f"{host} has no address")
    reasons = []
    for address in addresses:
        reason = policy(address)
        if reason is None:
            return Target(host, address)
        reasons.append(f"{address} ({reason})")
    raise RefusedError(
        f"{host} resolves to no public address: {', '.join(reasons)}; not fetched "
        "(set RESCUE_HOTLINE_ALLOW_PRIVATE=1 only in tests and closed lab networks)"
    )
