"""The new-material queue for victim identification: metadata and spread, never the media."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from rescue.views.queue import QueueItem, material_queue, queue_item
from rescue.web.access import allow
from rescue.web.auditing import audit
from rescue.web.principal import Principal
from rescue.web.problems import NotFoundError
from rescue.web.state import app_state

router = APIRouter()
Viewer = Annotated[Principal, Depends(allow("queue.read"))]
ClusterId = Annotated[str, Path(min_length=1, max_length=200)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]


def _item(request: Request, principal: Principal, cluster_id: str) -> QueueItem:
    item = queue_item(app_state(request).reader, cluster_id)
    if item is None:
        raise NotFoundError("queue item")
    audit(request, principal, "read_queue_item", target=cluster_id)
    return item


@router.get("/queue", include_in_schema=False)
def queue_page(request: Request, principal: Viewer, page: Page = 1) -> Response:
    result = material_queue(app_state(request).reader, page=page)
    context = {"title": "New material", "result": result}
    return app_state(request).templates.TemplateResponse(request, "queue.html.j2", context)


@router.get("/queue/{cluster_id}", include_in_schema=False)
def queue_item_page(request: Request, principal: Viewer, cluster_id: ClusterId) -> Response:
    item = _item(request, principal, cluster_id)
    context = {"title": f"Cluster {cluster_id}", "item": item}
    return app_state(request).templates.TemplateResponse(request, "queue_item.html.j2", context)


@router.get("/api/queue", tags=["queue"])
def queue(
    request: Request, principal: Viewer, page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    """Unknown media grouped into near-duplicate clusters, in victim-identification order."""
    return material_queue(app_state(request).reader, page=page, per_page=per_page).to_dict()


@router.get("/api/queue/{cluster_id}", tags=["queue"])
def queue_cluster(request: Request, principal: Viewer, cluster_id: ClusterId) -> dict[str, Any]:
    """One cluster: its files as hashes and sizes, where each was posted, by whom."""
    result: dict[str, Any] = _item(request, principal, cluster_id).to_dict()
    return result
