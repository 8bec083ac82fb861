"""Addresses geolocate to the person's country; VPN exits are hosting addresses shared by many."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from dumprows import table_dicts
from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]

from rescue.synth.ipspace import HOSTING_PATTERN


def test_non_vpn_addresses_geolocate_home(dump_text: str, truth: dict[str, Any]) -> None:
    geo = GeoIP2Fast()
    person_of = {a["user_id"]: a["person_id"] for a in truth["accounts"]}
    persons = {p["person_id"]: p for p in truth["persons"]}
    right = total = 0
    for post in table_dicts(dump_text, "phpbb_posts"):
        person = persons[person_of[int(post["poster_id"])]]
        if person["uses_vpn"]:
            continue
        total += 1
        right += geo.lookup(str(post["poster_ip"])).country_code == person["country"]
    assert total and right / total >= 0.95


def test_vpn_exits_are_hosting_and_shared(dump_text: str, truth: dict[str, Any]) -> None:
    asn = GeoIP2Fast(geoip2fast_data_file="geoip2fast-asn.dat.gz")
    exits = {item["ip"] for item in truth["shared_ips"]}
    assert exits
    for address in exits:
        assert HOSTING_PATTERN.search(asn.lookup(address).asn_name)
    person_of = {a["user_id"]: a["person_id"] for a in truth["accounts"]}
    users_per_exit: dict[str, set[int]] = defaultdict(set)
    for post in table_dicts(dump_text, "phpbb_posts"):
        if post["poster_ip"] in exits:
            users_per_exit[str(post["poster_ip"])].add(person_of[int(post["poster_id"])])
    assert users_per_exit
    vpn = [p for p in truth["persons"] if p["uses_vpn"]]
    assert 0.03 < len(vpn) / len(truth["persons"]) < 0.2
    sharing = Counter(len(v) for v in users_per_exit.values())
    assert any(n > 1 for n in sharing), "some unrelated persons must share an exit"
