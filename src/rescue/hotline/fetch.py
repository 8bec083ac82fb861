"""Fetching a reported URL, behind one seam: ``send(FetchRequest) -> FetchResult``.

``HttpFetcher`` is the real one. Per hop (the URL, then each redirect, at most
``max_redirects``) it resolves the host, refuses it unless the address is public
(``rescue.hotline.netguard``), and connects to exactly that address: the request goes to the
IP with the original ``Host`` header, and for HTTPS with the host name as TLS server name, so
the certificate is still checked against the name. Redirects are never followed by the HTTP
client, so no hop escapes the check. The client ignores proxy settings from the environment
(a proxy would do its own resolving).

Limits: a timeout per network operation and a deadline for the whole fetch, at most
``max_bytes`` read (a larger body is not hashed: the download stops), a fixed user agent. The
body is hashed in memory (``rescue.hotline.content``) and dropped inside ``send``: a
``FetchResult`` carries hashes, never content.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin, urlsplit

from rescue.errors import InputError
from rescue.hotline.content import ContentDigest, digest_content
from rescue.hotline.netguard import (
    AddressPolicy,
    RefusedError,
    ResolveError,
    Resolver,
    SystemResolver,
    Target,
    allow_any,
    checked_target,
    forbidden_reason,
)
from rescue.hotline.settings import HotlineSettings
from rescue.hotline.urls import DEFAULT_PORTS, canonical_url

if TYPE_CHECKING:
    import httpx

REDIRECTS = frozenset({301, 302, 303, 307, 308})
ANSWERED, UNREACHABLE, REFUSED = "answered", "unreachable", "refused"


@dataclass(frozen=True)
class FetchRequest:
    url: str  # canonical


@dataclass(frozen=True)
class FetchResult:
    status: str  # answered (an HTTP response) | unreachable | refused (the SSRF guard)
    reason: str  # for a person: "HTTP 404", "timed out", "resolves to no public address ..."
    final_url: str  # the last hop's URL
    host: str  # the last hop's host
    ip: str | None  # the address connected to on the last hop
    http_status: int | None = None
    redirects: int = 0
    content: ContentDigest | None = None  # of a 2xx body, when it was read whole
    too_large: bool = False


class Fetcher(Protocol):
    def send(self, request: FetchRequest) -> FetchResult: ...


def _pinned_url(url: str, target: Target) -> tuple[str, str]:
    """The URL with its host replaced by the checked address, and the Host header to send."""
    parts = urlsplit(url)
    ip = f"[{target.ip}]" if ":" in target.ip else target.ip
    port = parts.port
    host_header = parts.netloc.rsplit("@", 1)[-1]
    netloc = ip if port is None else f"{ip}:{port}"
    return parts._replace(netloc=netloc).geturl(), host_header


class HttpFetcher:
    """``policy`` decides which addresses may be connected to: public ones only, unless the
    settings allow private ones (RESCUE_HOTLINE_ALLOW_PRIVATE=1). ``tls`` is the context that
    verifies certificates (default: the public CAs; a lab network passes one with its own CA)."""

    def __init__(
        self,
        settings: HotlineSettings,
        resolver: Resolver | None = None,
        policy: AddressPolicy | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver or SystemResolver()
        self.policy = policy or (allow_any if settings.allow_private else forbidden_reason)
        self._tls = tls

    def _tls_context(self) -> ssl.SSLContext:
        # Loading the CA bundle takes ~25 ms: once per fetcher, not once per URL. Clients are
        # still one per fetch, so no pooled connection is ever shared by two host names.
        if self._tls is None:
            import httpx

            self._tls = httpx.create_ssl_context()
        return self._tls

    def send(self, request: FetchRequest) -> FetchResult:
        import httpx

        s = self.settings
        deadline = time.monotonic() + 3 * s.fetch_timeout_s
        with httpx.Client(
            timeout=httpx.Timeout(s.fetch_timeout_s),
            follow_redirects=False,
            trust_env=False,
            verify=self._tls_context(),
            headers={"User-Agent": s.user_agent, "Accept": "*/*"},
        ) as client:
            url, redirects = request.url, 0
            while True:
                result = self._hop(client, url, redirects, deadline)
                if isinstance(result, FetchResult):
                    return result
                redirects += 1
                if redirects > s.max_redirects:
                    return FetchResult(UNREACHABLE, f"more than {s.max_redirects} redirects",
                                       url, urlsplit(url).hostname or "", None,
                                       redirects=redirects - 1)  # fmt: skip
                url = result

    def _hop(
        self, client: httpx.Client, url: str, redirects: int, deadline: float
    ) -> FetchResult | str:
        """One request: a result, or the next URL to go to (a redirect)."""
        import httpx

        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        failed = FetchResult(UNREACHABLE, "", url, host, None, redirects=redirects)
        try:
            target = checked_target(host, port, self.resolver, self.policy)
        except RefusedError as exc:
            return replace(failed, status=REFUSED, reason=str(exc))
        except ResolveError as exc:
            return replace(failed, reason=str(exc))
        failed = replace(failed, ip=target.ip)
        pinned, host_header = _pinned_url(url, target)
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            with client.stream(
                "GET", pinned, headers={"Host": host_header}, extensions=extensions
            ) as response:
                code = response.status_code
                answered = replace(failed, status=ANSWERED, reason=f"HTTP {code}", http_status=code)
                location = response.headers.get("location")
                if code in REDIRECTS and location:
                    following = self._next(url, location)
                    if following is None:
                        return replace(failed, reason=f"HTTP {code} to a non-web address")
                    return following
                if not 200 <= code < 300:
                    return answered
                body = self._read(response, deadline)
        except httpx.TimeoutException:
            return replace(failed, reason="timed out")
        except _DeadlinePassedError:
            return replace(failed, reason="the answer took too long")
        except httpx.HTTPError as exc:
            return replace(failed, reason=f"connection failed: {exc}")
        if body is None:
            limit = self.settings.max_bytes
            return replace(answered, reason=f"HTTP {code}, larger than {limit} bytes: not hashed",
                           too_large=True)  # fmt: skip
        return replace(answered, content=digest_content(body))

    @staticmethod
    def _next(url: str, location: str) -> str | None:
        try:
            return canonical_url(urljoin(url, location.strip()))
        except InputError:
            return None

    def _read(self, response: httpx.Response, deadline: float) -> bytes | None:
        """The whole body, or None past ``max_bytes`` (the rest is never downloaded)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.settings.max_bytes:
                return None
            if time.monotonic() > deadline:
                raise _DeadlinePassedError
            chunks.append(chunk)
        return b"".join(chunks)


class _DeadlinePassedError(Exception):
    pass
