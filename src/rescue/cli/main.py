"""The `rescue` command: a thin shell over the core; each command opens a case and calls one
core function."""

from __future__ import annotations

import typer

from rescue.cli import (
    case_cmd,
    demo_cmd,
    hotline_cmd,
    identity_cmd,
    ingest_cmd,
    media_cmd,
    network_cmd,
    operation_cmd,
    refer_cmd,
    run_cmd,
    security_cmd,
    triage_cmd,
    web_cmd,
)

app = typer.Typer(
    name="rescue",
    help="Rescue: from a seized forum to persons, countries, priorities and referrals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(case_cmd.app, name="case")
app.add_typer(ingest_cmd.app, name="ingest")
app.command("run")(run_cmd.run)
app.command("status")(run_cmd.status)
app.add_typer(media_cmd.hashes_app, name="hashes")
app.add_typer(media_cmd.export_app, name="export")
media_cmd.export_app.command("persons")(identity_cmd.export_persons)
media_cmd.export_app.command("graph")(network_cmd.export_graph)
app.add_typer(identity_cmd.link_app, name="link")
app.command("queue")(media_cmd.queue)
app.add_typer(operation_cmd.check_app, name="check")
app.add_typer(operation_cmd.outcome_app, name="outcome")
app.add_typer(operation_cmd.deconflict_app, name="deconflict")
app.add_typer(operation_cmd.referral_app, name="referral")
app.command("figures")(operation_cmd.figures)
app.command("priorities")(triage_cmd.priorities)
app.add_typer(refer_cmd.refer_app, name="refer")
app.add_typer(security_cmd.user_app, name="user")
app.add_typer(security_cmd.audit_app, name="audit")
app.add_typer(hotline_cmd.app, name="hotline")
app.command("serve")(web_cmd.serve)
app.command("synth")(demo_cmd.synth)
app.command("demo")(demo_cmd.demo)


def run() -> None:
    app()
