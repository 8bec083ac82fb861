"""The fetch seam against real loopback servers: hashes only, limits, redirects handled by hand,
and the SSRF guard at every hop, connecting to the address it checked."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from rescue.hotline.fetch import FetchRequest, HttpFetcher
from rescue.hotline.netguard import MappingResolver, ResolveError, forbidden_reason
from rescue.hotline.settings import HotlineSettings, hotline_settings
from tests.hotline.conftest import HOST_A, HOST_B, Site, picture

HOSTS = {"img.host-a.test": HOST_A, "files.host-b.test": HOST_B, "localhost": "127.0.0.1",
         "inside.test": "10.0.0.8", "meta.test": "169.254.169.254"}  # fmt: skip


def as_if_public(ip: str) -> str | None:
    """The tests' stand-in for the internet: 127.0.0.2 (site A) is "public", and every other
    address is judged by the real rule."""
    return None if ip == HOST_A else forbidden_reason(ip)


def guarded(**settings: object) -> HttpFetcher:
    return HttpFetcher(HotlineSettings(fetch_timeout_s=5, **settings),  # type: ignore[arg-type]
                       MappingResolver(HOSTS), as_if_public)  # fmt: skip


def open_fetcher(**settings: object) -> HttpFetcher:
    return HttpFetcher(HotlineSettings(fetch_timeout_s=5, allow_private=True, **settings),  # type: ignore[arg-type]
                       MappingResolver(HOSTS))  # fmt: skip


def fetch(fetcher: HttpFetcher, url: str) -> object:
    return fetcher.send(FetchRequest(url))


def test_an_image_is_returned_as_hashes(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    body = picture(21)
    a.serve("/a.png", body)
    result = open_fetcher().send(FetchRequest(a.url("img.host-a.test", "/a.png")))
    assert (result.status, result.http_status, result.ip, result.redirects) == (
        "answered", 200, HOST_A, 0,
    )  # fmt: skip
    assert result.content is not None
    assert result.content.sha256 == hashlib.sha256(body).hexdigest()
    assert result.content.size == len(body) and result.content.image
    assert result.content.pdq is not None and len(result.content.pdq.hash) == 64
    assert not hasattr(result, "body") and not hasattr(result.content, "data")


def test_text_content_has_crypto_hashes_and_no_pdq(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.serve("/page", b"<html>hello</html>", **{"Content-Type": "text/html"})
    result = open_fetcher().send(FetchRequest(a.url("img.host-a.test", "/page")))
    assert result.content is not None
    assert result.content.md5 == hashlib.md5(b"<html>hello</html>").hexdigest()
    assert (result.content.image, result.content.pdq) == (False, None)


def test_a_body_over_the_limit_is_not_hashed(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.serve("/big.bin", bytes(50_000))
    result = open_fetcher(max_bytes=10_000).send(FetchRequest(a.url("img.host-a.test", "/big.bin")))
    assert (result.status, result.too_large, result.content) == ("answered", True, None)
    assert "larger than 10000 bytes" in result.reason


def test_a_slow_server_times_out(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.serve("/slow.png", picture(22))
    a.pages["/slow.png"].delay = 2.0
    fetcher = HttpFetcher(HotlineSettings(fetch_timeout_s=0.3, allow_private=True),
                          MappingResolver(HOSTS))  # fmt: skip
    result = fetcher.send(FetchRequest(a.url("img.host-a.test", "/slow.png")))
    assert (result.status, result.reason) == ("unreachable", "timed out")


def test_redirects_are_followed_by_hand_and_counted(sites: tuple[Site, Site]) -> None:
    a, b = sites
    a.redirect("/start", "/middle")
    a.redirect("/middle", b.url("files.host-b.test", "/end.png"), status=301)
    b.serve("/end.png", picture(23))
    result = open_fetcher().send(FetchRequest(a.url("img.host-a.test", "/start")))
    assert (result.status, result.http_status, result.redirects) == ("answered", 200, 2)
    assert (result.host, result.ip) == ("files.host-b.test", HOST_B)
    assert result.final_url == b.url("files.host-b.test", "/end.png")


def test_too_many_redirects_are_unreachable(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.redirect("/loop", "/loop")
    result = open_fetcher(max_redirects=3).send(FetchRequest(a.url("img.host-a.test", "/loop")))
    assert (result.status, result.reason) == ("unreachable", "more than 3 redirects")
    assert len(a.requests) == 4


def test_a_redirect_to_another_scheme_is_not_followed(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.redirect("/ftp", "ftp://files.example/x")
    result = open_fetcher().send(FetchRequest(a.url("img.host-a.test", "/ftp")))
    assert (result.status, result.reason) == ("unreachable", "HTTP 302 to a non-web address")


# --- SSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://127.0.0.1:5432/", "loopback address"),
        ("http://localhost/", "loopback address"),
        ("http://[::1]/", "loopback address"),
        ("http://inside.test/", "private or special-purpose range"),
        ("http://192.168.1.1/", "private or special-purpose range"),
        ("http://meta.test/latest/meta-data/", "link-local address"),
        ("http://224.0.0.1/", "multicast address"),
        ("http://0.0.0.0/", "unspecified address"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://[::ffff:127.0.0.1]/", "loopback address"),
        ("http://[64:ff9b::a00:1]/", "reserved range"),
        ("http://[2002:c0a8:101::1]/", "(192.168.1.1) behind a 6to4 address"),
    ],
)
def test_private_targets_are_refused_without_the_setting(url: str, rule: str) -> None:
    fetcher = HttpFetcher(hotline_settings({}, environ={}), MappingResolver(HOSTS))
    result = fetcher.send(FetchRequest(url))
    assert result.status == "refused"
    assert rule in result.reason and "RESCUE_HOTLINE_ALLOW_PRIVATE" in result.reason


def test_loopback_sites_are_refused_unless_the_environment_allows(
    sites: tuple[Site, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = sites
    a.serve("/a.png", picture(24))
    url = a.url("img.host-a.test", "/a.png")
    monkeypatch.delenv("RESCUE_HOTLINE_ALLOW_PRIVATE", raising=False)
    refused = HttpFetcher(hotline_settings({}), MappingResolver(HOSTS)).send(FetchRequest(url))
    assert refused.status == "refused" and a.requests == []
    monkeypatch.setenv("RESCUE_HOTLINE_ALLOW_PRIVATE", "1")
    allowed = HttpFetcher(hotline_settings({}), MappingResolver(HOSTS)).send(FetchRequest(url))
    assert allowed.status == "answered" and len(a.requests) == 1


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://files.host-b.test:{port}/secret",
        "http://inside.test/admin",
        "http://meta.test/latest/meta-data/",
        "http://0x7f000001:{port}/secret",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    sites: tuple[Site, Site], location: str
) -> None:
    a, b = sites
    b.serve("/secret", b"internal")
    a.redirect("/bounce", location.format(port=b.port))
    result = guarded().send(FetchRequest(a.url("img.host-a.test", "/bounce")))
    assert result.status == "refused" and result.redirects == 1
    assert b.requests == []  # the private server never saw a request


def test_the_checked_address_is_the_one_connected_to(sites: tuple[Site, Site]) -> None:
    """DNS rebinding: a name that answers a public address at the check and a private one a
    moment later. The fetcher resolves once per hop and connects to the address it checked."""
    a, b = sites
    a.serve("/r.png", picture(25))
    b.serve("/r.png", b"internal")

    class Rebinding:
        calls = 0

        def resolve(self, host: str, port: int) -> list[str]:
            self.calls += 1
            return [HOST_A] if self.calls == 1 else [HOST_B]

    resolver = Rebinding()
    fetcher = HttpFetcher(HotlineSettings(fetch_timeout_s=5), resolver, as_if_public)
    result = fetcher.send(FetchRequest(f"http://rebind.test:{a.port}/r.png"))
    assert (result.status, result.ip, resolver.calls) == ("answered", HOST_A, 1)
    assert len(a.requests) == 1 and b.requests == []


def test_a_name_with_a_public_and_a_private_address_uses_the_public_one(
    sites: tuple[Site, Site],
) -> None:
    a, b = sites
    a.serve("/m.png", picture(26))
    both = MappingResolver({"mixed.test": [HOST_B, HOST_A]})
    fetcher = HttpFetcher(HotlineSettings(fetch_timeout_s=5), both, as_if_public)
    result = fetcher.send(FetchRequest(f"http://mixed.test:{a.port}/m.png"))
    assert (result.status, result.ip) == ("answered", HOST_A)
    assert b.requests == []


def test_an_unknown_name_is_unreachable() -> None:
    result = open_fetcher().send(FetchRequest("http://no-such-host.test/x"))
    assert result.status == "unreachable" and "does not resolve" in result.reason


def test_the_mapping_resolver_knows_only_its_table() -> None:
    table = {"A.Example.": "192.0.2.1", "b.example": ["192.0.2.2", "2001:db8::1"]}
    resolver = MappingResolver(table)
    assert resolver.resolve("a.example", 80) == ["192.0.2.1"]
    assert resolver.resolve("B.EXAMPLE.", 80) == ["192.0.2.2", "2001:db8::1"]
    with pytest.raises(ResolveError, match="not in the hosts table"):
        resolver.resolve("c.example", 80)


def test_a_compressed_body_is_limited_by_its_decoded_size(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    bomb = gzip.compress(bytes(2_000_000))  # 2 MB of zeros in about 2 kB
    a.serve("/bomb", bomb, **{"Content-Encoding": "gzip", "Content-Type": "text/plain"})
    result = open_fetcher(max_bytes=100_000).send(FetchRequest(a.url("img.host-a.test", "/bomb")))
    assert len(bomb) < 100_000
    assert (result.status, result.too_large, result.content) == ("answered", True, None)


def test_a_relative_redirect_is_resolved_against_the_hop(sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.redirect("/dir/start", "../img/./x.png?utm_source=r")
    a.serve("/img/x.png", picture(27))
    result = open_fetcher().send(FetchRequest(a.url("img.host-a.test", "/dir/start")))
    assert result.final_url == a.url("img.host-a.test", "/img/x.png")
    assert [r["path"] for r in a.requests] == ["/dir/start", "/img/x.png"]


@pytest.mark.parametrize(
    "url",
    [
        "http://[fe80::1%25eth0]/",
        "http://[fe80::1]/",
        "http://169.254.169.254/",
        "http://017700000001/",
    ],
)
def test_more_spellings_of_private_addresses_are_refused(url: str) -> None:
    from rescue.hotline.urls import canonical_url

    fetcher = HttpFetcher(hotline_settings({}, environ={}), MappingResolver(HOSTS))
    assert fetcher.send(FetchRequest(canonical_url(url))).status == "refused"
