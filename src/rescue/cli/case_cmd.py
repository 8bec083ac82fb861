"""rescue case init | verify"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rescue.case import init_case
from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors, progress_bars
from rescue.evidence import verify_case

app = typer.Typer(help="Create a case and check its evidence.", no_args_is_help=True)


@app.command("init")
@handle_errors
def init(
    case_dir: Path = typer.Argument(..., help="Folder to create for the case."),
    name: str = typer.Option(None, "--name", help="Operation name (default: the folder name)."),
    authority: str = typer.Option("", "--authority", help="Legal authority for the seizure."),
    database_url: str = typer.Option(
        None, "--database-url", help="Shared operations database (default: SQLite in the case)."
    ),
) -> None:
    """Create CASE_DIR with case.toml, evidence/, lake/, exports/ and the operations database."""
    case = init_case(case_dir, name=name, authority=authority, database_url=database_url)
    console.print(f"Created case [bold]{case.info.name}[/] in {case_dir}")
    case.close()


@app.command("verify")
@handle_errors
def verify(case_dir: Path = CASE_OPTION) -> None:
    """Re-hash every registered evidence file; exit 1 if any is missing or changed."""
    with case_at(case_dir) as case, progress_bars() as progress:
        report = verify_case(case, progress)
    if report.ok:
        console.print(
            f"[green]OK[/]: {report.files} evidence files, {report.bytes:,} bytes, "
            "all as registered"
        )
        return
    table = Table("source", "file", "problem", title="Evidence that changed")
    for p in report.problems:
        table.add_row(p.source, p.path, p.problem)
    console.print(table)
    console.print(
        f"[bold red]{len(report.problems)} of {report.files} evidence files changed or missing."
        "[/] Restore the originals; do not run stages on altered evidence."
    )
    raise typer.Exit(1)
