"""[hotline] settings: defaults with reasons, wrong values named, the SSRF switch only from the
environment; the system resolver; hashing content in memory; known-hash lookups."""

from __future__ import annotations

import random

import pytest

from rescue.errors import CaseError
from rescue.hotline.content import KnownHashes, digest_content
from rescue.hotline.netguard import RefusedError as Refused
from rescue.hotline.netguard import ResolveError, SystemResolver, checked_target, forbidden_reason
from rescue.hotline.settings import KEYS, HotlineSettings, hotline_settings
from rescue.synth.images import draw_picture, encode, transform
from tests.hotline.conftest import picture


def test_defaults() -> None:
    s = hotline_settings({}, environ={})
    assert (s.renotice_hours, s.escalate_days, s.check_interval_hours) == (24.0, 7.0, 4.0)
    assert (s.allow_private, s.max_redirects, s.route_via_partners) == (False, 5, True)
    assert "allow_private" not in KEYS  # never from case.toml


def test_given_values_are_checked_and_converted() -> None:
    s = hotline_settings({"smtp_port": 2525, "renotice_hours": 12, "smtp_starttls": True,
                          "name": "  Hotline X "}, environ={})  # fmt: skip
    assert (s.smtp_port, s.renotice_hours, s.smtp_starttls, s.name) == (2525, 12.0, True,
                                                                        "Hotline X")  # fmt: skip
    assert isinstance(s.renotice_hours, float)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"allow_private": True}, "unknown [hotline] settings in case.toml: allow_private"),
        ({"renotice": 24}, "unknown [hotline] settings"),
        ({"smtp_port": "25"}, "smtp_port = '25' in case.toml is not a number"),
        ({"smtp_port": 25.5}, "is not a whole number"),
        ({"renotice_hours": 0}, "is not more than 0"),
        ({"smtp_starttls": "yes"}, "is not true or false"),
        ({"max_redirects": True}, "is not a number"),
        ({"name": 3}, "is not a string"),
    ],
)
def test_bad_settings_are_named(section: dict[str, object], message: str) -> None:
    with pytest.raises(CaseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        hotline_settings(section, environ={})


def test_only_the_environment_allows_private_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    assert hotline_settings({}, environ={"RESCUE_HOTLINE_ALLOW_PRIVATE": "1"}).allow_private
    assert not hotline_settings({}, environ={"RESCUE_HOTLINE_ALLOW_PRIVATE": "yes"}).allow_private
    monkeypatch.setenv("RESCUE_HOTLINE_SMTP_PASSWORD", "s3cret")
    assert HotlineSettings().smtp_password == "s3cret"


def test_the_system_resolver_reads_the_hosts_file() -> None:
    assert "127.0.0.1" in SystemResolver().resolve("localhost", 80)
    with pytest.raises(ResolveError, match="does not resolve"):
        SystemResolver().resolve("no-such-host.invalid", 80)
    with pytest.raises(Refused, match="loopback address"):
        checked_target("localhost", 80, SystemResolver())


def test_public_addresses_are_allowed() -> None:
    for ip in ("8.8.8.8", "2a01:4f8::1", "2002:808:808::1", "93.184.216.34"):
        assert forbidden_reason(ip) is None
    assert forbidden_reason("not-an-ip") == "'not-an-ip' is not an IP address"
    target = checked_target("[2a01:4f8::1]", 443, SystemResolver())
    assert target.ip == "2a01:4f8::1"


def test_content_is_digested_in_memory() -> None:
    data = picture(31)
    digest = digest_content(data)
    assert digest.image and digest.pdq is not None and digest.size == len(data)
    tiny = encode(draw_picture(random.Random(1), 2, 3), "png").data
    assert digest_content(tiny).pdq is None  # too small for PDQ: crypto hashes only
    broken = digest_content(data[:200])
    assert broken.image and broken.pdq is None
    assert digest_content(b"plain text").image is False


def test_known_hashes_match_exactly_and_perceptually() -> None:
    rng = random.Random(5)
    image = draw_picture(rng, 200, 300)
    original = encode(image, "png").data
    resized = encode(transform(image, "resize", rng)[0], "png").data
    flipped = encode(transform(image, "flip", rng)[0], "png").data
    d = digest_content(original)
    assert d.pdq is not None
    rows = [
        {
            "source": "set1",
            "known_id": "K1",
            "category": "B",
            "sha256": d.sha256,
            "pdq": d.pdq.hash,
        },
        {"source": "set2", "known_id": None, "category": None, "md5": d.md5},
    ]
    known = KnownHashes(rows, threshold=31)
    exact = known.match(d)
    assert [(h.hash_set, h.matched_on, h.distance) for h in exact] == [
        ("set1", "sha256", 0), ("set2", "md5", 0),
    ]  # fmt: skip
    (near,) = known.match(digest_content(resized))
    assert (near.hash_set, near.known_id, near.matched_on) == ("set1", "K1", "pdq")
    assert 0 <= near.distance <= 31
    (mirrored,) = known.match(digest_content(flipped))  # found through the dihedral variants
    assert mirrored.matched_on == "pdq" and mirrored.distance <= 31
    assert known.match(digest_content(picture(32))) == []
    strict = KnownHashes(rows, threshold=31, min_quality=101)  # no PDQ hash is good enough
    assert strict.match(digest_content(resized)) == []
