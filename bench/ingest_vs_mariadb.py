"""Ingest speed and memory: `rescue ingest` against MariaDB loading the same phpBB dump.

The peer is the MariaDB server on this machine (`mariadb` client, root, empty password), fed
the very same mysqldump file with `mariadb DB < dump.sql`: the speed a police unit would get by
restoring the seizure into a database server before analysing it. Both runs are timed here, in
the same session, on the same file. Rescue's figure includes registering the evidence (SHA-256
of the dump and of every attachment); the stage alone is shown too.

Usage: python -m bench [--members N] [--posts-per-member P] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rescue.synth import SynthConfig, generate

DATA = Path("bench-data")
MARIADB = ["mariadb", "-uroot", "-h127.0.0.1"]
DB = "rescue_bench"


def _timed(cmd: list[str], stdin_path: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of a child process."""
    started = time.perf_counter()
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if stdin_path:
            stdin.close()  # type: ignore[union-attr]
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss * 1024


def _forum(members: int, posts_per_member: float, console: Console):  # type: ignore[no-untyped-def]
    out = DATA / f"forum-{members}-{posts_per_member:g}"
    marker = out / "result.json"
    config = SynthConfig(members=members, seed=2026, posts_per_member=posts_per_member)
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        console.print(f"Generating a synthetic forum: {members:,} members ...")
        started = time.perf_counter()
        result = generate(out, config)
        marker.write_text(json.dumps(result.counts))
        console.print(f"  generated in {time.perf_counter() - started:.0f} s")
    return _load(out)


def _load(out: Path):  # type: ignore[no-untyped-def]
    counts = json.loads((out / "result.json").read_text())
    dump = next(p for p in out.iterdir() if p.name.startswith("forum.sql"))
    return dump, out / "files", out / "avatars", counts


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--posts-per-member", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="keep the case folder afterwards")
    args = parser.parse_args(argv)
    console = Console()
    DATA.mkdir(exist_ok=True)
    dump, files, avatars, counts = _forum(args.members, args.posts_per_member, console)
    size = dump.stat().st_size
    rows = sum(counts.values())

    case_dir = DATA / "bench-case"
    shutil.rmtree(case_dir, ignore_errors=True)
    rescue = [sys.executable, "-m", "rescue"]
    subprocess.run([*rescue, "case", "init", str(case_dir)], check=True, capture_output=True)
    console.print("Timing rescue ingest ...")
    r_secs, r_rss = _timed(
        [
            *rescue,
            "ingest",
            "phpbb",
            str(dump),
            "--files",
            str(files),
            "--avatars",
            str(avatars),
            "--case",
            str(case_dir),
        ]
    )
    status = json.loads(
        subprocess.run(
            [*rescue, "status", "--case", str(case_dir), "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    stage_secs = next(
        r["duration_s"] for r in status["runs"] if r["stage"] == "ingest" and r["status"] == "ok"
    )
    loaded = sum(status["tables"].values())

    console.print("Timing MariaDB loading the same dump ...")
    subprocess.run(
        [*MARIADB, "-e", f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB}"], check=True
    )
    m_secs, _ = _timed([*MARIADB, DB], stdin_path=dump)
    subprocess.run([*MARIADB, "-e", f"DROP DATABASE {DB}"], check=True)
    if not args.keep:
        shutil.rmtree(case_dir, ignore_errors=True)

    mb = size / 1e6
    table = Table(
        title=f"Ingest: {args.members:,} members, {counts.get('posts', 0):,} posts, "
        f"{mb:,.0f} MB dump, {rows:,} rows"
    )
    for col in ("", "seconds", "MB/s", "rows/s", "peak memory"):
        table.add_column(col, justify="right")
    table.add_row(
        "rescue ingest (register + ingest)",
        f"{r_secs:.1f}",
        f"{mb / r_secs:.1f}",
        f"{rows / r_secs:,.0f}",
        f"{r_rss / 2**20:,.0f} MiB",
    )
    table.add_row(
        "  ingest stage alone",
        f"{stage_secs:.1f}",
        f"{mb / stage_secs:.1f}",
        f"{rows / stage_secs:,.0f}",
        "",
    )
    table.add_row(
        "MariaDB 10.11: mariadb < dump",
        f"{m_secs:.1f}",
        f"{mb / m_secs:.1f}",
        f"{rows / m_secs:,.0f}",
        "(server)",
    )
    console.print(table)
    console.print(f"Rows in the dump: {rows:,}; rows in the lake after ingest: {loaded:,}")
    console.print(
        f"[bold]Speed ratio (MariaDB time / Rescue time): {m_secs / r_secs:.2f}x[/] "
        f"(> 1 means Rescue is faster); Rescue peak memory {r_rss / 2**20:,.0f} MiB "
        "(target < 1024 MiB)"
    )
