"""DuckDB over the lake: each committed table is a view over its Parquet parts."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from rescue.lake.catalog import Catalog


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, catalog: Catalog, *, threads: int | None = None) -> None:
        self.catalog = catalog
        self.conn = duckdb.connect(":memory:")
        if threads:
            self.conn.execute(f"SET threads = {int(threads)}")
        self._tables: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read the catalog: call after a commit to see the new parts."""
        state = self.catalog.load()
        for name in self._tables:
            self.conn.execute(f"DROP VIEW IF EXISTS {_quote(name)}")
        self._tables = []
        for name, parts in sorted(state.tables.items()):
            files = [str(self.catalog.lake_dir / p.file) for _, p in sorted(parts.items())]
            if not files:
                continue
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            self.conn.execute(
                f"CREATE VIEW {_quote(name)} AS "
                f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"
            )
            self._tables.append(name)

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        return self.conn.sql(sql, params=params or None).to_arrow_table()

    def count(self, table: str) -> int:
        result = self.query(f"SELECT count(*) AS n FROM {_quote(table)}")
        return int(result.column(0)[0].as_py())

    def tables(self) -> list[str]:
        return list(self._tables)

    def close(self) -> None:
        self.conn.close()
