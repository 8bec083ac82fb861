"""rescue hotline: reported URLs, their assessment, hosting, notices, re-checks and removal times.

Each command opens the case and calls one core function of ``rescue.hotline``; what it prints
is URLs, ids, hashes and figures, never content.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Column, Table

from rescue.cli.console import CASE_OPTION, case_at, console, err_console, handle_errors

if TYPE_CHECKING:
    from rescue.hotline.notice_plan import NoticePlan
    from rescue.hotline.reports import ReportBatch
    from rescue.hotline.stats import HotlineStats

app = typer.Typer(
    help="Hotline: reported URLs to removal; notices, re-checks and time to removal.",
    no_args_is_help=True,
)
contacts_app = typer.Typer(help="The directory of providers' abuse contacts.", no_args_is_help=True)
partners_app = typer.Typer(help="Partner hotlines, one per country.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")
app.add_typer(partners_app, name="partners")

BY = typer.Option(None, "--by", help="Who does it (default: the login name).")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _who(name: str | None) -> str:
    return name or getpass.getuser()


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _key(header: str) -> Column:
    return Column(header, no_wrap=True)


def _print_batch(batch: ReportBatch) -> None:
    console.print(
        f"{len(batch.taken)} report(s) taken: {batch.new_urls} new URL(s), "
        f"{batch.joined} joined a URL reported before."
    )
    for intake in batch.taken:
        again = "" if intake.new else "  (again)"
        console.print(f"  {intake.url_id}  {intake.url}{again}", markup=False)
    for bad in batch.bad:
        err_console.print(f"[bold red]refused:[/] {escape(bad.where)}: {escape(bad.reason)}")
    if batch.bad:
        err_console.print(f"{len(batch.bad)} report(s) refused; the others were taken.")
        raise typer.Exit(1)


@app.command("report")
@handle_errors
def report(
    urls: list[str] = typer.Argument(..., help="One or more URLs."),
    case_dir: Path = CASE_OPTION,
    reporter: str | None = typer.Option(None, "--reporter", help="Who reported (default: none)."),
    notes: str = typer.Option("", "--notes", help="What the reporter said."),
) -> None:
    """Report URLs; a URL reported before gets one more report."""
    from rescue.hotline.reports import report_urls

    with case_at(case_dir) as case:
        batch = report_urls(case, urls, reporter=reporter, notes=notes, actor=_who(None))
    _print_batch(batch)


@app.command("import")
@handle_errors
def import_csv(
    csv_path: Path = typer.Argument(..., help="CSV: url[, reporter, notes, reported_at]."),
    case_dir: Path = CASE_OPTION,
) -> None:
    """Import reports from a CSV file; bad lines are named and counted, the rest taken."""
    from rescue.hotline.reports import import_reports

    with case_at(case_dir) as case:
        batch = import_reports(case, csv_path, actor=_who(None))
    _print_batch(batch)


@app.command("list")
@handle_errors
def list_cmd(
    case_dir: Path = CASE_OPTION,
    state: str | None = typer.Option(None, "--state", help="open | removed | confirmed."),
    verdict: str | None = typer.Option(None, "--verdict", help="pending | illegal | not_illegal."),
    limit: int = typer.Option(0, "--limit", help="At most this many (0: all)."),
    as_json: bool = JSON,
) -> None:
    """The reported URLs and where each stands."""
    from rescue.hotline.reports import list_urls

    with case_at(case_dir) as case:
        found = list_urls(case, state=state, verdict=verdict, limit=limit or None)
    if as_json:
        typer.echo(json.dumps([u.as_dict() for u in found], indent=2))
        return
    table = Table(_key("id"), "url", "verdict", "state", "last check", "provider", "country",
                  _key("reported"), _key("notified"))  # fmt: skip
    for u in found:
        table.add_row(str(u.id), u.url, u.verdict, u.state, u.last_outcome, u.provider or "",
                      u.country or "", _day(u.reported_at), _day(u.notified_at))  # fmt: skip
    console.print(table if found else "No reported URLs.")


@app.command("show")
@handle_errors
def show(
    url_id: int = typer.Argument(..., help="The URL's id (see: rescue hotline list)."),
    case_dir: Path = CASE_OPTION,
) -> None:
    """One URL: reports, assessments, hash matches, checks, notices and its timeline."""
    from rescue.hotline.history import url_history

    with case_at(case_dir) as case:
        h = url_history(case, url_id)
    u = h.url
    lines = [
        f"{u.id} {u.url}",
        f"verdict {u.verdict}, state {u.state}, last check {u.last_outcome}",
        f"hosted at {u.ip or '?'} ({u.country or '?'}, {u.asn_name or '?'}, "
        f"{u.network_kind or '?'}), provider {u.provider or '?'}, "
        f"contact {u.abuse_email or 'none'}, partner {u.partner or 'none'}",
    ]
    lines += [f"report {r.id} {_day(r.reported_at)} via {r.channel} by "
              f"{r.reporter or 'anonymous'}: {r.notes}" for r in h.reports]  # fmt: skip
    lines += [f"assessed {_day(a.assessed_at)} {a.jurisdiction} {a.classification} by "
              f"{a.analyst} {a.note}" for a in h.assessments]  # fmt: skip
    lines += [f"hash match {m.id}: {m.hash_set}/{m.known_id or '-'} ({m.category or '-'}) on "
              f"{m.matched_on}, distance {m.distance}: "
              f"{m.decision or 'to confirm (rescue hotline confirm)'}" for m in h.hits]  # fmt: skip
    lines += [f"check {_day(c.checked_at)} {c.outcome}: {c.reason}" for c in h.checks]
    lines += [f"notice {n.reference} {_day(n.created_at)} {n.status} to {n.recipient}"
              for n in h.notices]  # fmt: skip
    lines += [f"{_day(e.at)}  {e.kind}" for e in h.events]
    console.print("\n".join(lines), markup=False)


@app.command("assess")
@handle_errors
def assess(
    url_id: int = typer.Argument(..., help="The URL's id."),
    case_dir: Path = CASE_OPTION,
    classification: str = typer.Option(
        ..., "--classification", help="interpol_baseline | national | not_illegal."
    ),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="ISO country code or INT (default: [hotline] jurisdiction)."
    ),
    note: str = typer.Option("", "--note", help="A line for the record."),
    by: str | None = BY,
) -> None:
    """Record a classification of a URL under one jurisdiction."""
    from rescue.hotline.assess import assess_url

    with case_at(case_dir) as case:
        a = assess_url(case, url_id, classification, analyst=_who(by), jurisdiction=jurisdiction,
                       note=note)  # fmt: skip
    console.print(f"URL {a.url_id}: {a.jurisdiction} {a.classification}; verdict {a.verdict}")


@app.command("confirm")
@handle_errors
def confirm(
    hit_id: int = typer.Argument(..., help="The hash match's id (see: rescue hotline show)."),
    case_dir: Path = CASE_OPTION,
    reject: bool = typer.Option(False, "--reject", help="Reject it: not the known material."),
    by: str | None = BY,
) -> None:
    """Confirm (or reject) a known-hash match the checker found."""
    from rescue.hotline.assess import decide_hit

    with case_at(case_dir) as case:
        hit = decide_hit(case, hit_id, "rejected" if reject else "confirmed", analyst=_who(by))
    console.print(f"Hash match {hit.id} on URL {hit.url_id}: {hit.decision}")


@contacts_app.command("import")
@handle_errors
def contacts_import(
    csv_path: Path = typer.Argument(..., help="CSV: provider, abuse_email, asn_name, domain."),
    case_dir: Path = CASE_OPTION,
) -> None:
    """Replace the abuse-contact directory with a CSV file's."""
    from rescue.hotline.hosting import import_contacts

    with case_at(case_dir) as case:
        n = import_contacts(case, csv_path, actor=_who(None))
    console.print(f"Imported {n} abuse contact(s).")


