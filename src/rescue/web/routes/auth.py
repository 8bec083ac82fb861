"""Signing in and out, and unlocking a session locked after inactivity."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from rescue.security.auth import authenticate
from rescue.security.sessions import end_session, start_session, unlock_session
from rescue.web.access import allow
from rescue.web.principal import Principal, client_address, cookie_name
from rescue.web.problems import CsrfError
from rescue.web.state import app_state

router = APIRouter()
LOGIN_CSRF_COOKIE = "rescue_login_csrf"
PUBLIC_PATHS = frozenset({"/login", "/unlock", "/healthz"})


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would help a phishing page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, next_url: str, error: str = "", status: int = 200, username: str = ""
) -> Response:
    token = secrets.token_urlsafe(32)
    context: dict[str, Any] = {
        "title": "Sign in",
        "csrf_token": token,
        "next": safe_next(next_url),
        "error": error,
        "username": username,
    }
    response = app_state(request).templates.TemplateResponse(
        request, "login.html.j2", context, status_code=status
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.https,
        path="/login",
    )
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)],
    code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfError()
    state = app_state(request)
    now = state.settings.clock()
    source = client_address(request)
    result = authenticate(state.case, username, password, code or None, now=now, source_ip=source)
    if not result.ok or result.user is None:
        return _login_page(request, next, result.reason, status=401, username=username)
    token, _csrf = start_session(
        state.case, result.user, now=now, source=source, settings=state.settings.sessions
    )
    target = safe_next(next)
    if target == "/" and result.user.role == "auditor":
        target = "/audit"  # an auditor sees the log, not the case
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        cookie_name(request),
        token,
        httponly=True,
        samesite="strict",
        secure=state.settings.https,
        path="/",
        max_age=state.settings.sessions.absolute_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request, principal: Annotated[Principal, Depends(allow("account.self"))]
) -> Response:
    state = app_state(request)
    token = request.cookies.get(cookie_name(request), "")
    end_session(state.case, token, now=state.settings.clock(), source=principal.source)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(request), path="/")
    return response


def _unlock_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    from rescue.security.sessions import SessionState, resolve_session

    state = app_state(request)
    view = resolve_session(
        state.case,
        request.cookies.get(cookie_name(request)),
        now=state.settings.clock(),
        settings=state.settings.sessions,
    )
    if view.state is SessionState.ACTIVE:
        return RedirectResponse(safe_next(next_url), status_code=303)
    if view.state is SessionState.NONE or view.user is None:
        return RedirectResponse("/login", status_code=303)
    context: dict[str, Any] = {
        "title": "Session locked",
        "csrf_token": view.csrf_token,
        "next": safe_next(next_url),
        "error": error,
        "username": view.user.username,
        "needs_code": view.user.totp_enabled,
    }
    return state.templates.TemplateResponse(request, "unlock.html.j2", context, status_code=status)


@router.get("/unlock", include_in_schema=False)
def unlock_form(request: Request, next: str = "/") -> Response:
    return _unlock_page(request, next)


@router.post("/unlock", include_in_schema=False)
def unlock(
    request: Request,
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)],
    code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    from rescue.security.sessions import SessionState, resolve_session

    state = app_state(request)
    token = request.cookies.get(cookie_name(request), "")
    view = resolve_session(
        state.case, token, now=state.settings.clock(), settings=state.settings.sessions
    )
    if view.state is SessionState.NONE:
        return RedirectResponse("/login", status_code=303)
    if not hmac.compare_digest(view.csrf_token.encode(), csrf_token.encode()):
        raise CsrfError()
    result = unlock_session(
        state.case,
        token,
        password,
        code or None,
        now=state.settings.clock(),
        source=client_address(request),
    )
    if not result.ok:
        return _unlock_page(request, next, result.reason, status=401)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """For a load balancer: says nothing about the case."""
    return {"status": "ok"}
