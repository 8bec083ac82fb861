"""The reader a web app keeps for a case: a compact read model, never stale, safe across threads.

The pages read the lake through a read model (``rescue.views.build``): one SQLite file per lake
state, opened read-only and immutable, plus the persons list's columns in memory
(``rescue.views.browse``). ``Reader.model()`` checks the lake catalog on every call: a stat of
``catalog.json`` (a commit replaces the file, so its inode changes), and, when that changed, the
catalog's fingerprint. A changed lake is rebuilt before the call returns, so nothing shown is
older than the last committed stage; requests arriving during a rebuild wait for it.

Each call takes the current model once and makes all its reads from it, so one page is one lake
state even when a rebuild lands meanwhile. Connections come from a pool (a connection serves
one thread at a time); a superseded model's connections close once the last request using it
lets go, never under a reader.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rescue.case import Case
from rescue.errors import CaseError
from rescue.ops.db import Store
from rescue.views.browse import COLUMNS, BrowseIndex
from rescue.views.build import build_model, lake_fingerprint, model_path, remove_other_models

CACHE_DIR = "cache"  # under the case folder: disposable, rebuilt from the lake when missing
_ATTEMPTS = 3  # builds tried when the lake changes under one (a run committing meanwhile)

Params = Sequence[Any]


class ReadModel:
    """One built model: the SQLite file, opened read-only, and the persons' browse index."""

    def __init__(self, path: Path, lake: str) -> None:
        self.path = path
        self.lake = lake  # the lake fingerprint it was built from
        self._uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Closes the connections once the model is superseded and the last request using it
        # has let go (or on ``close``): no request is ever cut off mid-read.
        self._finalizer = weakref.finalize(self, _close_all, self._opened, self._lock)
        # Opening the first connection now fails early if the file is gone.
        self._idle.put(self._connect())
        self.browse = BrowseIndex(self.rows(f"SELECT {COLUMNS} FROM person ORDER BY pid"))
        meta = {row["key"]: row["value"] for row in self.rows("SELECT key, value FROM meta")}
        self.built_at: str = meta.get("built_at", "")

    def _connect(self) -> sqlite3.Connection:
        # Immutable: no locks and no change checks, since the file never changes once renamed
        # into place. A connection serves one thread at a time (the pool hands it out).
        conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        with self._lock:
            self._opened.append(conn)
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def column(self, sql: str, params: Params = ()) -> list[Any]:
        """The first column of every row: no row objects, for long lists of ids."""
        with self.connection() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None
            return [row[0] for row in cursor.execute(sql, params)]

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self.connection() as conn:
            row: sqlite3.Row | None = conn.execute(sql, params).fetchone()
            return row

    def close(self) -> None:
        self._finalizer()


def _close_all(connections: list[sqlite3.Connection], lock: threading.Lock) -> None:
    with lock:
        for conn in connections:
            conn.close()
        connections.clear()


class Reader:
    """The read side of one case, for the lifetime of a web app; share it across threads."""

    def __init__(self, case: Case, *, directory: Path | None = None) -> None:
        self.case = case
        self.directory = directory if directory is not None else case.root / CACHE_DIR
        self._lock = threading.Lock()  # held while a model is checked or built
        self._store_lock = threading.Lock()
        # (catalog.json's stat when last checked, the model for it), replaced as one value.
        self._current: tuple[tuple[int, int, int] | None, ReadModel] | None = None

    def model(self) -> ReadModel:
        """The model of the lake as it is now; built first when the lake changed."""
        stamp = self._stamp()
        current = self._current
        if current is not None and current[0] == stamp:
            return current[1]
        with self._lock:
            # Taken before the fingerprint: a commit racing this check leaves an older stamp
            # beside newer data, and the next call simply checks again.
            stamp = self._stamp()
            current = self._current
            if current is not None and current[0] == stamp:
                return current[1]
            lake = lake_fingerprint(self.case.catalog.load())
            model = current[1] if current is not None and current[1].lake == lake else None
            if model is None:
                model = self._open(lake)
            self._current = (stamp, model)
            return model

    @property
    def store(self) -> Store:
        """The case's operations database, opened once even when threads race to it."""
        with self._store_lock:
            return self.case.store

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current[1].close()
                self._current = None

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.case.catalog.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self, lake: str) -> ReadModel:
        import duckdb

        last: Exception | None = None
        for _ in range(_ATTEMPTS):
            path = model_path(self.directory, self.case.info.id, lake)
            try:
                if not path.exists():
                    build_model(self.case, path, lake)
                model = ReadModel(path, lake)
            except (duckdb.Error, sqlite3.Error) as exc:
                # A run replaced a table's files while they were read, another process removed
                # this model as superseded, or the file is damaged: build again from the lake
                # as it is now.
                last = exc
                with contextlib.suppress(OSError):
                    path.unlink()
                lake = lake_fingerprint(self.case.catalog.load())
                continue
            except OSError as exc:
                raise CaseError(
                    f"cannot write the read model under {self.directory}: {exc}",
                    "give the web app write access to the case folder's cache/ folder",
                ) from exc
            remove_other_models(self.directory, self.case.info.id, keep=path)
            return model
        raise CaseError(
            f"the read model could not be built: {last}",
            "if a `rescue run` is committing, wait for it to finish and reload",
        ) from last
