"""Typed access to one INSERT statement's rows, column by column.

Rows are transposed once (``zip(*rows)`` runs in C) and each output column is converted with a
single ``pyarrow.array`` call. Only when that fast path fails does a column fall back to value by
value conversion, and the rows with a value that cannot be read are marked bad, with the reason,
so the caller can reject exactly those rows and keep the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from rescue.ingest.sqldump import Value

TS_TYPE = pa.timestamp("s", tz="UTC")


class Columns:
    def __init__(self, names: Sequence[str], rows: Sequence[tuple[Value, ...]]) -> None:
        self.n = len(rows)
        transposed = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        self._cols: dict[str, Sequence[Value]] = dict(zip(names, transposed, strict=True))
        self.bad: dict[int, str] = {}  # row index -> why it cannot be loaded

    def names(self) -> list[str]:
        return list(self._cols)

    def has(self, name: str) -> bool:
        return name in self._cols

    def raw(self, name: str, default: Value = None) -> Sequence[Value]:
        values = self._cols.get(name)
        return values if values is not None else [default] * self.n

    def integer(self, name: str, *, zero_is_null: bool = False, required: bool = False) -> pa.Array:
        values = self.raw(name)
        try:
            arr = pa.array(values, type=pa.int64())
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            arr = pa.array(self._slow_ints(name, values), type=pa.int64())
        if required and arr.null_count:
            for i, v in enumerate(arr.to_pylist()):
                if v is None:
                    self.bad.setdefault(i, f"{name} is NULL")
        if zero_is_null:
            arr = pc.if_else(pc.equal(arr, 0), None, arr)
        return arr

    def _slow_ints(self, name: str, values: Sequence[Value]) -> list[int | None]:
        out: list[int | None] = []
        for i, v in enumerate(values):
            if v is None or isinstance(v, bool):
                out.append(None)
            elif isinstance(v, int):
                out.append(v)
            else:
                try:
                    text = v.decode("ascii") if isinstance(v, bytes) else str(v)
                    out.append(int(float(text)) if "." in text else int(text))
                except (ValueError, UnicodeDecodeError, OverflowError):
                    self.bad.setdefault(i, f"{name} is not a number: {str(v)[:40]!r}")
                    out.append(None)
        return out

    def flag(self, name: str) -> pa.Array:
        return pc.not_equal(self.integer(name), 0)

    def time(self, name: str) -> pa.Array:
        """phpBB times are Unix seconds; 0 means never."""
        return self.integer(name, zero_is_null=True).cast(TS_TYPE)

    def text(self, name: str) -> list[str | None]:
        values = self.raw(name)
        if all(v is None or isinstance(v, str) for v in values):
            return list(values)  # type: ignore[arg-type]
        return [_as_text(v) for v in values]

    def set(self, name: str, values: Sequence[Value]) -> None:
        self._cols[name] = values


def _as_text(v: Value) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def global_ids(source: str, ids: pa.Array) -> list[str | None]:
    prefix = source + ":"
    return [None if v is None else prefix + str(v) for v in ids.to_pylist()]
