"""Report intake: one URL from the web form or the API, several from the command line, many from
a CSV file. Every channel ends in ``take_reports``.

Each URL is canonicalised (``rescue.hotline.urls``); a URL reported before is the same row
(by the SHA-256 of its canonical form) and the report joins it, kept as a report of its own
with its reporter, notes and time. A URL's clock starts at its earliest report. A bad entry
(not a web address, a time in the future, a CSV line with the wrong fields) is counted and
named, by file and line, and the rest are taken: a partner's feed with one mangled line must
not lose the other thousand reports, and nothing is dropped without saying so.

Reporters may stay anonymous (``reporter`` None). Audit events name URL ids, never the URLs.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.lifecycle import NOT_ILLEGAL, OPEN, PENDING
from rescue.hotline.records import UrlRecord, add_event, now_or, url_record
from rescue.hotline.urls import canonical_url
from rescue.operation.fields import utc
from rescue.ops.models import HotlineReport, HotlineUrl
from rescue.security.audit import append

CHANNELS = ("cli", "csv", "web", "api")
CSV_COLUMNS = ("url", "reporter", "notes", "reported_at")
MAX_REPORTER = 200
_SKEW = timedelta(minutes=5)  # a reporter's clock may run a little ahead


@dataclass(frozen=True)
class ReportInput:
    url: str
    reporter: str | None = None
    notes: str = ""
    reported_at: datetime | None = None  # None: when received
    origin: str = ""  # where it came from, e.g. "feed.csv, line 12"


@dataclass(frozen=True)
class Intake:
    report_id: int
    url_id: int
    url: str  # canonical
    new: bool  # False: the report joined a URL reported before


@dataclass(frozen=True)
class BadReport:
    where: str  # "feed.csv, line 12", or the URL as given
    reason: str


@dataclass(frozen=True)
class ReportBatch:
    taken: list[Intake]
    bad: list[BadReport]

    @property
    def new_urls(self) -> int:
        return sum(i.new for i in self.taken)

    @property
    def joined(self) -> int:
        return len(self.taken) - self.new_urls


def url_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _checked(item: ReportInput, now: datetime) -> tuple[str, str | None, datetime]:
    canonical = canonical_url(item.url)
    reporter = (item.reporter or "").strip() or None
    if reporter is not None and len(reporter) > MAX_REPORTER:
        raise InputError(f"the reporter is longer than {MAX_REPORTER} characters")
    at = utc(item.reported_at) if item.reported_at is not None else now
    if at > now + _SKEW:
        raise InputError(f"the report time {at.isoformat()} is in the future")
    return canonical, reporter, at


def take_reports(
    case: Case,
    items: Iterable[ReportInput],
    *,
    channel: str,
    actor: str = "system",
    source: str = "cli",
    now: datetime | None = None,
) -> ReportBatch:
    """Take every good report in one transaction; name every bad one."""
    if channel not in CHANNELS:
        raise InputError(f"unknown report channel {channel!r}", f"use one of {', '.join(CHANNELS)}")
    moment = now_or(now)
    good: list[tuple[ReportInput, str, str | None, datetime]] = []
    bad: list[BadReport] = []
    for item in items:
        try:
            good.append((item, *_checked(item, moment)))
        except InputError as exc:
            bad.append(BadReport(item.origin or item.url, exc.message))
    if not good:
        return ReportBatch([], bad)
    for attempt in (1, 2):
        try:
            with case.store.session() as session:
                taken = [
                    _take(session, item, canonical, reporter, at, channel, moment)
                    for item, canonical, reporter, at in good
                ]
                append(
                    session, actor, "hotline.report", source=source, now=moment,
                    target=_ids_target(sorted({i.url_id for i in taken})),
                    detail={"channel": channel, "reports": len(taken),
                            "new_urls": sum(i.new for i in taken), "bad": len(bad)},
                )  # fmt: skip
            return ReportBatch(taken, bad)
        except IntegrityError:
            # Someone else reported one of these URLs first, in between: the second attempt
            # finds their row and joins it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _ids_target(ids: Sequence[int]) -> str:
    text = "hotline urls " + ",".join(map(str, ids))
    return text if len(text) <= 300 else text[:296] + ",..."


def _take(
    session: Session, item: ReportInput, canonical: str, reporter: str | None,
    at: datetime, channel: str, now: datetime,
) -> Intake:  # fmt: skip
    digest = url_digest(canonical)
    row = session.scalars(select(HotlineUrl).where(HotlineUrl.url_sha256 == digest)).first()
    new = row is None
    if row is None:
        row = HotlineUrl(
            url=canonical, url_sha256=digest, host=_host(canonical), verdict=PENDING,
            state=OPEN, last_outcome="unchecked", reported_at=at, reappearances=0,
            baseline_image=False, next_check_at=now,
        )  # fmt: skip
        session.add(row)
        session.flush()
    else:
        if at < utc(row.reported_at):
            row.reported_at = at  # the clock starts at the earliest report
        if row.next_check_at is None and row.verdict != NOT_ILLEGAL:
            row.next_check_at = now  # reported again after the watch ended: look again
    report = HotlineReport(
        url_id=row.id, submitted=item.url.strip(), reporter=reporter, notes=item.notes.strip(),
        channel=channel, origin=item.origin[:300], reported_at=at, received_at=now,
    )  # fmt: skip
    session.add(report)
    session.flush()
    add_event(session, row.id, "reported", at, {"report_id": report.id, "channel": channel})
    return Intake(report.id, row.id, canonical, new)


def _host(canonical: str) -> str:
    return (urlsplit(canonical).hostname or "")[:300]


def submit_report(
    case: Case,
    url: str,
    *,
    reporter: str | None = None,
    notes: str = "",
    channel: str = "web",
    reported_at: datetime | None = None,
    actor: str = "system",
    source: str = "cli",
    now: datetime | None = None,
) -> Intake:
    """One report (the web form, the JSON API); ``InputError`` when it cannot be taken."""
    batch = take_reports(
        case, [ReportInput(url, reporter, notes, reported_at)], channel=channel, actor=actor,
        source=source, now=now,
    )  # fmt: skip
    if batch.bad:
        raise InputError(batch.bad[0].reason, "give an http:// or https:// URL")
    return batch.taken[0]


def report_urls(
    case: Case,
    urls: Sequence[str],
    *,
    reporter: str | None = None,
    notes: str = "",
    actor: str = "system",
    now: datetime | None = None,
) -> ReportBatch:
    """Several URLs from the command line, with the same reporter and notes."""
    items = [ReportInput(u, reporter, notes, None, "") for u in urls]
    return take_reports(case, items, channel="cli", actor=actor, now=now)


def read_report_csv(path: Path) -> tuple[list[ReportInput], list[BadReport]]:
    """Rows of a report CSV (header: url[, reporter, notes, reported_at]) and its bad lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "give a UTF-8 CSV file") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if "url" not in header:
        raise InputError(
            f"{path}: the first line names no url column",
            f"start the file with a header such as: {','.join(CSV_COLUMNS)}",
        )
    items: list[ReportInput] = []
    bad: list[BadReport] = []
    for cells in reader:
        line = reader.line_num
        where = f"{path.name}, line {line}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            bad.append(BadReport(where, f"{len(cells)} fields where the header has {len(header)}"))
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            at = _when(row.get("reported_at", ""))
        except ValueError as exc:
            bad.append(BadReport(where, str(exc)))
            continue
        items.append(ReportInput(
            row["url"], row.get("reporter"), row.get("notes", ""), at, where
        ))  # fmt: skip
    return items, bad


def _when(text: str) -> datetime | None:
    value = text.strip()
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"reported_at {value!r} is not an ISO 8601 time") from None


def import_reports(
    case: Case, path: Path, *, actor: str = "system", now: datetime | None = None
) -> ReportBatch:
    """A CSV of reports; bad lines are returned with file and line, the good ones taken."""
    items, unreadable = read_report_csv(path)
    batch = take_reports(case, items, channel="csv", actor=actor, now=now)
    bad = sorted([*unreadable, *batch.bad], key=lambda b: _line_of(b.where))
    return ReportBatch(batch.taken, bad)


def _line_of(where: str) -> int:
    tail = where.rsplit("line ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def list_urls(
    case: Case,
    *,
    state: str | None = None,
    verdict: str | None = None,
    limit: int | None = None,
) -> list[UrlRecord]:
    """Reported URLs, oldest report first; optionally of one state or verdict."""
    query = select(HotlineUrl).order_by(HotlineUrl.id)
    if state is not None:
        query = query.where(HotlineUrl.state == state)
    if verdict is not None:
        query = query.where(HotlineUrl.verdict == verdict)
    if limit:
        query = query.limit(limit)
    with case.store.session() as session:
        return [url_record(row) for row in session.scalars(query)]
