"""The phpBB 3.x importer: a mysqldump stream in, the lake's forum tables out.

The dump is read once, statement by statement (``sqldump.DumpReader``), so memory stays flat
whatever its size. Each INSERT is checked (column count, character set, types), mapped by
``phpbb_tables`` and appended to its lake table. Nothing is dropped without a trace: every row
read is loaded, rejected with its reason, or belongs to a table we do not need, and the
``source_tables`` table accounts for each. Files in the attachment and avatar folders are tied
to the rows that point to them; a row without its file, or a file without its row, is reported.
"""

from __future__ import annotations

import gc
import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ftfy

from rescue.errors import EvidenceError, InputError
from rescue.evidence import SourceEvidence
from rescue.ingest.columns import Columns
from rescue.ingest.dumpfile import open_dump
from rescue.ingest.phpbb_files import avatar_files, file_rows
from rescue.ingest.phpbb_schema import KNOWN_TABLES, PHPBB_TABLES, create_table_sql
from rescue.ingest.phpbb_tables import TABLE_MAPS, MapContext, convert_texts
from rescue.ingest.sqldump import (
    DumpProblem,
    DumpReader,
    InsertBatch,
    TableDef,
    Value,
    invalid_bytes,
    to_bytes,
)
from rescue.stage import StageContext

_LATIN1 = {"latin1", "cp1252"}
_NUMERIC = {
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "integer",
    "bigint",
    "decimal",
    "float",
    "double",
    "bit",
}


@dataclass
class TableStats:
    table_name: str
    phpbb_table: str | None
    line: int
    charset: str | None = None
    status: str = "imported"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_repaired: int = 0


class PrefixResolver:
    """Maps dump table names to phpBB table names, learning the prefix if none was given."""

    def __init__(self, prefix: str | None) -> None:
        self.prefix = prefix
        self._suffixes = sorted(KNOWN_TABLES | set(PHPBB_TABLES), key=len, reverse=True)

    def phpbb_name(self, table: str) -> str | None:
        if self.prefix is None:
            # The longest known name wins, so "phpbb_acl_users" is acl_users, not users.
            for suffix in self._suffixes:
                if table.endswith(suffix):
                    self.prefix = table[: len(table) - len(suffix)]
                    break
            else:
                return None
        if not table.startswith(self.prefix):
            return None
        name = table[len(self.prefix) :]
        return name if name in KNOWN_TABLES or name in PHPBB_TABLES else None


def _default_defs() -> dict[str, TableDef]:
    """Column lists of a stock phpBB 3.3, for data-only dumps that carry no CREATE TABLE."""
    import io

    defs = {}
    for name in PHPBB_TABLES:
        for event in DumpReader(io.BytesIO(create_table_sql(name, prefix="").encode())):
            if isinstance(event, TableDef):
                defs[name] = event
    return defs


