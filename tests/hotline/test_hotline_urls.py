"""URL canonicalisation: worked examples, refusals, and properties that must hold for any URL."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rescue.errors import InputError
from rescue.hotline.urls import TRACKING_PARAMS, canonical_url, ipv4_host


@pytest.mark.parametrize(
    ("given_url", "canonical"),
    [
        ("HTTP://Example.COM:80/a/../img%2dx.png?utm_source=feed&b=2&a=1#top",
         "http://example.com/img-x.png?a=1&b=2"),
        ("example.com", "http://example.com/"),
        ("example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:80/", "https://example.com:80/"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://user:secret@example.com/a", "http://example.com/a"),
        ("http://straße.de/ä", "http://xn--strae-oqa.de/%C3%A4"),
        ("http://BÜCHER.example/", "http://xn--bcher-kva.example/"),
        ("http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/%7euser/%2F", "http://example.com/~user/%2F"),
        ("http://example.com/%e4", "http://example.com/%E4"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/a/./b/../../c/.", "http://example.com/c/"),
        ("http://example.com/../../x", "http://example.com/x"),
        ("http://example.com?", "http://example.com/"),
        ("http://example.com/?fbclid=1&gclid=2&utm_medium=x&UTM_Campaign=y", "http://example.com/"),
        ("http://example.com/?b=1&a=2&b=0", "http://example.com/?a=2&b=1&b=0"),
        ("http://example.com/?q=a+b&x", "http://example.com/?q=a+b&x"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("http://[::FFFF:7F00:1]:8080/", "http://[::ffff:7f00:1]:8080/"),
        ("http://[2001:DB8:0:0::1]/", "http://[2001:db8::1]/"),
        ("  http://example.com/x  ", "http://example.com/x"),
    ],
)  # fmt: skip
def test_canonical_forms(given_url: str, canonical: str) -> None:
    assert canonical_url(given_url) == canonical


@pytest.mark.parametrize(
    ("given_url", "problem"),
    [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("ftp://example.com/x", "the scheme 'ftp' is not http or https"),
        ("javascript:alert(1)", "the scheme 'javascript' is not http or https"),
        ("mailto:abuse@example.com", "the scheme 'mailto' is not http or https"),
        ("http://", "there is no host"),
        ("http://a..b/", "is not a valid name"),
        ("http://x:99999/", "Port out of range"),
        ("http://1.2.3.4.5/", "is not a valid IPv4 address"),
        ("http://999.1.1.1/", "is not a valid IPv4 address"),
        ("http://08.1.1.1/", "is not a valid IPv4 address"),
        ("http://[::1:/", "is not a web address"),
        ("http://exa\nmple.com/", "control characters"),
        ("http://example.com/" + "a" * 5000, "longer than 4096 characters"),
    ],
)
def test_refusals_say_why(given_url: str, problem: str) -> None:
    with pytest.raises(InputError, match="is not a web address") as refused:
        canonical_url(given_url)
    assert problem in refused.value.message
    assert refused.value.hint == "give an http:// or https:// URL"


def test_ipv4_host_reads_what_browsers_read() -> None:
    assert ipv4_host("1.2.3") == "1.2.0.3"
    assert ipv4_host("1.65536") == "1.1.0.0"
    assert ipv4_host("0x0a.0.0.1") == "10.0.0.1"
    assert ipv4_host("example.com") is None
    assert ipv4_host("4294967296") is None


# --- properties ----------------------------------------------------------------------------

_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).filter(
    lambda label: not label.isdigit()
)
_HOSTS = st.lists(_LABEL, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "test"]))
_SEGMENT = st.text(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@% äé/", max_size=10)
# A path never ends in a space here: at the end of a URL a space is whitespace around it and
# dropped (as browsers do), while before a query it is part of the path (%20); both right.
_PATHS = st.lists(_SEGMENT, max_size=4).map(lambda parts: "/" + "/".join(parts).rstrip(" "))
_NAMES = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
_VALUES = st.text(string.ascii_letters + string.digits + "%+-.", max_size=8)
_QUERIES = st.lists(st.tuples(_NAMES, _VALUES), max_size=4)


def _url(scheme: str, host: str, path: str, query: list[tuple[str, str]]) -> str:
    text = "&".join(f"{k}={v}" for k, v in query)
    return f"{scheme}://{host}{path}" + (f"?{text}" if text else "")


@settings(max_examples=200)
@given(st.sampled_from(["http", "https"]), _HOSTS, _PATHS, _QUERIES)
def test_canonicalisation_is_idempotent(
    scheme: str, host: str, path: str, query: list[tuple[str, str]]
) -> None:
    once = canonical_url(_url(scheme, host, path, query))
    assert canonical_url(once) == once


@settings(max_examples=200)
@given(st.sampled_from(["http", "https"]), _HOSTS, _PATHS, _QUERIES)
def test_case_ports_fragments_and_tracking_do_not_matter(
    scheme: str, host: str, path: str, query: list[tuple[str, str]]
) -> None:
    plain = canonical_url(_url(scheme, host, path, query))
    port = {"http": 80, "https": 443}[scheme]
    tracked = [*query, ("utm_source", "news"), ("fbclid", "abc")]
    noisy = _url(scheme.upper(), f"{host.upper()}:{port}", path, tracked) + "#frag"
    assert canonical_url(noisy) == plain


@settings(max_examples=200)
@given(_HOSTS, _PATHS, st.sampled_from(sorted(string.ascii_letters + string.digits + "-._~")))
def test_escaping_an_unreserved_character_changes_nothing(host: str, path: str, char: str) -> None:
    escaped = f"%{ord(char):02X}"
    assume(".." not in path + char and "/." not in path + char)  # dot segments are removed
    assert canonical_url(f"http://{host}{path}{escaped}") == canonical_url(
        f"http://{host}{path}{char}"
    )


@settings(max_examples=100)
@given(_HOSTS, _PATHS)
def test_canonical_urls_are_ascii_with_a_path(host: str, path: str) -> None:
    canonical = canonical_url(f"http://{host}{path}")
    assert canonical.isascii()
    assert canonical.startswith(f"http://{host}/")
    assert "#" not in canonical


def test_every_tracking_parameter_is_dropped() -> None:
    query = "&".join(f"{name}=1" for name in sorted(TRACKING_PARAMS))
    assert canonical_url(f"http://example.com/p?keep=1&{query}") == "http://example.com/p?keep=1"
