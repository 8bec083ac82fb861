"""rescue outcome | check | deconflict | referral | figures: the operation side of a case."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.table import Column, Table

from rescue.cli.console import CASE_OPTION, case_at, console, err_console, handle_errors

if TYPE_CHECKING:
    from rescue.operation.figures import Figures

outcome_app = typer.Typer(
    help="What partner forces report back: arrests, charges, convictions, children safeguarded.",
    no_args_is_help=True,
)
check_app = typer.Typer(
    help="Agency record checks on persons; the latest answer per check wins.",
    no_args_is_help=True,
)
deconflict_app = typer.Typer(
    help="Other agencies' subject lists, and which persons they or earlier referrals hit.",
    no_args_is_help=True,
)
referral_app = typer.Typer(help="The register of referral packages.", no_args_is_help=True)

BY = typer.Option(None, "--by", help="Who records it (default: the login name).")
PERSON_FILTER = typer.Option(None, "--person", help="Only this person.", show_default=False)
DAY = ["%Y-%m-%d"]


def _key(header: str) -> Column:
    # Ids are what an analyst copies into the next command: never wrapped or cut short.
    return Column(header, no_wrap=True)


def _who(name: str | None) -> str:
    return name or getpass.getuser()


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@outcome_app.command("add")
@handle_errors
def outcome_add(
    person_id: str = typer.Argument(..., help="The person, e.g. P-forum:123."),
    case_dir: Path = CASE_OPTION,
    kind: str = typer.Option(
        ..., "--kind", help="identified | arrested | charged | convicted | safeguarded."
    ),
    date: datetime = typer.Option(..., "--date", formats=DAY, help="When it happened."),
    count: int = typer.Option(1, "--count", help="For safeguarded: how many children."),
    country: str | None = typer.Option(None, "--country", help="Where (ISO code)."),
    referral: str | None = typer.Option(None, "--referral", help="The referral it follows."),
    note: str = typer.Option("", "--note", help="A line for the record."),
    by: str | None = BY,
) -> None:
    """Record an outcome for a person."""
    from rescue.operation.outcomes import record_outcome

    with case_at(case_dir) as case:
        o = record_outcome(
            case, person_id, kind, count=count, date=date.date(), country=country,
            referral_id=referral, note=note, recorded_by=_who(by),
        )  # fmt: skip
    what = f"{o.count} children safeguarded" if o.kind == "safeguarded" else o.kind
    console.print(f"Outcome {o.id}: {o.person_id} {what} on {o.date} ({o.country or 'unknown'})")


@outcome_app.command("list")
@handle_errors
def outcome_list(case_dir: Path = CASE_OPTION, person: str | None = PERSON_FILTER) -> None:
    """Every outcome recorded, retracted ones struck through."""
    from rescue.operation.outcomes import list_outcomes

    with case_at(case_dir) as case:
        found = list_outcomes(case, person)
    table = Table(
        _key("id"), _key("person"), _key("outcome"), "count", _key("date"), "country",
        _key("referral"), "by", "note",
    )  # fmt: skip
    for o in found:
        note = f"retracted: {o.retraction.reason}" if o.retraction else o.note
        style = "strike dim" if o.retracted else None
        table.add_row(
            str(o.id), o.person_id, o.kind, str(o.count), str(o.date), o.country or "",
            o.referral_id or "", o.recorded_by, note, style=style,
        )  # fmt: skip
    console.print(table if found else "No outcomes recorded.")


@outcome_app.command("retract")
@handle_errors
def outcome_retract(
    outcome_id: int = typer.Argument(..., help="The outcome's id (see: rescue outcome list)."),
    case_dir: Path = CASE_OPTION,
    reason: str = typer.Option(..., "--reason", help="Why: kept with the retraction."),
    by: str | None = BY,
) -> None:
    """Withdraw a wrong outcome; it stays in the history and leaves the figures."""
    from rescue.operation.outcomes import retract_outcome

    with case_at(case_dir) as case:
        o = retract_outcome(case, outcome_id, reason=reason, retracted_by=_who(by))
    console.print(
        f"Outcome {o.id} ({o.person_id} {o.kind}) retracted. Record the right one with: "
        "rescue outcome add"
    )


@check_app.command("add")
@handle_errors
def check_add(
    person_id: str = typer.Argument(..., help="The person, e.g. P-forum:123."),
    case_dir: Path = CASE_OPTION,
    check: str = typer.Option(..., "--check", help="e.g. prior_conviction (see: check list)."),
    value: str = typer.Option(..., "--value", help="yes or no."),
    detail: str = typer.Option("", "--detail", help="Where the answer comes from."),
    country: str | None = typer.Option(None, "--country", help="Whose records (ISO code)."),
    by: str | None = BY,
) -> None:
    """Record the answer of an agency record check."""
    from rescue.operation.checks import record_check, yes_no

    with case_at(case_dir) as case:
        entry = record_check(
            case, person_id, check, yes_no(value), detail=detail, country=country,
            analyst=_who(by),
        )  # fmt: skip
    answer = "yes" if entry.value else "no"
    console.print(f"Recorded: {entry.person_id} {entry.check} = {answer}")


@check_app.command("list")
@handle_errors
def check_list(
    case_dir: Path = CASE_OPTION,
    person: str | None = PERSON_FILTER,
    history: bool = typer.Option(False, "--history", help="Every answer, not only the latest."),
) -> None:
    """The answers in force (the latest per person and check)."""
    from rescue.operation.checks import CHECKS, check_history, current_checks

    with case_at(case_dir) as case:
        found = (check_history if history else current_checks)(case, person)
    table = Table(_key("person"), _key("check"), "answer", "country", "by", "when", "detail")
    for e in found:
        answer = "yes" if e.value else "no"
        when = _day(e.checked_at)
        table.add_row(e.person_id, e.check, answer, e.country or "", e.analyst, when, e.detail)
    console.print(table if found else "No record checks yet.")
    if not found:
        console.print("Checks: " + ", ".join(CHECKS))


@deconflict_app.command("import")
@handle_errors
def deconflict_import(
    csv_path: Path = typer.Argument(..., help="CSV with columns kind, value[, reference]."),
    case_dir: Path = CASE_OPTION,
    list_name: str = typer.Option(
        ..., "--list", help="The list's name; replaces a same-named one."
    ),
    agency: str = typer.Option(..., "--agency", help="The agency the list comes from."),
) -> None:
    """Import another agency's subject list."""
    from rescue.operation.deconflict import import_subjects

    with case_at(case_dir) as case:
        n = import_subjects(case, csv_path, list_name, agency)
    console.print(f"Imported {n:,} subjects as list {list_name!r} of {agency}.")


