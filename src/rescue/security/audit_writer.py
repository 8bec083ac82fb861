"""Group commit for the audit log: the events of many requests in one transaction.

Every search and every person opened is an audit event, and each event must be committed
before the answer goes out. Written one transaction each, 20 busy analysts queue behind the
database's write lock (and SQLite's back-off sleeps make the slowest wait far longer than the
write). Here one thread writes: it takes every event waiting, appends them in order in one
transaction, and only then tells each caller it is done. A caller still never gets its answer
before its event is stored; the chain is the same as if the events had come one by one.

An event that cannot be written (a detail that names a secret, say) fails only its own caller:
after a failed batch the events are written again one by one.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rescue.errors import StoreError
from rescue.security.audit import NewEvent, append_many, check_detail

if TYPE_CHECKING:
    from rescue.case import Case

log = logging.getLogger("rescue.security.audit")
MAX_BATCH = 256
WAIT_SECONDS = 60.0


@dataclass
class _Pending:
    event: NewEvent
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class AuditWriter:
    """One writer thread for a process; ``record`` blocks until the event is committed."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="rescue-audit", daemon=True)
        self._thread.start()
        self.batches = 0  # transactions written: for tests and diagnostics

    def record(
        self,
        actor: str,
        action: str,
        *,
        target: str = "",
        result: str = "ok",
        detail: dict[str, Any] | None = None,
        source: str = "cli",
        now: datetime | None = None,
    ) -> None:
        detail = dict(detail or {})
        check_detail(detail)  # a secret in the detail fails here, in the caller's thread
        pending = _Pending(NewEvent(actor, action, target, result, detail, source, now))
        if not self._thread.is_alive():
            raise StoreError("the audit writer has stopped", "restart rescue serve")
        self._queue.put(pending)
        if not pending.done.wait(WAIT_SECONDS):
            raise StoreError(
                f"the audit log did not take an event within {WAIT_SECONDS:.0f} s",
                "check that the operations database is reachable",
            )
        if pending.error is not None:
            raise pending.error

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=WAIT_SECONDS)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self.case.store.session() as session:
                append_many(session, [pending.event for pending in batch])
            self.batches += 1
        except Exception:
            log.warning("an audit batch of %d failed; writing its events one by one", len(batch))
            for pending in batch:
                try:
                    with self.case.store.session() as session:
                        append_many(session, [pending.event])
                except Exception as exc:  # handed to the caller, whose request then fails
                    pending.error = exc
        finally:
            for pending in batch:
                pending.done.set()
