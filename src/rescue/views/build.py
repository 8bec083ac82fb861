"""Building the read model: DuckDB aggregates the lake, SQLite keeps the result for reading.

The two engines each do what they are good at. DuckDB aggregates millions of lake rows in a few
seconds; SQLite answers an indexed point lookup in microseconds, where a DuckDB query costs a
few hundred (planning, threads), and a person page makes several lookups. The result is one
SQLite file per lake state (named by the lake's fingerprint), written under a temporary name
and renamed into place, so a reader never opens half a model and several web workers, or a
restarted one, share a model already built.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rescue.case import Case
from rescue.engine.stand_ins import with_inputs
from rescue.lake.catalog import CatalogState
from rescue.stage import fingerprint
from rescue.views import model_persons, model_queue
from rescue.views.model_sql import NEEDED, PIDS, ModelTable

# Bump when a table of the model changes shape or meaning: models built before are rebuilt.
MODEL_VERSION = "1"
BATCH = 20_000

QUEUE_COLUMNS = (
    ("priority", "INTEGER"),
    ("cluster_id", "TEXT PRIMARY KEY"),
    ("files", "INTEGER"),
    ("attachments", "INTEGER"),
    ("posters", "INTEGER"),
    ("first_seen_at", "TEXT"),
    ("first_account_id", "TEXT"),
    ("first_username", "TEXT"),
    ("first_place", "TEXT"),
    ("last_seen_at", "TEXT"),
)


def lake_fingerprint(state: CatalogState) -> str:
    """Changes whenever any committed part of any lake table changes (parts are never reused)."""
    files = {table: sorted(p.file for p in parts.values()) for table, parts in state.tables.items()}
    return fingerprint(MODEL_VERSION, files)


def model_path(directory: Path, case_id: str, lake: str) -> Path:
    # The case's id in the name: a directory shared by several cases keeps each one's model.
    return directory / f"readmodel-{case_id[:12]}-{lake[:24]}.sqlite"


def build_model(case: Case, target: Path, lake: str) -> None:
    """Write the read model of the case's lake to ``target``, atomically."""
    from rescue.engine.duckdb_engine import DuckDBEngine  # duckdb loads only to build

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    engine = DuckDBEngine(case.catalog)
    out = sqlite3.connect(tmp)
    try:
        # Nothing here needs to survive a crash: an unfinished file is never renamed into place.
        out.execute("PRAGMA journal_mode = OFF")
        out.execute("PRAGMA synchronous = OFF")
        conn = engine.conn
        conn.execute("SET TimeZone = 'UTC'")
        present = engine.tables()
        conn.execute("CREATE TEMP TABLE pids AS " + with_inputs(NEEDED, present, "", PIDS))
        for table in model_persons.TABLES + model_queue.TABLES:
            _copy(conn, out, table, with_inputs(NEEDED, present, table.ctes, table.query))
        ties = model_persons.TIES
        _write_ties(conn, out, with_inputs(NEEDED, present, ties.ctes, ties.query))
        _write_queue(case, out, "media_clusters" in present)
        _write_names(out)
        _write_meta(out, lake)
        out.commit()
        out.execute("ANALYZE")
        out.commit()
    except BaseException:
        out.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        engine.close()
    out.close()
    tmp.replace(target)


def remove_other_models(directory: Path, case_id: str, keep: Path) -> None:
    """Delete the case's superseded models: a process still reading one keeps its open file."""
    for path in directory.glob(f"readmodel-{case_id[:12]}-*.sqlite"):
        if path != keep:
            with contextlib.suppress(OSError):
                path.unlink()


def _create(out: sqlite3.Connection, name: str, columns: tuple[tuple[str, str], ...]) -> str:
    out.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
    return f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})"


def _copy(conn: Any, out: sqlite3.Connection, table: ModelTable, sql: str) -> None:
    insert = _create(out, table.name, table.columns)
    names = [name for name, _ in table.columns]
    deflate = [names.index(name) for name in table.deflated]
    result = conn.execute(sql)
    while batch := result.fetchmany(BATCH):
        if deflate:
            batch = [_deflated(row, deflate) for row in batch]
        out.executemany(insert, batch)
    for n, columns in enumerate(table.indexes):
        out.execute(f"CREATE INDEX {table.name}_{n} ON {table.name} ({columns})")


def _deflated(row: tuple[Any, ...], columns: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in columns:
        if values[i] is not None:
            values[i] = zlib.compress(str(values[i]).encode(), 6)
    return tuple(values)


def _write_ties(conn: Any, out: sqlite3.Connection, sql: str) -> None:
    from rescue.views.ties import pack

    out.execute("CREATE TABLE ties (pid INTEGER PRIMARY KEY, data BLOB, adjacency BLOB)")
    out.executemany("INSERT INTO ties VALUES (?, ?, ?)", pack(conn.sql(sql).to_arrow_table()))


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _write_queue(case: Case, out: sqlite3.Connection, clustered: bool) -> None:
    from rescue.media.reports import new_material_queue

    insert = _create(out, "queue", QUEUE_COLUMNS)
    rows = new_material_queue(case) if clustered else []
    names = [name for name, _ in QUEUE_COLUMNS]
    out.executemany(insert, ([_iso(row[n]) for n in names] for row in rows))
    out.execute("CREATE INDEX queue_0 ON queue (priority, cluster_id)")


def _write_names(out: sqlite3.Connection) -> None:
    # Trigram full-text index: any substring of three characters or more of a username or
    # person id is an index lookup rather than a scan of every person.
    out.execute(
        "CREATE VIRTUAL TABLE name_search USING fts5(names, tokenize = 'trigram', content = '')"
    )
    out.execute("INSERT INTO name_search (rowid, names) SELECT pid, names FROM person")


def _write_meta(out: sqlite3.Connection, lake: str) -> None:
    out.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    built = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("lake", lake), ("version", MODEL_VERSION), ("built_at", built)],
    )
