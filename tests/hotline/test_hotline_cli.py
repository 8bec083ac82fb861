"""rescue hotline from the shell: every command end to end against loopback peers, with the JSON
shapes other tools rely on and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli import hotline_cmd
from rescue.cli.main import app
from rescue.hotline.assess import hits_of
from rescue.media.hashset_stage import import_hash_set
from tests.hotline.conftest import (
    CONTACTS,
    HOST_A,
    HOST_B,
    Configure,
    Mailbox,
    Site,
    known_hash_csv,
    picture,
)

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner is no terminal: Rich would wrap lines at 80 columns, in the middle of URLs.
    monkeypatch.setattr(hotline_cmd.console, "width", 300)
    monkeypatch.setattr(hotline_cmd.err_console, "width", 300)


def run(case: Case, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["hotline", *args, "--case", str(case.root)])
    assert result.exit_code == code, result.output
    return result.output


def run_json(case: Case, *args: str) -> Any:
    """JSON from stdout (progress bars go to stderr)."""
    result = runner.invoke(app, ["hotline", *args, "--json", "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def wired(
    configure: Configure, smtp: tuple[Mailbox, int], ranges_file: Path, allow_private: None
) -> Case:
    _, port = smtp
    return configure(
        hotline={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "n@hotline.test"},
        geo={"source": "ranges", "ranges_file": str(ranges_file)},
    )


def test_the_whole_path_from_the_command_line(
    wired: Case, sites: tuple[Site, Site], smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    a, b = sites
    a.serve("/1.png", picture(41))
    b.serve("/2.png", picture(42))
    url_a, url_b = f"http://{HOST_A}:{a.port}/1.png", f"http://{HOST_B}:{b.port}/2.png"
    said = run(wired, "report", url_a, url_b + "?utm_source=mail", "--reporter", "tip",
               "--notes", "two links")  # fmt: skip
    assert "2 report(s) taken: 2 new URL(s), 0 joined" in said and url_b in said
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS, encoding="utf-8")
    assert "Imported 2 abuse contact(s)." in run(wired, "contacts", "import", str(contacts))
    checked = run(wired, "check")
    assert checked.count("live") >= 2 and "checked 2" in checked
    for url_id in ("1", "2"):
        run(wired, "assess", url_id, "--classification", "interpol_baseline", "--by", "ana")
    plan = run(wired, "notices")
    assert "Example Hosting A GmbH by email to abuse@host-a.test: 1 URL(s)" in plan
    mailbox, _ = smtp
    assert mailbox.messages == []  # showing the plan sends nothing
    sent = run(wired, "notices", "--send")
    assert sent.count(" sent: ") == 2 and len(mailbox.messages) == 2
    assert "No notice is due." in run(wired, "notices")
    a.pages["/1.png"].status = 404
    assert run_json(wired, "check")["removed_seen"] == 1
    listed = run_json(wired, "list")
    assert [(u["id"], u["state"], u["country"]) for u in listed] == [
        (1, "removed", "DE"), (2, "open", "US"),
    ]  # fmt: skip
    shown = run(wired, "show", "1")
    expected = ("verdict illegal, state removed", "report 1", "INT interpol_baseline", "HTTP 404",
                "notice HN-", "removed_seen", "by tip: two links")  # fmt: skip
    assert [line for line in expected if line not in shown] == []
    doc = run_json(wired, "stats", "--charts", str(tmp_path / "charts"))
    assert {k: doc[k] for k in ("reported", "live", "removed", "unreachable")} == {
        "reported": 2, "live": 1, "removed": 1, "unreachable": 0,
    }  # fmt: skip
    assert doc["from_notice"]["overall"]["n"] == 2
    assert set(doc["from_notice"]) == {"overall", "by_provider", "by_asn", "by_country"}
    assert (tmp_path / "charts" / "survival.svg").read_text().startswith("<svg")
    assert (tmp_path / "charts" / "trend.svg").read_text().startswith("<svg")
    table = run(wired, "stats")
    assert "Time to removal from notice" in table and "Example Host B Inc" in table


def test_bad_reports_exit_1_and_name_each(wired: Case, tmp_path: Path) -> None:
    result = runner.invoke(app, ["hotline", "report", "http://ok.test/", "ftp://no.test/",
                                 "--case", str(wired.root)])  # fmt: skip
    assert result.exit_code == 1
    assert "1 report(s) taken" in result.output
    assert "refused: ftp://no.test/:" in result.output and "not http or https" in result.output
    feed = tmp_path / "feed.csv"
    feed.write_text("url\nhttp://a.test/1\n[bad]\nhttp://a.test/1\n", encoding="utf-8")
    imported = runner.invoke(app, ["hotline", "import", str(feed), "--case", str(wired.root)])
    assert imported.exit_code == 1
    assert "2 report(s) taken: 1 new URL(s), 1 joined" in imported.output
    assert "refused: feed.csv, line 3:" in imported.output


def test_errors_are_one_line_with_what_to_do(wired: Case, tmp_path: Path) -> None:
    missing = run(wired, "assess", "99", "--classification", "national", code=2)
    assert "error: no reported URL 99 in this case" in missing
    assert "rescue hotline list" in missing and "Traceback" not in missing
    bad = tmp_path / "contacts.csv"
    bad.write_text("provider,abuse_email,asn_name\nA,nope,A AS\n", encoding="utf-8")
    refused = run(wired, "contacts", "import", str(bad), code=2)
    assert "line 2: 'nope' is not an e-mail address" in refused
    assert "nothing imported" in refused


def test_partners_and_hash_match_decisions(
    wired: Case, sites: tuple[Site, Site], tmp_path: Path
) -> None:
    a, _ = sites
    known = picture(43)
    import_hash_set(wired, known_hash_csv(tmp_path / "k.csv", {"K-43": known}), name="agency")
    a.serve("/k.png", known)
    run(wired, "report", f"http://{HOST_A}:{a.port}/k.png")
    run(wired, "check", "--due")
    (hit,) = hits_of(wired, 1)
    assert "to confirm (rescue hotline confirm)" in run(wired, "show", "1")
    assert f"Hash match {hit.id} on URL 1: confirmed" in run(wired, "confirm", str(hit.id))
    assert "rejected" in run(wired, "confirm", str(hit.id), "--reject", "--by", "ben")
    partners = tmp_path / "partners.csv"
    partners.write_text("country,name\nDE,Example DE Hotline\n", encoding="utf-8")
    assert "Imported 1 partner hotline(s)." in run(wired, "partners", "import", str(partners))
    run(wired, "assess", "1", "--classification", "national", "--jurisdiction", "DE")
    plan = run(wired, "notices")
    assert "by export to Example DE Hotline: 1 URL(s)" in plan


def test_empty_listings(wired: Case) -> None:
    assert "No reported URLs." in run(wired, "list")
    assert "No notice is due." in run(wired, "notices")
    assert "checked 0" in run(wired, "check")
    assert run_json(wired, "check")["checked"] == 0
    assert "reported 0" in run(wired, "stats")


def test_tables_for_people(wired: Case, sites: tuple[Site, Site]) -> None:
    a, _ = sites
    a.serve("/t.png", picture(44))
    url = f"http://{HOST_A}:{a.port}/t.png"
    run(wired, "report", url, "http://[::1]:1/x", "--notes", "[red]text, not markup[/red]")
    run(wired, "assess", "1", "--classification", "national", "--jurisdiction", "GB")
    run(wired, "check")
    table = run(wired, "list", "--verdict", "illegal")
    assert url in table and "national" not in table and "illegal" in table and "DE" in table
    assert "[::1]" in run(wired, "list", "--state", "open", "--limit", "5")
    assert "No reported URLs." in run(wired, "list", "--state", "confirmed")
    stats = run(wired, "stats")
    assert "reported 2" in stats and "not yet" in stats  # no median while nothing was removed
    shown = run(wired, "show", "2")
    assert "[red]text, not markup[/red]" in shown and "contact none" in shown
    missing = run(wired, "show", "9", code=2)
    assert "no reported URL 9" in missing
