"""A person's referrals and outcomes, from the operations database, as the person page shows them.

Read live on every call (never from the read model): an arrest recorded a second ago shows on
the next page load. A partner sees the referrals to its own countries and the outcomes recorded
there; who recorded an outcome (an analyst's user name) is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from rescue.operation.fields import utc
from rescue.ops.models import Outcome, OutcomeRetraction, Referral, ReferralPerson
from rescue.views.reader import Reader
from rescue.views.records import Record
from rescue.views.scope import Scope


@dataclass(frozen=True)
class ReferralStatus(Record):
    referral_id: str
    country: str
    status: str  # draft | sent | received | acknowledged
    created_at: str
    sent_at: str | None
    received_at: str | None
    acknowledged_at: str | None
    rank: int | None  # the person's rank when the referral was made
    flagged_duplicate: bool


@dataclass(frozen=True)
class OutcomeEntry(Record):
    id: int
    kind: str  # identified | arrested | charged | convicted | safeguarded
    count: int  # children, for safeguarded; else 1
    date: str
    country: str | None
    referral_id: str | None
    note: str
    recorded_at: str
    retracted: bool
    retraction_reason: str | None


@dataclass(frozen=True)
class Casework(Record):
    referrals: tuple[ReferralStatus, ...]
    outcomes: tuple[OutcomeEntry, ...]  # in the order recorded, retracted ones marked


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


# Built once: one connection and two plain selects per page, no ORM session. The session and
# the objects ``list_outcomes`` builds cost ten times what the rest of the person page does.
_REFERRALS = (
    select(Referral.__table__, ReferralPerson.rank, ReferralPerson.flagged_duplicate)
    .join(ReferralPerson, ReferralPerson.referral_id == Referral.id)
    .where(ReferralPerson.person_id == bindparam("person"))
    .order_by(Referral.created_at, Referral.id)
)
_OUTCOMES = (
    select(Outcome.__table__, OutcomeRetraction.reason.label("retraction_reason"))
    .outerjoin(OutcomeRetraction, OutcomeRetraction.outcome_id == Outcome.id)
    .where(Outcome.person_id == bindparam("person"))
    .order_by(Outcome.id)
)


def person_casework(reader: Reader, person_id: str, scope: Scope) -> Casework:
    with reader.store.engine.connect() as conn:
        sent = conn.execute(_REFERRALS, {"person": person_id}).mappings().all()
        reported = conn.execute(_OUTCOMES, {"person": person_id}).mappings().all()
    return Casework(
        referrals=tuple(
            ReferralStatus(
                referral_id=r["id"],
                country=r["country"],
                status=r["status"],
                created_at=utc(r["created_at"]).isoformat(),
                sent_at=_iso(r["sent_at"]),
                received_at=_iso(r["received_at"]),
                acknowledged_at=_iso(r["acknowledged_at"]),
                rank=r["rank"],
                flagged_duplicate=bool(r["flagged_duplicate"]),
            )
            for r in sent
            if scope.allows(r["country"])
        ),
        outcomes=tuple(
            OutcomeEntry(
                id=o["id"],
                kind=o["kind"],
                count=o["count"],
                date=o["event_date"].isoformat(),
                country=o["country"],
                referral_id=o["referral_id"],
                note=o["note"],
                recorded_at=utc(o["recorded_at"]).isoformat(),
                retracted=o["retraction_reason"] is not None,
                retraction_reason=o["retraction_reason"],
            )
            for o in reported
            if scope.allows(o["country"])
        ),
    )
