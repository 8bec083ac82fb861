"""Offline IP geolocation: the country and network an address belonged to, and who said so.

No address ever leaves the machine: lookups run against a database on disk. Which database,
and of which date, is recorded with every answer, because an answer is only as good as both:

- GeoLite2 (the data geoip2fast ships, of 2024-06-18) is licensed on terms that forbid using it
  to identify or locate a specific person or household and ask users to keep it current. An
  agency that acts on an answer confirms it with the network operator through legal process:
  the database only says where to send that request, and the record says which data said so.
- Addresses move between operators and countries. An address logged by a forum in 2019 must be
  looked up in data of 2019, not of today: the answer's date lets an analyst see the gap.

Sources, chosen in case.toml (paths may be relative to the case folder)::

    [geo]
    source = "geoip2fast"            # or "ranges": an agency's or registry's CIDR list
    ranges_file = "ranges.csv"       # with source = "ranges"; see rescue.identity.geo_ranges
    geoip2fast_file = "..."          # optional: a newer .dat.gz built with geoip2fast's tools
    tor_exit_list = "exits.txt"      # optional: Tor exits of the evidence's period (netkind)
    hosting_list = "hosting.tsv"     # optional: replaces the shipped hosting/VPN ASN list

geoip2fast keeps its loaded database in module globals, so a second ``GeoIP2Fast`` instance
with another file silently changes the answers of the first (``rescue.synth.ipspace`` loads
two). ``Geoip2fastSource`` therefore takes a lock and reloads its file whenever another load
has replaced it, and it checks that every network it reports holds the address: the combined
IPv4+IPv6 file answers IPv4 ASN gaps with the preceding network otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

from rescue.errors import CaseError, InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The IPv4+IPv6 build of the same GeoLite2 release: one file answers both families.
GEOIP2FAST_FILE = "geoip2fast-asn-ipv6.dat.gz"
SOURCES = ("geoip2fast", "ranges")
SETTINGS = ("source", "ranges_file", "geoip2fast_file", "tor_exit_list", "hosting_list")
_SOURCE_INFO = re.compile(r"^(?:[^:]*:)?(?P<product>.+?)(?:-[a-z]{2})?-(?P<date>\d{8})$")


@dataclass(frozen=True)
class GeoAnswer:
    """What one database says about one address; all fields but the database may be None."""

    ip: str
    country: str | None  # ISO 3166-1 alpha-2
    network: str | None  # the database's CIDR that holds the address
    asn_name: str | None
    asn_network: str | None
    database: str
    database_date: str  # ISO 8601 date of the data


class GeoSource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def date(self) -> str:
        """The ISO 8601 date of the data."""
        ...

    @property
    def digest(self) -> str:
        """SHA-256 of the data file: changes whenever the answers could."""
        ...

    def lookup(self, ip: str) -> GeoAnswer:
        """Raises ValueError when ``ip`` is not an IP address."""
        ...

    def lookup_many(self, ips: Iterable[str]) -> Iterator[GeoAnswer]: ...


def parse_address(ip: str) -> IPAddress:
    """An address as the databases index it: IPv4-mapped IPv6 (::ffff:a.b.c.d) as its IPv4."""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_date(path: Path) -> str:
    """A file's modification date: the fallback when the data do not state their own."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


class _Detail(Protocol):  # geoip2fast is untyped: the fields of its answers that we read
    country_code: str
    cidr: str
    asn_name: str
    asn_cidr: str


@functools.lru_cache(maxsize=1 << 16)  # answers repeat networks; the database has ~800k
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr)
    except ValueError:
        return None


def _holding(cidr: str, address: IPAddress) -> str | None:
    network = _network(cidr) if cidr else None
    return cidr if network is not None and address in network else None


class _Geoip2fastDb:
    """One loaded geoip2fast file; its lookups hold the lock that guards geoip2fast's globals."""

    lock = threading.Lock()  # one for all instances: they share geoip2fast's module globals

    def __init__(self, path: Path) -> None:
        from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]

        self.path = path
        with self.lock:
            self._db = GeoIP2Fast(geoip2fast_data_file=str(path))
            self._mark()
        # What get_database_info() reports as source_info, without it re-reading the file.
        info = str(getattr(self._db, "source_info", ""))
        match = _SOURCE_INFO.match(info)
        if match:
            day = match["date"]
            self.name = f"geoip2fast {match['product']}"
            self.date = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        else:  # a file built without a dated source: name it by the file, date it by mtime
            self.name = f"geoip2fast {path.name}"
            self.date = file_date(path)

    def _mark(self) -> None:
        import geoip2fast.geoip2fast as impl  # type: ignore[import-untyped]

        self._tables = (getattr(impl, "mainIndex", None), getattr(impl, "mainIndexASN", None))

    def _ensure_current(self) -> None:
        import geoip2fast.geoip2fast as impl

        current = (getattr(impl, "mainIndex", None), getattr(impl, "mainIndexASN", None))
        if any(a is not b for a, b in zip(current, self._tables, strict=True)):
            self._db.reload_data()
            self._mark()

    def answers(self, ips: Iterable[str]) -> Iterator[GeoAnswer]:
        for ip in ips:
            address = parse_address(ip)  # before the lock: a bad value raises, nothing held
            with self.lock:
                self._ensure_current()
                # Low IPv6 values (::1.2.3.4) share integers with IPv4: never ask about them.
                small_v6 = address.version == 6 and int(address) <= 0xFFFFFFFF
                detail = None if small_v6 else cast(_Detail, self._db.lookup(str(address)))
            yield self._answer(ip, address, detail)

    def _answer(self, ip: str, address: IPAddress, detail: _Detail | None) -> GeoAnswer:
        network = _holding(detail.cidr, address) if detail else None
        code = detail.country_code if detail and network else ""
        asn_network = _holding(detail.asn_cidr, address) if detail else None
        return GeoAnswer(
            ip=ip,
            country=code.upper() if len(code) == 2 and code.isalpha() else None,
            network=network,
            asn_name=(detail.asn_name or None) if detail and asn_network else None,
            asn_network=asn_network,
            database=self.name,
            database_date=self.date,
        )


