"""What a stage is, and the context the runner hands it.

A stage reads its inputs (registered evidence or lake tables), writes its output tables through
``ctx.writer`` and reports bad records through ``ctx.reject``; it holds no other state. The
runner (``rescue.pipeline``) decides whether it needs to run, and commits or discards its output.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from rescue.case import Case
from rescue.lake.schemas import REJECTS, SCHEMAS
from rescue.lake.writer import TableWriter
from rescue.progress import Progress

MAX_REJECT_REASON = 500
REJECT_BATCH = 5000


def fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class StageContext:
    case: Case
    stage_name: str
    target: str
    run_id: str
    params: dict[str, Any]
    progress: Progress
    counts: dict[str, Any] = field(default_factory=dict)
    reject_counts: Counter[str] = field(default_factory=Counter)
    _writers: dict[str, TableWriter] = field(default_factory=dict)
    _reject_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.stage_name}:{self.target}"

    def writer(self, table: str) -> TableWriter:
        if table not in self._writers:
            # Rejects are kept per stage as well as per target: stages share that table.
            key = self.key if table == REJECTS else self.target
            self._writers[table] = TableWriter(
                self.case.lake_dir, table, key, self.run_id, SCHEMAS[table]
            )
        return self._writers[table]

    def reject(
        self,
        kind: str,
        detail: str,
        *,
        location: str,
        line: int | None = None,
        table: str | None = None,
        record: str | None = None,
        rows: int = 1,
        action: str = "skipped",
    ) -> None:
        """Count and keep one bad record (or a group of ``rows`` lost together).

        ``kind`` is the short reason counted in summaries ("wrong column count"); ``detail`` the
        full sentence an analyst reads. ``action`` says what happened to the data: skipped
        (not loaded), repaired (loaded after a repair) or noted (loaded as it was).
        """
        self.reject_counts[kind] += rows
        self._reject_rows.append(
            {
                "stage": self.stage_name,
                "target": self.target,
                "run_id": self.run_id,
                "kind": kind,
                "detail": detail[:MAX_REJECT_REASON],
                "location": location,
                "line": line,
                "table_name": table,
                "record": record,
                "rows": rows,
                "action": action,
            }
        )
        if len(self._reject_rows) >= REJECT_BATCH:
            self.flush_rejects()

    def flush_rejects(self) -> None:
        self.writer(REJECTS).write_rows(self._reject_rows)
        self._reject_rows = []

    def writers(self) -> dict[str, TableWriter]:
        return self._writers


class Stage(Protocol):
    name: ClassVar[str]
    version: ClassVar[str]  # bump when the stage's output would change for the same input
    inputs: ClassVar[tuple[str, ...]]  # lake tables read
    outputs: ClassVar[tuple[str, ...]]  # lake tables written (rejects come on top)

    def targets(self, case: Case) -> list[str]:
        """The partition keys this stage writes: source names, or ["all"]."""
        ...

    def params(self, case: Case, target: str) -> dict[str, Any]: ...

    def input_fingerprint(self, case: Case, target: str) -> str:
        """Changes whenever what the stage reads for ``target`` changes."""
        ...

    def run(self, ctx: StageContext) -> None: ...
