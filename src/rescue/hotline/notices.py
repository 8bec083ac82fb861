"""Sending the notices that are due, and keeping every one: ``send_notices``.

The plan (``rescue.hotline.notice_plan``) says what is due; each notice then goes through the
sender seam (``rescue.hotline.senders``) and is recorded with its outcome, sent or failed. A
sent notice stamps its URLs (first notice, latest notice, escalation) and adds one event per URL
(notified, renotified, escalated); a failed one stamps nothing, so the URLs stay due and the
next run tries again. Both are audited (reference, provider, channel, counts; never content).

``send_notices`` is safe to call as often as a scheduler likes: a notice goes out only when the
plan says it is due, and the plan reads the stamps the last run wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from rescue.case import Case
from rescue.hotline.notice_plan import (
    ESCALATION,
    NOTICE,
    OutgoingNotice,
    Waiting,
    plan_notices,
)
from rescue.hotline.records import add_event, get_url, now_or
from rescue.hotline.senders import (
    ExportSender,
    NoticeSender,
    RoutingSender,
    SendResult,
    SmtpSender,
)
from rescue.hotline.settings import hotline_settings
from rescue.operation.fields import utc
from rescue.ops.models import HotlineNotice, HotlineNoticeUrl
from rescue.security.audit import append

EVENT_OF = {NOTICE: "notified", "renotice": "renotified", ESCALATION: "escalated"}


@dataclass(frozen=True)
class SentNotice:
    notice: OutgoingNotice
    result: SendResult


@dataclass(frozen=True)
class NoticeRun:
    sent: list[SentNotice]
    waiting: list[Waiting]

    @property
    def failed(self) -> list[SentNotice]:
        return [s for s in self.sent if not s.result.ok]


@dataclass(frozen=True)
class NoticeRecord:
    id: int
    reference: str
    provider: str
    channel: str
    recipient: str
    escalation: bool
    created_at: datetime
    status: str
    result: str
    urls: tuple[tuple[int, str], ...]  # (url id, kind)


def notices_dir(case: Case) -> Path:
    return case.exports_dir / "hotline" / "notices"


def default_sender(case: Case) -> NoticeSender:
    """E-mail through ``[hotline]``'s SMTP server; partner exports into the case's exports."""
    settings = hotline_settings(case.settings("hotline"))
    return RoutingSender(SmtpSender(settings), ExportSender(notices_dir(case)))


def send_notices(
    case: Case,
    *,
    now: datetime | None = None,
    sender: NoticeSender | None = None,
    actor: str = "system",
    source: str = "cli",
) -> NoticeRun:
    """Send every notice that is due at ``now``; record each, sent or failed."""
    moment = now_or(now)
    plan = plan_notices(case, now=moment)
    channel = sender or default_sender(case)
    sent = []
    for notice in plan.notices:
        result = channel.send(notice)
        _record(case, notice, result, moment, actor, source)
        sent.append(SentNotice(notice, result))
    return NoticeRun(sent, plan.waiting)


def _record(
    case: Case, notice: OutgoingNotice, result: SendResult, now: datetime, actor: str, source: str
) -> None:
    status = "sent" if result.ok else "failed"
    with case.store.session() as session:
        row = HotlineNotice(
            reference=notice.reference, provider=notice.provider[:200], channel=notice.channel,
            recipient=notice.recipient[:300], escalation=notice.escalation, created_at=now,
            status=status, result=result.detail,
        )  # fmt: skip
        session.add(row)
        session.flush()
        for item in notice.items:
            session.add(HotlineNoticeUrl(notice_id=row.id, url_id=item.url_id, kind=item.kind))
            if not result.ok:
                continue
            url = get_url(session, item.url_id)
            if url.notified_at is None:
                url.notified_at = now
            url.last_notified_at = now
            if item.kind == ESCALATION:
                url.escalated_at = now
            add_event(session, url.id, EVENT_OF[item.kind], now, {"notice": notice.reference})
        append(
            session, actor, "hotline.notice", target=notice.reference, source=source, now=now,
            result="ok" if result.ok else "failed",
            detail={"provider": notice.provider, "channel": notice.channel,
                    "urls": len(notice.items), "escalation": notice.escalation},
        )  # fmt: skip


def list_notices(case: Case, *, url_id: int | None = None, limit: int = 50) -> list[NoticeRecord]:
    """Notices, newest first; or those that listed one URL."""
    query = select(HotlineNotice).order_by(HotlineNotice.id.desc()).limit(limit)
    if url_id is not None:
        listed = select(HotlineNoticeUrl.notice_id).where(HotlineNoticeUrl.url_id == url_id)
        query = query.where(HotlineNotice.id.in_(listed))
    with case.store.session() as session:
        found = []
        for n in session.scalars(query):
            urls = session.execute(
                select(HotlineNoticeUrl.url_id, HotlineNoticeUrl.kind)
                .where(HotlineNoticeUrl.notice_id == n.id)
                .order_by(HotlineNoticeUrl.url_id)
            ).all()
            found.append(NoticeRecord(
                n.id, n.reference, n.provider, n.channel, n.recipient, n.escalation,
                utc(n.created_at), n.status, n.result, tuple((u, k) for u, k in urls),
            ))  # fmt: skip
        return found
