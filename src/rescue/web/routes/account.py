"""The signed-in user's own account, as the API reports it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from rescue.web.access import PERMISSIONS, allow
from rescue.web.principal import Principal

router = APIRouter()


class Me(BaseModel):
    username: str
    role: str
    countries: list[str]
    permissions: list[str]
    # For API clients' X-CSRF-Token header; other sites cannot read this answer (same origin).
    csrf_token: str


@router.get("/api/me", response_model=Me, tags=["account"])
def me(principal: Annotated[Principal, Depends(allow("account.self"))]) -> Me:
    """Who is signed in, in which role, scoped to which countries, allowed to do what."""
    allowed = sorted(p for p, roles in PERMISSIONS.items() if principal.role in roles)
    return Me(
        username=principal.username,
        role=principal.role,
        countries=list(principal.user.countries),
        permissions=allowed,
        csrf_token=principal.csrf_token,
    )
