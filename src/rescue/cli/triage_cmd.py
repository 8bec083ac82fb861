"""rescue priorities"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors


def priorities_table(
    rows: list[dict[str, Any]], title: str = "Priority list", max_indicators: int | None = None
) -> Table:
    table = Table(title=title, caption="A ranking aid for attention, not a prediction.")
    table.add_column("#", justify="right")
    table.add_column("person")
    table.add_column("score", justify="right")
    table.add_column("tier")
    table.add_column("country")
    table.add_column("why")
    for row in rows:
        table.add_row(
            str(row["rank"]),
            f"{row['person_id']}\n{', '.join(row['usernames'])}",
            f"{row['score']:.1f}",
            row["tier"],
            row["country"] or "?",
            "\n".join(row["indicators"][:max_indicators]) or "-",
        )
    return table


@handle_errors
def priorities(
    case_dir: Path = CASE_OPTION,
    limit: int = typer.Option(20, "--limit", help="How many persons to list (0: all)."),
    country: str = typer.Option(None, "--country", help="Only persons attributed to this country."),
    explain: str = typer.Option(
        None, "--explain", help="A person id: every indicator with its weight and contribution."
    ),
) -> None:
    """Persons in priority order, with the indicators behind each score."""
    from rescue.triage.reports import priority_list

    with case_at(case_dir) as case:
        rows = priority_list(case, limit=None if explain else (limit or None), country=country)
    if explain:
        found = [r for r in rows if r["person_id"] == explain]
        if not found:
            console.print(f"No person {explain} in the priority list.")
            raise typer.Exit(1)
        row = found[0]
        title = f"{row['person_id']}: rank {row['rank']}, score {row['score']:.1f}, {row['tier']}"
        table = Table("indicator", "value", "weight", "contribution", "found", title=title)
        for item in row["explanation"]:
            table.add_row(
                item["indicator"],
                f"{item['value']:g}",
                f"{item['weight']:g}",
                f"{item['contribution']:.2f}",
                item["detail"] or "-",
            )
        console.print(table)
        return
    console.print(priorities_table(rows))
