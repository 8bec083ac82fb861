"""What a check means for a URL: live, removed, unreachable or refused; and what follows.

Judging a fetch (``judge``):

- refused: the SSRF guard would not connect (the target is not a public address);
- unreachable: no HTTP answer (no such host, timeout, connection failure), or an answer that
  says nothing about the content (403, 5xx...): a server down for an hour has not removed
  anything;
- removed: 404 Not Found, 410 Gone, 451 Unavailable For Legal Reasons; or an empty body; or,
  for a URL whose content matched known hashes, a body that no longer matches any (providers
  often answer 200 with a placeholder image); or, for a URL first seen serving an image, a
  different file now (the same placeholder case, without a hash set to tell);
- live: anything else.

A URL's removal state (``apply``) moves open -> removed (first seen removed) -> confirmed (still
gone a check ``confirm_hours`` or more later). Seen live again while removed or confirmed, it
has reappeared: it reopens (re-notices resume), and its removal time will be measured to the
removal that lasts, because that is when the material stopped being available.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rescue.hotline.fetch import ANSWERED, REFUSED, FetchResult
from rescue.hotline.settings import HotlineSettings
from rescue.operation.fields import utc
from rescue.ops.models import HotlineUrl

LIVE, REMOVED, UNREACHABLE = "live", "removed", "unreachable"
OUTCOMES = (LIVE, REMOVED, UNREACHABLE, REFUSED)
REMOVED_CODES = frozenset({404, 410, 451})
OPEN, CONFIRMED = "open", "confirmed"
STATES = (OPEN, REMOVED, CONFIRMED)
PENDING, ILLEGAL, NOT_ILLEGAL = "pending", "illegal", "not_illegal"
WATCH_INTERVAL = timedelta(days=1)  # confirmed removals: a daily look for reappearance


@dataclass(frozen=True)
class Judgement:
    outcome: str  # one of OUTCOMES
    reason: str


def judge(result: FetchResult, url: HotlineUrl, known_hits: int, expects_known: bool) -> Judgement:
    """``known_hits``: known entries this fetch matched; ``expects_known``: earlier checks of the
    URL matched known material that no analyst rejected."""
    if result.status == REFUSED:
        return Judgement(REFUSED, result.reason)
    if result.status != ANSWERED or result.http_status is None:
        return Judgement(UNREACHABLE, result.reason)
    code = result.http_status
    if code in REMOVED_CODES:
        return Judgement(REMOVED, result.reason)
    if not 200 <= code < 300:
        return Judgement(UNREACHABLE, f"{result.reason}: says nothing about the content")
    content = result.content
    if content is None:  # too large to hash: something is served there
        return Judgement(LIVE, result.reason)
    if content.size == 0:
        return Judgement(REMOVED, "content gone: the answer is empty")
    if expects_known:
        if known_hits == 0:
            return Judgement(REMOVED, "known hash no longer present")
        return Judgement(LIVE, f"{result.reason}, {known_hits} known hash match(es)")
    if url.baseline_image and url.baseline_sha256 and content.sha256 != url.baseline_sha256:
        return Judgement(REMOVED, "content gone: another file than the image first seen")
    return Judgement(LIVE, result.reason)


Event = tuple[str, dict[str, Any]]


def apply(
    url: HotlineUrl, judgement: Judgement, now: datetime, settings: HotlineSettings
) -> list[Event]:
    """Move the URL's state for one check at ``now``; the events to record."""
    events: list[Event] = []
    url.last_outcome = judgement.outcome
    url.last_checked_at = now
    if judgement.outcome == LIVE and url.state in (REMOVED, CONFIRMED):
        gone_since = url.removed_seen_at and utc(url.removed_seen_at).isoformat()
        events.append(("reappeared", {"removed_seen_at": gone_since, "was": url.state}))
        url.state = OPEN
        url.removed_seen_at = None
        url.removed_confirmed_at = None
        url.reappeared_at = now
        url.reappearances += 1
    elif judgement.outcome == REMOVED and url.state == OPEN:
        url.state = REMOVED
        url.removed_seen_at = now
        events.append(("removed_seen", {"reason": judgement.reason}))
    elif judgement.outcome == REMOVED and url.state == REMOVED and _confirmable(url, now, settings):
        url.state = CONFIRMED
        url.removed_confirmed_at = now
        events.append(("removed_confirmed", {"reason": judgement.reason}))
    url.next_check_at = next_check(url, now, settings)
    return events


def _confirmable(url: HotlineUrl, now: datetime, settings: HotlineSettings) -> bool:
    seen = url.removed_seen_at
    return seen is not None and now - utc(seen) >= timedelta(hours=settings.confirm_hours)


def next_check(url: HotlineUrl, now: datetime, settings: HotlineSettings) -> datetime | None:
    """When to look again; None when the URL is no longer watched."""
    if url.verdict == NOT_ILLEGAL:
        return None
    if url.state == CONFIRMED:
        confirmed = utc(url.removed_confirmed_at or now)
        if now - confirmed >= timedelta(days=settings.watch_days):
            return None
        return now + WATCH_INTERVAL
    return now + timedelta(hours=settings.check_interval_hours)
