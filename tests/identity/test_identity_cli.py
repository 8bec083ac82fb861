"""The identity commands: rulings from the shell, persons exported, errors that say what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli.main import app
from rescue.pipeline import run_pipeline
from tests.lakehelp import ingest, rows

if TYPE_CHECKING:
    from rescue.synth import SynthResult

runner = CliRunner()


def test_rulings_and_export_from_the_command_line(
    sqlite_case: Case, small_forum: SynthResult, tmp_path: Path
) -> None:
    ingest(sqlite_case, small_forum.dump_path)
    run_pipeline(sqlite_case)
    case_dir = str(sqlite_case.root)
    out = tmp_path / "persons.jsonl"
    exported = runner.invoke(app, ["export", "persons", "--case", case_dir, "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    persons = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert f"Wrote {len(persons):,} persons" in exported.output
    assert all(p["country"] for p in persons)  # the synthetic forum gives everyone a country

    [a, b] = sorted(
        r["account_id"]
        for r in rows(sqlite_case, "SELECT account_id FROM accounts WHERE is_person")
    )[:2]
    said = runner.invoke(
        app, ["link", "same", a, b, "--case", case_dir, "--reason", "same handwriting",
              "--analyst", "ana"],
    )  # fmt: skip
    assert said.exit_code == 0, said.output
    assert "applies from the next run" in " ".join(said.output.split())
    listed = runner.invoke(app, ["link", "rulings", "--case", case_dir])
    assert "same handwriting" in listed.output and "ana" in listed.output

    run_pipeline(sqlite_case)
    runner.invoke(app, ["export", "persons", "--case", case_dir, "-o", str(out)])
    after = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    joined = [p for p in after if {f"forum:{x['user_id']}" for x in p["accounts"]} >= {a, b}]
    assert len(joined) == 1
    assert any(k["method"] == "analyst" for k in joined[0]["links"])

    bad = runner.invoke(app, ["link", "different", a, "nonsense", "--case", case_dir,
                              "--reason", "x"])  # fmt: skip
    assert bad.exit_code == 2
    message = " ".join(bad.output.split())
    assert "not an account id" in message and "source:user_id" in message


def test_export_before_linking_says_to_run_the_stages(sqlite_case: Case, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export", "persons", "--case", str(sqlite_case.root), "-o", str(tmp_path / "p")]
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "no persons table" in message and "rescue run" in message
