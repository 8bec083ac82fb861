"""Who is asking: the session behind the cookie, resolved once per request.

A request without a live session is refused before any route code runs: pages send the
browser to the sign-in (or unlock) page, the API answers 401. The principal carries the
partner's scope, so every read below it is limited to the partner's countries.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from rescue.security.sessions import SessionState, resolve_session
from rescue.security.users import UserInfo
from rescue.views.scope import Scope
from rescue.web.problems import NotSignedInError, SessionLockedError
from rescue.web.state import app_state

SESSION_COOKIE = "rescue_session"
SECURE_SESSION_COOKIE = "__Host-rescue_session"  # the __Host- prefix pins Secure, Path=/ and host


@dataclass(frozen=True)
class Principal:
    user: UserInfo
    csrf_token: str
    source: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def scope(self) -> Scope:
        if self.user.role == "partner":
            return Scope.of(self.user.countries)
        return Scope.everything()


def cookie_name(request: Request) -> str:
    return SECURE_SESSION_COOKIE if app_state(request).settings.https else SESSION_COOKIE


def client_address(request: Request) -> str:
    """The caller's address for the audit log; a proxy's X-Forwarded-For only if trusted."""
    peer = request.client.host if request.client else "unknown"
    if peer in app_state(request).settings.trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return peer


def current_principal(request: Request) -> Principal:
    state = app_state(request)
    token = request.cookies.get(cookie_name(request))
    view = resolve_session(
        state.case, token, now=state.settings.clock(), settings=state.settings.sessions
    )
    if view.state is SessionState.LOCKED:
        raise SessionLockedError()
    if view.state is not SessionState.ACTIVE or view.user is None:
        raise NotSignedInError()
    principal = Principal(view.user, view.csrf_token, client_address(request))
    request.state.principal = principal
    return principal
