"""rescue export graph"""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path

import typer

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors


class GraphFormat(StrEnum):
    graphml = "graphml"
    i2 = "i2"


@handle_errors
def export_graph(
    case_dir: Path = CASE_OPTION,
    out: Path = typer.Option(..., "--output", "-o", help="File to write (i2: the links CSV)."),
    fmt: GraphFormat = typer.Option(
        GraphFormat.graphml,
        "--format",
        "-f",
        help="graphml (Gephi, yEd, Maltego) or i2 (Analyst's Notebook CSV and import guide).",
    ),
) -> None:
    """The person graph: persons with role, community and centrality; ties by kind."""
    from rescue.network.export import export_graph as export

    with case_at(case_dir) as case:
        n = export(case, out, fmt.value, actor=getpass.getuser())
    console.print(f"Wrote {n:,} ties to {out}")
