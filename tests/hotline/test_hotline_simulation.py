"""Fourteen days of a hotline in a few seconds: the injectable clock moves an hour at a time, a
scheduler runs the due checks and sends the due notices, two providers take material down (or
not) on the loopback servers, and the figures at the end are the ones worked out by hand.

Timeline (day 0 is Monday 2024-05-06; the 09:00 report is checked at once, then every 4 hours:
01, 05, 09, 13, 17, 21 o'clock; a confirmed removal is looked at daily):

    URL  provider  what happens                                    first seen gone   since notice
    a0   A         404 from day 0 20:00                            day 0 21:00       11 h
    a1   A         410 from day 2 12:00                            day 2 13:00       51 h
    a2   A         a placeholder from day 1 06:00 (confirmed gone  day 4 01:00       87 h
                   day 2 09:00), the original back day 3 00:00
                   (seen day 3 09:00: reopened), 404 from day 4
    b0   B         never removed                                   -                 censored 335 h
    b1   B         404 from day 5 00:00                            day 5 01:00       111 h
    b2   B         503 from day 6 00:00 on: unreachable, not gone  -                 censored 335 h

Every URL is assessed at 10:00 on day 0 and the first notices go out then: one to A (3 URLs), one
to B (3 URLs). The stats are taken at day 14 09:00, 335 hours after the notices.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from rescue.hotline.charts import survival_chart_svg, trend_chart_svg
from rescue.hotline.checks import run_due_checks
from rescue.hotline.history import url_history
from rescue.hotline.notices import list_notices, send_notices
from rescue.hotline.reports import list_urls
from rescue.hotline.stats import hotline_stats, monthly_trend
from tests.hotline.conftest import (
    PROVIDER_A,
    PROVIDER_B,
    START,
    Hotline,
    free_picture_urls,
    picture,
)

pytestmark = pytest.mark.slow  # end to end: web and mail servers, two weeks of scheduler runs
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def at(day: int, hour: int) -> timedelta:
    return day * DAY + (hour - 9) * HOUR  # since START, day 0 09:00


def simulate(hotline: Hotline) -> dict[str, int]:
    a_urls, b_urls = free_picture_urls(hotline, a=3, b=3)
    site_a, site_b = hotline.sites
    ids = dict(zip(["a0", "a1", "a2", "b0", "b1", "b2"], hotline.report(*a_urls, *b_urls),
                   strict=True))  # fmt: skip

    def status(site: object, path: str, code: int) -> Callable[[], None]:
        return lambda: setattr(site.pages[path], "status", code)  # type: ignore[attr-defined]

    def body(path: str, data: bytes) -> Callable[[], None]:
        return lambda: setattr(site_a.pages[path], "body", data)

    actions: dict[timedelta, list[Callable[[], None]]] = {
        at(0, 10): [lambda: hotline.assess(*ids.values())],
        at(0, 20): [status(site_a, "/a0.png", 404)],
        at(1, 6): [body("/a2.png", picture(999))],
        at(2, 12): [status(site_a, "/a1.png", 410)],
        at(3, 0): [body("/a2.png", picture(102))],
        at(4, 0): [status(site_a, "/a2.png", 404)],
        at(5, 0): [status(site_b, "/b1.png", 404)],
        at(6, 0): [status(site_b, "/b2.png", 503)],
    }
    end = START + 14 * DAY
    while hotline.clock.now <= end:
        for action in actions.get(hotline.clock.now - START, []):
            action()
        run_due_checks(hotline.case, now=hotline.clock.now, fetcher=hotline.fetcher,
                       geo=hotline.geo)  # fmt: skip
        send_notices(hotline.case, now=hotline.clock.now)
        hotline.clock.advance(hours=1)
    hotline.clock.now = end
    return ids


def test_fourteen_days(hotline: Hotline) -> None:
    """One simulation per backend (it takes seconds), checked three ways."""
    ids = simulate(hotline)
    notices_are_grouped_and_repeated_daily_until_removal(hotline, ids)
    every_stage_timestamp_is_kept(hotline, ids)
    the_figures_are_the_hand_computed_ones(hotline)


def notices_are_grouped_and_repeated_daily_until_removal(
    hotline: Hotline, ids: dict[str, int]
) -> None:
    to_a = hotline.mailbox.to("abuse@host-a.test")
    to_b = hotline.mailbox.to("abuse@host-b.test")
    times = [START + at(0, 10) + k * DAY for k in range(14)]
    # B never removed b0: a notice every day at 10:00, to the hour, 14 in all.
    assert [m["Date"] for m in to_b] == [t.strftime("%a, %d %b %Y %H:%M:%S +0000") for t in times]
    b_urls = {ids[k]: k for k in ("b0", "b1", "b2")}
    by_b = sorted((n for n in list_notices(hotline.case, limit=100)
                   if n.provider == PROVIDER_B), key=lambda n: n.created_at)  # fmt: skip
    contents = [sorted(b_urls[u] for u, _ in n.urls) for n in by_b]
    assert contents == (
        [["b0", "b1", "b2"]] * 5  # days 0-4
        + [["b0", "b2"]]  # day 5: b1 was seen gone at 01:00
        + [["b0"]] * 8  # from day 6: b2 unreachable (no re-notice for what nobody saw live)
    )
    assert [n.escalation for n in by_b] == [False] * 7 + [True] + [False] * 6
    assert to_b[7]["Cc"] == "liaison@police.test"
    # A: the first notice, then a1 alone on days 1 and 2, then a2 again the morning it came back.
    by_a = sorted((n for n in list_notices(hotline.case, limit=100)
                   if n.provider == PROVIDER_A), key=lambda n: n.created_at)  # fmt: skip
    a_names = {ids[k]: k for k in ("a0", "a1", "a2")}
    assert [(n.created_at - START, sorted(a_names[u] for u, _ in n.urls)) for n in by_a] == [
        (at(0, 10), ["a0", "a1", "a2"]),
        (at(1, 10), ["a1"]),
        (at(2, 10), ["a1"]),
        (at(3, 9), ["a2"]),
    ]
    assert len(to_a) == 4


def every_stage_timestamp_is_kept(hotline: Hotline, ids: dict[str, int]) -> None:
    timeline = [(e.kind, e.at - START) for e in url_history(hotline.case, ids["a2"]).events]
    assert timeline == [
        ("reported", at(0, 9)),
        ("assessed", at(0, 10)),
        ("notified", at(0, 10)),
        ("removed_seen", at(1, 9)),
        ("removed_confirmed", at(2, 9)),
        ("reappeared", at(3, 9)),
        ("renotified", at(3, 9)),
        ("removed_seen", at(4, 1)),
        ("removed_confirmed", at(5, 1)),
    ]
    b0 = [(e.kind, e.at - START) for e in url_history(hotline.case, ids["b0"]).events]
    assert b0[:3] == [("reported", at(0, 9)), ("assessed", at(0, 10)), ("notified", at(0, 10))]
    assert [k for k, _ in b0[3:]] == ["renotified"] * 6 + ["escalated"] + ["renotified"] * 6
    urls = {u.id: u for u in list_urls(hotline.case)}
    a2 = urls[ids["a2"]]
    assert (a2.state, a2.reappearances, a2.reappeared_at) == ("confirmed", 1, START + at(3, 9))
    assert a2.removed_seen_at == START + at(4, 1)
    assert a2.removed_confirmed_at == START + at(5, 1)
    assert urls[ids["b2"]].last_outcome == "unreachable" and urls[ids["b2"]].state == "open"


def the_figures_are_the_hand_computed_ones(hotline: Hotline) -> None:
    stats = hotline_stats(hotline.case, now=hotline.clock.now)
    assert {k: stats.counts[k] for k in ("reported", "live", "removed", "unreachable")} == {
        "reported": 6, "live": 1, "removed": 4, "unreachable": 1,
    }  # fmt: skip
    assert stats.counts["escalated"] == 1 and stats.counts["reappeared"] == 1
    # From the notice: removals at 11, 51, 87, 111 h; b0 and b2 censored at 335 h.
    #   S(11) = 5/6, S(51) = 5/6 * 4/5 = 4/6, S(87) = 4/6 * 3/4 = 1/2, S(111) = 1/2 * 2/3 = 1/3
    #   median: the first time S <= 0.5 is 87 h; 90th percentile: S never reaches 0.1
    #   removed within 24 h: 1 - 5/6; 3 days (72 h): 1 - 4/6; 7 days (168 h): 1 - 1/3
    #   naive mean over the removed only: (11 + 51 + 87 + 111) / 4 = 65 h
    overall = stats.from_notice.overall
    assert (overall.n, overall.removed, overall.censored) == (6, 4, 2)
    assert (overall.median_hours, overall.p90_hours, overall.naive_mean_hours) == (87.0, None, 65.0)
    assert overall.within == pytest.approx({"24h": 1 / 6, "3d": 2 / 6, "7d": 4 / 6}, abs=1e-6)
    by_provider = {g.key: g.figures for g in stats.from_notice.by_provider}
    a, b = by_provider["Example Hosting A GmbH"], by_provider["Example Host B Inc"]
    # A removed all three: S = 2/3, 1/3, 0 at 11, 51, 87 h; median 51 h, 90th percentile 87 h.
    assert (a.median_hours, a.p90_hours, a.censored) == (51.0, 87.0, 0)
    # B removed one of three at 111 h: S = 2/3, the median is not reached. The naive mean over
    # its one closed URL (111 h) is what a report of averages would show for B.
    assert (b.median_hours, b.naive_mean_hours, b.censored) == (None, 111.0, 2)
    by_country = {g.key: g.figures.n for g in stats.from_notice.by_country}
    assert by_country == {"DE": 3, "US": 3}
    # From the report, everything is one hour longer (reported 09:00, notified 10:00).
    assert stats.from_report.overall.median_hours == 88.0
    assert stats.from_report.overall.naive_mean_hours == 66.0
    doc = stats.as_dict()
    assert doc["reported"] == 6 and doc["from_notice"]["overall"]["median_hours"] == 87.0
    # The same figures drawn: curves per provider and per country, and the monthly trend.
    survival = survival_chart_svg(stats)
    assert survival.startswith("<svg") and f"{PROVIDER_A} (n=3)" in survival
    by_country = survival_chart_svg(stats, clock="from_report", group="by_country")
    assert "US (n=3)" in by_country
    trend = trend_chart_svg(monthly_trend(hotline.case, now=hotline.clock.now))
    assert trend.startswith("<svg") and "2024-05" in trend
