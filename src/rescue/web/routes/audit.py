"""The audit log for auditors: newest events first, filters, and a check of the chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from rescue.security.audit import list_events, verify_chain
from rescue.web.access import allow
from rescue.web.auditing import audit
from rescue.web.principal import Principal
from rescue.web.state import app_state

router = APIRouter()
PAGE = 100
Reader = Annotated[Principal, Depends(allow("audit.read"))]
Actor = Annotated[str | None, Query(max_length=120)]
Action = Annotated[str | None, Query(max_length=40)]
Before = Annotated[int | None, Query(ge=1, le=2**62)]


def _events(request: Request, actor: str | None, action: str | None, before: int | None) -> Any:
    return list_events(
        app_state(request).case, limit=PAGE, actor=actor or None, action=action or None,
        before=before,
    )  # fmt: skip


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request, principal: Reader, actor: Actor = None, action: Action = None,
    before: Before = None,
) -> Response:  # fmt: skip
    events = _events(request, actor, action, before)
    context = {"title": "Audit log", "events": events, "actor": actor or "",
               "action": action or "", "more": len(events) == PAGE}  # fmt: skip
    return app_state(request).templates.TemplateResponse(request, "audit.html.j2", context)


@router.get("/audit/verify", include_in_schema=False)
def audit_verify_page(request: Request, principal: Reader) -> Response:
    report = _verify(request, principal)
    context = {"title": "Audit chain", "report": report}
    return app_state(request).templates.TemplateResponse(request, "audit_verify.html.j2", context)


def _verify(request: Request, principal: Principal) -> Any:
    report = verify_chain(app_state(request).case)
    audit(request, principal, "audit_verify", result="ok" if report.ok else "failed",
          detail={"events": report.events, "problems": len(report.problems)})  # fmt: skip
    return report


@router.get("/api/audit", tags=["audit"])
def audit_events(
    request: Request, principal: Reader, actor: Actor = None, action: Action = None,
    before: Before = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Audit events, newest first, 100 at a time; page back with ``before`` (an event id)."""
    return [asdict(e) for e in _events(request, actor, action, before)]


@router.get("/api/audit/verify", tags=["audit"])
def audit_verify(request: Request, principal: Reader) -> dict[str, Any]:
    """Recompute the hash chain; names every edited, missing or out-of-place event."""
    return asdict(_verify(request, principal))
