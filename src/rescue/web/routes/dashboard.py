"""The operation dashboard: headline figures, figures by country, and charts drawn as SVG."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from rescue.views import charts
from rescue.views.dashboard import dashboard
from rescue.web.access import allow
from rescue.web.principal import Principal
from rescue.web.state import app_state

router = APIRouter()
Viewer = Annotated[Principal, Depends(allow("dashboard.read"))]


@router.get("/", include_in_schema=False)
def dashboard_page(request: Request, principal: Viewer) -> Response:
    board = dashboard(app_state(request).case, principal.scope)
    svg = {
        "activity": charts.activity_chart(board.lake.activity),
        "countries": charts.persons_by_country_chart(board.lake.persons_by_country),
        "tiers": charts.tiers_chart(board.lake.persons_by_tier),
    }
    if board.lake.material is not None:
        svg["material"] = charts.material_chart(board.lake.material)
    # vl-convert escapes every label and emits no script or style (tests/views/test_charts.py).
    context = {
        "title": "Dashboard",
        "board": board,
        "charts": {k: Markup(v) for k, v in svg.items()},
    }
    return app_state(request).templates.TemplateResponse(request, "dashboard.html.j2", context)


@router.get("/api/dashboard", tags=["figures"])
def dashboard_data(request: Request, principal: Viewer) -> dict[str, Any]:
    """Everything the dashboard shows, limited to a partner's countries."""
    return dashboard(app_state(request).case, principal.scope).as_dict()


@router.get("/api/figures", tags=["figures"])
def figures(request: Request, principal: Viewer) -> dict[str, Any]:
    """The operation's figures by country and in total (a partner: its countries only)."""
    board = dashboard(app_state(request).case, principal.scope)
    return {
        "countries": [asdict(f) for f in board.figures],
        "total": asdict(board.total),
        "countries_involved": board.headline.countries_involved,
    }
