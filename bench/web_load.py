"""The web benchmark's load: `rescue serve` in a child process, clients that sign in and ask.

Each client is an ``httpx.AsyncClient`` with its own cookie jar, so its own session, signed in
through the form as a person would (``GET /login`` for the CSRF token, ``POST /login`` with the
TOTP code for partners). Clients run closed-loop, no think time: each asks again as soon as
its answer is read, which makes the latency the server's under that many requests in flight.
Every client warms up first (those requests are not counted); a barrier then starts the
measured requests of all clients together. The load is bounded twice: a fixed number of
requests per client, and a deadline after which a client asks nothing more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.web_case import PASSWORD, Login, Workload

CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
T = TypeVar("T")
Pick = Callable[[random.Random, Workload], tuple[str, dict[str, str | int]]]


def _page(rng: random.Random, w: Workload) -> dict[str, str | int]:
    return {"page": rng.randint(1, w.pages)}


def _search(rng: random.Random, w: Workload) -> dict[str, str | int]:
    return {"q": rng.choice(w.prefixes)}


def _filter(rng: random.Random, w: Workload) -> dict[str, str | int]:
    country, tier = rng.choice(w.country_tiers)
    return {"country": country, "tier": tier}


# What one request of each kind asks; the weights make person pages two fifths of the load.
KINDS: dict[str, tuple[float, Pick]] = {
    "list: page": (1, lambda r, w: ("/persons", _page(r, w))),
    "list: search": (1, lambda r, w: ("/persons", _search(r, w))),
    "list: country+tier": (1, lambda r, w: ("/persons", _filter(r, w))),
    "person page": (2, lambda r, w: (f"/persons/{r.choice(w.person_ids)}", {})),
    "api list: page": (1, lambda r, w: ("/api/persons", _page(r, w))),
    "api list: search": (1, lambda r, w: ("/api/persons", _search(r, w))),
    "api list: country+tier": (1, lambda r, w: ("/api/persons", _filter(r, w))),
    "api person": (2, lambda r, w: (f"/api/persons/{r.choice(w.person_ids)}", {})),
}
# Until the persons routes exist the harness can be tried on what does (--kinds dry-run).
DRY_RUN: dict[str, tuple[float, Pick]] = {
    "api me": (1, lambda r, w: ("/api/me", {})),
    "login page": (1, lambda r, w: ("/login", {})),
}


@dataclass(frozen=True)
class Sample:
    kind: str
    role: str
    status: int  # 0: no answer (timeout, connection error)
    seconds: float


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a loop of its own thread: the caller's thread may have a
    loop running already (Playwright's sync API keeps one in a test worker)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``rescue serve`` on a free loopback port, as an analyst's machine runs it."""

    def __init__(self, case_dir: Path, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "rescue", "serve", "--case", str(case_dir),
                   "--workers", str(workers)]  # fmt: skip
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [*command, "--port", str(self.port)], stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"rescue serve exited ({self.proc.returncode}); see its log")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise SystemExit(f"rescue serve did not answer on {self.base} in {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # uvicorn's graceful stop, as Ctrl+C
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


async def sign_in(client: httpx.AsyncClient, login: Login) -> None:
    form = await client.get("/login")
    token = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"GET /login gave {form.status_code} without a csrf_token field")
    data = {"username": login.username, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = await client.post("/login", data={**data, "code": login.code()})
    if answer.status_code != 303:
        raise RuntimeError(f"{login.username} could not sign in: {answer.status_code}")


def first_answer(base: str, login: Login) -> float:
    """Seconds to the first persons page: the app builds its read model on first use after a
    pipeline run, which is setup, not latency (the model is kept on disk for later starts)."""

    async def ask() -> float:
        async with httpx.AsyncClient(base_url=base, timeout=1800.0) as client:
            await sign_in(client, login)
            started = time.perf_counter()
            answer = await client.get("/api/persons", params={"per_page": 1})
            answer.raise_for_status()
            return time.perf_counter() - started

    return run_async(ask())


async def _client(
    base: str,
    login: Login,
    work: Workload,
    kinds: dict[str, tuple[float, Pick]],
    counts: tuple[int, int],
    start: asyncio.Barrier,
    deadline: float,
    seed: int,
) -> list[Sample]:
    rng = random.Random(seed)
    names = list(kinds)
    weights = [kinds[k][0] for k in names]
    warmup, requests = counts
    limits = httpx.Limits(max_connections=1)  # one connection, as one browser tab
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:

        async def ask() -> Sample:
            kind = rng.choices(names, weights)[0]
            path, params = kinds[kind][1](rng, work)
            started = time.perf_counter()
            try:
                status = (await client.get(path, params=params)).status_code
            except httpx.TransportError:
                status = 0
            return Sample(kind, login.role, status, time.perf_counter() - started)

        try:
            await sign_in(client, login)
            for _ in range(warmup):
                if time.monotonic() > deadline:
                    break
                await ask()
        except BaseException:
            await start.abort()  # the others stop waiting for this client
            raise
        await start.wait()
        samples = []
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            samples.append(await ask())
    return samples


async def _load(
    base: str,
    logins: list[Login],
    works: list[Workload],
    kinds: dict[str, tuple[float, Pick]],
    counts: tuple[int, int],
    time_limit: float,
) -> tuple[list[Sample], float]:
    start = asyncio.Barrier(len(logins) + 1)
    deadline = time.monotonic() + time_limit
    tasks = [
        asyncio.create_task(_client(base, login, work, kinds, counts, start, deadline, seed))
        for seed, (login, work) in enumerate(zip(logins, works, strict=True))
    ]
    with contextlib.suppress(asyncio.BrokenBarrierError):  # a client failed: raised below
        await start.wait()
    started = time.perf_counter()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.perf_counter() - started
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:  # the client that failed, not the others it left at a broken barrier
        raise min(failed, key=lambda e: isinstance(e, asyncio.BrokenBarrierError))
    return [s for client in results if isinstance(client, list) for s in client], seconds


def run_load(
    base: str,
    logins: list[Login],
    works: list[Workload],
    kinds: dict[str, tuple[float, Pick]],
    counts: tuple[int, int],
    time_limit: float,
) -> tuple[list[Sample], float]:
    """Every measured request, and the seconds from the barrier to the last answer."""
    return run_async(_load(base, logins, works, kinds, counts, time_limit))
