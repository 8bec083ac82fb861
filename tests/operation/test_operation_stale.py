"""Casework naming persons that a later link run retired: listed, never silently miscounted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli.main import app
from rescue.operation.checks import record_check
from rescue.operation.outcomes import record_outcome
from rescue.operation.stale import StalePerson, stale_persons
from rescue.pipeline import run_pipeline
from rescue.views.dashboard import LakeCache, dashboard
from rescue.views.scope import Scope
from tests.lakehelp import Seed
from tests.operation.conftest import _tables

DAY = dt.date(2026, 3, 1)


def _relink_without(case: Case, retired: str) -> None:
    """A later run: ``retired``'s accounts now belong to another person id."""
    tables: dict[str, list[dict[str, Any]]] = _tables()
    tables["persons"] = [p for p in tables["persons"] if p["person_id"] != retired]
    tables["persons"].append({"person_id": "P-f:0", "accounts": ["f:1", "f:2"], "n_accounts": 2})
    for row in tables["person_accounts"]:
        if row["person_id"] == retired:
            row["person_id"] = "P-f:0"
    [summary] = run_pipeline(case, stages=[Seed(tables)])
    assert summary.status == "ok"


def test_ids_the_last_link_run_retired_are_listed_with_what_names_them(seeded: Case) -> None:
    record_outcome(seeded, "P-f:1", "arrested", date=DAY, recorded_by="ana")
    record_check(seeded, "P-f:1", "prior_conviction", True, analyst="ana")
    record_outcome(seeded, "P-f:3", "identified", date=DAY, recorded_by="ana")
    assert stale_persons(seeded) == []
    _relink_without(seeded, "P-f:1")
    assert stale_persons(seeded) == [StalePerson("P-f:1", ("outcomes", "record checks"))]
    board = dashboard(seeded, Scope.everything(), cache=LakeCache())
    assert [s.person_id for s in board.stale] == ["P-f:1"]
    assert dashboard(seeded, Scope.of(["GB"]), cache=LakeCache()).stale == ()


def test_the_dashboard_page_shows_them(seeded: Case) -> None:
    from tests.web.webhelp import Clock, signed_in

    record_outcome(seeded, "P-f:1", "arrested", date=DAY, recorded_by="ana")
    _relink_without(seeded, "P-f:1")
    client, _ = signed_in(seeded, Clock(), "ana", "analyst")
    page = client.get("/")
    assert page.status_code == 200 and 'id="stale-persons"' in page.text
    assert "P-f:1 (outcomes)" in page.text


def test_rescue_figures_warns_and_its_json_lists_them(seeded: Case) -> None:
    record_outcome(seeded, "P-f:1", "arrested", date=DAY, recorded_by="ana")
    _relink_without(seeded, "P-f:1")
    runner = CliRunner()
    shown = runner.invoke(app, ["figures", "--case", str(seeded.root)])
    text = " ".join(shown.output.split())  # Rich wraps the warning at the terminal's width
    assert shown.exit_code == 0 and "are no longer persons after the last link run: P-f:1" in text
    as_json = runner.invoke(app, ["figures", "--case", str(seeded.root), "--json"])
    assert json.loads(as_json.stdout)["stale_persons"] == [
        {"person_id": "P-f:1", "named_by": ["outcomes"]}
    ]
