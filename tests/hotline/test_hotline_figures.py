"""Figures over months, by network, and the check runner's bookkeeping, driven through the fetch
seam by a scripted fetcher (the loopback servers are exercised elsewhere; here only the answers
matter)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rescue.case import Case
from rescue.hotline.assess import assess_url
from rescue.hotline.checks import run_checks
from rescue.hotline.content import ContentDigest
from rescue.hotline.fetch import FetchRequest, FetchResult
from rescue.hotline.history import url_history
from rescue.hotline.reports import list_urls, submit_report
from rescue.hotline.stats import hotline_stats, monthly_trend
from rescue.identity.geo_ranges import RangesCsvSource
from tests.hotline.conftest import HOST_A, HOST_B, PROVIDER_A, PROVIDER_B, START, Hotline

LIVE = ContentDigest(10, "m", "s", "a" * 64, False, None)


@dataclass
class Scripted:
    """A fetcher that answers from a table: URL -> (status, address)."""

    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def send(self, request: FetchRequest) -> FetchResult:
        self.asked.append(request.url)
        status, ip = self.answers[request.url]
        content = LIVE if status == 200 else None
        return FetchResult("answered", f"HTTP {status}", request.url, "x.test", ip,
                           http_status=status, content=content)  # fmt: skip


class Progress:
    def __init__(self) -> None:
        self.tasks: list[tuple[str, int | None]] = []
        self.advanced = 0

    def task(self, description: str, total: int | None = None) -> Progress:
        self.tasks.append((description, total))
        return self

    def advance(self, amount: int = 1) -> None:
        self.advanced += amount

    def update(self, *, completed: int | None = None, total: int | None = None) -> None:
        pass


def _illegal(case: Case, url: str, at: datetime) -> int:
    intake = submit_report(case, url, now=at)
    assess_url(case, intake.url_id, "national", jurisdiction="GB", analyst="ana", now=at)
    return intake.url_id


def test_the_monthly_trend_and_the_network_groups(case: Case, geo: RangesCsvSource) -> None:
    april, may = START - timedelta(days=30), START
    fetcher = Scripted()
    urls = {f"http://a.test/{i}": (april if i < 2 else may, HOST_A if i % 2 else HOST_B)
            for i in range(5)}  # fmt: skip
    for url, (at, ip) in urls.items():
        _illegal(case, url, at)
        fetcher.answers[url] = (200, ip)
    run_checks(case, now=april, fetcher=fetcher, geo=geo)
    # April's two are removed 10 and 30 hours after their report; of May's three, one after 5
    # hours and two stay up.
    for url, hours in (("http://a.test/0", 10), ("http://a.test/1", 30)):
        fetcher.answers[url] = (404, urls[url][1])
        run_checks(case, now=april + timedelta(hours=hours), fetcher=fetcher, geo=geo,
                   url_ids=[u.id for u in list_urls(case) if u.url == url])  # fmt: skip
    fetcher.answers["http://a.test/2"] = (410, HOST_B)
    run_checks(case, now=may + timedelta(hours=5), fetcher=fetcher, geo=geo)
    now = may + timedelta(days=2)
    trend = monthly_trend(case, now=now)
    assert [(m.month, m.reported, m.removed) for m in trend] == [("2024-04", 2, 2),
                                                                  ("2024-05", 3, 1)]  # fmt: skip
    # April: removed at 10 and 30 h: S = 1/2 at 10 h, so the median is 10 h.
    assert trend[0].figures.median_hours == 10.0
    # May: removed at 5 h, two censored at 48 h: S = 2/3, no median yet.
    assert trend[1].figures.median_hours is None
    stats = hotline_stats(case, now=now)
    by_asn = {g.key: (g.figures.n, g.figures.removed) for g in stats.from_report.by_asn}
    # URLs 1 and 3 were served from A's address, 0, 2 and 4 from B's.
    assert by_asn == {PROVIDER_B: (3, 2), PROVIDER_A: (2, 1)}
    assert stats.from_notice.overall.n == 0  # nothing was notified


def test_the_runner_reports_progress_and_counts(case: Case, geo: RangesCsvSource) -> None:
    fetcher, progress = Scripted(), Progress()
    for i in range(3):
        submit_report(case, f"http://p.test/{i}", now=START)
        fetcher.answers[f"http://p.test/{i}"] = (200 if i else 404, HOST_A)
    run = run_checks(case, now=START, fetcher=fetcher, geo=geo, progress=progress)  # type: ignore[arg-type]
    assert progress.tasks == [("Checking reported URLs", 3)] and progress.advanced == 3
    assert run.as_dict() == {
        "checked": 3, "live": 2, "removed": 1, "unreachable": 0, "refused": 0,
        "removed_seen": 1, "removed_confirmed": 0, "reappeared": 0, "new_hits": 0,
    }  # fmt: skip


def test_the_watch_of_a_confirmed_removal_ends(case: Case, geo: RangesCsvSource) -> None:
    fetcher = Scripted({"http://w.test/": (404, HOST_A)})
    url_id = _illegal(case, "http://w.test/", START)
    day = timedelta(days=1)
    run_checks(case, now=START, fetcher=fetcher, geo=geo)
    run_checks(case, now=START + day, fetcher=fetcher, geo=geo)  # confirmed
    for n in range(2, 40):
        run_checks(case, now=START + n * day, fetcher=fetcher, geo=geo, due_only=True)
    (url,) = list_urls(case)
    assert url.state == "confirmed" and url.next_check_at is None
    checks = url_history(case, url_id, checks=100).checks
    # Daily for 30 days after the confirmation, then no more.
    assert len(checks) == 2 + 30
    assert run_checks(case, now=START + 50 * day, fetcher=fetcher, geo=geo).checked == []


def test_stats_count_every_state(hotline: Hotline) -> None:
    site_a, _ = hotline.sites
    site_a.serve("/live.png", b"\x89PNG not really")
    live = site_a.url("img.host-a.test", "/live.png")
    gone = site_a.url("img.host-a.test", "/gone.png")
    down = "http://nowhere.test/x.png"
    hotline.report(live, gone, down, "http://later.test/y.png")
    hotline.check()
    hotline.report("http://img.host-a.test:1/unchecked.png")
    counts = hotline_stats(hotline.case, now=hotline.clock.now).counts
    assert {k: counts[k] for k in ("reported", "live", "removed", "unreachable", "unchecked",
                                   "pending", "reports")} == {
        "reported": 5, "live": 1, "removed": 1, "unreachable": 2, "unchecked": 1, "pending": 5,
        "reports": 5,
    }  # fmt: skip
    parts = ("live", "removed", "unreachable", "refused", "unchecked")
    assert sum(counts[k] for k in parts) == counts["reported"]
