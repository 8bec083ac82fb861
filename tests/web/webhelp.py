"""Helpers for web tests: a settable clock, users with their TOTP secrets, signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from httpx2 import Response

from rescue.case import Case
from rescue.security import add_user
from rescue.web import WebSettings, create_app

PASSWORD = "correct horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class TestUser:
    username: str
    role: str
    secret: str | None

    def code(self, clock: Clock) -> str:
        return pyotp.TOTP(self.secret).at(clock.now) if self.secret else ""


def make_user(case: Case, username: str, role: str, countries: tuple[str, ...] = ()) -> TestUser:
    _info, uri = add_user(case, username, role, password=PASSWORD, countries=countries)
    secret = pyotp.parse_uri(uri).secret if uri else None
    return TestUser(username, role, secret)


def client_for(case: Case, clock: Clock, **settings: object) -> TestClient:
    app = create_app(WebSettings(case_dir=case.root, clock=clock, **settings))  # type: ignore[arg-type]
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def signed_in(
    case: Case, clock: Clock, username: str, role: str, countries: tuple[str, ...] = ()
) -> tuple[TestClient, TestUser]:
    """A new user of ``role`` and a client signed in as them."""
    user = make_user(case, username, role, countries)
    client = client_for(case, clock)
    assert sign_in(client, user, clock) == 303, f"{username} could not sign in"
    return client, user


def csrf_in(html: str) -> str:
    match = _CSRF_FIELD.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def post_login(
    client: TestClient, username: str, *, next: str | None = None, csrf: str | None = None
) -> Response:
    """The sign-in form posted with the right password (no code); ``csrf`` overrides the
    token the form hands out."""
    page = client.get("/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": csrf or csrf_in(page.text)}
    if next is not None:
        form["next"] = next
    return client.post("/login", data=form)


def sign_in(
    client: TestClient,
    user: TestUser,
    clock: Clock,
    *,
    password: str = PASSWORD,
    code: str | None = None,
) -> int:
    """Sign in through the form; returns the status of the POST (303 on success)."""
    page = client.get("/login")
    form = {
        "username": user.username,
        "password": password,
        "code": user.code(clock) if code is None else code,
        "csrf_token": csrf_in(page.text),
        "next": "/",
    }
    status = client.post("/login", data=form).status_code
    clock.advance(seconds=31)  # the next sign-in of this user needs a fresh TOTP step
    return status


def session_csrf(client: TestClient) -> str:
    """The signed-in session's CSRF token, as the API gives it to its own client."""
    me = client.get("/api/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrf_token"])
