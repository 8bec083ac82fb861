"""Analysts' link decisions: two accounts are (or are not) one person; the next run applies it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from rescue.identity.decisions import current_rulings, record_ruling
from rescue.web.access import allow
from rescue.web.principal import Principal
from rescue.web.routes.auth import safe_next
from rescue.web.state import app_state

router = APIRouter()
Reader = Annotated[Principal, Depends(allow("decisions.read"))]
Writer = Annotated[Principal, Depends(allow("decisions.write"))]
Account = Annotated[str, Form(min_length=3, max_length=200)]


class DecisionIn(BaseModel):
    account_a: str = Field(min_length=3, max_length=200, examples=["forum:1001"])
    account_b: str = Field(min_length=3, max_length=200, examples=["forum:2002"])
    decision: Literal["same", "different"]
    reason: str = Field(min_length=1, max_length=2000)


def _rulings(request: Request) -> list[dict[str, Any]]:
    rulings = current_rulings(app_state(request).case)
    return [asdict(r) for r in sorted(rulings, key=lambda r: r.decided_at, reverse=True)]


def _record(request: Request, principal: Principal, body: DecisionIn) -> dict[str, Any]:
    ruling = record_ruling(
        app_state(request).case, body.account_a.strip(), body.account_b.strip(), body.decision,
        analyst=principal.username, reason=body.reason, source=principal.source,
    )  # fmt: skip
    return asdict(ruling)


@router.get("/decisions", include_in_schema=False)
def decisions_page(request: Request, principal: Reader) -> Response:
    context = {"title": "Link decisions", "rulings": _rulings(request)}
    return app_state(request).templates.TemplateResponse(request, "decisions.html.j2", context)


@router.post("/decisions", include_in_schema=False)
def decide(
    request: Request,
    principal: Writer,
    account_a: Account,
    account_b: Account,
    decision: Annotated[Literal["same", "different"], Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    next: Annotated[str, Form(max_length=2000)] = "/decisions",
) -> Response:
    body = DecisionIn(account_a=account_a, account_b=account_b, decision=decision, reason=reason)
    _record(request, principal, body)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/api/decisions", tags=["decisions"])
def list_decisions(request: Request, principal: Reader) -> list[dict[str, Any]]:
    """The latest ruling per pair of accounts, newest first."""
    return _rulings(request)


@router.post("/api/decisions", status_code=201, tags=["decisions"])
def add_decision(request: Request, principal: Writer, body: DecisionIn) -> dict[str, Any]:
    """Rule that two accounts are the same person or different persons (applied on next run)."""
    return _record(request, principal, body)
