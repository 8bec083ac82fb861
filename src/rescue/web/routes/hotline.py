"""The hotline: report URLs, follow them to removal, and see time-to-removal honestly.

Reports go through the same core as ``rescue hotline report`` (canonical URL, joined to a URL
already known). The statistics page shows Kaplan-Meier figures, open URLs counted as still
online, beside the naive mean over removed URLs only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from rescue.hotline.charts import survival_chart_svg, trend_chart_svg
from rescue.hotline.reports import list_urls, submit_report
from rescue.hotline.stats import hotline_stats, monthly_trend
from rescue.web.access import allow
from rescue.web.principal import Principal
from rescue.web.state import app_state

router = APIRouter()
Reader = Annotated[Principal, Depends(allow("hotline.read"))]
Writer = Annotated[Principal, Depends(allow("hotline.write"))]
States = ("open", "removed", "confirmed")


class ReportIn(BaseModel):
    url: str = Field(min_length=1, max_length=4000, examples=["https://host.example/page"])
    reporter: str | None = Field(default=None, max_length=200)  # None: anonymous
    notes: str = Field(default="", max_length=4000)


def _submit(request: Request, principal: Principal, body: ReportIn, channel: str) -> Any:
    state = app_state(request)
    return submit_report(
        state.case, body.url, reporter=body.reporter or None, notes=body.notes, channel=channel,
        actor=principal.username, source=principal.source, now=state.settings.clock(),
    )  # fmt: skip


@router.get("/hotline", include_in_schema=False)
def hotline_page(
    request: Request, principal: Reader,
    state: Annotated[str | None, Query(pattern="^(open|removed|confirmed)$")] = None,
) -> Response:  # fmt: skip
    app = app_state(request)
    now = app.settings.clock()
    stats = hotline_stats(app.case, now=now)
    charts = {
        "survival": Markup(survival_chart_svg(stats)),
        "trend": Markup(trend_chart_svg(monthly_trend(app.case, now=now))),
    }
    context = {"title": "Hotline", "stats": stats.as_dict(), "charts": charts, "state": state,
               "urls": list_urls(app.case, state=state, limit=500)}  # fmt: skip
    return app.templates.TemplateResponse(request, "hotline.html.j2", context)


@router.post("/hotline/reports", include_in_schema=False)
def report_form(
    request: Request,
    principal: Writer,
    url: Annotated[str, Form(min_length=1, max_length=4000)],
    reporter: Annotated[str, Form(max_length=200)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _submit(request, principal, ReportIn(url=url, reporter=reporter or None, notes=notes), "web")
    return RedirectResponse("/hotline", status_code=303)


@router.post("/api/hotline/reports", status_code=201, tags=["hotline"])
def report(request: Request, principal: Writer, body: ReportIn) -> dict[str, Any]:
    """Report a URL; a URL known already (after canonicalisation) gets the report added."""
    return asdict(_submit(request, principal, body, "api"))


@router.get("/api/hotline/urls", tags=["hotline"])
def urls(
    request: Request, principal: Reader,
    state: Annotated[str | None, Query(pattern="^(open|removed|confirmed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
) -> list[dict[str, Any]]:  # fmt: skip
    """Reported URLs with their verdict, state, hosting and every stage's time."""
    return [u.as_dict() for u in list_urls(app_state(request).case, state=state, limit=limit)]


@router.get("/api/hotline/stats", tags=["hotline"])
def stats(request: Request, principal: Reader) -> dict[str, Any]:
    """Counts and time-to-removal figures (Kaplan-Meier, open URLs censored)."""
    app = app_state(request)
    figures: dict[str, Any] = hotline_stats(app.case, now=app.settings.clock()).as_dict()
    return figures
