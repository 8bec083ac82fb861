"""The CLI contract: commands, JSON shapes, exit codes and error messages; and the README."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from rescue.case import open_case
from rescue.cli.main import app
from rescue.evidence import register_source

runner = CliRunner()
README = Path(__file__).parent.parent / "README.md"


def _commands(group: Any, prefix: str = "rescue") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def test_every_command_is_in_the_readme() -> None:
    readme = README.read_text()
    commands = _commands(typer.main.get_command(app))
    assert "rescue ingest phpbb" in commands
    missing = [c for c in commands if c not in readme]
    assert missing == [], f"document these commands in README.md: {missing}"


def test_every_option_is_in_the_readme() -> None:
    readme = README.read_text()
    group = typer.main.get_command(app)
    missing = []
    for path in _commands(group):
        command: Any = group
        for part in path.split()[1:]:
            command = command.commands[part]
        for param in command.params:
            if param.param_type_name == "option":
                long = [o for o in param.opts if o.startswith("--")]
                if long and long[0] not in readme:
                    missing.append(f"{path} {long[0]}")
    assert missing == [], f"document these options in README.md: {missing}"


def test_readme_starts_with_the_two_setup_commands() -> None:
    head = README.read_text()[:600]
    assert "make demo" in head and "make test" in head


def test_init_then_status_json(tmp_path: Path) -> None:
    case_dir = tmp_path / "op"
    result = runner.invoke(app, ["case", "init", str(case_dir), "--name", "Op X"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["status", "--case", str(case_dir), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["tables"] == {} and doc["sources"] == [] and doc["runs"] == []
    assert doc["case"]["name"] == "Op X"


def test_missing_case_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--case", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "error: no case at" in result.output
    assert "rescue case init" in result.output
    assert "Traceback" not in result.output


def test_verify_exit_codes(tmp_path: Path) -> None:
    case_dir = tmp_path / "op"
    runner.invoke(app, ["case", "init", str(case_dir)])
    evidence = tmp_path / "dump.sql"
    evidence.write_text("-- seized\n")
    case = open_case(case_dir)
    register_source(case, "f", "phpbb", {"dump": evidence}, {})
    case.close()
    ok = runner.invoke(app, ["case", "verify", "--case", str(case_dir)])
    assert ok.exit_code == 0 and "all as registered" in ok.output
    evidence.write_text("-- altered\n")
    bad = runner.invoke(app, ["case", "verify", "--case", str(case_dir)])
    assert bad.exit_code == 1
    assert re.search(r"content changed|size changed", bad.output)


def test_ingest_of_a_missing_dump_is_an_input_error(tmp_path: Path) -> None:
    case_dir = tmp_path / "op"
    runner.invoke(app, ["case", "init", str(case_dir)])
    result = runner.invoke(
        app, ["ingest", "phpbb", str(tmp_path / "no.sql"), "--case", str(case_dir)]
    )
    assert result.exit_code == 2
    assert "is not a file" in " ".join(result.output.split())


def test_demo_runs_end_to_end_and_status_reports_it(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--members", "40", "--dir", str(workdir)])
    assert result.exit_code == 0, result.output
    for label in ("members (accounts)", "posts", "private messages", "attachments", "time taken"):
        assert label in result.output
    status = runner.invoke(app, ["status", "--case", str(workdir / "case"), "--json"])
    doc = json.loads(status.stdout)
    assert {"accounts", "posts", "messages", "attachments"} <= set(doc["tables"])
    assert all(doc["tables"][t] > 0 for t in ("accounts", "posts", "messages", "attachments"))
    assert [(s["name"], s["kind"]) for s in doc["sources"]] == [
        ("demo-forum", "phpbb"),
        ("demo-known", "hashset"),
    ]
    assert {"media_hashes", "matches", "media_clusters", "known_hashes"} <= set(doc["tables"])
    assert doc["tables"]["matches"] > 0
    for label in ("known material: exact copies", "near copies (PDQ)", "new material"):
        assert label in result.output
    for label in ("persons found", "persons with several accounts", "Persons per country"):
        assert label in result.output
    for label in ("Top of the priority list", "Referral packages", "figures by country"):
        assert label in result.output
    packages = sorted((workdir / "case" / "exports" / "referrals").glob("REF-*"))
    assert packages and all((p / "manifest.sig").is_file() for p in packages)
    assert {"persons", "attributions", "ip_locations", "account_links"} <= set(doc["tables"])
    assert {"graph_edges", "graph_metrics", "priorities"} <= set(doc["tables"])
    assert doc["sources"][0]["dump_sha256"] and doc["sources"][0]["files"]["attachment"] > 0
    (run,) = [r for r in doc["runs"] if r["stage"] == "ingest" and r["status"] == "ok"]
    assert run["counts"]["rows"]["posts"] == doc["tables"]["posts"]
    kinds = {g["kind"] for g in doc["rejects"]}
    assert "attachment file missing" in kinds  # the generator plants one
    # Running the demo again replaces its own folder, but never a folder it did not make.
    again = runner.invoke(app, ["demo", "--members", "40", "--dir", str(workdir)])
    assert again.exit_code == 0, again.output
    foreign = tmp_path / "mine"
    foreign.mkdir()
    refused = runner.invoke(app, ["demo", "--members", "40", "--dir", str(foreign)])
    assert refused.exit_code == 2 and "not made by `rescue demo`" in refused.output
