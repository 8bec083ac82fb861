"""Referrals and outcomes: the register a partner force follows, and arrests recorded.

A partner sees only its countries' referrals; a referral of another country answers 404.
Recording an outcome checks the person is in the user's scope first (the same 404 otherwise);
the outcome's country is the person's, so a partner cannot book an arrest elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from rescue.errors import InputError
from rescue.operation.outcomes import list_outcomes, record_outcome
from rescue.operation.referrals import ReferralRecord, get_referral, list_referrals
from rescue.web.access import allow
from rescue.web.auditing import audit
from rescue.web.principal import Principal
from rescue.web.problems import NotFoundError
from rescue.web.scoped import scoped_person
from rescue.web.state import app_state

router = APIRouter()
Referrals = Annotated[Principal, Depends(allow("referrals.read"))]
Recorder = Annotated[Principal, Depends(allow("outcomes.write"))]
ReferralId = Annotated[str, Path(min_length=1, max_length=64)]
PersonId = Annotated[str, Path(min_length=1, max_length=200)]
Kind = Literal["identified", "arrested", "charged", "convicted", "safeguarded"]


class OutcomeIn(BaseModel):
    person_id: str = Field(min_length=1, max_length=200)
    kind: Kind
    count: int = Field(default=1, ge=1, le=1000)
    date: dt.date
    note: str = Field(default="", max_length=2000)
    referral_id: str | None = Field(default=None, max_length=64)


def _visible(request: Request, principal: Principal) -> list[ReferralRecord]:
    referrals = list_referrals(app_state(request).case)
    return [r for r in referrals if principal.scope.allows(r.country)]


def _referral(request: Request, principal: Principal, referral_id: str) -> ReferralRecord:
    try:
        referral = get_referral(app_state(request).case, referral_id)
    except InputError:
        raise NotFoundError("referral") from None
    if not principal.scope.allows(referral.country):
        raise NotFoundError("referral")
    audit(
        request,
        principal,
        "read_referral",
        target=referral_id,
        detail={"country": referral.country},
    )
    return referral


def _record_outcome(request: Request, principal: Principal, body: OutcomeIn) -> dict[str, Any]:
    scoped_person(request, principal, body.person_id)
    outcome = record_outcome(
        app_state(request).case, body.person_id, body.kind, count=body.count, date=body.date,
        referral_id=body.referral_id or None, note=body.note, recorded_by=principal.username,
        source=principal.source,
    )  # fmt: skip
    return asdict(outcome)


@router.get("/referrals", include_in_schema=False)
def referrals_page(request: Request, principal: Referrals) -> Response:
    context = {"title": "Referrals", "referrals": _visible(request, principal)}
    return app_state(request).templates.TemplateResponse(request, "referrals.html.j2", context)


@router.get("/referrals/{referral_id}", include_in_schema=False)
def referral_page(request: Request, principal: Referrals, referral_id: ReferralId) -> Response:
    referral = _referral(request, principal, referral_id)
    context = {"title": f"Referral {referral.id}", "referral": referral}
    return app_state(request).templates.TemplateResponse(request, "referral.html.j2", context)


@router.get("/api/referrals", tags=["referrals"])
def referrals(request: Request, principal: Referrals) -> list[dict[str, Any]]:
    """The referral register (oldest first), limited to a partner's countries."""
    return [asdict(r) for r in _visible(request, principal)]


@router.get("/api/referrals/{referral_id}", tags=["referrals"])
def referral(request: Request, principal: Referrals, referral_id: ReferralId) -> dict[str, Any]:
    """One referral with its persons and status dates."""
    return asdict(_referral(request, principal, referral_id))


@router.post("/persons/{person_id}/outcomes", include_in_schema=False)
def add_outcome_form(
    request: Request,
    principal: Recorder,
    person_id: PersonId,
    kind: Annotated[Kind, Form()],
    date: Annotated[dt.date, Form()],
    count: Annotated[int, Form(ge=1, le=1000)] = 1,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    body = OutcomeIn(person_id=person_id, kind=kind, count=count, date=date, note=note)
    _record_outcome(request, principal, body)
    return RedirectResponse(f"/persons/{person_id}#outcomes", status_code=303)


@router.post("/api/outcomes", status_code=201, tags=["outcomes"])
def add_outcome(request: Request, principal: Recorder, body: OutcomeIn) -> dict[str, Any]:
    """Record an identification, arrest, charge, conviction or children safeguarded."""
    return _record_outcome(request, principal, body)


@router.get("/api/outcomes", tags=["outcomes"])
def outcomes(
    request: Request,
    principal: Referrals,
    person_id: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Outcomes recorded (retracted ones marked), limited to a partner's countries."""
    rows = list_outcomes(app_state(request).case, person_id)
    return [asdict(o) for o in rows if principal.scope.allows(o.country)]
