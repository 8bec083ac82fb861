"""Refusals as exceptions, and how each is answered: a page for a browser, JSON for the API.

A refusal of a signed-in user is an audit event (result ``denied``): the auditor must see
who tried to open what they may not. A partner asking for another country's person gets the
same 404 as for a person that does not exist, so the answer does not confirm who is in the case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rescue.errors import RescueError

if TYPE_CHECKING:
    from rescue.web.principal import Principal


class NotSignedInError(Exception):
    pass


class SessionLockedError(Exception):
    pass


class ForbiddenError(Exception):
    def __init__(self, principal: Principal, permission: str, path: str) -> None:
        super().__init__(f"{principal.username} lacks {permission} for {path}")
        self.principal = principal
        self.permission = permission
        self.path = path


class CsrfError(Exception):
    pass


class NotFoundError(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _next(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return quote(target, safe="")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    from rescue.web.state import app_state

    templates = app_state(request).templates
    context: dict[str, Any] = {"title": title, "message": message, "status": status}
    return templates.TemplateResponse(request, "error.html.j2", context, status_code=status)


def _answer(request: Request, status: int, title: str, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return _page(request, status, title, message)


async def _not_signed_in(request: Request, _exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    return RedirectResponse(f"/login?next={_next(request)}", status_code=303)


async def _locked(request: Request, _exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "session locked after inactivity"}, status_code=401)
    return RedirectResponse(f"/unlock?next={_next(request)}", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    from rescue.web.auditing import audit

    assert isinstance(exc, ForbiddenError)
    # The audit write waits for its commit: in a worker thread, never on the event loop.
    await run_in_threadpool(
        audit, request, exc.principal, "access_denied", target=f"{request.method} {exc.path}",
        result="denied", detail={"permission": exc.permission, "role": exc.principal.role},
    )  # fmt: skip
    return _answer(request, 403, "Not allowed", "Your role may not open this.")


async def _csrf(request: Request, _exc: Exception) -> Response:
    return _answer(
        request, 403, "Form expired", "The form's security token is missing or wrong; reload."
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFoundError)
    return _answer(request, 404, "Not found", f"No {exc.what} here.")


async def _rescue_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RescueError)
    message = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return _answer(request, 400, "Cannot do that", message)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _answer(request, exc.status_code, "Error", str(exc.detail))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)
    return _page(request, 422, "Check the form", "Some fields are missing or not valid.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotSignedInError, _not_signed_in)
    app.add_exception_handler(SessionLockedError, _locked)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(CsrfError, _csrf)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(RescueError, _rescue_error)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
