"""rescue user | audit: web users and the audit log (the core is rescue.security)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from rescue.cli.console import CASE_OPTION, case_at, console, handle_errors
from rescue.errors import InputError
from rescue.security import (
    ROLES,
    add_user,
    disable_user,
    list_events,
    list_users,
    reset_password,
    reset_totp,
    verify_chain,
)

user_app = typer.Typer(help="Web users, their roles and second factors.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

PASSWORD_FILE = typer.Option(
    None,
    "--password-file",
    help="Read the password from this file's first line (else you are asked, twice, hidden).",
    show_default=False,
)


def _password(path: Path | None) -> str:
    # A file keeps the password out of shell history and `ps`; never an option value.
    if path is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    return lines[0] if lines else ""


def _show_uri(uri: str) -> None:
    console.print("Add this to the user's authenticator app now; it is not shown again:")
    console.print(uri, soft_wrap=True)


@user_app.command("add")
@handle_errors
def user_add(
    username: str = typer.Argument(..., help="The sign-in name."),
    case_dir: Path = CASE_OPTION,
    role: str = typer.Option(..., "--role", help=" | ".join(ROLES) + "."),
    country: list[str] = typer.Option(
        [], "--country", help="A partner's country, ISO alpha-2; repeat for more."
    ),
    password_file: Path | None = PASSWORD_FILE,
) -> None:
    """Create a user; prints the TOTP provisioning URI once for admins and partners."""
    password = _password(password_file)
    with case_at(case_dir) as case:
        user, uri = add_user(
            case, username, role, countries=country, password=password, actor=getpass.getuser()
        )
    console.print(f"added {user.username} ({user.role})")
    if uri:
        _show_uri(uri)


@user_app.command("disable")
@handle_errors
def user_disable(
    username: str = typer.Argument(..., help="The sign-in name."), case_dir: Path = CASE_OPTION
) -> None:
    """Stop a user from signing in; the account and its history stay."""
    with case_at(case_dir) as case:
        disable_user(case, username, actor=getpass.getuser())
    console.print(f"disabled {username}")


@user_app.command("reset")
@handle_errors
def user_reset(
    username: str = typer.Argument(..., help="The sign-in name."),
    case_dir: Path = CASE_OPTION,
    password_file: Path | None = PASSWORD_FILE,
    totp: bool = typer.Option(False, "--totp", help="Give a new TOTP secret instead."),
) -> None:
    """Set a new password (and lift a lockout), or with --totp a new second factor."""
    with case_at(case_dir) as case:
        if totp:
            _show_uri(reset_totp(case, username, actor=getpass.getuser()))
            return
        password = _password(password_file)
        reset_password(case, username, password, actor=getpass.getuser())
    console.print(f"new password set for {username}")


@user_app.command("list")
@handle_errors
def user_list(case_dir: Path = CASE_OPTION) -> None:
    """The users, their roles and state."""
    with case_at(case_dir) as case:
        users = list_users(case)
    table = Table(box=box.SIMPLE)
    for header in ("user", "role", "countries", "2FA", "state"):
        table.add_column(header, no_wrap=True)
    for u in users:
        state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
        twofa = "yes" if u.totp_enabled else ("required" if u.totp_required else "no")
        table.add_row(u.username, u.role, " ".join(u.countries), twofa, state)
    console.print(table)


@audit_app.command("verify")
@handle_errors
def audit_verify(
    case_dir: Path = CASE_OPTION,
    expect: str | None = typer.Option(
        None, "--expect", help="A head hash noted earlier: it must still be in the chain."
    ),
) -> None:
    """Recompute the hash chain; exit 1 and list the problems when it is broken."""
    with case_at(case_dir) as case:
        report = verify_chain(case, expect_head=expect)
    if report.ok:
        console.print(f"audit chain intact: {report.events} events checked")
        console.print(
            f"newest event {report.head_id}, hash {report.head_hash}\n"
            "Note it outside this system; `--expect HASH` later shows whether events after it "
            "were deleted."
        )
        return
    console.print(f"[bold red]audit chain broken[/]: {report.events} events checked")
    for problem in report.problems:
        console.print(f"  {problem}")
    raise typer.Exit(1)


@audit_app.command("show")
@handle_errors
def audit_show(
    case_dir: Path = CASE_OPTION,
    limit: int = typer.Option(50, "--limit", min=1, help="How many events, newest first."),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor."),
    action: str | None = typer.Option(None, "--action", help="Only this action."),
) -> None:
    """The newest audit events."""
    with case_at(case_dir) as case:
        events = list_events(case, limit, actor=actor, action=action)
    table = Table(box=box.SIMPLE)
    for header in ("id", "at (UTC)", "actor", "source", "action", "target", "result", "detail"):
        table.add_column(header, no_wrap=header != "detail")
    for e in events:
        table.add_row(
            str(e.id),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.source,
            e.action,
            e.target,
            e.result,
            json.dumps(e.detail, sort_keys=True),
        )
    console.print(table)
