"""A geolocation source read from a CSV of CIDR ranges: registry delegations or an agency's list.

The file has one range per line, ``network,country,asn_name`` (an optional header row with
those names; country and asn_name may be empty; a name holding a comma is quoted)::

    # database: RIPE NCC delegated-extended
    # date: 2019-03-01
    network,country,asn_name
    192.0.2.0/24,NL,Example Hosting B.V.
    2001:db8::/32,DE,

The leading ``# database:`` and ``# date:`` comments name the data and its date. They are worth
writing: without them the answers are named after the file and dated by its modification time,
which a copy or a checkout resets. Other ``#`` lines are comments.

IPv4 and IPv6 ranges may be mixed. Ranges may nest (a /16 with an agency's /24 inside it): the
most specific range answers. At load the ranges are flattened into disjoint integer intervals, so
a lookup is one bisection. A line that is not a valid row stops the load with an error naming
the file and the line: a silently skipped range would turn into a wrong "unknown" later.
"""

from __future__ import annotations

import bisect
import csv
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rescue.errors import InputError
from rescue.identity.geo import GeoAnswer, file_date, file_sha256, parse_address

HEADER = ("network", "country", "asn_name")


@dataclass(frozen=True)
class _Range:
    first: int
    last: int
    network: str
    country: str | None
    asn_name: str | None
    line: int


class _Intervals:
    """Disjoint [first, last] intervals of one address family, each pointing at its range."""

    def __init__(self, ranges: list[_Range]) -> None:
        self.firsts: list[int] = []
        self.lasts: list[int] = []
        self.ranges: list[_Range] = []
        # CIDR blocks either nest or are disjoint; sorted by start and then widest first, each
        # block opens inside the innermost still-open block that holds it (a stack).
        stack: list[_Range] = []
        cursor = 0
        for block in sorted(ranges, key=lambda r: (r.first, -r.last)):
            while stack and stack[-1].last < block.first:
                cursor = self._emit(stack.pop(), cursor, None)
            if stack:
                cursor = self._emit(stack[-1], cursor, block.first - 1)
            stack.append(block)
            cursor = block.first
        while stack:
            cursor = self._emit(stack.pop(), cursor, None)

    def _emit(self, block: _Range, cursor: int, end: int | None) -> int:
        """The part of ``block`` from ``cursor`` to ``end`` (its own end when None)."""
        last = block.last if end is None else end
        if cursor <= last:
            self.firsts.append(cursor)
            self.lasts.append(last)
            self.ranges.append(block)
        return last + 1

    def find(self, value: int) -> _Range | None:
        index = bisect.bisect_right(self.firsts, value) - 1
        if index >= 0 and value <= self.lasts[index]:
            return self.ranges[index]
        return None


class RangesCsvSource:
    """Answers from a CSV of ranges; the whole file is read and checked on construction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the ranges file {self.path}: {exc}") from exc
        self.digest = file_sha256(self.path)
        meta, ranges = self._parse(text)
        self.name = meta.get("database") or self.path.name
        self.date = meta.get("date") or file_date(self.path)
        self._families = {
            version: _Intervals([r for r, v in ranges if v == version]) for version in (4, 6)
        }

    def _error(self, line: int, problem: str) -> InputError:
        return InputError(
            f"{self.path}, line {line}: {problem}",
            "each line is network,country,asn_name, e.g. 192.0.2.0/24,NL,Example B.V.",
        )

    def _parse(self, text: str) -> tuple[dict[str, str], list[tuple[_Range, int]]]:
        meta: dict[str, str] = {}
        ranges: list[tuple[_Range, int]] = []
        seen: dict[str, _Range] = {}
        in_header = True
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                key, colon, value = stripped.lstrip("#").partition(":")
                if in_header and colon and key.strip().lower() in ("database", "date"):
                    meta[key.strip().lower()] = self._meta(number, key.strip().lower(), value)
                continue
            in_header = False
            cells = [cell.strip() for cell in next(csv.reader([line]))]
            if tuple(c.lower() for c in cells) == HEADER and not ranges:
                continue
            block, version = self._row(number, cells)
            twin = seen.get(block.network)
            if twin is not None and (twin.country, twin.asn_name) != (
                block.country,
                block.asn_name,
            ):
                raise self._error(
                    number, f"{block.network} was given other values on line {twin.line}"
                )
            if twin is None:
                seen[block.network] = block
                ranges.append((block, version))
        return meta, ranges

    def _meta(self, line: int, key: str, value: str) -> str:
        value = value.strip()
        if key == "date":
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                raise self._error(line, f"date {value!r} is not an ISO date (YYYY-MM-DD)") from None
        return value

    def _row(self, line: int, cells: list[str]) -> tuple[_Range, int]:
        if len(cells) != len(HEADER):
            raise self._error(line, f"expected 3 fields, found {len(cells)}")
        text, country, asn_name = cells
        try:
            network = ipaddress.ip_network(text)
        except ValueError as exc:
            raise self._error(line, f"{text!r} is not a CIDR network ({exc})") from None
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise self._error(line, f"country {country!r} is not an ISO 3166-1 alpha-2 code")
        block = _Range(
            first=int(network.network_address),
            last=int(network.broadcast_address),
            network=network.compressed,
            country=country.upper() or None,
            asn_name=asn_name or None,
            line=line,
        )
        return block, network.version

    def lookup(self, ip: str) -> GeoAnswer:
        address = parse_address(ip)
        block = self._families[address.version].find(int(address))
        return GeoAnswer(
            ip=ip,
            country=block.country if block else None,
            network=block.network if block else None,
            asn_name=block.asn_name if block else None,
            # The list names one organisation per range: its network is the range itself.
            asn_network=block.network if block and block.asn_name else None,
            database=self.name,
            database_date=self.date,
        )

    def lookup_many(self, ips: Iterable[str]) -> Iterator[GeoAnswer]:
        return (self.lookup(ip) for ip in ips)
