"""The lake catalog: which Parquet files make up each table, committed atomically.

A table is a set of *parts*, one per partition key (a source name for ingest, "all" for
case-wide stages). A stage writes new files under fresh names, then commits them by rewriting
``catalog.json`` in one ``os.replace``; readers only see files the catalog names. So a run that
is killed at any point leaves the catalog either before or after its commit, never between, and
the files it had written are garbage that the next run removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rescue.errors import PipelineError

CATALOG_VERSION = 1


@dataclass(frozen=True)
class Part:
    file: str  # relative to the lake folder
    rows: int
    run_id: str


@dataclass(frozen=True)
class StageRecord:
    """What the catalog remembers of a stage's last committed output for one target."""

    fingerprint: str
    run_id: str
    outputs: dict[str, int]  # table -> rows written


@dataclass
class CatalogState:
    tables: dict[str, dict[str, Part]] = field(default_factory=dict)
    stages: dict[str, StageRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CATALOG_VERSION,
            "tables": {
                name: {key: vars(part) for key, part in sorted(parts.items())}
                for name, parts in sorted(self.tables.items())
            },
            "stages": {key: vars(rec) for key, rec in sorted(self.stages.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CatalogState:
        return cls(
            tables={
                name: {key: Part(**part) for key, part in parts.items()}
                for name, parts in data.get("tables", {}).items()
            },
            stages={key: StageRecord(**rec) for key, rec in data.get("stages", {}).items()},
        )


class Catalog:
    def __init__(self, lake_dir: Path) -> None:
        self.lake_dir = lake_dir
        self.path = lake_dir / "catalog.json"

    def load(self) -> CatalogState:
        if not self.path.exists():
            return CatalogState()
        try:
            return CatalogState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise PipelineError(
                f"the lake catalog {self.path} is unreadable: {exc}",
                "restore it from a backup, or delete the lake folder and run again",
            ) from exc

    def files(self, table: str) -> list[Path]:
        parts = self.load().tables.get(table, {})
        return [self.lake_dir / part.file for _, part in sorted(parts.items())]

    def row_counts(self) -> dict[str, int]:
        state = self.load()
        return {
            name: sum(p.rows for p in parts.values())
            for name, parts in sorted(state.tables.items())
        }

    def stage(self, key: str) -> StageRecord | None:
        return self.load().stages.get(key)

    def commit(
        self, stage_key: str, fingerprint: str, run_id: str, parts: Mapping[str, tuple[str, Part]]
    ) -> list[Path]:
        """Publish a stage's output: ``parts`` maps table -> (partition key, part).

        Returns the files the commit replaced, for the caller to delete once it is durable.
        Every table the stage owns is listed, so a part missing from ``parts`` is not left stale.
        """
        state = self.load()
        replaced: list[Path] = []
        for table, (key, part) in parts.items():
            old = state.tables.setdefault(table, {}).get(key)
            if old is not None and old.file != part.file:
                replaced.append(self.lake_dir / old.file)
            state.tables[table][key] = part
        state.stages[stage_key] = StageRecord(
            fingerprint=fingerprint,
            run_id=run_id,
            outputs={table: part.rows for table, (_, part) in parts.items()},
        )
        self._write(state)
        return replaced

    def _write(self, state: CatalogState) -> None:
        tmp = self.path.with_suffix(".json.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(state.to_json(), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)
        _fsync_dir(self.lake_dir)

    def collect_garbage(self) -> list[Path]:
        """Delete Parquet files no committed part names: the leftovers of killed runs."""
        live = {
            self.lake_dir / part.file
            for parts in self.load().tables.values()
            for part in parts.values()
        }
        removed = []
        for path in self.lake_dir.rglob("*.parquet*"):
            if path not in live:
                path.unlink()
                removed.append(path)
        return removed

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer per lake: a second `rescue run` on the same case waits for the first."""
        self.lake_dir.mkdir(parents=True, exist_ok=True)
        with (self.lake_dir / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
