"""What the hotline's core functions hand back: plain frozen records, never ORM rows, so the CLI
and the web pages can hold them after the transaction ends. Times are aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rescue.errors import InputError
from rescue.operation.fields import utc
from rescue.ops.models import HotlineEvent, HotlineUrl


def when(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def now_or(now: datetime | None) -> datetime:
    """The injectable clock: the given moment in UTC, or the real one."""
    return utc(now) if now is not None else datetime.now(UTC)


@dataclass(frozen=True)
class UrlRecord:
    id: int
    url: str
    host: str
    verdict: str  # pending | illegal | not_illegal
    state: str  # open | removed | confirmed
    last_outcome: str  # unchecked | live | removed | unreachable | refused
    reported_at: datetime
    assessed_at: datetime | None
    notified_at: datetime | None
    last_notified_at: datetime | None
    escalated_at: datetime | None
    removed_seen_at: datetime | None
    removed_confirmed_at: datetime | None
    reappeared_at: datetime | None
    reappearances: int
    last_checked_at: datetime | None
    next_check_at: datetime | None
    ip: str | None
    country: str | None
    asn_name: str | None
    network_kind: str | None
    provider: str | None
    abuse_email: str | None
    partner: str | None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


def url_record(row: HotlineUrl) -> UrlRecord:
    values: dict[str, Any] = {}
    for f in fields(UrlRecord):
        value = getattr(row, f.name)
        values[f.name] = when(value) if isinstance(value, datetime) else value
    return UrlRecord(**values)


def get_url(session: Session, url_id: int) -> HotlineUrl:
    row = session.get(HotlineUrl, url_id)
    if row is None:
        raise InputError(f"no reported URL {url_id} in this case", "see: rescue hotline list")
    return row


def add_event(
    session: Session, url_id: int, kind: str, at: datetime, detail: dict[str, Any] | None = None
) -> None:
    session.add(HotlineEvent(url_id=url_id, kind=kind, at=at, detail=dict(detail or {})))
