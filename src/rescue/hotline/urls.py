"""One URL, one spelling: the canonical form that decides whether two reports name the same page.

Reporters paste URLs as browsers, chat apps and mail clients mangle them, so the same file turns
up as ``HTTP://Example.COM:80/a/../img%2dx.png?utm_source=feed#top`` and
``http://example.com/img-x.png``. Canonicalisation makes both ``http://example.com/img-x.png``:

- scheme and host in lower case; a host without a scheme is taken as ``http://``;
- international host names in their IDNA (punycode) form, UTS 46 non-transitional as browsers
  map them (``straße.de`` is ``xn--strae-oqa.de``); a trailing dot dropped;
- IPv4 hosts in dotted decimal whatever way they were written (``0x7f.1`` is ``127.0.0.1``, as
  a browser and ``getaddrinfo`` read it), IPv6 hosts compressed;
- the default port (80, 443) removed; user name and password removed: they are not part of
  what the resource is, and a notice must never carry credentials;
- percent-encoding normalised: escapes of unreserved characters decoded (``%2D`` is ``-``),
  other escapes in upper-case hex, spaces and non-ASCII characters encoded as UTF-8;
  ``.`` and ``..`` path segments resolved; an empty path is ``/``;
- tracking parameters removed (``utm_*``, ``fbclid``, ``gclid`` and their kin), the rest sorted
  by name (stably: repeated names keep their order), because servers read parameters by name
  and a feed's ordering would otherwise split one page into many;
- the fragment dropped: it never reaches the server.

What is not done: no guessing of ``www.`` or of a trailing slash, and no case folding of the
path, because servers are free to treat those as different resources.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import idna

from rescue.errors import InputError

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_LENGTH = 4096  # longer "URLs" are pasted documents, not addresses
# Click identifiers and campaign tags that say how a link travelled, not what it points at.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "si",
    }
)  # fmt: skip
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a path or query may hold unescaped (RFC 3986 pchar plus "/" and "?"), besides "%".
_ALLOWED = _UNRESERVED | frozenset("!$&'()*+,;=:@/?")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_OTHER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")


def _refuse(raw: str, problem: str) -> InputError:
    shown = raw if len(raw) <= 80 else raw[:77] + "..."
    return InputError(
        f"{shown!r} is not a web address: {problem}", "give an http:// or https:// URL"
    )


def canonical_url(raw: str) -> str:
    """The canonical form of a reported URL; ``InputError`` saying why when there is none."""
    text = raw.strip()
    if not text:
        raise _refuse(raw, "it is empty")
    if len(text) > MAX_LENGTH:
        raise _refuse(raw, f"longer than {MAX_LENGTH} characters")
    if any(c in text for c in "\r\n\t\x00"):
        raise _refuse(raw, "it holds control characters")
    if "://" not in text:
        other = _OTHER_SCHEME.match(text)
        if other:  # mailto:, javascript:, data: ... (a "host:port" has digits after the colon)
            raise _refuse(raw, f"the scheme {other[1].lower()!r} is not http or https")
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise _refuse(raw, str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _refuse(raw, f"the scheme {scheme!r} is not http or https")
    host = canonical_host(parts.hostname or "", raw)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_escapes(parts.path)) or "/"
    query = canonical_query(parts.query)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def canonical_host(host: str, raw: str = "") -> str:
    """A host name in lower-case IDNA form, or a normalised IP literal (IPv6 in brackets)."""
    name = host.strip().rstrip(".")
    if not name:
        raise _refuse(raw or host, "there is no host")
    if ":" in name:  # urlsplit has taken the brackets off an IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(name.split('%', 1)[0]).compressed}]"
        except ValueError:
            raise _refuse(raw or host, f"{host!r} is not an IPv6 address") from None
    if _numeric(name.split(".")[-1]):  # a host ending in a number is an IPv4 address or nothing
        numeric = ipv4_host(name)
        if numeric is None:
            raise _refuse(raw or host, f"{host!r} is not a valid IPv4 address")
        return numeric
    try:
        encoded = idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise _refuse(raw or host, f"the host {host!r} is not a valid name ({exc})") from None
    return encoded.lower()


def ipv4_host(host: str) -> str | None:
    """Dotted decimal for a host a browser reads as IPv4 (WHATWG URL rules), else None.

    Browsers and ``getaddrinfo`` both accept ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` as
    127.0.0.1; naming them once keeps duplicates together (the SSRF guard checks the address
    actually connected to, whatever the spelling).
    """
    labels = host.split(".")
    if labels and labels[-1] == "":
        labels.pop()
    if not labels or len(labels) > 4 or not _numeric(labels[-1]):
        return None
    numbers = [_ipv4_number(label) for label in labels]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        return None
    value = last
    for position, number in enumerate(head):
        value += number << (8 * (3 - position))
    return str(ipaddress.IPv4Address(value))


def _numeric(label: str) -> bool:
    """WHATWG's "ends in a number": all digits, or 0x and hex digits."""
    lowered = label.lower()
    if lowered.startswith("0x"):
        return all(c in "0123456789abcdef" for c in lowered[2:])
    return lowered.isascii() and lowered.isdigit()


def _ipv4_number(label: str) -> int | None:
    if not label:
        return None
    lowered = label.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        return int(lowered, 10) if lowered.isdigit() else None
    except ValueError:
        return None


def _normalise_escapes(text: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, encode what is not allowed."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        match = _ESCAPE.match(text, i) if char == "%" else None
        if match:
            decoded = chr(int(match[1], 16))
            out.append(decoded if decoded in _UNRESERVED else f"%{match[1].upper()}")
            i += 3
            continue
        if char in _ALLOWED:
            out.append(char)
        else:  # a space, a lone "%", a non-ASCII character: its UTF-8 bytes, escaped
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: ``/a/b/../c/./d`` is ``/a/c/d``."""
    if not path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_query(query: str) -> str:
    """The query without tracking parameters, sorted stably by name, escapes normalised."""
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, eq, value = pair.partition("=")
        name, value = _normalise_escapes(name), _normalise_escapes(value)
        if is_tracking(_unescaped(name)):
            continue
        kept.append((name, f"{name}{eq}{value}"))
    kept.sort(key=lambda item: item[0])
    return "&".join(text for _, text in kept)


def _unescaped(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