class PhpbbImporter:
    def __init__(self, ctx: StageContext, source: SourceEvidence, prefix: str | None) -> None:
        self.ctx = ctx
        self.source = source
        self.location = source.dump.path.name
        self.prefix = PrefixResolver(prefix)
        self.defs: dict[str, TableDef] = {}
        self.stats: dict[str, TableStats] = {}
        self.map_ctx = MapContext(
            source=ctx.target,
            avatar_files=avatar_files(source),
            attachment_files={f.relpath: (f.size, f.sha256) for f in source.by_role("attachment")},
        )
        self._fallback: dict[str, TableDef] | None = None

    def run(self) -> None:
        # The import allocates millions of short-lived, acyclic objects; the cycle collector
        # would walk them again and again for nothing (a third of the time, measured).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if gc_was_enabled:
                gc.enable()

    def _run(self) -> None:
        dump = self.source.dump
        stream, raw = open_dump(dump.path)
        task = self.ctx.progress.task(f"Ingesting {self.source.name}", dump.size)
        reader = DumpReader(stream, name=str(dump.path))
        try:
            for event in reader:
                if isinstance(event, InsertBatch):
                    self._insert(event)
                elif isinstance(event, TableDef):
                    self._table(event)
                else:
                    self._problem(event)
                task.update(completed=raw.bytes_read)
        except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
            if raw.bytes_read == 0 or not self.stats:
                raise InputError(f"{dump.path}: cannot read the dump: {exc}") from exc
            self.ctx.reject(
                "dump unreadable",
                f"the compressed stream breaks after line {reader.lines_read}: {exc}; "
                "everything before it was imported",
                location=self.location,
                line=reader.lines_read,
            )
        raw.drain()
        task.update(completed=raw.bytes_read)
        stream.close()
        if raw.sha256.hexdigest() != dump.sha256:
            raise EvidenceError(
                f"{dump.path} is not the file registered for source {self.source.name!r} "
                "(its SHA-256 differs)",
                "run: rescue case verify --case CASE_DIR",
            )
        if not any(s.status == "imported" for s in self.stats.values()):
            seen = ", ".join(sorted(self.stats)[:8]) or "none"
            raise InputError(
                f"{dump.path}: no phpBB tables found (tables seen: {seen})",
                "is this a phpBB dump? if its tables have another prefix, pass --prefix",
            )
        if not reader.completed:
            self.ctx.reject(
                "dump not completed",
                "the dump lacks mysqldump's closing '-- Dump completed' line: it may be cut short",
                location=self.location,
                line=reader.lines_read,
                rows=0,
                action="noted",
            )
        self._files()
        self._write_stats()
        self.ctx.counts.update(
            {
                "dump_bytes": raw.bytes_read,
                "dump_lines": reader.lines_read,
                "prefix": self.prefix.prefix,
            }
        )

    # -- events -----------------------------------------------------------------------------

    def _stats_for(self, table: str, line: int) -> TableStats:
        if table not in self.stats:
            name = self.prefix.phpbb_name(table)
            status = "imported" if name in TABLE_MAPS else "not needed" if name else "unknown"
            self.stats[table] = TableStats(table, name, line, status=status)
        return self.stats[table]

    def _table(self, table: TableDef) -> None:
        self.defs[table.name] = table
        self._stats_for(table.name, table.line).charset = table.charset

    def _problem(self, problem: DumpProblem) -> None:
        if problem.table:
            self._stats_for(problem.table, problem.line).rows_rejected += problem.rows_lost
        self.ctx.reject(
            f"dump {problem.kind}",
            f"line {problem.line}"
            + (f", table {problem.table}" if problem.table else "")
            + f": {problem.reason}",
            location=self.location,
            line=problem.line,
            table=problem.table,
            rows=problem.rows_lost,
        )

    def _columns(self, batch: InsertBatch, name: str) -> tuple[str, ...] | None:
        if batch.columns is not None:
            return batch.columns
        if batch.table in self.defs:
            return tuple(c.name for c in self.defs[batch.table].columns)
        if self._fallback is None:
            self._fallback = _default_defs()
        if name in self._fallback:
            return tuple(c.name for c in self._fallback[name].columns)
        return None

    def _insert(self, batch: InsertBatch) -> None:
        stats = self._stats_for(batch.table, batch.line)
        stats.rows_read += len(batch.rows)
        if stats.status != "imported":
            if stats.status == "unknown":
                self._reject_batch(
                    batch,
                    stats,
                    "unknown table",
                    f"table {batch.table} is not a phpBB 3.x table (prefix {self.prefix.prefix!r})",
                )
            return
        name = stats.phpbb_table
        assert name is not None
        names = self._columns(batch, name)
        if names is None:
            self._reject_batch(
                batch,
                stats,
                "no column list",
                f"table {batch.table} has no CREATE TABLE and no column list",
            )
            return
        table_map = TABLE_MAPS[name]
        rows = self._check_lengths(batch, names, stats, table_map.key)
        if not rows:
            return
        cols = Columns(names, rows)
        self._check_text(cols, batch, stats)
        out = table_map.mapper(cols, self.map_ctx)
        if cols.bad:
            rows = self._reject_bad(cols, rows, names, batch, stats, table_map.key)
            cols = Columns(names, rows)
            self._check_text(cols, batch, stats, report=False)
            out = table_map.mapper(cols, self.map_ctx)
        if name == "attachments":
            self._report_missing_files(out, batch)
        out["source"] = [self.ctx.target] * len(next(iter(out.values())))
        if table_map.text is not None:
            text_column, uid_column = table_map.text
            out |= convert_texts(cols.text(text_column), cols.text(uid_column))
        self.ctx.writer(table_map.output).write(out)
        stats.rows_loaded += len(rows)

    def _reject_batch(self, batch: InsertBatch, stats: TableStats, kind: str, why: str) -> None:
        stats.rows_rejected += len(batch.rows)
        self.ctx.reject(
            kind,
            f"line {batch.line}: {why}; its {len(batch.rows)} rows were not imported",
            location=self.location,
            line=batch.line,
            table=batch.table,
            rows=len(batch.rows),
        )

    def _check_lengths(
        self, batch: InsertBatch, names: Sequence[str], stats: TableStats, key: str | None
    ) -> list[tuple[Value, ...]]:
        n = len(names)
        rows = batch.rows
        good = [r for r in rows if len(r) == n]
        if len(good) != len(rows):
            for index, row in enumerate(rows):
                if len(row) != n:
                    stats.rows_rejected += 1
                    self.ctx.reject(
                        "wrong column count",
                        f"table {batch.table}, line {batch.line}, row {index + 1} of the "
                        f"statement: {len(row)} values for {n} columns",
                        location=self.location,
                        line=batch.line,
                        table=batch.table,
                        record=_record(names, row, key),
                    )
        return good

    def _reject_bad(
        self,
        cols: Columns,
        rows: list[tuple[Value, ...]],
        names: Sequence[str],
        batch: InsertBatch,
        stats: TableStats,
        key: str | None,
    ) -> list[tuple[Value, ...]]:
        for index, reason in sorted(cols.bad.items()):
            stats.rows_rejected += 1
            self.ctx.reject(
                "unreadable value",
                f"table {batch.table}, line {batch.line}: {reason}",
                location=self.location,
                line=batch.line,
                table=batch.table,
                record=_record(names, rows[index], key),
            )
        return [row for i, row in enumerate(rows) if i not in cols.bad]

    def _check_text(
        self, cols: Columns, batch: InsertBatch, stats: TableStats, report: bool = True
    ) -> None:
        """Repair latin1 mojibake; keep undecodable bytes visible (U+FFFD) and report them."""
        table = self.defs.get(batch.table)
        binary = {c.name for c in table.columns if c.binary} if table else set()
        charsets = {c.name: c.charset for c in table.columns} if table else {}
        table_latin1 = bool(table and (table.charset or "") in _LATIN1)
        numeric = {c.name for c in table.columns if c.sql_type in _NUMERIC} if table else set()
        for name in cols.names():
            if name in numeric:
                continue
            values = cols.raw(name)
            joined = "".join([v for v in values if type(v) is str])
            if joined.isascii():
                continue
            if name in binary:
                cols.set(
                    name, [to_bytes(v, batch.encoding) if type(v) is str else v for v in values]
                )
                continue
            latin1 = (charsets.get(name) or (table.charset if table else "") or "") in _LATIN1
            if invalid_bytes(joined):
                fixed = []
                for index, v in enumerate(values):
                    if type(v) is str and invalid_bytes(v):
                        v = to_bytes(v, batch.encoding).decode(batch.encoding, errors="replace")
                        if report:
                            self.ctx.reject(
                                "invalid bytes",
                                f"table {batch.table}, line {batch.line}, row {index + 1}: column "
                                f"{name} holds bytes that are not valid text; loaded with U+FFFD",
                                location=self.location,
                                line=batch.line,
                                table=batch.table,
                                action="repaired",
                            )
                    fixed.append(v)
                values = fixed
            if latin1 or table_latin1:
                repaired = [
                    ftfy.fix_encoding(v) if type(v) is str and not v.isascii() else v
                    for v in values
                ]
                if report:
                    stats.rows_repaired += sum(
                        1 for a, b in zip(values, repaired, strict=True) if a != b
                    )
                values = repaired
            cols.set(name, values)

    def _report_missing_files(self, out: dict[str, Any], batch: InsertBatch) -> None:
        for attach_id, physical, status in zip(
            out["attach_id"].to_pylist(), out["physical_filename"], out["file_status"], strict=True
        ):
            if status != "ok":
                self.ctx.reject(
                    f"attachment file {status}",
                    f"attachment {attach_id} (line {batch.line}) points to {physical!r}, which "
                    + (
                        "is not in the attachment folder"
                        if status == "missing"
                        else "has another size on disk than the row says"
                    ),
                    location=self.location,
                    line=batch.line,
                    table=batch.table,
                    record=f"attach_id={attach_id}",
                    action="noted",
                )

    # -- after the dump ---------------------------------------------------------------------

    def _files(self) -> None:
        rows = file_rows(self.source, self.map_ctx, self._unreferenced)
        for row in rows:
            row["source"] = self.ctx.target
        self.ctx.writer("files").write_rows(rows)

    def _unreferenced(self, relpath: str) -> None:
        self.ctx.reject(
            "file without attachment row",
            f"{relpath} in the attachment folder is named by no attachment row; kept as evidence",
            location=relpath,
            action="noted",
        )

    def _write_stats(self) -> None:
        self.ctx.writer("source_tables").write_rows(
            [{"source": self.ctx.target, **vars(s)} for s in self.stats.values()]
        )
        self.ctx.counts["tables"] = {
            s.phpbb_table or s.table_name: s.rows_loaded
            for s in self.stats.values()
            if s.status == "imported"
        }


def _record(names: Sequence[str], row: Sequence[Value], key: str | None) -> str | None:
    if key and key in names:
        index = list(names).index(key)
        if index < len(row):
            return f"{key}={row[index]!r}"[:200]
    return None
