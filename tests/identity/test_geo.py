"""Geolocation sources: one contract run against geoip2fast and a ranges CSV, then each alone."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from ipaddress import ip_network
from pathlib import Path

import pytest

from rescue.errors import CaseError, InputError
from rescue.identity.geo import (
    GeoAnswer,
    Geoip2fastSource,
    GeoSource,
    geo_settings,
    parse_address,
    source_from_settings,
)
from rescue.identity.geo_ranges import RangesCsvSource
from rescue.identity.netkind import Classifier
from rescue.synth.ipspace import HOSTING_PATTERN, IpSpace

# Answers geoip2fast's GeoLite2 data of 2024-06-18 gives; the ranges CSV below says the same.
KNOWN = [
    ("8.8.8.8", "US", "GOOGLE", "hosting"),
    ("185.65.134.1", "NL", "31173 Services AB", "vpn"),  # Mullvad
    ("49.12.166.80", "DE", "Hetzner Online GmbH", "hosting"),
    ("2a01:4f8::1", "DE", "Hetzner Online GmbH", "hosting"),
    ("2003::1", "DE", "Deutsche Telekom AG", "residential"),
]
KNOWN_ROWS = [
    "8.8.8.0/24,US,GOOGLE",
    "185.65.134.0/23,NL,31173 Services AB",
    "49.12.0.0/16,DE,Hetzner Online GmbH",
    "2a01:4f8::/32,DE,Hetzner Online GmbH",
    "2003::/19,DE,Deutsche Telekom AG",
]
COUNTRIES = ("DE", "FR", "GB", "US", "JP", "BR", "PL")
UNALLOCATED_V6 = "2d00::1"  # 2d00::/8 is not delegated: no database has it


def home_addresses() -> list[tuple[str, str]]:
    space, rng = IpSpace(), random.Random(1)
    return [(space.home_address(country, rng), country) for country in COUNTRIES for _ in "ab"]


def hosting_addresses() -> list[tuple[str, str]]:
    space, rng = IpSpace(), random.Random(2)
    return [space.hosting_address(rng) for _ in range(8)]


def write_ranges(path: Path) -> Path:
    """A CSV holding the known networks and the networks of the synthetic addresses."""
    geo = Geoip2fastSource()
    rows = set(KNOWN_ROWS)
    for address, _ in home_addresses() + hosting_addresses():
        answer = geo.lookup(address)
        rows.add(f'{answer.network},{answer.country},"{answer.asn_name or ""}"')
    body = "\n".join(sorted(rows))
    path.write_text(f"# database: test ranges\n# date: 2024-06-01\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture(params=["geoip2fast", "ranges"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> GeoSource:
    if request.param == "geoip2fast":
        return Geoip2fastSource()
    return RangesCsvSource(write_ranges(tmp_path / "ranges.csv"))


# --- the contract, on both sources ---------------------------------------------------------


@pytest.mark.parametrize(("ip", "country", "asn_name", "kind"), KNOWN)
def test_known_addresses(
    source: GeoSource, ip: str, country: str, asn_name: str, kind: str
) -> None:
    answer = source.lookup(ip)
    assert (answer.ip, answer.country, answer.asn_name) == (ip, country, asn_name)
    assert answer.network and parse_address(ip) in ip_network(answer.network)
    assert answer.asn_network and parse_address(ip) in ip_network(answer.asn_network)
    assert Classifier().classify(answer).kind == kind


def test_every_answer_names_its_database_and_date(source: GeoSource) -> None:
    for ip in ("8.8.8.8", "10.1.2.3", UNALLOCATED_V6):
        answer = source.lookup(ip)
        assert (answer.database, answer.database_date) == (source.name, source.date)
        assert datetime.fromisoformat(answer.database_date).year >= 2000
    assert len(source.digest) == 64


def test_synthetic_homes_are_located_in_their_country(source: GeoSource) -> None:
    classifier = Classifier()
    kinds = []
    for address, country in home_addresses():
        answer = source.lookup(address)
        assert answer.country == country, answer
        kind = classifier.classify(answer).kind
        assert kind == "residential" or synth_blind_spot(answer, kind), answer
        kinds.append(kind)
    assert kinds.count("residential") >= len(kinds) - 2


def synth_blind_spot(answer: GeoAnswer, kind: str) -> bool:
    """A synthetic "home" in a cloud: the generator avoids only its own HOSTING_PATTERN."""
    return kind == "hosting" and not HOSTING_PATTERN.search(answer.asn_name or "")


def test_synthetic_hosting_addresses_are_flagged(source: GeoSource) -> None:
    classifier = Classifier()
    for address, operator in hosting_addresses():
        answer = source.lookup(address)
        assert answer.asn_name == operator
        kind = classifier.classify(answer)
        assert kind.kind in ("vpn", "hosting"), answer
        assert kind.reason and operator in kind.reason


def test_unlisted_ipv6_is_unknown_not_an_error(source: GeoSource) -> None:
    answer = source.lookup(UNALLOCATED_V6)
    assert (answer.country, answer.network, answer.asn_name) == (None, None, None)
    kind = Classifier().classify(answer)
    assert kind.kind == "unknown"
    assert kind.reason and source.name in kind.reason and source.date in kind.reason


@pytest.mark.parametrize("ip", ["10.0.0.7", "192.168.1.20", "127.0.0.1", "fe80::1", "fd00::5"])
def test_private_addresses_are_private_whatever_the_source(source: GeoSource, ip: str) -> None:
    kind = Classifier().classify(source.lookup(ip))
    assert kind.kind == "private"
    assert kind.reason


def test_ipv4_mapped_ipv6_is_looked_up_as_ipv4(source: GeoSource) -> None:
    mapped = source.lookup("::ffff:8.8.8.8")
    plain = source.lookup("8.8.8.8")
    assert mapped.ip == "::ffff:8.8.8.8"
    assert (mapped.country, mapped.network, mapped.asn_name) == (
        plain.country,
        plain.network,
        plain.asn_name,
    )


@pytest.mark.parametrize("bad", ["", "not an ip", "999.1.1.1", "1.2.3.4/24", "gg::1"])
def test_a_value_that_is_not_an_address_raises_value_error(source: GeoSource, bad: str) -> None:
    with pytest.raises(ValueError):
        source.lookup(bad)


def test_lookup_many_answers_like_lookup(source: GeoSource) -> None:
    ips = [ip for ip, *_ in KNOWN] + [UNALLOCATED_V6, "10.0.0.1"]
    assert list(source.lookup_many(ips)) == [source.lookup(ip) for ip in ips]


# --- geoip2fast ----------------------------------------------------------------------------


def test_geoip2fast_names_its_data_from_the_file() -> None:
    source = Geoip2fastSource()
    assert source.name == "geoip2fast GeoLite2-CountryASN-IPv4IPv6"
    assert source.date == "2024-06-18"
    ipv4_only = Geoip2fastSource("geoip2fast-asn.dat.gz")
    assert ipv4_only.name == "geoip2fast GeoLite2-CountryASN-IPv4"
    assert ipv4_only.date == "2024-06-18"


def test_ipv4_only_file_leaves_ipv6_unknown() -> None:
    source = Geoip2fastSource("geoip2fast-asn.dat.gz")
    answer = source.lookup("2a01:4f8::1")
    assert answer.country is None and answer.asn_name is None
    assert Classifier().classify(answer).kind == "unknown"
    assert source.lookup("49.12.166.80").asn_name == "Hetzner Online GmbH"


def test_another_geoip2fast_load_does_not_change_the_answers() -> None:
    """geoip2fast keeps its data in module globals; another file loaded later must not leak in."""
    from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]

    source = Geoip2fastSource()
    before = [source.lookup(ip) for ip, *_ in KNOWN]
    GeoIP2Fast()  # the country-only IPv4 file: no ASN names, no IPv6
    assert [source.lookup(ip) for ip, *_ in KNOWN] == before
    other = Geoip2fastSource("geoip2fast-asn.dat.gz")
    assert other.lookup("2a01:4f8::1").country is None
    assert source.lookup("2a01:4f8::1").country == "DE"


def test_an_ipv4_asn_gap_gets_no_asn() -> None:
    """In the IPv4+IPv6 file geoip2fast answers an address between two ASN networks with the
    one below it (here AMAZON-02's 18.68.164.0/23), which would flag it as hosting."""
    combined = Geoip2fastSource().lookup("18.69.253.111")
    assert (combined.country, combined.asn_name, combined.asn_network) == ("US", None, None)
    assert Classifier().classify(combined).kind == "residential"
    ipv4_only = Geoip2fastSource("geoip2fast-asn.dat.gz").lookup("18.69.253.111")
    assert (ipv4_only.country, ipv4_only.asn_name) == ("US", None)


def test_low_ipv6_values_are_not_read_as_ipv4() -> None:
    # ::8.8.8.8 has the integer value of 8.8.8.8; geoip2fast would answer with Google's data.
    answer = Geoip2fastSource().lookup("::8.8.8.8")
    assert (answer.country, answer.asn_name) == (None, None)


def test_missing_geoip2fast_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        Geoip2fastSource(tmp_path / "nope.dat.gz")


# --- settings ------------------------------------------------------------------------------


def test_settings_default_to_geoip2fast() -> None:
    settings = geo_settings({})
    assert settings.source == "geoip2fast"
    assert (settings.ranges_file, settings.tor_exit_list, settings.hosting_list) == (None,) * 3
    assert isinstance(source_from_settings({}), Geoip2fastSource)


def test_settings_paths_are_relative_to_the_case_folder(tmp_path: Path) -> None:
    write_ranges(tmp_path / "ranges.csv")
    (tmp_path / "exits.txt").write_text("1.2.3.4\n")
    given = {"source": "ranges", "ranges_file": "ranges.csv", "tor_exit_list": "exits.txt"}
    settings = geo_settings(given, tmp_path)
    assert settings.ranges_file == tmp_path / "ranges.csv"
    assert settings.tor_exit_list == tmp_path / "exits.txt"
    source = source_from_settings(given, tmp_path)
    assert isinstance(source, RangesCsvSource)
    assert source.lookup("8.8.8.8").country == "US"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"sauce": "geoip2fast"}, "unknown \\[geo\\] settings"),
        ({"source": "maxmind"}, "not one of"),
        ({"source": "ranges"}, "needs ranges_file"),
        ({"source": 3}, "not a non-empty string"),
        ({"tor_exit_list": "missing.txt"}, "missing.txt not found"),
    ],
)
def test_bad_settings_are_case_errors(
    tmp_path: Path, given: dict[str, object], message: str
) -> None:
    with pytest.raises(CaseError, match=message):
        geo_settings(given, tmp_path)


