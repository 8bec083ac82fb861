"""Who may do what: one table of permissions, and the dependency every route declares.

Roles (rescue.security.users.ROLES):
- admin: everything an analyst may do, and reads the audit log.
- analyst: reads and searches everything, records outcomes, rules on links, exports.
- reviewer: reads and searches everything; changes nothing.
- partner: a partner force; reads persons, referrals and figures of its own countries only,
  and records outcomes there. No material queue, no link decisions, no audit.
- auditor: the audit log, and nothing of the case itself (separation of duties).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from rescue.web.csrf import SAFE_METHODS, check_csrf
from rescue.web.principal import Principal, current_principal
from rescue.web.problems import ForbiddenError

PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard.read": frozenset({"admin", "analyst", "reviewer", "partner"}),
    "persons.read": frozenset({"admin", "analyst", "reviewer", "partner"}),
    "persons.export": frozenset({"admin", "analyst", "partner"}),
    "queue.read": frozenset({"admin", "analyst", "reviewer"}),
    "referrals.read": frozenset({"admin", "analyst", "reviewer", "partner"}),
    "outcomes.write": frozenset({"admin", "analyst", "partner"}),
    "decisions.read": frozenset({"admin", "analyst", "reviewer"}),
    "decisions.write": frozenset({"admin", "analyst"}),
    "audit.read": frozenset({"admin", "auditor"}),
    "hotline.read": frozenset({"admin", "analyst", "reviewer"}),
    "hotline.write": frozenset({"admin", "analyst"}),
    "account.self": frozenset({"admin", "analyst", "reviewer", "partner", "auditor"}),
}


def can(principal: Principal, permission: str) -> bool:
    return principal.role in PERMISSIONS[permission]


def allow(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the signed-in principal, if its role holds ``permission``; else 403.

    Every unsafe method (POST...) also needs the session's CSRF token, so no write route can
    forget it. The permission is kept on the function so the authorisation matrix test can
    read which permission each route declared.
    """
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if not can(principal, permission):
            raise ForbiddenError(principal, permission, request.url.path)
        if request.method not in SAFE_METHODS:
            await check_csrf(request, principal.csrf_token)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
