"""Re-checks: fetch each URL still watched, judge what came back, move its state, note its host.

``run_checks`` is what ``rescue hotline check`` runs (every watched URL); ``run_due_checks`` is
what a scheduler calls every few minutes (only the URLs whose ``next_check_at`` has come). A URL
is watched from its report until it is assessed not illegal, or until ``watch_days`` after its
removal was confirmed (``rescue.hotline.lifecycle.next_check``).

No transaction is held while a URL is fetched (a slow server must not lock the database): the
URL is read, fetched, then its check, hash matches, hosting and state are written together.
The first content seen live becomes the URL's baseline (its SHA-256 only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.hotline.content import KnownHashes, KnownHit
from rescue.hotline.fetch import Fetcher, FetchRequest, FetchResult, HttpFetcher
from rescue.hotline.hosting import Directory
from rescue.hotline.lifecycle import LIVE, Judgement, apply, judge
from rescue.hotline.netguard import Resolver
from rescue.hotline.records import add_event, get_url, now_or
from rescue.hotline.settings import HotlineSettings, hotline_settings
from rescue.identity.geo import GeoSource, source_from_settings
from rescue.identity.netkind import Classifier
from rescue.ops.models import HotlineCheck, HotlineHashHit, HotlineUrl
from rescue.progress import NO_PROGRESS, Progress


@dataclass(frozen=True)
class CheckedUrl:
    url_id: int
    url: str
    outcome: str  # live | removed | unreachable | refused
    reason: str
    http_status: int | None
    events: tuple[str, ...]  # removed_seen, removed_confirmed, reappeared
    new_hits: int


@dataclass(frozen=True)
class CheckRun:
    checked: list[CheckedUrl] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(c.outcome == outcome for c in self.checked)

    def events(self, kind: str) -> int:
        return sum(kind in c.events for c in self.checked)

    def as_dict(self) -> dict[str, int]:
        outcomes = ("live", "removed", "unreachable", "refused")
        kinds = ("removed_seen", "removed_confirmed", "reappeared")
        return {
            "checked": len(self.checked),
            **{o: self.count(o) for o in outcomes},
            **{k: self.events(k) for k in kinds},
            "new_hits": sum(c.new_hits for c in self.checked),
        }


@dataclass
class _Tools:
    settings: HotlineSettings
    fetcher: Fetcher
    known: KnownHashes
    directory: Directory
    geo: GeoSource
    classifier: Classifier


def _tools(
    case: Case,
    fetcher: Fetcher | None,
    resolver: Resolver | None,
    geo: GeoSource | None,
    known: KnownHashes | None,
) -> _Tools:
    settings = hotline_settings(case.settings("hotline"))
    return _Tools(
        settings=settings,
        fetcher=fetcher or HttpFetcher(settings, resolver),
        known=known if known is not None else KnownHashes.of_case(case),
        directory=Directory.of_case(case),
        geo=geo or source_from_settings(case.settings("geo"), case.root),
        classifier=Classifier(),
    )


def run_checks(
    case: Case,
    *,
    now: datetime | None = None,
    due_only: bool = False,
    url_ids: Sequence[int] | None = None,
    fetcher: Fetcher | None = None,
    resolver: Resolver | None = None,
    geo: GeoSource | None = None,
    known: KnownHashes | None = None,
    progress: Progress = NO_PROGRESS,
) -> CheckRun:
    """Check every watched URL (or the due ones, or ``url_ids``). ``now`` fixes the clock for
    the whole run (tests, simulations); without it each check is timed as it happens."""
    query = select(HotlineUrl.id, HotlineUrl.url).where(HotlineUrl.next_check_at.is_not(None))
    if due_only:
        query = query.where(HotlineUrl.next_check_at <= now_or(now))
    if url_ids is not None:
        query = select(HotlineUrl.id, HotlineUrl.url).where(HotlineUrl.id.in_(list(url_ids)))
    with case.store.session() as session:
        targets = [(row.id, row.url) for row in session.execute(query.order_by(HotlineUrl.id))]
    if not targets:
        return CheckRun()
    tools = _tools(case, fetcher, resolver, geo, known)
    task = progress.task("Checking reported URLs", total=len(targets))
    checked = []
    for url_id, url in targets:
        result = tools.fetcher.send(FetchRequest(url))
        checked.append(_record(case, url_id, url, result, tools, now_or(now)))
        task.advance()
    return CheckRun(checked)


def run_due_checks(
    case: Case,
    *,
    now: datetime | None = None,
    fetcher: Fetcher | None = None,
    resolver: Resolver | None = None,
    geo: GeoSource | None = None,
    progress: Progress = NO_PROGRESS,
) -> CheckRun:
    """The checks whose time has come: for a scheduler to call every few minutes."""
    return run_checks(
        case, now=now, due_only=True, fetcher=fetcher, resolver=resolver, geo=geo,
        progress=progress,
    )  # fmt: skip


def _record(
    case: Case, url_id: int, url: str, result: FetchResult, tools: _Tools, now: datetime
) -> CheckedUrl:
    hits = tools.known.match(result.content) if result.content is not None else []
    with case.store.session() as session:
        row = get_url(session, url_id)
        earlier = session.scalars(
            select(HotlineHashHit).where(HotlineHashHit.url_id == url_id)
        ).all()
        expects_known = any(h.decision != "rejected" for h in earlier)
        judgement = judge(result, row, len(hits), expects_known)
        check = _check_row(url_id, result, judgement, len(hits), now)
        session.add(check)
        session.flush()
        new_hits = _add_hits(session, url_id, check.id, hits, earlier, now)
        if judgement.outcome == LIVE and row.baseline_sha256 is None and result.content:
            row.baseline_sha256 = result.content.sha256
            row.baseline_image = result.content.image
        if result.ip is not None:
            hosting = tools.directory.attribute(result.host, result.ip, tools.geo, tools.classifier)
            hosting.store_on(row, now)
        events = apply(row, judgement, now, tools.settings)
        for kind, detail in events:
            add_event(session, url_id, kind, now, {**detail, "check_id": check.id})
    return CheckedUrl(
        url_id, url, judgement.outcome, judgement.reason, result.http_status,
        tuple(kind for kind, _ in events), new_hits,
    )  # fmt: skip


def _check_row(
    url_id: int, result: FetchResult, judgement: Judgement, hits: int, now: datetime
) -> HotlineCheck:
    content = result.content
    return HotlineCheck(
        url_id=url_id, checked_at=now, outcome=judgement.outcome, reason=judgement.reason,
        http_status=result.http_status, final_url=result.final_url, ip=result.ip,
        redirects=result.redirects, size=content.size if content else None,
        sha256=content.sha256 if content else None,
        pdq=content.pdq.hash if content and content.pdq else None, known_hits=hits,
    )  # fmt: skip


def _add_hits(
    session: Session,
    url_id: int,
    check_id: int,
    hits: list[KnownHit],
    earlier: Sequence[HotlineHashHit],
    now: datetime,
) -> int:
    seen = {(h.hash_set, h.known_hash) for h in earlier}
    added = 0
    for hit in hits:
        if (hit.hash_set, hit.known_hash) in seen:
            continue
        seen.add((hit.hash_set, hit.known_hash))
        session.add(HotlineHashHit(
            url_id=url_id, check_id=check_id, hash_set=hit.hash_set, known_id=hit.known_id,
            category=hit.category, matched_on=hit.matched_on, known_hash=hit.known_hash,
            distance=hit.distance, found_at=now,
        ))  # fmt: skip
        added += 1
    return added
