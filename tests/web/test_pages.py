"""The pages and the API over a fully run case: search, person, outcomes, decisions, queue,
audit viewer and export; partner scoping on every one of them; an audit event for each read."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rescue.case import Case
from rescue.identity.decisions import current_rulings
from rescue.security import list_events
from tests.web.webhelp import Clock, client_for, csrf_in, make_user, session_csrf, sign_in


def _lake(case: Case, sql: str) -> list[dict[str, Any]]:
    engine = case.engine()
    try:
        rows: list[dict[str, Any]] = engine.query(sql).to_pylist()
    finally:
        engine.close()
    return rows


@pytest.fixture
def world(web_case: Case) -> dict[str, Any]:
    clock = Clock()
    persons = _lake(
        web_case,
        "SELECT p.person_id, t.country, p.usernames FROM persons p "
        "JOIN attributions t USING (person_id) WHERE t.country IS NOT NULL ORDER BY p.person_id",
    )
    by_country: dict[str, list[dict[str, Any]]] = {}
    for row in persons:
        by_country.setdefault(row["country"], []).append(row)
    home, away = sorted(by_country, key=lambda c: -len(by_country[c]))[:2]
    analyst = client_for(web_case, clock)
    sign_in(analyst, make_user(web_case, "ana", "analyst"), clock)
    partner = client_for(web_case, clock)
    sign_in(partner, make_user(web_case, "partner-x", "partner", (home,)), clock)
    return {"case": web_case, "clock": clock, "analyst": analyst, "partner": partner,
            "home": by_country[home], "away": by_country[away], "home_code": home}  # fmt: skip


def test_search_finds_a_person_by_username_and_is_audited(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    person = world["home"][0]
    name = person["usernames"][0]
    page = analyst.get("/persons", params={"q": name})
    assert page.status_code == 200 and f'href="/persons/{person["person_id"]}"' in page.text
    api = analyst.get("/api/persons", params={"q": name}).json()
    assert person["person_id"] in [p["person_id"] for p in api["items"]]
    searches = list_events(world["case"], action="search")
    assert searches and searches[0].detail["query"]["q"] == name
    assert searches[0].detail["matched"] == api["total"]


def test_htmx_gets_only_the_results_table(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    partial = analyst.get("/persons", params={"q": "a"}, headers={"HX-Request": "true"})
    full = analyst.get("/persons", params={"q": "a"})
    assert "<html" not in partial.text and "<table>" in partial.text
    assert "<html" in full.text and 'id="results"' in full.text


def test_bad_filters_are_a_clear_400_not_a_crash(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    response = analyst.get("/api/persons", params={"country": "Germany"})
    assert response.status_code == 400 and "ISO 3166-1" in response.json()["detail"]
    page = analyst.get("/persons", params={"sort": "shoe size"})
    assert page.status_code == 400 and "cannot sort by" in page.text


def test_a_partner_sees_only_its_country_everywhere(world: dict[str, Any]) -> None:
    partner: TestClient = world["partner"]
    home, away = world["home"][0]["person_id"], world["away"][0]["person_id"]
    listed = partner.get("/api/persons", params={"per_page": 200}).json()
    assert listed["total"] == len(world["home"])
    assert {p["country"] for p in listed["items"]} == {world["home_code"]}
    assert partner.get(f"/api/persons/{home}").status_code == 200
    hidden = (f"/api/persons/{away}", f"/persons/{away}", f"/persons/{away}/network.svg",
              f"/api/persons/{away}/neighbourhood", "/api/persons/P-no-such-person")  # fmt: skip
    for path in hidden:
        response = partner.get(path)
        assert response.status_code == 404, path
    figures = partner.get("/api/figures").json()
    assert {f["country"] for f in figures["countries"]} <= {world["home_code"]}
    referrals = partner.get("/api/referrals").json()
    assert all(r["country"] == world["home_code"] for r in referrals)
    exported = [json.loads(line) for line in partner.get("/persons.jsonl").text.splitlines()]
    assert len(exported) == len(world["home"])
    assert {p["country"] for p in exported} == {world["home_code"]}
    hood = partner.get(f"/api/persons/{home}/neighbourhood").json()
    for n in hood["neighbours"]:
        assert n["in_scope"] == (n["person_id"] is not None)
        if not n["in_scope"]:
            assert n["label"] and n["person_id"] is None and n["country"] is None


def test_a_partner_cannot_book_an_outcome_in_another_country(world: dict[str, Any]) -> None:
    partner: TestClient = world["partner"]
    token = session_csrf(partner)
    away = world["away"][0]["person_id"]
    response = partner.post(
        "/api/outcomes", headers={"X-CSRF-Token": token},
        json={"person_id": away, "kind": "arrested", "date": "2026-10-01"},
    )  # fmt: skip
    assert response.status_code == 404
    home = world["home"][0]["person_id"]
    ok = partner.post(
        "/api/outcomes", headers={"X-CSRF-Token": token},
        json={"person_id": home, "kind": "arrested", "date": "2026-10-01"},
    )  # fmt: skip
    assert ok.status_code == 201 and ok.json()["country"] == world["home_code"]


def _figure(client: TestClient, name: str) -> int:
    html = client.get("/").text
    match = re.search(rf'data-figure="{name}">(\d+)<', html)
    assert match, f"no {name} figure on the dashboard"
    return int(match.group(1))


def test_recording_an_arrest_on_the_person_page_moves_the_dashboard(
    world: dict[str, Any],
) -> None:
    analyst: TestClient = world["analyst"]
    person = world["home"][1]["person_id"]
    before = _figure(analyst, "arrested")
    page = analyst.get(f"/persons/{person}")
    assert 'id="outcome-form"' in page.text
    response = analyst.post(
        f"/persons/{person}/outcomes",
        data={"kind": "arrested", "date": "2026-10-02", "count": "1", "note": "dawn",
              "csrf_token": csrf_in(page.text)},
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"].startswith(
        f"/persons/{person}"
    )
    assert _figure(analyst, "arrested") == before + 1
    assert "dawn" in analyst.get(f"/persons/{person}").text
    [event] = list_events(world["case"], action="outcome")
    assert event.actor == "ana" and event.target == person and event.source == "testclient"


def test_a_future_date_is_refused_with_the_reason(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    response = analyst.post(
        "/api/outcomes", headers={"X-CSRF-Token": session_csrf(analyst)},
        json={"person_id": world["home"][0]["person_id"], "kind": "arrested",
              "date": "2999-01-01"},
    )  # fmt: skip
    assert response.status_code == 400 and "future" in response.json()["detail"]


def test_reading_a_person_is_audited_and_the_page_has_every_section(
    world: dict[str, Any],
) -> None:
    analyst: TestClient = world["analyst"]
    person = world["home"][0]["person_id"]
    html = analyst.get(f"/persons/{person}").text
    for heading in ("Accounts", "Identifiers", "Country attribution", "Priority explanation",
                    "Links between the accounts", "Network", "Material", "Timeline",
                    "Referrals and outcomes"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in html, heading
    assert "<svg" in html and "<img" not in html
    [event] = list_events(world["case"], action="read_person")
    assert event.target == person and event.actor == "ana"


def test_a_split_decision_is_stored_for_the_next_run_and_audited(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    multi = _lake(world["case"], "SELECT accounts FROM persons WHERE n_accounts > 1 LIMIT 1")
    a, b = multi[0]["accounts"][:2]
    response = analyst.post(
        "/api/decisions", headers={"X-CSRF-Token": session_csrf(analyst)},
        json={"account_a": a, "account_b": b, "decision": "different", "reason": "two people"},
    )  # fmt: skip
    assert response.status_code == 201
    [ruling] = current_rulings(world["case"])
    assert (ruling.decision, ruling.analyst) == ("different", "ana")
    assert list_events(world["case"], action="decision")[0].detail["decision"] == "different"
    assert a in analyst.get("/decisions").text


def test_queue_shows_metadata_only_and_reads_are_audited(world: dict[str, Any]) -> None:
    analyst: TestClient = world["analyst"]
    queue = analyst.get("/api/queue").json()
    assert queue["total"] > 0
    cluster = queue["items"][0]["cluster_id"]
    page = analyst.get(f"/queue/{cluster}")
    assert page.status_code == 200 and "<img" not in page.text
    assert re.search(r"<code>[0-9a-f]{64}</code>", page.text)  # a SHA-256, never the file
    assert list_events(world["case"], action="read_queue_item")[0].target == cluster
    assert analyst.get("/api/queue/C-does-not-exist").status_code == 404


def test_the_auditor_reads_the_log_and_checks_the_chain(world: dict[str, Any]) -> None:
    case: Case = world["case"]
    clock: Clock = world["clock"]
    auditor = client_for(case, clock)
    login = auditor.get("/login")
    response = auditor.post(
        "/login",
        data={"username": make_user(case, "aud", "auditor").username,
              "password": "correct horse battery staple", "csrf_token": csrf_in(login.text)},
    )  # fmt: skip
    assert response.headers["location"] == "/audit"
    page = auditor.get("/audit", params={"actor": "ana"})
    assert page.status_code == 200 and "login" in page.text
    verify = auditor.get("/api/audit/verify").json()
    assert verify["ok"] and verify["events"] > 3
    assert auditor.get("/").status_code == 403
    assert auditor.get("/api/persons").status_code == 403