@deconflict_app.command("show")
@handle_errors
def deconflict_show(case_dir: Path = CASE_OPTION, person: str | None = PERSON_FILTER) -> None:
    """Persons that an imported list or an earlier referral hits."""
    from rescue.operation.deconflict import deconfliction, subject_lists

    with case_at(case_dir) as case:
        hits = deconfliction(case, [person] if person else None)
        lists = subject_lists(case)
    table = Table(_key("person"), "hit", title="Deconfliction")
    for person_id, found in sorted(hits.items()):
        for hit in found:
            table.add_row(person_id, hit.explain())
    console.print(f"{len(lists)} subject list(s): " + ", ".join(f"{s.name} ({s.agency}, "
                  f"{s.subjects:,})" for s in lists))  # fmt: skip
    console.print(table if any(hits.values()) else "No hits.")


@referral_app.command("list")
@handle_errors
def referral_list(
    case_dir: Path = CASE_OPTION,
    country: str | None = typer.Option(None, "--country", help="Only this country."),
) -> None:
    """The referrals register."""
    from rescue.operation.referrals import list_referrals

    with case_at(case_dir) as case:
        found = list_referrals(case, country)
    table = Table(_key("id"), "country", "persons", "flagged", "status", "sent", "by", "package")
    for r in found:
        flagged = sum(p.flagged_duplicate for p in r.persons)
        table.add_row(
            r.id, r.country, str(len(r.persons)), str(flagged), r.status, _day(r.sent_at),
            r.created_by, r.package_path,
        )  # fmt: skip
    console.print(table if found else "No referrals yet.")


@referral_app.command("mark")
@handle_errors
def referral_mark(
    referral_id: str = typer.Argument(..., help="e.g. REF-GB-20240501-1."),
    case_dir: Path = CASE_OPTION,
    status: str = typer.Option(..., "--status", help="sent | received | acknowledged."),
    at: datetime | None = typer.Option(None, "--at", help="When, UTC (default: now)."),
) -> None:
    """Move a referral forward: sent, received, acknowledged."""
    from rescue.operation.referrals import mark_referral

    with case_at(case_dir) as case:
        r = mark_referral(case, referral_id, status, at)
    console.print(f"Referral {r.id} to {r.country}: {r.status}")


_COLUMNS = ("members", "identified", "referred", "arrested", "charged", "convicted",
            "safeguarded")  # fmt: skip
# As operations are reported; two-line headings keep the table within 80 columns.
_HEADINGS = ("Members", "Suspects\nidentified", "Referred", "Arrests", "Charged", "Convictions",
             "Children\nsafeguarded")  # fmt: skip


def figures_table(found: Figures, name: str) -> Table:
    numbers = [Column(h, justify="right") for h in _HEADINGS]
    title = f"{name}: figures by country"
    table = Table("Country", *numbers, title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    for row in found.countries:
        table.add_row(row.country, *(f"{getattr(row, c):,}" for c in _COLUMNS))
    table.add_section()
    total = found.total
    table.add_row("Total", *(f"{getattr(total, c):,}" for c in _COLUMNS), style="bold")
    return table


@handle_errors
def figures(
    case_dir: Path = CASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """The operation's figures by country, with a total."""
    from rescue.operation.figures import operation_figures
    from rescue.operation.stale import stale_persons

    with case_at(case_dir) as case:
        found = operation_figures(case)
        stale = stale_persons(case)
        name = case.info.name
    if as_json:
        doc = {**found.as_dict(), "stale_persons": [asdict(s) for s in stale]}
        typer.echo(json.dumps(doc, indent=2))
        return
    console.print(figures_table(found, name))
    console.print(f"Countries involved: {len(found.involved)}")
    if stale:
        ids = ", ".join(s.person_id for s in stale[:10]) + (" ..." if len(stale) > 10 else "")
        err_console.print(
            f"[yellow]warning:[/] {len(stale)} person id(s) named by outcomes, checks or "
            f"referrals are no longer persons after the last link run: {ids}. Their figures "
            "count under their recorded country; look them up with rescue link rulings."
        )
