"""Persons: the searchable list, one person's page, its network, and the JSON export.

Every search is an audit event (the terms and filters, and how many persons matched), every
person opened is one (``read_person``), and so is every export. The list answers HTMX's
partial requests with the results table alone, so typing in the search box needs no reload.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup

from rescue.identity.persons_export import iter_persons
from rescue.views.neighbourhood import neighbourhood
from rescue.views.neighbourhood_svg import neighbourhood_svg
from rescue.views.persons import PersonPage, PersonQuery, list_persons, with_page
from rescue.web.access import allow
from rescue.web.auditing import audit
from rescue.web.principal import Principal
from rescue.web.problems import NotFoundError
from rescue.web.scoped import scoped_person
from rescue.web.state import app_state

router = APIRouter()
Viewer = Annotated[Principal, Depends(allow("persons.read"))]
Exporter = Annotated[Principal, Depends(allow("persons.export"))]
PersonId = Annotated[str, Path(min_length=1, max_length=200)]
Text = Annotated[str, Query(max_length=200)]
Code = Annotated[str, Query(max_length=20)]


def _search(request: Request, principal: Principal) -> PersonPage:
    query = PersonQuery.from_params(dict(request.query_params))
    page = list_persons(app_state(request).reader, query, principal.scope)
    filters = {k: v for k, v in query.to_dict().items() if v not in (None, "")}
    audit(request, principal, "search", target="persons",
          detail={"query": filters, "matched": page.total})  # fmt: skip
    return page


def _read(request: Request, principal: Principal, person_id: str) -> Any:
    person = scoped_person(request, principal, person_id, casework=True)
    audit(request, principal, "read_person", target=person_id)
    return person


@router.get("/persons", include_in_schema=False)
def persons_page(request: Request, principal: Viewer) -> Response:
    page = _search(request, principal)
    pages = {
        "previous": with_page(page.query, page.page - 1) if page.page > 1 else None,
        "next": with_page(page.query, page.page + 1) if page.page < page.pages else None,
    }
    context = {"title": "Persons", "result": page, "links": pages}
    partial = request.headers.get("hx-request") == "true"
    template = "persons_results.html.j2" if partial else "persons.html.j2"
    return app_state(request).templates.TemplateResponse(request, template, context)


@router.get("/persons/{person_id}", include_in_schema=False)
def person_page(request: Request, principal: Viewer, person_id: PersonId) -> Response:
    person = _read(request, principal, person_id)
    hood = neighbourhood(app_state(request).reader, person_id, principal.scope)
    svg = Markup(neighbourhood_svg(hood)) if hood is not None else None
    context = {"title": person.summary.label, "person": person, "network_svg": svg}
    return app_state(request).templates.TemplateResponse(request, "person.html.j2", context)


@router.get("/persons/{person_id}/network.svg", include_in_schema=False)
def person_network_svg(request: Request, principal: Viewer, person_id: PersonId) -> Response:
    hood = neighbourhood(app_state(request).reader, person_id, principal.scope)
    if hood is None:
        raise NotFoundError("person")
    return Response(neighbourhood_svg(hood), media_type="image/svg+xml")


@router.get("/api/persons", tags=["persons"])
def persons(
    request: Request, principal: Viewer, q: Text = "", country: Code = "", tier: Code = "",
    role: Code = "", community: Annotated[int | None, Query(ge=-1)] = None,
    sort: Code = "rank", order: Code = "", page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    """Search and filter persons (a partner: its countries only), one page at a time."""
    return _search(request, principal).to_dict()


@router.get("/api/persons/{person_id}", tags=["persons"])
def person(request: Request, principal: Viewer, person_id: PersonId) -> dict[str, Any]:
    """One person with accounts, identifiers, evidence, links, priority, network and outcomes."""
    detail: dict[str, Any] = _read(request, principal, person_id).to_dict()
    return detail


@router.get("/api/persons/{person_id}/neighbourhood", tags=["persons"])
def person_neighbourhood(
    request: Request, principal: Viewer, person_id: PersonId,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> dict[str, Any]:  # fmt: skip
    """The person's heaviest ties; persons outside a partner's countries are not named."""
    hood = neighbourhood(app_state(request).reader, person_id, principal.scope, limit=limit)
    if hood is None:
        raise NotFoundError("person")
    return hood.to_dict()


@router.get("/persons.jsonl", tags=["persons"])
def export_persons(request: Request, principal: Exporter) -> StreamingResponse:
    """Every person in scope as JSON Lines (the ``rescue export persons`` contract)."""
    state = app_state(request)
    state.case.require_table("persons")
    scope = principal.scope

    def lines() -> Iterator[str]:
        count = 0
        for item in iter_persons(state.case):
            if scope.allows(item.get("country")):
                count += 1
                yield json.dumps(item, ensure_ascii=False, sort_keys=True, default=str) + "\n"
        audit(request, principal, "export", target="persons.jsonl",
              detail={"what": "persons", "count": count})  # fmt: skip

    headers = {"Content-Disposition": 'attachment; filename="persons.jsonl"'}
    return StreamingResponse(lines(), media_type="application/x-ndjson", headers=headers)