@functools.cache
def _open_geoip2fast(path: Path) -> _Geoip2fastDb:
    return _Geoip2fastDb(path)


def geoip2fast_path(data_file: str | Path = GEOIP2FAST_FILE) -> Path:
    """A bare file name is one that geoip2fast ships; anything else is a path."""
    path = Path(data_file)
    if path.parent == Path() and not path.exists():
        import geoip2fast

        path = Path(geoip2fast.__file__).parent / path
    if not path.is_file():
        raise InputError(f"geoip2fast database {path} not found")
    return path.resolve()


class Geoip2fastSource:
    """GeoLite2 country and ASN data through geoip2fast; loaded on first use, once per process."""

    def __init__(self, data_file: str | Path = GEOIP2FAST_FILE) -> None:
        self.path = geoip2fast_path(data_file)

    @property
    def _db(self) -> _Geoip2fastDb:
        return _open_geoip2fast(self.path)

    @property
    def name(self) -> str:
        return self._db.name

    @property
    def date(self) -> str:
        return self._db.date

    @functools.cached_property
    def digest(self) -> str:
        return file_sha256(self.path)

    def lookup(self, ip: str) -> GeoAnswer:
        return next(self._db.answers([ip]))

    def lookup_many(self, ips: Iterable[str]) -> Iterator[GeoAnswer]:
        return self._db.answers(ips)


@dataclass(frozen=True)
class GeoSettings:
    """The [geo] section of case.toml, checked, with its paths resolved."""

    source: str = "geoip2fast"
    ranges_file: Path | None = None
    geoip2fast_file: str | Path = GEOIP2FAST_FILE
    tor_exit_list: Path | None = None
    hosting_list: Path | None = None

    def open_source(self) -> GeoSource:
        if self.source == "ranges":
            from rescue.identity.geo_ranges import RangesCsvSource

            if self.ranges_file is None:
                raise CaseError('[geo] source = "ranges" needs ranges_file = "PATH.csv"')
            return RangesCsvSource(self.ranges_file)
        return Geoip2fastSource(self.geoip2fast_file)


def geo_settings(settings: Mapping[str, Any], base_dir: Path | None = None) -> GeoSettings:
    """Check [geo]; relative paths are taken from ``base_dir`` (the case folder)."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise CaseError(
            f"unknown [geo] settings in case.toml: {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(SETTINGS)}",
        )
    for key, value in settings.items():
        if not isinstance(value, str) or not value:
            raise CaseError(f"[geo] {key} = {value!r} in case.toml is not a non-empty string")
    source = settings.get("source", "geoip2fast")
    if source not in SOURCES:
        raise CaseError(f"[geo] source = {source!r} is not one of: {', '.join(SOURCES)}")
    if source == "ranges" and "ranges_file" not in settings:
        raise CaseError('[geo] source = "ranges" needs ranges_file = "PATH.csv"')

    def path(key: str) -> Path | None:
        if key not in settings:
            return None
        found = Path(settings[key]).expanduser()
        if not found.is_absolute() and base_dir is not None:
            found = base_dir / found
        if not found.is_file():
            raise CaseError(f"[geo] {key}: {found} not found")
        return found

    gip = settings.get("geoip2fast_file", GEOIP2FAST_FILE)
    if base_dir is not None and (base_dir / gip).is_file():
        gip = base_dir / gip  # a file in the case folder; bare names are geoip2fast's own
    return GeoSettings(
        source=source,
        ranges_file=path("ranges_file"),
        geoip2fast_file=geoip2fast_path(gip),
        tor_exit_list=path("tor_exit_list"),
        hosting_list=path("hosting_list"),
    )


def source_from_settings(settings: Mapping[str, Any], base_dir: Path | None = None) -> GeoSource:
    """The source [geo] of case.toml selects (geoip2fast when it is absent)."""
    return geo_settings(settings, base_dir).open_source()
