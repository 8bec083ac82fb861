"""Rich renderings of runs and case status for people (the JSON forms are for programs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from rescue.case import Case
from rescue.cli.console import console
from rescue.pipeline import RunSummary
from rescue.status import reject_summary


def _rejects_text(rejects: dict[str, int]) -> str:
    if not rejects:
        return "-"
    return ", ".join(f"{n:,} {kind}" for kind, n in sorted(rejects.items(), key=lambda kv: -kv[1]))


def print_runs(case: Case, summaries: Sequence[RunSummary]) -> None:
    table = Table("stage", "target", "status", "time", "rows written", "rejects", title="Runs")
    for s in summaries:
        rows = sum(s.counts.get("rows", {}).values()) if s.counts else 0
        colour = {"ok": "green", "skipped": "dim", "failed": "red"}.get(s.status, "")
        table.add_row(
            s.stage,
            s.target,
            f"[{colour}]{s.status}[/]" if colour else s.status,
            f"{s.duration_s:.1f}s" if s.status != "skipped" else "up to date",
            f"{rows:,}" if rows else "-",
            _rejects_text(s.rejects),
        )
    console.print(table)
    if any(s.rejects for s in summaries):
        console.print("[dim]Details of every reject: rescue status --case CASE_DIR[/]")
    _print_rejects(reject_summary(case), only={(s.stage, s.target) for s in summaries})


def _print_rejects(groups: list[dict[str, Any]], only: set[tuple[str, str]] | None = None) -> None:
    shown = [g for g in groups if only is None or (g["stage"], g["target"]) in only]
    if not shown:
        return
    table = Table("stage:target", "reason", "action", "rows", "examples", title="Rejects")
    for g in shown:
        table.add_row(
            f"{g['stage']}:{g['target']}",
            g["kind"],
            g["action"],
            f"{g['rows']:,}",
            "\n".join(g["examples"]),
        )
    console.print(table)


def print_status(doc: dict[str, Any]) -> None:
    case = doc["case"]
    console.print(f"[bold]{case['name']}[/]  {case['authority']}  [dim]{case['id']}[/]")
    tables = Table("table", "rows", title="Evidence lake")
    for name, rows in doc["tables"].items():
        tables.add_row(name, f"{rows:,}")
    console.print(tables if doc["tables"] else "[dim]The lake is empty: ingest a source first.[/]")
    sources = Table("source", "kind", "file", "size", "sha256", "files", title="Sources")
    for s in doc["sources"]:
        sources.add_row(
            s["name"],
            s["kind"],
            s["file"] or "-",
            f"{s['size']:,}" if s["size"] is not None else "-",
            (s["sha256"] or "-")[:16] + "…",
            ", ".join(f"{n:,} {role}" for role, n in s["files"].items() if n) or "-",
        )
    if doc["sources"]:
        console.print(sources)
    runs = Table("started", "stage", "target", "status", "time", "rejects", title="Runs (latest)")
    for r in doc["runs"][:15]:
        runs.add_row(
            r["started_at"],
            r["stage"],
            r["target"],
            r["status"],
            "-" if r["duration_s"] is None else f"{r['duration_s']:.1f}s",
            _rejects_text(r["rejects"]),
        )
    if doc["runs"]:
        console.print(runs)
    _print_rejects(doc["rejects"])
