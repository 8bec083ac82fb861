"""rescue link same | different | rulings, rescue export persons"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors

link_app = typer.Typer(
    help="Analysts' rulings on account pairs; they win on every run of the link stage.",
    no_args_is_help=True,
)
ANALYST = typer.Option(
    None, "--analyst", help="Who rules (default: the login name).", show_default=False
)
REASON = typer.Option(..., "--reason", help="Why: kept with the ruling and shown with links.")


def _rule(case_dir: Path, a: str, b: str, decision: str, analyst: str | None, reason: str) -> None:
    from rescue.identity.decisions import record_ruling

    with case_at(case_dir) as case:
        ruling = record_ruling(
            case, a, b, decision, analyst=analyst or getpass.getuser(), reason=reason
        )
    console.print(
        f"Recorded: {ruling.account_a} and {ruling.account_b} are "
        f"{'the same person' if decision == 'same' else 'different persons'}. "
        "It applies from the next run: rescue run --case " + str(case_dir)
    )


def _ruling_command(decision: str, summary: str) -> Callable[..., None]:
    """The same/different commands differ only in the ruling they record."""

    def command(
        account_a: str = typer.Argument(..., help='An account, "source:user_id".'),
        account_b: str = typer.Argument(..., help="The other account."),
        case_dir: Path = CASE_OPTION,
        reason: str = REASON,
        analyst: str = ANALYST,
    ) -> None:
        _rule(case_dir, account_a, account_b, decision, analyst, reason)

    command.__doc__ = summary
    return handle_errors(command)


link_app.command("same")(_ruling_command("same", "Rule two accounts one person."))
link_app.command("different")(
    _ruling_command(
        "different", "Rule two accounts different persons: no link will ever join them."
    )
)


@link_app.command("rulings")
@handle_errors
def rulings(case_dir: Path = CASE_OPTION) -> None:
    """The rulings in force (the latest per pair)."""
    from rescue.identity.decisions import current_rulings

    with case_at(case_dir) as case:
        rows = current_rulings(case)
    table = Table("account", "account", "ruling", "by", "when", "reason", title="Rulings")
    for r in rows:
        when = r.decided_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(r.account_a, r.account_b, r.decision, r.analyst, when, r.reason)
    console.print(table if rows else "No rulings yet.")


@handle_errors
def export_persons(
    case_dir: Path = CASE_OPTION,
    out: Path = typer.Option(..., "--output", "-o", help="JSON Lines file to write."),
) -> None:
    """Every person: accounts, country with evidence, identifiers, links, priority."""
    from rescue.identity.persons_export import export_persons as export

    with case_at(case_dir) as case:
        n = export(case, out, actor=getpass.getuser())
    console.print(f"Wrote {n:,} persons to {out}")