@partners_app.command("import")
@handle_errors
def partners_import(
    csv_path: Path = typer.Argument(..., help="CSV: country, name[, email]."),
    case_dir: Path = CASE_OPTION,
) -> None:
    """Replace the partner hotlines with a CSV file's."""
    from rescue.hotline.hosting import import_partners

    with case_at(case_dir) as case:
        n = import_partners(case, csv_path, actor=_who(None))
    console.print(f"Imported {n} partner hotline(s).")


@app.command("check")
@handle_errors
def check(
    case_dir: Path = CASE_OPTION,
    due: bool = typer.Option(False, "--due", help="Only URLs whose next check has come."),
    as_json: bool = JSON,
) -> None:
    """Fetch every watched URL (hashes in memory only) and record live / removed / unreachable."""
    from rescue.cli.console import progress_bars
    from rescue.hotline.checks import run_checks

    with case_at(case_dir) as case, progress_bars() as bars:
        run = run_checks(case, due_only=due, progress=bars)
    if as_json:
        typer.echo(json.dumps(run.as_dict(), indent=2))
        return
    for c in run.checked:
        marks = "".join(f" [{e}]" for e in c.events)
        console.print(f"{c.url_id}  {c.outcome:<11} {c.reason}{marks}  {c.url}", markup=False)
    figures = run.as_dict()
    console.print(", ".join(f"{k} {v}" for k, v in figures.items()))


