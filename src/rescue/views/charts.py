"""Charts as SVG strings, built with Altair and rendered on the server by vl-convert.

Why on the server: pages run under a CSP without scripts, and an SVG inlined in the page needs
none. vl-convert runs Vega in an embedded JavaScript runtime inside this process; it is given
the data inline and forbidden every URL (``allowed_base_urls=[]``), so a spec can never fetch.

What vl-convert (1.9) emits, checked by the tests: presentation attributes only (``fill=``,
``font-size=``), no ``<style>`` element, no ``style=""`` attribute, no script, no link; text
from the data is escaped (``&lt;script&gt;``). So the SVG can be inlined under a CSP with no
``style-src 'unsafe-inline'``.

Accessibility: Vega labels every mark and axis with ``aria-label`` (e.g. "Country: GB;
Persons: 12"); ``render`` adds a ``<title>``, a ``<desc>`` and a label to the root element, and
bar charts print each value beside its bar, so no figure depends on colour or hovering.

Every chart goes through ``line_chart`` or ``bar_chart``, so the dashboard and the hotline's
survival and trend charts look alike. Empty data gives a small "no data yet" SVG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import altair as alt
import vl_convert

from rescue.views.dashboard import Count, Material, MonthActivity

Rows = Sequence[Mapping[str, Any]]
XType = Literal["temporal", "quantitative", "ordinal", "nominal"]

WIDTH = 520  # px; the page scales the SVG down through its viewBox on narrow screens
HEIGHT = 220
BAR_STEP = 22  # px per bar: the chart grows with its categories instead of squeezing them
NO_DATA = "no data yet"
OTHER = "other"
_COLOUR = "#1f5f8b"  # one colour with a 7:1 contrast on white; values are printed beside bars
_FONT = "sans-serif"
_CONFIG: dict[str, Any] = {
    "font": _FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 160},
    "title": {"fontSize": 14, "anchor": "start"},
}
_MEMO = 64  # rendered dashboard charts kept: a few scopes x a few lake versions
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def render(chart: alt.TopLevelMixin, *, title: str, description: str) -> str:
    """An Altair chart as SVG with a title and description a screen reader announces."""
    spec = chart.to_dict()  # validates against the Vega-Lite schema: a bad spec fails here
    svg = vl_convert.vegalite_to_svg(spec, config=_CONFIG, allowed_base_urls=[])
    return _label(svg, title, description)


def no_data(title: str, message: str = NO_DATA, *, width: int = WIDTH) -> str:
    """A small SVG standing in for a chart that has nothing to show yet."""
    name = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="64" '
        f'viewBox="0 0 {width} 64" role="img" aria-label={quoteattr(f"{title}: {message}")}>'
        f"<title>{name}</title><desc>{escape(message)}</desc>"
        f'<text x="0" y="18" font-family="{_FONT}" font-size="14px" font-weight="bold" '
        f'fill="#000">{name}</text>'
        f'<text x="0" y="46" font-family="{_FONT}" font-size="12px" fill="#555">'
        f"{escape(message)}</text></svg>"
    )


def line_chart(
    rows: Rows,
    x: str,
    y: str,
    color: str | None = None,
    *,
    title: str,
    x_title: str,
    y_title: str,
    description: str = "",
    color_title: str | None = None,
    y_format: str = ",d",
    x_type: XType = "temporal",
    step: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Lines of ``y`` over ``x``, one per value of ``color``.

    Temporal ``x`` values are ISO dates read as UTC and labelled by month ("Jan 2024"); use
    ``step`` for survival curves, whose value holds until the next event. ``color_title``
    names the series in the legend and in each line's label (else the field's name is read).
    ``y_format`` is a d3 format: ",d" for counts, ".0%" for shares.
    """
    if not rows:
        return no_data(title, width=width)
    x_enc = alt.X(field=x, type=x_type, title=x_title)
    if x_type == "temporal":
        x_enc = alt.X(
            field=x,
            type=x_type,
            title=x_title,
            axis=alt.Axis(format="%b %Y", labelAngle=0),
            scale=alt.Scale(type="utc"),  # the data's months are UTC, whatever the host's zone
        )
    encoding: dict[str, Any] = {
        "x": x_enc,
        "y": alt.Y(field=y, type="quantitative", title=y_title, axis=_value_axis(y_format)),
    }
    mark = alt.MarkDef(type="line", interpolate="step-after" if step else "linear")
    if color is None:
        mark = alt.MarkDef(type="line", interpolate=mark.interpolate, color=_COLOUR)
    else:
        encoding["color"] = alt.Color(field=color, type="nominal", title=color_title, sort=None)
    chart = alt.Chart(
        alt.InlineData(values=[dict(r) for r in rows]),
        mark=mark,
        title=title,
        description=description or title,
        width=width,
        height=height,
    ).encode(**encoding)
    return render(chart, title=title, description=description or title)


