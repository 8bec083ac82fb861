"""Outcomes: what partner forces report back, per person, as append-only history.

Kinds: identified, arrested, charged, convicted, and safeguarded (``count`` children). A wrong
entry is never edited or deleted; the database refuses both. It is withdrawn by a retraction
(who, when, why), at most once, and a corrected entry is recorded as a new outcome. The figures
leave retracted outcomes out, and the history keeps both, so an auditor can follow every figure
ever reported back to the rows it came from.

An outcome's country is the one given, else its referral's, else where the person was attributed
when it was recorded: where the event happened, for the figures by country.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation import fields
from rescue.operation.lake import person_countries, require_persons
from rescue.operation.referrals import get_referral
from rescue.ops.models import Outcome, OutcomeRetraction
from rescue.security.audit import append

KINDS = ("identified", "arrested", "charged", "convicted", "safeguarded")
COUNTED = "safeguarded"  # the one kind whose count is a number of children


@dataclass(frozen=True)
class Retraction:
    reason: str
    retracted_by: str
    retracted_at: dt.datetime


@dataclass(frozen=True)
class OutcomeRecord:
    id: int
    person_id: str
    kind: str
    count: int
    date: dt.date  # when it happened
    country: str | None
    referral_id: str | None
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    retraction: Retraction | None  # set when the entry was withdrawn

    @property
    def retracted(self) -> bool:
        return self.retraction is not None


def record_outcome(
    case: Case,
    person_id: str,
    kind: str,
    *,
    count: int = 1,
    date: dt.date,
    country: str | None = None,
    referral_id: str | None = None,
    note: str = "",
    recorded_by: str,
    source: str = "cli",
) -> OutcomeRecord:
    """Record one outcome; an ``outcome`` audit event commits with it (``source``: IP or cli)."""
    if kind not in KINDS:
        raise InputError(f"unknown outcome {kind!r}", f"use one of: {', '.join(KINDS)}")
    if count < 1:
        raise InputError(f"count {count} is less than 1", "give how many, 1 or more")
    if count != 1 and kind != COUNTED:
        raise InputError(
            f"count {count} given for {kind!r}",
            f"count is the number of children for {COUNTED!r}; record one {kind} per person",
        )
    day = fields.not_future_date(date, "the date")
    who = fields.name(recorded_by, "who records the outcome")
    require_persons(case, [person_id])
    place = fields.optional_country(country)
    if referral_id is not None:
        referral = get_referral(case, referral_id)
        if person_id not in {p.person_id for p in referral.persons}:
            raise InputError(
                f"{person_id} is not in referral {referral_id}",
                "give the referral the person was sent in, or leave --referral out",
            )
        place = place or referral.country
    if place is None:
        place = person_countries(case).get(person_id)
    row = Outcome(
        person_id=person_id,
        referral_id=referral_id,
        kind=kind,
        count=count,
        event_date=day,
        country=place,
        note=note.strip(),
        recorded_by=who,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    with case.store.session() as session:
        session.add(row)
        session.flush()
        detail = {"op": "record", "id": row.id, "kind": kind, "count": count, "country": place}
        append(session, who, "outcome", target=person_id, detail=detail, source=source)
    return _record(row, None)


def retract_outcome(
    case: Case, outcome_id: int, *, reason: str, retracted_by: str, source: str = "cli"
) -> OutcomeRecord:
    """Withdraw an outcome; it stays in the history, marked, and leaves the figures."""
    why = fields.name(reason, "the reason for the retraction")
    who = fields.name(retracted_by, "who retracts the outcome")
    twice = InputError(
        f"outcome {outcome_id} is retracted already",
        "record the corrected outcome with: rescue outcome add",
    )
    try:
        with case.store.session() as session:
            row = session.get(Outcome, outcome_id)
            if row is None:
                raise InputError(
                    f"no outcome {outcome_id} in this case",
                    "list the outcomes with: rescue outcome list --case CASE_DIR",
                )
            if _retractions(session, [outcome_id]):
                raise twice
            retraction = OutcomeRetraction(
                outcome_id=outcome_id,
                reason=why,
                retracted_by=who,
                retracted_at=dt.datetime.now(dt.UTC),
            )
            session.add(retraction)
            session.flush()
            detail = {"op": "retract", "id": outcome_id, "reason": why}
            append(session, who, "outcome", target=row.person_id, detail=detail, source=source)
    except IntegrityError:  # another analyst retracted it in the meantime
        raise twice from None
    return _record(row, retraction)


def list_outcomes(
    case: Case, person_id: str | None = None, *, include_retracted: bool = True
) -> list[OutcomeRecord]:
    """Outcomes in the order they were recorded."""
    query = select(Outcome).order_by(Outcome.id)
    if person_id is not None:
        query = query.where(Outcome.person_id == person_id)
    with case.store.session() as session:
        rows = list(session.scalars(query))
        withdrawn = _retractions(session, [r.id for r in rows])
    records = [_record(row, withdrawn.get(row.id)) for row in rows]
    return [r for r in records if include_retracted or not r.retracted]


def outcomes_for(case: Case, person_id: str) -> list[OutcomeRecord]:
    """One person's outcomes, retracted ones included and marked."""
    return list_outcomes(case, person_id)


def _retractions(session: Session, outcome_ids: list[int]) -> dict[int, OutcomeRetraction]:
    if not outcome_ids:
        return {}
    query = select(OutcomeRetraction)
    if len(outcome_ids) < 1000:  # past that, reading them all beats a huge IN list
        query = query.where(OutcomeRetraction.outcome_id.in_(outcome_ids))
    return {r.outcome_id: r for r in session.scalars(query)}


def _record(row: Outcome, retraction: OutcomeRetraction | None) -> OutcomeRecord:
    withdrawn = None
    if retraction is not None:
        withdrawn = Retraction(
            retraction.reason, retraction.retracted_by, fields.utc(retraction.retracted_at)
        )
    return OutcomeRecord(
        id=row.id,
        person_id=row.person_id,
        kind=row.kind,
        count=row.count,
        date=row.event_date,
        country=row.country,
        referral_id=row.referral_id,
        note=row.note,
        recorded_by=row.recorded_by,
        recorded_at=fields.utc(row.recorded_at),
        retraction=withdrawn,
    )
