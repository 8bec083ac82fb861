"""Helpers for the browser tests: a live server, its movable clock, the console watch, sign-in.

The server's clock is the real time plus an offset the test moves. TOTP codes are computed at
the server's time, so two sign-ins of one user need no wait for the next 30-second step (the
offset moves on instead), and a session can be aged past its idle limit to see it lock.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyotp
import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Error, Page, Response

from rescue.case import Case
from rescue.operation.lake import person_countries
from rescue.security.sessions import SessionSettings
from rescue.web import WebSettings, create_app
from tests.web.webhelp import PASSWORD, TestUser

STARTUP_SECONDS = 20.0
# Every browser test module: slow (a server and a browser), and one xdist group so that a run
# with `-n 2 --dist loadgroup` starts one Chromium and builds the case once, not on each worker.
# TODO: the group is inert under pytest 9.2 with pytest-xdist 3.8 (pytest-dev/pytest-xdist#1386:
# loadgroup still renames `_nodeid`, which pytest no longer reads), so the tests are spread over
# both workers for now; they do not depend on sharing one.
BROWSER_MARKS = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
_NUMBER = re.compile(r"^[0-9][0-9,\u202f\u00a0 ]*$")  # digits, maybe grouped in thousands


@dataclass
class ServerClock:
    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    case: Case
    clock: ServerClock
    sessions: SessionSettings


@contextmanager
def serve(case: Case, clock: ServerClock, sessions: SessionSettings) -> Iterator[LiveServer]:
    """The app for ``case`` under uvicorn on a free loopback port, in a background thread.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing it and listening on it.
    """
    app = create_app(WebSettings(case_dir=case.root, clock=clock, sessions=sessions))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped while starting (see the log above)"
            assert time.monotonic() < deadline, f"uvicorn did not start in {STARTUP_SECONDS} s"
            time.sleep(0.02)
        yield LiveServer(f"http://127.0.0.1:{port}", case, clock, sessions)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@dataclass(frozen=True)
class ConsoleError:
    text: str
    url: str  # where the message came from: the resource that failed, or the page


@dataclass
class ConsoleWatch:
    """What the page reported while a test drove it: console errors, uncaught script errors,
    and any response that is media (the app never serves a picture or a video)."""

    errors: list[ConsoleError] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(ConsoleError(message.text, message.location.get("url", "")))

    def _page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def _response(self, response: Response) -> None:
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind.startswith(("image/", "video/", "audio/")) and kind != "image/svg+xml":
            self.media.append(f"{kind} {response.url}")

    @property
    def csp_violations(self) -> list[str]:
        return [e.text for e in self.errors if "Content Security Policy" in e.text]

    def assert_clean(self, *, expected_failures: tuple[str, ...] = ()) -> None:
        """No CSP violation, no script error, no media, and no other console error but a
        failed load of a path in ``expected_failures`` (a 404 the test asked for logs one).
        Pages declare an empty icon, so Chromium does not ask for /favicon.ico either.
        """
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        assert self.page_errors == [], f"script errors: {self.page_errors}"
        assert self.media == [], f"media was served: {self.media}"
        allowed = set(expected_failures)
        others = [
            f"{e.text} ({e.url})"
            for e in self.errors
            if e.text not in self.csp_violations
            and not (
                e.text.startswith("Failed to load resource") and urlparse(e.url).path in allowed
            )
        ]
        assert others == [], f"console errors: {others}"


def totp_now(user: TestUser, clock: ServerClock) -> str:
    return pyotp.TOTP(user.secret).at(clock()) if user.secret else ""


def _is_sign_in(response: Response) -> bool:
    return response.request.method == "POST" and urlparse(response.url).path == "/login"


def sign_in(page: Page, server: LiveServer, user: TestUser, *, next_path: str = "/") -> None:
    """Sign in through the form as a person would, and land where the app sends them."""
    target = "/login" if next_path == "/" else f"/login?next={next_path}"
    page.goto(server.url + target)
    form = page.locator("form[action='/login']")
    form.locator("input[name='username']").fill(user.username)
    form.locator("input[name='password']").fill(PASSWORD)
    if user.secret:
        form.locator("input[name='code']").fill(totp_now(user, server.clock))
    with page.expect_response(_is_sign_in) as posted:
        form.locator("button[type='submit']").click()
    if posted.value.status != 303:
        page.wait_for_load_state()
        alert = page.locator("[role='alert']")
        why = alert.first.inner_text() if alert.count() else page.title()
        raise AssertionError(f"{user.username} was not signed in ({posted.value.status}): {why}")
    page.wait_for_url(server.url + next_path)
    server.clock.advance(seconds=30)  # a code works once: the next sign-in needs a new step


def figure(page: Page, name: str) -> int:
    """A headline figure of the dashboard: the element ``data-figure=NAME``, whose text is a
    whole number (maybe grouped in thousands)."""
    element = page.locator(f"[data-figure='{name}']")
    assert element.count() == 1, f"the dashboard has {element.count()} data-figure={name!r}"
    text = element.inner_text().strip()
    assert _NUMBER.match(text), f"data-figure={name!r} reads {text!r}, not a number"
    return int(re.sub(r"\D", "", text))


def person_links(page: Page) -> list[str]:
    """The person ids linked from the results table, in order."""
    hrefs = page.locator("#results a[href^='/persons/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h.removeprefix("/persons/").split("?")[0] for h in hrefs if h.count("/") == 2]


def screenshot(page: Page, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000, f"{path} is not a page"
    return path


@dataclass(frozen=True)
class PersonRow:
    person_id: str
    username: str
    country: str | None


def persons(case: Case) -> list[PersonRow]:
    """Every person of the run case with its first username and attributed country, those
    with the most accounts first (their pages have the most to show)."""
    engine = case.engine()
    try:
        found: list[dict[str, Any]] = engine.query(
            "SELECT person_id, usernames[1] AS username FROM persons "
            "ORDER BY n_accounts DESC, person_id"
        ).to_pylist()
    finally:
        engine.close()
    countries = person_countries(case)
    return [PersonRow(r["person_id"], r["username"], countries.get(r["person_id"])) for r in found]
