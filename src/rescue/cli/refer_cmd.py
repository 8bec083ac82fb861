"""rescue refer: build, sign, encrypt and verify the referral packages for partner forces."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Column, Table

from rescue.cli.console import (
    CASE_OPTION,
    case_at,
    console,
    err_console,
    handle_errors,
    progress_bars,
)

refer_app = typer.Typer(
    help="Referral packages for partner forces. With --case and no command: build them.",
    no_args_is_help=True,
)


@refer_app.callback(invoke_without_command=True)
@handle_errors
def refer(
    ctx: typer.Context,
    case_dir: Path | None = typer.Option(
        None, "--case", "-c", help="The case folder.", show_default=False
    ),
    country: list[str] | None = typer.Option(
        None, "--country", help="Only this country (ISO code); repeat for several."
    ),
    recipient: list[str] | None = typer.Option(
        None, "--recipient", help="Encrypt a country's package: CC=age1...; repeatable."
    ),
    key: Path | None = typer.Option(
        None, "--key", help="Signing key (default: the case's keys/signing.key)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the packages (default: CASE_DIR/exports/referrals)."
    ),
    by: str | None = typer.Option(None, "--by", help="Who builds them (default: login name)."),
) -> None:
    """Build one signed package per country for its police, and register each."""
    if ctx.invoked_subcommand is not None:
        return
    if case_dir is None:
        raise typer.BadParameter("give the case: rescue refer --case CASE_DIR")
    from rescue.operation.package import build_packages
    from rescue.operation.package_seal import parse_recipients
    from rescue.operation.sign import spaced

    with case_at(case_dir) as case, progress_bars() as progress:
        results = build_packages(
            case, countries=country or None, out_dir=out, signing_key=key,
            recipients=parse_recipients(recipient or []), created_by=by or getpass.getuser(),
            progress=progress,
        )  # fmt: skip
    table = Table(Column("referral", no_wrap=True), "country", "persons", "flagged", "encrypted",
                  Column("package", no_wrap=True))  # fmt: skip
    for r in results:
        encrypted = f"to {r.encrypted_to[:12]}..." if r.encrypted_to else "no"
        table.add_row(r.referral_id, r.country, str(r.persons), str(len(r.flagged)), encrypted,
                      str(r.path))  # fmt: skip
    console.print(table)
    console.print(f"Signed with key {spaced(results[0].fingerprint)}")
    flagged = [(r.referral_id, p, what) for r in results for p, found in r.flagged.items()
               for what in found]  # fmt: skip
    if flagged:
        warning = Table(Column("referral", no_wrap=True), Column("person", no_wrap=True),
                        "what matched", title="Deconfliction: deconflict before sending",
                        title_style="bold yellow")  # fmt: skip
        for row in flagged:
            warning.add_row(*row)
        err_console.print(warning)


@refer_app.command("keygen")
@handle_errors
def keygen(case_dir: Path = CASE_OPTION) -> None:
    """Create the case's Ed25519 signing key (never replaces one)."""
    from rescue.operation.sign import generate_signing_key, spaced

    with case_at(case_dir) as case:
        made = generate_signing_key(case)
    console.print(f"Signing key: {made.path} (readable by you only)")
    console.print(f"Public key: {made.public_path}")
    console.print(f"Fingerprint: {spaced(made.fingerprint)}")
    console.print("Give the partners this fingerprint by another channel than the packages.")


@refer_app.command("verify")
@handle_errors
def verify(
    package_dir: Path = typer.Argument(..., help="A package folder (holding manifest.json)."),
    key: str | None = typer.Option(
        None, "--key", help="The expected signer: a public key file or its fingerprint."
    ),
) -> None:
    """Check a package's signature and every file against its manifest; exit 1 if any fails."""
    from rescue.operation.sign import spaced, verify_package

    result = verify_package(package_dir, key)
    signer = spaced(result.fingerprint) if result.fingerprint else "unknown"
    console.print(f"Package {result.referral_id or package_dir}: {result.files_checked} files "
                  f"checked; signed with key {signer}")  # fmt: skip
    for problem in result.problems:
        console.print(f"[red]FAIL[/] {problem}")
    if not result.ok:
        raise typer.Exit(1)
    if result.key_matches is None:
        console.print(
            "[yellow]Note:[/] the signature shows the files are as that key's holder signed them; "
            "anyone can re-sign a package. Compare the fingerprint with the sender's, or use --key."
        )
    console.print("[green]OK[/]: signature valid and every file as signed.")
    if result.encrypted_to:
        console.print(
            f"Encrypted to {result.encrypted_to}: open it with "
            "age -d -i KEY_FILE package.tar.age | tar x, then verify that folder."
        )
