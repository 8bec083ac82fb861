"""Empty stand-ins for lake tables a case lacks, so one query text serves every case.

A case need not hold every table: no hash list means no ``matches``, a dump without private
messages has no ``messages``. Rather than branch the SQL per case, each missing table becomes a
typed, empty common table expression of the same name (from its contract in
``rescue.lake.schemas``), so one query text serves every case and a missing table simply
contributes no rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from rescue.lake.schemas import SCHEMAS


def sql_type(kind: pa.DataType) -> str:
    """The DuckDB type for a contract's Arrow type."""
    if pa.types.is_list(kind):
        return sql_type(kind.value_type) + "[]"
    if pa.types.is_struct(kind):
        fields = ", ".join(f'"{f.name}" {sql_type(f.type)}' for f in kind)
        return f"STRUCT({fields})"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ"
    simple = {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.bool_(): "BOOLEAN",
        pa.float64(): "DOUBLE",
    }
    return simple[kind]


def stand_ins(needed: Iterable[str], present: Iterable[str]) -> str:
    """``WITH`` definitions (comma-joined, no keyword) for each needed table not present."""
    have = set(present)
    parts = []
    for table in needed:
        if table in have:
            continue
        columns = ", ".join(
            f'CAST(NULL AS {sql_type(f.type)}) AS "{f.name}"' for f in SCHEMAS[table]
        )
        parts.append(f'"{table}" AS (SELECT {columns} WHERE false)')
    return ",\n".join(parts)


def with_inputs(needed: Iterable[str], present: Iterable[str], ctes: str, body: str) -> str:
    """A full query: stand-ins for missing tables, then ``ctes`` (may be empty), then ``body``."""
    definitions = [d for d in (stand_ins(needed, present), ctes.strip()) if d]
    if not definitions:
        return body
    return "WITH " + ",\n".join(definitions) + "\n" + body