def bar_chart(
    rows: Rows,
    category: str,
    value: str,
    *,
    title: str,
    category_title: str,
    value_title: str,
    description: str = "",
    order: Sequence[str] | None = None,
    color: str | None = None,
    color_title: str | None = None,
    value_format: str = ",d",
    width: int = WIDTH,
) -> str:
    """Horizontal bars of ``value`` per ``category``, in ``order`` or else in the rows' order.

    With ``color`` the bars are stacked by that field (e.g. notices per provider and status);
    without, each bar carries its value as text, in ``value_format`` (a d3 format).
    """
    if not rows:
        return no_data(title, width=width)
    sort: list[str] | None = list(order) if order is not None else None
    base = alt.Chart(
        alt.InlineData(values=[dict(r) for r in rows]),
        width=width,
        height=alt.Step(BAR_STEP),
    ).encode(
        y=alt.Y(field=category, type="nominal", title=category_title, sort=sort),
        x=alt.X(
            field=value,
            type="quantitative",
            title=value_title,
            axis=_value_axis(value_format),
            aggregate="sum" if color is not None else alt.Undefined,
        ),
    )
    layers: list[alt.Chart]
    if color is not None:
        stack = alt.Color(field=color, type="nominal", title=color_title, sort=None)
        layers = [base.mark_bar().encode(color=stack)]
    else:
        bars = base.mark_bar(color=_COLOUR)
        labels = base.mark_text(align="left", dx=4, color="#000").encode(
            text=alt.Text(field=value, type="quantitative", format=value_format)
        )
        layers = [bars, labels]
    chart = alt.layer(*layers, title=title, description=description or title)
    return render(chart, title=title, description=description or title)


# -- the dashboard's charts ------------------------------------------------------------------
# Each takes the dashboard's own frozen sections and is memoised on them: the sections come from
# the lake cache, so a page load after the first renders nothing (a chart costs 50-100 ms).

_SERIES = (("posts", "Posts"), ("messages", "Private messages"), ("new_accounts", "New accounts"))


def activity_chart(activity: Sequence[MonthActivity]) -> str:
    return _activity_chart(tuple(activity))


@lru_cache(maxsize=_MEMO)
def _activity_chart(activity: tuple[MonthActivity, ...]) -> str:
    rows = [
        {"month": f"{m.month}-01", "series": label, "count": getattr(m, field)}
        for m in activity
        for field, label in _SERIES
    ]
    return line_chart(
        rows,
        "month",
        "count",
        "series",
        title="Activity by month",
        x_title="Month (UTC)",
        y_title="Count",
        color_title="What",
        description="Posts, private messages and new member accounts per month.",
    )


def persons_by_country_chart(counts: Sequence[Count], top: int = 10) -> str:
    """The ``top`` countries by persons; the rest as "other", and "unknown" last."""
    return _persons_by_country_chart(tuple(counts), top)


@lru_cache(maxsize=_MEMO)
def _persons_by_country_chart(counts: tuple[Count, ...], top: int) -> str:
    unknown = [c for c in counts if c.label == "unknown"]
    placed = sorted((c for c in counts if c.label != "unknown"), key=lambda c: (-c.n, c.label))
    shown = placed[:top]
    rest = sum(c.n for c in placed[top:])
    if rest:
        shown.append(Count(OTHER, rest))
    rows = [{"country": c.label, "persons": c.n} for c in [*shown, *unknown]]
    return bar_chart(
        rows,
        "country",
        "persons",
        title="Persons per country",
        category_title="Country",
        value_title="Persons",
        description=f"Persons by attributed country; the {top} largest, the rest as other.",
        order=[c.label for c in [*shown, *unknown]],
    )


def tiers_chart(tiers: Sequence[Count]) -> str:
    return _tiers_chart(tuple(tiers))


@lru_cache(maxsize=_MEMO)
def _tiers_chart(tiers: tuple[Count, ...]) -> str:
    rows = [{"tier": t.label, "persons": t.n} for t in tiers]
    return bar_chart(
        rows,
        "tier",
        "persons",
        title="Persons per priority tier",
        category_title="Tier",
        value_title="Persons",
        description="Persons in each priority tier, from Very High to Low.",
        order=[t.label for t in tiers],
    )


@lru_cache(maxsize=_MEMO)
def material_chart(material: Material | None) -> str:
    title = "Known and new material"
    if material is None:
        return no_data(title)
    kinds = {
        "Known: exact match": material.known_exact,
        "Known: perceptual match": material.known_perceptual,
        "New: matched no hash set": material.new_files,
    }
    rows = [{"kind": kind, "files": n} for kind, n in kinds.items()]
    return bar_chart(
        rows,
        "kind",
        "files",
        title=title,
        category_title="Material",
        value_title="Distinct files",
        description=(
            f"Distinct files matching known material, and new files in "
            f"{material.new_clusters} clusters of near duplicates."
        ),
        order=list(kinds),
    )


def warm_up() -> None:
    """Start vl-convert's JavaScript runtime (~2 s, once a process) before a page needs it."""
    bar_chart([{"k": "a", "v": 1}], "k", "v", title="warm-up", category_title="k", value_title="v")


def _value_axis(fmt: str) -> alt.Axis:
    # Counts get whole-number ticks only: "0.5 persons" on an axis reads as an error.
    if fmt.endswith("d"):
        return alt.Axis(format=fmt, tickMinStep=1)
    return alt.Axis(format=fmt)


def _label(svg: str, title: str, description: str) -> str:
    """Name the chart on its root element: a <title> and <desc>, and the ARIA graphics role."""
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        raise ValueError("vl-convert returned no <svg> element")
    tag = opening.group(0)[:-1]
    named = (
        f'{tag} role="graphics-document document" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )
    return svg[: opening.start()] + named + svg[opening.end() :]
