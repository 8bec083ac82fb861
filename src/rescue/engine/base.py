"""The engine interface: how stages read the lake, whatever runs the query.

DuckDB in-process is the default; a Spark engine (scale-out) implements the same few methods.
Engine differences live in the implementations, never in the stages.
"""

from __future__ import annotations

from typing import Any, Protocol

import pyarrow as pa


class Engine(Protocol):
    name: str

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run SQL over the lake's tables (each a view by its table name)."""
        ...

    def count(self, table: str) -> int: ...

    def tables(self) -> list[str]: ...

    def close(self) -> None: ...
