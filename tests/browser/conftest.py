"""Real-browser tests: the web app under uvicorn on a loopback port, driven by Chromium.

The browser is Debian's Chromium (``scripts/system-deps.sh`` installs it), driven by
Playwright through ``executable_path``: Playwright never downloads a browser of its own, so
the suite runs offline and on the browser build the distribution patches. A browser that does
not start is an error of the run, never a skip: a skipped browser suite reads like a passing one.

One browser per worker (starting Chromium costs seconds); a fresh context (cookies, storage)
and a fresh copy of the case and server per test, so the tests do not see each other's
sessions or outcomes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    ViewportSize,
    sync_playwright,
)

from rescue.case import Case
from rescue.security.sessions import SessionSettings
from tests.browser.browserhelp import ConsoleWatch, LiveServer, ServerClock, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Playwright waits up to 30 s by default; a page of this app answers in well under a second,
# so a missing element fails sooner (navigation allows for the first chart render).
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            why = exc.message.splitlines()[0]
        else:
            yield chromium
            chromium.close()
            return
    finally:
        playwright.stop()
    pytest.fail(
        f"Chromium did not start from {CHROMIUM}: {why}. Install Debian's chromium "
        "(scripts/system-deps.sh); never `playwright install`.",
        pytrace=False,
    )


@pytest.fixture
def server(web_case: Case) -> Iterator[LiveServer]:
    with serve(web_case, ServerClock(), SessionSettings(idle_minutes=15)) as live:
        yield live


@pytest.fixture
def context(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=server.url, viewport=VIEWPORT)
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def page(context: BrowserContext, console: ConsoleWatch) -> Page:
    tab = context.new_page()
    console.attach(tab)
    return tab


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: ``RESCUE_SCREENSHOTS`` when set (to look at them), else tmp_path."""
    chosen = os.environ.get("RESCUE_SCREENSHOTS")
    directory = Path(chosen) if chosen else tmp_path / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
