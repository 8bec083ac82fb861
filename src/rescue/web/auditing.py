"""One call for a route's audit event: who (the principal), from where, when (the app's clock)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from rescue.web.principal import Principal
from rescue.web.state import app_state


def audit(
    request: Request,
    principal: Principal,
    action: str,
    *,
    target: str = "",
    detail: dict[str, Any] | None = None,
    result: str = "ok",
) -> None:
    """Committed before the route answers (group commit: ``rescue.security.audit_writer``)."""
    state = app_state(request)
    state.audit.record(
        principal.username, action, target=target[:300], result=result, detail=detail,
        source=principal.source, now=state.settings.clock(),
    )  # fmt: skip
