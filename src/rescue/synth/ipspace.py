"""Public IPv4 addresses that a geolocator puts in the right country, drawn deterministically.

One sweep looks up an address in every /16 with geoip2fast (country database for the country,
ASN database for the operator) and keeps, per country, the networks it saw; hosting operators
(VPN and server providers) are kept apart. The sweep uses its own fixed seed, so it is the same
in every run and is cached for the process (about 1.5 s once). Persons then get addresses by
picking one of their country's networks with the run's RNG and a host inside it, checked with a
lookup so a geolocator agrees. geoip2fast ships GeoLite2 data of 2024-06; its licence forbids
locating individuals, which is moot here: every address is drawn at random for a fiction.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]

from rescue.identity.netkind import HostingList, load_hosting_list

# Operators that rent servers and VPN exits; matched against the ASN name.
HOSTING_PATTERN = re.compile(
    r"M247|DIGITALOCEAN|OVH|HETZNER|LEASEWEB|CHOOPA|VULTR|LINODE|CONTABO|SCALEWAY|DATACAMP",
    re.IGNORECASE,
)
_SWEEP_SEED = "rescue-synth-ipspace-v1"


class _Detail(Protocol):
    country_code: str
    cidr: str
    asn_name: str
    asn_cidr: str
    is_private: bool


@dataclass(frozen=True)
class Network:
    start: int
    size: int
    operator: str = ""


def ip_to_int(address: str) -> int:
    a, b, c, d = (int(part) for part in address.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def int_to_ip(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def _parse_cidr(cidr: str) -> tuple[int, int]:
    address, _, length = cidr.partition("/")
    return ip_to_int(address), 1 << (32 - int(length))


@functools.cache
def _country_db() -> GeoIP2Fast:
    return GeoIP2Fast()


@functools.cache
def _asn_db() -> GeoIP2Fast:
    return GeoIP2Fast(geoip2fast_data_file="geoip2fast-asn.dat.gz")


def country_of(address: str) -> str:
    """The ISO country code geoip2fast gives an address ("--" and the like when it has none)."""
    return str(cast(_Detail, _country_db().lookup(address)).country_code)


def operator_of(address: str) -> str:
    return str(cast(_Detail, _asn_db().lookup(address)).asn_name)


@dataclass(frozen=True)
class _Sweep:
    by_country: dict[str, tuple[Network, ...]]
    hosting: tuple[Network, ...]


@functools.cache
def _sweep() -> _Sweep:
    rng = random.Random(_SWEEP_SEED)
    countries: dict[str, dict[int, Network]] = {}
    hosting: dict[int, Network] = {}
    for prefix in range(1 << 16):
        address = int_to_ip((prefix << 16) | rng.randrange(1, 1 << 16))
        detail = cast(_Detail, _country_db().lookup(address))
        if detail.is_private or len(detail.country_code) != 2 or detail.country_code == "--":
            continue
        start, size = _parse_cidr(detail.cidr)
        countries.setdefault(detail.country_code, {})[start] = Network(start, size)
        asn = cast(_Detail, _asn_db().lookup(address))
        if asn.asn_name and asn.asn_cidr and HOSTING_PATTERN.search(asn.asn_name):
            asn_start, asn_size = _parse_cidr(asn.asn_cidr)
            hosting[asn_start] = Network(asn_start, asn_size, asn.asn_name)
    return _Sweep(
        by_country={code: tuple(nets[k] for k in sorted(nets)) for code, nets in countries.items()},
        hosting=tuple(hosting[k] for k in sorted(hosting)),
    )


def _host_in(network: Network, rng: random.Random) -> str:
    # Skip the network and broadcast-looking ends of each /24 so addresses look like hosts.
    while True:
        value = network.start + rng.randrange(network.size)
        if 0 < value & 255 < 255:
            return int_to_ip(value)


@functools.cache
def _hosting_list() -> HostingList:
    return load_hosting_list()


def _residential(operator: str) -> bool:
    """Not a hosting or VPN network by the list the geolocation stage uses: a home is a home."""
    return not HOSTING_PATTERN.search(operator) and _hosting_list().match(operator) is None


class IpSpace:
    """Draws addresses for persons; all randomness comes from the caller's RNG."""

    def __init__(self) -> None:
        self._sweep = _sweep()

    def countries(self) -> Sequence[str]:
        return sorted(self._sweep.by_country)

    def home_address(self, country: str, rng: random.Random) -> str:
        """A public address in ``country`` (geolocated there by geoip2fast)."""
        networks = self._sweep.by_country[country]
        for _ in range(50):
            network = networks[rng.randrange(len(networks))]
            address = _host_in(network, rng)
            if country_of(address) == country and _residential(operator_of(address)):
                return address
        raise RuntimeError(f"no address found for {country}")  # pragma: no cover

    def nearby_address(self, address: str, rng: random.Random) -> str:
        """Another address of the same provider block, as after a dynamic-IP reassignment."""
        country = country_of(address)
        base = ip_to_int(address) & ~0xFFF  # the same /20
        for _ in range(20):
            candidate = int_to_ip(base + rng.randrange(1, 0xFFF))
            usable = candidate != address and 0 < ip_to_int(candidate) & 255 < 255
            if usable and country_of(candidate) == country:
                return candidate
        return self.home_address(country, rng)

    def hosting_address(self, rng: random.Random) -> tuple[str, str]:
        """An address of a hosting/VPN operator and that operator's name."""
        hosting = self._sweep.hosting
        while True:
            network = hosting[rng.randrange(len(hosting))]
            address = _host_in(network, rng)
            operator = operator_of(address)
            if HOSTING_PATTERN.search(operator):
                return address, operator
