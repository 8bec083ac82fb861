"""Kill `rescue ingest` with SIGKILL at several points; starting it again must give exactly
the tables of an uninterrupted run: no duplicate, no lost row."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from rescue.case import init_case, open_case
from rescue.synth import SynthConfig, SynthResult, generate

RESCUE = [sys.executable, "-m", "rescue"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def forum(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    # Big enough that the ingest stage takes a while, so a kill can land inside it.
    return generate(
        tmp_path_factory.mktemp("resume-forum"),
        SynthConfig(members=600, seed=5, posts_per_member=25),
    )


def _ingest_cmd(forum: SynthResult, case_dir: Path) -> list[str]:
    return [
        *RESCUE,
        "ingest",
        "phpbb",
        str(forum.dump_path),
        "--files",
        str(forum.files_dir),
        "--avatars",
        str(forum.avatars_dir),
        "--case",
        str(case_dir),
        "--source",
        "forum",
    ]


def snapshot(case_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every lake table's rows in a canonical order, without per-run identifiers."""
    case = open_case(case_dir)
    engine = case.engine()
    try:
        out = {}
        for table in engine.tables():
            columns = [f.name for f in engine.query(f'SELECT * FROM "{table}" LIMIT 0').schema]
            keep = ", ".join(f'"{c}"' for c in columns if c != "run_id")
            out[table] = engine.query(f'SELECT {keep} FROM "{table}" ORDER BY ALL').to_pylist()
        return out
    finally:
        engine.close()
        case.close()


def _running_run(case_dir: Path) -> bool:
    db = case_dir / "ops.db"
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            row = conn.execute("SELECT count(*) FROM runs WHERE status='running'").fetchone()
        return bool(row and row[0])
    except sqlite3.Error:
        return False


def _writing_parquet(case_dir: Path) -> bool:
    return any((case_dir / "lake").rglob("posts/*.parquet.tmp"))


def _half_way(case_dir: Path) -> bool:
    return any(p.stat().st_size > 200_000 for p in (case_dir / "lake").rglob("*.parquet.tmp"))


def _committed(case_dir: Path) -> bool:
    return (case_dir / "lake" / "catalog.json").exists()


KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "during start-up and registration": lambda d: (d / "ops.db").exists(),
    "as the stage starts": _running_run,
    "while writing tables": _writing_parquet,
    "half-way through the dump": _half_way,
    "right after the commit": _committed,
}


def _kill_when(cmd: list[str], ready: Callable[[], bool], timeout: float = 120) -> bool:
    """Start cmd, SIGKILL it once ready() holds; True if it was killed before it finished."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    return proc.returncode == -signal.SIGKILL


def test_sigkill_at_any_point_then_rerun_gives_identical_tables(
    forum: SynthResult, tmp_path: Path
) -> None:
    reference_dir = tmp_path / "reference"
    init_case(reference_dir).close()
    subprocess.run(_ingest_cmd(forum, reference_dir), check=True, capture_output=True)
    subprocess.run([*RESCUE, "run", "--case", str(reference_dir)], check=True, capture_output=True)
    reference = snapshot(reference_dir)
    assert {"posts", "media_hashes", "matches", "media_clusters"} <= reference.keys()
    assert len(reference["posts"]) > 5000

    killed = []
    for label, ready in KILL_POINTS.items():
        case_dir = tmp_path / label.replace(" ", "-")
        init_case(case_dir).close()
        if _kill_when(_ingest_cmd(forum, case_dir), partial(ready, case_dir)):
            killed.append(label)
        # Resume: the same command again, then a plain `rescue run` (which must do nothing).
        subprocess.run(_ingest_cmd(forum, case_dir), check=True, capture_output=True)
        subprocess.run([*RESCUE, "run", "--case", str(case_dir)], check=True, capture_output=True)
        got = snapshot(case_dir)
        assert got.keys() == reference.keys(), label
        for table in reference:
            assert got[table] == reference[table], f"{table} differs after a kill {label}"
        leftovers = list((case_dir / "lake").rglob("*.tmp"))
        assert leftovers == [], label
    # Most points must really have interrupted the run, or the test proves nothing.
    assert len(killed) >= 4, killed

    # A kill while the hash stage is half-way: the cache keeps what was flushed, and the rerun
    # hashes only the rest yet gives the same tables.
    case_dir = tmp_path / "killed-while-hashing"
    init_case(case_dir).close()
    subprocess.run(_ingest_cmd(forum, case_dir), check=True, capture_output=True)
    cache_dir = case_dir / "lake" / "cache"

    def hashing_started() -> bool:
        return any(p.stat().st_size > 0 for p in cache_dir.glob("hash-*-forum.jsonl"))

    assert _kill_when([*RESCUE, "run", "--case", str(case_dir)], hashing_started)
    subprocess.run([*RESCUE, "run", "--case", str(case_dir)], check=True, capture_output=True)
    got = snapshot(case_dir)
    for table in reference:
        assert got[table] == reference[table], f"{table} differs after a kill while hashing"
