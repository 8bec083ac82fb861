"""Charts of the removal figures as SVG strings, drawn on the server (Altair + vl-convert).

No JavaScript reaches the browser and no file is written: the dashboard page embeds the SVG,
the CLI saves it. Survival curves are step functions (share of URLs still online against hours
since notice or report), one line per group, the largest groups first; the monthly trend shows
the Kaplan-Meier median time to removal by month of report, beside the number reported.
"""

from __future__ import annotations

from typing import Any

from rescue.hotline.stats import GroupFigures, HotlineStats, MonthFigures
from rescue.hotline.survival import RemovalFigures

CLOCKS = ("from_notice", "from_report")
GROUPS = ("by_provider", "by_asn", "by_country")
MAX_LINES = 8  # more lines than this are unreadable; the rest are in the table


def _svg(chart: Any) -> str:
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg


def _curve_rows(name: str, figures: RemovalFigures) -> list[dict[str, Any]]:
    points = figures.curve or ((0.0, 1.0),)
    return [{"group": name, "hours": t, "online": s} for t, s in points]


def survival_chart_svg(
    stats: HotlineStats, *, clock: str = "from_notice", group: str = "by_provider"
) -> str:
    """Kaplan-Meier curves: all URLs, then one line per group (at most ``MAX_LINES``)."""
    import altair as alt

    if clock not in CLOCKS or group not in GROUPS:
        raise ValueError(f"clock must be one of {CLOCKS} and group one of {GROUPS}")
    figures = getattr(stats, clock)
    groups: list[GroupFigures] = getattr(figures, group)[: MAX_LINES - 1]
    rows = _curve_rows("all", figures.overall)
    for g in groups:
        rows += _curve_rows(f"{g.key} (n={g.figures.n})", g.figures)
    since = clock.removeprefix("from_")
    chart = (
        alt.Chart(alt.InlineData(values=rows), title=f"Share still online, hours since {since}")
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("hours:Q", title=f"hours since {since}"),
            y=alt.Y("online:Q", title="share still online", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("group:N", title=group.removeprefix("by_")),
        )
        .properties(width=520, height=300)
    )
    return _svg(chart)


def trend_chart_svg(trend: list[MonthFigures]) -> str:
    """Median hours from report to removal per month (Kaplan-Meier), and URLs reported."""
    import altair as alt

    rows = [
        {"month": m.month, "reported": m.reported, "median_hours": m.figures.median_hours}
        for m in trend
    ]
    base = alt.Chart(alt.InlineData(values=rows), title="Time to removal by month of report")
    bars = base.mark_bar(opacity=0.3).encode(
        x=alt.X("month:O", title="month reported"),
        y=alt.Y("reported:Q", title="URLs reported"),
    )
    line = base.mark_line(point=True).encode(
        x=alt.X("month:O"),
        y=alt.Y("median_hours:Q", title="median hours to removal"),
    )
    chart = alt.layer(bars, line).resolve_scale(y="independent").properties(width=520, height=260)
    return _svg(chart)
