"""The hotline's clock inside ``rescue serve``: re-checks and notices that have come due.

One task, one run at a time, in a worker thread so pages stay responsive; a run that fails is
logged and the next tick tries again (a network error must not stop the hotline). The work
itself is the core's ``run_due_checks`` and ``send_notices``, the same as the CLI's.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from rescue.case import Case

log = logging.getLogger("rescue.web.scheduler")


@dataclass
class HotlineTick:
    checked: int = 0
    notices: int = 0
    runs: int = 0
    failures: int = 0


def run_hotline_once(case: Case, now: datetime, tick: HotlineTick) -> None:
    from rescue.hotline.checks import run_due_checks
    from rescue.hotline.notices import send_notices

    try:
        tick.checked += len(run_due_checks(case, now=now).checked)
        tick.notices += len(send_notices(case, now=now).sent)
    except Exception:  # logged, and the next tick tries again
        tick.failures += 1
        log.exception("hotline re-check or notice run failed; retrying at the next tick")
    finally:
        tick.runs += 1


@contextlib.asynccontextmanager
async def hotline_scheduler(
    case: Case, clock: Callable[[], datetime], every_seconds: float, tick: HotlineTick
) -> AsyncIterator[None]:
    """Run the hotline every ``every_seconds`` while the block runs; 0 turns it off."""
    if every_seconds <= 0:
        yield
        return
    lock = _claim(case)
    if lock is None:  # another worker process of this server runs the hotline
        yield
        return

    async def loop() -> None:
        while True:
            await asyncio.to_thread(run_hotline_once, case, clock(), tick)
            await asyncio.sleep(every_seconds)

    task = asyncio.create_task(loop(), name="rescue-hotline")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        lock.close()


def _claim(case: Case) -> IO[bytes] | None:
    """One scheduler per case folder, whatever the number of worker processes: an exclusive
    lock on a file, held while the scheduler runs and released by the OS if the process dies."""
    path = case.root / "cache" / "hotline.lock"
    path.parent.mkdir(exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
