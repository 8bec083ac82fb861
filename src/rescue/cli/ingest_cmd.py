"""rescue ingest phpbb"""

from __future__ import annotations

from pathlib import Path

import typer

from rescue.cli.console import CASE_OPTION, case_at, handle_errors, progress_bars
from rescue.cli.report import print_runs
from rescue.ingest.register import ingest_phpbb

app = typer.Typer(help="Load seized forum dumps into a case.", no_args_is_help=True)


@app.command("phpbb")
@handle_errors
def phpbb(
    dump: Path = typer.Argument(
        ..., help="mysqldump of the phpBB database (.sql, .gz, .bz2, .xz)."
    ),
    files: Path = typer.Option(None, "--files", help="phpBB's attachment folder (files/)."),
    avatars: Path = typer.Option(
        None, "--avatars", help="Uploaded avatars (images/avatars/upload)."
    ),
    case_dir: Path = CASE_OPTION,
    source: str = typer.Option(None, "--source", help="Name of this source (default: dump name)."),
    prefix: str = typer.Option(None, "--prefix", help="Table prefix (default: detected, phpbb_)."),
) -> None:
    """Register a phpBB 3.x dump and its folders as evidence, and ingest them."""
    with case_at(case_dir) as case:
        with progress_bars() as progress:
            summary = ingest_phpbb(
                case,
                dump,
                files=files,
                avatars=avatars,
                source=source,
                prefix=prefix,
                progress=progress,
            )
        print_runs(case, [summary])
