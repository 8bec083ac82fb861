"""The app factory: one case, one settings object, no state at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rescue.case import open_case
from rescue.security.audit_writer import AuditWriter
from rescue.views import charts
from rescue.views.reader import Reader
from rescue.web import headers, problems
from rescue.web.routes import ROUTERS
from rescue.web.scheduler import hotline_scheduler
from rescue.web.settings import WebSettings
from rescue.web.state import AppState
from rescue.web.templating import make_templates

STATIC = Path(__file__).parent / "static"


def create_app(settings: WebSettings) -> FastAPI:
    case = open_case(settings.case_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        charts.warm_up()  # vl-convert's JavaScript runtime starts in ~1 s: not on a user's click
        # The read model of a new lake takes seconds to build: before the first page, not in it.
        await asyncio.to_thread(state.reader.model)
        try:
            every = settings.hotline_every_seconds
            async with hotline_scheduler(case, settings.clock, every, state.hotline):
                yield
        finally:
            state.audit.close()
            state.reader.close()
            case.close()

    app = FastAPI(
        title="Rescue",
        summary="Persons, countries, priorities, referrals and outcomes of one operation.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI needs inline scripts and a CDN: the CSP forbids both
        redoc_url=None,
        lifespan=lifespan,
    )
    state = AppState(settings, case, Reader(case), make_templates(), AuditWriter(case))
    app.state.rescue = state
    problems.install(app)
    headers.install(app, https=settings.https)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
