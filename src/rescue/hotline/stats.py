"""The hotline's figures: where every URL stands, and how long removal takes, per provider, network
(ASN) and country, from the notice and from the report (``rescue.hotline.survival``).

Which URLs are measured: those assessed illegal. From the report, every one of them; from the
notice, those notified. A URL's time ends when a check first found it gone (for a URL that
reappeared, the removal that lasted); a URL still online is censored at ``now``. Hosting is
the latest known (the network that served it last).

The counts partition the reported URLs by where they stand now: ``removed`` (seen gone, or
confirmed), and among the open ones by their latest check: ``live``, ``unreachable``,
``refused`` (the SSRF guard would not fetch it) and ``unchecked``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from rescue.case import Case
from rescue.hotline.lifecycle import CONFIRMED, ILLEGAL, NOT_ILLEGAL, OPEN, PENDING, REMOVED
from rescue.hotline.records import now_or, when
from rescue.hotline.survival import RemovalFigures, kaplan_meier
from rescue.operation.fields import utc
from rescue.ops.models import HotlineReport, HotlineUrl

UNKNOWN = "unknown"
GROUPINGS = (("by_provider", "provider"), ("by_asn", "asn_name"), ("by_country", "country"))


@dataclass(frozen=True)
class Measured:
    """One URL on one clock: hours online from the start, and whether its removal was seen."""

    hours: float
    removed: bool
    provider: str
    asn_name: str
    country: str
    start: datetime


@dataclass(frozen=True)
class GroupFigures:
    key: str
    figures: RemovalFigures


@dataclass(frozen=True)
class ClockFigures:
    overall: RemovalFigures
    by_provider: list[GroupFigures]
    by_asn: list[GroupFigures]
    by_country: list[GroupFigures]

    def as_dict(self, with_curves: bool = False) -> dict[str, Any]:
        doc: dict[str, Any] = {"overall": self.overall.as_dict(with_curves)}
        for name, _ in GROUPINGS:
            doc[name] = [
                {"key": g.key, **g.figures.as_dict(with_curves)} for g in getattr(self, name)
            ]
        return doc


@dataclass(frozen=True)
class HotlineStats:
    at: datetime
    counts: dict[str, int]  # reported, reports, live, removed, unreachable, refused, ...
    from_notice: ClockFigures
    from_report: ClockFigures

    def as_dict(self, with_curves: bool = False) -> dict[str, Any]:
        """The JSON of ``rescue hotline stats --json``: the counts at the top level."""
        return {
            **self.counts,
            "at": self.at.isoformat(),
            "from_notice": self.from_notice.as_dict(with_curves),
            "from_report": self.from_report.as_dict(with_curves),
        }


def _counts(rows: list[HotlineUrl], reports: int) -> dict[str, int]:
    open_rows = [r for r in rows if r.state == OPEN]
    return {
        "reported": len(rows),
        "reports": reports,
        "live": sum(r.last_outcome == "live" for r in open_rows),
        "removed": sum(r.state in (REMOVED, CONFIRMED) for r in rows),
        "unreachable": sum(r.last_outcome == "unreachable" for r in open_rows),
        "refused": sum(r.last_outcome == "refused" for r in open_rows),
        "unchecked": sum(r.last_outcome == "unchecked" for r in open_rows),
        "confirmed_removed": sum(r.state == CONFIRMED for r in rows),
        "pending": sum(r.verdict == PENDING for r in rows),
        "illegal": sum(r.verdict == ILLEGAL for r in rows),
        "not_illegal": sum(r.verdict == NOT_ILLEGAL for r in rows),
        "notified": sum(r.notified_at is not None for r in rows),
        "escalated": sum(r.escalated_at is not None for r in rows),
        "reappeared": sum(r.reappearances > 0 for r in rows),
    }


def measure(rows: Iterable[HotlineUrl], start_of: Callable[[HotlineUrl], datetime | None],
            now: datetime) -> list[Measured]:  # fmt: skip
    """Each illegal URL with a start on this clock, timed to its removal or to ``now``."""
    out = []
    for row in rows:
        start = when(start_of(row))
        if row.verdict != ILLEGAL or start is None:
            continue
        gone = row.state in (REMOVED, CONFIRMED) and row.removed_seen_at is not None
        end = utc(row.removed_seen_at) if gone and row.removed_seen_at else now
        hours = max(0.0, (end - start).total_seconds() / 3600)
        out.append(Measured(hours, gone, row.provider or UNKNOWN, row.asn_name or UNKNOWN,
                            row.country or UNKNOWN, start))  # fmt: skip
    return out


def figures_of(measured: list[Measured]) -> RemovalFigures:
    return kaplan_meier([m.hours for m in measured], [m.removed for m in measured])


def clock_figures(measured: list[Measured]) -> ClockFigures:
    grouped: dict[str, list[GroupFigures]] = {}
    for name, attribute in GROUPINGS:
        groups: dict[str, list[Measured]] = defaultdict(list)
        for m in measured:
            groups[getattr(m, attribute)].append(m)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        grouped[name] = [GroupFigures(key, figures_of(ms)) for key, ms in ordered]
    return ClockFigures(figures_of(measured), **grouped)


def _rows(case: Case) -> tuple[list[HotlineUrl], int]:
    with case.store.session() as session:
        rows = list(session.scalars(select(HotlineUrl).order_by(HotlineUrl.id)))
        reports = session.scalar(select(func.count()).select_from(HotlineReport)) or 0
    return rows, reports


def hotline_stats(case: Case, *, now: datetime | None = None) -> HotlineStats:
    """Counts and removal figures at ``now``: what the stats command and the dashboard show."""
    moment = now_or(now)
    rows, reports = _rows(case)
    return HotlineStats(
        at=moment,
        counts=_counts(rows, reports),
        from_notice=clock_figures(measure(rows, lambda r: r.notified_at, moment)),
        from_report=clock_figures(measure(rows, lambda r: r.reported_at, moment)),
    )


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM of the report
    reported: int  # illegal URLs first reported that month
    removed: int  # of those, removed by now
    figures: RemovalFigures  # their time to removal from the report


def monthly_trend(case: Case, *, now: datetime | None = None) -> list[MonthFigures]:
    """Removal from the report, per month of the first report: is it getting faster?"""
    moment = now_or(now)
    rows, _ = _rows(case)
    months: dict[str, list[Measured]] = defaultdict(list)
    for m in measure(rows, lambda r: r.reported_at, moment):
        months[m.start.strftime("%Y-%m")].append(m)
    return [
        MonthFigures(month, len(ms), sum(m.removed for m in ms), figures_of(ms))
        for month, ms in sorted(months.items())
    ]
