"""Real peers on loopback for the hotline tests: web servers that serve generated pictures and
then take them down, an SMTP server that receives notices, a hosts table for DNS, a clock.

Two "providers" are two loopback addresses (127.0.0.2 and 127.0.0.3, which Linux routes to the
machine itself), located by a ranges file as if they were hosting networks in Germany and the
United States. Nothing leaves the machine; every picture is a generated abstract one.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from aiosmtpd.controller import Controller

from rescue.case import Case, open_case
from rescue.hotline.content import digest_content
from rescue.identity.geo_ranges import RangesCsvSource
from rescue.synth.images import draw_picture, encode

HOST_A, HOST_B = "127.0.0.2", "127.0.0.3"
PROVIDER_A, PROVIDER_B = "Example Hosting A GmbH", "Example Host B Inc"
START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)  # a Monday morning


def picture(seed: int, fmt: str = "png") -> bytes:
    """A benign generated picture (shapes on a gradient or a flat colour), same seed same bytes."""
    return encode(draw_picture(random.Random(seed), 128, 256), fmt).data


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Site:
    """A loopback web server whose pages the test sets and changes while it runs."""

    def __init__(self, address: str) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[dict[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append({"path": self.path, "host": self.headers.get("Host", ""),
                                      "agent": self.headers.get("User-Agent", "")})  # fmt: skip
                page = site.pages.get(self.path.split("?", 1)[0], Page(404, b"not found"))
                if page.delay:
                    threading.Event().wait(page.delay)
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                # The checker may stop reading (size limit, timeout): as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(page.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test asserts on site.requests instead

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.address = address
        self.port = self.server.server_address[1]
        # A short poll interval: shutdown() waits for it, and every test stops two servers.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        self.pages[path] = Page(status, body, {"Content-Type": "image/png", **headers})

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.pages[path] = Page(status, b"", {"Location": location})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    a, b = Site(HOST_A), Site(HOST_B)
    yield a, b
    a.close()
    b.close()


class Mailbox:
    """What an aiosmtpd server on loopback received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


RANGES = f"""# database: test hosting ranges
# date: 2024-05-01
network,country,asn_name
{HOST_A}/32,DE,{PROVIDER_A}
{HOST_B}/32,US,{PROVIDER_B}
"""


@pytest.fixture
def ranges_file(tmp_path: Path) -> Path:
    path = tmp_path / "ranges.csv"
    path.write_text(RANGES, encoding="utf-8")
    return path


@pytest.fixture
def geo(ranges_file: Path) -> RangesCsvSource:
    return RangesCsvSource(ranges_file)


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loopback servers are private addresses: lift the SSRF guard, as a lab would."""
    monkeypatch.setenv("RESCUE_HOTLINE_ALLOW_PRIVATE", "1")


Configure = Callable[..., Case]


@pytest.fixture
def configure(case: Case) -> Iterator[Configure]:
    """Write sections into the case's case.toml and open it again (as every command does)."""
    opened: list[Case] = []

    def write(**sections: dict[str, Any]) -> Case:
        path = case.root / "case.toml"
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        doc.update(sections)
        path.write_text(tomli_w.dumps(doc), encoding="utf-8")
        reopened = open_case(case.root)
        opened.append(reopened)
        return reopened

    yield write
    for c in opened:
        c.close()


class Clock:
    """The injectable clock: tests move time on by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def known_hash_csv(path: Path, pictures: dict[str, bytes]) -> Path:
    """A hash set listing the pictures' SHA-256 and PDQ hashes, as an agency would share it."""
    lines = ["id,sha256,pdq,category"]
    for known_id, data in pictures.items():
        digest = digest_content(data)
        pdq = digest.pdq.hash if digest.pdq else ""
        lines.append(f"{known_id},{digest.sha256},{pdq},B")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HOSTS = {"img.host-a.test": HOST_A, "cdn.host-a.test": HOST_A, "files.host-b.test": HOST_B}
CONTACTS = (
    "provider,abuse_email,asn_name,domain\n"
    f"{PROVIDER_A},abuse@host-a.test,{PROVIDER_A},\n"
    f"{PROVIDER_B},abuse@host-b.test,{PROVIDER_B},\n"
)


class Hotline:
    """A case wired to the loopback peers: its SMTP server, its ranges file, a hosts table,
    and one clock for everything."""

    def __init__(self, case: Case, sites: tuple[Site, Site], mailbox: Mailbox, clock: Clock,
                 geo: RangesCsvSource) -> None:  # fmt: skip
        from rescue.hotline.fetch import HttpFetcher
        from rescue.hotline.netguard import MappingResolver
        from rescue.hotline.settings import hotline_settings

        self.case, self.sites, self.mailbox, self.clock, self.geo = case, sites, mailbox, clock, geo
        settings = hotline_settings(case.settings("hotline"))
        self.fetcher = HttpFetcher(settings, MappingResolver(HOSTS))

    def report(self, *urls: str) -> list[int]:
        from rescue.hotline.reports import report_urls

        batch = report_urls(self.case, list(urls), now=self.clock.now)
        assert batch.bad == []
        return [i.url_id for i in batch.taken]

    def check(self, due: bool = True) -> dict[int, str]:
        from rescue.hotline.checks import run_checks

        run = run_checks(self.case, now=self.clock.now, due_only=due, fetcher=self.fetcher,
                         geo=self.geo)  # fmt: skip
        return {c.url_id: c.outcome for c in run.checked}

    def assess(self, *url_ids: int, classification: str = "interpol_baseline") -> None:
        from rescue.hotline.assess import assess_url

        for url_id in url_ids:
            assess_url(self.case, url_id, classification, analyst="ana", now=self.clock.now)

    def send(self) -> Any:
        from rescue.hotline.notices import send_notices

        return send_notices(self.case, now=self.clock.now)


@pytest.fixture
def hotline(
    configure: Configure,
    sites: tuple[Site, Site],
    smtp: tuple[Mailbox, int],
    clock: Clock,
    geo: RangesCsvSource,
    tmp_path: Path,
    allow_private: None,
) -> Hotline:
    from rescue.hotline.hosting import import_contacts

    mailbox, port = smtp
    case = configure(hotline={"smtp_host": "127.0.0.1", "smtp_port": port,
                              "smtp_from": "notices@hotline.test", "name": "Test Hotline",
                              "escalation_email": "liaison@police.test"})  # fmt: skip
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS, encoding="utf-8")
    import_contacts(case, contacts, now=clock.now)
    return Hotline(case, sites, mailbox, clock, geo)


def free_picture_urls(hotline: Hotline, *, a: int, b: int) -> tuple[list[str], list[str]]:
    """Serve ``a`` pictures on provider A's site and ``b`` on B's; their URLs."""
    site_a, site_b = hotline.sites
    a_urls, b_urls = [], []
    for i in range(a):
        site_a.serve(f"/a{i}.png", picture(100 + i))
        a_urls.append(site_a.url("img.host-a.test", f"/a{i}.png"))
    for i in range(b):
        site_b.serve(f"/b{i}.png", picture(200 + i))
        b_urls.append(site_b.url("files.host-b.test", f"/b{i}.png"))
    return a_urls, b_urls
