"""The tamper-evident audit log: every event carries the SHA-256 of the one before.

An event's hash covers a canonical JSON of its id, time (ISO, UTC), actor, source, action,
target, result, detail and ``prev_hash``; the first event's ``prev_hash`` is 64 zeros. So an
edited event no longer matches its hash, a deleted one leaves a gap in the ids, and events
moved or re-chained no longer point at their predecessor. ``verify_chain`` names each.

Appending reads the last event and writes the next one, so two writers must not interleave:
the writer takes a lock first (see ``_lock_for_append``). The chain alone cannot show that the
newest events were cut off; that needs the last hash kept somewhere else.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import insert, select, text

from rescue.errors import InputError
from rescue.ops.models import AuditEvent

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

    from rescue.case import Case

GENESIS = "0" * 64
_AUDIT_TABLE = cast("Table", AuditEvent.__table__)
RESULTS = ("ok", "denied", "failed")
# Words that mark a secret in a detail key ("new_password", "totpCode", "api-token"...).
SECRET_WORDS = frozenset({"password", "passwd", "token", "secret", "code", "otp", "totp"})
_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*")


@dataclass(frozen=True)
class AuditEventRecord:
    id: int
    at: datetime
    actor: str
    source: str
    action: str
    target: str
    result: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    problems: list[str]
    head_id: int = 0  # the newest event; its hash, kept elsewhere, exposes later deletions
    head_hash: str = GENESIS


def utc(moment: datetime) -> datetime:
    """A moment in UTC; SQLite hands back naive datetimes, which were written as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def check_detail(detail: Any, path: str = "detail") -> None:
    """Refuse a detail that has a key naming a password, token, secret or code, at any depth."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            words = {w.lower() for w in _WORD.findall(str(key))}
            if words & SECRET_WORDS:
                raise InputError(
                    f"audit {path} has a key {key!r} that may hold a secret",
                    "never put passwords, tokens, secrets or codes in the audit log",
                )
            check_detail(value, f"{path}.{key}")
    elif isinstance(detail, list | tuple):
        for item in detail:
            check_detail(item, path)


def _canonical_time(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    source: str,
    action: str,
    target: str,
    result: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    body = {
        "id": id,
        "at": _canonical_time(at),
        "actor": actor,
        "source": source,
        "action": action,
        "target": target,
        "result": result,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The columns a hash covers: every one but the hash itself.
HASHED = ("id", "at", "actor", "source", "action", "target", "result", "detail", "prev_hash")


def _hash_of(row: AuditEvent) -> str:
    return event_hash(**{name: getattr(row, name) for name in HASHED})


def _as_record(row: AuditEvent) -> AuditEventRecord:
    fields = {name: getattr(row, name) for name in HASHED}
    return AuditEventRecord(**{**fields, "at": utc(row.at)}, hash=row.hash)


def _lock_for_append(session: Session) -> None:
    """Hold the audit table for writing until the transaction ends; readers are not blocked.

    PostgreSQL: EXCLUSIVE mode conflicts with every writer but not with plain SELECTs.
    SQLite: a write statement (matching no row) takes the database's write lock before the
    last event is read, so a second writer waits (busy_timeout) instead of failing later.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
    else:
        session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


@dataclass(frozen=True)
class NewEvent:
    """An event to append; ``at`` None means when it is written."""

    actor: str
    action: str
    target: str = ""
    result: str = "ok"
    detail: dict[str, Any] | None = None
    source: str = "cli"
    at: datetime | None = None


def _checked(event: NewEvent) -> tuple[NewEvent, dict[str, Any]]:
    if event.result not in RESULTS:
        raise InputError(f"audit result {event.result!r} is not one of {', '.join(RESULTS)}")
    detail = dict(event.detail or {})
    check_detail(detail)
    # A JSON round trip: the hash must cover what the database will give back.
    return event, json.loads(json.dumps(detail, sort_keys=True))


def append_many(session: Session, events: list[NewEvent]) -> list[AuditEventRecord]:
    """Add events in order inside the caller's transaction: one lock, one read of the newest
    event, one insert, however many events (the web app's group commit writes many)."""
    checked = [_checked(e) for e in events]  # every event valid, or none is written
    _lock_for_append(session)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_id, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
    rows: list[dict[str, Any]] = []
    written = utc(datetime.now(UTC))
    for event, detail in checked:
        prev_id += 1
        fields: dict[str, Any] = dict(
            id=prev_id,
            at=utc(event.at) if event.at else written,
            actor=event.actor,
            source=event.source,
            action=event.action,
            target=event.target,
            result=event.result,
            detail=detail,
            prev_hash=prev_hash,
        )
        prev_hash = event_hash(**fields)
        rows.append({**fields, "hash": prev_hash})
    if rows:
        session.execute(insert(_AUDIT_TABLE), rows)  # Core: no ORM objects to build
    return [AuditEventRecord(**row) for row in rows]


def append(
    session: Session,
    actor: str,
    action: str,
    *,
    target: str = "",
    result: str = "ok",
    detail: dict[str, Any] | None = None,
    source: str = "cli",
    now: datetime | None = None,
) -> AuditEventRecord:
    """Add an event inside the caller's transaction, so it commits with what it records."""
    [event] = append_many(session, [NewEvent(actor, action, target, result, detail, source, now)])
    return event


def record(
    case: Case,
    actor: str,
    action: str,
    *,
    target: str = "",
    result: str = "ok",
    detail: dict[str, Any] | None = None,
    source: str = "cli",
) -> AuditEventRecord:
    """Write one audit event in its own transaction."""
    with case.store.session() as session:
        return append(
            session, actor, action, target=target, result=result, detail=detail, source=source
        )


def verify_chain(case: Case, expect_head: str | None = None) -> ChainReport:
    """Recompute every hash and link; name each edited, missing or out-of-place event.

    A chain cannot show that its newest events were deleted: nothing after them points back.
    ``expect_head`` is a hash an auditor noted earlier (``rescue audit verify`` prints it); it
    must still be in the chain, else events were removed from the end or the log replaced.
    """
    problems: list[str] = []
    count = 0
    prev_id, prev_hash = 0, GENESIS
    seen_expected = expect_head is None
    with case.store.session() as session:
        for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            count += 1
            seen_expected = seen_expected or row.hash == expect_head
            if _hash_of(row) != row.hash:
                problems.append(f"event {row.id} was edited (its hash no longer matches)")
            if row.id != prev_id + 1:
                problems.extend(_gap(prev_id, row.id))
            elif row.prev_hash != prev_hash:
                problems.append(f"event {row.id} does not follow event {prev_id}")
            prev_id, prev_hash = row.id, row.hash
    if not seen_expected:
        problems.append(
            f"no event has the hash noted earlier ({expect_head}): the newest events were "
            "deleted or the log was replaced"
        )
    return ChainReport(not problems, count, problems, prev_id, prev_hash)


def _gap(before: int, after: int) -> list[str]:
    missing = range(before + 1, after)
    if len(missing) <= 5:
        return [f"event {n} is missing (deleted)" for n in missing]
    return [f"events {missing[0]} to {missing[-1]} are missing (deleted)"]


def list_events(
    case: Case,
    limit: int = 50,
    actor: str | None = None,
    action: str | None = None,
    before: int | None = None,
) -> list[AuditEventRecord]:
    """The newest events first, optionally of one actor or one action; ``before`` pages back."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    with case.store.session() as session:
        return [_as_record(row) for row in session.scalars(query)]
