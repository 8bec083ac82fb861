"""Signing in, second factor, session lock and expiry, sign-out, CSRF and headers, over HTTP."""

from __future__ import annotations

import re

import pytest

from rescue.case import Case
from rescue.security import disable_user, list_events
from rescue.web.headers import CSP
from tests.web.webhelp import (
    Clock,
    client_for,
    csrf_in,
    make_user,
    post_login,
    session_csrf,
    sign_in,
    signed_in,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_sign_in_sets_a_strict_cookie_and_opens_the_api(sqlite_case: Case, clock: Clock) -> None:
    user = make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock)
    assert client.get("/api/me").status_code == 401
    response = post_login(client, "ana", next="/persons?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/persons?q=x"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "rescue_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    me = client.get("/api/me").json()
    assert me["username"] == user.username and me["role"] == "analyst"
    assert "audit.read" not in me["permissions"] and "persons.read" in me["permissions"]


def test_pages_without_a_session_go_to_sign_in_and_the_api_says_401(
    sqlite_case: Case, clock: Clock
) -> None:
    client = client_for(sqlite_case, clock)
    response = client.get("/api/me")
    assert response.status_code == 401 and response.json() == {"detail": "sign in first"}
    page = client.get("/decisions", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_admin_needs_the_code_and_a_code_works_once(sqlite_case: Case, clock: Clock) -> None:
    admin = make_user(sqlite_case, "root", "admin")
    client = client_for(sqlite_case, clock)
    assert sign_in(client, admin, clock, code="") == 401
    assert sign_in(client, admin, clock, code="000000") == 401
    code = admin.code(clock)
    assert sign_in(client, admin, clock, code=code) == 303
    clock.advance(seconds=-31)  # the same 30-second window, the same code: replay refused
    other = client_for(sqlite_case, clock)
    assert sign_in(other, admin, clock, code=code) == 401
    failed = [e.detail["why"] for e in list_events(sqlite_case, action="login_failed")]
    assert "second factor reused" in failed and "second factor" in failed


def test_wrong_password_shows_one_answer_and_locks_after_five(
    sqlite_case: Case, clock: Clock
) -> None:
    user = make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock)
    for _ in range(5):
        assert sign_in(client, user, clock, password="not the password!") == 401
    response = post_login(client, "ana")
    assert response.status_code == 401 and "account locked" in response.text
    clock.advance(minutes=16)
    assert sign_in(client, user, clock) == 303


def test_sign_in_form_needs_its_own_csrf_token(sqlite_case: Case, clock: Clock) -> None:
    make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock)
    response = post_login(client, "ana", csrf="forged")
    assert response.status_code == 403
    assert list_events(sqlite_case, action="login") == []


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_next_never_leaves_the_site(sqlite_case: Case, clock: Clock, target: str) -> None:
    make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock)
    response = post_login(client, "ana", next=target)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_inactivity_locks_the_session_until_the_password_is_given(
    sqlite_case: Case, clock: Clock
) -> None:
    partner = make_user(sqlite_case, "de-bka", "partner", ("DE",))
    client = client_for(sqlite_case, clock)
    assert sign_in(client, partner, clock) == 303
    clock.advance(minutes=14)
    assert client.get("/api/me").status_code == 200
    clock.advance(minutes=16)
    assert client.get("/api/me").json() == {"detail": "session locked after inactivity"}
    page = client.get("/decisions")
    assert page.status_code == 303 and page.headers["location"].startswith("/unlock?next=")
    form = client.get("/unlock?next=/persons")
    assert form.status_code == 200 and "Authenticator code" in form.text
    token = csrf_in(form.text)
    wrong = client.post(
        "/unlock",
        data={
            "password": "nope nope nope",
            "code": partner.code(clock),
            "csrf_token": token,
            "next": "/persons",
        },
    )
    assert wrong.status_code == 401
    clock.advance(seconds=31)
    right = client.post(
        "/unlock",
        data={
            "password": "correct horse battery staple",
            "code": partner.code(clock),
            "csrf_token": token,
            "next": "/persons",
        },
    )
    assert right.status_code == 303 and right.headers["location"] == "/persons"
    assert client.get("/api/me").status_code == 200
    assert [e.actor for e in list_events(sqlite_case, action="session_locked")] == ["de-bka"]


def test_a_session_ends_after_its_absolute_lifetime(sqlite_case: Case, clock: Clock) -> None:
    client, _user = signed_in(sqlite_case, clock, "ana", "analyst")
    for _ in range(10 * 6):  # busy all day, never idle ten minutes
        clock.advance(minutes=10)
        client.get("/api/me")
    assert client.get("/api/me").json() == {"detail": "sign in first"}


def test_sign_out_ends_the_session_and_needs_the_csrf_token(
    sqlite_case: Case, clock: Clock
) -> None:
    client, _user = signed_in(sqlite_case, clock, "ana", "analyst")
    stolen = dict(client.cookies)
    assert client.post("/logout").status_code == 403  # no token: a cross-site post fails
    response = client.post("/logout", headers={"X-CSRF-Token": session_csrf(client)})
    assert response.status_code == 303
    replay = client_for(sqlite_case, clock)
    replay.cookies.update(stolen)
    assert replay.get("/api/me").status_code == 401
    assert [e.actor for e in list_events(sqlite_case, action="logout")] == ["ana"]


def test_disabling_a_user_ends_their_sessions_at_once(sqlite_case: Case, clock: Clock) -> None:
    client, _user = signed_in(sqlite_case, clock, "ana", "analyst")
    disable_user(sqlite_case, "ana")
    assert client.get("/api/me").status_code == 401


def test_every_response_carries_the_security_headers(sqlite_case: Case, clock: Clock) -> None:
    client = client_for(sqlite_case, clock)
    for path in ("/login", "/api/me", "/static/app.css", "/does-not-exist"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
        assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers  # plain HTTP: HSTS means nothing


def test_over_tls_cookies_are_secure_and_hsts_is_sent(sqlite_case: Case, clock: Clock) -> None:
    user = make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock, https=True)
    client.base_url = client.base_url.copy_with(scheme="https")
    assert client.get("/login").headers["strict-transport-security"].startswith("max-age=")
    response = post_login(client, user.username)
    cookie = next(c for c in response.headers.get_list("set-cookie") if "rescue_session=" in c)
    assert cookie.startswith("__Host-rescue_session=") and "Secure" in cookie


def test_pages_have_no_inline_script(sqlite_case: Case, clock: Clock) -> None:
    html = client_for(sqlite_case, clock).get("/login").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no onclick= and the like


def test_sign_in_and_failures_are_audited_without_secrets(sqlite_case: Case, clock: Clock) -> None:
    user = make_user(sqlite_case, "ana", "analyst")
    client = client_for(sqlite_case, clock)
    sign_in(client, user, clock, password="a wrong password")
    sign_in(client, user, clock)
    events = list_events(sqlite_case)
    actions = [e.action for e in events]
    assert "login" in actions and "login_failed" in actions
    assert all(e.source == "testclient" for e in events if e.action.startswith("login"))
    dumped = repr(events)
    assert "correct horse" not in dumped and "a wrong password" not in dumped
