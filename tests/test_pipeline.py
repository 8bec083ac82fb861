"""The stage runner: order, skipping, failure and crash recovery, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pytest
from sqlalchemy import select

from rescue.case import Case
from rescue.errors import PipelineError
from rescue.lake.schemas import SCHEMAS
from rescue.ops.models import Run
from rescue.pipeline import order_stages, recover_interrupted, run_pipeline
from rescue.stage import StageContext, fingerprint

NUMBERS = pa.schema([("source", pa.string()), ("n", pa.int64())])


@pytest.fixture(autouse=True)
def _test_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCHEMAS, "numbers", NUMBERS)
    monkeypatch.setitem(SCHEMAS, "squares", NUMBERS)


class Numbers:
    """Writes 0..count-1; reads a parameter from the case folder so tests can change it."""

    name: ClassVar[str] = "numbers"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("numbers",)
    calls = 0

    def targets(self, case: Case) -> list[str]:
        return ["all"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {"count": int((case.root / "count.txt").read_text())}

    def input_fingerprint(self, case: Case, target: str) -> str:
        return ""

    def run(self, ctx: StageContext) -> None:
        type(self).calls += 1
        count = ctx.params["count"]
        ctx.writer("numbers").write({"source": ["t"] * count, "n": list(range(count))})
        ctx.reject("odd test reject", "the number 3 is not welcome", location="test", rows=1)


class Squares:
    name: ClassVar[str] = "squares"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("numbers",)
    outputs: ClassVar[tuple[str, ...]] = ("squares",)
    fail = False

    def targets(self, case: Case) -> list[str]:
        return ["all"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {}

    def input_fingerprint(self, case: Case, target: str) -> str:
        state = case.catalog.load()
        return fingerprint({k: p.file for k, p in state.tables.get("numbers", {}).items()})

    def run(self, ctx: StageContext) -> None:
        engine = ctx.case.engine()
        table = engine.query("SELECT source, n * n AS n FROM numbers ORDER BY n")
        engine.close()
        ctx.writer("squares").write({"source": table["source"], "n": table["n"]})
        if type(self).fail:
            raise RuntimeError("disk full (simulated)")


def _lake(case: Case, table: str) -> list[int]:
    engine = case.engine()
    try:
        return [r["n"] for r in engine.query(f"SELECT n FROM {table} ORDER BY n").to_pylist()]
    finally:
        engine.close()


def _statuses(case: Case) -> list[tuple[str, str]]:
    with case.store.session() as s:
        return [(r.stage, r.status) for r in s.scalars(select(Run).order_by(Run.started_at))]


@pytest.fixture
def stages(case: Case) -> list[Any]:
    (case.root / "count.txt").write_text("4")
    Numbers.calls = 0
    Squares.fail = False
    return [Squares(), Numbers()]  # deliberately out of order


def test_stages_run_in_dependency_order(case: Case, stages: list[Any]) -> None:
    assert [s.name for s in order_stages(stages)] == ["numbers", "squares"]
    summaries = run_pipeline(case, stages=stages)
    assert [(s.stage, s.status) for s in summaries] == [("numbers", "ok"), ("squares", "ok")]
    assert _lake(case, "squares") == [0, 1, 4, 9]
    assert summaries[0].rejects == {"odd test reject": 1}
    assert case.catalog.row_counts()["rejects"] == 1


def test_unchanged_stage_is_skipped_and_changed_one_reruns(case: Case, stages: list[Any]) -> None:
    run_pipeline(case, stages=stages)
    again = run_pipeline(case, stages=stages)
    assert [s.status for s in again] == ["skipped", "skipped"]
    assert Numbers.calls == 1
    (case.root / "count.txt").write_text("6")
    third = run_pipeline(case, stages=stages)
    assert [s.status for s in third] == ["ok", "ok"]  # the change flows downstream
    assert _lake(case, "squares") == [0, 1, 4, 9, 16, 25]
    assert case.catalog.row_counts()["rejects"] == 1  # replaced, not appended


def test_failed_stage_commits_nothing_and_is_recorded(case: Case, stages: list[Any]) -> None:
    run_pipeline(case, stages=stages)
    before = case.catalog.load()
    (case.root / "count.txt").write_text("5")
    Squares.fail = True
    with pytest.raises(PipelineError, match="disk full"):
        run_pipeline(case, stages=stages)
    after = case.catalog.load()
    assert after.tables["squares"] == before.tables["squares"]
    assert _lake(case, "squares") == [0, 1, 4, 9]
    assert _statuses(case)[-1] == ("squares", "failed")
    leftovers = [p for p in case.lake_dir.rglob("*.parquet*") if ".tmp" in p.name]
    assert leftovers == []
    Squares.fail = False
    assert [s.status for s in run_pipeline(case, stages=stages)] == ["skipped", "ok"]
    assert _lake(case, "squares") == [0, 1, 4, 9, 16]


def test_killed_run_is_marked_interrupted_and_its_files_collected(
    case: Case, stages: list[Any]
) -> None:
    run_pipeline(case, stages=stages)
    # What a SIGKILL leaves behind: a run row still "running" and an uncommitted file.
    orphan = case.lake_dir / "numbers" / "all-deadbeef.parquet.tmp"
    orphan.write_bytes(b"half a file")
    with case.store.session() as s:
        s.add(
            Run(
                id="deadbeef",
                stage="numbers",
                target="all",
                status="running",
                started_at=s.scalars(select(Run.started_at)).first(),
                fingerprint="x",
                params={},
                counts={},
                rejects={},
            )
        )
    run_pipeline(case, stages=stages)
    assert not orphan.exists()
    with case.store.session() as s:
        assert s.get(Run, "deadbeef").status == "interrupted"  # type: ignore[union-attr]
    assert recover_interrupted(case) == 0


def test_run_killed_after_commit_counts_as_done(case: Case, stages: list[Any]) -> None:
    run_pipeline(case, stages=stages)
    committed = case.catalog.stage("numbers:all")
    assert committed is not None
    with case.store.session() as s:
        s.get(Run, committed.run_id).status = "running"  # type: ignore[union-attr]
    recover_interrupted(case)
    with case.store.session() as s:
        assert s.get(Run, committed.run_id).status == "ok"  # type: ignore[union-attr]


def test_force_reruns(case: Case, stages: list[Any]) -> None:
    run_pipeline(case, stages=stages)
    assert [s.status for s in run_pipeline(case, stages=stages, force=True)] == ["ok", "ok"]
    assert Numbers.calls == 2


def test_catalog_commit_is_all_or_nothing(tmp_path: Path, case: Case, stages: list[Any]) -> None:
    run_pipeline(case, stages=stages)
    text = case.catalog.path.read_text()
    (case.catalog.path.with_suffix(".json.tmp")).write_text("{ torn")  # a crash mid-write
    assert case.catalog.path.read_text() == text
    assert case.catalog.row_counts()["numbers"] == 4
