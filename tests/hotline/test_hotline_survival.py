"""Kaplan-Meier removal figures against hand-computed examples, and the stats built on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescue.case import Case
from rescue.hotline.charts import survival_chart_svg
from rescue.hotline.stats import (
    HotlineStats,
    clock_figures,
    hotline_stats,
    measure,
)
from rescue.hotline.survival import first_at_or_below, kaplan_meier
from rescue.ops.models import HotlineUrl

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def test_a_hand_computed_kaplan_meier_with_ties_and_censoring() -> None:
    # Eight URLs, hours online; * = still online (censored):
    #     2, 5*, 5, 8, 8, 12*, 20, 30*
    # t = 2:  8 at risk, 1 removed   S = 7/8                  = 0.875
    # t = 5:  7 at risk, 1 removed   S = 0.875 * 6/7          = 0.75
    #         (the URL censored at 5 is at risk at 5, and gone after: 5 remain)
    # t = 8:  5 at risk, 2 removed   S = 0.75 * 3/5           = 0.45
    #         (12* leaves: 2 remain)
    # t = 20: 2 at risk, 1 removed   S = 0.45 * 1/2           = 0.225
    # median: the first t with S <= 0.5 is 8; S never reaches 0.1: no 90th percentile.
    # removed by 24 h: 1 - S(24) = 1 - 0.225 = 0.775 (and the same by 3 and 7 days).
    # naive mean over the removed: (2 + 5 + 8 + 8 + 20) / 5 = 8.6 h
    hours = [2, 5, 5, 8, 8, 12, 20, 30]
    removed = [True, False, True, True, True, False, True, False]
    f = kaplan_meier(hours, removed)
    assert (f.n, f.removed, f.censored) == (8, 5, 3)
    assert (f.median_hours, f.p90_hours, f.naive_mean_hours) == (8.0, None, 8.6)
    assert f.within == pytest.approx({"24h": 0.775, "3d": 0.775, "7d": 0.775})
    steps = {t: s for t, s in f.curve}
    assert steps[2.0] == pytest.approx(0.875) and steps[5.0] == pytest.approx(0.75)
    assert steps[8.0] == pytest.approx(0.45) and steps[20.0] == pytest.approx(0.225)


def test_all_removed_gives_the_ordinary_quantiles() -> None:
    # 1, 2, 3, 4 h, all removed: S = 3/4, 2/4, 1/4, 0. Median 2 h (S(2) = 0.5), the 90th
    # percentile 4 h (the first S <= 0.1); within 24 h: everything.
    f = kaplan_meier([1, 2, 3, 4], [True] * 4)
    assert (f.median_hours, f.p90_hours, f.naive_mean_hours) == (2.0, 4.0, 2.5)
    assert f.within == {"24h": 1.0, "3d": 1.0, "7d": 1.0}


def test_the_horizons_include_a_removal_at_exactly_that_time() -> None:
    # Removed at 24 h, 72 h and 168 h exactly, one still online at 200 h.
    f = kaplan_meier([24, 72, 168, 200], [True, True, True, False])
    assert f.within == pytest.approx({"24h": 0.25, "3d": 0.5, "7d": 0.75})


def test_the_naive_mean_flatters_a_slow_provider() -> None:
    # A slow provider removed one URL after an hour and left nine online for 300 h: the mean over
    # its closed cases says 1 hour; Kaplan-Meier says most of its URLs are still up.
    f = kaplan_meier([1] + [300] * 9, [True] + [False] * 9)
    assert f.naive_mean_hours == 1.0
    assert f.median_hours is None and f.within["7d"] == pytest.approx(0.1)


def test_no_urls_and_no_removals() -> None:
    empty = kaplan_meier([], [])
    assert (empty.n, empty.median_hours, empty.naive_mean_hours, empty.curve) == (0, None, None, ())
    assert empty.within == {"24h": None, "3d": None, "7d": None}
    open_only = kaplan_meier([5, 6], [False, False])
    assert (open_only.median_hours, open_only.naive_mean_hours) == (None, None)
    assert open_only.within == {"24h": 0.0, "3d": 0.0, "7d": 0.0}
    with pytest.raises(ValueError, match="2 durations but 1 flags"):
        kaplan_meier([1, 2], [True])


def test_first_at_or_below_forgives_rounding() -> None:
    curve = [(11.0, 5 / 6), (51.0, 5 / 6 * 4 / 5), (87.0, 5 / 6 * 4 / 5 * 3 / 4), (111.0, 1 / 3)]
    assert first_at_or_below(curve, 0.5) == 87.0
    assert first_at_or_below(curve, 0.1) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=500), st.booleans()), min_size=1, max_size=30
    )
)
def test_kaplan_meier_without_censoring_is_the_empirical_distribution(
    data: list[tuple[int, bool]],
) -> None:
    # With every URL removed, 1 - S(t) is the share removed by t, and the median is the
    # smallest time by which at least half were removed.
    hours = sorted(h for h, _ in data)
    f = kaplan_meier(hours, [True] * len(hours))
    share = sum(h <= 24 for h in hours) / len(hours)
    assert f.within["24h"] == pytest.approx(share, abs=1e-6)
    half = next(h for i, h in enumerate(hours, start=1) if i / len(hours) >= 0.5 - 1e-12)
    assert f.median_hours == half
    assert f.naive_mean_hours == pytest.approx(sum(hours) / len(hours), abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.booleans()), min_size=1, max_size=30))
def test_survival_never_rises_and_censoring_never_lowers_it(data: list[tuple[int, bool]]) -> None:
    hours = [h for h, _ in data]
    removed = [r for _, r in data]
    f = kaplan_meier(hours, removed)
    shares = [s for _, s in f.curve]
    assert all(a >= b - 1e-12 for a, b in pairwise(shares))
    all_removed = kaplan_meier(hours, [True] * len(hours))
    assert all(
        (x or 0) <= (y or 0) + 1e-9
        for x, y in zip(f.within.values(), all_removed.within.values(), strict=True)
    )


def _url(**fields: object) -> HotlineUrl:
    base: dict[str, object] = dict(
        url="http://x.test/", url_sha256="0" * 64, host="x.test", verdict="illegal",
        state="open", last_outcome="live", reported_at=T0, reappearances=0,
        baseline_image=False, provider="P", asn_name="AS", country="DE",
    )  # fmt: skip
    return HotlineUrl(**{**base, **fields})


def test_measure_times_removed_urls_to_the_first_sighting_and_open_ones_to_now() -> None:
    now = T0 + timedelta(hours=100)
    rows = [
        _url(notified_at=T0 + timedelta(hours=1), state="removed",
             removed_seen_at=T0 + timedelta(hours=11)),
        _url(notified_at=T0 + timedelta(hours=1), state="confirmed",
             removed_seen_at=T0 + timedelta(hours=31), country=None, provider=None),
        _url(notified_at=T0 + timedelta(hours=2)),  # still online: censored at now
        _url(notified_at=None),  # never notified: not on the notice clock
        _url(verdict="not_illegal", notified_at=T0),  # not illegal: never measured
        _url(verdict="pending", notified_at=T0),
    ]  # fmt: skip
    measured = measure(rows, lambda r: r.notified_at, now)
    assert [(m.hours, m.removed) for m in measured] == [(10.0, True), (30.0, True), (98.0, False)]
    assert [m.country for m in measured] == ["DE", "unknown", "DE"]
    from_report = measure(rows, lambda r: r.reported_at, now)
    assert len(from_report) == 4
    figures = clock_figures(measured)
    assert [g.key for g in figures.by_provider] == ["P", "unknown"]
    assert figures.overall.median_hours == 30.0


def test_stats_of_an_empty_case(case: Case) -> None:
    stats = hotline_stats(case, now=T0)
    doc = stats.as_dict()
    assert {k: doc[k] for k in ("reported", "live", "removed", "unreachable")} == dict.fromkeys(
        ("reported", "live", "removed", "unreachable"), 0
    )
    assert doc["from_notice"]["overall"]["n"] == 0
    assert doc["from_notice"]["by_provider"] == []
    assert survival_chart_svg(stats).startswith("<svg")


def test_curves_are_left_out_of_the_json_unless_asked(case: Case) -> None:
    stats: HotlineStats = hotline_stats(case, now=T0)
    assert "curve" not in stats.as_dict()["from_notice"]["overall"]
    assert stats.as_dict(with_curves=True)["from_notice"]["overall"]["curve"] == []


def test_a_chart_of_an_unknown_clock_is_refused(case: Case) -> None:
    with pytest.raises(ValueError, match="clock must be one of"):
        survival_chart_svg(hotline_stats(case, now=T0), clock="from_lunch")
