"""The hotline in the web app: reports by form and API, the statistics page, and the
scheduler that re-checks URLs while ``rescue serve`` runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from rescue.case import Case
from rescue.hotline.reports import list_urls
from rescue.security import list_events
from rescue.web import WebSettings, create_app
from tests.hotline.conftest import Site, picture
from tests.web.webhelp import Clock, client_for, csrf_in, make_user, session_csrf, sign_in


def test_reports_by_form_and_api_join_one_url_and_show_on_the_page(sqlite_case: Case) -> None:
    clock = Clock()
    client = client_for(sqlite_case, clock)
    sign_in(client, make_user(sqlite_case, "ana", "analyst"), clock)
    page = client.get("/hotline")
    assert page.status_code == 200 and 'data-figure="reported">0<' in page.text
    response = client.post(
        "/hotline/reports",
        data={"url": "HTTPS://Files.Example:443/a/b?utm_source=x", "reporter": "",
              "notes": "from the form", "csrf_token": csrf_in(page.text)},
    )  # fmt: skip
    assert response.status_code == 303
    again = client.post(
        "/api/hotline/reports", headers={"X-CSRF-Token": session_csrf(client)},
        json={"url": "https://files.example/a/b", "reporter": "tip line"},
    )  # fmt: skip
    assert again.status_code == 201 and again.json()["new"] is False
    [url] = client.get("/api/hotline/urls").json()
    assert url["url"] == "https://files.example/a/b"
    stats = client.get("/api/hotline/stats").json()
    assert stats["reported"] == 1 and stats["reports"] == 2
    html = client.get("/hotline").text
    assert "https://files.example/a/b" in html and html.count("<svg") >= 2
    assert [e.actor for e in list_events(sqlite_case) if "report" in e.action][:1] == ["ana"]


def test_a_bad_url_is_a_clear_error(sqlite_case: Case) -> None:
    clock = Clock()
    client = client_for(sqlite_case, clock)
    sign_in(client, make_user(sqlite_case, "ana", "analyst"), clock)
    response = client.post(
        "/api/hotline/reports", headers={"X-CSRF-Token": session_csrf(client)},
        json={"url": "ftp://files.example/x"},
    )  # fmt: skip
    assert response.status_code == 400 and "http" in response.json()["detail"]


def test_the_server_re_checks_reported_urls_on_its_own(
    sqlite_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESCUE_HOTLINE_ALLOW_PRIVATE", "1")  # the test site is on loopback
    site = Site("127.0.0.1")
    try:
        site.serve("/gone.png", picture(3))
        from rescue.hotline.reports import submit_report

        submit_report(sqlite_case, site.url("127.0.0.1", "/gone.png"), now=datetime.now(UTC))
        app = create_app(WebSettings(case_dir=sqlite_case.root, hotline_every_seconds=0.2))
        with TestClient(app):  # runs the lifespan, and with it the scheduler
            deadline = time.monotonic() + 60
            while not site.requests and time.monotonic() < deadline:
                time.sleep(0.1)
            tick = app.state.rescue.hotline
            while tick.runs < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
        assert site.requests, "the scheduler never fetched the URL"
        [url] = list_urls(sqlite_case)
        assert url.last_outcome == "live" and url.last_checked_at is not None
        assert tick.failures == 0 and tick.checked >= 1
    finally:
        site.close()
