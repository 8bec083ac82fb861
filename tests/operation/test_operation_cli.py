"""The operation commands from the shell, on an app assembled here as main.py will wire them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli import operation_cmd
from rescue.operation.referrals import list_referrals, register_referral

Package = Callable[..., tuple[Path, str]]
runner = CliRunner()

app = typer.Typer(no_args_is_help=True)
app.add_typer(operation_cmd.outcome_app, name="outcome")
app.add_typer(operation_cmd.check_app, name="check")
app.add_typer(operation_cmd.deconflict_app, name="deconflict")
app.add_typer(operation_cmd.referral_app, name="referral")
app.command("figures")(operation_cmd.figures)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner is no terminal: Rich would wrap the tables at 80 columns, mid-word.
    monkeypatch.setattr(operation_cmd.console, "width", 250)


def _run(case: Case, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--case", str(case.root)])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_record_checks_from_the_command_line(seeded: Case) -> None:
    said = _run(seeded, "check", "add", "P-f:1", "--check", "prior_conviction", "--value", "yes",
                "--detail", "register", "--country", "GB", "--by", "ana")  # fmt: skip
    assert "Recorded: P-f:1 prior_conviction = yes" in said
    _run(seeded, "check", "add", "P-f:1", "--check", "prior_conviction", "--value", "no")
    current = _run(seeded, "check", "list")
    assert "prior_conviction" in current and "no" in current.split() and "yes" not in current
    history = _run(seeded, "check", "list", "--history", "--person", "P-f:1")
    assert "yes" in history.split() and "no" in history.split()
    bad = _run(seeded, "check", "add", "P-f:1", "--check", "prior_conviction", "--value", "maybe",
               code=2)  # fmt: skip
    assert "'maybe' is not yes or no" in bad and "what to do" in bad


def test_an_empty_check_list_names_the_checks(case: Case) -> None:
    said = _run(case, "check", "list")
    assert "No record checks yet" in said and "access_to_children_confirmed" in said


def test_outcomes_from_the_command_line(seeded: Case, package: Package) -> None:
    referral = register_referral(seeded, "GB", [("P-f:1", 1)], *package(), None, None, "ana")
    said = _run(seeded, "outcome", "add", "P-f:1", "--kind", "arrested", "--date", "2024-05-01",
                "--referral", referral.id, "--note", "early morning", "--by", "ana")  # fmt: skip
    assert "Outcome 1: P-f:1 arrested on 2024-05-01 (GB)" in said
    said = _run(seeded, "outcome", "add", "P-f:1", "--kind", "safeguarded", "--count", "2",
                "--date", "2024-05-02", "--country", "IE")  # fmt: skip
    assert "Outcome 2: P-f:1 2 children safeguarded on 2024-05-02 (IE)" in said
    said = _run(seeded, "outcome", "retract", "2", "--reason", "wrong country", "--by", "bob")
    assert "Outcome 2 (P-f:1 safeguarded) retracted" in said
    listed = _run(seeded, "outcome", "list", "--person", "P-f:1")
    assert "early morning" in listed and "retracted: wrong country" in listed
    assert "No outcomes recorded" in _run(seeded, "outcome", "list", "--person", "P-f:3")

    bad = _run(seeded, "outcome", "add", "P-f:404", "--kind", "arrested", "--date", "2024-05-01",
               code=2)  # fmt: skip
    assert "no person P-f:404 in this case" in bad
    again = _run(seeded, "outcome", "retract", "2", "--reason", "x", code=2)
    assert "retracted already" in again
    wrong_date = runner.invoke(app, ["outcome", "add", "P-f:1", "--kind", "arrested", "--date",
                                     "01/05/2024", "--case", str(seeded.root)])  # fmt: skip
    assert wrong_date.exit_code == 2  # typer refuses a date not in YYYY-MM-DD


def test_deconfliction_from_the_command_line(seeded: Case, tmp_path: Path) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("kind,value,reference\nip,192.0.2.7,FBI-77\n", encoding="utf-8")
    said = _run(seeded, "deconflict", "import", str(listed), "--list", "watch", "--agency", "FBI")
    assert "Imported 1 subjects as list 'watch' of FBI" in said
    shown = _run(seeded, "deconflict", "show")
    assert "P-f:4" in shown and "FBI-77" in shown and "watch (FBI, 1)" in shown
    assert "No hits" in _run(seeded, "deconflict", "show", "--person", "P-f:1")
    listed.write_text("kind,value\nip,192.0.2\n", encoding="utf-8")
    bad = _run(seeded, "deconflict", "import", str(listed), "--list", "w", "--agency", "F", code=2)
    assert "line 2" in bad and "not an IPv4 or IPv6 address" in bad


def test_referrals_and_figures_from_the_command_line(seeded: Case, package: Package) -> None:
    referral = register_referral(seeded, "GB", [("P-f:1", 1)], *package(), None, None, "ana")
    _run(seeded, "outcome", "add", "P-f:1", "--kind", "arrested", "--date", "2024-05-01")
    assert "No referrals yet" in _run(seeded, "referral", "list", "--country", "DE")
    assert referral.id in _run(seeded, "referral", "list", "--country", "GB")
    marked = _run(seeded, "referral", "mark", referral.id, "--status", "sent")
    assert f"Referral {referral.id} to GB: sent" in marked
    late = _run(seeded, "referral", "mark", referral.id, "--status", "received", "--at",
                "2020-01-01", code=2)  # fmt: skip
    assert "before referral" in late
    assert [r.status for r in list_referrals(seeded)] == ["sent"]

    table = _run(seeded, "figures")
    assert "Test operation: figures by country" in table
    assert "Countries involved: 1" in table and "Total" in table
    result = runner.invoke(app, ["figures", "--case", str(seeded.root), "--json"])
    doc = json.loads(result.stdout)
    assert doc["countries_involved"] == 1
    gb = next(c for c in doc["countries"] if c["country"] == "GB")
    assert (gb["members"], gb["referred"], gb["arrested"], gb["identified"]) == (3, 1, 1, 1)
    assert doc["total"]["members"] == 11
