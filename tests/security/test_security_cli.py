"""rescue user | audit through Typer's runner, on an app assembled from the two sub-apps."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import text
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli.security_cmd import audit_app, user_app
from rescue.security import list_users

app = typer.Typer()
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
runner = CliRunner()
PASSWORD = "correct horse battery"


def _password_file(tmp_path: Path, password: str = PASSWORD) -> Path:
    path = tmp_path / "pw.txt"
    path.write_text(password + "\n")
    return path


def test_user_add_list_disable_reset(case: Case, tmp_path: Path) -> None:
    c, pw = str(case.root), str(_password_file(tmp_path))
    added = runner.invoke(
        app, ["user", "add", "gb-nca", "-c", c, "--role", "partner", "--country", "GB",
              "--country", "IE", "--password-file", pw],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "otpauth://totp/" in added.output and "not shown again" in added.output
    analyst = runner.invoke(app, ["user", "add", "ana", "-c", c, "--role", "analyst"],
                            input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert analyst.exit_code == 0, analyst.output
    assert "otpauth" not in analyst.output and PASSWORD not in analyst.output
    listed = runner.invoke(app, ["user", "list", "-c", c])
    assert listed.exit_code == 0 and "gb-nca" in listed.output and "GB IE" in listed.output
    assert runner.invoke(app, ["user", "disable", "ana", "-c", c]).exit_code == 0
    assert {u.username: u.disabled for u in list_users(case)} == {"ana": True, "gb-nca": False}
    reset = runner.invoke(app, ["user", "reset", "gb-nca", "-c", c, "--totp"])
    assert reset.exit_code == 0 and "otpauth://totp/" in reset.output
    new_pw = str(_password_file(tmp_path, "another long passphrase"))
    reset = runner.invoke(app, ["user", "reset", "ana", "-c", c, "--password-file", new_pw])
    assert reset.exit_code == 0 and "new password set" in reset.output


def test_user_add_refuses_a_weak_password(case: Case, tmp_path: Path) -> None:
    pw = str(_password_file(tmp_path, "short"))
    result = runner.invoke(
        app,
        ["user", "add", "ana", "-c", str(case.root), "--role", "analyst", "--password-file", pw],
    )
    assert result.exit_code == 2
    assert "too short" in result.output and "at least 12" in result.output
    assert list_users(case) == []


def test_audit_verify_and_show(case: Case, tmp_path: Path) -> None:
    c = str(case.root)
    for name in ("ana", "bob"):
        runner.invoke(app, ["user", "add", name, "-c", c, "--role", "analyst",
                            "--password-file", str(_password_file(tmp_path))])  # fmt: skip
    ok = runner.invoke(app, ["audit", "verify", "-c", c])
    assert ok.exit_code == 0 and "2 events checked" in ok.output
    shown = runner.invoke(app, ["audit", "show", "-c", c, "--limit", "1"])
    assert shown.exit_code == 0 and "bob" in shown.output and "ana" not in shown.output
    filtered = runner.invoke(app, ["audit", "show", "-c", c, "--action", "login"])
    assert filtered.exit_code == 0 and "user_admin" not in filtered.output
    with case.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET target = 'carol' WHERE id = 1"))
    broken = runner.invoke(app, ["audit", "verify", "-c", c])
    assert broken.exit_code == 1
    assert "audit chain broken" in broken.output and "event 1 was edited" in broken.output