# --- ranges CSV ----------------------------------------------------------------------------


def ranges(tmp_path: Path, text: str, name: str = "r.csv") -> RangesCsvSource:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return RangesCsvSource(path)


def test_ranges_name_and_date_come_from_the_header(tmp_path: Path) -> None:
    source = ranges(tmp_path, "# database: RIPE NCC delegated\n# date: 2019-03-01\n1.0.0.0/8,AU,\n")
    assert (source.name, source.date) == ("RIPE NCC delegated", "2019-03-01")
    answer = source.lookup("1.2.3.4")
    assert (answer.database, answer.database_date) == ("RIPE NCC delegated", "2019-03-01")


def test_ranges_without_header_are_named_by_file_and_dated_by_mtime(tmp_path: Path) -> None:
    path = tmp_path / "agency-list.csv"
    path.write_text("network,country,asn_name\n1.0.0.0/8,AU,\n", encoding="utf-8")
    stamp = datetime(2018, 5, 4, 12, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    source = RangesCsvSource(path)
    assert (source.name, source.date) == ("agency-list.csv", "2018-05-04")


def test_the_most_specific_range_answers(tmp_path: Path) -> None:
    source = ranges(
        tmp_path,
        "\n".join(
            [
                "10.0.0.0/8,DE,Outer",  # private in real life; the CSV does not care
                "10.1.0.0/16,FR,Middle",
                "10.1.2.0/24,IT,Inner",
                "10.1.3.0/24,ES,",
                "11.0.0.0/8,PL,Next",
                "2001:db8::/32,NL,Six",
                "2001:db8:1::/48,BE,Six inner",
            ]
        )
        + "\n",
    )

    def where(ip: str) -> tuple[str | None, str | None, str | None]:
        a = source.lookup(ip)
        return a.country, a.network, a.asn_name

    assert where("10.0.0.1") == ("DE", "10.0.0.0/8", "Outer")
    assert where("10.1.0.9") == ("FR", "10.1.0.0/16", "Middle")
    assert where("10.1.2.255") == ("IT", "10.1.2.0/24", "Inner")
    assert where("10.1.3.0") == ("ES", "10.1.3.0/24", None)
    assert where("10.1.4.0") == ("FR", "10.1.0.0/16", "Middle")  # back in the middle after both
    assert where("10.2.0.0") == ("DE", "10.0.0.0/8", "Outer")
    assert where("10.255.255.255") == ("DE", "10.0.0.0/8", "Outer")
    assert where("11.0.0.0") == ("PL", "11.0.0.0/8", "Next")
    assert where("9.255.255.255") == (None, None, None)
    assert where("12.0.0.0") == (None, None, None)
    assert where("2001:db8:1::1") == ("BE", "2001:db8:1::/48", "Six inner")
    assert where("2001:db8:2::1") == ("NL", "2001:db8::/32", "Six")
    # IPv4 and IPv6 integers overlap: ::a00:1 must not find 10.0.0.1's range.
    assert where("::a00:1") == (None, None, None)
    assert source.lookup("10.1.3.0").asn_network is None


def test_ranges_accept_quotes_bom_blank_lines_and_a_repeated_identical_row(tmp_path: Path) -> None:
    source = ranges(
        tmp_path,
        '\ufeffnetwork,country,asn_name\n\n# a comment\n5.0.0.0/8, sy ,"Alibaba US, Ltd."\n'
        '5.0.0.0/8,SY,"Alibaba US, Ltd."\n',
    )
    answer = source.lookup("5.1.2.3")
    assert (answer.country, answer.asn_name) == ("SY", "Alibaba US, Ltd.")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("1.0.0.0/8,AU,x\n1.0.0.0/8,AU\n", 2, "expected 3 fields"),
        ("# date: 2019\n1.0.0.0/8,AU,\n", 1, "not an ISO date"),
        ("network,country,asn_name\n\n1.2.3.4/8,AU,\n", 3, "not a CIDR network"),
        ("banana,AU,\n", 1, "not a CIDR network"),
        ("1.0.0.0/8,AUS,\n", 1, "not an ISO 3166-1"),
        ("1.0.0.0/8,AU,a\n2.0.0.0/8,AU,\n1.0.0.0/8,NZ,a\n", 3, "other values on line 1"),
    ],
)
def test_bad_ranges_lines_name_the_file_and_the_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        ranges(tmp_path, text, "bad-ranges.csv")
    message = caught.value.message
    assert str(tmp_path / "bad-ranges.csv") in message
    assert f"line {line}:" in message
    assert problem in message


def test_unreadable_ranges_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        RangesCsvSource(tmp_path / "missing.csv")


def test_answers_compare_by_value() -> None:
    a = GeoAnswer("1.2.3.4", "AU", "1.0.0.0/8", None, None, "db", "2020-01-01")
    assert a == GeoAnswer("1.2.3.4", "AU", "1.0.0.0/8", None, None, "db", "2020-01-01")
    with pytest.raises(AttributeError):
        a.country = "NZ"  # type: ignore[misc]
