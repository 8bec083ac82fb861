"""Analysts' rulings on account pairs, kept in the operations database, applied on every run.

A ruling names two accounts ("source:user_id") and says they are the same person or not. The
link stage reads the latest ruling per pair and lets it win over the model and over the hard
identifiers: a wrong merge sends an innocent person's data abroad, so a "different" ruling is
never overridden by anything but a later ruling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from rescue.case import Case
from rescue.errors import InputError
from rescue.ops.models import LinkDecision
from rescue.security.audit import append

RULINGS = ("same", "different")


@dataclass(frozen=True)
class Ruling:
    account_a: str
    account_b: str
    decision: str  # same | different
    analyst: str
    reason: str
    decided_at: datetime


def _pair(a: str, b: str) -> tuple[str, str]:
    for account in (a, b):
        source, _, user_id = account.partition(":")
        if not source or not user_id:
            raise InputError(
                f"{account!r} is not an account id", 'give accounts as "source:user_id"'
            )
    if a == b:
        raise InputError(f"both accounts are {a}", "a ruling needs two different accounts")
    return (a, b) if a < b else (b, a)


def record_ruling(
    case: Case,
    a: str,
    b: str,
    decision: str,
    *,
    analyst: str,
    reason: str,
    source: str = "cli",
) -> Ruling:
    """Store a ruling; it takes effect on the next run of the link stage. Audited."""
    if decision not in RULINGS:
        raise InputError(f"unknown ruling {decision!r}", f"use one of: {', '.join(RULINGS)}")
    if not reason.strip():
        raise InputError("a ruling needs a reason", "say why, e.g. --reason 'different e-mails'")
    first, second = _pair(a, b)
    row = LinkDecision(
        account_a=first,
        account_b=second,
        decision=decision,
        analyst=analyst,
        reason=reason.strip(),
        decided_at=datetime.now(UTC),
    )
    with case.store.session() as session:
        session.add(row)
        detail = {"decision": decision, "reason": row.reason}
        append(
            session, analyst, "decision", target=f"{first} {second}", detail=detail, source=source
        )
    return _ruling(row)


def current_rulings(case: Case) -> list[Ruling]:
    """The latest ruling per pair, oldest pair first."""
    with case.store.session() as session:
        rows = session.scalars(select(LinkDecision).order_by(LinkDecision.id)).all()
    latest: dict[tuple[str, str], LinkDecision] = {}
    for row in rows:
        latest[(row.account_a, row.account_b)] = row
    return [_ruling(row) for row in latest.values()]


def _ruling(row: LinkDecision) -> Ruling:
    decided = row.decided_at
    if decided.tzinfo is None:  # SQLite hands back naive times; they were written in UTC
        decided = decided.replace(tzinfo=UTC)
    return Ruling(row.account_a, row.account_b, row.decision, row.analyst, row.reason, decided)