def _print_plan(plan: NoticePlan) -> None:
    for n in plan.notices:
        flag = " (ESCALATION)" if n.escalation else ""
        lines = [f"{n.provider} by {n.channel} to {n.recipient}: {len(n.items)} URL(s){flag}"]
        lines += [f"  {item.url_id} {item.kind}: {item.url}" for item in n.items]
        console.print("\n".join(lines), markup=False)
    for w in plan.waiting:
        console.print(f"waiting {w.url_id}: {w.reason}", markup=False)
    if not plan.notices:
        console.print("No notice is due.")


@app.command("notices")
@handle_errors
def notices(
    case_dir: Path = CASE_OPTION,
    send: bool = typer.Option(False, "--send", help="Send them (without: only show them)."),
) -> None:
    """The notices due now, one per provider; --send sends them and records each."""
    from rescue.hotline.notice_plan import NoticePlan, plan_notices
    from rescue.hotline.notices import send_notices

    with case_at(case_dir) as case:
        if not send:
            _print_plan(plan_notices(case))
            return
        run = send_notices(case, actor=_who(None))
    _print_plan(NoticePlan([s.notice for s in run.sent], run.waiting))
    for s in run.sent:
        state = "sent" if s.result.ok else "[bold red]FAILED[/]"
        console.print(f"{s.notice.reference} {state}: {escape(s.result.detail)}")
    if run.failed:
        raise typer.Exit(1)


def _print_stats(stats: HotlineStats) -> None:
    c = stats.counts
    console.print(", ".join(f"{k} {v}" for k, v in c.items()))
    for clock in ("from_notice", "from_report"):
        figures = getattr(stats, clock)
        title = f"Time to removal {clock.replace('_', ' ')}"
        table = Table("group", "n", "removed", "open", "median h", "90th pct h", "≤24h", "≤3d",
                      "≤7d", "naive mean h", title=title)  # fmt: skip
        rows = [("all", figures.overall)] + [
            (f"{g.key}", g.figures) for name in ("by_provider", "by_asn", "by_country")
            for g in getattr(figures, name)
        ]  # fmt: skip
        for label, f in rows:
            share = [f"{v:.0%}" if v is not None else "" for v in f.within.values()]
            table.add_row(
                escape(label), str(f.n), str(f.removed), str(f.censored), _hours(f.median_hours),
                _hours(f.p90_hours), *share, _hours(f.naive_mean_hours),
            )  # fmt: skip
        console.print(table)


def _hours(value: float | None) -> str:
    return "not yet" if value is None else f"{value:.1f}"


@app.command("stats")
@handle_errors
def stats(
    case_dir: Path = CASE_OPTION,
    as_json: bool = JSON,
    charts: Path | None = typer.Option(
        None, "--charts", help="Also write survival.svg and trend.svg into this folder."
    ),
) -> None:
    """Counts, and time to removal per provider, ASN and country (Kaplan-Meier)."""
    from rescue.hotline.stats import hotline_stats, monthly_trend

    with case_at(case_dir) as case:
        found = hotline_stats(case)
        trend = monthly_trend(case) if charts else []
    if charts:
        from rescue.hotline.charts import survival_chart_svg, trend_chart_svg

        charts.mkdir(parents=True, exist_ok=True)
        (charts / "survival.svg").write_text(survival_chart_svg(found), encoding="utf-8")
        (charts / "trend.svg").write_text(trend_chart_svg(trend), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2))
        return
    _print_stats(found)
