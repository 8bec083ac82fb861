"""Which notices are due now, to whom, grouped one per provider: the plan, before anything is sent.

A URL is due for
- a first ``notice`` when it is assessed illegal, still open, and its latest check found it
  live (no notice goes out for content nobody has seen online);
- a ``renotice`` every ``renotice_hours`` after the last one while its latest check still finds
  it live (Project Arachnid's daily cadence);
- an ``escalation`` once, ``escalate_days`` after the first notice if it is still live: the
  notice is marked as such and copied to ``escalation_email`` when one is set.

A removed URL gets nothing more; if it reappears it is open again and the cadence resumes.

Routing: where the hosting country has a partner hotline (and ``route_via_partners``), the
notice is exported for that hotline; otherwise it is e-mailed to the provider's abuse address
from the directory (``rescue.hotline.hosting``). Notices are grouped by route and provider:
one notice lists every URL of one provider that is due, whatever kind each one is.
A URL that should have its first notice but cannot (no check yet, no contact) is *waiting*,
with the reason, so nothing stalls unseen.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.hotline.hosting import Directory
from rescue.hotline.lifecycle import ILLEGAL, LIVE, NOT_ILLEGAL, OPEN
from rescue.hotline.records import now_or, when
from rescue.hotline.settings import HotlineSettings, hotline_settings
from rescue.operation.fields import utc
from rescue.ops.models import HotlineAssessment, HotlineHashHit, HotlineUrl

NOTICE, RENOTICE, ESCALATION = "notice", "renotice", "escalation"
EMAIL, EXPORT = "email", "export"


@dataclass(frozen=True)
class NoticeItem:
    url_id: int
    url: str
    kind: str  # notice | renotice | escalation
    ip: str | None
    country: str | None
    reported_at: datetime
    notified_at: datetime | None  # the first notice, if any went out before
    classifications: tuple[str, ...]  # "INT interpol_baseline", "GB national"
    known: tuple[str, ...]  # confirmed hash matches: "set/known_id (category)"


@dataclass(frozen=True)
class OutgoingNotice:
    reference: str
    hotline: str
    provider: str
    channel: str  # email | export
    recipient: str  # the abuse address, or the partner hotline's name
    partner_country: str | None
    escalation: bool
    copy_to: str | None
    created_at: datetime
    items: tuple[NoticeItem, ...]


@dataclass(frozen=True)
class Waiting:
    url_id: int
    url: str
    reason: str


@dataclass(frozen=True)
class NoticePlan:
    notices: list[OutgoingNotice]
    waiting: list[Waiting]


def due_kind(url: HotlineUrl, now: datetime, settings: HotlineSettings) -> str | None:
    """What the URL is due for at ``now``, or None."""
    if url.verdict != ILLEGAL or url.state != OPEN or url.last_outcome != LIVE:
        return None
    if url.notified_at is None:
        return NOTICE
    first = utc(url.notified_at)
    if url.escalated_at is None and now - first >= timedelta(days=settings.escalate_days):
        return ESCALATION
    last = utc(url.last_notified_at or url.notified_at)
    if now - last >= timedelta(hours=settings.renotice_hours):
        return RENOTICE
    return None


def _blocked(url: HotlineUrl) -> str | None:
    """Why an illegal, open URL that never had a notice cannot have one yet."""
    if url.last_outcome == "unchecked":
        return "not checked yet: run rescue hotline check"
    if url.last_outcome != LIVE:
        return f"the latest check found it {url.last_outcome}, not live"
    return None


def reference(now: datetime) -> str:
    return f"HN-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"


def plan_notices(case: Case, *, now: datetime | None = None) -> NoticePlan:
    moment = now_or(now)
    settings = hotline_settings(case.settings("hotline"))
    directory = Directory.of_case(case)
    groups: dict[tuple[str, str, str, str | None], list[NoticeItem]] = defaultdict(list)
    waiting: list[Waiting] = []
    with case.store.session() as session:
        candidates = session.scalars(
            select(HotlineUrl)
            .where(HotlineUrl.verdict == ILLEGAL, HotlineUrl.state == OPEN)
            .order_by(HotlineUrl.id)
        ).all()
        for url in candidates:
            kind = due_kind(url, moment, settings)
            if kind is None:
                if url.notified_at is None and (why := _blocked(url)):
                    waiting.append(Waiting(url.id, url.url, why))
                continue
            route = _route(url, directory, settings)
            if isinstance(route, str):
                waiting.append(Waiting(url.id, url.url, route))
                continue
            groups[route].append(_item(session, url, kind))
    notices = []
    for (channel, recipient, provider, partner), items in sorted(
        groups.items(), key=lambda group: tuple(part or "" for part in group[0])
    ):
        escalation = any(i.kind == ESCALATION for i in items)
        notices.append(OutgoingNotice(
            reference=reference(moment), hotline=settings.name, provider=provider,
            channel=channel, recipient=recipient, partner_country=partner, escalation=escalation,
            copy_to=(settings.escalation_email or None) if escalation else None,
            created_at=moment, items=tuple(items),
        ))  # fmt: skip
    return NoticePlan(notices, waiting)


def _route(
    url: HotlineUrl, directory: Directory, settings: HotlineSettings
) -> tuple[str, str, str, str | None] | str:
    """(channel, recipient, provider, partner country), or why there is no route."""
    if url.ip is None:
        return "hosting not known: no check has reached its server yet"
    contact = directory.contact_for(url.host, url.asn_name)
    provider = contact.provider if contact else url.asn_name or url.host
    partner = directory.partners.get(url.country) if url.country else None
    if partner is not None and settings.route_via_partners:
        return EXPORT, partner, provider, url.country
    if contact is None:
        network = url.asn_name or "an unknown network"
        return (
            f"no abuse contact for {provider} ({network}, {url.country or 'country unknown'}): "
            "add one with rescue hotline contacts import"
        )
    return EMAIL, contact.abuse_email, provider, None


def _item(session: Session, url: HotlineUrl, kind: str) -> NoticeItem:
    assessments = session.scalars(
        select(HotlineAssessment)
        .where(HotlineAssessment.url_id == url.id)
        .order_by(HotlineAssessment.assessed_at, HotlineAssessment.id)
    )
    in_force = {a.jurisdiction: a.classification for a in assessments}
    hits = session.scalars(
        select(HotlineHashHit)
        .where(HotlineHashHit.url_id == url.id, HotlineHashHit.decision == "confirmed")
        .order_by(HotlineHashHit.id)
    )
    known = tuple(
        f"{h.hash_set}/{h.known_id or h.known_hash[:16]}"
        + (f" ({h.category})" if h.category else "")
        for h in hits
    )
    return NoticeItem(
        url_id=url.id, url=url.url, kind=kind, ip=url.ip, country=url.country,
        reported_at=utc(url.reported_at), notified_at=when(url.notified_at),
        classifications=tuple(f"{j} {c}" for j, c in sorted(in_force.items()) if c != NOT_ILLEGAL),
        known=known,
    )  # fmt: skip
