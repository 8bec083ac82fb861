"""Small helpers the ingest tests share: run an ingest, query the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rescue.case import Case
from rescue.ingest.register import ingest_phpbb
from rescue.pipeline import RunSummary
from rescue.stage import StageContext, fingerprint


def ingest(
    case: Case,
    dump: Path,
    files: Path | None = None,
    avatars: Path | None = None,
    source: str = "forum",
    prefix: str | None = None,
) -> RunSummary:
    return ingest_phpbb(case, dump, files=files, avatars=avatars, source=source, prefix=prefix)


def rows(case: Case, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    engine = case.engine()
    try:
        return engine.query(sql, params).to_pylist()
    finally:
        engine.close()


def scalar(case: Case, sql: str, params: list[Any] | None = None) -> Any:
    result = rows(case, sql, params)
    return next(iter(result[0].values())) if result else None


def rejects(case: Case, kind: str | None = None) -> list[dict[str, Any]]:
    if kind is None:
        return rows(case, "SELECT * FROM rejects ORDER BY line, detail")
    return rows(case, "SELECT * FROM rejects WHERE kind = ? ORDER BY line, detail", [kind])


def set_case_settings(root: Path, section: str, values: dict[str, Any]) -> None:
    """Change ``[section]`` of a case's case.toml, as an analyst editing it would."""
    import tomllib

    import tomli_w

    path = root / "case.toml"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    doc.setdefault(section, {}).update(values)
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")


class Seed:
    """A throwaway stage that writes hand-made input tables, as earlier stages would.

    ``Seed(tables)`` writes each ``{table: rows}`` for the target "forum" (``source`` added);
    run it with ``run_pipeline(case, stages=[Seed(tables), TheStageUnderTest()])``.
    """

    name: ClassVar[str] = "seed"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, tables: dict[str, list[dict[str, Any]]], target: str = "forum") -> None:
        self.tables = tables
        self.target = target
        self.outputs = tuple(tables)

    def targets(self, case: Case) -> list[str]:
        return [self.target]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {}

    def input_fingerprint(self, case: Case, target: str) -> str:
        return fingerprint(self.tables)

    def run(self, ctx: StageContext) -> None:
        for table, table_rows in self.tables.items():
            ctx.writer(table).write_rows([{"source": self.target, **r} for r in table_rows])
