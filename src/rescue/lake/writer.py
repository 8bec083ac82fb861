"""Streaming a table part to Parquet in bounded memory.

Rows arrive in batches (one INSERT statement's worth during ingest); they are buffered until a
row group's worth is there, so memory stays flat whatever the size of the table. The file is
written under a temporary name and becomes visible only through a catalog commit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rescue.lake.catalog import Part

ROW_GROUP_ROWS = 128_000


class TableWriter:
    def __init__(self, lake_dir: Path, table: str, key: str, run_id: str, schema: pa.Schema):
        self.table = table
        self.key = key
        self.run_id = run_id
        self.schema = schema
        self.relpath = f"{table}/{_safe(key)}-{run_id}.parquet"
        self.path = lake_dir / self.relpath
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self.rows = 0

    def write(self, columns: Mapping[str, pa.Array | Sequence[Any]]) -> int:
        """Append rows given as columns; names must match the schema. Returns rows added."""
        arrays = []
        for fld in self.schema:
            values = columns[fld.name]
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            if isinstance(values, pa.Array):
                arrays.append(values if values.type == fld.type else values.cast(fld.type))
            else:
                arrays.append(pa.array(values, type=fld.type))
        return self.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def write_rows(self, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        return self.write_batch(pa.RecordBatch.from_pylist(list(rows), schema=self.schema))

    def write_batch(self, batch: pa.RecordBatch) -> int:
        if batch.num_rows == 0:
            return 0
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush()
        return int(batch.num_rows)

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending, schema=self.schema))
            self._pending = []
            self._pending_rows = 0

    def close(self) -> Part:
        """Finish the file durably and return the part to commit."""
        self._flush()
        self._writer.close()
        with self._tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        self._tmp.replace(self.path)
        return Part(file=self.relpath, rows=self.rows, run_id=self.run_id)

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)


def _safe(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key)
