"""Routes by area. A new area's router is added to ``ROUTERS``; the authorisation matrix
test then walks its routes for every role."""

from __future__ import annotations

from fastapi import APIRouter

from rescue.web.routes import (
    account,
    audit,
    auth,
    dashboard,
    decisions,
    hotline,
    operation,
    persons,
    queue,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    account.router,
    dashboard.router,
    persons.router,
    queue.router,
    operation.router,
    decisions.router,
    audit.router,
    hotline.router,
]
