"""One URL's whole story for an analyst: reports, assessments, hash matches, checks, notices and
the timeline of its stages. Hashes and status codes only; the content is nowhere to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from rescue.case import Case
from rescue.hotline.assess import Assessment, HashHit, assessments_of, hits_of
from rescue.hotline.notices import NoticeRecord, list_notices
from rescue.hotline.records import UrlRecord, get_url, url_record
from rescue.operation.fields import utc
from rescue.ops.models import HotlineCheck, HotlineEvent, HotlineReport


@dataclass(frozen=True)
class ReportEntry:
    id: int
    submitted: str
    reporter: str | None
    notes: str
    channel: str
    origin: str
    reported_at: datetime


@dataclass(frozen=True)
class CheckEntry:
    id: int
    checked_at: datetime
    outcome: str
    reason: str
    http_status: int | None
    ip: str | None
    redirects: int
    size: int | None
    sha256: str | None
    known_hits: int


@dataclass(frozen=True)
class EventEntry:
    kind: str
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class UrlHistory:
    url: UrlRecord
    reports: list[ReportEntry]
    assessments: list[Assessment]
    hits: list[HashHit]
    checks: list[CheckEntry]  # the newest first
    events: list[EventEntry]  # in time order
    notices: list[NoticeRecord]  # the newest first


def url_history(case: Case, url_id: int, *, checks: int = 20) -> UrlHistory:
    with case.store.session() as session:
        url = url_record(get_url(session, url_id))
        reports = [
            ReportEntry(r.id, r.submitted, r.reporter, r.notes, r.channel, r.origin,
                        utc(r.reported_at))
            for r in session.scalars(
                select(HotlineReport).where(HotlineReport.url_id == url_id)
                .order_by(HotlineReport.reported_at, HotlineReport.id)
            )
        ]  # fmt: skip
        recent = [
            CheckEntry(c.id, utc(c.checked_at), c.outcome, c.reason, c.http_status, c.ip,
                       c.redirects, c.size, c.sha256, c.known_hits)
            for c in session.scalars(
                select(HotlineCheck).where(HotlineCheck.url_id == url_id)
                .order_by(HotlineCheck.checked_at.desc(), HotlineCheck.id.desc()).limit(checks)
            )
        ]  # fmt: skip
        events = [
            EventEntry(e.kind, utc(e.at), dict(e.detail))
            for e in session.scalars(
                select(HotlineEvent).where(HotlineEvent.url_id == url_id)
                .order_by(HotlineEvent.at, HotlineEvent.id)
            )
        ]  # fmt: skip
    return UrlHistory(
        url=url,
        reports=reports,
        assessments=assessments_of(case, url_id),
        hits=hits_of(case, url_id),
        checks=recent,
        events=events,
        notices=list_notices(case, url_id=url_id),
    )
