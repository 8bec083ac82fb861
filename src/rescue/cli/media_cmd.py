"""rescue hashes import | list | export, rescue queue, rescue export matches"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors, progress_bars
from rescue.cli.report import print_runs

hashes_app = typer.Typer(
    help="Lists of known hashes (CSV, plain, VICS JSON).", no_args_is_help=True
)
export_app = typer.Typer(help="Export results for other tools.", no_args_is_help=True)


class SetFormat(StrEnum):
    csv = "csv"
    plain = "plain"
    vics = "vics"


class HashType(StrEnum):
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"
    pdq = "pdq"


@hashes_app.command("import")
@handle_errors
def import_(
    file: Path = typer.Argument(..., help="CSV with a header, one hash a line, or VICS JSON."),
    case_dir: Path = CASE_OPTION,
    name: str = typer.Option(None, "--name", help="Name of the set (default: the file name)."),
    fmt: SetFormat = typer.Option(None, "--format", help="Format (default: detected)."),
    hash_type: HashType = typer.Option(
        None, "--hash-type", help="For plain lists of 64-hex hashes: sha256 (default) or pdq."
    ),
    origin: str = typer.Option("", "--origin", help="Who supplied the set, for the record."),
) -> None:
    """Register a hash set as evidence and load it; malformed rows are rejected by line."""
    from rescue.media.hashset_stage import import_hash_set

    with case_at(case_dir) as case:
        with progress_bars() as progress:
            summary = import_hash_set(
                case,
                file,
                name=name,
                fmt=fmt,
                hash_type=hash_type,
                origin=origin,
                progress=progress,
            )
        print_runs(case, [summary])


@hashes_app.command("list")
@handle_errors
def list_(case_dir: Path = CASE_OPTION) -> None:
    """The hash sets of the case, with their origin, import time and size."""
    from rescue.evidence import list_sources

    with case_at(case_dir) as case:
        sets = [s for s in list_sources(case) if s.kind == "hashset"]
        counts = case.catalog.load().tables.get("known_hashes", {})
        table = Table(
            "name", "format", "origin", "imported", "hashes", "file", "sha256", title="Hash sets"
        )
        for s in sets:
            part = counts.get(s.name)
            (registered,) = s.by_role("hash_set")
            table.add_row(
                s.name,
                s.params.get("format") or "-",
                s.params.get("origin") or "-",
                s.registered_at.strftime("%Y-%m-%d %H:%M UTC") if s.registered_at else "-",
                f"{part.rows:,}" if part else "-",
                registered.path.name,
                registered.sha256[:16] + "…",
            )
        console.print(table)


@hashes_app.command("export")
@handle_errors
def export_set(
    name: str = typer.Argument(..., help="The hash set to export."),
    case_dir: Path = CASE_OPTION,
    out: Path = typer.Option(..., "--output", "-o", help="VICS JSON file to write."),
) -> None:
    """Write a hash set as Project VIC (VICS 2.0) JSON."""
    from rescue.media.hashset_stage import export_hash_set

    with case_at(case_dir) as case:
        n = export_hash_set(case, name, out)
    console.print(f"Wrote {n:,} records to {out}")


@export_app.command("matches")
@handle_errors
def export_matches(
    case_dir: Path = CASE_OPTION,
    out: Path = typer.Option(..., "--output", "-o", help="CSV file to write."),
) -> None:
    """Every attachment that matched a known hash, as CSV."""
    from rescue.media.reports import export_matches as export

    with case_at(case_dir) as case:
        n = export(case, out)
    console.print(f"Wrote {n:,} matches to {out}")


@handle_errors
def queue(
    case_dir: Path = CASE_OPTION,
    limit: int = typer.Option(50, "--limit", help="How many clusters to list (0: all)."),
) -> None:
    """Unknown images grouped into near-duplicate clusters, in victim-identification order."""
    from rescue.media.reports import new_material_queue

    with case_at(case_dir) as case:
        rows = new_material_queue(case, limit or None)
    table = Table(
        "#",
        "cluster",
        "files",
        "posted",
        "posters",
        "first seen",
        "first poster",
        "where",
        title="New material: victim identification queue (no media shown)",
    )
    for r in rows:
        table.add_row(
            str(r["priority"]),
            r["cluster_id"],
            str(r["files"]),
            str(r["attachments"]),
            str(r["posters"]),
            r["first_seen_at"].strftime("%Y-%m-%d %H:%M") if r["first_seen_at"] else "-",
            r["first_username"] or r["first_account_id"] or "-",
            r["first_place"] or "-",
        )
    console.print(table)
