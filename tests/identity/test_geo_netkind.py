"""Network kinds: special ranges, Tor exit lists, and the shipped hosting/VPN ASN list."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rescue.errors import InputError
from rescue.identity.geo import GeoAnswer, parse_address
from rescue.identity.netkind import (
    Classifier,
    load_hosting_list,
    load_tor_exits,
    parse_hosting_list,
    parse_tor_exits,
    special_range,
)
from rescue.synth.ipspace import HOSTING_PATTERN, IpSpace

# Every operator the synthetic forum's VPN exits came from in the generator's sweep.
SYNTH_OPERATORS = [
    "OVH SAS",
    "DIGITALOCEAN-ASN",
    "Hetzner Online GmbH",
    "M247 Europe SRL",
    "M247 UK Ltd",
    "M247 Ltd",
    "AS-CHOOPA",
    "AS-CHOOPA3",
    "LEASEWEB-USA-LAX",
    "LEASEWEB-USA-SFO",
    "LeaseWeb Netherlands B.V.",
    "Leaseweb Uk Limited",
    "Leaseweb Deutschland GmbH",
    "Scaleway S.a.s.",
    "Datacamp Limited",
    "Contabo GmbH",
    "Contabo Asia Private Limited",
]
VPN_OPERATORS = [
    "M247 Europe SRL",
    "Datacamp Limited",
    "31173 Services AB",
    "Mullvad VPN AB",
    "PacketHub S.A.",
    "TEFINCOM S.A.",
    "Proton AG",
    "Private Internet Access, Inc.",
    "London Trust Media, Inc.",
    "Surfshark Ltd",
    "Express VPN International Ltd",
    "WINDSCRIBE",
]
CLOUDS = [
    "AMAZON-02",
    "AMAZON-AES",
    "GOOGLE-CLOUD-PLATFORM",
    "GOOGLE",
    "MICROSOFT-CORP-MSN-AS-BLOCK",
    "Alibaba US Technology Co., Ltd.",
    "Shenzhen Tencent Computer Systems Company Limited",
    "ORACLE-BMC-31898",
    "IONOS SE",
    "Hostinger International Limited",
    "Akamai Connected Cloud",
    "Linode, LLC",
]
# Home ISPs whose names come close to an entry: flagging them would hide a home connection.
RESIDENTIAL = [
    "Deutsche Telekom AG",
    "GOOGLE-FIBER",
    "AMAZONIA TELECOMUNICACOES LTDA",
    "AMAZONET DIGITAL",
    "ASN-ROVHIL",  # "OVH" inside; the synth's own pattern matches it
    "Datacampus SAS",
    "1&1 Versatel Deutschland GmbH",
    "Orange Polska Spolka Akcyjna",
    "COMCAST-7922",
    "Free SAS",
    "Nordnet SA",
    "Proton Internet Llp",
    "Telia Company AB",
]


def answer(ip: str, asn_name: str | None = None, country: str | None = "DE") -> GeoAnswer:
    return GeoAnswer(ip, country, None, asn_name, None, "test db", "2024-01-01")


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.1.1", "link-local"),
        ("100.64.3.4", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "special-purpose"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),
        ("2001:db8::1", "special-purpose"),
        ("::ffff:192.168.1.1", "private"),
    ],
)
def test_special_ranges_are_private(ip: str, reason: str) -> None:
    found = special_range(parse_address(ip))
    assert found is not None and reason in found
    kind = Classifier().classify(answer(ip, "Deutsche Telekom AG"))
    assert (kind.kind, kind.reason) == ("private", found)


@pytest.mark.parametrize("ip", ["8.8.8.8", "2003::1", "1.1.1.1", "100.128.0.1"])
def test_public_addresses_are_not_special(ip: str) -> None:
    assert special_range(parse_address(ip)) is None


TOR_EXIT_ADDRESSES = """\
@type tor-exit-list 1.0
Downloaded 2024-06-18 12:02:01
ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E
Published 2024-06-17 22:46:37
LastStatus 2024-06-18 09:00:00
ExitAddress 162.247.74.201 2024-06-18 09:12:45
ExitNode 0111BA9B604669E636FFD5B503F382A4B7AD6E80
Published 2024-06-18 03:02:11
LastStatus 2024-06-18 11:00:00
ExitAddress 176.10.99.200 2024-06-18 11:04:22
ExitAddress 2a0b:f4c2::1 2024-06-18 11:04:22
"""


def test_tor_exit_addresses_format() -> None:
    exits = parse_tor_exits(TOR_EXIT_ADDRESSES, "exit-addresses")
    assert exits.addresses == {"162.247.74.201", "176.10.99.200", "2a0b:f4c2::1"}
    assert exits.name == "exit-addresses"
    assert len(exits.sha256) == 64


def test_tor_plain_list_with_comments_is_normalised() -> None:
    exits = parse_tor_exits(
        "# bulk exit list\n162.247.74.201\n\n  176.10.99.200  \n2A0B:F4C2:0:0::1\n", "bulk"
    )
    assert exits.addresses == {"162.247.74.201", "176.10.99.200", "2a0b:f4c2::1"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("1.2.3.4\nnot-an-ip\n", 2),
        ("ExitAddress 1.2.3.999 2024-06-18\n", 1),
        ("1.2.3.4 5.6.7.8", 1),
    ],
)
def test_bad_tor_lines_name_the_list_and_line(text: str, line: int) -> None:
    with pytest.raises(InputError, match=f"exits.txt, line {line}:"):
        parse_tor_exits(text, "exits.txt")


def test_tor_list_file_and_classification(tmp_path: Path) -> None:
    path = tmp_path / "exits-2024-06.txt"
    path.write_text(TOR_EXIT_ADDRESSES, encoding="utf-8")
    classifier = Classifier(tor=load_tor_exits(path))
    # A Tor exit on a hosting network is "tor": the more specific fact wins.
    kind = classifier.classify(answer("176.10.99.200", "Hetzner Online GmbH"))
    assert kind.kind == "tor"
    assert kind.reason and "exits-2024-06.txt" in kind.reason
    assert classifier.classify(answer("::ffff:162.247.74.201")).kind == "tor"
    assert classifier.classify(answer("176.10.99.201", "Hetzner Online GmbH")).kind == "hosting"
    with pytest.raises(InputError, match="cannot read"):
        load_tor_exits(tmp_path / "missing.txt")


@pytest.mark.parametrize("operator", SYNTH_OPERATORS)
def test_every_operator_the_synth_uses_is_flagged(operator: str) -> None:
    assert HOSTING_PATTERN.search(operator)  # still one of the synth's operators
    kind = Classifier().classify(answer("49.12.1.1", operator))
    assert kind.kind in ("vpn", "hosting")
    assert kind.reason and operator in kind.reason and "hosting_asns.tsv, line" in kind.reason


def test_the_synth_draws_exits_only_from_flagged_operators() -> None:
    space, rng, classifier = IpSpace(), random.Random(7), Classifier()
    seen = {space.hosting_address(rng)[1] for _ in range(300)}
    assert len(seen) >= 8  # the draw covers the operators, or this test says little
    for operator in seen:
        assert classifier.classify(answer("49.12.1.1", operator)).kind in ("vpn", "hosting")


@pytest.mark.parametrize("operator", VPN_OPERATORS)
def test_vpn_operators_are_vpn(operator: str) -> None:
    assert Classifier().classify(answer("5.6.7.8", operator)).kind == "vpn"


@pytest.mark.parametrize("operator", CLOUDS)
def test_clouds_are_hosting(operator: str) -> None:
    assert Classifier().classify(answer("5.6.7.8", operator)).kind == "hosting"


@pytest.mark.parametrize("operator", RESIDENTIAL)
def test_home_isps_are_residential(operator: str) -> None:
    kind = Classifier().classify(answer("5.6.7.8", operator))
    assert (kind.kind, kind.reason) == ("residential", None)


def test_no_country_is_unknown_and_names_the_database() -> None:
    kind = Classifier().classify(answer("5.6.7.8", None, country=None))
    assert kind.kind == "unknown"
    assert kind.reason and "test db" in kind.reason and "2024-01-01" in kind.reason


def test_shipped_list_is_well_formed() -> None:
    shipped = load_hosting_list()
    assert shipped.name == "hosting_asns.tsv"
    assert {r.kind for r in shipped.rules} == {"vpn", "hosting"}
    assert all(r.comment for r in shipped.rules)
    vpn_lines = [r.line for r in shipped.rules if r.kind == "vpn"]
    hosting_lines = [r.line for r in shipped.rules if r.kind == "hosting"]
    assert max(vpn_lines) < min(hosting_lines)  # first match wins: VPN operators come first
    assert load_hosting_list().sha256 == shipped.sha256


def test_a_custom_list_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "agency.tsv"
    path.write_text("# ours\nvpn\t^Example Net$\tour own finding\n", encoding="utf-8")
    classifier = Classifier(load_hosting_list(path))
    kind = classifier.classify(answer("5.6.7.8", "example net"))
    assert kind.kind == "vpn" and kind.reason and "our own finding" in kind.reason
    assert classifier.classify(answer("5.6.7.8", "OVH SAS")).kind == "residential"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("proxy\tFoo\tc\n", "kind 'proxy'"),
        ("vpn\n", "no pattern"),
        ("vpn Foo comment\n", "kind 'vpn Foo comment'"),
        ("hosting\t(unclosed\tc\n", "bad pattern"),
    ],
)
def test_bad_hosting_lines_name_the_list_and_line(text: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_hosting_list("# header\n" + text, "agency.tsv")
    assert "agency.tsv, line 2:" in caught.value.message
    assert problem in caught.value.message
