"""rescue run | status"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from rescue.cli.console import CASE_OPTION, case_at, handle_errors, progress_bars
from rescue.cli.report import print_runs, print_status
from rescue.pipeline import run_pipeline
from rescue.status import case_status


class EngineName(StrEnum):
    duckdb = "duckdb"


@handle_errors
def run(
    case_dir: Path = CASE_OPTION,
    engine: EngineName = typer.Option(EngineName.duckdb, "--engine", help="Execution engine."),
    stage: list[str] = typer.Option(None, "--stage", help="Run only these stages."),
    force: bool = typer.Option(False, "--force", help="Run stages even if up to date."),
) -> None:
    """Run every out-of-date stage in order; a killed run resumes where it stopped."""
    with case_at(case_dir) as case:
        with progress_bars() as progress:
            summaries = run_pipeline(case, only=stage or None, force=force, progress=progress)
        print_runs(case, summaries)


@handle_errors
def status(
    case_dir: Path = CASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """Lake tables with row counts, registered sources, runs and their rejects."""
    with case_at(case_dir) as case:
        doc = case_status(case)
    if as_json:
        typer.echo(json.dumps(doc, indent=2, default=str))
    else:
        print_status(doc)
